//! SMTP leg. lettre's `AsyncSmtpConnection` does EHLO, AUTH (PLAIN/LOGIN) and the send, over a
//! stream this crate builds itself (`connect_with_transport`): lettre alone cannot report the
//! TLS version, cipher or the verifier's reasons, exposes neither banner nor raw EHLO, and its
//! timeout covers only the TCP connect. The plaintext part of STARTTLS (banner, EHLO,
//! STARTTLS) is therefore spoken here, then a synthetic `220` banner is preloaded for lettre.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

use lettre::transport::smtp::authentication::Mechanism;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream};
use lettre::transport::smtp::extension::ClientId;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::model::Security;
use crate::net::{Leg, Raw, Secure};
use crate::oauth::BearerMechanism;
use crate::proto::Proto;
use crate::report::{DetailCode, Field, TlsFacts};
use crate::resolve::CheckedAddr;
use crate::step::{timeout_text, Fail, MAX_LINE};
use crate::tap::{clip, PeerAddr, Transcript};

impl AsyncTokioStream for Secure {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.peer()
    }
}

/// An SMTP session after TLS and EHLO, before AUTH.
pub struct SmtpConn {
    pub conn: AsyncSmtpConnection,
    pub log: Transcript,
    pub banner: String,
    pub ehlo: Vec<String>,
    pub tls: TlsFacts,
}

const P: Proto = Proto::Smtp;

fn is_reply(line: &str) -> bool {
    line.len() >= 3 && line.as_bytes()[..3].iter().all(u8::is_ascii_digit)
}

fn not_smtp(line: &str) -> Fail {
    P.fail(
        DetailCode::NotSmtp,
        format!(
            "the server does not speak SMTP: it sent \"{}\"",
            clip(line, 80)
        ),
        Field::SmtpPort,
    )
    .line(line)
}

/// Reads one (multi-line) reply from the plaintext stream, byte by byte (nothing read ahead).
async fn reply(raw: &mut Raw) -> Result<Vec<String>, Fail> {
    let mut lines = Vec::new();
    loop {
        let mut line = Vec::new();
        loop {
            let b = raw.read_u8().await.map_err(|e| {
                P.fail(
                    DetailCode::ConnectionLost,
                    format!("reading the server's reply failed: {e}"),
                    Field::SmtpHost,
                )
            })?;
            if b == b'\n' {
                break;
            }
            if line.len() >= 2048 {
                return Err(P.fail(
                    DetailCode::ResponseTooLarge,
                    "a reply line exceeds 2048 bytes",
                    Field::SmtpHost,
                ));
            }
            line.push(b);
        }
        let text = String::from_utf8_lossy(&line).trim_end().to_string();
        if !is_reply(&text) {
            return Err(not_smtp(&text));
        }
        let last = text.as_bytes().get(3) != Some(&b'-');
        lines.push(clip(&text, MAX_LINE));
        if last || lines.len() > 200 {
            return Ok(lines);
        }
    }
}

async fn command(raw: &mut Raw, cmd: &str) -> Result<Vec<String>, Fail> {
    raw.write_all(format!("{cmd}\r\n").as_bytes())
        .await
        .map_err(|e| {
            P.fail(
                DetailCode::ConnectionLost,
                format!("sending {cmd} failed: {e}"),
                Field::SmtpHost,
            )
        })?;
    reply(raw).await
}

/// The plaintext phase of STARTTLS: banner, EHLO, STARTTLS.
async fn starttls_phase(raw: &mut Raw, leg: &Leg<'_>) -> Result<String, Fail> {
    let banner = reply(raw).await?;
    let first = banner.first().cloned().unwrap_or_default();
    if !first.starts_with("220") {
        return Err(P
            .fail(
                DetailCode::ServerRefused,
                format!("the server refused the session: {first}"),
                Field::SmtpHost,
            )
            .line(first));
    }
    let ehlo = command(raw, &format!("EHLO {}", leg.opts.client_name)).await?;
    if !ehlo.iter().any(|l| {
        l.get(4..)
            .is_some_and(|k| k.eq_ignore_ascii_case("STARTTLS"))
    }) {
        return Err(P.fail(
            DetailCode::StarttlsNotOffered,
            format!("the server does not offer STARTTLS on port {}", leg.ep.port),
            Field::SmtpSecurity,
        ));
    }
    let answer = command(raw, "STARTTLS").await?;
    let last = answer.last().cloned().unwrap_or_default();
    if !last.starts_with("220") {
        return Err(P
            .fail(
                DetailCode::StarttlsRefused,
                format!("STARTTLS was refused: {last}"),
                Field::SmtpSecurity,
            )
            .line(last));
    }
    Ok(first)
}

/// The server line that explains a lettre error: the last line the server sent.
/// A refusal (4xx/5xx) is preferred: lettre sends QUIT after an error.
pub(crate) fn last_line(log: &Transcript) -> Option<String> {
    let lines = log.lines(MAX_LINE);
    let refusal = lines
        .iter()
        .rev()
        .find(|l| is_reply(l) && (l.starts_with('4') || l.starts_with('5')));
    refusal
        .or_else(|| lines.iter().rev().find(|l| is_reply(l)))
        .cloned()
}

/// What a timeout means: a first line that is no SMTP reply says the server speaks something
/// else; otherwise the server was too slow.
fn timeout_or_not_smtp(log: &Transcript, what: &str, limit: Duration, budget_bound: bool) -> Fail {
    match log.lines(MAX_LINE).into_iter().next() {
        Some(l) if !is_reply(&l) => not_smtp(&l),
        _ => P.fail(
            DetailCode::TimedOut,
            timeout_text(what, limit, budget_bound),
            Field::SmtpHost,
        ),
    }
}

/// Waits for the plaintext greeting and runs the STARTTLS phase; returns the banner.
async fn plaintext_starttls(
    leg: &Leg<'_>,
    raw: &mut Raw,
    addr: CheckedAddr,
) -> Result<String, Fail> {
    let raw_log = raw.transcript().clone();
    leg.await_greeting(raw, addr, true).await?;
    leg.clock
        .run(starttls_phase(raw, leg), |limit, b| {
            timeout_or_not_smtp(&raw_log, "the server did not answer", limit, b)
        })
        .await
}

/// Why lettre could not open the session: the server's refusal, a non-SMTP first line, or a
/// broken connection.
fn session_failure(log: &Transcript, e: &lettre::transport::smtp::Error) -> Fail {
    match last_line(log) {
        None => match log.lines(MAX_LINE).into_iter().next() {
            Some(l) => not_smtp(&l),
            None => P.fail(
                DetailCode::ConnectionLost,
                format!("the session broke: {e}"),
                Field::SmtpHost,
            ),
        },
        Some(l) => P
            .fail(
                DetailCode::ServerRefused,
                format!("the server refused the session: {l}"),
                Field::SmtpHost,
            )
            .line(l),
    }
}

/// Hands the secured stream to lettre, which reads the banner and sends EHLO.
async fn greet(
    leg: &Leg<'_>,
    secure: Secure,
    log: &Transcript,
) -> Result<AsyncSmtpConnection, Fail> {
    let id = ClientId::Domain(leg.opts.client_name.clone());
    leg.clock
        .run(
            async {
                AsyncSmtpConnection::connect_with_transport(Box::new(secure), &id)
                    .await
                    .map_err(|e| session_failure(log, &e))
            },
            |limit, b| timeout_or_not_smtp(log, "no SMTP banner or EHLO answer", limit, b),
        )
        .await
}

/// The EHLO keywords (the `250` lines without their code).
fn ehlo_keywords(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter(|l| l.starts_with("250"))
        .map(|l| l.get(4..).unwrap_or("").to_string())
        .collect()
}

/// The server offers AUTH PLAIN or LOGIN (sign-in with a password).
pub(crate) fn offers_password_auth(conn: &AsyncSmtpConnection) -> bool {
    let info = conn.server_info();
    info.supports_auth_mechanism(Mechanism::Plain) || info.supports_auth_mechanism(Mechanism::Login)
}

/// The failure when the server offers no AUTH mechanism the probe speaks.
fn auth_missing(leg: &Leg<'_>, conn: &AsyncSmtpConnection, ehlo: &[String]) -> Option<Fail> {
    if offers_password_auth(conn) || BearerMechanism::from_ehlo(ehlo).is_some() {
        return None;
    }
    Some(P.fail(
        DetailCode::AuthNotOffered,
        format!(
            "the server offers none of AUTH PLAIN, LOGIN, OAUTHBEARER or XOAUTH2 on port {} (EHLO: {})",
            leg.ep.port,
            ehlo.join(" ")
        ),
        Field::SmtpPort,
    ))
}

/// Connects, secures and greets (EHLO); checks that AUTH is offered.
pub async fn open(leg: &Leg<'_>) -> Result<SmtpConn, Fail> {
    let (mut raw, addr) = leg.connect().await?;
    let starttls = leg.ep.security == Security::StartTls;
    let plain_banner = if starttls {
        Some(plaintext_starttls(leg, &mut raw, addr).await?)
    } else {
        None
    };
    let (secure, tls) = leg.tls(raw, starttls).await?;
    let log = secure.transcript().clone();
    if starttls {
        log.preload(b"220 after-starttls\r\n");
    }
    let conn = greet(leg, secure, &log).await?;
    let lines = log.lines(MAX_LINE);
    let banner = plain_banner
        .or_else(|| lines.first().cloned())
        .unwrap_or_default();
    let ehlo = ehlo_keywords(&lines);
    if let Some(fail) = auth_missing(leg, &conn, &ehlo) {
        return Err(fail);
    }
    Ok(SmtpConn {
        conn,
        log,
        banner,
        ehlo,
        tls,
    })
}
