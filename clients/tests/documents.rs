//! Each document on its own, from settings (the HTTP routes are tested in server/tests).

use domain::{DomainSettings, DomainSettingsForm, EmailAddress};

fn settings() -> DomainSettings {
    DomainSettingsForm {
        domain: "example.org".into(),
        imap_host: "imap.example.org".into(),
        imap_port: "993".into(),
        imap_security: "ssl".into(),
        smtp_host: "smtp.example.org".into(),
        smtp_port: "587".into(),
        smtp_security: "starttls".into(),
        ..Default::default()
    }
    .parse()
    .expect("valid settings")
}

fn squeeze(xml: Vec<u8>) -> String {
    String::from_utf8(xml)
        .expect("UTF-8")
        .split_whitespace()
        .collect()
}

#[test]
fn autoconfig_names_both_servers_with_their_socket_types() {
    let xml = squeeze(clients::autoconfig(&settings()).expect("written"));
    assert!(
        xml.starts_with("<?xmlversion=\"1.0\"encoding=\"UTF-8\"?>"),
        "{xml}"
    );
    assert!(xml.contains(
        "<incomingServertype=\"imap\"><hostname>imap.example.org</hostname><port>993</port>\
         <socketType>SSL</socketType>"
    ));
    assert!(xml.contains(
        "<outgoingServertype=\"smtp\"><hostname>smtp.example.org</hostname><port>587</port>\
         <socketType>STARTTLS</socketType>"
    ));
    assert!(xml.contains("<username>%EMAILADDRESS%</username>"), "{xml}");
}

#[test]
fn autoconfig_of_an_oauth_domain_says_oauth2_and_carries_the_tenants_endpoints() {
    let mut s = settings();
    s.oauth = domain::oauth::OAuthApp::parse_fields(
        "microsoft365",
        "contoso.onmicrosoft.com",
        "",
        "app-1",
        "",
    )
    .ok();
    let xml = squeeze(clients::autoconfig(&s).expect("written"));
    assert_eq!(
        xml.matches("<authentication>OAuth2</authentication>")
            .count(),
        2,
        "{xml}"
    );
    assert!(!xml.contains("password-cleartext"), "{xml}");
    assert!(
        xml.contains(
            "<oAuth2><issuer>login.microsoftonline.com</issuer>\
             <scope>https://outlook.office.com/IMAP.AccessAsUser.Allhttps://outlook.office.com/SMTP.Sendoffline_access</scope>\
             <authURL>https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize</authURL>\
             <tokenURL>https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token</tokenURL></oAuth2>"
        ),
        "{xml}"
    );
    // The application's own client ID stays out: Thunderbird signs in with its own.
    assert!(!xml.contains("app-1"), "{xml}");

    s.oauth = domain::oauth::OAuthApp::parse_fields(
        "openid",
        "",
        "https://id.example.org",
        "c",
        "openid email",
    )
    .ok();
    let xml = squeeze(clients::autoconfig(&s).expect("written"));
    assert!(
        xml.contains(
            "<oAuth2><issuer>https://id.example.org</issuer><scope>openidemail</scope></oAuth2>"
        ),
        "{xml}"
    );
}

#[test]
fn autodiscover_answers_for_the_address_it_was_asked_about() {
    let request = br#"<Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>Alice@Example.org</EMailAddress></Request></Autodiscover>"#;
    let address = clients::autodiscover_request_address(request).expect("address");
    // The local part keeps its case; the domain is lowered.
    assert_eq!(address.as_str(), "Alice@example.org");
    let xml = squeeze(clients::autodiscover(&settings(), &address).expect("written"));
    assert!(xml
        .contains("<Protocol><Type>IMAP</Type><Server>imap.example.org</Server><Port>993</Port>"));
    // Implicit TLS is SSL on; STARTTLS is Encryption TLS (never both).
    assert!(xml.contains("<LoginName>Alice@example.org</LoginName><SPA>off</SPA><SSL>on</SSL>"));
    assert!(xml.contains("<SPA>off</SPA><Encryption>TLS</Encryption><AuthRequired>on"));
    let parsed = EmailAddress::parse("bob@example.org").expect("address");
    assert!(
        squeeze(clients::autodiscover(&settings(), &parsed).expect("written"))
            .contains("<LoginName>bob@example.org</LoginName>")
    );
}

#[test]
fn the_apple_profile_carries_the_inbox_and_no_password() {
    let settings = settings();
    let account = clients::ProfileAccount {
        id: 7,
        email: "alice@example.org",
        login: "alice",
        settings: &settings,
    };
    let bytes = clients::apple_profile(&account, None).expect("written");
    let profile = plist::Value::from_reader_xml(&bytes[..]).expect("a property list");
    let outer = profile.as_dictionary().expect("a dictionary");
    assert_eq!(
        outer.get("PayloadIdentifier").and_then(|v| v.as_string()),
        Some("mailsettings.inbox.7")
    );
    let mail = outer
        .get("PayloadContent")
        .and_then(|v| v.as_array())
        .and_then(|a| a[0].as_dictionary())
        .expect("the mail payload");
    let text = |k: &str| mail.get(k).and_then(|v| v.as_string());
    assert_eq!(text("IncomingMailServerHostName"), Some("imap.example.org"));
    assert_eq!(text("OutgoingMailServerUsername"), Some("alice"));
    assert_eq!(
        mail.get("OutgoingMailServerPortNumber")
            .and_then(|v| v.as_signed_integer()),
        Some(587)
    );
    assert!(mail
        .keys()
        .all(|k| !k.contains("Password") || k.contains("SameAs")));
    // The same inbox gets the same UUIDs: installing it again replaces the profile.
    assert_eq!(
        bytes,
        clients::apple_profile(&account, None).expect("again")
    );
}
