//! Small building blocks shared by the pages.

mod copy;
mod field;
mod layout;

pub use copy::CopyButton;
pub use field::{Checkbox, ErrorSummary, FieldMessage, TextField};
pub use layout::{Header, Refusal};
