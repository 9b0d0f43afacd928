//! Logging in under throttling that holds (policy in the README, "Login throttling").
//!
//! Every attempt is counted against the client's network and against the account *before* the
//! password is checked, in one database transaction (`storage::begin_login_attempt`), so a burst of
//! parallel guesses gets exactly the allowed number of password checks, and several server
//! processes share the counters. The account is the key, not the typed text: every spelling
//! that logs into the account counts against it. Addresses with no account are counted too,
//! under a hash, so throttling does not reveal which accounts exist. A success clears the
//! account's counter and takes back its own count from the network's, nothing more.

use std::net::IpAddr;

use chrono::Duration;
use sha2::{Digest, Sha256};
use storage::{LockPolicy, ThrottleKey, UserAccount};

use crate::ServiceError;

#[derive(Clone, Debug)]
pub struct ThrottlePolicy {
    /// Per account (or unknown address): short, so its owner is never locked out for long.
    pub account: LockPolicy,
    /// Per client network (IPv4 address, IPv6 /64): the limit that dominates.
    pub network: LockPolicy,
    /// A network the account logged in from within this time is exempt from the account lock
    /// (its attempts still count, and its own network limit still applies).
    pub known_network_for: Duration,
    /// Above this many rows, networks without a counter of their own share one, so the
    /// throttle's storage stays bounded whatever is sent.
    pub max_rows: u64,
}

impl Default for ThrottlePolicy {
    fn default() -> Self {
        Self {
            account: LockPolicy {
                max_failures: 5,
                first_lockout: Duration::seconds(30),
                max_lockout: Duration::minutes(5),
                forget_after: Duration::hours(1),
            },
            network: LockPolicy {
                max_failures: 10,
                first_lockout: Duration::minutes(1),
                max_lockout: Duration::hours(1),
                forget_after: Duration::hours(1),
            },
            known_network_for: Duration::days(30),
            max_rows: 100_000,
        }
    }
}

/// A login as typed: `typed_email` is whatever was typed.
pub struct LoginRequest<'a> {
    pub typed_email: &'a str,
    pub password: &'a str,
    pub ip: IpAddr,
    /// Recorded with refusals and failures (at most 256 characters).
    pub user_agent: Option<String>,
}

/// The counter an attempt is charged to besides its network's.
enum AccountCounter {
    Account(i32),
    /// Addresses without an account share 65,536 counters: bounded, and as slow to guess as
    /// real ones, so throttling does not reveal which accounts exist.
    UnknownAddress {
        bucket: String,
    },
}

impl AccountCounter {
    fn key(&self) -> String {
        match self {
            AccountCounter::Account(id) => format!("account:{id}"),
            AccountCounter::UnknownAddress { bucket } => format!("unknown:{bucket}"),
        }
    }
}

/// What an attempt is counted against, looked up before the password is checked.
struct Counters {
    network: ThrottleKey,
    account: Option<AccountCounter>,
    /// Marks the account's logins from this network (exempt from the account lock).
    known_marker: Option<String>,
    known_network: bool,
}

impl Counters {
    fn keys(&self, policy: &ThrottlePolicy) -> Vec<ThrottleKey> {
        let mut keys = vec![self.network.clone()];
        keys.extend(self.account.iter().map(|counter| ThrottleKey {
            key: counter.key(),
            policy: policy.account,
            enforce: !self.known_network,
        }));
        keys
    }
}

/// Checks a login under the throttle.
pub async fn attempt_login(
    db: &storage::DatabaseConnection,
    policy: &ThrottlePolicy,
    login: &LoginRequest<'_>,
) -> Result<UserAccount, ServiceError> {
    let address = domain::EmailAddress::parse(login.typed_email).ok();
    let counters = counters(db, policy, address.as_ref(), login.ip).await?;
    let attempt = match storage::begin_login_attempt(db, &counters.keys(policy)).await? {
        Ok(attempt) => attempt,
        Err(refusal) => return Err(refuse(db, login, &refusal).await),
    };
    let verified = match &address {
        Some(address) => storage::verify_login(db, address, login.password).await?,
        None => None,
    };
    let Some(account) = verified else {
        tracing::warn!(email = %loggable(login.typed_email), ip = %login.ip, "failed login");
        let why = match counters.account {
            Some(AccountCounter::Account(_)) => "wrong password, or the account is disabled",
            _ => "no account has this address",
        };
        record_failure(db, login, why).await?;
        return Err(ServiceError::LoginFailed);
    };
    // The account's counter starts again; the network's only takes this attempt back, so
    // logging into one's own account between guesses does not reset the network limit.
    if let Some(counter) = &counters.account {
        storage::clear_login_attempts(db, &[counter.key().as_str()]).await?;
    }
    storage::refund_login_attempt(db, &attempt, &counters.network.key).await?;
    if let Some(marker) = &counters.known_marker {
        storage::touch_marker(db, marker).await?;
    }
    Ok(account)
}

async fn counters(
    db: &storage::DatabaseConnection,
    policy: &ThrottlePolicy,
    address: Option<&domain::EmailAddress>,
    ip: IpAddr,
) -> Result<Counters, ServiceError> {
    let network = network_of(ip);
    let mut network_key = ThrottleKey {
        key: format!("net:{network}"),
        policy: policy.network,
        enforce: true,
    };
    let (rows, counted) = storage::throttle_size(db, &network_key.key).await?;
    if rows >= policy.max_rows && !counted {
        network_key.key = "net:overflow".into();
    }
    let account_id = match address {
        Some(address) => storage::find_login(db, address).await?,
        None => None,
    };
    let known_marker = account_id.map(|id| format!("known:{id}:{network}"));
    let known_network = match &known_marker {
        Some(marker) => storage::has_marker(db, marker, policy.known_network_for).await?,
        None => false,
    };
    let account = match (address, account_id) {
        (_, Some(id)) => Some(AccountCounter::Account(id)),
        (Some(address), None) => Some(unknown_address_counter(db, address).await?),
        (None, None) => None,
    };
    Ok(Counters {
        network: network_key,
        account,
        known_marker,
        known_network,
    })
}

/// The buckets are keyed with this installation's secret, so nobody can pick an address that
/// shares a bucket with another.
async fn unknown_address_counter(
    db: &storage::DatabaseConnection,
    address: &domain::EmailAddress,
) -> Result<AccountCounter, ServiceError> {
    let secret = storage::installation_secret(db, "login-throttle-buckets").await?;
    let mut hasher = Sha256::new();
    hasher.update(&secret);
    hasher.update(address.login_key().as_bytes());
    let digest = hasher.finalize();
    Ok(AccountCounter::UnknownAddress {
        bucket: format!("{:02x}{:02x}", digest[0], digest[1]),
    })
}

/// A throttled attempt: counted per lock, recorded as one event once the lock ends, so
/// anonymous requests cannot grow the history one event each.
async fn refuse(
    db: &storage::DatabaseConnection,
    login: &LoginRequest<'_>,
    refusal: &storage::Refusal,
) -> ServiceError {
    tracing::warn!(email = %loggable(login.typed_email), ip = %login.ip, "login refused: throttled");
    let who = storage::RefusedLogin {
        typed_email: loggable(login.typed_email),
        client_ip: login.ip.to_string(),
        user_agent: login.user_agent.clone(),
    };
    if let Err(e) = storage::count_refusal(db, refusal, &who).await {
        return e.into();
    }
    ServiceError::Throttled {
        retry_after_secs: refusal.retry_after_secs,
    }
}

/// A "Login failed" event: who typed which address, from where, and why it failed.
async fn record_failure(
    db: &storage::DatabaseConnection,
    login: &LoginRequest<'_>,
    why: &str,
) -> Result<(), ServiceError> {
    let who = storage::Actor {
        user_id: 0,
        email: loggable(login.typed_email),
        role: None,
        client_ip: Some(login.ip.to_string()),
        user_agent: login.user_agent.clone(),
        api_token_id: None,
    };
    let action = storage::AuditAction::LoginFailed;
    storage::record_login(db, action, None, &who, Some(why.to_owned()))
        .await
        .map_err(ServiceError::from)
}

/// Counts a setup-token attempt from `ip` (the same network limit as logins).
pub async fn admit_setup_attempt(
    db: &storage::DatabaseConnection,
    policy: &ThrottlePolicy,
    ip: IpAddr,
) -> Result<(), ServiceError> {
    let key = ThrottleKey {
        key: format!("setup:{}", network_of(ip)),
        policy: policy.network,
        enforce: true,
    };
    match storage::begin_login_attempt(db, &[key]).await? {
        Ok(_) => Ok(()),
        Err(refusal) => Err(ServiceError::Throttled {
            retry_after_secs: refusal.retry_after_secs,
        }),
    }
}

/// The throttled unit: an IPv4 address, or the /64 an IPv6 address belongs to (one host
/// usually holds a whole /64).
fn network_of(ip: IpAddr) -> String {
    match ip {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
    }
}

/// What was typed, safe for a log line: at most 64 characters, control characters escaped.
pub fn loggable(typed: &str) -> String {
    const MAX: usize = 64;
    let mut out: String = typed
        .chars()
        .take(MAX)
        .flat_map(char::escape_debug)
        .collect();
    if typed.chars().nth(MAX).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ipv6_clients_are_throttled_per_64() {
        let a: IpAddr = "2001:db8:1:2:aaaa::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:bbbb::9".parse().expect("ip");
        assert_eq!(network_of(a), network_of(b));
        assert_eq!(network_of(a), "2001:db8:1:2::/64");
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().expect("ip");
        assert_eq!(network_of(mapped), "192.0.2.7");
    }

    #[test]
    fn typed_addresses_are_cut_and_escaped_for_the_log() {
        assert_eq!(loggable("a@example.org"), "a@example.org");
        assert_eq!(loggable("a\nb"), "a\\nb");
        let long = "x".repeat(1000);
        assert_eq!(loggable(&long).chars().count(), 65);
    }
}
