//! User administration, for super admins only.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::tokens::ApiTokenView;
use super::UserView;
use crate::error::AppError;

#[cfg(feature = "ssr")]
async fn super_admin() -> Result<(storage::UserAccount, crate::ssr::AppState), AppError> {
    crate::ssr::require(
        domain::Rights::can_manage_users,
        services::Refusal::ManageUsers,
    )
    .await
}

#[cfg(feature = "ssr")]
fn parse_role(role: &str) -> Result<domain::Role, AppError> {
    domain::Role::parse(role).map_err(|e| AppError::invalid("role", e.to_string()))
}

#[cfg(feature = "ssr")]
fn check_password(password: &str) -> Result<(), AppError> {
    domain::check_new_password(password).map_err(|e| AppError::invalid("password", e.to_string()))
}

#[server(endpoint = "list_users")]
pub async fn list_users() -> Result<Vec<UserView>, AppError> {
    let (_, state) = super_admin().await?;
    let users = storage::list_users(&state.services.db)
        .await
        .map_err(crate::ssr::store_error)?;
    Ok(users.into_iter().map(UserView::from).collect())
}

#[server(endpoint = "create_user")]
pub async fn create_user(
    email: String,
    password: String,
    role: String,
    #[server(default)] account_access: domain::Checked,
) -> Result<(), AppError> {
    let (admin, state) = super_admin().await?;
    let address = domain::EmailAddress::parse(&email)
        .map_err(|e| AppError::invalid("email", e.to_string()))?;
    check_password(&password)?;
    let role = parse_role(&role)?;
    let actor = super::domains::actor(&admin).await;
    match storage::create_user(
        &state.services.db,
        &actor,
        &address,
        &password,
        role,
        account_access.0,
    )
    .await
    {
        Ok(user) => tracing::info!(user = %user.email, by = %admin.email, "user created"),
        Err(storage::StorageError::DuplicateEmail(email)) => {
            return Err(AppError::invalid(
                "email",
                format!("{email} already has an account."),
            ))
        }
        Err(e) => return Err(crate::ssr::store_error(e)),
    }
    leptos_axum::redirect("/users?saved=1");
    Ok(())
}

#[server(endpoint = "update_user")]
pub async fn update_user(
    id: i32,
    role: String,
    #[server(default)] account_access: domain::Checked,
    #[server(default)] disabled: domain::Checked,
) -> Result<(), AppError> {
    let (admin, state) = super_admin().await?;
    let role = parse_role(&role)?;
    let disabled = disabled.0;
    let access = account_access.0;
    let rights = storage::UserRights {
        role,
        account_access: access,
        disabled,
    };
    let actor = super::domains::actor(&admin).await;
    match storage::update_user(&state.services.db, &actor, id, rights).await {
        Ok(_) => {}
        Err(storage::StorageError::OwnAccount) => {
            return Err(AppError::Invalid {
                field: None,
                message: "You cannot demote or disable your own account.".into(),
            })
        }
        Err(storage::StorageError::LastSuperAdmin) => {
            return Err(AppError::Invalid {
                field: None,
                message: "At least one enabled super admin must remain: promote someone else \
                          first."
                    .into(),
            })
        }
        Err(e) => return Err(crate::ssr::store_error(e)),
    }
    tracing::info!(id, by = %admin.email, ?role, access, disabled, "user updated");
    leptos_axum::redirect("/users?saved=1");
    Ok(())
}

#[server(endpoint = "reset_password")]
pub async fn reset_password(id: i32, password: String) -> Result<(), AppError> {
    let (admin, state) = super_admin().await?;
    check_password(&password)?;
    let actor = super::domains::actor(&admin).await;
    storage::set_password(&state.services.db, &actor, id, &password)
        .await
        .map_err(crate::ssr::store_error)?;
    tracing::info!(id, by = %admin.email, "password reset");
    leptos_axum::redirect("/users?saved=1");
    Ok(())
}

/// A user's API tokens, as a super admin sees them on the Users page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UserTokensView {
    pub user_id: i32,
    pub email: String,
    pub tokens: Vec<ApiTokenView>,
}

#[server(endpoint = "user_api_tokens")]
pub async fn user_api_tokens(user_id: i32) -> Result<UserTokensView, AppError> {
    let (_, state) = super_admin().await?;
    let (owner, tokens) = services::tokens::user_tokens(&state.services, user_id).await?;
    let now = chrono::Utc::now();
    Ok(UserTokensView {
        user_id: owner.id,
        email: owner.email,
        tokens: tokens
            .into_iter()
            .map(|t| ApiTokenView::new(t, now))
            .collect(),
    })
}

#[server(endpoint = "revoke_user_api_token")]
pub async fn revoke_user_api_token(user_id: i32, id: i32) -> Result<(), AppError> {
    let (admin, state) = super_admin().await?;
    let actor = super::domains::actor(&admin).await;
    services::tokens::revoke_token(&state.services, &actor, user_id, id).await?;
    leptos_axum::redirect(&format!("/users?tokens={user_id}&revoked=1"));
    Ok(())
}
