//! Pinning the certificate a connection test saw on one leg (IMAP or SMTP) of a saved domain.
//! Only a finished test run for this domain, against the host and port the leg has now, whose
//! leg presented a certificate, can be pinned.

use domain::{CertPin, DomainSettings, Field, FieldErrors, Hostname, Port};
use probe::{ProbeReport, StepName};
use storage::{Actor, StorageError, StoredDomain};

use crate::ServiceError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Leg {
    Imap,
    Smtp,
}

impl Leg {
    fn parse(leg: &str) -> Result<Self, ServiceError> {
        match leg {
            "imap" => Ok(Leg::Imap),
            "smtp" => Ok(Leg::Smtp),
            _ => Err(refusal("Choose the IMAP or the SMTP certificate.")),
        }
    }

    fn label(self) -> &'static str {
        match self {
            Leg::Imap => "IMAP",
            Leg::Smtp => "SMTP",
        }
    }

    fn connect_step(self) -> StepName {
        match self {
            Leg::Imap => StepName::ImapConnect,
            Leg::Smtp => StepName::SmtpConnect,
        }
    }

    fn server(self, s: &DomainSettings) -> (&Hostname, Port) {
        match self {
            Leg::Imap => (&s.imap_host, s.imap_port),
            Leg::Smtp => (&s.smtp_host, s.smtp_port),
        }
    }

    fn pin(self, s: &DomainSettings) -> Option<&CertPin> {
        match self {
            Leg::Imap => s.imap_cert_pin.as_ref(),
            Leg::Smtp => s.smtp_cert_pin.as_ref(),
        }
    }

    fn field(self) -> Field {
        match self {
            Leg::Imap => Field::ImapCertPin,
            Leg::Smtp => Field::SmtpCertPin,
        }
    }

    fn set_pin(self, s: &mut DomainSettings, pin: CertPin) {
        match self {
            Leg::Imap => s.imap_cert_pin = Some(pin),
            Leg::Smtp => s.smtp_cert_pin = Some(pin),
        }
    }
}

fn refusal(message: impl Into<String>) -> ServiceError {
    ServiceError::general(message)
}

/// Pins the certificate probe `probe_id` saw on `leg` into domain `domain_id` at `version`.
pub async fn pin_certificate(
    db: &storage::DatabaseConnection,
    actor: &Actor,
    domain_id: i32,
    version: i32,
    probe_id: i32,
    leg: &str,
) -> Result<StoredDomain, ServiceError> {
    let leg = Leg::parse(leg)?;
    let (probe, report) = finished_test_of(db, domain_id, probe_id).await?;
    let stored = storage::get_domain(db, domain_id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let fingerprint = pinnable_fingerprint(&probe, &report, &stored, leg)?;
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    let pin = CertPin::new(fingerprint, &today).map_err(|e| refusal(e.to_string()))?;
    let mut settings = stored.settings;
    leg.set_pin(&mut settings, pin);
    match storage::update_domain(db, actor, domain_id, version, settings).await {
        Ok(saved) => Ok(saved),
        Err(StorageError::Conflict { .. }) => Err(refusal(
            "Someone else changed these settings since you opened them: reload, test again \
             and then pin.",
        )),
        Err(e) => Err(ServiceError::from(e)),
    }
}

/// Connection test `probe_id` of domain `domain_id`, finished, with its report.
async fn finished_test_of(
    db: &storage::DatabaseConnection,
    domain_id: i32,
    probe_id: i32,
) -> Result<(storage::StoredProbe, ProbeReport), ServiceError> {
    let probe = storage::get_probe(db, probe_id)
        .await?
        .ok_or_else(|| refusal("That connection test does not exist."))?;
    if probe.domain_id != Some(domain_id) {
        return Err(refusal(
            "That connection test was not run for this domain: run one from this panel.",
        ));
    }
    let report: ProbeReport = probe
        .report
        .as_deref()
        .and_then(|json| serde_json::from_str(json).ok())
        .ok_or_else(|| refusal("That connection test has not finished."))?;
    Ok((probe, report))
}

/// The certificate fingerprint the test saw on `leg`, if it may be pinned: the test reached
/// the server the domain now names, was an admin's, and passed that leg's connect step.
fn pinnable_fingerprint<'a>(
    probe: &storage::StoredProbe,
    report: &'a ProbeReport,
    stored: &StoredDomain,
    leg: Leg,
) -> Result<&'a str, ServiceError> {
    let (tested_host, tested_port) = leg.server(&probe.settings);
    let (host, port) = leg.server(&stored.settings);
    if tested_host != host || tested_port != port {
        return Err(refusal(format!(
            "That connection test reached the {} server {tested_host}:{tested_port}, but the \
             domain's {} server is now {host}:{port}: test the saved settings, then pin.",
            leg.label(),
            leg.label(),
        )));
    }
    let fingerprint = report
        .step(leg.connect_step())
        .and_then(|s| s.tls.as_ref())
        .and_then(|t| t.sha256_fingerprint.as_deref())
        .ok_or_else(|| {
            refusal(format!(
                "That connection test saw no {} certificate to pin.",
                leg.label()
            ))
        })?;
    if !probe.by_admin || !connected(report, leg) {
        return Err(refusal(format!(
            "Only a certificate that passed the {} connect step of a connection test run from \
             this panel can be pinned (for a self-signed certificate, turn on Allow non-secure \
             certificate for the test).",
            leg.label()
        )));
    }
    Ok(fingerprint)
}

/// Connection tests a new pin is looked for in (the domain's latest).
const TESTS_SEARCHED: u64 = 50;

/// The pins in `settings` that `saved` does not have and that no admin's connection test of
/// this domain saw on a passing connect step of that leg, one message per field. Stored
/// passwords trust a pinned certificate instead of the usual checks, so a pin must come from a
/// test.
pub async fn unvouched_pins(
    db: &storage::DatabaseConnection,
    domain_id: Option<i32>,
    saved: Option<&DomainSettings>,
    settings: &DomainSettings,
) -> Result<FieldErrors, ServiceError> {
    let mut errors = FieldErrors::new();
    let mut tests = None;
    for leg in [Leg::Imap, Leg::Smtp] {
        let Some(pin) = leg.pin(settings) else {
            continue;
        };
        // Whoever holds the pinned certificate's key is the same server wherever it answers:
        // a pin the domain already had stays vouched for when the host moves.
        if saved.is_some_and(|s| leg.pin(s) == Some(pin)) {
            continue;
        }
        if tests.is_none() {
            tests = Some(match domain_id {
                Some(id) => storage::domain_probes(db, id, TESTS_SEARCHED).await?,
                None => Vec::new(),
            });
        }
        let seen = tests
            .iter()
            .flatten()
            .any(|t| t.by_admin && saw_certificate(t, leg, pin));
        if !seen {
            errors.insert(
                leg.field(),
                format!(
                    "No passing connection test of this domain saw this {} certificate: run \
                     Test connection on the saved domain, then Pin this certificate.",
                    leg.label()
                ),
            );
        }
    }
    Ok(errors)
}

/// Whether the leg's connect step passed: the certificate was accepted (a wrong password later
/// says nothing against it).
fn connected(report: &ProbeReport, leg: Leg) -> bool {
    report
        .step(leg.connect_step())
        .is_some_and(|s| s.outcome == probe::Outcome::Passed)
}

/// Whether `test` connected to the leg and saw exactly the pinned certificate.
fn saw_certificate(test: &storage::StoredProbe, leg: Leg, pin: &CertPin) -> bool {
    let Some(report) = test
        .report
        .as_deref()
        .and_then(|json| serde_json::from_str::<ProbeReport>(json).ok())
    else {
        return false;
    };
    connected(&report, leg)
        && report
            .step(leg.connect_step())
            .and_then(|s| s.tls.as_ref())
            .and_then(|t| t.sha256_fingerprint.as_deref())
            .and_then(|fp| CertPin::new(fp, pin.pinned_on()).ok())
            .is_some_and(|seen| seen.fingerprint() == pin.fingerprint())
}
