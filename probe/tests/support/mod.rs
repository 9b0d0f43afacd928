//! Test harness: real Dovecot, Postfix and Courier-IMAP from Debian packages on free loopback
//! ports, certificates generated per run, every server stopped by a drop guard (and swept by
//! pidfile at the next start when a run was killed).
#![allow(dead_code)]

pub mod certs;
pub mod courier;
pub mod dovecot;
pub mod firewall;
pub mod peers;
pub mod postfix;
pub mod proc;

use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use probe::{Credentials, Endpoint, ProbeOptions, ProbeSettings, Security, StaticResolver};

use certs::Certs;
use courier::Courier;
use dovecot::Dovecot;
use postfix::Postfix;
use proc::RunDir;

/// Dovecot + Postfix sharing one run directory. Fields drop in order: Postfix, Dovecot, dir.
pub struct Mail {
    pub postfix: Postfix,
    pub dovecot: Dovecot,
    pub certs: Certs,
    pub dir: RunDir,
}

/// The shared mail servers: started on first use, stopped when the last test holding them ends.
pub fn mail() -> Arc<Mail> {
    static CELL: Mutex<Weak<Mail>> = Mutex::new(Weak::new());
    let mut cell = CELL.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(m) = cell.upgrade() {
        return m;
    }
    let m = Arc::new(Mail::start());
    *cell = Arc::downgrade(&m);
    m
}

impl Mail {
    /// Servers of the caller's own, for a test that reads their logs: no other test's
    /// connections reach them.
    pub fn start() -> Mail {
        Self::start_offering("xoauth2 oauthbearer")
    }

    /// As `start`, offering only `oauth_mechanisms` for access tokens.
    pub fn start_offering(oauth_mechanisms: &str) -> Mail {
        let dir = RunDir::new("mail");
        let certs = Certs::generate(&dir.path().join("certs"));
        let dovecot = Dovecot::start_offering(dir.path(), &certs, 10, oauth_mechanisms);
        let postfix = Postfix::start(dir.path(), &certs, &dovecot);
        Mail {
            postfix,
            dovecot,
            certs,
            dir,
        }
    }
}

/// A Dovecot that allows only 2 IMAP connections per user and IP.
pub struct Limited {
    pub dovecot: Dovecot,
    pub certs: Certs,
    pub dir: RunDir,
}

/// A Dovecot that accepts `max_userip` IMAP connections per user and IP.
pub fn limited(max_userip: u32) -> Limited {
    let dir = RunDir::new(&format!("limited-{max_userip}"));
    let certs = Certs::generate(&dir.path().join("certs"));
    let dovecot = Dovecot::start(dir.path(), &certs, max_userip);
    Limited {
        dovecot,
        certs,
        dir,
    }
}

pub struct CourierRun {
    pub courier: Courier,
    pub certs: Certs,
    pub dir: RunDir,
}

pub fn courier() -> CourierRun {
    let dir = RunDir::new("courier");
    let certs = Certs::generate(&dir.path().join("certs"));
    let courier = Courier::start(dir.path(), &certs);
    CourierRun {
        courier,
        certs,
        dir,
    }
}

fn ip(s: &str) -> IpAddr {
    s.parse().expect("ip")
}

/// Test names mapped to loopback; nothing goes to real DNS.
pub fn resolver() -> StaticResolver {
    use dovecot::*;
    StaticResolver::new()
        .with("mail.test.local", ip(ADDR_GOOD))
        .with("limit.test.local", ip(ADDR_GOOD))
        .with("courier.test.local", ip(ADDR_GOOD))
        .with("plaintext.test.local", ip(ADDR_PLAINTEXT))
        .with("selfsigned.test.local", ip(ADDR_SELF_SIGNED))
        .with("expired.test.local", ip(ADDR_EXPIRED))
        .with("wronghost.test.local", ip(ADDR_WRONG_HOST))
        .with("soon.test.local", ip(ADDR_SOON))
        .with("cnonly.test.local", ip(ADDR_CN_ONLY))
}

/// Options for tests: the test CA trusted, loopback allowlisted, short bounds.
pub fn opts(certs: &Certs) -> ProbeOptions {
    ProbeOptions {
        step_timeout: Duration::from_secs(8),
        overall_budget: Duration::from_secs(40),
        extra_ca_pem: Some(certs.ca_pem.clone()),
        resolver: Arc::new(resolver()),
        allowlist: vec!["127.0.0.0/8".parse().expect("cidr")],
        round_trip_wait: Duration::from_secs(10),
        ..ProbeOptions::default()
    }
}

pub fn creds() -> Credentials {
    Credentials::new(dovecot::USER, None, dovecot::PASSWORD)
}

pub fn settings(imap: (&str, u16, Security), smtp: (&str, u16, Security)) -> ProbeSettings {
    ProbeSettings {
        imap: Endpoint::new(imap.0, imap.1, imap.2),
        smtp: Endpoint::new(smtp.0, smtp.1, smtp.2),
        allow_non_secure_certificate: false,
    }
}

/// Settings for the shared servers: IMAPS + SMTPS on mail.test.local.
pub fn good(m: &Mail) -> ProbeSettings {
    settings(
        ("mail.test.local", m.dovecot.imaps, Security::SslTls),
        ("mail.test.local", m.postfix.smtps, Security::SslTls),
    )
}

/// The report, pretty-printed for assertion messages.
pub fn show(r: &probe::ProbeReport) -> String {
    serde_json::to_string_pretty(r).unwrap_or_default()
}

/// Where and why the probe failed; panics (showing the report) when it passed.
pub fn verdict(r: &probe::ProbeReport) -> (probe::StepName, probe::Category, probe::DetailCode) {
    let v = r
        .verdict
        .as_ref()
        .unwrap_or_else(|| panic!("expected a failed verdict: {}", show(r)));
    (v.failed_step, v.category, v.detail_code)
}
