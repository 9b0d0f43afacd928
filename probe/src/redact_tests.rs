//! Redaction of every form of the password, down to one character, and the credentials'
//! zeroizing and Debug.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::model::Credentials;
use crate::redact::{base64, imap_quote, Redactor};
use crate::report::{Category, DetailCode, StepName};
use crate::step::{Fail, Step};

const LOGIN: &str = "u@example.test";

fn redact(pw: &str, text: &str) -> String {
    let mut s = text.to_string();
    Redactor::new(&Credentials::new(LOGIN, None, pw)).apply(&mut s);
    s
}

/// Passwords of 1, 2 and 3 characters, with IMAP quoting's special characters.
const SHORT: &[&str] = &[
    "a", "\"", "\\", "ab", "a\"", "\\\\", "\"\\", "abc", "x\"y", "p\\\"",
];

#[test]
fn imap_quoting_matches_async_imap() {
    assert_eq!(imap_quote("a"), "\"a\"");
    assert_eq!(imap_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
    assert_eq!(base64(b"\0u\0p"), "AHUAcA==");
    assert_eq!(base64(b"ab"), "YWI=");
}

#[test]
fn short_passwords_are_removed_from_login_quoted_and_base64_forms() {
    for pw in SHORT {
        let q = imap_quote(pw);
        let echoed = format!("A0001 BAD Error in IMAP command LOGIN: \"{LOGIN}\" {q}");
        assert_eq!(
            redact(pw, &echoed),
            format!("A0001 BAD Error in IMAP command LOGIN: \"{LOGIN}\" ***"),
            "{pw:?}"
        );
        let tagged = format!("A0001 login \"{LOGIN}\" {q} extra");
        assert_eq!(
            redact(pw, &tagged),
            format!("A0001 login \"{LOGIN}\" *** extra")
        );
        assert_eq!(
            redact(pw, &format!("* BAD unexpected {q}")),
            "* BAD unexpected ***"
        );
        let plain = base64(format!("\0{LOGIN}\0{pw}").as_bytes());
        assert_eq!(
            redact(pw, &format!("535 5.7.8 {plain} refused")),
            "535 5.7.8 *** refused"
        );
        let authz = base64(format!("{LOGIN}\0{LOGIN}\0{pw}").as_bytes());
        assert_eq!(redact(pw, &format!("AUTH PLAIN {authz}")), "AUTH PLAIN ***");
        let b64 = base64(pw.as_bytes());
        assert_eq!(redact(pw, &format!("334 {b64}")), "334 ***", "{pw:?}");
        assert_eq!(
            redact(pw, &format!("535 {b64}: bad")),
            "535 ***: bad",
            "{pw:?}"
        );
    }
}

#[test]
fn atom_login_arguments_are_removed() {
    for pw in ["a", "ab", "abc", "OK"] {
        assert_eq!(
            redact(pw, &format!("A1 LOGIN {LOGIN} {pw}")),
            format!("A1 LOGIN {LOGIN} ***")
        );
    }
    // Another argument in the password position is not the password: kept.
    assert_eq!(
        redact("a", &format!("A1 LOGIN {LOGIN} b")),
        format!("A1 LOGIN {LOGIN} b")
    );
}

#[test]
fn short_passwords_leave_ordinary_transcripts_alone() {
    let lines = [
        "* OK [CAPABILITY IMAP4rev1 SASL-IR LOGIN-REFERRALS AUTH=PLAIN AUTH=LOGIN] Dovecot ready.",
        "A0001 NO [AUTHENTICATIONFAILED] Authentication failed.",
        "535 5.7.8 Error: authentication failed: (reason unavailable)",
        "* LIST (\\HasNoChildren) \"/\" INBOX",
        "A0001 OK LOGIN completed.",
        "YWJj is not base64 of a short password's whole token YWI=x",
    ];
    for pw in ["a", "ab", "OK", "\"", "\\", "5"] {
        for line in lines {
            assert_eq!(redact(pw, line), line, "{pw:?}");
        }
    }
}

#[test]
fn longer_passwords_are_removed_wherever_they_occur() {
    assert_eq!(redact("abc", "NO xabcx"), "NO x***x");
    let pw = "hunter2\"\\secret";
    let escaped = "hunter2\\\"\\\\secret";
    assert_eq!(
        redact(pw, &format!("echo {pw} and {escaped}")),
        "echo *** and ***"
    );
    let b64 = base64(pw.as_bytes());
    assert_eq!(redact(pw, &format!("x{b64}x")), "x***x");
    assert_eq!(redact("", "A1 LOGIN u \"\""), "A1 LOGIN u \"\"");
}

#[test]
fn a_one_character_password_never_reaches_the_report() {
    let creds = Credentials::new(LOGIN, None, "\"");
    let mut step = Step::start(StepName::ImapLogin);
    step.ev.failing_line = Some(format!(
        "A0001 BAD Unknown command LOGIN \"{LOGIN}\" \"\\\"\""
    ));
    step.note(format!(
        "sent {}",
        base64(format!("\0{LOGIN}\0\"").as_bytes())
    ));
    step.ev.greeting = Some("* OK ready".into());
    let fail = Fail::new(
        Category::ImapAuthenticationError,
        DetailCode::AuthFailed,
        format!("the server refused the login: 334 {}", base64(b"\"")),
        None,
    );
    let r = step.finish(Err(fail), &creds);
    assert_eq!(
        r.evidence.failing_line.as_deref(),
        Some(format!("A0001 BAD Unknown command LOGIN \"{LOGIN}\" ***").as_str())
    );
    assert_eq!(r.evidence.notes, vec!["sent ***".to_string()]);
    assert_eq!(r.evidence.greeting.as_deref(), Some("* OK ready"));
    let detail = r.failure.as_ref().map(|f| f.detail.as_str());
    assert_eq!(detail, Some("the server refused the login: 334 ***"));
}

fn zeroized_on_drop<T: ZeroizeOnDrop + Clone>() {}

#[test]
fn credentials_are_zeroized_and_never_printed() {
    zeroized_on_drop::<Credentials>();
    let creds = Credentials::new(LOGIN, Some("user".into()), "s3cr3t-pw");
    let copy = creds.clone();
    assert_eq!(copy.secret(), "s3cr3t-pw");
    for c in [&creds, &copy] {
        let shown = format!("{c:?} {c:#?}");
        assert!(!shown.contains("s3cr3t"), "{shown}");
        assert!(shown.contains("***"), "{shown}");
    }
    let mut wiped = copy.clone();
    wiped.zeroize();
    assert_eq!(wiped.secret(), "");
    assert_eq!(creds.secret(), "s3cr3t-pw");
}
