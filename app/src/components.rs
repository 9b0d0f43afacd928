//! Small building blocks shared by the pages.

mod copy;
mod feedback;
mod field;
mod layout;

pub use copy::CopyButton;
pub use feedback::{Confirm, LockedValues, SubmitButton, TimeAgo};
pub use field::{Checkbox, ErrorSummary, FieldMessage, TextField};
pub use layout::{mark_hydrated, Header, PanelTitle, Refusal};
