//! DomainSettingsForm::parse, warnings and diff.

use domain::{
    diff, warnings, CertPin, DomainSettings, DomainSettingsForm, Field, FieldChange, FieldErrors,
    FieldWarning, Hostname, MailDomain, Port, Security,
};
use proptest::prelude::*;
use proptest::sample::select;

use crate::strategies::*;

/// A form whose fields are each valid, nearly valid or garbage.
fn any_form() -> impl Strategy<Value = DomainSettingsForm> {
    let security = || text_near(select(vec!["ssl".to_owned(), "starttls".into()]));
    let pin = || {
        prop_oneof![
            Just(String::new()),
            any_text(),
            pin_spelling(),
            mutated(pin_spelling()),
        ]
    };
    (
        (
            text_near(domain_name()),
            text_near(host_name()),
            text_near("[0-9]{1,5}"),
            security(),
        ),
        (text_near(host_name()), text_near("[0-9]{1,5}"), security()),
        (any::<bool>(), any::<bool>(), pin(), pin()),
    )
        .prop_map(
            |((domain, imap_host, imap_port, imap_security), smtp, rest)| DomainSettingsForm {
                domain,
                imap_host,
                imap_port,
                imap_security,
                smtp_host: smtp.0,
                smtp_port: smtp.1,
                smtp_security: smtp.2,
                allow_non_secure_certificate: rest.0,
                use_static_ips: rest.1,
                imap_cert_pin: rest.2,
                smtp_cert_pin: rest.3,
                ..DomainSettingsForm::default()
            },
        )
}

/// Whether each field of the form parses on its own, in `Field` order.
fn field_ok(form: &DomainSettingsForm, field: Field) -> bool {
    let pin = |text: &str| text.trim().is_empty() || CertPin::parse(text).is_ok();
    match field {
        Field::Domain => MailDomain::parse(&form.domain).is_ok(),
        Field::ImapHost => Hostname::parse(&form.imap_host).is_ok(),
        Field::ImapPort => Port::parse(&form.imap_port).is_ok(),
        Field::ImapSecurity => Security::parse(&form.imap_security).is_ok(),
        Field::SmtpHost => Hostname::parse(&form.smtp_host).is_ok(),
        Field::SmtpPort => Port::parse(&form.smtp_port).is_ok(),
        Field::SmtpSecurity => Security::parse(&form.smtp_security).is_ok(),
        Field::AllowNonSecureCertificate | Field::UseStaticIps => true,
        Field::ImapCertPin => pin(&form.imap_cert_pin),
        Field::SmtpCertPin => pin(&form.smtp_cert_pin),
        // A password domain's form: the OAuth fields are not read.
        Field::SignInMethod
        | Field::OAuthProvider
        | Field::OAuthTenant
        | Field::OAuthIssuer
        | Field::OAuthClientId
        | Field::OAuthScopes
        | Field::OAuthClientSecret => true,
    }
}

proptest! {
    #[test]
    fn form_parse_reports_exactly_the_bad_fields(form in any_form()) {
        let parsed = form.parse();
        let bad: Vec<Field> = Field::ALL.into_iter().filter(|f| !field_ok(&form, *f)).collect();
        match &parsed {
            Ok(_) => prop_assert!(bad.is_empty(), "{:?}", bad),
            Err(errors) => {
                prop_assert_eq!(errors.iter().map(|(f, _)| f).collect::<Vec<_>>(), bad);
                prop_assert!(errors.iter().all(|(_, m)| !m.is_empty()));
                let json = serde_json::to_string(errors).expect("serialize");
                let back = serde_json::from_str::<FieldErrors>(&json).ok();
                prop_assert_eq!(back.as_ref(), Some(errors));
            }
        }
    }

    #[test]
    fn parsed_settings_are_a_fixed_point_of_the_form(form in any_form()) {
        if let Ok(settings) = form.parse() {
            let again = settings.to_form();
            prop_assert_eq!(again.parse(), Ok(settings.clone()));
            prop_assert_eq!(again.parse().map(|s| s.to_form()), Ok(again));
            prop_assert_eq!(warnings(&settings), warnings(&settings.to_form().parse().expect("valid")));
        }
    }

    #[test]
    fn settings_round_trip_through_form_and_json(s in settings()) {
        prop_assert_eq!(s.to_form().parse(), Ok(s.clone()));
        let json = serde_json::to_string(&s).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<DomainSettings>(&json).ok(), Some(s.clone()));
        let form_json = serde_json::to_string(&s.to_form()).expect("serialize");
        let form: DomainSettingsForm = serde_json::from_str(&form_json).expect("deserialize");
        prop_assert_eq!(form.parse(), Ok(s.clone()));
        let body = serde_urlencoded::to_string(s.to_form()).expect("encode");
        let posted: DomainSettingsForm = serde_urlencoded::from_str(&body).expect("decode");
        prop_assert_eq!(posted.parse(), Ok(s));
    }

    #[test]
    fn warnings_follow_the_rules(s in settings()) {
        let got = warnings(&s);
        let fields: Vec<Field> = got.iter().map(|w| w.field).collect();
        let mut sorted = fields.clone();
        sorted.sort();
        sorted.dedup();
        prop_assert_eq!(&sorted, &fields, "one warning per field, in form order");
        let has = |f: Field| fields.contains(&f);
        prop_assert_eq!(has(Field::ImapHost), s.imap_host.is_ip());
        prop_assert_eq!(has(Field::SmtpHost), s.smtp_host.is_ip());
        prop_assert_eq!(has(Field::SmtpPort), s.smtp_port.get() == 25);
        let mismatch = |port: Port, sec: Security, tls: u16, starttls: u16| {
            (port.get() == tls && sec == Security::StartTls)
                || (port.get() == starttls && sec == Security::SslTls)
        };
        prop_assert_eq!(has(Field::ImapSecurity), mismatch(s.imap_port, s.imap_security, 993, 143));
        prop_assert_eq!(has(Field::SmtpSecurity), mismatch(s.smtp_port, s.smtp_security, 465, 587));
        prop_assert!(got.iter().all(|w| !w.message.is_empty()));
        let json = serde_json::to_string(&got).expect("serialize");
        prop_assert_eq!(serde_json::from_str::<Vec<FieldWarning>>(&json).ok(), Some(got));
    }

    #[test]
    fn diff_lists_exactly_the_changed_fields(a in settings(), b in settings()) {
        let oauth_involved = a.oauth.is_some() || b.oauth.is_some();
        let shown = |s: &DomainSettings, f: Field| match f {
            Field::ImapCertPin if s.imap_cert_pin.is_none() => None,
            Field::SmtpCertPin if s.smtp_cert_pin.is_none() => None,
            Field::SignInMethod if !oauth_involved => None,
            Field::OAuthProvider
            | Field::OAuthTenant
            | Field::OAuthIssuer
            | Field::OAuthClientId
            | Field::OAuthScopes
            | Field::OAuthClientSecret => Some(s.field_value(f)).filter(|v| !v.is_empty()),
            _ => Some(s.field_value(f)),
        };
        prop_assert!(diff(Some(&a), Some(&a)).is_empty());
        prop_assert!(diff(None, None).is_empty());
        let changes = diff(Some(&a), Some(&b));
        let expected: Vec<Field> =
            Field::ALL.into_iter().filter(|f| shown(&a, *f) != shown(&b, *f)).collect();
        prop_assert_eq!(changes.iter().map(|c| c.field).collect::<Vec<_>>(), expected);
        for c in &changes {
            prop_assert_eq!(&c.before, &shown(&a, c.field));
            prop_assert_eq!(&c.after, &shown(&b, c.field));
        }
        let json = serde_json::to_string(&changes).expect("serialize");
        let back = serde_json::from_str::<Vec<FieldChange>>(&json).ok();
        prop_assert_eq!(back.as_ref(), Some(&changes));
        // Reversed, the same changes with before and after swapped.
        let back = diff(Some(&b), Some(&a));
        prop_assert_eq!(back.len(), changes.len());
        for (x, y) in changes.iter().zip(&back) {
            prop_assert_eq!((x.field, &x.before, &x.after), (y.field, &y.after, &y.before));
        }
    }

    #[test]
    fn create_and_delete_list_every_shown_field(s in settings()) {
        let pins = usize::from(s.imap_cert_pin.is_some()) + usize::from(s.smtp_cert_pin.is_some());
        // Method, provider, tenant or issuer (not Google), client ID and scopes.
        let oauth = match &s.oauth {
            None => 0,
            Some(app) if app.provider == domain::oauth::Provider::Google => 4,
            Some(_) => 5,
        };
        let created = diff(None, Some(&s));
        prop_assert_eq!(created.len(), 9 + pins + oauth);
        prop_assert!(created.iter().all(|c| c.before.is_none() && c.after.is_some()));
        let deleted = diff(Some(&s), None);
        prop_assert_eq!(deleted.len(), 9 + pins + oauth);
        prop_assert!(deleted.iter().all(|c| c.after.is_none() && c.before.is_some()));
    }
}
