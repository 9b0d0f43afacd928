//! The error's wire form, kept small for the browser's main module: every page decodes
//! `AppError`, so what its decoder pulls in is paid on every page.

use std::marker::PhantomData;
use std::sync::Arc;

use leptos::server_fn::{Bytes, ContentType, Decodes, Encodes, Format, FormatType};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

use super::AppError;

/// A form's payload inside an error, kept as the JSON it arrived in and decoded only where the form
/// shows it: every page decodes `AppError`, and this keeps the form types' decoders out of the
/// browser's main module (they load with the domain form's chunk). On the wire it is the value
/// itself, as if it were not wrapped.
pub struct Carried<T> {
    json: Arc<RawValue>,
    kind: PhantomData<fn() -> T>,
}

#[cfg(feature = "ssr")]
impl<T: Serialize> Carried<T> {
    pub fn new(value: &T) -> Self {
        let json = serde_json::value::to_raw_value(value).unwrap_or_else(|e| {
            tracing::error!(error = %e, "a form payload could not be encoded");
            RawValue::NULL.to_owned()
        });
        Self {
            json: Arc::from(json),
            kind: PhantomData,
        }
    }
}

impl<T: DeserializeOwned> Carried<T> {
    /// The value; `None` only if the server sent something else (logged in the browser console).
    pub fn get(&self) -> Option<T> {
        serde_json::from_str(self.json.get())
            .map_err(|e| leptos::logging::error!("a form payload could not be decoded: {e}"))
            .ok()
    }
}

impl<T> Clone for Carried<T> {
    fn clone(&self) -> Self {
        Self {
            json: Arc::clone(&self.json),
            kind: PhantomData,
        }
    }
}

impl<T> PartialEq for Carried<T> {
    fn eq(&self, other: &Self) -> bool {
        self.json.get() == other.json.get()
    }
}

impl<T> std::fmt::Debug for Carried<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.json.get())
    }
}

impl<T> Serialize for Carried<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        RawValue::serialize(&self.json, serializer)
    }
}

impl<'de, T> Deserialize<'de> for Carried<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let json: Box<RawValue> = Deserialize::deserialize(deserializer)?;
        Ok(Self {
            json: Arc::from(json),
            kind: PhantomData,
        })
    }
}

/// How `AppError` crosses the wire: JSON, decoded from text. The page's resources are decoded from
/// text as well, so the browser holds one decoder of `AppError` instead of one per input type.
pub struct ErrorJson;

impl ContentType for ErrorJson {
    const CONTENT_TYPE: &'static str = "application/json";
}

impl FormatType for ErrorJson {
    const FORMAT_TYPE: Format = Format::Text;
}

impl Encodes<AppError> for ErrorJson {
    type Error = serde_json::Error;

    fn encode(error: &AppError) -> Result<Bytes, Self::Error> {
        serde_json::to_vec(error).map(Bytes::from)
    }
}

impl Decodes<AppError> for ErrorJson {
    type Error = serde_json::Error;

    fn decode(bytes: Bytes) -> Result<AppError, Self::Error> {
        let text = std::str::from_utf8(&bytes).map_err(serde::de::Error::custom)?;
        serde_json::from_str(text)
    }
}
