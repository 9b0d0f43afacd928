//! Seed 001's IMAP requirements after login: INBOX and Sent exist, the concurrent connections
//! the product will hold are accepted; and the test email's round trip by Message-ID.

use std::time::{Duration, Instant};

use futures::TryStreamExt;

use crate::imap::{self, ImapSession};
use crate::imap_login;
use crate::model::Credentials;
use crate::net::Leg;
use crate::report::{Category, DetailCode, Field};
use crate::step::{timeout_text, Fail};

const SENT_NAMES: &[&str] = &[
    "sent",
    "sent items",
    "sent messages",
    "sent mail",
    "gesendet",
    "envoyés",
];

/// What folder discovery found.
#[derive(Debug, Clone, Default)]
pub struct Folders {
    pub sent: Option<String>,
    pub has_inbox: bool,
    /// Folders other than INBOX and Sent exist: the product holds a third connection.
    pub has_others: bool,
    pub count: usize,
}

impl Folders {
    /// IMAP connections the product holds open for this mailbox.
    pub fn connections_needed(&self) -> usize {
        if self.has_others {
            3
        } else {
            2
        }
    }
}

fn validation(code: DetailCode, detail: String) -> Fail {
    Fail::new(
        Category::ImapValidationError,
        code,
        detail,
        Some(Field::ImapHost),
    )
}

pub async fn folders(session: &mut ImapSession, leg: &Leg<'_>) -> Result<Folders, Fail> {
    let names =
        leg.clock
            .run(
                async {
                    let stream = session.list(Some(""), Some("*")).await.map_err(|e| {
                        validation(DetailCode::ProtocolError, format!("LIST failed: {e}"))
                    })?;
                    stream.try_collect::<Vec<_>>().await.map_err(|e| {
                        validation(DetailCode::ProtocolError, format!("LIST failed: {e}"))
                    })
                },
                |limit, b| {
                    validation(
                        DetailCode::TimedOut,
                        timeout_text("no answer to LIST", limit, b),
                    )
                },
            )
            .await?;
    let mut f = Folders {
        count: names.len(),
        ..Folders::default()
    };
    for n in &names {
        let name = n.name();
        let special_sent = n
            .attributes()
            .iter()
            .any(|a| matches!(a, async_imap::types::NameAttribute::Sent));
        let leaf = n
            .delimiter()
            .and_then(|d| name.rsplit(d).next())
            .unwrap_or(name)
            .to_lowercase();
        if name.eq_ignore_ascii_case("INBOX") {
            f.has_inbox = true;
        } else if special_sent || (f.sent.is_none() && SENT_NAMES.contains(&leaf.as_str())) {
            if special_sent || f.sent.is_none() {
                f.sent = Some(name.to_string());
            }
        } else {
            f.has_others = true;
        }
    }
    if !f.has_inbox {
        return Err(validation(
            DetailCode::NoInbox,
            "the mailbox has no INBOX".into(),
        ));
    }
    if f.sent.is_none() {
        return Err(validation(
            DetailCode::NoSentFolder,
            "no Sent folder was found (neither SPECIAL-USE \\Sent nor a usual name such as Sent or Sent Items)".into(),
        ));
    }
    Ok(f)
}

/// Opens `needed - 1` more logged-in sessions next to `main` and keeps them all open.
/// Returns the extra sessions; a refusal names how many connections worked.
///
/// The sessions are opened one after the other, each while the earlier ones stay open: logins
/// that race each other can all pass a server's per-user limit check (Dovecot counts a session
/// only once it is established), which would hide the limit the product will hit.
pub async fn hold_concurrent(
    needed: usize,
    creds: &Credentials,
    leg: &Leg<'_>,
) -> Result<Vec<ImapSession>, Fail> {
    let extra = needed.saturating_sub(1);
    let mut held = Vec::new();
    let mut refusal = None;
    for _ in 0..extra {
        let attempt = async {
            let conn = imap::open(leg).await?;
            imap_login::login(conn, creds, leg).await
        };
        match attempt.await {
            Ok(s) => held.push(s),
            Err(f) => {
                refusal = Some(f);
                break;
            }
        }
    }
    match refusal {
        None => Ok(held),
        Some(f) => {
            let worked = held.len() + 1;
            let why = f.line.clone().unwrap_or_else(|| f.detail.clone());
            for mut s in held {
                let _ = tokio::time::timeout(Duration::from_secs(1), s.logout()).await;
            }
            let fail = validation(
                DetailCode::ConcurrencyLimit,
                format!(
                    "the server accepted only {worked} concurrent IMAP connections for this mailbox; the product holds {needed} (inbox, sent{}): {why}",
                    if needed > 2 { ", other folders" } else { "" }
                ),
            );
            Err(match f.line {
                Some(l) => fail.line(l),
                None => fail,
            })
        }
    }
}

/// Looks for the message with `message_id` in INBOX until found or `wait` has passed.
pub async fn find_message(
    session: &mut ImapSession,
    message_id: &str,
    wait: Duration,
) -> Result<Duration, String> {
    let start = Instant::now();
    session
        .select("INBOX")
        .await
        .map_err(|e| format!("SELECT INBOX failed: {e}"))?;
    let query = format!("HEADER Message-ID \"{message_id}\"");
    loop {
        let found = session
            .search(&query)
            .await
            .map_err(|e| format!("SEARCH failed: {e}"))?;
        if !found.is_empty() {
            return Ok(start.elapsed());
        }
        if start.elapsed() >= wait {
            return Err(format!(
                "the test message {message_id} was not found in INBOX within {:.1} s",
                wait.as_secs_f64()
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
