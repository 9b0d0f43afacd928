//! Seed 001's IMAP requirements after login: INBOX and Sent exist, the concurrent connections
//! the product will hold are accepted.

use futures::TryStreamExt;

use crate::imap::{self, ImapSession};
use crate::login;
use crate::model::Credentials;
use crate::net::Leg;
use crate::report::{Category, DetailCode, Field};
use crate::step::{close, timeout_text, Fail};

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

/// Holds the `needed` IMAP sessions the product holds, counting the logged-in `main` one:
/// the extra connections open together (no login yet, so no per-user limit is raced), then log
/// in one after the other. Returns the extra sessions; a refusal names how many connections
/// worked.
///
/// Each login starts only once the earlier sessions are established: logins that race each
/// other can all pass a server's per-user limit check (Dovecot counts a session only once it is
/// established), which would hide the limit the product will hit.
pub async fn hold_concurrent(
    needed: usize,
    creds: &Credentials,
    leg: &Leg<'_>,
) -> Result<Vec<ImapSession>, Fail> {
    let spares = (1..needed).map(|_| imap::open(leg));
    let spares = futures::future::join_all(spares).await;
    let mut held = Vec::new();
    let mut refusal = None;
    for spare in spares {
        let session = match spare {
            Ok(conn) => login::imap(conn, creds, leg).await,
            Err(f) => Err(f),
        };
        match session {
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
                close(s.logout()).await;
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
