//! The sign-in method part of the domain form: Password, or OAuth 2.0 with the provider, the
//! application's client ID and secret and the scopes; the redirect URI to register and, for
//! Microsoft 365, the tenant's admin consent link, each with Copy.

use domain::oauth::{admin_consent_url, ClientId, Issuer, ProviderKind, Scopes, Tenant};
use domain::{DomainSettingsForm, Field, SIGN_IN_OAUTH, SIGN_IN_PASSWORD};
use leptos::prelude::*;

use crate::components::{CopyButton, FieldMessage, TextField};

fn check_tenant(v: &str) -> Option<String> {
    Tenant::parse(v).err().map(|e| e.to_string())
}

fn check_issuer(v: &str) -> Option<String> {
    Issuer::parse(v).err().map(|e| e.to_string())
}

fn check_client_id(v: &str) -> Option<String> {
    ClientId::parse(v).err().map(|e| e.to_string())
}

fn check_scopes(v: &str) -> Option<String> {
    match v.trim() {
        "" => None,
        text => Scopes::parse(text).err().map(|e| e.to_string()),
    }
}

fn scopes_hint() -> String {
    let defaults: Vec<String> = ProviderKind::ALL
        .iter()
        .map(|k| format!("{}: {}", k.label(), k.default_scopes()))
        .collect();
    format!(
        "Leave empty for the provider's defaults ({}).",
        defaults.join("; ")
    )
}

#[component]
pub fn SignInFieldset(
    initial: DomainSettingsForm,
    form: RwSignal<DomainSettingsForm>,
    err: impl Fn(Field) -> Signal<Option<String>>,
    /// A client secret is stored for this domain.
    has_secret: bool,
    redirect_uri: Option<String>,
) -> impl IntoView {
    // Without JavaScript every field shows (nothing could reveal a hidden one); once the page
    // runs, only those of the chosen method and provider.
    let running = RwSignal::new(false);
    Effect::new(move |_| running.set(true));
    let oauth = Memo::new(move |_| form.with(|f| f.sign_in_method == SIGN_IN_OAUTH));
    let provider = Memo::new(move |_| form.with(|f| ProviderKind::parse(&f.oauth_provider).ok()));
    let hide_unless = move |kind: ProviderKind| {
        move || running.get() && provider.get().is_some_and(|p| p != kind)
    };
    let set = move |apply: fn(&mut DomainSettingsForm, String)| {
        Callback::new(move |v: String| form.update(|f| apply(f, v)))
    };
    let is_oauth = initial.sign_in_method == SIGN_IN_OAUTH;
    let secret_hint = match has_secret {
        true => "A secret is stored. Leave this empty to keep it; it is never shown again.",
        false => "Stored encrypted and never shown again. Required for Microsoft 365 and Google Workspace.",
    };
    view! {
        <fieldset class="sign-in">
            <legend>{Field::SignInMethod.label()}</legend>
            <div class="choices" role="radiogroup" aria-label=Field::SignInMethod.label()>
                <label><input type="radio" name="settings[sign_in_method]" value=SIGN_IN_PASSWORD
                    checked=!is_oauth on:change=move |_| form.update(|f| f.sign_in_method = SIGN_IN_PASSWORD.into())/>
                    " Password"</label>
                <label><input type="radio" name="settings[sign_in_method]" value=SIGN_IN_OAUTH
                    checked=is_oauth on:change=move |_| form.update(|f| f.sign_in_method = SIGN_IN_OAUTH.into())/>
                    " OAuth 2.0"</label>
            </div>
            <p class="field-hint">"With OAuth 2.0, users connect their inbox by signing in at the provider: no password is typed or kept."</p>
            <div class="oauth-fields" hidden=move || running.get() && !oauth.get()>
                <p class="field-hint" hidden=move || running.get()>"Used only with OAuth 2.0."</p>
                <ProviderSelect value=initial.oauth_provider.clone() on_value=set(|f, v| f.oauth_provider = v)
                    error=err(Field::OAuthProvider)/>
                <div hidden=hide_unless(ProviderKind::Microsoft365)>
                    <TextField id="oauth_tenant" name="settings[oauth_tenant]" label=Field::OAuthTenant.label()
                        value=initial.oauth_tenant.clone() error=err(Field::OAuthTenant) check=check_tenant
                        hint="Microsoft 365 only: the tenant's ID or one of its domains, e.g. contoso.onmicrosoft.com."
                        on_value=set(|f, v| f.oauth_tenant = v)/>
                </div>
                <div hidden=hide_unless(ProviderKind::OpenId)>
                    <TextField id="oauth_issuer" name="settings[oauth_issuer]" label=Field::OAuthIssuer.label()
                        value=initial.oauth_issuer.clone() error=err(Field::OAuthIssuer) check=check_issuer
                        hint="Other OpenID provider only: its endpoints are read from its discovery document."
                        on_value=set(|f, v| f.oauth_issuer = v)/>
                </div>
                <TextField id="oauth_client_id" name="settings[oauth_client_id]" label=Field::OAuthClientId.label()
                    value=initial.oauth_client_id.clone() error=err(Field::OAuthClientId) check=check_client_id
                    autocomplete="off" on_value=set(|f, v| f.oauth_client_id = v)/>
                <TextField id="oauth_client_secret" name="settings[oauth_client_secret]"
                    label=Field::OAuthClientSecret.label() value="" kind="password" autocomplete="new-password"
                    error=err(Field::OAuthClientSecret) hint=secret_hint/>
                <TextField id="oauth_scopes" name="settings[oauth_scopes]" label=Field::OAuthScopes.label()
                    value=initial.oauth_scopes.clone() error=err(Field::OAuthScopes) check=check_scopes
                    hint=scopes_hint() on_value=set(|f, v| f.oauth_scopes = v)/>
                <RegistrationUris form redirect_uri/>
            </div>
        </fieldset>
    }
}

#[component]
fn ProviderSelect(
    value: String,
    on_value: Callback<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let chosen = ProviderKind::parse(&value).ok();
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for="oauth_provider">{Field::OAuthProvider.label()}</label>
            <select id="oauth_provider" name="settings[oauth_provider]" aria-describedby="oauth_provider-error"
                aria-invalid=move || error.get().is_some().to_string()
                on:change=move |ev| on_value.run(event_target_value(&ev))>
                <option value="" selected=chosen.is_none()>"Choose the provider"</option>
                {ProviderKind::ALL.map(|k| view! {
                    <option value=k.as_str() selected=chosen == Some(k)>{k.label()}</option>
                }).collect_view()}
            </select>
            <FieldMessage id="oauth_provider" error/>
        </div>
    }
}

/// What the admin registers with the provider: the redirect URI, and for Microsoft 365 the
/// link a tenant administrator opens to consent for every user.
#[component]
fn RegistrationUris(
    form: RwSignal<DomainSettingsForm>,
    redirect_uri: Option<String>,
) -> impl IntoView {
    let Some(uri) = redirect_uri else {
        return view! {
            <p class="field-hint">"The redirect URI shows here once MAILSETTINGS_PUBLIC_URL is set to the address users open."</p>
        }
        .into_any();
    };
    let consent = {
        let uri = uri.clone();
        move || {
            form.with(|f| {
                let ms = ProviderKind::parse(&f.oauth_provider) == Ok(ProviderKind::Microsoft365);
                let tenant = Tenant::parse(&f.oauth_tenant).ok()?;
                let client = ClientId::parse(&f.oauth_client_id).ok()?;
                ms.then(|| admin_consent_url(&tenant, &client, &uri))
                    .flatten()
                    .map(|u| u.to_string())
            })
        }
    };
    view! {
        <dl class="registration">
            <dt>"Redirect URI to register with the provider"</dt>
            <dd><code id="oauth-redirect-uri">{uri.clone()}</code>" "<CopyButton label="Copy" text=uri/></dd>
            {move || consent().map(|link| view! {
                <dt>"Admin consent link (a tenant administrator opens it once)"</dt>
                <dd>
                    <code id="oauth-consent-link" class="truncate" title=link.clone()>{link.clone()}</code>" "
                    <CopyButton label="Copy" text=link/>
                </dd>
            })}
        </dl>
    }
    .into_any()
}
