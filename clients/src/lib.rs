//! The documents mail clients fetch to set an account up by themselves, built from a domain's
//! settings: Thunderbird's autoconfig, Outlook's Autodiscover, Apple configuration profiles
//! (signed when the operator configures a key) and the DNS records that point clients here.
//! Pure functions over `domain` types: no database, no web types.

mod apple_profile;
mod autoconfig;
mod autodiscover;
mod dns_records;
mod profile_signer;
mod xml;

pub use apple_profile::{apple_profile, profile_document, ProfileAccount, ProfileError};
pub use autoconfig::autoconfig;
pub use autodiscover::{autodiscover, autodiscover_request_address, RequestError};
pub use dns_records::{dns_records, product_host};
pub use profile_signer::{ProfileSigner, SignerError};
