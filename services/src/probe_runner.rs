//! Runs connection tests in the background: each probe gets a stored record when it starts,
//! its steps are kept in memory as they finish (for live progress), and its redacted report is
//! stored when it ends.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use domain::DomainSettings;
use inboxes::probe_settings;
use ipnet::IpNet;
use probe::{Credentials, Nat64Prefix, ProbeOptions, ProbeReport, StaticEgress, StepReport};
use sea_orm::DatabaseConnection;

/// What the operator configures for probes started from the web app.
#[derive(Clone, Debug)]
pub struct ProbeConfig {
    /// Private, loopback … ranges the probe may reach anyway (the SSRF guard refuses them).
    pub allowlist: Vec<IpNet>,
    /// The network's NAT64 prefixes: addresses under them are judged as the IPv4 they embed.
    pub nat64_prefixes: Vec<Nat64Prefix>,
    /// PEM roots trusted in addition to the system's.
    pub extra_ca_pem: Option<String>,
    pub step_timeout: Duration,
    pub overall_budget: Duration,
    /// Where the test email goes; by default the tested mailbox itself.
    pub test_recipient: Option<String>,
    /// Probes one admin may start per minute.
    pub per_minute: usize,
    /// The ranges connections leave from for domains with *Use static IP addresses* on
    /// (MAILSETTINGS_STATIC_EGRESS).
    pub static_egress: Vec<IpNet>,
}

impl Default for ProbeConfig {
    fn default() -> Self {
        Self {
            allowlist: Vec::new(),
            nat64_prefixes: vec![Nat64Prefix::WELL_KNOWN],
            extra_ca_pem: None,
            step_timeout: Duration::from_secs(probe::defaults::STEP_TIMEOUT_SECS),
            overall_budget: Duration::from_secs(probe::defaults::OVERALL_BUDGET_SECS),
            test_recipient: None,
            per_minute: 5,
            static_egress: Vec::new(),
        }
    }
}

/// What to do with a finished probe's report before it is stored.
pub type AfterProbe = Box<
    dyn FnOnce(&ProbeReport) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>
        + Send,
>;

#[derive(Debug)]
pub struct ProbeRunner {
    config: ProbeConfig,
    /// Shared by every probe, so successive connections are spread over the addresses.
    egress: Arc<StaticEgress>,
    /// When the static ranges were loaded (the connection-IP feed's `createDate`).
    egress_loaded_at: DateTime<Utc>,
    live: Mutex<HashMap<i32, Vec<StepReport>>>,
    /// Told each finished test's verdict category (`None`: passed), for the server's metrics.
    on_finished: fn(Option<&str>),
}

impl ProbeRunner {
    pub fn new(config: ProbeConfig) -> Self {
        Self {
            egress: Arc::new(StaticEgress::new(config.static_egress.clone())),
            egress_loaded_at: Utc::now(),
            config,
            live: Mutex::default(),
            on_finished: |_| {},
        }
    }

    /// Calls `count` with each finished test's verdict category (`None`: passed).
    pub fn counting_with(mut self, count: fn(Option<&str>)) -> Self {
        self.on_finished = count;
        self
    }

    pub fn egress(&self) -> &StaticEgress {
        &self.egress
    }

    pub fn egress_loaded_at(&self) -> DateTime<Utc> {
        self.egress_loaded_at
    }

    pub fn per_minute(&self) -> usize {
        self.config.per_minute
    }

    /// The steps finished so far, while the probe runs; `None` once it has ended.
    pub fn live_steps(&self, record_id: i32) -> Option<Vec<StepReport>> {
        self.live.lock().ok()?.get(&record_id).cloned()
    }

    pub fn spawn(
        self: &Arc<Self>,
        db: DatabaseConnection,
        (record_id, actor): (i32, storage::Actor),
        settings: &DomainSettings,
        credentials: Credentials,
    ) -> tokio::task::JoinHandle<()> {
        self.spawn_then(
            db,
            (record_id, actor),
            settings,
            credentials,
            Box::new(|_| Box::pin(async {})),
        )
    }

    /// Like `spawn`, running `then` with the report before it is stored (so whoever reads the
    /// finished report also sees what `then` did).
    /// `actor` started the probe (its "Connection test" event names them).
    pub fn spawn_then(
        self: &Arc<Self>,
        db: DatabaseConnection,
        (record_id, actor): (i32, storage::Actor),
        settings: &DomainSettings,
        credentials: Credentials,
        then: AfterProbe,
    ) -> tokio::task::JoinHandle<()> {
        let runner = Arc::clone(self);
        let target = probe_settings(settings);
        if let Ok(mut live) = self.live.lock() {
            live.insert(record_id, Vec::new());
        }
        let options = runner.options_for(settings.use_static_ips);
        tokio::spawn(async move {
            let report = probe::probe(&target, &credentials, &options, |step| {
                if let Ok(mut live) = runner.live.lock() {
                    live.entry(record_id).or_default().push(step.clone());
                }
            })
            .await;
            then(&report).await;
            let category = report.category().map(|c| c.as_str());
            (runner.on_finished)(category);
            let stored = match serde_json::to_string(&report) {
                Ok(json) => {
                    storage::finish_probe_record(&db, record_id, &actor, report.ok, category, &json)
                        .await
                }
                Err(e) => Err(storage::StorageError::Corrupt(e.to_string())),
            };
            if let Err(e) = stored {
                tracing::error!(record_id, error = %e, "could not store the probe report");
            }
            tracing::info!(
                record_id,
                ok = report.ok,
                ?category,
                ms = report.total_ms,
                "probe finished"
            );
            if let Ok(mut live) = runner.live.lock() {
                live.remove(&record_id);
            }
        })
    }

    /// The engine's options; `static_ips` binds every connection to a static address.
    pub fn options_for(&self, static_ips: bool) -> ProbeOptions {
        ProbeOptions {
            static_egress: static_ips.then(|| Arc::clone(&self.egress)),
            step_timeout: self.config.step_timeout,
            overall_budget: self.config.overall_budget,
            extra_ca_pem: self.config.extra_ca_pem.clone(),
            allowlist: self.config.allowlist.clone(),
            nat64_prefixes: self.config.nat64_prefixes.clone(),
            test_recipient: self.config.test_recipient.clone(),
            ..ProbeOptions::default()
        }
    }
}
