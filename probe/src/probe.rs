//! The probe: five steps, reported in seed order. The IMAP and SMTP legs run concurrently, each
//! step timed on its own. SMTP AUTH waits until IMAP has accepted the login, so a wrong password
//! costs one failed login, not two; the test email waits for the IMAP checks, and the checked
//! session then watches the INBOX for it.

use std::time::Instant;

use futures::channel::oneshot;

use crate::imap::{self, ImapSession};
use crate::imap_checks;
use crate::login;
use crate::model::{Credentials, ProbeOptions, ProbeSettings, SecretKind};
use crate::net::Leg;
use crate::oauth::{self, BearerMechanism};
use crate::proto::Proto;
use crate::report::{Category, DetailCode, Field, ProbeReport, StepName, StepReport};
use crate::round_trip::{test_email, Inbox};
use crate::smtp::{self, SmtpConn};
use crate::step::{close, Clock, Fail, Ordered, Step};
use crate::tls::TlsPolicy;

/// What the IMAP leg hands to the SMTP leg once its login step passed.
struct Checked {
    main: ImapSession,
    /// The server advertises IDLE.
    idle: bool,
}

async fn imap_leg<F: FnMut(&StepReport)>(
    leg: &Leg<'_>,
    creds: &Credentials,
    out: &Ordered<F>,
    accepted: oneshot::Sender<()>,
    checked: oneshot::Sender<Checked>,
) {
    let mut step = Step::start(StepName::ImapConnect);
    let conn = imap::open(leg).await;
    step.source = leg.meter.first_source();
    step.ev.bytes_read = leg.meter.total();
    let conn = match conn {
        Ok(c) => {
            step.ev.greeting = Some(c.greeting.clone());
            step.ev.capabilities = c.capabilities.clone();
            step.tls = Some(c.tls.clone());
            out.settle(step.finish(Ok(()), creds));
            c
        }
        Err(f) => {
            out.settle(step.finish(Err(f), creds));
            return out.skip(&[StepName::ImapLogin]);
        }
    };
    let mut step = Step::start(StepName::ImapLogin);
    step.source = leg.meter.first_source();
    let before = leg.meter.total();
    let res = imap_login(&mut step, conn, creds, leg, accepted).await;
    step.ev.bytes_read = leg.meter.total() - before;
    match res {
        Ok((main, mut extra, idle)) => {
            out.settle(step.finish(Ok(()), creds));
            if let Err(mut unused) = checked.send(Checked { main, idle }) {
                close(unused.main.logout()).await;
            }
            futures::future::join_all(extra.iter_mut().map(|s| close(s.logout()))).await;
        }
        Err(f) => out.settle(step.finish(Err(f), creds)),
    }
}

/// LOGIN (then `accepted` fires), the folders, and the concurrent sessions the product holds.
/// The step's own time is LOGIN and LIST, the phase a mail client goes through; the limit check
/// that follows notes its own time.
async fn imap_login(
    step: &mut Step,
    conn: imap::ImapConn,
    creds: &Credentials,
    leg: &Leg<'_>,
    accepted: oneshot::Sender<()>,
) -> Result<(ImapSession, Vec<ImapSession>, bool), Fail> {
    if conn.is_courier() {
        let fail = Fail::new(
            Category::ImapValidationError,
            DetailCode::CourierImap,
            "the server is Courier-IMAP, which is not supported: replies sent to a Courier-IMAP inbox cannot be logged",
            Some(Field::ImapHost),
        );
        return Err(fail.line(conn.greeting.clone()));
    }
    let (log, before_login) = (conn.log.clone(), conn.capabilities.clone());
    let mut main = login::imap(conn, creds, leg).await?;
    let _ = accepted.send(());
    if creds.kind() == SecretKind::AccessToken {
        if let Some(m) = BearerMechanism::from_imap_capabilities(&before_login) {
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            step.note(format!("IMAP {}", oauth::describe(m, creds.secret(), now)));
        }
    }
    // The LOGIN answer usually lists the capabilities of the logged-in state.
    let after_login = imap::caps_from(&log.lines(4096));
    let caps = if after_login.is_empty() {
        before_login
    } else {
        after_login
    };
    let folders = imap_checks::folders(&mut main, leg).await?;
    step.stop_clock();
    step.note(format!(
        "{} folders; INBOX found; Sent folder: {}; a third permanent connection is {}",
        folders.count,
        folders.sent.as_deref().unwrap_or("-"),
        if folders.has_others {
            "needed (other folders exist)"
        } else {
            "not needed"
        }
    ));
    // The limit check runs after the step's own work, so its connections' TLS handshakes do
    // not compete with LOGIN and LIST for the CPU, on either end.
    let mut extra = Vec::new();
    if leg.opts.check_concurrency {
        let check_start = Instant::now();
        let needed = folders.connections_needed();
        extra = imap_checks::hold_concurrent(needed, creds, leg).await?;
        step.note(format!(
            "{needed} concurrent IMAP connections accepted (the extra connections opened, then logged in one after the other: {} ms)",
            check_start.elapsed().as_millis()
        ));
    }
    Ok((main, extra, caps.iter().any(|c| c == "IDLE")))
}

async fn smtp_leg<F: FnMut(&StepReport)>(
    leg: &Leg<'_>,
    creds: &Credentials,
    out: &Ordered<F>,
    accepted: oneshot::Receiver<()>,
    checked: oneshot::Receiver<Checked>,
) {
    let Some(mut c) = smtp_connect_step(leg, creds, out).await else {
        return out.skip(&[StepName::SmtpLogin, StepName::TestEmail]);
    };
    // The product's second session is connected while IMAP decides on the login.
    let check_concurrency = leg.opts.check_concurrency;
    let second = async { check_concurrency.then_some(smtp::open(leg).await) };
    let (accepted, second) = tokio::join!(accepted, second);
    if accepted.is_err() {
        out.skip(&[StepName::SmtpLogin, StepName::TestEmail]);
        if let Some(Ok(mut second)) = second {
            close(second.conn.quit()).await;
        }
        return close(c.conn.quit()).await;
    }
    let passed = smtp_login_step(&mut c, second, creds, leg, out).await;
    let checked = match (passed, checked.await) {
        (true, Ok(checked)) => checked,
        (_, unused) => {
            out.skip(&[StepName::TestEmail]);
            if let Ok(mut unused) = unused {
                close(unused.main.logout()).await;
            }
            return close(c.conn.quit()).await;
        }
    };
    test_email_step(c, checked, creds, leg, out).await;
}

/// The SMTP connect step; the session when it succeeded.
async fn smtp_connect_step<F: FnMut(&StepReport)>(
    leg: &Leg<'_>,
    creds: &Credentials,
    out: &Ordered<F>,
) -> Option<SmtpConn> {
    let mut step = Step::start(StepName::SmtpConnect);
    let conn = smtp::open(leg).await;
    step.source = leg.meter.first_source();
    step.ev.bytes_read = leg.meter.total();
    match conn {
        Ok(c) => {
            step.ev.greeting = Some(c.banner.clone());
            step.ev.capabilities = c.ehlo.clone();
            step.tls = Some(c.tls.clone());
            out.settle(step.finish(Ok(()), creds));
            Some(c)
        }
        Err(f) => {
            out.settle(step.finish(Err(f), creds));
            None
        }
    }
}

/// The SMTP login step; whether it passed.
async fn smtp_login_step<F: FnMut(&StepReport)>(
    c: &mut SmtpConn,
    second: Option<Result<SmtpConn, Fail>>,
    creds: &Credentials,
    leg: &Leg<'_>,
    out: &Ordered<F>,
) -> bool {
    let mut step = Step::start(StepName::SmtpLogin);
    step.source = leg.meter.first_source();
    let res = smtp_login(&mut step, c, second, creds, leg).await;
    let passed = res.is_ok();
    out.settle(step.finish(res, creds));
    passed
}

/// The test email step, then goodbye to the IMAP session and the SMTP one.
async fn test_email_step<F: FnMut(&StepReport)>(
    mut c: SmtpConn,
    checked: Checked,
    creds: &Credentials,
    leg: &Leg<'_>,
    out: &Ordered<F>,
) {
    let mut inbox = Inbox::new(checked.main, checked.idle);
    let mut step = Step::start(StepName::TestEmail);
    step.source = leg.meter.first_source();
    let res = test_email(&mut step, &mut c, &mut inbox, creds, leg).await;
    out.settle(step.finish(res, creds));
    let logout = async {
        if let Some(mut main) = inbox.into_session().await {
            close(main.logout()).await;
        }
    };
    tokio::join!(logout, close(c.conn.quit()));
}

/// AUTH, then AUTH on the `second` session (when the concurrency check runs).
async fn smtp_login(
    step: &mut Step,
    c: &mut SmtpConn,
    second: Option<Result<SmtpConn, Fail>>,
    creds: &Credentials,
    leg: &Leg<'_>,
) -> Result<(), Fail> {
    let first = login::smtp(c, creds, leg).await;
    if first.is_ok() && creds.kind() == SecretKind::AccessToken {
        if let Some(m) = BearerMechanism::from_ehlo(&c.ehlo) {
            step.note(format!("SMTP signed in with {}", m.name()));
        }
    }
    let Some(second) = second else {
        return first;
    };
    let mut second = match (first, second) {
        (Err(f), Ok(mut unused)) => {
            close(unused.conn.quit()).await;
            return Err(f);
        }
        (Err(f), Err(_)) => return Err(f),
        (Ok(()), second) => second.map_err(|f| concurrency(f, leg))?,
    };
    let res = login::smtp(&mut second, creds, leg).await;
    close(second.conn.quit()).await;
    res.map_err(|f| concurrency(f, leg))?;
    step.note("2 concurrent SMTP sessions accepted");
    Ok(())
}

fn concurrency(f: Fail, leg: &Leg<'_>) -> Fail {
    let why = f.line.clone().unwrap_or(f.detail);
    leg.proto.fail(
        DetailCode::ConcurrencyLimit,
        format!("the SMTP server accepted only 1 session for this mailbox; the product holds 2 at once: {why}"),
        Field::SmtpHost,
    )
}

/// Runs the five steps and returns the report. A remote failure is a report with a failed
/// step, never an `Err`. `on_step` is called for each step in seed order as it is settled.
pub async fn probe(
    settings: &ProbeSettings,
    creds: &Credentials,
    opts: &ProbeOptions,
    on_step: impl FnMut(&StepReport),
) -> ProbeReport {
    let start = Instant::now();
    let out = Ordered::new(on_step);
    let policy = match TlsPolicy::new(settings, opts) {
        Ok(p) => p,
        Err(e) => {
            let fail = Proto::Imap.fail(
                DetailCode::TlsHandshakeFailed,
                format!("the probe's TLS setup is invalid: {e}"),
                Field::ImapSecurity,
            );
            out.settle(Step::start(StepName::ImapConnect).finish(Err(fail), creds));
            out.skip(&StepName::ALL[1..]);
            return out.report(start);
        }
    };
    let clock = Clock::new(opts);
    let imap = Leg::new(Proto::Imap, &settings.imap, opts, &policy, clock);
    let smtp = Leg::new(Proto::Smtp, &settings.smtp, opts, &policy, clock);
    let (accepted_tx, accepted_rx) = oneshot::channel();
    let (checked_tx, checked_rx) = oneshot::channel();
    tokio::join!(
        imap_leg(&imap, creds, &out, accepted_tx, checked_tx),
        smtp_leg(&smtp, creds, &out, accepted_rx, checked_rx),
    );
    out.report(start)
}
