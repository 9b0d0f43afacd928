//! Cursor pagination: every list takes `limit` and `cursor` and answers with `next_cursor`.

use std::borrow::Cow;

use serde::Deserialize;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::openapi::RefOr;
use utoipa::{IntoParams, PartialSchema, ToSchema};

use crate::error::ApiError;

const DEFAULT_LIMIT: u64 = 50;
const MAX_LIMIT: u64 = 200;

/// The `limit` of every list (its schema; the value is read by [`PageQuery::limit`]).
pub struct Limit;

impl PartialSchema for Limit {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(MAX_LIMIT))
            .default(Some(DEFAULT_LIMIT.into()))
            .into()
    }
}

impl ToSchema for Limit {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Limit")
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 200 (default 50).
    #[param(inline, value_type = Limit, required = false)]
    limit: Option<u64>,
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
}

/// The cursor of a list ordered by domain name: the last name of the previous page.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NameCursor {
    /// The `next_cursor` of the previous page.
    #[param(value_type = domain::MailDomain, required = false)]
    cursor: Option<String>,
}

impl NameCursor {
    pub fn after(&self) -> Result<Option<String>, ApiError> {
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

/// The cursor of a list ordered by a sequence number: the last one shown.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SeqCursor {
    /// The `next_cursor` of the previous page.
    #[param(value_type = i64, required = false)]
    cursor: Option<String>,
}

impl SeqCursor {
    pub fn before(&self) -> Result<Option<i64>, ApiError> {
        number(self.cursor.as_deref())
    }
}

/// The cursor of a list ordered by id: the last one shown.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct IdCursor {
    /// The `next_cursor` of the previous page.
    #[param(value_type = i32, required = false)]
    cursor: Option<String>,
}

impl IdCursor {
    pub fn after(&self) -> Result<Option<i32>, ApiError> {
        number(self.cursor.as_deref())?
            .map(|id| {
                i32::try_from(id).map_err(|_| ApiError::BadRequest("cursor is out of range".into()))
            })
            .transpose()
    }
}

fn number(cursor: Option<&str>) -> Result<Option<i64>, ApiError> {
    cursor
        .map(|c| c.parse::<i64>().map_err(|_| bad_cursor()))
        .transpose()
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
