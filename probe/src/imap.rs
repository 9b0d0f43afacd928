//! IMAP leg with async-imap: connect (implicit TLS or STARTTLS), greeting and capabilities,
//! login with the seed's classification of refusals.

use async_imap::{Client, Session};

use crate::model::Security;
use crate::net::{Leg, Raw, Secure};
use crate::proto::Proto;
use crate::report::{DetailCode, Field, TlsFacts};
use crate::resolve::CheckedAddr;
use crate::step::{timeout_text, Fail, MAX_LINE};
use crate::tap::{clip, LimitExceeded, Transcript};

pub type ImapSession = Session<Secure>;

/// An IMAP connection after TLS, before login.
pub struct ImapConn {
    pub(crate) client: Client<Secure>,
    pub log: Transcript,
    pub greeting: String,
    pub capabilities: Vec<String>,
    pub tls: TlsFacts,
}

impl ImapConn {
    /// Courier-IMAP, recognised from its greeting.
    pub fn is_courier(&self) -> bool {
        self.greeting.to_ascii_lowercase().contains("courier-imap")
    }
}

fn io_fail(e: &std::io::Error, log: &Transcript, during: &str) -> Fail {
    let p = Proto::Imap;
    if e.get_ref().is_some_and(|x| x.is::<LimitExceeded>()) {
        return p.fail(
            DetailCode::ResponseTooLarge,
            format!("{during}: {e}"),
            Field::ImapHost,
        );
    }
    let first = log.lines(MAX_LINE).into_iter().next();
    match first {
        Some(l) if !l.starts_with('*') && !l.starts_with('+') => p
            .fail(
                DetailCode::NotImap,
                format!(
                    "the server does not speak IMAP: it sent \"{}\"",
                    clip(&l, 80)
                ),
                Field::ImapPort,
            )
            .line(l),
        _ => p.fail(
            DetailCode::ConnectionLost,
            format!("{during}: {e}"),
            Field::ImapHost,
        ),
    }
}

/// Reads the greeting; a non-IMAP first line is `not_imap`, `* BYE` is a refusal.
async fn greeting<T>(
    client: &mut Client<T>,
    log: &Transcript,
    leg: &Leg<'_>,
) -> Result<String, Fail>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let p = Proto::Imap;
    leg.clock
        .run(
            async {
                match client.read_response().await {
                    Ok(Some(_)) => Ok(()),
                    Ok(None) => Err(io_fail(
                        &std::io::Error::from(std::io::ErrorKind::UnexpectedEof),
                        log,
                        "the server closed the connection before its greeting",
                    )),
                    Err(e) => Err(io_fail(&e, log, "reading the greeting failed")),
                }
            },
            |limit, b| match log.lines(MAX_LINE).into_iter().next() {
                Some(l) if !l.starts_with('*') => {
                    io_fail(&std::io::Error::other("no IMAP greeting"), log, "")
                }
                Some(l) => p
                    .fail(
                        DetailCode::TimedOut,
                        timeout_text("the greeting did not finish", limit, b),
                        Field::ImapHost,
                    )
                    .line(l),
                None => p.fail(
                    DetailCode::TimedOut,
                    timeout_text("the server sent no greeting", limit, b),
                    Field::ImapHost,
                ),
            },
        )
        .await?;
    let line = log.lines(MAX_LINE).into_iter().next().unwrap_or_default();
    if line.starts_with("* BYE") {
        return Err(p
            .fail(
                DetailCode::ServerRefused,
                format!("the server refused the connection: {line}"),
                Field::ImapHost,
            )
            .line(line));
    }
    if !(line.starts_with("* OK") || line.starts_with("* PREAUTH")) {
        return Err(io_fail(
            &std::io::Error::other("unexpected greeting"),
            log,
            "unexpected greeting",
        ));
    }
    Ok(line)
}

/// Runs CAPABILITY and returns the advertised capabilities.
async fn capabilities<T>(
    client: &mut Client<T>,
    log: &Transcript,
    leg: &Leg<'_>,
) -> Result<Vec<String>, Fail>
where
    T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + std::fmt::Debug + Send,
{
    let p = Proto::Imap;
    log.clear();
    leg.clock
        .run(
            async {
                client
                    .run_command_and_check_ok("CAPABILITY", None)
                    .await
                    .map_err(|e| {
                        p.fail(
                            DetailCode::ProtocolError,
                            format!("CAPABILITY failed: {e}"),
                            Field::ImapHost,
                        )
                    })
            },
            |limit, b| {
                p.fail(
                    DetailCode::TimedOut,
                    timeout_text("no answer to CAPABILITY", limit, b),
                    Field::ImapHost,
                )
            },
        )
        .await?;
    Ok(caps_from(&log.lines(4096)))
}

pub(crate) fn caps_from(lines: &[String]) -> Vec<String> {
    for l in lines {
        let upper = l.to_ascii_uppercase();
        if let Some(rest) = upper.strip_prefix("* CAPABILITY ") {
            return rest.split_whitespace().map(str::to_string).collect();
        }
        if let Some(i) = upper.find("[CAPABILITY ") {
            let rest = &upper[i + 12..];
            let end = rest.find(']').unwrap_or(rest.len());
            return rest[..end].split_whitespace().map(str::to_string).collect();
        }
    }
    Vec::new()
}

/// Opens a connection up to the point of login.
pub async fn open(leg: &Leg<'_>) -> Result<ImapConn, Fail> {
    let (raw, addr) = leg.connect().await?;
    let (secure, tls, greeting_line) = match leg.ep.security {
        Security::SslTls => {
            let (secure, tls) = leg.tls(raw, false).await?;
            (secure, tls, None)
        }
        Security::StartTls => {
            let (secure, tls, line) = starttls_upgrade(leg, raw, addr).await?;
            (secure, tls, Some(line))
        }
    };
    let log = secure.transcript().clone();
    let mut client = Client::new(secure);
    let (greeting_line, caps) = secure_greeting(&mut client, &log, leg, greeting_line).await?;
    Ok(ImapConn {
        client,
        log,
        greeting: greeting_line,
        capabilities: caps,
        tls,
    })
}

/// The plaintext part of STARTTLS (greeting, capabilities, STARTTLS), then the TLS handshake;
/// returns the plaintext greeting too.
async fn starttls_upgrade(
    leg: &Leg<'_>,
    raw: Raw,
    addr: CheckedAddr,
) -> Result<(Secure, TlsFacts, String), Fail> {
    let raw_log = raw.transcript().clone();
    leg.await_greeting(&raw, addr, true).await?;
    let mut plain: Client<Raw> = Client::new(raw);
    let line = greeting(&mut plain, &raw_log, leg).await?;
    let mut caps = caps_from(std::slice::from_ref(&line));
    if caps.is_empty() {
        caps = capabilities(&mut plain, &raw_log, leg).await?;
    }
    if let Some(fail) = starttls_missing(leg, &caps) {
        return Err(fail);
    }
    raw_log.clear();
    send_starttls(&mut plain, leg).await?;
    let (secure, tls) = leg.tls(plain.into_inner(), true).await?;
    Ok((secure, tls, line))
}

/// The failure when the capabilities lack STARTTLS.
fn starttls_missing(leg: &Leg<'_>, caps: &[String]) -> Option<Fail> {
    if caps.iter().any(|c| c == "STARTTLS") {
        return None;
    }
    Some(Proto::Imap.fail(
        DetailCode::StarttlsNotOffered,
        format!(
            "the server does not offer STARTTLS on port {} (capabilities: {})",
            leg.ep.port,
            caps.join(" ")
        ),
        Field::ImapSecurity,
    ))
}

async fn send_starttls(plain: &mut Client<Raw>, leg: &Leg<'_>) -> Result<(), Fail> {
    let p = Proto::Imap;
    leg.clock
        .run(
            async {
                plain
                    .run_command_and_check_ok("STARTTLS", None)
                    .await
                    .map_err(|e| {
                        p.fail(
                            DetailCode::StarttlsRefused,
                            format!("STARTTLS was refused: {e}"),
                            Field::ImapSecurity,
                        )
                    })
            },
            |limit, b| {
                p.fail(
                    DetailCode::TimedOut,
                    timeout_text("no answer to STARTTLS", limit, b),
                    Field::ImapHost,
                )
            },
        )
        .await
}

/// The greeting and capabilities over TLS. After STARTTLS the plaintext greeting is kept.
async fn secure_greeting(
    client: &mut Client<Secure>,
    log: &Transcript,
    leg: &Leg<'_>,
    plaintext_greeting: Option<String>,
) -> Result<(String, Vec<String>), Fail> {
    // A greeting read over TLS may list the capabilities ([CAPABILITY …]), which saves a round
    // trip; after STARTTLS the plaintext greeting's list no longer holds (RFC 3501, 6.2.1).
    let (greeting_line, mut caps) = match plaintext_greeting {
        Some(l) => (l, Vec::new()),
        None => {
            let line = greeting(client, log, leg).await?;
            let caps = caps_from(std::slice::from_ref(&line));
            (line, caps)
        }
    };
    if caps.is_empty() {
        caps = capabilities(client, log, leg).await?;
    }
    Ok((greeting_line, caps))
}
