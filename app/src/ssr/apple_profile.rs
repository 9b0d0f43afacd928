//! The Apple configuration profile of an inbox: `GET /inboxes/{id}/mail.mobileconfig`, for
//! the inbox's owner. A property list with one `com.apple.mail.managed` payload holding the
//! inbox's settings and address (no password: the device asks for it). Signed (CMS) when the
//! operator configured a signing certificate and key; otherwise unsigned, and the device shows
//! it as "Not Verified".

use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::Response;
use http::{header, request::Parts};
use plist::{Dictionary, Value};
use sha2::{Digest, Sha256};
use storage::StoredInbox;

use super::ip_exports::refusal;
use super::{account_of, AppState};
use crate::error::AppError;

pub async fn apple_profile(
    State(state): State<AppState>,
    Path(id): Path<i32>,
    parts: Parts,
) -> Response {
    match profile(&state, id, &parts).await {
        Ok((name, body)) => Response::builder()
            .header(header::CONTENT_TYPE, "application/x-apple-aspen-config")
            .header(
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            )
            .header(header::CACHE_CONTROL, "no-store")
            .body(Body::from(body))
            .unwrap_or_else(|_| refusal(AppError::Internal)),
        Err(e) => refusal(e),
    }
}

async fn profile(state: &AppState, id: i32, parts: &Parts) -> Result<(String, Vec<u8>), AppError> {
    let account = account_of(state, parts)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    let inbox = match storage::get_inbox(&state.db, id).await {
        Ok(i) if i.user_id == account.id => i,
        Ok(_) | Err(storage::StorageError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(super::store_error(e)),
    };
    let mut body = Vec::new();
    plist::to_writer_xml(&mut body, &document(&inbox)).map_err(|e| {
        tracing::error!(error = %e, "could not write a profile");
        AppError::Internal
    })?;
    if let Some(signer) = &state.profile_signer {
        body = signer.sign(&body).map_err(|e| {
            tracing::error!(error = %e, "could not sign a profile");
            AppError::Internal
        })?;
    }
    Ok((format!("{}.mobileconfig", inbox.email), body))
}

/// A stable UUID for `what`: installing the profile again replaces the earlier one.
fn uuid(what: &str) -> String {
    let h = hex::encode_upper(&Sha256::digest(what.as_bytes())[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

pub fn document(inbox: &StoredInbox) -> Value {
    let s = &inbox.settings;
    let login = inbox
        .username
        .clone()
        .unwrap_or_else(|| inbox.email.clone());
    let identifier = format!("mailsettings.inbox.{}", inbox.id);
    let mut mail = Dictionary::new();
    let mut put = |k: &str, v: Value| {
        mail.insert(k.to_string(), v);
    };
    put("PayloadType", "com.apple.mail.managed".into());
    put("PayloadVersion", 1.into());
    put("PayloadIdentifier", format!("{identifier}.mail").into());
    put(
        "PayloadUUID",
        uuid(&format!("{identifier}.mail:{}", inbox.email)).into(),
    );
    put(
        "PayloadDisplayName",
        format!("Mail: {}", inbox.email).into(),
    );
    put("EmailAccountDescription", inbox.email.clone().into());
    put("EmailAccountType", "EmailTypeIMAP".into());
    put("EmailAddress", inbox.email.clone().into());
    put("IncomingMailServerHostName", s.imap_host.to_string().into());
    put(
        "IncomingMailServerPortNumber",
        i64::from(s.imap_port.get()).into(),
    );
    // On a STARTTLS port Apple Mail upgrades the connection; SSL/TLS ports start with TLS.
    put("IncomingMailServerUseSSL", true.into());
    put("IncomingMailServerUsername", login.clone().into());
    put(
        "IncomingMailServerAuthentication",
        "EmailAuthPassword".into(),
    );
    put("OutgoingMailServerHostName", s.smtp_host.to_string().into());
    put(
        "OutgoingMailServerPortNumber",
        i64::from(s.smtp_port.get()).into(),
    );
    put("OutgoingMailServerUseSSL", true.into());
    put("OutgoingMailServerUsername", login.into());
    put(
        "OutgoingMailServerAuthentication",
        "EmailAuthPassword".into(),
    );
    put("OutgoingPasswordSameAsIncomingPassword", true.into());
    let mut outer = Dictionary::new();
    outer.insert("PayloadType".into(), "Configuration".into());
    outer.insert("PayloadVersion".into(), 1.into());
    outer.insert("PayloadIdentifier".into(), identifier.clone().into());
    outer.insert(
        "PayloadUUID".into(),
        uuid(&format!("{identifier}:{}", inbox.email)).into(),
    );
    outer.insert(
        "PayloadDisplayName".into(),
        format!("Mail settings for {}", inbox.email).into(),
    );
    outer.insert("PayloadContent".into(), Value::Array(vec![mail.into()]));
    Value::Dictionary(outer)
}
