//! The test email: a unique Message-ID, sent from the mailbox through lettre.

use std::sync::atomic::{AtomicU64, Ordering};

use crate::net::Leg;
use crate::report::{Category, DetailCode, Field};
use crate::smtp::{last_line, SmtpConn};
use crate::step::{timeout_text, Fail};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A unique Message-ID in the mailbox's domain.
pub fn new_message_id(email: &str) -> String {
    let domain = email
        .rsplit('@')
        .next()
        .filter(|d| !d.is_empty())
        .unwrap_or("probe.invalid");
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("<probe.{nanos:x}.{}.{n}@{domain}>", std::process::id())
}

fn email_fail(code: DetailCode, detail: String, field: Option<Field>) -> Fail {
    Fail::new(Category::TestEmailFailed, code, detail, field)
}

/// Sends the test message from the mailbox to `to`.
pub async fn send_test(
    c: &mut SmtpConn,
    from: &str,
    to: &str,
    message_id: &str,
    leg: &Leg<'_>,
) -> Result<String, Fail> {
    let refused = |detail: String| {
        email_fail(
            DetailCode::MessageRefused,
            detail,
            Some(Field::TestRecipient),
        )
    };
    let sender = from
        .parse()
        .map_err(|e| refused(format!("bad sender {from}: {e}")))?;
    let recipient = to
        .parse()
        .map_err(|e| refused(format!("bad recipient {to}: {e}")))?;
    let msg = lettre::Message::builder()
        .from(sender)
        .to(recipient)
        .subject("Mail settings test")
        .message_id(Some(message_id.to_string()))
        .body("This message was sent by a mail settings probe to confirm that this mailbox can send and receive.\r\n".to_string())
        .map_err(|e| refused(e.to_string()))?;
    c.log.clear();
    let res = leg
        .clock
        .run(
            async { Ok(c.conn.send(msg.envelope(), &msg.formatted()).await) },
            |limit, b| {
                email_fail(
                    DetailCode::TimedOut,
                    timeout_text("the server did not accept the message", limit, b),
                    None,
                )
            },
        )
        .await?;
    match res {
        Ok(r) => Ok(r.message().collect::<Vec<_>>().join(" ")),
        Err(e) => {
            let line = last_line(&c.log).unwrap_or_else(|| e.to_string());
            Err(email_fail(
                DetailCode::MessageRefused,
                format!("the server refused the test message: {line}"),
                None,
            )
            .line(line))
        }
    }
}
