//! One module per screen.

mod connect_inbox;
mod connection_ips;
mod connection_test;
mod dns_records;
mod domain_form;
mod domain_history;
mod domains;
mod history;
mod history_event;
mod inboxes;
mod login;
mod not_found;
mod probe_report;
mod rollout;
mod server_fields;
mod setup;
mod users;

pub use connect_inbox::ConnectInboxPage;
pub use connection_ips::ConnectionIpsPanel;
pub use domains::{DeleteDomainPanel, DomainsPage, EditDomainPanel, NewDomainPanel, NoPanel};
pub use history::HistoryPage;
pub use history_event::{HistoryEventPage, VerifyHistoryPage};
pub use inboxes::InboxesPage;
pub use login::LoginPage;
pub use not_found::NotFound;
pub use setup::SetupPage;
pub use users::UsersPage;
