//! Pure, wasm-safe domain types for mail domain IMAP/SMTP settings.
//!
//! Every parser returns a type that can only hold a valid value, and every error's `Display`
//! is the user-facing message, so the browser and the server show the same text.

mod account;
mod api_token;
mod cidr;
mod diff;
mod dns_record;
mod field;
mod form;
mod inbox;
mod names;
pub mod oauth;
#[cfg(feature = "openapi")]
pub mod openapi;
mod pin;
mod port;
mod roles;
mod security;
mod settings;
mod warnings;

pub use account::{check_new_password, EmailAddress, EmailError, PasswordError};
pub use api_token::{TokenError, TokenLifetime, TokenName, TokenScope};
pub use cidr::{find_overlap, parse_cidr_list, parse_disjoint_cidr_list, CidrError};
pub use diff::{diff, FieldChange};
pub use dns_record::DnsRecord;
pub use field::Field;
pub use form::{form_bool, Checked, ClientSecretInput, DomainSettingsForm};
pub use inbox::{InboxState, RolloutState};
pub use names::{Hostname, MailDomain, NameError};
pub use pin::{CertPin, PinError};
pub use port::{Port, PortError};
pub use roles::{
    account_diff, AccountChange, AccountField, AccountValues, Rights, Role, RoleError,
};
pub use security::{Security, SecurityError};
pub use settings::{DomainSettings, FieldErrors, SIGN_IN_OAUTH, SIGN_IN_PASSWORD};
pub use warnings::{warnings, FieldWarning};
