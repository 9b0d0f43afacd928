//! Users and their rights, for super admins.

use domain::Role;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_location, use_query_map};

use super::user_tokens::UserTokens;
use crate::api::users::{list_users, CreateUser, ResetPassword, UpdateUser};
use crate::api::UserView;
use crate::components::{ErrorSummary, Refusal, SubmitButton, TextField};
use crate::error::AppError;

fn form_error(err: Option<AppError>) -> Option<String> {
    err.filter(|e| !matches!(e, AppError::Invalid { field: Some(_), .. }))
        .map(|e| e.to_string())
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let update = ServerAction::<UpdateUser>::new();
    let reset = ServerAction::<ResetPassword>::new();
    let location = use_location();
    let query = use_query_map();
    let tokens_of = Memo::new(move |_| query.read().get("tokens").and_then(|v| v.parse().ok()));
    let users = Resource::new(
        move || {
            (
                location.search.get(),
                update.version().get(),
                reset.version().get(),
            )
        },
        |_| list_users(),
    );
    let row_error = Signal::derive(move || {
        form_error(update.value().get().and_then(Result::err)).or_else(|| {
            reset
                .value()
                .get()
                .and_then(Result::err)
                .map(|e| e.to_string())
        })
    });
    view! {
        <Title text="Users · Mail domain settings"/>
        <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
            {move || users.get().map(|result| match result {
                Err(error) => view! { <Refusal error/> }.into_any(),
                Ok(list) => view! {
                    <section class="list">
                        <h1>"Users"</h1>
                        <p class="lead">"Resetting a password or disabling an account ends the user's sessions and revokes their API tokens; re-enabling it does not bring them back."</p>
                        <ErrorSummary message=row_error/>
                        <UserTable list update reset/>
                        <UserTokens user_id=tokens_of/>
                    </section>
                    <AddUserPanel create/>
                }.into_any(),
            })}
        </Suspense>
    }
}

/// "Add user": email, password, role and account access.
#[component]
fn AddUserPanel(create: ServerAction<CreateUser>) -> impl IntoView {
    let create_err = move || create.value().get().and_then(Result::err);
    let field_error = move |name: &'static str| {
        Signal::derive(move || create_err().and_then(|e| e.message_for(name)))
    };
    view! {
        <aside class="panel" aria-labelledby="add-user-title">
            <h2 id="add-user-title">"Add user"</h2>
            <ErrorSummary message=Signal::derive(move || form_error(create_err()))/>
            <ActionForm action=create>
                <TextField id="new-email" name="email" label="Email" kind="email" value=""
                    error=field_error("email") autocomplete="off" required=true/>
                <TextField id="new-password" name="password" label="Password" kind="password"
                    value="" error=field_error("password") autocomplete="new-password"
                    hint="At least 12 characters. Share it with the user securely." required=true/>
                <RoleSelect id="new-role".into() selected=Role::User/>
                <div class="field checkbox">
                    <input id="new-access" name="account_access" type="checkbox" value="on"
                        aria-describedby="new-access-hint"/>
                    <label for="new-access">"Account access"</label>
                    <p id="new-access-hint" class="field-hint">"Lets a user configure domain IMAP settings."</p>
                </div>
                <SubmitButton pending=create.pending() class="primary">"Add user"</SubmitButton>
            </ActionForm>
        </aside>
    }
}

#[component]
fn RoleSelect(
    id: String,
    selected: Role,
    /// Whose role this is, for screen readers, when several role selects share a page.
    #[prop(optional)]
    owner: Option<String>,
) -> impl IntoView {
    view! {
        <div class="field">
            <label for=id.clone()>"Role"<ForWhom owner/></label>
            <select id=id name="role">
                {Role::ALL.into_iter().map(|r| view! {
                    <option value=r.as_str() selected=r == selected>{r.label()}</option>
                }).collect_view()}
            </select>
        </div>
    }
}

#[component]
fn UserTable(
    list: Vec<UserView>,
    update: ServerAction<UpdateUser>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let rows = list
        .into_iter()
        .map(|user| view! { <UserRow user update reset/> })
        .collect_view();
    view! {
        <div class="scroll" role="region" tabindex="0" aria-label="Users">
        <table aria-label="Users" class="stack">
            <thead>
                <tr>
                    <th scope="col">"Email"</th>
                    <th scope="col">"Role and access"</th>
                    <th scope="col">"Password"</th>
                    <th scope="col">"API tokens"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
        </div>
    }
}

#[component]
fn UserRow(
    user: UserView,
    update: ServerAction<UpdateUser>,
    reset: ServerAction<ResetPassword>,
) -> impl IntoView {
    let (id, email) = (user.id, user.email.clone());
    let tokens_label = format!("API tokens of {email}");
    view! {
        <tr>
            <th scope="row"><span class="truncate" title=email.clone()>{email.clone()}</span></th>
            <td>
                <UpdateUserForm user update/>
            </td>
            <td>
                <ResetPasswordForm id email reset/>
            </td>
            <td>
                <a href=format!("/users?tokens={id}#user-tokens") aria-label=tokens_label>"API tokens"</a>
            </td>
        </tr>
    }
}

/// The user's role, account access and whether the account is disabled.
#[component]
fn UpdateUserForm(user: UserView, update: ServerAction<UpdateUser>) -> impl IntoView {
    let id = user.id;
    let save_label = format!("Save {}", user.email);
    let owner = user.email.clone();
    view! {
        <ActionForm action=update attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <RoleSelect id=format!("role-{id}") selected=user.role owner=owner.clone()/>
            <div class="field checkbox">
                <input id=format!("access-{id}") name="account_access" type="checkbox"
                    value="on" checked=user.account_access/>
                <label for=format!("access-{id}")>"Account access"<ForWhom owner=Some(owner.clone())/></label>
            </div>
            <div class="field checkbox">
                <input id=format!("disabled-{id}") name="disabled" type="checkbox"
                    value="on" checked=user.disabled/>
                <label for=format!("disabled-{id}")>"Disabled"<ForWhom owner=Some(owner.clone())/></label>
            </div>
            <SubmitButton pending=Signal::derive(move || update.pending().get()
                && update.input().with(|i| i.as_ref().is_some_and(|i| i.id == id))) attr:aria-label=save_label>"Save"</SubmitButton>
        </ActionForm>
    }
}

#[component]
fn ResetPasswordForm(id: i32, email: String, reset: ServerAction<ResetPassword>) -> impl IntoView {
    let reset_label = format!("Reset password of {email}");
    view! {
        <ActionForm action=reset attr:class="inline">
            <input type="hidden" name="id" value=id/>
            <div class="field">
                <label for=format!("reset-{id}")>"New password"<ForWhom owner=Some(email.clone())/></label>
                <input id=format!("reset-{id}") name="password" type="password"
                    autocomplete="new-password" minlength="12" required/>
            </div>
            <SubmitButton pending=Signal::derive(move || reset.pending().get()
                && reset.input().with(|i| i.as_ref().is_some_and(|i| i.id == id))) attr:aria-label=reset_label>"Reset password"</SubmitButton>
        </ActionForm>
    }
}

/// " for alice@example.org", heard by screen readers only: the row already shows the email.
#[component]
fn ForWhom(owner: Option<String>) -> impl IntoView {
    owner.map(|o| view! { <span class="visually-hidden">{format!(" for {o}")}</span> })
}
