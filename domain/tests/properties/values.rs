//! Port, Security, Role, CertPin and Field names.

use domain::{CertPin, Field, PinError, Port, PortError, Role, RoleError, Security};
use proptest::prelude::*;
use proptest::sample::select;

use crate::strategies::*;

/// `word` in random case with spaces around.
fn any_case(word: &'static str) -> impl Strategy<Value = String> {
    (
        proptest::collection::vec(any::<bool>(), word.len()),
        "[ \t]{0,2}",
        "[ \t]{0,2}",
    )
        .prop_map(move |(upper, before, after)| {
            let body: String = word
                .chars()
                .zip(upper)
                .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            format!("{before}{body}{after}")
        })
}

proptest! {
    #[test]
    fn port_parse_never_panics_and_round_trips(input in text_near("[0-9]{1,6}")) {
        if let Ok(port) = Port::parse(&input) {
            prop_assert!(port.get() >= 1);
            prop_assert_eq!(Port::parse(&port.to_string()), Ok(port));
        }
    }

    #[test]
    fn every_port_number_parses(n in 1u16..=65535, zeros in 0usize..3, pad in "[ \t]{0,2}") {
        let text = format!("{pad}{}{n}{pad}", "0".repeat(zeros));
        let port = Port::parse(&text);
        prop_assert_eq!(port.clone(), Ok(Port::new(n).expect("nonzero")));
        prop_assert_eq!(port.map(|p| p.to_string()), Ok(n.to_string()));
        let json = serde_json::to_string(&Port::new(n)).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<Port>(&json).ok(), Port::new(n));
    }

    #[test]
    fn numbers_out_of_range_are_refused(n in prop_oneof![Just(0u64), 65536u64..], minus in any::<u16>()) {
        prop_assert_eq!(Port::parse(&n.to_string()), Err(PortError::OutOfRange));
        prop_assert_eq!(Port::parse(&format!("-{minus}")), Err(PortError::OutOfRange));
        prop_assert!(serde_json::from_str::<Port>("0").is_err());
    }

    #[test]
    fn security_accepts_only_its_spellings(input in text_near(select(vec!["ssl".to_owned(), "ssl/tls".into(), "starttls".into()]))) {
        let expected = match input.trim().to_ascii_lowercase().as_str() {
            "ssl" | "ssl/tls" => Some(Security::SslTls),
            "starttls" => Some(Security::StartTls),
            _ => None,
        };
        prop_assert_eq!(Security::parse(&input).ok(), expected);
    }

    #[test]
    fn security_spellings_parse_in_any_case(
        (word, expected) in select(vec![
            ("ssl", Security::SslTls),
            ("ssl/tls", Security::SslTls),
            ("starttls", Security::StartTls),
        ]).prop_flat_map(|(w, s)| (any_case(w), Just(s)))
    ) {
        prop_assert_eq!(Security::parse(&word), Ok(expected));
    }

    #[test]
    fn security_round_trips(s in security()) {
        prop_assert_eq!(Security::parse(s.as_str()), Ok(s));
        prop_assert_eq!(Security::parse(&s.to_string()), Ok(s));
        let json = serde_json::to_string(&s).expect("serialize");
        prop_assert_eq!(json.clone(), format!("\"{}\"", s.as_str()));
        prop_assert_eq!(serde_json::from_str::<Security>(&json).ok(), Some(s));
    }

    #[test]
    fn role_parse_accepts_exactly_the_wire_names(input in text_near(select(Role::ALL.map(|r| r.as_str().to_owned()).to_vec()))) {
        match Role::parse(&input) {
            Ok(role) => prop_assert_eq!(input.trim(), role.as_str()),
            Err(e) => {
                prop_assert_eq!(e, RoleError);
                prop_assert!(Role::ALL.iter().all(|r| r.as_str() != input.trim()));
            }
        }
    }

    #[test]
    fn role_round_trips(role in select(Role::ALL.to_vec()), pad in "[ \t\n]{0,2}") {
        prop_assert_eq!(Role::parse(&format!("{pad}{}{pad}", role.as_str())), Ok(role));
        let json = serde_json::to_string(&role).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<Role>(&json).ok(), Some(role));
    }

    #[test]
    fn pin_parse_never_panics_and_round_trips(
        input in prop_oneof![any_text(), pin_spelling(), mutated(pin_spelling())]
    ) {
        if let Ok(pin) = CertPin::parse(&input) {
            prop_assert_eq!(pin.fingerprint().len(), 64);
            prop_assert!(pin.fingerprint().bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)));
            prop_assert_eq!(CertPin::parse(&pin.to_string()), Ok(pin.clone()));
            prop_assert_eq!(pin.to_string().parse::<CertPin>(), Ok(pin.clone()));
        }
    }

    #[test]
    fn generated_pins_parse_in_every_spelling(
        hex in fingerprint(),
        date in date(),
        upper in any::<bool>(),
        colons in any::<bool>(),
        pad in "[ \t]{0,2}",
    ) {
        let mut written = if colons { colon_separated(&hex) } else { hex.clone() };
        if upper {
            written = written.to_ascii_uppercase();
        }
        let pin = CertPin::parse(&format!("{pad}{written}@{date}{pad}")).expect("valid pin");
        prop_assert_eq!(pin.fingerprint(), hex.as_str());
        prop_assert_eq!(pin.pinned_on(), date.as_str());
        prop_assert_eq!(pin.to_string(), format!("{hex}@{date}"));
        prop_assert_eq!(pin.colon_hex(), colon_separated(&hex).to_ascii_uppercase());
        prop_assert_eq!(CertPin::new(&pin.colon_hex(), &date), Ok(pin.clone()));
        let json = serde_json::to_string(&pin).expect("serialize");
        prop_assert_eq!(json.clone(), format!("\"{hex}@{date}\""));
        prop_assert_eq!(serde_json::from_str::<CertPin>(&json).ok(), Some(pin));
    }

    #[test]
    fn pins_with_a_wrong_length_are_refused(len in 0usize..130, date in date()) {
        prop_assume!(len != 64);
        prop_assert_eq!(CertPin::new(&"a".repeat(len), &date), Err(PinError));
    }

    #[test]
    fn field_names_round_trip(input in text_near(select(Field::ALL.map(|f| f.name().to_owned()).to_vec()))) {
        match Field::from_name(&input) {
            Some(field) => prop_assert_eq!(field.name(), input.as_str()),
            None => prop_assert!(Field::ALL.iter().all(|f| f.name() != input)),
        }
        if let Ok(field) = serde_json::from_str::<Field>(&serde_json::to_string(&input).expect("serialize")) {
            prop_assert_eq!(field.name(), input.as_str());
        }
    }
}
