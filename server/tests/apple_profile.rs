//! The Apple configuration profile of an inbox: its owner downloads a property list with the
//! domain's settings and their address (never a password); anyone else gets nothing.

mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use storage::test_support::sqlite;
use support::TestApp;

async fn download(app: &TestApp, session: Option<&str>, id: i32) -> support::Reply {
    let mut request = Request::get(format!("/inboxes/{id}/mail.mobileconfig"));
    if let Some(token) = session {
        request = request.header(header::COOKIE, format!("mailsettings_session={token}"));
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

#[tokio::test]
async fn the_owner_downloads_a_profile_with_the_domain_settings() {
    let app = TestApp::new(sqlite().await, services::ThrottlePolicy::default()).await;
    let admin = app.setup_admin().await;
    let form = support::domain_form("example.org", "143");
    let created = app.call("create_domain", Some(&admin), &form).await;
    assert!(created.status.is_success(), "{}", created.body);
    let owner = app
        .user_session(&admin, "o'neil&co@example.org", "user", false)
        .await;
    let other = app
        .user_session(&admin, "someone@example.org", "user", false)
        .await;
    let users = storage::list_users(&app.db.db).await.expect("users");
    let user = users
        .iter()
        .find(|u| u.email.starts_with("o'neil"))
        .expect("owner");
    let actor = storage::Actor {
        user_id: user.id,
        email: user.email.clone(),
        role: None,
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let domain = storage::find_domain(&app.db.db, "example.org")
        .await
        .expect("read")
        .expect("domain");
    let inbox = storage::connect_inbox(
        &app.db.db,
        &actor,
        storage::NewInbox {
            user_id: user.id,
            email: "o'neil&co@example.org".into(),
            mail_domain: "example.org".into(),
            domain_id: Some(domain.id),
            own_settings: None,
            username: Some("oneil <admin>".into()),
            secret: vec![0; 40],
            next_check_at: chrono::Utc::now(),
        },
    )
    .await
    .expect("inbox");

    let got = download(&app, Some(&owner), inbox.id).await;
    assert_eq!(got.status, StatusCode::OK, "{}", got.body);
    assert!(
        got.body.contains("&amp;") && got.body.contains("&lt;admin&gt;"),
        "escaped: {}",
        got.body
    );
    let doc: plist::Value = plist::from_bytes(got.body.as_bytes()).expect("a property list");
    let outer = doc.as_dictionary().expect("dictionary");
    assert_eq!(outer["PayloadType"].as_string(), Some("Configuration"));
    let mail = outer["PayloadContent"].as_array().expect("payloads")[0]
        .as_dictionary()
        .expect("payload");
    let s = |k: &str| mail[k].as_string().map(str::to_string);
    let n = |k: &str| mail[k].as_signed_integer();
    assert_eq!(s("PayloadType").as_deref(), Some("com.apple.mail.managed"));
    assert_eq!(s("EmailAccountType").as_deref(), Some("EmailTypeIMAP"));
    assert_eq!(s("EmailAddress").as_deref(), Some("o'neil&co@example.org"));
    assert_eq!(
        s("IncomingMailServerHostName"),
        Some(domain.settings.imap_host.to_string())
    );
    assert_eq!(n("IncomingMailServerPortNumber"), Some(143));
    assert_eq!(
        s("IncomingMailServerUsername").as_deref(),
        Some("oneil <admin>")
    );
    assert_eq!(
        s("OutgoingMailServerHostName"),
        Some(domain.settings.smtp_host.to_string())
    );
    assert_eq!(
        n("OutgoingMailServerPortNumber"),
        Some(i64::from(domain.settings.smtp_port.get()))
    );
    assert_eq!(mail["IncomingMailServerUseSSL"].as_boolean(), Some(true));
    assert!(
        !got.body.contains("Password</key>\n\t\t\t<string"),
        "no password is in it"
    );

    assert_eq!(
        download(&app, Some(&other), inbox.id).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        download(&app, None, inbox.id).await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        download(&app, Some(&owner), 999_999).await.status,
        StatusCode::NOT_FOUND
    );
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("apple-profile-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// A self-signed P-256 certificate and its PKCS#8 key, both PEM, written to `dir`.
fn self_signed(dir: &std::path::Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let key = rcgen::KeyPair::generate().expect("P-256 key");
    let mut params =
        rcgen::CertificateParams::new(Vec::<String>::new()).expect("certificate params");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "Profile Signing Test");
    let cert = params.self_signed(&key).expect("certificate");
    let (cert_path, key_path) = (dir.join("signing.pem"), dir.join("signing.key"));
    std::fs::write(&cert_path, cert.pem()).expect("write certificate");
    std::fs::write(&key_path, key.serialize_pem()).expect("write key");
    (cert_path, key_path)
}

/// The app signing with `cert`/`key`, an owner's session and the id of their inbox.
async fn signing_app(cert: &std::path::Path, key: &std::path::Path) -> (TestApp, String, i32) {
    let signer = clients::ProfileSigner::load(cert, key).expect("signer");
    let app = TestApp::with_state(sqlite().await, |state| {
        state.profile_signer = Some(std::sync::Arc::new(signer));
    })
    .await;
    let admin = app.setup_admin().await;
    let created = app
        .call(
            "create_domain",
            Some(&admin),
            &support::domain_form("example.org", "993"),
        )
        .await;
    assert!(created.status.is_success(), "{}", created.body);
    let owner = app
        .user_session(&admin, "alice@example.org", "user", false)
        .await;
    let users = storage::list_users(&app.db.db).await.expect("users");
    let user = users
        .iter()
        .find(|u| u.email == "alice@example.org")
        .expect("owner");
    let actor = storage::Actor {
        user_id: user.id,
        email: user.email.clone(),
        role: None,
        client_ip: None,
        user_agent: None,
        api_token_id: None,
    };
    let domain = storage::find_domain(&app.db.db, "example.org")
        .await
        .expect("read")
        .expect("domain");
    let inbox = storage::connect_inbox(
        &app.db.db,
        &actor,
        storage::NewInbox {
            user_id: user.id,
            email: "alice@example.org".into(),
            mail_domain: "example.org".into(),
            domain_id: Some(domain.id),
            own_settings: None,
            username: None,
            secret: vec![0; 40],
            next_check_at: chrono::Utc::now(),
        },
    )
    .await
    .expect("inbox");
    (app, owner, inbox.id)
}

/// The profile's raw bytes (DER when signed) and its Content-Type.
async fn download_bytes(app: &TestApp, session: &str, id: i32) -> (Vec<u8>, String) {
    use tower::ServiceExt;
    let request = Request::get(format!("/inboxes/{id}/mail.mobileconfig"))
        .header(header::COOKIE, format!("mailsettings_session={session}"))
        .body(Body::empty())
        .expect("request");
    let response = app.router.clone().oneshot(request).await.expect("response");
    assert_eq!(response.status(), StatusCode::OK);
    let kind = response.headers()[header::CONTENT_TYPE]
        .to_str()
        .expect("content type")
        .to_string();
    let body = axum::body::to_bytes(response.into_body(), 1 << 20)
        .await
        .expect("body");
    (body.to_vec(), kind)
}

/// `openssl cms -verify` of `der` (signature only: the test certificate is self-signed); the
/// verified content, or None when openssl refuses it.
fn openssl_verify(dir: &std::path::Path, der: &[u8]) -> Option<Vec<u8>> {
    let (input, output) = (dir.join("profile.der"), dir.join("content.xml"));
    std::fs::write(&input, der).expect("write profile");
    let _ = std::fs::remove_file(&output);
    let status = std::process::Command::new("openssl")
        .args([
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-noverify",
            "-binary",
            "-in",
        ])
        .arg(&input)
        .arg("-out")
        .arg(&output)
        .status()
        .expect("openssl (scripts/test.sh installs it)");
    status
        .success()
        .then(|| std::fs::read(&output).expect("content"))
}

#[tokio::test]
async fn a_configured_p256_certificate_signs_the_profile() {
    let dir = scratch("signed-p256");
    let (cert, key) = self_signed(&dir);
    signed_profile_verifies(&dir, &cert, &key).await;
}

#[tokio::test]
async fn a_configured_rsa_certificate_signs_the_profile() {
    let dir = scratch("signed-rsa");
    let (cert, key) = (dir.join("rsa.pem"), dir.join("rsa.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        ])
        .args(["-subj", "/CN=Profile Signing RSA Test", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .expect("openssl (scripts/test.sh installs it)");
    assert!(made.status.success(), "{made:?}");
    signed_profile_verifies(&dir, &cert, &key).await;
}

/// Downloads the profile signed with `cert`/`key`, verifies it with openssl, reads it back, and
/// checks that one changed byte breaks the signature.
async fn signed_profile_verifies(
    dir: &std::path::Path,
    cert: &std::path::Path,
    key: &std::path::Path,
) {
    let (app, owner, id) = signing_app(cert, key).await;
    let (der, kind) = download_bytes(&app, &owner, id).await;
    assert_eq!(kind, "application/x-apple-aspen-config");
    assert_eq!(der[0], 0x30, "a DER SEQUENCE, not XML");

    let content = openssl_verify(dir, &der).expect("openssl verifies the signature");
    let doc: plist::Value = plist::from_bytes(&content).expect("a property list");
    let mail = doc.as_dictionary().expect("dictionary")["PayloadContent"]
        .as_array()
        .expect("payloads")[0]
        .as_dictionary()
        .expect("payload")
        .clone();
    assert_eq!(mail["EmailAddress"].as_string(), Some("alice@example.org"));

    // One changed byte of the signed content: openssl must refuse it.
    let at = der
        .windows(b"alice@example.org".len())
        .position(|w| w == b"alice@example.org")
        .expect("the content is attached");
    let mut tampered = der.clone();
    tampered[at] = b'm';
    assert!(
        openssl_verify(dir, &tampered).is_none(),
        "tampering is detected"
    );
}

#[test]
fn an_unusable_certificate_or_key_is_refused_naming_the_file() {
    let dir = scratch("refused");
    let (cert, key) = self_signed(&dir);
    let missing = dir.join("missing.key");
    let err = clients::ProfileSigner::load(&cert, &missing)
        .expect_err("missing key")
        .to_string();
    assert!(err.contains(&missing.display().to_string()), "{err}");
    let err = clients::ProfileSigner::load(&key, &key)
        .expect_err("a key is no certificate")
        .to_string();
    assert!(
        err.contains("certificate") && err.contains("signing.key"),
        "{err}"
    );
    let other = scratch("refused-other");
    let (_, other_key) = self_signed(&other);
    let err = clients::ProfileSigner::load(&cert, &other_key)
        .expect_err("another key")
        .to_string();
    assert!(err.contains("does not belong"), "{err}");
}
