//! Logging in, IMAP and SMTP, and the seed's classification of refusals (app password,
//! [LIMIT], [PRIVACYREQUIRED], wrong credentials), read from everything the server said.

use std::fmt::Display;

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
    match res {
        Ok(session) => Ok(session),
        Err((err, _client)) => Err(login_refusal(&log.lines(MAX_LINE), &err)),
    }
}

/// The failure for a refused LOGIN, carrying the server's failing (tagged) line.
fn login_refusal(lines: &[String], err: &impl Display) -> Fail {
    let failing = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with('*'))
        .or(lines.last())
        .cloned();
    let answer = failing.clone().unwrap_or_else(|| err.to_string());
    let fail = classify_login_refusal(lines, failing.is_some(), answer, err);
    match failing {
        Some(l) if fail.line.is_none() => fail.line(l),
        _ => fail,
    }
}

/// Names a LOGIN refusal from everything the server said; `answer` is its failing line.
fn classify_login_refusal(
    lines: &[String],
    server_answered: bool,
    answer: String,
    err: &impl Display,
) -> Fail {
    let all = lines.join("\n");
    let upper = all.to_ascii_uppercase();
    if mentions_app_password(&all) {
        app_password_required(lines, answer)
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
    } else if !server_answered {
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
    }
}

/// Quotes the line that mentions app passwords (an untagged ALERT, often), else the answer.
fn app_password_required(lines: &[String], answer: String) -> Fail {
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
