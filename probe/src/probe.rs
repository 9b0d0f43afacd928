//! The probe: five steps in seed order. IMAP connect/login and SMTP connect run concurrently;
//! SMTP AUTH waits for the IMAP login so a wrong password costs one failed login, not two.

use std::time::{Duration, Instant};

use crate::imap::{self, ImapSession};
use crate::imap_checks;
use crate::imap_login;
use crate::model::{Credentials, ProbeOptions, ProbeSettings};
use crate::net::{Leg, Proto};
use crate::report::{Category, DetailCode, Field, ProbeReport, StepName, StepReport};
use crate::smtp::{self, SmtpConn};
use crate::smtp_send;
use crate::step::{Clock, Fail, Step};
use crate::tls::TlsPolicy;

/// IMAP sessions the probe holds after a successful login.
struct ImapHeld {
    main: ImapSession,
    extra: Vec<ImapSession>,
}

async fn imap_connect_step(leg: &Leg<'_>) -> (Step, Result<imap::ImapConn, Fail>) {
    let mut step = Step::start(StepName::ImapConnect);
    let res = imap::open(leg).await;
    step.source = leg.meter.first_source();
    step.ev.bytes_read = leg.meter.total();
    if let Ok(c) = &res {
        step.ev.greeting = Some(c.greeting.clone());
        step.ev.capabilities = c.capabilities.clone();
        step.tls = Some(c.tls.clone());
    }
    (step, res)
}

async fn imap_login_step(
    conn: imap::ImapConn,
    creds: &Credentials,
    leg: &Leg<'_>,
    opts: &ProbeOptions,
) -> (Step, Result<ImapHeld, Fail>) {
    let mut step = Step::start(StepName::ImapLogin);
    step.source = leg.meter.first_source();
    if conn.is_courier() {
        let fail = Fail::new(
            Category::ImapValidationError,
            DetailCode::CourierImap,
            "the server is Courier-IMAP, which is not supported: replies sent to a Courier-IMAP inbox cannot be logged",
            Some(Field::ImapHost),
        )
        .line(conn.greeting.clone());
        return (step, Err(fail));
    }
    let before = leg.meter.total();
    let res = async {
        let mut main = imap_login::login(conn, creds, leg).await?;
        let folders = imap_checks::folders(&mut main, leg).await?;
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
        let mut extra = Vec::new();
        if opts.check_concurrency {
            let needed = folders.connections_needed();
            extra = imap_checks::hold_concurrent(needed, creds, leg).await?;
            step.note(format!("{needed} concurrent IMAP connections accepted"));
        }
        Ok(ImapHeld { main, extra })
    }
    .await;
    step.ev.bytes_read = leg.meter.total() - before;
    (step, res)
}

async fn smtp_connect_step(leg: &Leg<'_>) -> (Step, Result<SmtpConn, Fail>) {
    let mut step = Step::start(StepName::SmtpConnect);
    let res = smtp::open(leg).await;
    step.stop();
    step.source = leg.meter.first_source();
    step.ev.bytes_read = leg.meter.total();
    if let Ok(c) = &res {
        step.ev.greeting = Some(c.banner.clone());
        step.ev.capabilities = c.ehlo.clone();
        step.tls = Some(c.tls.clone());
    }
    (step, res)
}

async fn smtp_login_step(
    c: &mut SmtpConn,
    creds: &Credentials,
    leg: &Leg<'_>,
    opts: &ProbeOptions,
) -> (Step, Result<(), Fail>) {
    let mut step = Step::start(StepName::SmtpLogin);
    step.source = leg.meter.first_source();
    let res = async {
        smtp::login(c, creds, leg).await?;
        if opts.check_concurrency {
            let mut second = smtp::open(leg).await.map_err(|f| concurrency(f, leg))?;
            smtp::login(&mut second, creds, leg)
                .await
                .map_err(|f| concurrency(f, leg))?;
            step.note("2 concurrent SMTP sessions accepted");
            let _ = tokio::time::timeout(Duration::from_secs(1), second.conn.quit()).await;
        }
        Ok(())
    }
    .await;
    (step, res)
}

fn concurrency(f: Fail, leg: &Leg<'_>) -> Fail {
    let why = f.line.clone().unwrap_or(f.detail);
    leg.proto.fail(
        DetailCode::ConcurrencyLimit,
        format!("the SMTP server accepted only 1 session for this mailbox; the product holds 2 at once: {why}"),
        Field::SmtpHost,
    )
}

async fn test_email_step(
    c: &mut SmtpConn,
    held: &mut ImapHeld,
    creds: &Credentials,
    leg: &Leg<'_>,
    opts: &ProbeOptions,
) -> (Step, Result<(), Fail>) {
    let mut step = Step::start(StepName::TestEmail);
    step.source = leg.meter.first_source();
    let to = opts
        .test_recipient
        .clone()
        .unwrap_or_else(|| creds.email.clone());
    let id = smtp_send::new_message_id(&creds.email);
    let res = async {
        let queued = smtp_send::send_test(c, &creds.email, &to, &id, leg).await?;
        step.note(format!("sent {id} to {to}: {queued}"));
        if !to.eq_ignore_ascii_case(&creds.email) {
            return Ok(());
        }
        let wait = opts
            .round_trip_wait
            .min(leg.clock.deadline.saturating_duration_since(Instant::now()));
        let slack = leg.clock.limit();
        let found = tokio::time::timeout(
            wait + slack,
            imap_checks::find_message(&mut held.main, &id, wait),
        )
        .await
        .unwrap_or_else(|_| Err(format!("the IMAP search for {id} did not finish in time")));
        match found {
            Ok(after) => {
                step.note(format!(
                    "found {id} in INBOX after {} ms",
                    after.as_millis()
                ));
                Ok(())
            }
            Err(e) => Err(Fail::new(
                Category::TestEmailFailed,
                DetailCode::MessageNotFound,
                e,
                None,
            )),
        }
    }
    .await;
    (step, res)
}

/// Runs the five steps and returns the report. A remote failure is a report with a failed
/// step, never an `Err`. `on_step` is called for each step in seed order as it is settled.
pub async fn probe(
    settings: &ProbeSettings,
    creds: &Credentials,
    opts: &ProbeOptions,
    mut on_step: impl FnMut(&StepReport),
) -> ProbeReport {
    let start = Instant::now();
    let clock = Clock::new(opts);
    let mut steps: Vec<StepReport> = Vec::new();
    let mut emit = |r: StepReport, steps: &mut Vec<StepReport>| {
        on_step(&r);
        steps.push(r);
    };
    let policy = match TlsPolicy::new(settings, opts) {
        Ok(p) => p,
        Err(e) => {
            let fail = Proto::Imap.fail(
                DetailCode::TlsHandshakeFailed,
                format!("the probe's TLS setup is invalid: {e}"),
                Field::ImapSecurity,
            );
            emit(
                Step::start(StepName::ImapConnect).finish(Err(fail), creds),
                &mut steps,
            );
            for name in &StepName::ALL[1..] {
                emit(StepReport::skipped(*name), &mut steps);
            }
            return ProbeReport::from_steps(steps, start.elapsed().as_millis() as u64);
        }
    };
    let leg = |proto, ep| Leg {
        proto,
        ep,
        opts,
        settings,
        policy: &policy,
        clock,
        meter: Default::default(),
        target: Default::default(),
    };
    let imap_leg = leg(Proto::Imap, &settings.imap);
    let smtp_leg = leg(Proto::Smtp, &settings.smtp);

    let imap_part = async {
        let mut out = Vec::new();
        let (step, conn) = imap_connect_step(&imap_leg).await;
        let conn = match conn {
            Ok(c) => {
                emit(step.finish(Ok(()), creds), &mut out);
                c
            }
            Err(f) => {
                emit(step.finish(Err(f), creds), &mut out);
                emit(StepReport::skipped(StepName::ImapLogin), &mut out);
                return (out, None);
            }
        };
        let (step, held) = imap_login_step(conn, creds, &imap_leg, opts).await;
        let (res, held) = match held {
            Ok(h) => (Ok(()), Some(h)),
            Err(f) => (Err(f), None),
        };
        emit(step.finish(res, creds), &mut out);
        (out, held)
    };
    let ((imap_steps, held), (smtp_step, smtp_conn)) =
        tokio::join!(imap_part, smtp_connect_step(&smtp_leg));
    steps.extend(imap_steps);
    let smtp_ok = smtp_conn.is_ok();
    let (smtp_res, mut smtp_conn) = match smtp_conn {
        Ok(c) => (Ok(()), Some(c)),
        Err(f) => (Err(f), None),
    };
    emit(smtp_step.finish(smtp_res, creds), &mut steps);

    match (held, smtp_conn.as_mut()) {
        (Some(mut held), Some(c)) if smtp_ok => {
            let (step, res) = smtp_login_step(c, creds, &smtp_leg, opts).await;
            let login_ok = res.is_ok();
            emit(step.finish(res, creds), &mut steps);
            for mut s in held.extra.drain(..) {
                let _ = tokio::time::timeout(Duration::from_secs(1), s.logout()).await;
            }
            if login_ok {
                let (step, res) = test_email_step(c, &mut held, creds, &smtp_leg, opts).await;
                emit(step.finish(res, creds), &mut steps);
            } else {
                emit(StepReport::skipped(StepName::TestEmail), &mut steps);
            }
            let _ = tokio::time::timeout(Duration::from_secs(1), held.main.logout()).await;
        }
        _ => {
            emit(StepReport::skipped(StepName::SmtpLogin), &mut steps);
            emit(StepReport::skipped(StepName::TestEmail), &mut steps);
        }
    }
    if let Some(c) = smtp_conn.as_mut() {
        let _ = tokio::time::timeout(Duration::from_secs(1), c.conn.quit()).await;
    }
    ProbeReport::from_steps(steps, start.elapsed().as_millis() as u64)
}
