//! Cursor pagination: every list takes `limit` and `cursor` and answers with `next_cursor`.

use serde::Deserialize;
use utoipa::IntoParams;

use crate::error::ApiError;

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;

#[derive(Deserialize, IntoParams)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    limit: Option<u64>,
    /// The `next_cursor` of the previous page.
    cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> Result<u64, ApiError> {
        match self.limit {
            None => Ok(DEFAULT_LIMIT),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(ApiError::BadRequest(format!(
                "limit must be from 1 to {MAX_LIMIT}"
            ))),
        }
    }

    /// The cursor of a list ordered by domain name: the last name of the previous page.
    pub fn cursor_domain(&self) -> Result<Option<String>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| {
                domain::MailDomain::parse(c)
                    .map(|d| d.to_string())
                    .map_err(|_| bad_cursor())
            })
            .transpose()
    }
}

impl PageQuery {
    /// The cursor of a list ordered by a number (an id, a sequence number): the last one shown.
    pub fn cursor_number(&self) -> Result<Option<i64>, ApiError> {
        self.cursor
            .as_deref()
            .map(|c| c.parse::<i64>().map_err(|_| bad_cursor()))
            .transpose()
    }
}

fn bad_cursor() -> ApiError {
    ApiError::BadRequest("cursor is not one this API returned: pass a next_cursor unchanged".into())
}

/// `rows` was read with `limit + 1`: trims it to `limit` and returns the cursor of the next page
/// if there is one.
pub fn next_cursor<T>(rows: &mut Vec<T>, limit: u64, key: impl Fn(&T) -> String) -> Option<String> {
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    if rows.len() <= limit {
        return None;
    }
    rows.truncate(limit);
    rows.last().map(key)
}
