//! "DNS records for mail clients" on the domain panel: the zone-file lines that send
//! Thunderbird, Outlook, Apple Mail and K-9 to this domain's settings, each with Copy.

use leptos::prelude::*;

use crate::components::CopyButton;
use domain::DnsRecord;

#[component]
pub fn DnsRecordsPanel(records: Vec<DnsRecord>) -> impl IntoView {
    let all = records
        .iter()
        .filter(|r| !r.line.starts_with(';'))
        .map(|r| r.line.clone())
        .collect::<Vec<_>>()
        .join("\n");
    let rows = records
        .into_iter()
        .map(|r| {
            view! {
                <tr>
                    <td><code class="selectable">{r.line.clone()}</code><br/>
                        <span class="field-hint">{r.note}</span></td>
                    <td><CopyButton label="Copy" text=r.line/></td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="dns-records" aria-labelledby="dns-title">
            <h3 id="dns-title">"DNS records for mail clients"</h3>
            <p class="field-hint">"Publish these records in the domain's DNS zone: mail clients then find these settings when users type their address."</p>
            <table aria-label="DNS records"><tbody>{rows}</tbody></table>
            <p><CopyButton label="Copy all records" text=all/></p>
        </section>
    }
}
