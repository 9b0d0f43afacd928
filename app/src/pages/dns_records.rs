//! "DNS records for mail clients" on the domain panel: the zone-file lines that send
//! Thunderbird, Outlook, Apple Mail and K-9 to this domain's settings, each with Copy.

use leptos::prelude::*;

use crate::api::dns_records::{dns_records, DnsRecord};
use crate::components::CopyButton;
use crate::error::AppError;

pub type DnsRecords = Resource<Result<Vec<DnsRecord>, AppError>>;

/// Created with the panel (not inside its Suspense), so server and browser agree on it.
pub fn use_dns_records(id: Memo<Option<i32>>, saves: Signal<usize>) -> DnsRecords {
    Resource::new(
        move || (id.get(), saves.get()),
        |(id, _)| async move {
            match id {
                Some(id) => dns_records(id).await,
                None => Err(AppError::NotFound),
            }
        },
    )
}

#[component]
pub fn DnsRecordsPanel(records: DnsRecords) -> impl IntoView {
    view! {
        <section class="dns-records" aria-labelledby="dns-title">
            <h3 id="dns-title">"DNS records for mail clients"</h3>
            <p class="field-hint">"Publish these records in the domain's DNS zone: mail clients then find these settings when users type their address."</p>
            <Transition fallback=|| ()>
                {move || records.get().map(|r| match r {
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    Ok(list) => {
                        let all = list
                            .iter()
                            .filter(|r| !r.line.starts_with(';'))
                            .map(|r| r.line.clone())
                            .collect::<Vec<_>>()
                            .join("\n");
                        view! {
                            <table aria-label="DNS records">
                                <tbody>
                                    {list.into_iter().map(|r| view! {
                                        <tr>
                                            <td><code class="selectable">{r.line.clone()}</code><br/>
                                                <span class="field-hint">{r.note}</span></td>
                                            <td><CopyButton label="Copy" text=r.line/></td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <p><CopyButton label="Copy all records" text=all/></p>
                        }.into_any()
                    }
                })}
            </Transition>
        </section>
    }
}
