//! The table of API tokens, shared by the profile (one's own) and the Users page (anyone's, for
//! super admins); each page brings its own Revoke form.

use leptos::prelude::*;

use crate::api::tokens::ApiTokenView;

/// `revoke` renders the Revoke form of an active token, given its id and name.
#[component]
pub fn TokenTable(
    list: Vec<ApiTokenView>,
    /// What an empty list says.
    empty: &'static str,
    /// The id of the heading that names the table.
    labelled_by: &'static str,
    revoke: Callback<(i32, String), AnyView>,
) -> impl IntoView {
    if list.is_empty() {
        return view! { <p class="empty">{empty}</p> }.into_any();
    }
    let rows = list
        .into_iter()
        .map(|t| {
            let form = (t.status == "Active").then(|| revoke.run((t.id, t.name.clone())));
            view! {
                <tr>
                    <th scope="row" class="wrap">{t.name.clone()}" "<span class="muted">{format!("#{}", t.id)}</span></th>
                    <td>{t.scope.label()}</td>
                    <td>{t.created_at}</td>
                    <td>{t.expires_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.last_used_at.unwrap_or_else(|| "Never".into())}</td>
                    <td>{t.status}</td>
                    <td class="actions">{form}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="scroll" role="region" tabindex="0" aria-labelledby=labelled_by>
        <table aria-labelledby=labelled_by>
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
        </div>
    }
    .into_any()
}
