use super::*;

fn long_label(n: usize) -> String {
    "a".repeat(n)
}

#[test]
fn mail_domain_valid_table() {
    let l63 = format!("{}.example", long_label(63));
    // 4 labels of 63 + 3 dots = 255 > 253; 3×63 + 61 + 3 dots = 253.
    let total_253 = format!("{0}.{0}.{0}.{1}", long_label(63), long_label(61));
    let rows: Vec<(&str, &str)> = vec![
        ("example.com", "example.com"),
        ("  Example.COM  ", "example.com"),
        ("example.com.", "example.com"),
        ("bücher.example", "xn--bcher-kva.example"),
        ("BÜCHER.example", "xn--bcher-kva.example"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("mail-1.example.co.uk", "mail-1.example.co.uk"),
        ("a--b.example", "a--b.example"),
        ("123.example", "123.example"),
        (&l63, &l63),
        (&total_253, &total_253),
    ];
    for (input, expected) in rows {
        let parsed = MailDomain::parse(input)
            .unwrap_or_else(|e| panic!("{input:?} should be valid, got {e}"));
        assert_eq!(parsed.as_str(), expected, "input {input:?}");
        assert_eq!(parsed.to_string(), expected);
    }
    assert_eq!(total_253.len(), 253);
}

#[test]
fn mail_domain_invalid_table() {
    let l64 = format!("{}.example", long_label(64));
    let total_255 = format!("{0}.{0}.{0}.{0}", long_label(63));
    let rows: Vec<(&str, NameError)> = vec![
        ("", NameError::EmptyDomain),
        ("   ", NameError::EmptyDomain),
        ("example.com..", NameError::EmptyLabel),
        (".example.com", NameError::EmptyLabel),
        ("a..example", NameError::EmptyLabel),
        ("localhost", NameError::SingleLabel),
        ("-example.com", NameError::HyphenAtEdge),
        ("example-.com", NameError::HyphenAtEdge),
        ("my_domain.com", NameError::InvalidCharacter('_')),
        ("exa mple.com", NameError::InvalidCharacter(' ')),
        ("example.123", NameError::NumericTld),
        ("192.168.1.1", NameError::IpAddress),
        ("::1", NameError::IpAddress),
        ("[2001:db8::1]", NameError::IpAddress),
        ("example.com:25", NameError::HasPort),
        ("https://example.com", NameError::Url("https".into())),
        ("example.com/x", NameError::Path),
        (&l64, NameError::LabelTooLong),
        (&total_255, NameError::TooLong),
        ("xn--zz.example", NameError::InvalidIdn),
    ];
    for (input, expected) in rows {
        assert_eq!(MailDomain::parse(input), Err(expected), "input {input:?}");
    }
}

#[test]
fn mail_domain_messages_and_unicode_display() {
    assert_eq!(
        NameError::EmptyDomain.to_string(),
        "Enter the email domain, e.g. example.com"
    );
    let d = MailDomain::parse("bücher.example").unwrap();
    assert_eq!(d.display_unicode(), "bücher.example");
}

#[test]
fn hostname_valid_table() {
    let rows = [
        ("mail.example.com", "mail.example.com", false),
        (" IMAP.Example.com. ", "imap.example.com", false),
        ("mail", "mail", false),
        ("localhost", "localhost", false),
        ("bücher.example", "xn--bcher-kva.example", false),
        ("192.0.2.10", "192.0.2.10", true),
        ("2001:db8::1", "2001:db8::1", true),
        ("[::1]", "::1", true),
        ("[2001:DB8:0:0:0:0:0:1]", "2001:db8::1", true),
    ];
    for (input, expected, is_ip) in rows {
        let host =
            Hostname::parse(input).unwrap_or_else(|e| panic!("{input:?} should be valid, got {e}"));
        assert_eq!(host.as_str(), expected, "input {input:?}");
        assert_eq!(host.to_string(), expected);
        assert_eq!(host.is_ip(), is_ip, "input {input:?}");
    }
}

#[test]
fn hostname_invalid_table() {
    let rows = [
        ("", NameError::EmptyHost),
        ("mail.example.com:993", NameError::HasPort),
        ("[::1]:993", NameError::HasPort),
        ("imaps://mail.example.com", NameError::Url("imaps".into())),
        (
            "IMAPS://mail.example.com:993/",
            NameError::Url("imaps".into()),
        ),
        ("mail_server.example.com", NameError::InvalidCharacter('_')),
        ("-mail.example.com", NameError::HyphenAtEdge),
        ("mail..example.com", NameError::EmptyLabel),
        ("mail.example.com..", NameError::EmptyLabel),
        ("1.2.3.256", NameError::NumericTld),
        ("12345", NameError::NumericTld),
    ];
    for (input, expected) in rows {
        assert_eq!(Hostname::parse(input), Err(expected), "input {input:?}");
    }
    let port_msg = NameError::HasPort.to_string();
    assert!(port_msg.contains("port field"), "{port_msg}");
    assert!(NameError::Url("imaps".into())
        .to_string()
        .contains("imaps://"));
}

#[test]
fn serde_uses_the_plain_string_and_validates() {
    let host = Hostname::parse("[::1]").unwrap();
    assert_eq!(serde_json::to_string(&host).unwrap(), "\"::1\"");
    let back: Hostname = serde_json::from_str("\"::1\"").unwrap();
    assert_eq!(back, host);
    assert!(serde_json::from_str::<MailDomain>("\"bad_domain.com\"").is_err());
    let d: MailDomain = serde_json::from_str("\"example.com\"").unwrap();
    assert_eq!(d.as_str(), "example.com");
}
