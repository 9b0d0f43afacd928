use std::collections::BTreeMap;

use super::*;

fn query(url: &Url) -> BTreeMap<String, String> {
    url.query_pairs().into_owned().collect()
}

fn request<'a>(client_id: &'a ClientId, scopes: &'a Scopes) -> AuthorizationRequest<'a> {
    AuthorizationRequest {
        client_id,
        redirect_uri: "https://settings.example.com/oauth/callback",
        scopes,
        state: "st-123",
        code_challenge: "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
        login_hint: "ann@contoso.com",
    }
}

#[test]
fn microsoft_uses_the_tenants_own_endpoints_and_never_asks_for_consent() {
    let tenant = Tenant::parse(" Contoso.onmicrosoft.com ").unwrap();
    let provider = Provider::Microsoft365 { tenant };
    let ep = provider.endpoints().unwrap();
    assert_eq!(
        ep.authorize.as_str(),
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize"
    );
    assert_eq!(
        ep.token.as_str(),
        "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token"
    );
    let (id, scopes) = (
        ClientId::parse("11111111-2222-3333-4444-555555555555").unwrap(),
        ProviderKind::Microsoft365.default_scopes(),
    );
    let url = request(&id, &scopes).url(&provider, &ep);
    let q = query(&url);
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], "11111111-2222-3333-4444-555555555555");
    assert_eq!(
        q["redirect_uri"],
        "https://settings.example.com/oauth/callback"
    );
    assert_eq!(
        q["scope"],
        "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access"
    );
    assert_eq!(q["state"], "st-123");
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(
        q["code_challenge"],
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    assert_eq!(q["login_hint"], "ann@contoso.com");
    assert_eq!(q["response_mode"], "query");
    assert_eq!(q["prompt"], "select_account");
    assert!(!q.contains_key("access_type"));
}

#[test]
fn microsoft_admin_consent_link_names_the_tenant_and_application() {
    let tenant = Tenant::parse("72f988bf-86f1-41af-91ab-2d7cd011db47").unwrap();
    let id = ClientId::parse("app-1").unwrap();
    let url =
        admin_consent_url(&tenant, &id, "https://settings.example.com/oauth/consent").unwrap();
    assert_eq!(
        url.path(),
        "/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0/adminconsent"
    );
    let q = query(&url);
    assert_eq!(q["client_id"], "app-1");
    assert_eq!(q["scope"], "https://outlook.office.com/.default");
    assert_eq!(
        q["redirect_uri"],
        "https://settings.example.com/oauth/consent"
    );
}

#[test]
fn google_asks_for_offline_access_and_consent() {
    let provider = Provider::Google;
    let ep = provider.endpoints().unwrap();
    assert_eq!(
        ep.authorize.as_str(),
        "https://accounts.google.com/o/oauth2/v2/auth"
    );
    assert_eq!(ep.token.as_str(), "https://oauth2.googleapis.com/token");
    let (id, scopes) = (
        ClientId::parse("123.apps.googleusercontent.com").unwrap(),
        ProviderKind::Google.default_scopes(),
    );
    let q = query(&request(&id, &scopes).url(&provider, &ep));
    assert_eq!(q["scope"], "https://mail.google.com/");
    assert_eq!(q["access_type"], "offline");
    assert_eq!(q["prompt"], "consent");
    assert_eq!(q["code_challenge_method"], "S256");
}

#[test]
fn openid_endpoints_come_from_discovery_over_https_only() {
    let issuer = Issuer::parse("https://login.example.com/realms/mail/").unwrap();
    assert_eq!(issuer.as_str(), "https://login.example.com/realms/mail");
    assert_eq!(
        issuer.discovery_url(),
        "https://login.example.com/realms/mail/.well-known/openid-configuration"
    );
    assert_eq!(Provider::OpenId { issuer }.endpoints(), None);
    assert!(
        ProviderEndpoints::from_discovery("https://a.test/auth", "https://a.test/token").is_ok()
    );
    assert_eq!(
        ProviderEndpoints::from_discovery("https://a.test/auth", "http://a.test/token"),
        Err(OAuthError::InvalidIssuer)
    );
    for bad in [
        "http://login.example.com",
        "https://login.example.com/?x=1",
        "login.example.com",
        "https://u:p@login.example.com",
    ] {
        assert_eq!(Issuer::parse(bad), Err(OAuthError::InvalidIssuer), "{bad}");
    }
}

#[test]
fn tenants_are_guids_or_domains_never_the_shared_endpoints() {
    for shared in ["common", "Organizations", "consumers"] {
        assert!(matches!(
            Tenant::parse(shared),
            Err(OAuthError::SharedTenant(_))
        ));
    }
    assert_eq!(Tenant::parse(""), Err(OAuthError::EmptyTenant));
    assert_eq!(
        Tenant::parse("not a tenant"),
        Err(OAuthError::InvalidTenant)
    );
    assert_eq!(
        Tenant::parse("72F988BF-86F1-41AF-91AB-2D7CD011DB47")
            .unwrap()
            .as_str(),
        "72f988bf-86f1-41af-91ab-2d7cd011db47"
    );
}

#[test]
fn scopes_keep_order_drop_duplicates_and_refuse_quotes() {
    let s = Scopes::parse("  openid email  openid offline_access ").unwrap();
    assert_eq!(s.to_string(), "openid email offline_access");
    assert_eq!(
        s.missing_from(&["openid".into(), "email".into()]),
        vec!["offline_access"]
    );
    assert_eq!(Scopes::parse("   "), Err(OAuthError::EmptyScopes));
    assert!(matches!(
        Scopes::parse("a \"b\""),
        Err(OAuthError::InvalidScope(_))
    ));
    assert_eq!(
        ClientId::parse("has space"),
        Err(OAuthError::InvalidClientId)
    );
    assert_eq!(ProviderKind::parse("google"), Ok(ProviderKind::Google));
    assert_eq!(
        ProviderKind::parse("yahoo"),
        Err(OAuthError::UnknownProvider)
    );
}

#[test]
fn the_app_round_trips_through_json() {
    let app = OAuthApp {
        provider: Provider::Microsoft365 {
            tenant: Tenant::parse("contoso.com").unwrap(),
        },
        client_id: ClientId::parse("app").unwrap(),
        scopes: ProviderKind::Microsoft365.default_scopes(),
    };
    let json = serde_json::to_string(&app).unwrap();
    assert!(
        json.contains(r#""provider":{"kind":"microsoft365","tenant":"contoso.com"}"#),
        "{json}"
    );
    assert_eq!(serde_json::from_str::<OAuthApp>(&json).unwrap(), app);
    assert!(serde_json::from_str::<OAuthApp>(&json.replace("contoso.com", "common")).is_err());
}

#[test]
fn without_a_provider_only_the_provider_and_the_client_id_are_named() {
    let errors = OAuthApp::parse_fields("", "", "", "", "").unwrap_err();
    let fields: Vec<Field> = errors.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, vec![Field::OAuthProvider, Field::OAuthClientId]);
}
