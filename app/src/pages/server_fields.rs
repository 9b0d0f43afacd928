//! The IMAP and the SMTP half of the domain form: server, port, security and certificate pin.

use domain::{DomainSettingsForm, Field, Hostname, Port};
use leptos::prelude::*;

use crate::components::{FieldMessage, TextField};

fn check_host(v: &str) -> Option<String> {
    Hostname::parse(v).err().map(|e| e.to_string())
}

fn check_port(v: &str) -> Option<String> {
    Port::parse(v).err().map(|e| e.to_string())
}

/// What differs between the IMAP and the SMTP half of the form.
pub struct Leg {
    legend: &'static str,
    host: Field,
    port: Field,
    security: Field,
    pin: Field,
    port_hint: &'static str,
}

fn leg_value(f: &mut DomainSettingsForm, field: Field) -> &mut String {
    match field {
        Field::ImapHost => &mut f.imap_host,
        Field::ImapPort => &mut f.imap_port,
        Field::ImapSecurity => &mut f.imap_security,
        Field::ImapCertPin => &mut f.imap_cert_pin,
        Field::SmtpHost => &mut f.smtp_host,
        Field::SmtpPort => &mut f.smtp_port,
        Field::SmtpSecurity => &mut f.smtp_security,
        Field::SmtpCertPin => &mut f.smtp_cert_pin,
        _ => &mut f.domain,
    }
}

pub const IMAP: Leg = Leg {
    legend: "IMAP (incoming)",
    host: Field::ImapHost,
    port: Field::ImapPort,
    security: Field::ImapSecurity,
    pin: Field::ImapCertPin,
    port_hint: "Most IMAP ports are 993 (SSL/TLS) or 143 (STARTTLS).",
};

pub const SMTP: Leg = Leg {
    legend: "SMTP (outgoing)",
    host: Field::SmtpHost,
    port: Field::SmtpPort,
    security: Field::SmtpSecurity,
    pin: Field::SmtpCertPin,
    port_hint: "Most SMTP ports are 465 (SSL/TLS), 587 (STARTTLS) or 25.",
};

fn check_pin(v: &str) -> Option<String> {
    match v.trim() {
        "" => None,
        text => domain::CertPin::parse(text).err().map(|e| e.to_string()),
    }
}

#[component]
pub fn ServerFieldset(
    leg: &'static Leg,
    initial: DomainSettingsForm,
    form: RwSignal<DomainSettingsForm>,
    err: impl Fn(Field) -> Signal<Option<String>>,
) -> impl IntoView {
    let mut initial = initial;
    let mut start = |f: Field| leg_value(&mut initial, f).clone();
    let set = move |field: Field| {
        Callback::new(move |v: String| form.update(|f| *leg_value(f, field) = v))
    };
    view! {
        <fieldset>
            <legend>{leg.legend}</legend>
            <TextField id=leg.host.name() name=format!("settings[{}]", leg.host.name())
                label=leg.host.label() value=start(leg.host) error=err(leg.host) check=check_host
                required=true on_value=set(leg.host)/>
            <TextField id=leg.port.name() name=format!("settings[{}]", leg.port.name())
                label=leg.port.label() value=start(leg.port) error=err(leg.port) check=check_port
                inputmode="numeric" required=true hint=leg.port_hint on_value=set(leg.port)/>
            <SecuritySelect id=leg.security.name() name=leg.security.name() label=leg.security.label()
                value=start(leg.security) on_value=set(leg.security) error=err(leg.security)/>
            <TextField id=leg.pin.name() name=format!("settings[{}]", leg.pin.name())
                label=leg.pin.label() value=start(leg.pin) error=err(leg.pin) check=check_pin
                autocomplete="off" on_value=set(leg.pin)
                hint="Set by “Pin this certificate” after a connection test: later tests accept exactly this certificate. Clear it to unpin."/>
        </fieldset>
    }
}

#[component]
fn SecuritySelect(
    id: &'static str,
    name: &'static str,
    label: &'static str,
    value: String,
    on_value: Callback<String>,
    error: Signal<Option<String>>,
) -> impl IntoView {
    let starttls = domain::Security::parse(&value) == Ok(domain::Security::StartTls);
    view! {
        <div class="field" class:invalid=move || error.get().is_some()>
            <label for=id>{label}</label>
            <select id=id name=format!("settings[{name}]") aria-describedby=format!("{id}-error")
                aria-invalid=move || error.get().is_some().to_string()
                on:change=move |ev| on_value.run(event_target_value(&ev))>
                <option value="ssl" selected=!starttls>"SSL/TLS"</option>
                <option value="starttls" selected=starttls>"STARTTLS"</option>
            </select>
            <FieldMessage id=id error/>
        </div>
    }
}
