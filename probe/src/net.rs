//! Shared connection work for IMAP and SMTP: resolve through the guard, TCP connect, TLS,
//! waiting for a greeting, and telling a security mismatch from the first bytes.

use std::io::ErrorKind;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::certinfo::CertInfo;
use crate::egress::StaticEgressError;
use crate::model::{Endpoint, ProbeOptions, ProbeSettings};
use crate::report::{Category, DetailCode, Field, TlsFacts};
use crate::resolve::{connect_checked, CheckedAddr, GuardError, Target};
use crate::step::{timeout_text, Clock, Fail};
use crate::tap::{clip, Meter, Tap, Transcript};
use crate::tls::TlsPolicy;

/// The raw TCP stream with its byte counter and cap.
pub type Raw = Tap<TcpStream>;
/// The TLS stream, with a transcript of the decrypted server bytes.
pub type Secure = Tap<TlsStream<Raw>>;

/// Bytes of the plaintext transcript kept for evidence.
const KEEP: usize = 16 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Imap,
    Smtp,
}

impl Proto {
    pub fn settings_category(self) -> Category {
        match self {
            Proto::Imap => Category::ImapSettingsIncorrect,
            Proto::Smtp => Category::SmtpSettingsIncorrect,
        }
    }
    pub fn host_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapHost,
            Proto::Smtp => Field::SmtpHost,
        }
    }
    pub fn port_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapPort,
            Proto::Smtp => Field::SmtpPort,
        }
    }
    pub fn security_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapSecurity,
            Proto::Smtp => Field::SmtpSecurity,
        }
    }
    pub fn connect_step(self) -> crate::report::StepName {
        match self {
            Proto::Imap => crate::report::StepName::ImapConnect,
            Proto::Smtp => crate::report::StepName::SmtpConnect,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Proto::Imap => "IMAP",
            Proto::Smtp => "SMTP",
        }
    }
    pub fn fail(self, code: DetailCode, detail: impl Into<String>, field: Field) -> Fail {
        Fail::new(self.settings_category(), code, detail, Some(field))
    }
}

/// Everything one leg (IMAP or SMTP) needs to open connections.
#[derive(Clone)]
pub struct Leg<'a> {
    pub proto: Proto,
    pub ep: &'a Endpoint,
    pub opts: &'a ProbeOptions,
    pub settings: &'a ProbeSettings,
    pub policy: &'a TlsPolicy,
    pub clock: Clock,
    pub meter: Meter,
    pub target: Target,
}

impl Leg<'_> {
    fn guard_fail(&self, e: &GuardError) -> Fail {
        let p = self.proto;
        let code = match e {
            GuardError::NotAllowed { .. } => DetailCode::AddressNotAllowed,
            _ => DetailCode::DnsFailed,
        };
        p.fail(code, e.to_string(), p.host_field())
    }

    /// Connects to the leg's address, resolved and checked by the guard on first use.
    pub async fn connect(&self) -> Result<(Raw, CheckedAddr), Fail> {
        let p = self.proto;
        let (host, opts) = (&self.ep.host, self.opts);
        let addr = self
            .target
            .resolve(opts.resolver.as_ref(), host, self.ep.port, &opts.allowlist)
            .await
            .map_err(|e| self.guard_fail(&e))?;
        let source = self.source(addr).map_err(|e| self.egress_fail(&e))?;
        let from = source
            .ip()
            .map(|ip| format!(" from {ip}"))
            .unwrap_or_default();
        let tcp = self
            .clock
            .run(
                async {
                    connect_checked(host, addr, &opts.allowlist, source)
                        .await
                        .map_err(|e| {
                            if let Some(g) = e.get_ref().and_then(|x| x.downcast_ref()) {
                                return self.guard_fail(g);
                            }
                            let code = match (e.kind(), source.ip()) {
                                (ErrorKind::AddrNotAvailable, Some(ip)) => {
                                    let lost = StaticEgressError::Unbindable {
                                        ip,
                                        reason: e.to_string(),
                                    };
                                    return self.egress_fail(&lost);
                                }
                                (ErrorKind::ConnectionRefused, _) => DetailCode::ConnectionRefused,
                                _ => DetailCode::ConnectionLost,
                            };
                            p.fail(
                                code,
                                format!("cannot connect to {addr}{from}: {e}"),
                                p.port_field(),
                            )
                        })
                },
                |limit, b| {
                    let why = match source.ip() {
                        Some(_) => "port filtered, host down, or this address not allowlisted",
                        None => "port filtered or host down",
                    };
                    let what = format!("no TCP answer from {addr}{from} ({why}?)");
                    p.fail(
                        DetailCode::TimedOut,
                        timeout_text(&what, limit, b),
                        p.host_field(),
                    )
                },
            )
            .await?;
        let log = Transcript::new(2048, opts.max_bytes_per_connection);
        self.meter.add(&log);
        Ok((Tap::new(tcp, log), addr))
    }

    /// Upgrades to TLS (implicit or after STARTTLS) and returns the session with its facts.
    pub async fn tls(&self, raw: Raw, after_starttls: bool) -> Result<(Secure, TlsFacts), Fail> {
        let p = self.proto;
        let raw_log = raw.transcript().clone();
        let limit_bytes = self.opts.max_bytes_per_connection;
        let pin = match &self.ep.pinned_sha256 {
            None => None,
            Some(text) => Some(crate::tls::parse_pin(text).ok_or_else(|| {
                Fail::new(
                    Category::UnauthorizedSslCertificateNotTrusted,
                    DetailCode::CertPinMismatch,
                    format!("the pinned fingerprint {text:?} is not a SHA-256 fingerprint (64 hex digits)"),
                    Some(Field::PinnedCertificate),
                )
            })?),
        };
        let res = self
            .clock
            .run(
                async {
                    self.policy
                        .handshake(&self.ep.host, pin, raw)
                        .await
                        .map_err(|(e, seen)| {
                            self.handshake_fail(&e, seen, &raw_log, after_starttls)
                        })
                },
                |limit, b| {
                    let what = if after_starttls {
                        "the TLS handshake after STARTTLS did not finish".to_string()
                    } else {
                        format!("no TLS answer on port {}", self.ep.port)
                    };
                    p.fail(
                        DetailCode::TimedOut,
                        timeout_text(&what, limit, b),
                        p.port_field(),
                    )
                },
            )
            .await?;
        let (tls, facts) = res;
        Ok((Tap::new(tls, Transcript::new(KEEP, limit_bytes)), facts))
    }

    fn handshake_fail(
        &self,
        e: &std::io::Error,
        seen: crate::tls::Seen,
        raw: &Transcript,
        after_starttls: bool,
    ) -> Fail {
        let p = self.proto;
        let leaf_facts = seen
            .leaf
            .as_ref()
            .and_then(|l| CertInfo::parse(l.as_ref()))
            .map(|c| c.facts());
        if seen.pin_mismatch {
            let fp = leaf_facts
                .as_ref()
                .and_then(|f| f.sha256_fingerprint.clone())
                .unwrap_or_default();
            let since = self
                .ep
                .pinned_at
                .as_deref()
                .map(|d| format!(" on {d}"))
                .unwrap_or_default();
            return Fail::new(
                Category::UnauthorizedSslCertificateNotTrusted,
                DetailCode::CertPinMismatch,
                format!("the server's certificate changed since it was pinned{since}: it now presents SHA-256 {fp}"),
                Some(Field::PinnedCertificate),
            )
            .tls(leaf_facts);
        }
        if let (Some(err), Some(leaf)) = (&seen.error, &seen.leaf) {
            let (code, detail) = crate::certinfo::describe_cert_error(err, Some(leaf.as_ref()));
            let field = match code {
                DetailCode::CertWrongHost | DetailCode::CertCnOnly => p.host_field(),
                _ => Field::AllowNonSecureCertificate,
            };
            return Fail::new(
                Category::UnauthorizedSslCertificateNotTrusted,
                code,
                detail,
                Some(field),
            )
            .tls(leaf_facts);
        }
        let rustls_err = e.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>());
        if let Some(
            rustls::Error::PeerIncompatible(_)
            | rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion),
        ) = rustls_err
        {
            return p.fail(
                DetailCode::TlsVersionTooOld,
                format!("the server offers no TLS 1.2 or 1.3 ({e}); older protocols are refused on purpose"),
                p.security_field(),
            );
        }
        let first = raw.text();
        if first.is_empty() && !after_starttls && closed(e) {
            let who = match self.meter.sources().last() {
                Some(ip) => format!("a firewall refusing {ip}"),
                None => "a firewall refusing this client".to_string(),
            };
            let detail =
                format!("the server closed the connection at once, before any TLS byte ({who}?)");
            return p.fail(DetailCode::ConnectionLost, detail, p.host_field());
        }
        let first_line = first.lines().next().unwrap_or("").to_string();
        if !after_starttls && crate::sniff::looks_plaintext(&first) {
            return p
                .fail(
                    DetailCode::TlsOnPlaintextPort,
                    format!(
                        "port {} speaks plaintext {} (it greeted \"{}\"), not implicit TLS: choose STARTTLS",
                        self.ep.port,
                        p.name(),
                        clip(&first_line, 80)
                    ),
                    p.security_field(),
                )
                .line(first_line);
        }
        p.fail(
            DetailCode::TlsHandshakeFailed,
            format!("the TLS handshake failed: {e}"),
            p.security_field(),
        )
    }
}

/// The peer closed or reset the connection.
fn closed(e: &std::io::Error) -> bool {
    use ErrorKind::{ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(
        e.kind(),
        UnexpectedEof | ConnectionReset | ConnectionAborted
    )
}
