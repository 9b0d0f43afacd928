//! Small building blocks shared by the pages.

mod field;
mod layout;

pub use field::{Checkbox, ErrorSummary, FieldMessage, TextField};
pub use layout::{Header, Refusal};
