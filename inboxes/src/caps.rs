//! The cap on checks at once against one mail server host, so a customer's fail2ban never sees
//! a burst from us.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use domain::DomainSettings;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// One semaphore per mail server host name.
#[derive(Debug, Default)]
pub struct ServerCaps {
    per_host: usize,
    hosts: Mutex<HashMap<String, Arc<Semaphore>>>,
}

impl ServerCaps {
    pub fn new(per_host: usize) -> Self {
        Self {
            per_host: per_host.max(1),
            hosts: Mutex::default(),
        }
    }

    /// Waits for a slot on every host of `settings` (in name order, so two checks never wait
    /// on each other).
    pub async fn acquire(&self, settings: &DomainSettings) -> Vec<OwnedSemaphorePermit> {
        let mut hosts = vec![
            settings.imap_host.to_string().to_lowercase(),
            settings.smtp_host.to_string().to_lowercase(),
        ];
        hosts.sort();
        hosts.dedup();
        let mut permits = Vec::new();
        for host in hosts {
            let sem = {
                let mut map = self.hosts.lock().unwrap_or_else(PoisonError::into_inner);
                Arc::clone(
                    map.entry(host)
                        .or_insert_with(|| Arc::new(Semaphore::new(self.per_host))),
                )
            };
            if let Ok(p) = sem.acquire_owned().await {
                permits.push(p);
            }
        }
        permits
    }
}
