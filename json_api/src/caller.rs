//! Who is calling the API: the owner of the bearer token, never a session cookie (and a token
//! never signs anyone in to the pages, which read only the cookie).

use axum::extract::FromRequestParts;
use domain::Rights;
use http::request::Parts;
use services::{Refusal, ServiceError, Services};
use storage::{Actor, ApiToken, TokenCheck, UserAccount};
use web::ClientInfo;

use crate::error::ApiError;

/// The token's owner, the token, and where the request came from.
pub struct Caller {
    pub account: UserAccount,
    pub token: ApiToken,
    client_ip: Option<String>,
    user_agent: Option<String>,
}

impl Caller {
    /// The owner's rights must allow it; a read-only token may not change anything.
    pub fn require(
        &self,
        allowed: fn(&Rights) -> bool,
        refusal: Refusal,
        changes: bool,
    ) -> Result<(), ApiError> {
        if !allowed(&self.account.rights()) {
            tracing::warn!(user = %self.account.email, token = self.token.id, "API refused: {refusal}");
            return Err(ServiceError::Forbidden(refusal).into());
        }
        if changes && !self.token.scope.allows_changes() {
            return Err(ApiError::ReadOnlyToken);
        }
        Ok(())
    }

    /// The history's record of who acted: the owner, through this token.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.account.id,
            email: self.account.email.clone(),
            role: Some(self.account.role),
            client_ip: self.client_ip.clone(),
            user_agent: self.user_agent.clone(),
            api_token_id: Some(self.token.id),
        }
    }
}

/// `Authorization: Bearer <token>` (the scheme in any letter case).
fn bearer(parts: &Parts) -> Option<&str> {
    let value = parts
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

impl FromRequestParts<Services> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, services: &Services) -> Result<Self, ApiError> {
        let Some(secret) = bearer(parts) else {
            return Err(ApiError::Token(
                "Send an API token as Authorization: Bearer <token> (create one under API tokens \
                 on your profile).",
            ));
        };
        let check = storage::check_api_token(&services.db, secret).await?;
        let (account, token) = match check {
            TokenCheck::Valid(valid) => *valid,
            TokenCheck::Unknown => return Err(ApiError::Token("This API token is not valid.")),
            TokenCheck::Expired => return Err(ApiError::Token("This API token has expired.")),
            TokenCheck::Revoked => return Err(ApiError::Token("This API token has been revoked.")),
            TokenCheck::OwnerDisabled => {
                return Err(ApiError::Token(
                    "The account this API token belongs to is disabled.",
                ))
            }
        };
        let client_ip = parts
            .extensions
            .get::<ClientInfo>()
            .map(|c| c.ip.to_string());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.chars().take(256).collect());
        Ok(Caller {
            account,
            token,
            client_ip,
            user_agent,
        })
    }
}
