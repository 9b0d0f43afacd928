//! Signing in with an OAuth 2.0 access token against real Dovecot (its `oauth2` passdb
//! validating JWTs locally) and Postfix (through Dovecot SASL): the mechanism chosen from what
//! the servers offer, the report's account of the token, and refusals.

mod support;
#[path = "support/tokens.rs"]
mod tokens;

use probe::{probe, Category, Credentials, DetailCode, StepName};
use support::*;
use tokens::{access_token, access_token_signed};

const SCOPE: &str = "https://mail.test.local/imap https://mail.test.local/smtp";

fn token_creds(token: &str) -> Credentials {
    Credentials::with_access_token(dovecot::USER, None, token)
}

fn notes(r: &probe::ProbeReport, step: StepName) -> Vec<String> {
    r.step(step)
        .map(|s| s.evidence.notes.clone())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_valid_token_passes_all_five_steps_with_oauthbearer() {
    let m = mail();
    let token = access_token(dovecot::USER, SCOPE, 3600);
    let r = probe(&good(&m), &token_creds(&token), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    let imap = notes(&r, StepName::ImapLogin);
    assert!(
        imap.iter().any(|n| n.starts_with("IMAP signed in with OAUTHBEARER (an OAuth 2.0 access token); scopes: https://mail.test.local/imap https://mail.test.local/smtp; expires ")
            && n.ends_with("(in 60 min)")),
        "{imap:?}"
    );
    assert!(notes(&r, StepName::SmtpLogin).contains(&"SMTP signed in with OAUTHBEARER".to_owned()));
    let json = show(&r);
    let signature = token.rsplit('.').next().expect("jwt");
    assert!(!json.contains(signature), "token leaked: {json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn xoauth2_is_used_where_it_is_the_only_token_mechanism() {
    let m = Mail::start_offering("xoauth2");
    let token = access_token(dovecot::USER, SCOPE, 600);
    let r = probe(&good(&m), &token_creds(&token), &opts(&m.certs), |_| {}).await;
    assert!(r.ok, "{}", show(&r));
    assert!(notes(&r, StepName::ImapLogin)
        .iter()
        .any(|n| n.starts_with("IMAP signed in with XOAUTH2")));
    assert!(notes(&r, StepName::SmtpLogin).contains(&"SMTP signed in with XOAUTH2".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_and_wrongly_signed_tokens_are_refused_without_leaking() {
    // Servers of each case's own: Dovecot delays every further refusal from one address
    // (2 s, 4 s, 8 s …), which a shared instance would turn into a timeout.
    for token in [
        access_token(dovecot::USER, SCOPE, -120),
        access_token_signed(
            dovecot::USER,
            SCOPE,
            3600,
            b"another-key-entirely-0123456789",
        ),
        access_token("someone-else@test.local", SCOPE, 3600),
    ] {
        let m = Mail::start();
        let r = probe(&good(&m), &token_creds(&token), &opts(&m.certs), |_| {}).await;
        assert_eq!(
            verdict(&r),
            (
                StepName::ImapLogin,
                Category::ImapAuthenticationError,
                DetailCode::TokenRefused
            ),
            "{}",
            show(&r)
        );
        let v = r.verdict.as_ref().expect("verdict");
        assert!(
            v.detail
                .starts_with("the server refused the access token: ")
                && v.detail
                    .ends_with(r#"(it said: {"status":"invalid_token"})"#),
            "{}",
            v.detail
        );
        let signature = token.rsplit('.').next().expect("jwt");
        assert!(!show(&r).contains(signature), "token leaked: {}", show(&r));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_server_without_token_mechanisms_is_named() {
    let m = Mail::start_offering("");
    let token = access_token(dovecot::USER, SCOPE, 600);
    let r = probe(&good(&m), &token_creds(&token), &opts(&m.certs), |_| {}).await;
    assert_eq!(
        verdict(&r),
        (
            StepName::ImapLogin,
            Category::ImapAuthenticationError,
            DetailCode::OAuthNotOffered
        ),
        "{}",
        show(&r)
    );
}
