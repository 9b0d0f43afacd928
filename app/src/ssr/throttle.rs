//! Login throttling: after `max_failures` consecutive failures for the same account or from the
//! same client address, further attempts are refused for a lock-out that doubles each time.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    pub max_failures: u32,
    pub first_lockout: Duration,
    pub max_lockout: Duration,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            max_failures: 5,
            first_lockout: Duration::from_secs(30),
            max_lockout: Duration::from_secs(15 * 60),
        }
    }
}

#[derive(Debug, Default)]
struct Record {
    failures: u32,
    locked_until: Option<Instant>,
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    policy: ThrottlePolicy,
    records: Mutex<HashMap<String, Record>>,
}

impl LoginThrottle {
    pub fn new(policy: ThrottlePolicy) -> Self {
        Self {
            policy,
            records: Mutex::default(),
        }
    }

    fn keys(email: &str, ip: Option<&str>) -> Vec<String> {
        let mut keys = vec![format!("account:{}", email.trim().to_lowercase())];
        if let Some(ip) = ip {
            keys.push(format!("ip:{ip}"));
        }
        keys
    }

    /// `Err(seconds)` while the account or the address is locked out.
    pub fn check(&self, email: &str, ip: Option<&str>) -> Result<(), u64> {
        let now = Instant::now();
        let Ok(records) = self.records.lock() else {
            return Ok(());
        };
        let wait = Self::keys(email, ip)
            .iter()
            .filter_map(|k| records.get(k)?.locked_until)
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max();
        match wait {
            Some(wait) => Err(wait.as_secs().max(1)),
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, email: &str, ip: Option<&str>) {
        let now = Instant::now();
        let Ok(mut records) = self.records.lock() else {
            return;
        };
        for key in Self::keys(email, ip) {
            let record = records.entry(key).or_default();
            record.failures += 1;
            if record.failures >= self.policy.max_failures {
                let doublings = (record.failures - self.policy.max_failures).min(16);
                let lockout = self
                    .policy
                    .first_lockout
                    .saturating_mul(1 << doublings)
                    .min(self.policy.max_lockout);
                record.locked_until = Some(now + lockout);
            }
        }
    }

    pub fn record_success(&self, email: &str, ip: Option<&str>) {
        if let Ok(mut records) = self.records.lock() {
            for key in Self::keys(email, ip) {
                records.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn throttle() -> LoginThrottle {
        LoginThrottle::new(ThrottlePolicy {
            max_failures: 3,
            first_lockout: Duration::from_secs(30),
            max_lockout: Duration::from_secs(120),
        })
    }

    #[test]
    fn locks_after_max_failures_and_success_resets() {
        let t = throttle();
        for _ in 0..2 {
            t.record_failure("a@example.org", Some("10.0.0.1"));
            assert_eq!(t.check("a@example.org", Some("10.0.0.1")), Ok(()));
        }
        t.record_failure("a@example.org", Some("10.0.0.1"));
        let wait = t.check("A@example.org", Some("10.0.0.9")).unwrap_err();
        assert!((29..=30).contains(&wait), "{wait}");
        // the address is locked for other accounts too
        assert!(t.check("b@example.org", Some("10.0.0.1")).is_err());
        t.record_success("a@example.org", Some("10.0.0.1"));
        assert_eq!(t.check("a@example.org", Some("10.0.0.1")), Ok(()));
    }

    #[test]
    fn lockout_doubles_up_to_the_cap() {
        let t = throttle();
        for _ in 0..4 {
            t.record_failure("a@example.org", None);
        }
        assert!((59..=60).contains(&t.check("a@example.org", None).unwrap_err()));
        for _ in 0..10 {
            t.record_failure("a@example.org", None);
        }
        assert!((119..=120).contains(&t.check("a@example.org", None).unwrap_err()));
    }
}
