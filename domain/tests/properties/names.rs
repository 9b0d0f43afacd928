//! Hostname and MailDomain.

use std::net::IpAddr;

use domain::{Hostname, MailDomain, NameError};
use proptest::prelude::*;

use crate::strategies::*;

fn name_input() -> impl Strategy<Value = String> {
    prop_oneof![
        text_near(host_name()),
        mutated(unicode_domain()),
        punycode_domain(),
        any::<IpAddr>().prop_map(|ip| format!("[{ip}]")),
    ]
}

/// What every canonical name has: ASCII, lowercase, no trailing dot, at most 253 characters.
fn assert_canonical_name(text: &str) {
    assert!(
        text.is_ascii() && !text.bytes().any(|b| b.is_ascii_uppercase()),
        "{text:?}"
    );
    assert!(!text.ends_with('.') && text.len() <= 253, "{text:?}");
}

proptest! {
    #[test]
    fn hostname_canonical_form_is_a_fixed_point(input in name_input()) {
        if let Ok(host) = Hostname::parse(&input) {
            prop_assert_eq!(host.to_string(), host.as_str());
            prop_assert_eq!(Hostname::parse(host.as_str()), Ok(host.clone()));
            let json = serde_json::to_string(&host).expect("serialize");
            prop_assert_eq!(serde_json::from_str::<Hostname>(&json).ok(), Some(host.clone()));
            prop_assert_eq!(host.ip().map(|ip| ip.to_string()), host.is_ip().then(|| host.to_string()));
            if !host.is_ip() {
                assert_canonical_name(host.as_str());
            }
        }
    }

    #[test]
    fn generated_host_names_parse_to_their_lowercase_form(
        (canonical, typed) in host_name().prop_flat_map(|n| (Just(n.clone()), as_typed(n)))
    ) {
        let host = Hostname::parse(&typed);
        prop_assert_eq!(host.as_ref().map(Hostname::as_str), Ok(canonical.as_str()));
        prop_assert!(host.is_ok_and(|h| !h.is_ip()));
    }

    #[test]
    fn every_ip_address_is_a_host(ip in any::<IpAddr>(), bracket in any::<bool>()) {
        let text = match (ip, bracket) {
            (IpAddr::V6(_), true) => format!("[{ip}]"),
            _ => ip.to_string(),
        };
        let host = Hostname::parse(&text).expect("an IP literal is a host");
        prop_assert_eq!(host.ip(), Some(ip));
        prop_assert_eq!(host.to_string(), ip.to_string());
        prop_assert_eq!(MailDomain::parse(&text), Err(NameError::IpAddress));
    }

    #[test]
    fn mail_domain_canonical_form_is_a_fixed_point(input in name_input()) {
        if let Ok(domain) = MailDomain::parse(&input) {
            assert_canonical_name(domain.as_str());
            prop_assert!(domain.as_str().contains('.'));
            prop_assert_eq!(domain.to_string(), domain.as_str());
            prop_assert_eq!(MailDomain::parse(domain.as_str()), Ok(domain.clone()));
            let json = serde_json::to_string(&domain).expect("serialize");
            prop_assert_eq!(serde_json::from_str::<MailDomain>(&json).ok(), Some(domain.clone()));
            // The Unicode form shown to people parses back to the same domain.
            prop_assert_eq!(MailDomain::parse(&domain.display_unicode()), Ok(domain.clone()));
            // A mail domain is always a valid server name too, with the same text.
            let host = Hostname::parse(&input);
            prop_assert_eq!(host.as_ref().map(Hostname::as_str), Ok(domain.as_str()));
        }
    }

    #[test]
    fn generated_domains_parse_to_their_lowercase_form(
        (canonical, typed) in domain_name().prop_flat_map(|n| (Just(n.clone()), as_typed(n)))
    ) {
        let domain = MailDomain::parse(&typed);
        prop_assert_eq!(domain.as_ref().map(MailDomain::as_str), Ok(canonical.as_str()));
    }

    #[test]
    fn unicode_domains_parse_to_punycode_and_back(input in unicode_domain()) {
        let domain = MailDomain::parse(&input).expect("valid internationalised domain");
        assert_canonical_name(domain.as_str());
        prop_assert_eq!(MailDomain::parse(&domain.display_unicode()), Ok(domain));
    }

    #[test]
    fn single_labels_are_hosts_but_not_mail_domains(name in tld()) {
        prop_assert_eq!(Hostname::parse(&name).map(|h| h.to_string()), Ok(name.clone()));
        prop_assert_eq!(MailDomain::parse(&name), Err(NameError::SingleLabel));
    }
}
