//! "View connection IPs" (seed 002): the *Use static IP addresses* switch, the ranges to
//! allowlist with Copy and Copy all, downloads for firewalls, and the test from every static
//! address. Without JavaScript the ranges are selectable text and every export is a link.

use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::connection_ips::{
    connection_ips, static_address_test, SetStaticIps, TestStaticAddresses,
};
use crate::components::{CopyButton, ErrorSummary, PanelTitle, Refusal, SubmitButton, TextField};
use services::views::{ConnectionIpsView, SourceTestView};

const EXPORTS: [(&str, &str); 5] = [
    ("txt", "Plain text"),
    ("csv", "CSV"),
    ("nft", "nftables set"),
    ("iptables.sh", "iptables rules"),
    ("json", "JSON feed"),
];

#[component]
pub fn ConnectionIpsPanel() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok())));
    let switch = ServerAction::<SetStaticIps>::new();
    let detail = Resource::new(
        move || (id.get(), switch.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => connection_ips(id).await,
                None => Err(crate::error::AppError::NotFound),
            }
        },
    );
    view! {
        <aside class="panel" aria-labelledby="panel-title">
            <PanelTitle>"View connection IPs"</PanelTitle>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Err(error) => view! { <Refusal error/> }.into_any(),
                        Ok(ips) => view! { <Panel ips switch/> }.into_any(),
                    }
                })}
            </Suspense>
            <p><A href="/domains" attr:class="button">"Done"</A></p>
        </aside>
    }
}

#[component]
fn Panel(ips: ConnectionIpsView, switch: ServerAction<SetStaticIps>) -> impl IntoView {
    let domain = ips.domain.clone();
    let s = &domain.settings;
    let on = s.use_static_ips;
    let ports = format!(
        "Open the IMAP port {} on {} and the SMTP port {} on {} to these ranges.",
        s.imap_port, s.imap_host, s.smtp_port, s.smtp_host
    );
    let error = Signal::derive(move || {
        switch
            .value()
            .get()
            .and_then(Result::err)
            .map(|e| e.to_string())
    });
    let no_ranges = ips.ranges.is_empty();
    view! {
        <p class="lead">{format!("Email domain {}", s.domain.display_unicode())}</p>
        <ErrorSummary message=error/>
        <ActionForm action=switch attr:class="switch-form">
            <input type="hidden" name="id" value=domain.id/>
            <input type="hidden" name="version" value=domain.version/>
            {(!on).then(|| view! { <input type="hidden" name="on" value="on"/> })}
            <button type="submit" class="switch" role="switch" aria-checked=on.to_string()
                disabled=move || no_ranges || switch.pending().get()
                aria-busy=move || switch.pending().get().then_some("true") aria-describedby="switch-state">
                <span class="switch-track" aria-hidden="true"></span>
                "Use static IP addresses"
            </button>
            <span id="switch-state" class="field-hint">{if on { "On" } else { "Off" }}</span>
        </ActionForm>
        {if no_ranges {
            view! { <p class="notice">{services::views::NO_RANGES_REASON}</p> }.into_any()
        } else if !on {
            view! {
                <p class="notice">"Static IP addresses are off for this domain: connections to its mail servers may come from changing addresses, so allowlisting them is not possible. If you haven't enabled static IP addresses for this domain, click to toggle the Use static IP addresses switch on."</p>
            }.into_any()
        } else {
            view! { <Ranges ips=ips.clone() ports/> }.into_any()
        }}
    }
}

#[component]
fn Ranges(ips: ConnectionIpsView, ports: String) -> impl IntoView {
    let all = ips
        .ranges
        .iter()
        .map(|r| r.cidr.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let id = ips.domain.id;
    let rows = ips
        .ranges
        .iter()
        .map(|r| {
            view! {
                <tr>
                    <th scope="row"><code class="selectable">{r.cidr.clone()}</code></th>
                    <td>{r.family.clone()}</td>
                    <td>{r.addresses.clone()}</td>
                    <td><CopyButton label="Copy" text=r.cidr.clone()/></td>
                </tr>
            }
        })
        .collect_view();
    let usable = match ips.usable_total {
        0 => "None of these addresses is assigned to this server yet: connection tests will fail until the operator assigns them.".to_string(),
        n if n > ips.usable.len() => format!("Connections leave from {n} addresses of this server, among them {}.", ips.usable.join(", ")),
        n => format!("Connections leave from {} address{} of this server: {}.", n, if n == 1 { "" } else { "es" }, ips.usable.join(", ")),
    };
    view! {
        <p>"Add these IP ranges to your mail servers' allowlist: every connection this product makes for the domain leaves from an address inside them."</p>
        <table aria-label="IP ranges to allowlist" class="ranges stack">
            <thead><tr><th scope="col">"IP range"</th><th scope="col">"Family"</th><th scope="col">"Addresses"</th><th scope="col"><span class="visually-hidden">"Copy"</span></th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        <p><CopyButton label="Copy all" text=all/></p>
        <p class="notice">{ports}</p>
        <p class="field-hint">{usable}</p>
        <h3>"Download for your firewall"</h3>
        <ul class="downloads">
            {EXPORTS.iter().map(|(suffix, label)| view! {
                <li><a href=format!("/domains/{id}/connection-ips/connection-ips.{suffix}") download=true rel="external">{*label}</a></li>
            }).collect_view()}
        </ul>
        <SourceTest domain_id=id/>
    }
}

#[component]
fn SourceTest(domain_id: i32) -> impl IntoView {
    let run = ServerAction::<TestStaticAddresses>::new();
    let query = use_query_map();
    let from_url = Resource::new(
        move || query.with(|q| q.get("source_test").and_then(|t| t.parse::<u64>().ok())),
        move |id| async move {
            match id {
                Some(id) => static_address_test(domain_id, id).await.ok(),
                None => None,
            }
        },
    );
    let error = Signal::derive(move || run.value().get().and_then(Result::err));
    let field_error = move |name: &'static str| {
        Signal::derive(move || error.get().and_then(|e| e.message_for(name)))
    };
    let general = Signal::derive(move || {
        error
            .get()
            .filter(|e| !matches!(e, crate::error::AppError::Invalid { field: Some(_), .. }))
            .map(|e| e.to_string())
    });
    view! {
        <h3>"Test from every static address"</h3>
        <p class="field-hint">"Logs in to the IMAP and SMTP servers once from each address, so an address your firewall still blocks shows up. The password is used for this test only and never stored."</p>
        <ActionForm action=run attr:class="source-test">
            <input type="hidden" name="id" value=domain_id/>
            <ErrorSummary message=general/>
            <TextField id="source_email" name="probe_email" label="Test mailbox email" kind="email" value="" error=field_error("probe_email") autocomplete="off"/>
            <TextField id="source_username" name="probe_username" label="Custom username (optional)" value="" error=field_error("probe_username") autocomplete="off"/>
            <TextField id="source_password" name="probe_password" label="Mailbox password" kind="password" value="" error=field_error("probe_password") autocomplete="off"/>
            <SubmitButton pending=run.pending()>"Test from every static address"</SubmitButton>
        </ActionForm>
        <Transition fallback=|| ()>
            {move || {
                let latest = run.value().get().and_then(Result::ok);
                let shown = latest.or_else(|| from_url.get().flatten());
                shown.map(|view| view! { <SourceTestTable view/> })
            }}
        </Transition>
    }
}

#[component]
fn SourceTestTable(view: SourceTestView) -> impl IntoView {
    let failed = view
        .rows
        .iter()
        .filter(|r| !r.imap.ok || !r.smtp.ok)
        .count();
    let summary = format!(
        "{} of {} addresses passed ({} ms, by {} at {}).",
        view.rows.len() - failed,
        view.rows.len(),
        view.elapsed_ms,
        view.actor_email,
        view.ran_at
    );
    let cell = |leg: probe::LegCheck| {
        if leg.ok {
            view! { <td class="verdict-cell ok">"Passed"</td> }.into_any()
        } else if leg.category.is_none() {
            view! { <td class="verdict-cell">{leg.detail.unwrap_or_else(|| "Not tested".into())}</td> }.into_any()
        } else {
            view! {
                <td class="verdict-cell failed">
                    <strong>{leg.title.unwrap_or_else(|| "Failed".into())}</strong>
                    {leg.detail.map(|d| view! { <br/><span>{d}</span> })}
                </td>
            }
            .into_any()
        }
    };
    let rows = view
        .rows
        .into_iter()
        .map(|r| view! { <tr><th scope="row"><code>{r.source}</code></th>{cell(r.imap)}{cell(r.smtp)}</tr> })
        .collect_view();
    view! {
        <p role="status" class=if failed == 0 { "status" } else { "form-error" }>{summary}</p>
        <table aria-label="Test from every static address" class="source-results">
            <thead><tr><th scope="col">"Source address"</th><th scope="col">"IMAP login"</th><th scope="col">"SMTP login"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}
