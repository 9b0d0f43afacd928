//! The domain list's rows and the domains without settings, kept between requests and checked
//! against the database on every one. Both lists' positions are read in one statement, once per
//! request (the page's two resources share it), and a list is read and parsed again only when its
//! position has moved.

use std::sync::{Arc, Mutex};

use storage::ListPositions;

use super::{store_error, AppState};
use crate::api::DomainRow;
use crate::error::AppError;
use services::views::ConnectionAttemptView;

/// One list as of the position it was read at.
struct AsOf<K, T: ?Sized>(Mutex<Option<(K, Arc<T>)>>);

impl<K, T: ?Sized> Default for AsOf<K, T> {
    fn default() -> Self {
        Self(Mutex::new(None))
    }
}

impl<K: Ord + Copy, T: ?Sized> AsOf<K, T> {
    fn get(&self, at: K) -> Option<Arc<T>> {
        let kept = self.0.lock().ok()?;
        let (kept_at, list) = kept.as_ref()?;
        (*kept_at == at).then(|| Arc::clone(list))
    }

    fn keep(&self, at: K, list: &Arc<T>) {
        if let Ok(mut kept) = self.0.lock() {
            // A slow request must not put back a list older than the one kept.
            if kept.as_ref().is_none_or(|(kept_at, _)| *kept_at < at) {
                *kept = Some((at, Arc::clone(list)));
            }
        }
    }
}

#[derive(Default)]
pub struct DomainListSnapshots {
    rows: AsOf<i64, [DomainRow]>,
    connection_attempts: AsOf<ListPositions, [ConnectionAttemptView]>,
}

/// The lists' positions, read once per request.
async fn positions(state: &AppState) -> Result<ListPositions, AppError> {
    let read = || async {
        storage::list_positions(&state.services.db)
            .await
            .map_err(store_error)
    };
    match leptos::prelude::use_context::<super::RequestMemo>() {
        Some(memo) => memo.positions.get_or_try_init(read).await.copied(),
        None => read().await,
    }
}

/// Every domain as a list row, ordered by name, as of now.
pub async fn domain_rows(state: &AppState) -> Result<Arc<[DomainRow]>, AppError> {
    // Read before the list: a change committed in between then files a newer list under an
    // older position, which only costs one more read, never a stale page.
    let at = positions(state).await?.domains;
    if let Some(rows) = state.domain_list.rows.get(at) {
        return Ok(rows);
    }
    let rows: Arc<[DomainRow]> = storage::list_domains(&state.services.db)
        .await
        .map_err(store_error)?
        .iter()
        .map(DomainRow::from)
        .collect();
    state.domain_list.rows.keep(at, &rows);
    Ok(rows)
}

/// The latest attempt of each domain that has no settings, newest first, as of now.
pub async fn unconfigured_domains(
    state: &AppState,
) -> Result<Arc<[ConnectionAttemptView]>, AppError> {
    let at = positions(state).await?;
    if let Some(attempts) = state.domain_list.connection_attempts.get(at) {
        return Ok(attempts);
    }
    let attempts: Arc<[ConnectionAttemptView]> =
        storage::unconfigured_connection_attempts(&state.services.db)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|a| ConnectionAttemptView {
                mail_domain: a.mail_domain,
                email: a.email,
                probe_id: a.probe_report_id,
                at: services::format_time(a.created_at),
            })
            .collect();
    state.domain_list.connection_attempts.keep(at, &attempts);
    Ok(attempts)
}
