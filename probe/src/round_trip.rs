//! The test email and its round trip: the INBOX is watched before the message is sent, and the
//! message is looked up by its Message-ID when the server reports news (IDLE), or by polling
//! where the server offers no IDLE.

use std::time::{Duration, Instant};

use async_imap::extensions::idle::Handle;

use crate::imap::ImapSession;
use crate::model::Credentials;
use crate::net::{Leg, Secure};
use crate::report::{Category, DetailCode};
use crate::smtp::SmtpConn;
use crate::smtp_send;
use crate::step::{Fail, Step, CLOSE};

/// The INBOX is searched again after this pause without news, growing with the time waited:
/// IDLE alone is not enough, as servers may hold news back (Dovecot groups changes for 500 ms).
const RECHECK_FIRST: Duration = Duration::from_millis(10);
const RECHECK_MAX: Duration = Duration::from_millis(500);

fn recheck_after(waited: Duration) -> Duration {
    (RECHECK_FIRST + waited / 4).min(RECHECK_MAX)
}

enum State {
    Ready(ImapSession),
    Idling(Handle<Secure>),
    /// The session broke; it is not used again.
    Lost,
}

/// Why the test message was not seen arriving: the words of the step's failure.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    #[error("the IMAP session is not usable")]
    NotUsable,
    #[error("the IMAP session broke")]
    Broke,
    #[error("{command} failed: {source}")]
    Refused {
        command: &'static str,
        #[source]
        source: async_imap::error::Error,
    },
    #[error("the IMAP session broke during IDLE: {0}")]
    BrokeDuringIdle(#[source] async_imap::error::Error),
    #[error("the test message {message_id} was not found in INBOX within {:.1} s", wait.as_secs_f64())]
    NotFound { message_id: String, wait: Duration },
    #[error("the IMAP server did not open the INBOX in time")]
    NotOpenedInTime,
    #[error("the IMAP search for {0} did not finish in time")]
    SearchNotFinishedInTime(String),
}

fn refused(command: &'static str) -> impl FnOnce(async_imap::error::Error) -> WatchError {
    move |source| WatchError::Refused { command, source }
}

/// The held IMAP session, watching the INBOX.
pub struct Inbox {
    state: State,
    idle: bool,
}

impl Inbox {
    /// `idle`: the server advertises IDLE.
    pub fn new(session: ImapSession, idle: bool) -> Self {
        Self {
            state: State::Ready(session),
            idle,
        }
    }

    /// Selects the INBOX and, where offered, starts IDLE: every later arrival is reported.
    pub async fn watch(&mut self) -> Result<(), WatchError> {
        let State::Ready(session) = &mut self.state else {
            return Err(WatchError::NotUsable);
        };
        session
            .select("INBOX")
            .await
            .map_err(refused("SELECT INBOX"))?;
        self.start_idle().await
    }

    async fn start_idle(&mut self) -> Result<(), WatchError> {
        if !self.idle {
            return Ok(());
        }
        let State::Ready(session) = std::mem::replace(&mut self.state, State::Lost) else {
            return Ok(());
        };
        let mut handle = session.idle();
        handle.init().await.map_err(refused("IDLE"))?;
        self.state = State::Idling(handle);
        Ok(())
    }

    async fn stop_idle(&mut self) -> Result<(), WatchError> {
        match std::mem::replace(&mut self.state, State::Lost) {
            State::Idling(handle) => {
                let session = handle.done().await.map_err(refused("ending IDLE"))?;
                self.state = State::Ready(session);
                Ok(())
            }
            State::Ready(session) => {
                self.state = State::Ready(session);
                Ok(())
            }
            State::Lost => Err(WatchError::Broke),
        }
    }

    /// Waits until a message with `message_id` is in the INBOX, at most `wait`. Call after
    /// [`Inbox::watch`] and after the message was sent; returns how long it took.
    pub async fn find(&mut self, message_id: &str, wait: Duration) -> Result<Duration, WatchError> {
        let start = Instant::now();
        let deadline = start + wait;
        let query = format!("HEADER Message-ID \"{message_id}\"");
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let pause = recheck_after(start.elapsed()).min(left);
            if let State::Idling(handle) = &mut self.state {
                let (news, stop) = handle.wait_with_timeout(pause);
                // News or none within the pause: either way, look.
                let heard = tokio::time::timeout(pause, news).await;
                drop(stop);
                if let Ok(Err(e)) = heard {
                    self.state = State::Lost;
                    return Err(WatchError::BrokeDuringIdle(e));
                }
                self.stop_idle().await?;
            } else {
                tokio::time::sleep(pause).await;
            }
            let State::Ready(session) = &mut self.state else {
                return Err(WatchError::Broke);
            };
            let found = session.search(&query).await.map_err(refused("SEARCH"))?;
            if !found.is_empty() {
                return Ok(start.elapsed());
            }
            if Instant::now() >= deadline {
                return Err(WatchError::NotFound {
                    message_id: message_id.to_owned(),
                    wait,
                });
            }
            self.start_idle().await?;
        }
    }

    /// The session back, out of IDLE, for LOGOUT; `None` when it broke.
    pub async fn into_session(mut self) -> Option<ImapSession> {
        if let Ok(Ok(())) = tokio::time::timeout(CLOSE, self.stop_idle()).await {
            if let State::Ready(session) = self.state {
                return Some(session);
            }
        }
        None
    }

    /// Whether arrivals are noticed through IDLE (else by polling).
    pub fn uses_idle(&self) -> bool {
        self.idle
    }
}

/// Sends the test email; when it goes to the mailbox itself, waits until the INBOX shows it.
pub async fn test_email(
    step: &mut Step,
    c: &mut SmtpConn,
    inbox: &mut Inbox,
    creds: &Credentials,
    leg: &Leg<'_>,
) -> Result<(), Fail> {
    let opts = leg.opts;
    let to = opts.test_recipient.as_deref().unwrap_or(&creds.email);
    let round_trip = to.eq_ignore_ascii_case(&creds.email);
    let id = smtp_send::new_message_id(&creds.email);
    let not_found = |e: WatchError| {
        Fail::new(
            Category::TestEmailFailed,
            DetailCode::MessageNotFound,
            e.to_string(),
            None,
        )
    };
    let slack = leg.clock.limit();
    if round_trip {
        // Watched before the message leaves, so that its arrival cannot be missed.
        tokio::time::timeout(slack, inbox.watch())
            .await
            .unwrap_or(Err(WatchError::NotOpenedInTime))
            .map_err(not_found)?;
    }
    let queued = smtp_send::send_test(c, &creds.email, to, &id, leg).await?;
    step.note(format!("sent {id} to {to}: {queued}"));
    if !round_trip {
        return Ok(());
    }
    let wait = opts
        .round_trip_wait
        .min(leg.clock.deadline.saturating_duration_since(Instant::now()));
    let after = tokio::time::timeout(wait + slack, inbox.find(&id, wait))
        .await
        .unwrap_or_else(|_| Err(WatchError::SearchNotFinishedInTime(id.clone())))
        .map_err(not_found)?;
    let how = match inbox.uses_idle() {
        true => "IDLE and SEARCH",
        false => "SEARCH",
    };
    step.note(format!(
        "found {id} in INBOX {} ms after it was queued (watched with {how})",
        after.as_millis()
    ));
    Ok(())
}
