use leptos::prelude::*;

use crate::components::Refusal;
use crate::error::AppError;

#[component]
pub fn NotFound() -> impl IntoView {
    view! { <Refusal error=AppError::NotFound/> }
}
