//! Thunderbird autoconfig and Outlook Autodiscover through the real router: golden documents for
//! a STARTTLS and an implicit-TLS domain parsed back field by field, the Host-header fallback,
//! unknown domains, refused request bodies, escaping, the per-client rate limit; then the
//! settings read the way the clients read them log in to the test Dovecot and Postfix.

#[path = "../../probe/tests/support/mod.rs"]
mod mail;
mod support;

use axum::body::Body;
use http::{header, Request, StatusCode};
use quick_xml::events::{BytesText, Event};
use quick_xml::{Reader, Writer};
use services::ThrottlePolicy;
use storage::test_support::{backends, sqlite};
use support::{Reply, TestApp};

/// An element read back: name without prefix, attributes, text and children.
#[derive(Debug, Default)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Node>,
}

impl Node {
    fn child(&self, name: &str) -> &Node {
        self.children
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("<{name}> missing in <{}>: {self:?}", self.name))
    }
    fn has(&self, name: &str) -> bool {
        self.children.iter().any(|c| c.name == name)
    }
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Node> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }
    fn text_of(&self, name: &str) -> &str {
        self.child(name).text.as_str()
    }
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Parses a whole document with quick-xml's reader; panics on anything not well-formed.
fn parse(xml: &str) -> Node {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().check_end_names = true;
    reader.config_mut().expand_empty_elements = true;
    let mut stack = vec![Node::default()];
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let attrs = e
                    .attributes()
                    .map(|a| {
                        let a = a.expect("attribute");
                        let key: &str = a.key.as_ref();
                        let value = a
                            .normalized_value(quick_xml::XmlVersion::default())
                            .expect("attribute value");
                        (key.to_owned(), value.into_owned())
                    })
                    .collect();
                stack.push(Node {
                    name: e.local_name().as_ref().to_owned(),
                    attrs,
                    ..Node::default()
                });
            }
            Event::End(_) => {
                let node = stack.pop().expect("open element");
                stack.last_mut().expect("parent").children.push(node);
            }
            Event::Text(t) => stack
                .last_mut()
                .expect("node")
                .text
                .push_str(t.xml10_content().trim()),
            Event::GeneralRef(r) => {
                let c = match r.resolve_char_ref().expect("char ref") {
                    Some(c) => c.to_string(),
                    None => quick_xml::escape::resolve_predefined_entity(&r.xml10_content())
                        .expect("predefined entity")
                        .to_string(),
                };
                stack.last_mut().expect("node").text.push_str(&c);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut document = stack.pop().expect("document");
    assert!(stack.is_empty(), "unclosed elements");
    assert_eq!(document.children.len(), 1, "one root element");
    document.children.remove(0)
}

fn domain_settings(domain: &str, imap: (&str, &str), smtp: (&str, &str)) -> Vec<(String, String)> {
    vec![
        ("settings[domain]".into(), domain.into()),
        ("settings[imap_host]".into(), "imap.example.org".into()),
        ("settings[imap_port]".into(), imap.0.into()),
        ("settings[imap_security]".into(), imap.1.into()),
        ("settings[smtp_host]".into(), "smtp.example.org".into()),
        ("settings[smtp_port]".into(), smtp.0.into()),
        ("settings[smtp_security]".into(), smtp.1.into()),
        ("save_anyway".into(), "on".into()),
    ]
}

async fn create_domain(app: &TestApp, admin: &str, form: Vec<(String, String)>) {
    let refs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let created = app.call("create_domain", Some(admin), &refs).await;
    assert!(
        created.status.is_success(),
        "{} {}",
        created.status,
        created.body
    );
}

async fn get(app: &TestApp, uri: &str, host: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(host) = host {
        request = request.header(header::HOST, host);
    }
    app.send(request.body(Body::empty()).expect("request"))
        .await
}

async fn autoconfig(app: &TestApp, address: &str) -> Reply {
    let query = serde_urlencoded::to_string([("emailaddress", address)]).expect("query");
    get(app, &format!("/mail/config-v1.1.xml?{query}"), None).await
}

/// The POX request as Outlook sends it: no Origin, no Referer, no cookie.
async fn post_autodiscover(app: &TestApp, path: &str, body: impl Into<Body>) -> Reply {
    let request = Request::post(path)
        .header(header::CONTENT_TYPE, "text/xml")
        .body(body.into())
        .expect("request");
    app.send(request).await
}

/// The request document, written with quick-xml so the address is escaped.
fn autodiscover_request(address: &str) -> Vec<u8> {
    let mut w = Writer::new(Vec::new());
    w.create_element("Autodiscover")
        .with_attribute((
            "xmlns",
            "http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006",
        ))
        .write_inner_content(|w| {
            w.create_element("Request").write_inner_content(|w| {
                w.create_element("EMailAddress")
                    .write_text_content(BytesText::new(address))?;
                w.create_element("AcceptableResponseSchema")
                    .write_text_content(BytesText::new(
                        "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a",
                    ))?;
                Ok(())
            })?;
            Ok(())
        })
        .expect("write");
    w.into_inner()
}

async fn autodiscover(app: &TestApp, address: &str) -> Reply {
    post_autodiscover(
        app,
        "/autodiscover/autodiscover.xml",
        autodiscover_request(address),
    )
    .await
}

fn assert_xml(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let content_type = reply.headers[header::CONTENT_TYPE].to_str().expect("ascii");
    assert!(
        content_type.starts_with("application/xml"),
        "{content_type}"
    );
}

/// `(hostname, port, socketType, username, authentication)` of an autoconfig server element.
fn tb_server<'a>(provider: &'a Node, element: &str, kind: &str) -> [&'a str; 5] {
    let server = provider
        .children
        .iter()
        .find(|s| s.name == element && s.attr("type") == Some(kind))
        .unwrap_or_else(|| panic!("no {element} of type {kind}"));
    [
        server.text_of("hostname"),
        server.text_of("port"),
        server.text_of("socketType"),
        server.text_of("username"),
        server.text_of("authentication"),
    ]
}

fn outlook_protocol<'a>(account: &'a Node, kind: &str) -> &'a Node {
    account
        .all("Protocol")
        .find(|p| p.text_of("Type") == kind)
        .unwrap_or_else(|| panic!("no {kind} protocol"))
}

#[tokio::test]
async fn golden_documents_fallbacks_and_refusals() {
    for db in backends().await {
        golden(TestApp::new(db, ThrottlePolicy::default()).await).await;
    }
}

async fn golden(app: TestApp) {
    let admin = app.setup_admin().await;
    create_domain(
        &app,
        &admin,
        domain_settings("tls.example", ("993", "ssl"), ("465", "ssl")),
    )
    .await;
    create_domain(
        &app,
        &admin,
        domain_settings("bücher.example", ("143", "starttls"), ("587", "starttls")),
    )
    .await;

    // Thunderbird, implicit TLS.
    let reply = autoconfig(&app, "someone@TLS.example").await;
    assert_xml(&reply);
    let doc = parse(&reply.body);
    assert_eq!(doc.name, "clientConfig");
    assert_eq!(doc.attr("version"), Some("1.1"));
    let provider = doc.child("emailProvider");
    assert_eq!(provider.attr("id"), Some("tls.example"));
    assert_eq!(provider.text_of("domain"), "tls.example");
    assert_eq!(
        tb_server(provider, "incomingServer", "imap"),
        [
            "imap.example.org",
            "993",
            "SSL",
            "%EMAILADDRESS%",
            "password-cleartext"
        ]
    );
    assert_eq!(
        tb_server(provider, "outgoingServer", "smtp"),
        [
            "smtp.example.org",
            "465",
            "SSL",
            "%EMAILADDRESS%",
            "password-cleartext"
        ]
    );

    // Thunderbird, STARTTLS, an IDN domain typed in Unicode.
    let reply = autoconfig(&app, "anna@bücher.example").await;
    assert_xml(&reply);
    let doc = parse(&reply.body);
    let provider = doc.child("emailProvider");
    assert_eq!(provider.text_of("domain"), "xn--bcher-kva.example");
    assert_eq!(provider.text_of("displayName"), "bücher.example");
    assert_eq!(
        tb_server(provider, "incomingServer", "imap"),
        [
            "imap.example.org",
            "143",
            "STARTTLS",
            "%EMAILADDRESS%",
            "password-cleartext"
        ]
    );
    assert_eq!(
        tb_server(provider, "outgoingServer", "smtp"),
        [
            "smtp.example.org",
            "587",
            "STARTTLS",
            "%EMAILADDRESS%",
            "password-cleartext"
        ]
    );

    // No emailaddress: the Host header names the domain, never a 400.
    for (path, host) in [
        ("/mail/config-v1.1.xml", "autoconfig.tls.example"),
        ("/mail/config-v1.1.xml", "AUTOCONFIG.tls.example:443"),
        (
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            "tls.example",
        ),
        (
            "/.well-known/autoconfig/mail/config-v1.1.xml",
            "autoconfig.xn--bcher-kva.example",
        ),
    ] {
        let reply = get(&app, path, Some(host)).await;
        assert_xml(&reply);
        let domain = parse(&reply.body)
            .child("emailProvider")
            .text_of("domain")
            .to_owned();
        assert!(
            host.to_ascii_lowercase().contains(&domain),
            "{host}: {domain}"
        );
    }
    // An unusable parameter falls back to the Host header too.
    let reply = get(
        &app,
        "/mail/config-v1.1.xml?emailaddress=",
        Some("autoconfig.tls.example"),
    )
    .await;
    assert_xml(&reply);

    // Unknown domains.
    assert_eq!(
        autoconfig(&app, "x@unknown.example").await.status,
        StatusCode::NOT_FOUND
    );
    for host in [
        None,
        Some("autoconfig.unknown.example"),
        Some("127.0.0.1:3000"),
    ] {
        let reply = get(&app, "/mail/config-v1.1.xml", host).await;
        assert_eq!(
            reply.status,
            StatusCode::NOT_FOUND,
            "{host:?}: {}",
            reply.body
        );
    }
    assert_eq!(
        autodiscover(&app, "x@unknown.example").await.status,
        StatusCode::NOT_FOUND
    );

    // Outlook, implicit TLS: SSL on, no Encryption (Outlook would try STARTTLS on 993).
    let reply = autodiscover(&app, "someone@tls.example").await;
    assert_xml(&reply);
    let doc = parse(&reply.body);
    assert_eq!(doc.name, "Autodiscover");
    assert_eq!(
        doc.attr("xmlns"),
        Some("http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006")
    );
    let response = doc.child("Response");
    assert_eq!(
        response.attr("xmlns"),
        Some("http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a")
    );
    let account = response.child("Account");
    assert_eq!(account.text_of("AccountType"), "email");
    assert_eq!(account.text_of("Action"), "settings");
    for (kind, host, port) in [
        ("IMAP", "imap.example.org", "993"),
        ("SMTP", "smtp.example.org", "465"),
    ] {
        let p = outlook_protocol(account, kind);
        assert_eq!(p.text_of("Server"), host);
        assert_eq!(p.text_of("Port"), port);
        assert_eq!(p.text_of("LoginName"), "someone@tls.example");
        assert_eq!(p.text_of("DomainRequired"), "off");
        assert_eq!(p.text_of("SPA"), "off");
        assert_eq!(p.text_of("SSL"), "on");
        assert_eq!(p.text_of("AuthRequired"), "on");
        assert!(!p.has("Encryption"), "{kind}: {p:?}");
    }

    // Outlook, STARTTLS, through the other spelling of the path.
    let reply = post_autodiscover(
        &app,
        "/Autodiscover/Autodiscover.xml",
        autodiscover_request("anna@xn--bcher-kva.example"),
    )
    .await;
    assert_xml(&reply);
    let doc = parse(&reply.body);
    let account = doc.child("Response").child("Account");
    for (kind, port) in [("IMAP", "143"), ("SMTP", "587")] {
        let p = outlook_protocol(account, kind);
        assert_eq!(p.text_of("Port"), port);
        assert_eq!(p.text_of("Encryption"), "TLS");
        assert!(!p.all("SSL").any(|s| s.text == "on"), "{kind}: {p:?}");
    }

    // Escaping: the address comes back exactly, and the document still parses.
    let tricky = r#"o'&<"Ünïcødé">@tls.example"#;
    let reply = autodiscover(&app, tricky).await;
    assert_xml(&reply);
    assert!(
        reply.body.contains("&amp;") && reply.body.contains("&lt;"),
        "{}",
        reply.body
    );
    let doc = parse(&reply.body);
    let account = doc.child("Response").child("Account");
    for kind in ["IMAP", "SMTP"] {
        assert_eq!(outlook_protocol(account, kind).text_of("LoginName"), tricky);
    }

    // Refused bodies: a clear 400, never a panic.
    let oversized = {
        let mut body = autodiscover_request("someone@tls.example");
        body.splice(0..0, vec![b' '; 17 * 1024]);
        body
    };
    for body in [
        b"not xml at all".to_vec(),
        b"".to_vec(),
        b"<Autodiscover><Request><EMailAddress>a@tls.example</Request></Autodiscover>".to_vec(),
        b"<Autodiscover><Request></Request></Autodiscover>".to_vec(),
        b"<Autodiscover><Request><EMailAddress>nobody</EMailAddress></Request></Autodiscover>"
            .to_vec(),
        br#"<!DOCTYPE a [<!ENTITY x "y">]><Autodiscover><Request><EMailAddress>&x;@tls.example</EMailAddress></Request></Autodiscover>"#.to_vec(),
        vec![0xff, 0xfe, 0x00],
        oversized,
    ] {
        let reply = post_autodiscover(&app, "/autodiscover/autodiscover.xml", body.clone()).await;
        assert_eq!(
            reply.status,
            StatusCode::BAD_REQUEST,
            "{}: {}",
            String::from_utf8_lossy(&body[..body.len().min(80)]),
            reply.body
        );
        assert!(!reply.body.is_empty());
    }
    app.db.cleanup().await;
}

#[tokio::test]
async fn each_client_address_is_rate_limited() {
    let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
    for i in 0..60 {
        let reply = autoconfig(&app, "x@unknown.example").await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "request {i}");
    }
    let limited = autoconfig(&app, "x@unknown.example").await;
    assert_eq!(
        limited.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        limited.body
    );
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry), "{retry}");
    // Autodiscover shares the client's budget.
    let limited = autodiscover(&app, "x@unknown.example").await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    app.db.cleanup().await;
}

/// `(host, port, security, username)` as a client takes it from a document.
type Advertised = (String, u16, probe::Security, String);

fn thunderbird_reads(xml: &str, email: &str) -> (Advertised, Advertised) {
    let doc = parse(xml);
    let provider = doc.child("emailProvider");
    let read = |element: &str, kind: &str| {
        let [host, port, socket, username, auth] = tb_server(provider, element, kind);
        assert_eq!(auth, "password-cleartext");
        let security = match socket {
            "SSL" => probe::Security::SslTls,
            "STARTTLS" => probe::Security::StartTls,
            other => panic!("socketType {other}"),
        };
        let username = username.replace("%EMAILADDRESS%", email).replace(
            "%EMAILLOCALPART%",
            email.split('@').next().unwrap_or_default(),
        );
        (
            host.to_owned(),
            port.parse().expect("port"),
            security,
            username,
        )
    };
    (
        read("incomingServer", "imap"),
        read("outgoingServer", "smtp"),
    )
}

fn outlook_reads(xml: &str) -> (Advertised, Advertised) {
    let doc = parse(xml);
    let account = doc.child("Response").child("Account");
    let read = |kind: &str| {
        let p = outlook_protocol(account, kind);
        // Outlook: Encryption wins when present; otherwise SSL on means implicit TLS.
        let security = match (p.all("Encryption").next(), p.all("SSL").next()) {
            (Some(e), _) if e.text == "TLS" => probe::Security::StartTls,
            (Some(e), _) if e.text == "SSL" => probe::Security::SslTls,
            (None, Some(s)) if s.text == "on" => probe::Security::SslTls,
            other => panic!("{kind}: no usable encryption: {other:?}"),
        };
        (
            p.text_of("Server").to_owned(),
            p.text_of("Port").parse().expect("port"),
            security,
            p.text_of("LoginName").to_owned(),
        )
    };
    (read("IMAP"), read("SMTP"))
}

#[tokio::test]
async fn advertised_settings_log_in_to_the_real_servers() {
    let lab = mail::mail();
    let (email, password) = (mail::dovecot::USER, mail::dovecot::PASSWORD);
    let options = mail::opts(&lab.certs);
    let modes = [
        (
            "ssl",
            lab.dovecot.imaps,
            lab.postfix.smtps,
            probe::Security::SslTls,
        ),
        (
            "starttls",
            lab.dovecot.imap,
            lab.postfix.submission,
            probe::Security::StartTls,
        ),
    ];
    for (mode, imap_port, smtp_port, security) in modes {
        let app = TestApp::new(sqlite().await, ThrottlePolicy::default()).await;
        let admin = app.setup_admin().await;
        let (imap_port, smtp_port) = (imap_port.to_string(), smtp_port.to_string());
        let mut form = domain_settings("test.local", (&imap_port, mode), (&smtp_port, mode));
        for (key, value) in &mut form {
            if key.ends_with("_host]") {
                *value = "127.0.0.1".into();
            }
        }
        create_domain(&app, &admin, form).await;

        let thunderbird = autoconfig(&app, email).await;
        assert_xml(&thunderbird);
        let outlook = autodiscover(&app, email).await;
        assert_xml(&outlook);
        for (client, (imap, smtp)) in [
            ("Thunderbird", thunderbird_reads(&thunderbird.body, email)),
            ("Outlook", outlook_reads(&outlook.body)),
        ] {
            assert_eq!(imap.2, security, "{client} {mode}");
            assert_eq!(smtp.2, security, "{client} {mode}");
            assert_eq!(imap.3, smtp.3, "{client} {mode}");
            let settings = probe::ProbeSettings {
                imap: probe::Endpoint::new(imap.0.clone(), imap.1, imap.2),
                smtp: probe::Endpoint::new(smtp.0.clone(), smtp.1, smtp.2),
                allow_non_secure_certificate: false,
            };
            let credentials = probe::Credentials::new(email, Some(imap.3.clone()), password);
            let check = probe::check_logins(&settings, &credentials, &options).await;
            assert!(check.ok(), "{client} {mode}: {check:?}");
        }
        app.db.cleanup().await;
    }
}
