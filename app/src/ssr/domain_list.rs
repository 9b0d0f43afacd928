//! The domain list's rows, kept between requests and checked against the database on every
//! one. Every change to a domain appends to the audit chain in the change's own transaction, so
//! the list is read and parsed again only when the chain's head has moved: one indexed lookup
//! per page view instead of every row crossing from the database driver and being parsed.

use std::sync::{Arc, Mutex};

use super::{store_error, AppState};
use crate::api::DomainRow;
use crate::error::AppError;

/// The rows and the chain position they were read at.
#[derive(Default)]
pub struct DomainListCache(Mutex<Option<(i64, Arc<[DomainRow]>)>>);

impl DomainListCache {
    fn get(&self, generation: i64) -> Option<Arc<[DomainRow]>> {
        let kept = self.0.lock().ok()?;
        let (at, rows) = kept.as_ref()?;
        (*at == generation).then(|| Arc::clone(rows))
    }

    fn keep(&self, generation: i64, rows: &Arc<[DomainRow]>) {
        if let Ok(mut kept) = self.0.lock() {
            // A slow request must not put back a list older than the one kept.
            if kept.as_ref().is_none_or(|(at, _)| *at < generation) {
                *kept = Some((generation, Arc::clone(rows)));
            }
        }
    }
}

/// Every domain as a list row, ordered by name, as of now.
pub async fn domain_rows(state: &AppState) -> Result<Arc<[DomainRow]>, AppError> {
    // Read before the list: a change committed in between then files a newer list under an
    // older position, which only costs one more read, never a stale page.
    let generation = storage::domains_generation(&state.db)
        .await
        .map_err(store_error)?;
    if let Some(rows) = state.domain_list.get(generation) {
        return Ok(rows);
    }
    let rows: Arc<[DomainRow]> = storage::list_domains(&state.db)
        .await
        .map_err(store_error)?
        .iter()
        .map(DomainRow::from)
        .collect();
    state.domain_list.keep(generation, &rows);
    Ok(rows)
}
