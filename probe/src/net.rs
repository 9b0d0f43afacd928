//! Shared connection work for IMAP and SMTP: resolve through the guard, TCP connect from the
//! static source when that is on, and TLS.

use std::io::ErrorKind;

use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;

use crate::egress::{SourceAddr, StaticEgressError};
use crate::handshake;
use crate::model::{Endpoint, ProbeOptions};
use crate::proto::Proto;
use crate::report::{DetailCode, TlsFacts};
use crate::resolve::{connect_checked, CheckedAddr, GuardError, Target};
use crate::step::{timeout_text, Clock, Fail};
use crate::tap::{Meter, Tap, Transcript};
use crate::tls::TlsPolicy;

/// The raw TCP stream with its byte counter and cap.
pub type Raw = Tap<TcpStream>;
/// The TLS stream, with a transcript of the decrypted server bytes.
pub type Secure = Tap<TlsStream<Raw>>;

/// Bytes of the plaintext transcript kept for evidence.
const KEEP: usize = 16 * 1024;

/// Everything one leg (IMAP or SMTP) needs to open connections.
#[derive(Clone)]
pub struct Leg<'a> {
    pub proto: Proto,
    pub ep: &'a Endpoint,
    pub opts: &'a ProbeOptions,
    pub policy: &'a TlsPolicy,
    pub clock: Clock,
    pub meter: Meter,
    pub target: Target,
}

impl<'a> Leg<'a> {
    pub fn new(
        proto: Proto,
        ep: &'a Endpoint,
        opts: &'a ProbeOptions,
        policy: &'a TlsPolicy,
        clock: Clock,
    ) -> Self {
        Self {
            proto,
            ep,
            opts,
            policy,
            clock,
            meter: Meter::default(),
            target: Target::default(),
        }
    }

    /// The operator error when no static address can be used: the connect step's category.
    fn egress_fail(&self, e: &StaticEgressError) -> Fail {
        let p = self.proto;
        Fail::new(
            p.settings_category(),
            DetailCode::StaticSourceUnavailable,
            e.to_string(),
            None,
        )
    }

    /// The source for the next connection to `addr`: the next static address when static
    /// egress is on (recorded for the report), else unbound.
    pub fn source(&self, addr: CheckedAddr) -> Result<SourceAddr, StaticEgressError> {
        let ip = addr.addr().ip();
        let source = SourceAddr::choose(self.opts.static_egress.as_deref(), ip)?;
        if let Some(ip) = source.ip() {
            self.meter.add_source(ip);
        }
        Ok(source)
    }

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
            .resolve(opts.resolver.as_ref(), host, self.ep.port, opts.guard())
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
                    connect_checked(host, addr, opts.guard(), source)
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
        let pin = self.ep.pin.as_ref().map(crate::tls::pin_digest);
        let res = self
            .clock
            .run(
                async {
                    self.policy
                        .handshake(&self.ep.host, pin, raw)
                        .await
                        .map_err(|(e, seen)| {
                            let sources = self.meter.sources();
                            handshake::failure(
                                p,
                                self.ep,
                                &sources,
                                &e,
                                seen,
                                &raw_log,
                                after_starttls,
                            )
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
        quick_ack(tls.get_ref().0.get_ref());
        Ok((Tap::new(tls, Transcript::new(KEEP, limit_bytes)), facts))
    }
}

/// Acknowledges the server's next bytes at once. A server that writes its TLS session tickets
/// and then its greeting as two small writes (Postfix on SMTPS) holds the greeting until the
/// tickets are acknowledged (Nagle), and a delayed ACK makes that 40 ms on Linux.
fn quick_ack(tcp: &TcpStream) {
    #[cfg(target_os = "linux")]
    let _ = socket2::SockRef::from(tcp).set_tcp_quickack(true);
}
