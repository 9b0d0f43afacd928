//! How `server probe` prints: human-readable steps as they finish and a verdict, or one JSON
//! object for scripts.

use std::io::Write;

use probe::{
    Credentials, Endpoint, Outcome, ProbeReport, ProbeSettings, Security, StaticEgress, StepReport,
};
use serde::Serialize;

/// Writes to stdout; a closed pipe (`| head`) is not worth a panic.
fn out(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}

/// The stable snake_case code of a serialized enum (detail code, field, ...).
fn code<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::from("?"),
    }
}

fn server(ep: &Endpoint) -> String {
    let security = match ep.security {
        Security::SslTls => "SSL/TLS",
        Security::StartTls => "STARTTLS",
    };
    if ep.host.contains(':') {
        format!("[{}]:{} ({security})", ep.host, ep.port)
    } else {
        format!("{}:{} ({security})", ep.host, ep.port)
    }
}

pub fn header(settings: &ProbeSettings, creds: &Credentials, egress: Option<&StaticEgress>) {
    let from = egress
        .map(|e| format!(", from the static addresses {}", e.ranges_text()))
        .unwrap_or_default();
    out(&format!(
        "Probing IMAP {} and SMTP {} as {}{from}\n",
        server(&settings.imap),
        server(&settings.smtp),
        creds.login_name()
    ));
}

/// One step as it finishes: name, outcome, time, then what the server showed.
pub fn step(step: &StepReport) {
    let outcome = match step.outcome {
        Outcome::Passed => "passed",
        Outcome::Failed => "FAILED",
        Outcome::Skipped => "skipped",
    };
    let from = step
        .source
        .as_ref()
        .map(|ip| format!("  from {ip}"))
        .unwrap_or_default();
    let mut text = format!(
        "{:<13} {:<8} {:>6} ms{from}\n",
        step.name.as_str(),
        outcome,
        step.elapsed_ms
    );
    let mut line = |label: &str, value: &str| text.push_str(&format!("    {label:<12} {value}\n"));
    if let Some(g) = &step.evidence.greeting {
        line("greeting", g);
    }
    if let Some(tls) = &step.tls {
        tls_lines(tls, &mut line);
    }
    for note in &step.evidence.notes {
        line("note", note);
    }
    if let Some(f) = &step.failure {
        line(
            "failure",
            &format!(
                "{} [{}/{}]",
                f.category.title(),
                f.category.as_str(),
                code(&f.detail_code)
            ),
        );
        line("cause", &f.detail);
    }
    if let Some(l) = &step.evidence.failing_line {
        line("server said", l);
    }
    out(&text);
}

/// What the step saw of the server's certificate and TLS session.
fn tls_lines(tls: &probe::TlsFacts, line: &mut impl FnMut(&str, &str)) {
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    if tls.version.is_some() {
        line(
            "TLS",
            &format!("{} {}", or_dash(&tls.version), or_dash(&tls.cipher)),
        );
    }
    line("subject", &or_dash(&tls.subject));
    line("SANs", &tls.sans.join(", "));
    line("issuer", &or_dash(&tls.issuer));
    line("expires", &or_dash(&tls.not_after));
    line("SHA-256", &or_dash(&tls.sha256_fingerprint));
    if let Some(why) = &tls.accepted_despite {
        line("accepted", &format!("despite: {why}"));
    }
    for w in &tls.warnings {
        line("WARNING", w);
    }
}

/// The verdict after the steps: the category, the cause, the field and what to do.
pub fn summary(report: &ProbeReport) {
    let Some(v) = &report.verdict else {
        out(&format!(
            "\nOK: all {} steps passed in {} ms\n",
            report.steps.len(),
            report.total_ms
        ));
        return;
    };
    let mut text = format!(
        "\nFAILED at {} after {} ms: {} [{}/{}]\n  {}\n",
        v.failed_step.as_str(),
        report.total_ms,
        v.title,
        v.category.as_str(),
        code(&v.detail_code),
        v.detail
    );
    if let Some(field) = &v.field {
        text.push_str(&format!("  Field at fault: {}\n", code(field)));
    }
    text.push_str("What to do:\n");
    for r in &v.remediation {
        text.push_str(&format!("  - {r}\n"));
    }
    out(&text);
}

/// The whole report as one JSON object on one line: the verdict's fields at the top level
/// (null when ok) and every step with its evidence and TLS facts.
pub fn json(report: &ProbeReport) {
    let v = report.verdict.as_ref();
    let object = serde_json::json!({
        "ok": report.ok,
        "category": v.map(|v| v.category),
        "title": v.map(|v| &v.title),
        "detail_code": v.map(|v| v.detail_code),
        "detail": v.map(|v| &v.detail),
        "field": v.and_then(|v| v.field),
        "failed_step": v.map(|v| v.failed_step),
        "remediation": v.map(|v| v.remediation.clone()).unwrap_or_default(),
        "total_ms": report.total_ms,
        "steps": report.steps,
    });
    out(&format!("{object}\n"));
}
