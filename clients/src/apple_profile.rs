//! The Apple configuration profile of an inbox: a property list with one
//! `com.apple.mail.managed` payload holding the inbox's settings and address (no password: the
//! device asks for it). Signed (CMS) when a [`ProfileSigner`] is given; otherwise unsigned, and
//! the device shows it as "Not Verified".

use domain::DomainSettings;
use plist::{Dictionary, Value};
use sha2::{Digest, Sha256};

use crate::{ProfileSigner, SignerError};

/// The inbox a profile sets up.
pub struct ProfileAccount<'a> {
    /// The inbox's id: the profile's identifier, so installing it again replaces it.
    pub id: i32,
    pub email: &'a str,
    /// The login name (the address unless the inbox has its own username).
    pub login: &'a str,
    pub settings: &'a DomainSettings,
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("cannot write the profile: {0}")]
    Write(#[from] plist::Error),
    #[error("cannot sign the profile: {0}")]
    Sign(#[from] SignerError),
}

/// The profile's bytes: an XML property list, wrapped in CMS SignedData when `signer` is given.
pub fn apple_profile(
    account: &ProfileAccount<'_>,
    signer: Option<&ProfileSigner>,
) -> Result<Vec<u8>, ProfileError> {
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &profile_document(account))?;
    match signer {
        Some(signer) => Ok(signer.sign(&body)?),
        None => Ok(body),
    }
}

/// A stable UUID for `what`: installing the profile again replaces the earlier one.
fn uuid(what: &str) -> String {
    let h = hex::encode_upper(&Sha256::digest(what.as_bytes())[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn profile_document(account: &ProfileAccount<'_>) -> Value {
    let identifier = format!("mailsettings.inbox.{}", account.id);
    let email = account.email;
    let mut outer = Dictionary::new();
    outer.insert("PayloadType".into(), "Configuration".into());
    outer.insert("PayloadVersion".into(), 1.into());
    outer.insert("PayloadIdentifier".into(), identifier.clone().into());
    outer.insert(
        "PayloadUUID".into(),
        uuid(&format!("{identifier}:{email}")).into(),
    );
    outer.insert(
        "PayloadDisplayName".into(),
        format!("Mail settings for {email}").into(),
    );
    let mail = mail_payload(account, &identifier);
    outer.insert("PayloadContent".into(), Value::Array(vec![mail.into()]));
    Value::Dictionary(outer)
}

fn mail_payload(account: &ProfileAccount<'_>, identifier: &str) -> Dictionary {
    let s = account.settings;
    let email = account.email;
    let mut mail = Dictionary::new();
    let mut put = |k: &str, v: Value| {
        mail.insert(k.to_string(), v);
    };
    put("PayloadType", "com.apple.mail.managed".into());
    put("PayloadVersion", 1.into());
    put("PayloadIdentifier", format!("{identifier}.mail").into());
    put(
        "PayloadUUID",
        uuid(&format!("{identifier}.mail:{email}")).into(),
    );
    put("PayloadDisplayName", format!("Mail: {email}").into());
    put("EmailAccountDescription", email.into());
    put("EmailAccountType", "EmailTypeIMAP".into());
    put("EmailAddress", email.into());
    put("IncomingMailServerHostName", s.imap_host.to_string().into());
    put(
        "IncomingMailServerPortNumber",
        i64::from(s.imap_port.get()).into(),
    );
    // On a STARTTLS port Apple Mail upgrades the connection; SSL/TLS ports start with TLS.
    put("IncomingMailServerUseSSL", true.into());
    put("IncomingMailServerUsername", account.login.into());
    put(
        "IncomingMailServerAuthentication",
        "EmailAuthPassword".into(),
    );
    put("OutgoingMailServerHostName", s.smtp_host.to_string().into());
    put(
        "OutgoingMailServerPortNumber",
        i64::from(s.smtp_port.get()).into(),
    );
    put("OutgoingMailServerUseSSL", true.into());
    put("OutgoingMailServerUsername", account.login.into());
    put(
        "OutgoingMailServerAuthentication",
        "EmailAuthPassword".into(),
    );
    put("OutgoingPasswordSameAsIncomingPassword", true.into());
    mail
}
