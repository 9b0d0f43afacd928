//! A domain's OAuth 2.0 application: the provider (Microsoft 365 with its tenant, Google
//! Workspace, or another OpenID provider by its issuer), the client ID and the scopes; and the
//! exact URLs each provider is sent to. The client secret is a stored credential and never
//! part of these values.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

use crate::{Field, MailDomain};

mod presets;
#[cfg(test)]
mod tests;

pub use presets::{admin_consent_url, AuthorizationRequest, ProviderEndpoints};

/// Where providers send users back after they signed in (the redirect URI's path).
pub const CALLBACK_PATH: &str = "/oauth/callback";

/// Why an OAuth setting was refused. `Display` is the user-facing message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    #[error("Choose the provider: Microsoft 365, Google Workspace or Other OpenID provider")]
    UnknownProvider,
    #[error("Enter the Microsoft 365 tenant: its ID (a GUID) or one of its domains, e.g. contoso.onmicrosoft.com")]
    EmptyTenant,
    #[error(
        "Enter your own tenant, not \"{0}\": tokens are refreshed at the tenant's own endpoint"
    )]
    SharedTenant(String),
    #[error("The tenant is a GUID (8-4-4-4-12 hexadecimal digits) or a domain name such as contoso.onmicrosoft.com")]
    InvalidTenant,
    #[error("Enter the issuer URL of the OpenID provider, e.g. https://login.example.com")]
    EmptyIssuer,
    #[error("The issuer must be an https:// URL without a query or fragment")]
    InvalidIssuer,
    #[error("Enter the OAuth application's client ID")]
    EmptyClientId,
    #[error("The client ID must be at most 255 visible characters, without spaces")]
    InvalidClientId,
    #[error("Enter at least one scope")]
    EmptyScopes,
    #[error("Scopes are separated by spaces and contain no quotes or backslashes (found \"{0}\")")]
    InvalidScope(String),
    #[error("At most 30 scopes of at most 1000 characters in all")]
    TooManyScopes,
}

/// The providers whose OAuth sign-in the product knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    Microsoft365,
    Google,
    #[serde(rename = "openid")]
    OpenId,
}

impl ProviderKind {
    pub const ALL: [ProviderKind; 3] = [Self::Microsoft365, Self::Google, Self::OpenId];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Microsoft365 => "microsoft365",
            Self::Google => "google",
            Self::OpenId => "openid",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Microsoft365 => "Microsoft 365",
            Self::Google => "Google Workspace",
            Self::OpenId => "Other OpenID provider",
        }
    }

    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == input.trim())
            .ok_or(OAuthError::UnknownProvider)
    }

    /// The scopes filled in for a new application (editable).
    pub fn default_scopes(self) -> Scopes {
        let text = match self {
            Self::Microsoft365 => "https://outlook.office.com/IMAP.AccessAsUser.All https://outlook.office.com/SMTP.Send offline_access",
            Self::Google => "https://mail.google.com/",
            Self::OpenId => "openid email offline_access",
        };
        Scopes(text.split(' ').map(str::to_owned).collect())
    }

    /// The button an end user signs in with.
    pub fn sign_in_label(self) -> &'static str {
        match self {
            Self::Microsoft365 => "Sign in with Microsoft",
            Self::Google => "Sign in with Google",
            Self::OpenId => "Sign in with your organisation",
        }
    }
}

/// A Microsoft Entra tenant: its GUID, or one of its verified domains (lowercase). Never the
/// shared `common`, `organizations` or `consumers` endpoints.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Tenant(String);

impl Tenant {
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        let s = input.trim().to_ascii_lowercase();
        if s.is_empty() {
            return Err(OAuthError::EmptyTenant);
        }
        if ["common", "organizations", "consumers"].contains(&s.as_str()) {
            return Err(OAuthError::SharedTenant(s));
        }
        if is_guid(&s) {
            return Ok(Self(s));
        }
        MailDomain::parse(&s)
            .map(|d| Self(d.to_string()))
            .map_err(|_| OAuthError::InvalidTenant)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn is_guid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.chars().all(|c| c.is_ascii_hexdigit()))
}

/// An OpenID provider's issuer: an https URL without query or fragment, no trailing slash.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Issuer(String);

impl Issuer {
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(OAuthError::EmptyIssuer);
        }
        let url = Url::parse(s).map_err(|_| OAuthError::InvalidIssuer)?;
        if url.scheme() != "https"
            || url.host().is_none()
            || url.query().is_some()
            || url.fragment().is_some()
            || !url.username().is_empty()
        {
            return Err(OAuthError::InvalidIssuer);
        }
        Ok(Self(url.as_str().trim_end_matches('/').to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Where the provider publishes its endpoints (OpenID Connect Discovery 1.0 §4).
    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.0)
    }
}

/// The OAuth application's client ID.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(OAuthError::EmptyClientId);
        }
        if s.len() > 255 || !s.chars().all(|c| c.is_ascii_graphic()) {
            return Err(OAuthError::InvalidClientId);
        }
        Ok(Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The scopes asked for, in order, without duplicates (RFC 6749 §3.3 scope tokens).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Scopes(Vec<String>);

impl Scopes {
    pub fn parse(input: &str) -> Result<Self, OAuthError> {
        let mut scopes: Vec<String> = Vec::new();
        for s in input.split_whitespace() {
            let valid = s
                .chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\');
            if !valid {
                return Err(OAuthError::InvalidScope(s.chars().take(40).collect()));
            }
            if !scopes.iter().any(|known| known == s) {
                scopes.push(s.to_owned());
            }
        }
        if scopes.is_empty() {
            return Err(OAuthError::EmptyScopes);
        }
        if scopes.len() > 30 || input.trim().len() > 1000 {
            return Err(OAuthError::TooManyScopes);
        }
        Ok(Self(scopes))
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The scopes of `self` that `granted` lacks (a grant made before a scope was added).
    pub fn missing_from<'a>(&'a self, granted: &[String]) -> Vec<&'a str> {
        self.iter()
            .filter(|s| !granted.iter().any(|g| g == s))
            .collect()
    }
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// Which provider, with what identifies the organisation there.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Provider {
    Microsoft365 {
        /// The tenant's ID or one of its domains.
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "contoso.onmicrosoft.com"))]
        tenant: Tenant,
    },
    Google,
    #[serde(rename = "openid")]
    OpenId {
        #[cfg_attr(feature = "openapi", schema(value_type = String, example = "https://login.example.com"))]
        issuer: Issuer,
    },
}

impl Provider {
    pub fn kind(&self) -> ProviderKind {
        match self {
            Provider::Microsoft365 { .. } => ProviderKind::Microsoft365,
            Provider::Google => ProviderKind::Google,
            Provider::OpenId { .. } => ProviderKind::OpenId,
        }
    }
}

/// A domain's OAuth 2.0 application, without its secret.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OAuthApp {
    pub provider: Provider,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "11111111-2222-3333-4444-555555555555"))]
    pub client_id: ClientId,
    /// Space-separated.
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "https://mail.google.com/"))]
    pub scopes: Scopes,
}

impl OAuthApp {
    /// The value of one of the OAuth fields as shown to people (empty where it does not apply).
    pub fn field_value(&self, field: Field) -> String {
        match (field, &self.provider) {
            (Field::OAuthProvider, p) => p.kind().label().to_owned(),
            (Field::OAuthTenant, Provider::Microsoft365 { tenant }) => tenant.to_string(),
            (Field::OAuthIssuer, Provider::OpenId { issuer }) => issuer.to_string(),
            (Field::OAuthClientId, _) => self.client_id.to_string(),
            (Field::OAuthScopes, _) => self.scopes.to_string(),
            _ => String::new(),
        }
    }
}

impl OAuthApp {
    /// The application from the form's values, one message per invalid field; empty scopes
    /// are the provider's defaults.
    pub fn parse_fields(
        provider: &str,
        tenant: &str,
        issuer: &str,
        client_id: &str,
        scopes: &str,
    ) -> Result<Self, Vec<(Field, OAuthError)>> {
        fn check<T>(
            errors: &mut Vec<(Field, OAuthError)>,
            field: Field,
            r: Result<T, OAuthError>,
        ) -> Option<T> {
            r.map_err(|e| errors.push((field, e))).ok()
        }
        let mut errors = Vec::new();
        let e = &mut errors;
        let kind = check(e, Field::OAuthProvider, ProviderKind::parse(provider));
        let provider = match kind {
            Some(ProviderKind::Microsoft365) => check(e, Field::OAuthTenant, Tenant::parse(tenant))
                .map(|tenant| Provider::Microsoft365 { tenant }),
            Some(ProviderKind::Google) => Some(Provider::Google),
            Some(ProviderKind::OpenId) => check(e, Field::OAuthIssuer, Issuer::parse(issuer))
                .map(|issuer| Provider::OpenId { issuer }),
            None => None,
        };
        let client_id = check(e, Field::OAuthClientId, ClientId::parse(client_id));
        let scopes = match (scopes.trim().is_empty(), kind) {
            (true, Some(kind)) => Some(kind.default_scopes()),
            // No provider, no defaults: the provider's message says what to fix.
            (true, None) => None,
            (false, _) => check(e, Field::OAuthScopes, Scopes::parse(scopes)),
        };
        match (provider, client_id, scopes) {
            (Some(provider), Some(client_id), Some(scopes)) if errors.is_empty() => Ok(Self {
                provider,
                client_id,
                scopes,
            }),
            _ => Err(errors),
        }
    }
}

macro_rules! string_conversions {
    ($($t:ident),+) => {$(
        impl TryFrom<String> for $t {
            type Error = OAuthError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                Self::parse(&s)
            }
        }

        impl From<$t> for String {
            fn from(v: $t) -> String {
                v.to_string()
            }
        }
    )+};
}

string_conversions!(Tenant, Issuer, ClientId, Scopes);

impl fmt::Display for Tenant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for Issuer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
