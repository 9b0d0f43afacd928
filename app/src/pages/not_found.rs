use leptos::prelude::*;

use crate::components::{mark_hydrated, Refusal};
use crate::error::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    mark_hydrated();
    view! { <Refusal error=AppError::NotFound/> }
}
