//! A user's API tokens on the Users page (`/users?tokens={id}`), for super admins: an account
//! reset because it was stolen may still have tokens made with it; they can be revoked here.

use leptos::form::ActionForm;
use leptos::prelude::*;

use super::token_table::TokenTable;
use crate::api::users::{user_api_tokens, RevokeUserApiToken};
use crate::components::{Confirm, ErrorSummary, SubmitButton};

#[component]
pub fn UserTokens(
    /// Whose tokens to show (`None`: the panel is closed).
    user_id: Memo<Option<i32>>,
) -> impl IntoView {
    let revoke = ServerAction::<RevokeUserApiToken>::new();
    let tokens = Resource::new(
        move || (user_id.get(), revoke.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => user_api_tokens(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let revoke_error = Signal::derive(move || {
        revoke
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    view! {
        <Suspense fallback=|| ()>
            {move || tokens.get().map(|result| match result {
                Ok(None) => ().into_any(),
                Err(error) => view! {
                    <p class="form-error" role="alert">{error.to_string()}</p>
                }.into_any(),
                Ok(Some(owner)) => view! {
                    <section id="user-tokens" aria-labelledby="user-tokens-title">
                        <h2 id="user-tokens-title">{format!("API tokens of {}", owner.email)}</h2>
                        <ErrorSummary message=revoke_error/>
                        <TokenTable list=owner.tokens empty="No API tokens." labelled_by="user-tokens-title"
                            revoke=Callback::new(move |(id, name): (i32, String)| view! {
                                <Confirm label="Revoke" of=name.clone()
                                    question=format!("Revoke {name}? Scripts using it are refused from now on.")>
                                    <ActionForm action=revoke attr:class="inline">
                                        <input type="hidden" name="user_id" value=owner.user_id/>
                                        <input type="hidden" name="id" value=id/>
                                        <SubmitButton pending=revoke.pending() class="danger">"Yes, revoke it"</SubmitButton>
                                    </ActionForm>
                                </Confirm>
                            }.into_any())/>
                        <p><a href="/users">"Close"</a></p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}
