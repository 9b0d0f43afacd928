//! The URLs and parameters each provider is sent to. Microsoft's and Google's hosts cannot be
//! reached from the tests, so these are checked parameter by parameter (`tests.rs`).

use url::Url;

use super::{ClientId, OAuthError, Provider, Scopes, Tenant};

const MICROSOFT_LOGIN: &str = "https://login.microsoftonline.com";

/// Where a provider authorizes users and issues tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderEndpoints {
    pub authorize: Url,
    pub token: Url,
}

impl ProviderEndpoints {
    /// Endpoints read from a discovery document: both must be https URLs.
    pub fn from_discovery(authorize: &str, token: &str) -> Result<Self, OAuthError> {
        let https = |s: &str| {
            Url::parse(s)
                .ok()
                .filter(|u| u.scheme() == "https" && u.host().is_some())
                .ok_or(OAuthError::InvalidIssuer)
        };
        Ok(Self {
            authorize: https(authorize)?,
            token: https(token)?,
        })
    }
}

impl Provider {
    /// The fixed endpoints of Microsoft (the tenant's own, also for refreshing: never
    /// `/common`) and Google; `None` for an OpenID provider, whose come from discovery.
    pub fn endpoints(&self) -> Option<ProviderEndpoints> {
        let parse = |s: String| Url::parse(&s).ok();
        match self {
            Provider::Microsoft365 { tenant } => Some(ProviderEndpoints {
                authorize: parse(format!("{MICROSOFT_LOGIN}/{tenant}/oauth2/v2.0/authorize"))?,
                token: parse(format!("{MICROSOFT_LOGIN}/{tenant}/oauth2/v2.0/token"))?,
            }),
            Provider::Google => Some(ProviderEndpoints {
                authorize: parse("https://accounts.google.com/o/oauth2/v2/auth".into())?,
                token: parse("https://oauth2.googleapis.com/token".into())?,
            }),
            Provider::OpenId { .. } => None,
        }
    }
}

/// One end user's authorization request (authorization code flow with PKCE, RFC 7636).
pub struct AuthorizationRequest<'a> {
    pub client_id: &'a ClientId,
    pub redirect_uri: &'a str,
    pub scopes: &'a Scopes,
    /// Bound to the user's session; checked on the way back.
    pub state: &'a str,
    /// base64url(SHA-256(code_verifier)).
    pub code_challenge: &'a str,
    /// The address being connected, so the provider proposes the right account.
    pub login_hint: &'a str,
}

impl AuthorizationRequest<'_> {
    /// The URL the user's browser is sent to.
    pub fn url(&self, provider: &Provider, endpoints: &ProviderEndpoints) -> Url {
        let mut url = endpoints.authorize.clone();
        {
            let mut q = url.query_pairs_mut();
            q.append_pair("response_type", "code")
                .append_pair("client_id", self.client_id.as_str())
                .append_pair("redirect_uri", self.redirect_uri)
                .append_pair("scope", &self.scopes.to_string())
                .append_pair("state", self.state)
                .append_pair("code_challenge", self.code_challenge)
                .append_pair("code_challenge_method", "S256")
                .append_pair("login_hint", self.login_hint);
            match provider {
                // A refresh token comes with `offline_access`. No `prompt=consent`: a tenant
                // that requires admin consent would loop on it.
                Provider::Microsoft365 { .. } => {
                    q.append_pair("response_mode", "query")
                        .append_pair("prompt", "select_account");
                }
                // Google returns a refresh token only for offline access, and again on a
                // later sign-in only when consent is asked for.
                Provider::Google => {
                    q.append_pair("access_type", "offline")
                        .append_pair("prompt", "consent");
                }
                Provider::OpenId { .. } => {}
            }
        }
        url
    }
}

/// Microsoft's admin consent link for the tenant: a tenant administrator grants the
/// application's mail permissions for every user at once.
pub fn admin_consent_url(tenant: &Tenant, client_id: &ClientId, redirect_uri: &str) -> Option<Url> {
    Url::parse_with_params(
        &format!("{MICROSOFT_LOGIN}/{tenant}/v2.0/adminconsent"),
        [
            ("client_id", client_id.as_str()),
            ("scope", "https://outlook.office.com/.default"),
            ("redirect_uri", redirect_uri),
        ],
    )
    .ok()
}
