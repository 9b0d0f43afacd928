use super::*;

fn filled() -> DomainSettingsForm {
    DomainSettingsForm {
        domain: "Example.com".into(),
        imap_host: "imap.example.com".into(),
        smtp_host: "smtp.example.com".into(),
        ..DomainSettingsForm::default()
    }
}

#[test]
fn default_is_implicit_tls() {
    let f = DomainSettingsForm::default();
    assert_eq!(
        (f.imap_port.as_str(), f.imap_security.as_str()),
        ("993", "ssl")
    );
    assert_eq!(
        (f.smtp_port.as_str(), f.smtp_security.as_str()),
        ("465", "ssl")
    );
    assert!(!f.allow_non_secure_certificate && !f.use_static_ips);
    assert_eq!(f.domain, "");
}

#[test]
fn parse_valid_form_and_round_trip() {
    let settings = filled().parse().expect("valid");
    assert_eq!(settings.domain.as_str(), "example.com");
    assert_eq!(settings.imap_port.get(), 993);
    assert_eq!(settings.smtp_security, Security::SslTls);
    let again = settings.to_form().parse().expect("round trip");
    assert_eq!(again, settings);
}

#[test]
fn parse_collects_every_error_at_once() {
    let form = DomainSettingsForm {
        domain: String::new(),
        imap_host: "mail.example.com:993".into(),
        imap_port: "0".into(),
        imap_security: "none".into(),
        smtp_host: "smtp.example.com".into(),
        smtp_port: "abc".into(),
        smtp_security: "starttls".into(),
        ..DomainSettingsForm::default()
    };
    let errors = form.parse().unwrap_err();
    assert_eq!(errors.len(), 5);
    assert_eq!(
        errors.get(Field::Domain),
        Some("Enter the email domain, e.g. example.com")
    );
    assert_eq!(
        errors.get(Field::ImapPort),
        Some("Port must be between 1 and 65535")
    );
    assert_eq!(
        errors.get(Field::SmtpPort),
        Some("Enter a port number between 1 and 65535")
    );
    assert!(errors.get(Field::ImapHost).unwrap().contains("port field"));
    assert!(errors
        .get(Field::ImapSecurity)
        .unwrap()
        .starts_with("Encryption is required"));
    assert_eq!(errors.get(Field::SmtpHost), None);
    let order: Vec<Field> = errors.iter().map(|(f, _)| f).collect();
    assert_eq!(
        order,
        [
            Field::Domain,
            Field::ImapHost,
            Field::ImapPort,
            Field::ImapSecurity,
            Field::SmtpPort
        ]
    );
}

#[test]
fn field_errors_serde_uses_field_names() {
    let mut errors = FieldErrors::new();
    errors.insert(Field::ImapPort, "bad".into());
    let json = serde_json::to_string(&errors).unwrap();
    assert_eq!(json, r#"{"imap_port":"bad"}"#);
    assert_eq!(serde_json::from_str::<FieldErrors>(&json).unwrap(), errors);
}

#[derive(Debug, Deserialize)]
struct Checkbox {
    #[serde(default, deserialize_with = "form_bool")]
    on: bool,
}

#[test]
fn form_bool_from_urlencoded() {
    let rows = [
        ("", false),
        ("on=on", true),
        ("on=true", true),
        ("on=1", true),
        ("on=yes", true),
        ("on=false", false),
        ("on=off", false),
        ("on=0", false),
        ("on=", false),
    ];
    for (query, expected) in rows {
        let parsed: Checkbox = serde_urlencoded::from_str(query).unwrap();
        assert_eq!(parsed.on, expected, "{query:?}");
    }
    assert!(serde_urlencoded::from_str::<Checkbox>("on=maybe").is_err());
}

#[test]
fn form_bool_from_json() {
    let rows = [
        ("{}", false),
        (r#"{"on":true}"#, true),
        (r#"{"on":false}"#, false),
        (r#"{"on":"on"}"#, true),
        (r#"{"on":""}"#, false),
        (r#"{"on":1}"#, true),
        (r#"{"on":null}"#, false),
    ];
    for (json, expected) in rows {
        let parsed: Checkbox = serde_json::from_str(json).unwrap();
        assert_eq!(parsed.on, expected, "{json}");
    }
    assert!(serde_json::from_str::<Checkbox>(r#"{"on":"maybe"}"#).is_err());
}

#[test]
fn ports_in_json_as_numbers_whole_floats_or_digits() {
    let port = |json: &str| {
        let body = format!(
            r#"{{"domain":"example.com","imap_host":"imap.example.com","imap_port":{json},
            "imap_security":"ssl","smtp_host":"smtp.example.com","smtp_port":465,
            "smtp_security":"ssl"}}"#
        );
        let form: DomainSettingsForm = serde_json::from_str(&body).expect("deserializes");
        form.parse().map(|s| s.imap_port.get()).map_err(|e| e.len())
    };
    assert_eq!(port("993"), Ok(993));
    assert_eq!(port("993.0"), Ok(993));
    assert_eq!(port("\"993\""), Ok(993));
    assert_eq!(port("1.5"), Err(1));
    assert_eq!(port("1e300"), Err(1));
    assert_eq!(port("-0.0"), Err(1));
}

#[test]
fn whole_form_from_urlencoded_post() {
    let body = "domain=b%C3%BCcher.example&imap_host=imap.example.com&imap_port=143\
                &imap_security=starttls&smtp_host=smtp.example.com&smtp_port=587\
                &smtp_security=STARTTLS&use_static_ips=on";
    let form: DomainSettingsForm = serde_urlencoded::from_str(body).unwrap();
    assert!(form.use_static_ips && !form.allow_non_secure_certificate);
    let s = form.parse().unwrap();
    assert_eq!(s.domain.as_str(), "xn--bcher-kva.example");
    assert_eq!(s.smtp_security, Security::StartTls);
}
