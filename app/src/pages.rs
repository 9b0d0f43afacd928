//! One module per screen.

mod chunks;
mod connect_inbox;
mod connection_ips;
mod connection_test;
mod dns_records;
mod domain_form;
mod domain_history;
mod domain_panels;
mod domains;
mod history;
mod history_event;
mod inboxes;
mod login;
mod not_found;
mod probe_report;
mod profile;
mod rollout;
mod server_fields;
mod setup;
mod token_table;
mod user_tokens;
mod users;

pub use chunks::*;
use connect_inbox::ConnectInboxPage;
use connection_ips::ConnectionIpsPanel;
use domain_panels::{DeleteDomainPanel, EditDomainPanel, NewDomainPanel};
use domains::DomainsPage;
pub use domains::NoPanel;
use history::HistoryPage;
use history_event::{HistoryEventPage, VerifyHistoryPage};
use inboxes::InboxesPage;
use login::LoginPage;
pub use not_found::NotFound;
use profile::ProfilePage;
use setup::SetupPage;
use users::UsersPage;
