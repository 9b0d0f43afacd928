//! Test from every static address: the IMAP login leg (connect, TLS, LOGIN, logout) and the
//! SMTP login leg (connect, TLS, AUTH, quit; no email) once from each usable source address,
//! a few addresses at a time, under the probe's step timeout, overall budget and address guard.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use futures::StreamExt;
use ipnet::IpNet;

use crate::egress::{IpFamily, StaticEgress, StaticEgressError};
use crate::model::{Credentials, ProbeOptions, ProbeSettings};
use crate::net::Leg;
use crate::proto::Proto;
use crate::redact::Redactor;
use crate::report::{DetailCode, LegCheck, LoginCheck, SourceCheck, StepName};
use crate::resolve::Target;
use crate::step::{close, Clock, Fail};
use crate::taxonomy::Category;
use crate::tls::{TlsPolicy, TlsSetupError};
use crate::{imap, login, smtp};

/// Source addresses tested at the same time.
const CONCURRENT_SOURCES: usize = 4;

/// What every row shares: one budget, and each server resolved once for all rows.
struct Run<'a> {
    settings: &'a ProbeSettings,
    creds: &'a Credentials,
    options: &'a ProbeOptions,
    policy: Result<TlsPolicy, TlsSetupError>,
    clock: Clock,
    imap_target: Target,
    smtp_target: Target,
}

/// Runs the IMAP and SMTP login legs from each usable static address of
/// `options.static_egress` and returns one row per address, in address order. Remote
/// failures are rows; `Err` only when there is no address to test from.
pub async fn probe_from_each_source(
    settings: &ProbeSettings,
    credentials: &Credentials,
    options: &ProbeOptions,
) -> Result<Vec<SourceCheck>, StaticEgressError> {
    let sources = usable_sources(options)?;
    let run = Run::new(settings, credentials, options);
    run.resolve_servers().await;
    Ok(run.rows(sources).await)
}

/// The static addresses to test from; an error when static egress is off or has none.
fn usable_sources(options: &ProbeOptions) -> Result<Vec<IpAddr>, StaticEgressError> {
    let egress = options
        .static_egress
        .as_deref()
        .ok_or(StaticEgressError::NotEnabled)?;
    if egress.ranges().is_empty() {
        return Err(StaticEgressError::NoRanges);
    }
    let sources = egress.usable_addresses();
    if sources.is_empty() {
        return Err(StaticEgressError::Unavailable {
            ranges: egress.ranges_text(),
            family: None,
        });
    }
    Ok(sources)
}

/// The rows of the addresses after the one whose login was refused.
fn not_tested_after_refusal(
    refused_from: IpAddr,
    rest: impl Iterator<Item = IpAddr>,
) -> impl Iterator<Item = SourceCheck> {
    let skipped = format!("not tested: the login from {refused_from} was refused, so the other addresses were not tried; fix the credentials first");
    rest.map(move |ip| SourceCheck {
        source: ip.to_string(),
        imap: LegCheck::not_tested(&skipped),
        smtp: LegCheck::not_tested(&skipped),
    })
}

/// The inbox check: the IMAP and SMTP login legs once, at the same time, through the options'
/// own egress (a static address in turn when it is on).
pub async fn check_logins(
    settings: &ProbeSettings,
    credentials: &Credentials,
    options: &ProbeOptions,
) -> LoginCheck {
    let run = Run::new(settings, credentials, options);
    let (imap, smtp) = tokio::join!(
        run.leg(Proto::Imap, None, options),
        run.leg(Proto::Smtp, None, options)
    );
    LoginCheck { imap, smtp }
}

impl<'a> Run<'a> {
    fn new(settings: &'a ProbeSettings, creds: &'a Credentials, options: &'a ProbeOptions) -> Self {
        Run {
            settings,
            creds,
            options,
            policy: TlsPolicy::new(settings, options),
            clock: Clock::new(options),
            imap_target: Target::default(),
            smtp_target: Target::default(),
        }
    }

    /// Resolves both servers once for all rows. Failures are reported by each row's connect;
    /// this only fills the cache.
    async fn resolve_servers(&self) {
        let (options, resolver) = (self.options, self.options.resolver.as_ref());
        let (imap, smtp) = (&self.settings.imap, &self.settings.smtp);
        let _ = tokio::join!(
            self.imap_target
                .resolve(resolver, &imap.host, imap.port, options.guard()),
            self.smtp_target
                .resolve(resolver, &smtp.host, smtp.port, options.guard()),
        );
    }

    /// One row per source address, in address order.
    async fn rows(&self, sources: Vec<IpAddr>) -> Vec<SourceCheck> {
        // A refused login from every address would look like a password attack and could get the
        // whole range banned (fail2ban): addresses are tried one at a time until a login has been
        // accepted, and none after a refused one.
        let mut sources = sources.into_iter();
        let mut rows = Vec::new();
        for ip in sources.by_ref() {
            let row = self.row(ip).await;
            let legs = [&row.imap, &row.smtp];
            let refused = legs
                .iter()
                .any(|leg| leg.category.is_some_and(Category::is_authentication));
            let accepted = legs.iter().any(|leg| leg.ok);
            rows.push(row);
            if refused {
                rows.extend(not_tested_after_refusal(ip, sources));
                return rows;
            }
            if accepted {
                break;
            }
        }
        rows.extend(
            futures::stream::iter(sources)
                .map(|ip| self.row(ip))
                .buffered(CONCURRENT_SOURCES)
                .collect::<Vec<_>>()
                .await,
        );
        rows
    }

    async fn row(&self, ip: IpAddr) -> SourceCheck {
        // Bound to exactly this address, and only while it is still assigned to the host.
        let opts = ProbeOptions {
            static_egress: Some(Arc::new(StaticEgress::new(vec![IpNet::from(ip)]))),
            ..self.options.clone()
        };
        let (imap, smtp) = tokio::join!(
            self.leg(Proto::Imap, Some(ip), &opts),
            self.leg(Proto::Smtp, Some(ip), &opts)
        );
        SourceCheck {
            source: ip.to_string(),
            imap,
            smtp,
        }
    }

    async fn leg(&self, proto: Proto, ip: Option<IpAddr>, opts: &ProbeOptions) -> LegCheck {
        let start = Instant::now();
        let (ep, target) = match proto {
            Proto::Imap => (&self.settings.imap, &self.imap_target),
            Proto::Smtp => (&self.settings.smtp, &self.smtp_target),
        };
        let policy = match &self.policy {
            Ok(p) => p,
            Err(e) => {
                let fail = proto.fail(
                    DetailCode::TlsHandshakeFailed,
                    format!("the probe's TLS setup is invalid: {e}"),
                    proto.security_field(),
                );
                return self.check(Err((proto.connect_step(), fail)), start);
            }
        };
        let leg = Leg {
            proto,
            ep,
            opts,
            policy,
            clock: self.clock,
            meter: Default::default(),
            target: target.clone(),
        };
        let resolved = target
            .resolve(opts.resolver.as_ref(), &ep.host, ep.port, opts.guard())
            .await;
        if let (Ok(addr), Some(ip)) = (resolved, ip) {
            let (server, source) = (IpFamily::of(addr.addr().ip()), IpFamily::of(ip));
            if server != source {
                return LegCheck {
                    ok: false,
                    category: None,
                    title: None,
                    detail: Some(format!(
                        "not tested: {} is reached over {server}, and {ip} is an {source} address that connections to it never use",
                        ep.host
                    )),
                    code: None,
                    step: None,
                    elapsed_ms: 0,
                };
            }
        }
        let res = match proto {
            Proto::Imap => imap_login_leg(&leg, self.creds).await,
            Proto::Smtp => smtp_login_leg(&leg, self.creds).await,
        };
        self.check(res, start)
    }

    fn check(&self, res: Result<(), (StepName, Fail)>, start: Instant) -> LegCheck {
        let elapsed_ms = start.elapsed().as_millis() as u64;
        match res {
            Ok(()) => LegCheck {
                ok: true,
                category: None,
                title: None,
                detail: None,
                code: None,
                step: None,
                elapsed_ms,
            },
            Err((step, f)) => {
                let mut detail = f.detail;
                Redactor::new(self.creds).apply(&mut detail);
                LegCheck {
                    ok: false,
                    category: Some(f.category),
                    title: Some(f.category.title().to_string()),
                    detail: Some(detail),
                    code: Some(f.code),
                    step: Some(step),
                    elapsed_ms,
                }
            }
        }
    }
}

async fn imap_login_leg(leg: &Leg<'_>, creds: &Credentials) -> Result<(), (StepName, Fail)> {
    let conn = imap::open(leg)
        .await
        .map_err(|f| (StepName::ImapConnect, f))?;
    let mut session = login::imap(conn, creds, leg)
        .await
        .map_err(|f| (StepName::ImapLogin, f))?;
    close(session.logout()).await;
    Ok(())
}

async fn smtp_login_leg(leg: &Leg<'_>, creds: &Credentials) -> Result<(), (StepName, Fail)> {
    let mut c = smtp::open(leg)
        .await
        .map_err(|f| (StepName::SmtpConnect, f))?;
    let res = login::smtp(&mut c, creds, leg).await;
    close(c.conn.quit()).await;
    res.map_err(|f| (StepName::SmtpLogin, f))
}
