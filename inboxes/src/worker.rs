//! The background worker: expands new revalidation jobs, claims their items (canary first)
//! and due periodic checks, and runs the checks with a global limit and a per-server cap, so
//! a customer's fail2ban never sees a burst from us. Every check is bounded by the probe's
//! overall budget; a claim's lease outlives it, so a dead worker's items are taken over.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use probe::ProbeOptions;
use storage::{ClaimedItem, DatabaseConnection, ItemOutcome, StorageError};
use tokio::sync::{watch, Notify, Semaphore};
use tokio::task::JoinSet;

use crate::caps::ServerCaps;
use crate::check::check_inbox;
use crate::policy::{decide, CheckKind, PeriodicPolicy};
use crate::vault::Vault;

/// The engine's options for a domain: `true` when it uses static IP addresses.
pub type OptionsFor = Arc<dyn Fn(bool) -> ProbeOptions + Send + Sync>;

#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// This worker's name in its claims (unique per process).
    pub id: String,
    /// Checks at once, over all servers.
    pub concurrency: usize,
    /// Checks at once against one mail server host (each holds up to two connections).
    pub per_server: usize,
    /// How long a claim is held; longer than any check can take.
    pub lease: Duration,
    /// How often to look for work when nothing wakes the worker.
    pub poll: Duration,
    pub periodic: PeriodicPolicy,
    /// On shutdown, how long running checks may finish before the rest are handed back.
    pub shutdown_grace: Duration,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            id: format!("worker-{}-{}", std::process::id(), rand_suffix()),
            concurrency: 16,
            per_server: 4,
            lease: Duration::from_secs(600),
            poll: Duration::from_secs(2),
            periodic: PeriodicPolicy::default(),
            shutdown_grace: Duration::from_secs(20),
        }
    }
}

fn rand_suffix() -> u32 {
    rand::random()
}

pub struct Worker {
    db: DatabaseConnection,
    vault: Arc<Vault>,
    options: OptionsFor,
    config: WorkerConfig,
    caps: Arc<ServerCaps>,
    slots: Arc<Semaphore>,
    wake: Notify,
    stop: watch::Sender<bool>,
    /// Periodic checks claimed and not yet recorded, with their lease (handed back on stop).
    periodic_held: Mutex<HashMap<i32, DateTime<Utc>>>,
}

impl Worker {
    pub fn new(
        db: DatabaseConnection,
        vault: Arc<Vault>,
        options: OptionsFor,
        config: WorkerConfig,
    ) -> Arc<Self> {
        Arc::new(Self {
            caps: Arc::new(ServerCaps::new(config.per_server)),
            slots: Arc::new(Semaphore::new(config.concurrency.max(1))),
            db,
            vault,
            options,
            config,
            wake: Notify::new(),
            stop: watch::channel(false).0,
            periodic_held: Mutex::default(),
        })
    }

    /// When a newly connected inbox gets its first periodic check.
    pub fn next_check(&self) -> chrono::DateTime<Utc> {
        self.config.periodic.next_check(Utc::now())
    }

    pub fn caps(&self) -> &Arc<ServerCaps> {
        &self.caps
    }

    /// Looks for work now (after a domain change) instead of at the next poll.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Runs until [`Worker::stop`] (then finishes or hands back its checks and ends) or until
    /// the task is aborted (claims left behind expire and are taken over by the next worker).
    pub fn spawn(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        let mut stop = self.stop.subscribe();
        tokio::spawn(async move {
            let mut running = JoinSet::new();
            while !*stop.borrow() {
                if let Err(e) = me.dispatch(&mut running).await {
                    tracing::warn!(error = %e, "revalidation worker: could not claim work");
                }
                while running.try_join_next().is_some() {}
                tokio::select! {
                    _ = me.wake.notified() => {}
                    _ = stop.changed() => {}
                    _ = tokio::time::sleep(me.config.poll) => {}
                    Some(_) = running.join_next(), if !running.is_empty() => {}
                }
            }
            me.wind_down(running).await;
        })
    }

    /// Asks the spawned worker to stop claiming, finish what it runs within the grace period
    /// and hand the rest back; await its task to know when it has.
    pub fn stop(&self) {
        self.stop.send_replace(true);
    }

    async fn wind_down(&self, mut running: JoinSet<()>) {
        let finishing = running.len();
        let finished = tokio::time::timeout(self.config.shutdown_grace, async {
            while running.join_next().await.is_some() {}
        })
        .await
        .is_ok();
        running.abort_all();
        while running.join_next().await.is_some() {}
        match storage::release_claims(&self.db, &self.config.id).await {
            Ok(handed_back) => tracing::info!(
                finishing,
                finished,
                handed_back,
                "revalidation worker stopped"
            ),
            Err(e) => {
                tracing::error!(error = %e, "could not hand back claims; their leases will lapse")
            }
        }
        self.release_periodic().await;
    }

    /// Hands back the periodic checks that were cancelled, so they are due again at once.
    async fn release_periodic(&self) {
        let held = std::mem::take(&mut *self.held());
        let mut by_lease: HashMap<DateTime<Utc>, Vec<i32>> = HashMap::new();
        for (id, lease) in held {
            by_lease.entry(lease).or_default().push(id);
        }
        for (lease, ids) in by_lease {
            match storage::release_periodic_claims(&self.db, &ids, lease).await {
                Ok(n) => tracing::info!(handed_back = n, "periodic checks handed back"),
                Err(e) => {
                    tracing::error!(error = %e, "could not hand back periodic checks; their leases will lapse")
                }
            }
        }
    }

    fn held(&self) -> std::sync::MutexGuard<'_, HashMap<i32, DateTime<Utc>>> {
        self.periodic_held
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims what fits in the free slots and starts it. Returns how many checks started.
    async fn dispatch(self: &Arc<Self>, running: &mut JoinSet<()>) -> Result<usize, StorageError> {
        storage::expand_jobs(&self.db).await?;
        // To the microsecond, as the database keeps it: a hand-back matches the stored lease.
        let lease_until = (Utc::now()
            + chrono::Duration::from_std(self.config.lease).unwrap_or(chrono::Duration::hours(1)))
        .trunc_subsecs(6);
        let free = self.slots.available_permits() as u64;
        let items = storage::claim_items(&self.db, &self.config.id, lease_until, free).await?;
        let mut started = items.len();
        for item in items {
            let Ok(slot) = Arc::clone(&self.slots).acquire_owned().await else {
                break;
            };
            let me = Arc::clone(self);
            running.spawn(async move {
                me.revalidate(item).await;
                drop(slot);
            });
        }
        let free = self.slots.available_permits() as u64;
        if free > 0 {
            let due = storage::claim_due_inboxes(&self.db, lease_until, free).await?;
            started += due.len();
            self.held().extend(due.iter().map(|id| (*id, lease_until)));
            for id in due {
                let Ok(slot) = Arc::clone(&self.slots).acquire_owned().await else {
                    break;
                };
                let me = Arc::clone(self);
                running.spawn(async move {
                    me.periodic(id).await;
                    drop(slot);
                });
            }
        }
        Ok(started)
    }

    /// Runs everything that is claimable now to the end (tests and the benchmark).
    pub async fn drain(self: &Arc<Self>) -> Result<(), StorageError> {
        let mut running = JoinSet::new();
        loop {
            let started = self.dispatch(&mut running).await?;
            if started == 0 && running.is_empty() {
                return Ok(());
            }
            running.join_next().await;
        }
    }

    async fn revalidate(&self, item: ClaimedItem) {
        let outcome = match self.check(item.inbox_id, CheckKind::AfterChange).await {
            Ok(Checked::Done(d)) => ItemOutcome {
                result: d.result,
                category: d.category,
                pause: if item.canary { d.pause } else { None },
            },
            Ok(Checked::Gone) => return, // inbox removed; the lease lapses harmlessly
            Ok(Checked::Held) => {
                // A running job's hosts were approved when it started: only a change made
                // outside the app gets here. The lease lapses and the item is tried again.
                tracing::error!(
                    job = item.job_id,
                    inbox = item.inbox_id,
                    "revalidation held: the domain's hosts are not approved"
                );
                return;
            }
            Err(e) => {
                tracing::error!(job = item.job_id, inbox = item.inbox_id, error = %e, "revalidation check failed");
                return;
            }
        };
        match storage::finish_item(&self.db, &self.config.id, item, &outcome).await {
            Ok(true) => {}
            Ok(false) => tracing::warn!(job = item.job_id, inbox = item.inbox_id, "claim lost"),
            Err(e) => tracing::error!(job = item.job_id, error = %e, "could not store a check"),
        }
    }

    async fn periodic(&self, id: i32) {
        match self.check(id, CheckKind::Periodic).await {
            Ok(Checked::Done(d)) => {
                if let Err(e) = storage::record_check(&self.db, id, &d.result).await {
                    tracing::error!(inbox = id, error = %e, "could not store a periodic check");
                }
            }
            Ok(Checked::Gone) => {}
            Ok(Checked::Held) => {
                let next = self.config.periodic.next_check(Utc::now());
                if let Err(e) = storage::postpone_check(&self.db, id, next).await {
                    tracing::error!(inbox = id, error = %e, "could not postpone a held check");
                }
            }
            Err(e) => tracing::error!(inbox = id, error = %e, "periodic check failed"),
        }
        self.held().remove(&id);
    }

    /// Checks one inbox with its current settings under the server cap.
    async fn check(
        &self,
        id: i32,
        kind: CheckKind,
    ) -> Result<Checked, Box<dyn std::error::Error + Send + Sync>> {
        let found = match storage::inbox_secret(&self.db, id).await {
            Ok(s) => s,
            Err(StorageError::NotFound) => return Ok(Checked::Gone),
            Err(e) => return Err(e.into()),
        };
        let settings = found.inbox.settings.clone();
        if let Some(domain_id) = found.inbox.domain_id {
            if !storage::hosts_approved(&self.db, domain_id, &settings).await? {
                tracing::info!(
                    inbox = id,
                    "check held: the domain's new hosts wait for a super admin"
                );
                return Ok(Checked::Held);
            }
        }
        let options = (self.options)(settings.use_static_ips);
        let _permits = self.caps.acquire(&settings).await;
        let check = check_inbox(
            &self.vault,
            &found.inbox,
            &found.secret,
            &settings,
            &options,
        )
        .await?;
        let decision = decide(
            &found.inbox,
            &check,
            kind,
            &self.config.periodic,
            Utc::now(),
        );
        tracing::info!(inbox = id, ok = check.ok(), ?kind, category = ?decision.category, "inbox checked");
        Ok(Checked::Done(decision))
    }
}

/// What came of looking at one inbox.
enum Checked {
    Done(crate::Decision),
    /// The inbox was removed.
    Gone,
    /// Its domain's hosts wait for a super admin: no stored password was sent.
    Held,
}
