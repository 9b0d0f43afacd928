//! The document and the parsers agree: every value a pattern allows is accepted (generated from
//! the pattern), every canonical value the parsers produce matches, and typical refusals do not.

use proptest::prelude::*;
use proptest::string::string_regex;
use regex::Regex;

use super::*;

fn anchored(pattern: &str) -> Regex {
    Regex::new(pattern).expect("the pattern is a valid regex")
}

/// The pattern without `^` and `$`, for proptest's generator.
fn generator(pattern: &str) -> proptest::string::RegexGeneratorStrategy<String> {
    let bare = pattern.trim_start_matches('^').trim_end_matches('$');
    string_regex(bare).expect("the pattern generates strings")
}

proptest! {
    #[test]
    fn every_documented_mail_domain_is_accepted(name in generator(&mail_domain_pattern())) {
        prop_assume!(name.len() <= MAX_NAME_LEN && !name.to_ascii_lowercase().contains("xn--"));
        prop_assert!(MailDomain::parse(&name).is_ok(), "{name:?}");
    }

    #[test]
    fn every_documented_host_name_is_accepted(name in generator(&host_name_pattern())) {
        prop_assume!(name.len() <= MAX_NAME_LEN && !name.to_ascii_lowercase().contains("xn--"));
        let host = Hostname::parse(&name);
        prop_assert!(host.as_ref().is_ok_and(|h| !h.is_ip()), "{name:?}");
    }

    #[test]
    fn every_documented_email_is_accepted(address in generator(&email_pattern())) {
        let (local, domain) = address.split_once('@').expect("one @");
        // Lower-casing may lengthen a local part past 64 characters (the description says so).
        prop_assume!(local.to_lowercase().chars().count() <= crate::account::MAX_LOCAL_LEN);
        prop_assume!(domain.len() <= MAX_NAME_LEN && !domain.to_ascii_lowercase().contains("xn--"));
        prop_assert!(EmailAddress::parse(&address).is_ok(), "{address:?}");
    }

    #[test]
    fn every_documented_oauth_value_is_accepted(
        tenant in generator(TENANT_ID_PATTERN),
        issuer in generator(&issuer_pattern()),
        client_id in generator(CLIENT_ID_PATTERN),
        scopes in generator(SCOPES_PATTERN),
        secret in generator(CLIENT_SECRET_PATTERN),
    ) {
        use crate::oauth::{ClientId, Issuer, Scopes, Tenant};
        prop_assert!(Tenant::parse(&tenant).is_ok(), "{tenant:?}");
        prop_assume!(issuer.len() <= 2000 && !issuer.to_ascii_lowercase().contains("xn--"));
        prop_assert!(Issuer::parse(&issuer).is_ok(), "{issuer:?}");
        prop_assert!(client_id.is_empty() || ClientId::parse(&client_id).is_ok(), "{client_id:?}");
        prop_assume!(scopes.len() <= 1000);
        prop_assert!(scopes.is_empty() || Scopes::parse(&scopes).is_ok(), "{scopes:?}");
        prop_assert!(secret.chars().all(|c| c.is_ascii_graphic()) && secret.len() <= 512);
    }

    #[test]
    fn every_documented_pin_is_accepted(pin in generator(PIN_PATTERN)) {
        prop_assert!(CertPin::parse(&pin).is_ok(), "{pin:?}");
    }
}

#[test]
fn canonical_names_match_the_patterns() {
    let domain = anchored(&mail_domain_pattern());
    let host = anchored(&host_name_pattern());
    let l63 = "a".repeat(63);
    let longest = format!("{l63}.{l63}.{l63}.{}", "b".repeat(61));
    for input in [
        "example.com",
        "Example.COM.",
        "bücher.example",
        "mail-1.example.co.uk",
        "a--b.example",
        "123.example",
        longest.as_str(),
    ] {
        let parsed = MailDomain::parse(input).expect("valid");
        assert!(domain.is_match(parsed.as_str()), "{parsed}");
        assert!(host.is_match(parsed.as_str()), "{parsed}");
        assert!(parsed.as_str().len() <= MAX_NAME_LEN);
    }
    assert!(host.is_match(Hostname::parse("localhost").expect("valid").as_str()));
}

#[test]
fn names_the_parsers_refuse_do_not_match() {
    let domain = anchored(&mail_domain_pattern());
    let host = anchored(&host_name_pattern());
    let l64 = format!("{}.example", "a".repeat(64));
    for input in [
        "",
        "localhost",
        "example.com..",
        ".example.com",
        "-example.com",
        "example-.com",
        "my_domain.com",
        "example.123",
        "192.168.1.1",
        "example.com:25",
        "https://example.com",
        "example.com/x",
        l64.as_str(),
    ] {
        assert!(MailDomain::parse(input).is_err(), "{input:?}");
        assert!(!domain.is_match(input), "{input:?}");
    }
    for input in [
        "",
        "mail_server.example.com",
        "mail..example.com",
        "1.2.3.256",
        "12345",
    ] {
        assert!(Hostname::parse(input).is_err(), "{input:?}");
        assert!(!host.is_match(input), "{input:?}");
    }
}

#[test]
fn pins_and_emails_round_trip_through_their_patterns() {
    let hex = "ab".repeat(32);
    let pin = CertPin::parse(&format!("{}@2026-11-22", hex.to_uppercase())).expect("valid");
    assert!(anchored(PIN_PATTERN).is_match(&pin.to_string()));
    assert!(!anchored(PIN_PATTERN).is_match(&format!("{hex}@2026-11-2")));
    let email = anchored(&email_pattern());
    let parsed = EmailAddress::parse(" Probe@Bücher.Example ").expect("valid");
    assert!(email.is_match(parsed.as_str()), "{parsed}");
    for refused in [
        "probe",
        "@example.com",
        "a b@example.com",
        "a@b@example.com",
        "a@localhost",
    ] {
        assert!(EmailAddress::parse(refused).is_err(), "{refused:?}");
        assert!(!email.is_match(refused), "{refused:?}");
    }
}

#[test]
fn ports_are_whole_numbers_from_1_to_65535() {
    let RefOr::T(Schema::Object(port)) = Port::schema() else {
        panic!("Port is an object schema");
    };
    let json = serde_json::to_value(&port).expect("serializes");
    assert_eq!(json["type"], "integer");
    assert_eq!(
        (json["minimum"].as_u64(), json["maximum"].as_u64()),
        (Some(1), Some(65535))
    );
    assert!(Port::new(1).is_some() && Port::new(u16::MAX).is_some() && Port::new(0).is_none());
}
