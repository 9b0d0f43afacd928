//! Reading a certificate (x509-parser) and naming what is wrong with it.

use std::net::IpAddr;

use rustls::CertificateError;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::report::{DetailCode, TlsFacts};

/// SHA-256 of a DER certificate.
pub fn fingerprint(der: &[u8]) -> [u8; 32] {
    Sha256::digest(der).into()
}

/// Days before expiry at which a warning is given.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The parts of a certificate the report shows.
#[derive(Debug, Clone)]
pub struct CertInfo {
    pub subject: String,
    pub common_names: Vec<String>,
    pub sans: Vec<String>,
    pub issuer: String,
    pub not_after: OffsetDateTime,
    pub self_signed: bool,
    pub sha256: String,
}

pub fn date(t: OffsetDateTime) -> String {
    t.date().to_string()
}

impl CertInfo {
    pub fn parse(der: &[u8]) -> Option<Self> {
        let (_, cert) = X509Certificate::from_der(der).ok()?;
        let common_names = cert
            .subject()
            .iter_common_name()
            .filter_map(|cn| cn.as_str().ok().map(str::to_string))
            .collect();
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for name in &ext.value.general_names {
                match name {
                    GeneralName::DNSName(d) => sans.push(format!("DNS:{d}")),
                    GeneralName::IPAddress(b) => {
                        let ip = match b.len() {
                            4 => <[u8; 4]>::try_from(*b).ok().map(IpAddr::from),
                            16 => <[u8; 16]>::try_from(*b).ok().map(IpAddr::from),
                            _ => None,
                        };
                        if let Some(ip) = ip {
                            sans.push(format!("IP:{ip}"));
                        }
                    }
                    _ => {}
                }
            }
        }
        Some(Self {
            subject: cert.subject().to_string(),
            common_names,
            sans,
            issuer: cert.issuer().to_string(),
            not_after: cert.validity().not_after.to_datetime(),
            self_signed: cert.subject() == cert.issuer(),
            sha256: hex::encode(fingerprint(der)),
        })
    }

    pub fn facts(&self) -> TlsFacts {
        let mut warnings = Vec::new();
        let days = (self.not_after - OffsetDateTime::now_utc()).whole_days();
        if (0..=EXPIRY_WARNING_DAYS).contains(&days) {
            warnings.push(format!(
                "certificate expires within {EXPIRY_WARNING_DAYS} days: in {days} days, on {}",
                date(self.not_after)
            ));
        }
        if self.sans.is_empty() {
            warnings.push(
                "certificate names the host only in its Common Name (no Subject Alternative Name): modern clients reject it"
                    .to_string(),
            );
        }
        TlsFacts {
            subject: Some(self.subject.clone()),
            sans: self.sans.clone(),
            issuer: Some(self.issuer.clone()),
            not_after: Some(date(self.not_after)),
            sha256_fingerprint: Some(self.sha256.clone()),
            self_signed: self.self_signed,
            warnings,
            ..TlsFacts::default()
        }
    }

    fn names(&self) -> String {
        if self.sans.is_empty() {
            format!("CN {}", self.common_names.join(", "))
        } else {
            self.sans.join(", ")
        }
    }
}

/// Names a certificate error: its detail code and a one-line cause.
pub fn describe_cert_error(e: &rustls::Error, leaf: Option<&[u8]>) -> (DetailCode, String) {
    let info = leaf.and_then(CertInfo::parse);
    let rustls::Error::InvalidCertificate(ce) = e else {
        return (
            DetailCode::CertMalformed,
            format!("the certificate was refused: {e}"),
        );
    };
    match (ce, &info) {
        (CertificateError::UnknownIssuer, Some(i)) if i.self_signed => (
            DetailCode::CertSelfSigned,
            format!("the certificate is self-signed ({})", i.subject),
        ),
        (CertificateError::UnknownIssuer, Some(i)) => (
            DetailCode::CertUntrustedIssuer,
            format!("the certificate is signed by an unrecognized authority ({})", i.issuer),
        ),
        (CertificateError::UnknownIssuer, None) => (
            DetailCode::CertUntrustedIssuer,
            "the certificate is signed by an unrecognized authority".to_string(),
        ),
        (CertificateError::Expired | CertificateError::ExpiredContext { .. }, _) => {
            let when = match (ce, &info) {
                (_, Some(i)) => date(i.not_after),
                (CertificateError::ExpiredContext { not_after, .. }, None) => {
                    OffsetDateTime::from_unix_timestamp(not_after.as_secs() as i64)
                        .map(date)
                        .unwrap_or_default()
                }
                _ => String::from("an unknown date"),
            };
            (DetailCode::CertExpired, format!("the certificate expired on {when}"))
        }
        (CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. }, _) => (
            DetailCode::CertNotYetValid,
            "the certificate is not valid yet".to_string(),
        ),
        (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }, Some(i))
            if i.sans.is_empty() =>
        (
            DetailCode::CertCnOnly,
            format!(
                "the certificate names the host only in its Common Name ({}) and has no Subject Alternative Name: modern clients reject it",
                i.common_names.join(", ")
            ),
        ),
        (CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. }, _) => (
            DetailCode::CertWrongHost,
            format!(
                "the certificate is not valid for this host name (it names {})",
                info.as_ref().map(CertInfo::names).unwrap_or_else(|| "other hosts".into())
            ),
        ),
        _ => (
            DetailCode::CertMalformed,
            format!("the certificate is malformed or unusable: {ce:?}"),
        ),
    }
}
