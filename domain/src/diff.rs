use serde::{Deserialize, Serialize};

use crate::{DomainSettings, Field};

/// One field's value before and after a change (`None` = the domain did not exist).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldChange {
    pub field: Field,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The field-by-field difference: create = every field with `before: None`, delete = every
/// field with `after: None`, update = only the fields whose displayed value changed. A
/// certificate pin appears only where there is one.
pub fn diff(before: Option<&DomainSettings>, after: Option<&DomainSettings>) -> Vec<FieldChange> {
    // The sign-in method shows once either side uses OAuth (a password domain's records stay
    // as they were); the OAuth fields only where they apply.
    let oauth_involved = [before, after]
        .into_iter()
        .flatten()
        .any(|s| s.oauth.is_some());
    let value = |s: &DomainSettings, field: Field| match field {
        Field::ImapCertPin if s.imap_cert_pin.is_none() => None,
        Field::SmtpCertPin if s.smtp_cert_pin.is_none() => None,
        Field::SignInMethod if !oauth_involved => None,
        Field::OAuthProvider
        | Field::OAuthTenant
        | Field::OAuthIssuer
        | Field::OAuthClientId
        | Field::OAuthScopes
        | Field::OAuthClientSecret => Some(s.field_value(field)).filter(|v| !v.is_empty()),
        _ => Some(s.field_value(field)),
    };
    Field::ALL
        .into_iter()
        .filter_map(|field| {
            let before = before.and_then(|s| value(s, field));
            let after = after.and_then(|s| value(s, field));
            (before != after).then_some(FieldChange {
                field,
                before,
                after,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DomainSettingsForm;

    #[test]
    fn pins_show_only_where_they_exist() {
        let mut pinned = sample();
        let pin = crate::CertPin::new(&"ab".repeat(32), "2026-11-22").expect("pin");
        pinned.imap_cert_pin = Some(pin);
        let changes = diff(Some(&sample()), Some(&pinned));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].field, Field::ImapCertPin);
        assert_eq!(changes[0].before, None);
        assert!(changes[0]
            .after
            .as_deref()
            .unwrap_or("")
            .starts_with("SHA-256 AB:AB:"));
        assert_eq!(diff(None, Some(&pinned)).len(), 10);
    }

    fn sample() -> DomainSettings {
        DomainSettingsForm {
            domain: "example.com".into(),
            imap_host: "imap.example.com".into(),
            smtp_host: "smtp.example.com".into(),
            ..DomainSettingsForm::default()
        }
        .parse()
        .unwrap()
    }

    #[test]
    fn create_lists_every_field() {
        let s = sample();
        let changes = diff(None, Some(&s));
        assert_eq!(changes.len(), 9);
        assert!(changes
            .iter()
            .all(|c| c.before.is_none() && c.after.is_some()));
        assert_eq!(changes[3].after.as_deref(), Some("SSL/TLS"));
        assert_eq!(changes[7].after.as_deref(), Some("No"));
    }

    #[test]
    fn delete_lists_every_field() {
        let s = sample();
        let changes = diff(Some(&s), None);
        assert_eq!(changes.len(), 9);
        assert!(changes
            .iter()
            .all(|c| c.after.is_none() && c.before.is_some()));
    }

    #[test]
    fn update_lists_only_changed_fields() {
        let before = sample();
        let mut after = before.clone();
        assert!(diff(Some(&before), Some(&after)).is_empty());
        after.imap_port = crate::Port::new(143).unwrap();
        after.imap_security = crate::Security::StartTls;
        after.use_static_ips = true;
        let changes = diff(Some(&before), Some(&after));
        let change = |field: Field, b: &str, a: &str| FieldChange {
            field,
            before: Some(b.into()),
            after: Some(a.into()),
        };
        assert_eq!(
            changes,
            vec![
                change(Field::ImapPort, "993", "143"),
                change(Field::ImapSecurity, "SSL/TLS", "STARTTLS"),
                change(Field::UseStaticIps, "No", "Yes"),
            ]
        );
    }

    #[test]
    fn both_none_is_empty() {
        assert!(diff(None, None).is_empty());
    }
}
