//! A domain row and the settings it holds, both ways.

use domain::{CertPin, DomainSettings, Hostname, MailDomain, Port, Security};
use sea_orm::{NotSet, Set};

use super::StoredDomain;
use crate::entity::domain::{ActiveModel, Model};
use crate::StorageError;

pub(crate) fn settings_columns(s: &DomainSettings) -> ActiveModel {
    ActiveModel {
        id: NotSet,
        domain: Set(s.domain.to_string()),
        imap_host: Set(s.imap_host.to_string()),
        imap_port: Set(i32::from(s.imap_port.get())),
        imap_security: Set(s.imap_security.as_str().to_owned()),
        smtp_host: Set(s.smtp_host.to_string()),
        smtp_port: Set(i32::from(s.smtp_port.get())),
        smtp_security: Set(s.smtp_security.as_str().to_owned()),
        allow_non_secure_certificate: Set(s.allow_non_secure_certificate),
        use_static_ips: Set(s.use_static_ips),
        imap_cert_pin: Set(s.imap_cert_pin.as_ref().map(ToString::to_string)),
        smtp_cert_pin: Set(s.smtp_cert_pin.as_ref().map(ToString::to_string)),
        oauth_app: Set(s
            .oauth
            .as_ref()
            .and_then(|app| serde_json::to_string(app).ok())),
        oauth_client_secret: NotSet,
        version: NotSet,
        created_at: NotSet,
        updated_at: NotSet,
    }
}

pub(crate) fn to_stored(m: Model) -> Result<StoredDomain, StorageError> {
    Ok(StoredDomain {
        id: m.id,
        settings: settings_of(&m)?,
        has_client_secret: m.oauth_client_secret.is_some(),
        version: m.version,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

pub(crate) fn settings_of(m: &Model) -> Result<DomainSettings, StorageError> {
    let corrupt = |what: &str, e: &dyn std::fmt::Display| {
        StorageError::Corrupt(format!("domain {} {what}: {e}", m.id))
    };
    let port = |p: i32, what: &str| {
        u16::try_from(p)
            .ok()
            .and_then(Port::new)
            .ok_or_else(|| corrupt(what, &p))
    };
    let pin = |p: &Option<String>, what: &str| {
        p.as_deref()
            .map(CertPin::parse)
            .transpose()
            .map_err(|e| corrupt(what, &e))
    };
    let settings = DomainSettings {
        domain: MailDomain::parse(&m.domain).map_err(|e| corrupt("domain", &e))?,
        imap_host: Hostname::parse(&m.imap_host).map_err(|e| corrupt("imap_host", &e))?,
        imap_port: port(m.imap_port, "imap_port")?,
        imap_security: Security::parse(&m.imap_security)
            .map_err(|e| corrupt("imap_security", &e))?,
        smtp_host: Hostname::parse(&m.smtp_host).map_err(|e| corrupt("smtp_host", &e))?,
        smtp_port: port(m.smtp_port, "smtp_port")?,
        smtp_security: Security::parse(&m.smtp_security)
            .map_err(|e| corrupt("smtp_security", &e))?,
        allow_non_secure_certificate: m.allow_non_secure_certificate,
        use_static_ips: m.use_static_ips,
        imap_cert_pin: pin(&m.imap_cert_pin, "imap_cert_pin")?,
        smtp_cert_pin: pin(&m.smtp_cert_pin, "smtp_cert_pin")?,
        oauth: m
            .oauth_app
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt("oauth_app", &e))?,
    };
    Ok(settings)
}
