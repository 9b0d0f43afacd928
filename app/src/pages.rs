//! One module per screen.

mod connection_ips;
mod connection_test;
mod domain_form;
mod domain_history;
mod domains;
mod login;
mod not_found;
mod probe_report;
mod server_fields;
mod setup;
mod users;

pub use connection_ips::ConnectionIpsPanel;
pub use domains::{DeleteDomainPanel, DomainsPage, EditDomainPanel, NewDomainPanel, NoPanel};
pub use login::LoginPage;
pub use not_found::NotFound;
pub use setup::SetupPage;
pub use users::UsersPage;
