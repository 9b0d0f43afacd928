//! Logging in, IMAP and SMTP, and the seed's classification of refusals (app password,
//! [LIMIT], [PRIVACYREQUIRED], wrong credentials), read from everything the server said.

use lettre::transport::smtp::authentication::{Credentials as SmtpCreds, Mechanism};

use crate::imap::{ImapConn, ImapSession};
use crate::model::Credentials;
use crate::net::Leg;
use crate::report::{Category, DetailCode, Field};
use crate::smtp::{last_line, SmtpConn};
use crate::step::{timeout_text, Fail, MAX_LINE};

/// Words in provider answers that mean basic passwords are refused and an app password is needed.
const APP_PASSWORD_HINTS: &[&str] = &[
    "application-specific password",
    "app-specific password",
    "app password",
    "basic authentication is disabled",
    "basicauthblocked",
    "smtpclientauthentication is disabled",
];

pub fn mentions_app_password(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    APP_PASSWORD_HINTS.iter().any(|h| lower.contains(h))
}

/// Logs in; a refusal is classified from everything the server said (untagged ALERTs too).
pub async fn imap(conn: ImapConn, creds: &Credentials, leg: &Leg<'_>) -> Result<ImapSession, Fail> {
    let log = conn.log.clone();
    log.clear();
    let res = leg
        .clock
        .run(
            async {
                Ok(conn
                    .client
                    .login(creds.login_name(), creds.password())
                    .await)
            },
            |limit, b| {
                Fail::new(
                    Category::ImapAuthenticationError,
                    DetailCode::TimedOut,
                    timeout_text("no answer to LOGIN", limit, b),
                    Some(Field::ImapHost),
                )
            },
        )
        .await?;
    let (err, _client) = match res {
        Ok(session) => return Ok(session),
        Err(e) => e,
    };
    let lines = log.lines(MAX_LINE);
    let all = lines.join("\n");
    let failing = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with('*'))
        .or(lines.last())
        .cloned();
    let answer = failing.clone().unwrap_or_else(|| err.to_string());
    let upper = all.to_ascii_uppercase();
    let fail = if mentions_app_password(&all) {
        let alert = lines
            .iter()
            .find(|l| mentions_app_password(l))
            .cloned()
            .unwrap_or(answer);
        Fail::new(
            Category::UnauthorizedAppPasswordRequired,
            DetailCode::AppPasswordRequired,
            format!("the server requires an app-specific password: {alert}"),
            Some(Field::Password),
        )
        .line(alert)
    } else if upper.contains("[LIMIT]") {
        Fail::new(
            Category::ImapAuthenticationError,
            DetailCode::ConnectionLimitFirstLogin,
            format!("the very first login was refused for too many connections (the mailbox is already saturated): {answer}"),
            Some(Field::Username),
        )
    } else if upper.contains("[PRIVACYREQUIRED]") {
        Fail::new(
            Category::ImapValidationError,
            DetailCode::PlaintextRefusedAfterTls,
            format!("the server refused the login as plaintext although it ran over TLS (a TLS proxy in front of it?): {answer}"),
            Some(Field::ImapHost),
        )
    } else if failing.is_none() {
        Fail::new(
            Category::ImapAuthenticationError,
            DetailCode::ConnectionLost,
            format!("the connection broke during LOGIN: {err}"),
            Some(Field::ImapHost),
        )
    } else {
        Fail::new(
            Category::ImapAuthenticationError,
            DetailCode::AuthFailed,
            format!("the server refused the login: {answer}"),
            Some(Field::Password),
        )
    };
    Err(match failing {
        Some(l) if fail.line.is_none() => fail.line(l),
        _ => fail,
    })
}

/// AUTH PLAIN or LOGIN with the mailbox's credentials.
pub async fn smtp(c: &mut SmtpConn, creds: &Credentials, leg: &Leg<'_>) -> Result<(), Fail> {
    c.log.clear();
    let sc = SmtpCreds::new(creds.login_name().to_string(), creds.password().to_string());
    let res = leg
        .clock
        .run(
            async {
                Ok(c.conn
                    .auth(&[Mechanism::Plain, Mechanism::Login], &sc)
                    .await)
            },
            |limit, b| {
                Fail::new(
                    Category::Unauthorized,
                    DetailCode::TimedOut,
                    timeout_text("no answer to AUTH", limit, b),
                    Some(Field::SmtpHost),
                )
            },
        )
        .await?;
    let Err(e) = res else { return Ok(()) };
    let line = last_line(&c.log).unwrap_or_else(|| e.to_string());
    let fail = if mentions_app_password(&line) {
        Fail::new(
            Category::UnauthorizedAppPasswordRequired,
            DetailCode::AppPasswordRequired,
            format!("the SMTP server requires an app-specific password: {line}"),
            Some(Field::Password),
        )
    } else {
        Fail::new(
            Category::Unauthorized,
            DetailCode::AuthFailed,
            format!("SMTP AUTH was refused although IMAP accepted the same credentials: {line}"),
            Some(Field::Password),
        )
    };
    Err(fail.line(line))
}
