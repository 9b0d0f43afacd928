//! A user's API tokens on the Users page (`/users?tokens={id}`), for super admins: an account
//! reset because it was stolen may still have tokens made with it; they can be revoked here.

use leptos::form::ActionForm;
use leptos::prelude::*;

use crate::api::tokens::ApiTokenView;
use crate::api::users::{user_api_tokens, RevokeUserApiToken};
use crate::components::ErrorSummary;

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
                        <TokenRows user_id=owner.user_id list=owner.tokens revoke/>
                        <p><a href="/users">"Close"</a></p>
                    </section>
                }.into_any(),
            })}
        </Suspense>
    }
}

#[component]
fn TokenRows(
    user_id: i32,
    list: Vec<ApiTokenView>,
    revoke: ServerAction<RevokeUserApiToken>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">"No API tokens."</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|t| {
            let active = t.status == "Active";
            let label = format!("Revoke {}", t.name);
            let id = t.id;
            view! {
                <tr>
                    <th scope="row" class="wrap">{t.name.clone()}" "<span class="muted">{format!("#{id}")}</span></th>
                    <td>{t.scope.label()}</td>
                    <td>{t.created_at}</td>
                    <td>{t.expires_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.last_used_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.status}</td>
                    <td class="actions">
                        {active.then(|| view! {
                            <ActionForm action=revoke attr:class="inline">
                                <input type="hidden" name="user_id" value=user_id/>
                                <input type="hidden" name="id" value=id/>
                                <button type="submit" aria-label=label>"Revoke"</button>
                            </ActionForm>
                        })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table aria-labelledby="user-tokens-title">
            <thead>
                <tr>
                    <th scope="col">"Name"</th>
                    <th scope="col">"Scope"</th>
                    <th scope="col">"Created"</th>
                    <th scope="col">"Expires"</th>
                    <th scope="col">"Last used"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
