//! Logging in, IMAP and SMTP, and the seed's classification of refusals (app password,
//! [LIMIT], [PRIVACYREQUIRED], wrong credentials), read from everything the server said.

use std::fmt::Display;

use lettre::transport::smtp::authentication::{Credentials as SmtpCreds, Mechanism};

use crate::imap::{ImapConn, ImapSession};
use crate::model::{Credentials, SecretKind};
use crate::net::Leg;
use crate::oauth::{error_challenge, BearerMechanism, ImapBearer};
use crate::report::{Category, DetailCode, Field};
use crate::smtp::{last_line, offers_password_auth, SmtpConn};
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

/// Logs in (LOGIN, or AUTHENTICATE with an access token); a refusal is classified from
/// everything the server said (untagged ALERTs too).
pub async fn imap(conn: ImapConn, creds: &Credentials, leg: &Leg<'_>) -> Result<ImapSession, Fail> {
    let log = conn.log.clone();
    let bearer = match creds.kind() {
        SecretKind::Password => None,
        SecretKind::AccessToken => Some(
            BearerMechanism::from_imap_capabilities(&conn.capabilities).ok_or_else(|| {
                Fail::new(
                    Category::ImapAuthenticationError,
                    DetailCode::OAuthNotOffered,
                    format!(
                        "the IMAP server offers no sign-in with an access token (neither AUTH=OAUTHBEARER nor AUTH=XOAUTH2 among its capabilities: {})",
                        conn.capabilities.join(" ")
                    ),
                    Some(Field::ImapHost),
                )
            })?,
        ),
    };
    log.clear();
    let res = leg
        .clock
        .run(
            async {
                Ok(match bearer {
                    None => conn.client.login(creds.login_name(), creds.secret()).await,
                    Some(m) => {
                        let sasl = ImapBearer::new(m, creds.login_name(), creds.secret());
                        conn.client.authenticate(m.name(), sasl).await
                    }
                })
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
        Err((err, _client)) => {
            let lines = log.lines(MAX_LINE);
            let fail = login_refusal(&lines, &err);
            Err(match bearer {
                Some(_) if fail.code == DetailCode::AuthFailed => token_refused(fail, &lines),
                _ => fail,
            })
        }
    }
}

/// A refused token: the server's error challenge (a JSON status, often naming the scope it
/// wanted) goes into the detail.
fn token_refused(mut fail: Fail, lines: &[String]) -> Fail {
    let answer = fail.line.clone().unwrap_or_default();
    fail.code = DetailCode::TokenRefused;
    fail.field = None;
    fail.detail = match lines.iter().find_map(|l| error_challenge(l)) {
        Some(status) => {
            format!("the server refused the access token: {answer} (it said: {status})")
        }
        None => format!("the server refused the access token: {answer}"),
    };
    fail
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

/// AUTH PLAIN or LOGIN with the mailbox's password, or OAUTHBEARER/XOAUTH2 with its token.
pub async fn smtp(c: &mut SmtpConn, creds: &Credentials, leg: &Leg<'_>) -> Result<(), Fail> {
    c.log.clear();
    let bearer = match creds.kind() {
        SecretKind::Password if !offers_password_auth(&c.conn) => {
            return Err(Fail::new(
                Category::SmtpSettingsIncorrect,
                DetailCode::AuthNotOffered,
                format!(
                    "the SMTP server offers no sign-in with a password, only with an access token (EHLO: {}): the domain needs OAuth 2.0",
                    c.ehlo.join(" ")
                ),
                Some(Field::SmtpPort),
            ))
        }
        SecretKind::Password => None,
        SecretKind::AccessToken => Some(BearerMechanism::from_ehlo(&c.ehlo).ok_or_else(|| {
            Fail::new(
                Category::SmtpSettingsIncorrect,
                DetailCode::OAuthNotOffered,
                format!(
                    "the SMTP server offers no sign-in with an access token (neither OAUTHBEARER nor XOAUTH2 in its EHLO: {})",
                    c.ehlo.join(" ")
                ),
                Some(Field::SmtpHost),
            )
        })?),
    };
    let res = leg
        .clock
        .run(
            async {
                Ok(match bearer {
                    None => {
                        let sc = SmtpCreds::new(
                            creds.login_name().to_string(),
                            creds.secret().to_string(),
                        );
                        c.conn
                            .auth(&[Mechanism::Plain, Mechanism::Login], &sc)
                            .await
                            .map(drop)
                    }
                    Some(m) => smtp_bearer(c, m, creds).await,
                })
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
    let fail = if bearer.is_some() {
        let lines = c.log.lines(MAX_LINE);
        let said = lines.iter().find_map(|l| error_challenge(l));
        Fail::new(
            Category::Unauthorized,
            DetailCode::TokenRefused,
            match said {
                Some(status) => format!("SMTP AUTH refused the access token that IMAP accepted: {line} (it said: {status})"),
                None => format!("SMTP AUTH refused the access token that IMAP accepted: {line}"),
            },
            None,
        )
    } else if mentions_app_password(&line) {
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

/// `AUTH <mechanism> <initial response>` (lettre knows neither OAUTHBEARER nor XOAUTH2's
/// error challenge); after an error challenge (`334`), the answer that ends the exchange.
async fn smtp_bearer(
    c: &mut SmtpConn,
    m: BearerMechanism,
    creds: &Credentials,
) -> Result<(), lettre::transport::smtp::Error> {
    let initial = m.initial_response_base64(creds.login_name(), creds.secret());
    let command = zeroize::Zeroizing::new(format!("AUTH {} {}\r\n", m.name(), initial.as_str()));
    let reply = c.conn.command(command.as_str()).await?;
    if reply.has_code(334) {
        let end = crate::redact::base64(m.after_error());
        c.conn.command(format!("{end}\r\n")).await?;
    }
    Ok(())
}
