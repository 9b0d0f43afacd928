//! The per-client rate limit of the mail-client documents (autoconfig, Autodiscover): a token
//! bucket per client address, bounded in memory.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use http::{header, HeaderValue, StatusCode};

use crate::{plain_text, ClientInfo};

/// Per-client token bucket: `burst` requests at once, refilled at `per_minute`. IPv6 clients
/// are counted per /64 (one host usually has the whole prefix). At most `max_clients` buckets
/// are kept; past that, idle ones are dropped, and if none is idle the newcomers share one
/// overflow bucket, so memory stays bounded and a flood of addresses is still limited.
#[derive(Debug)]
pub struct MailClientLimiter {
    per_minute: u32,
    burst: u32,
    max_clients: usize,
    buckets: Mutex<HashMap<Option<IpAddr>, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Default for MailClientLimiter {
    /// 60 requests a minute per client, 60 at once: far above what a client's setup needs.
    fn default() -> Self {
        Self::new(60, 60, 10_000)
    }
}

impl MailClientLimiter {
    pub fn new(per_minute: u32, burst: u32, max_clients: usize) -> Self {
        Self {
            per_minute: per_minute.max(1),
            burst: burst.max(1),
            max_clients: max_clients.max(1),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn rate(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    /// `Ok` to go ahead, or `Err` with how long the client must wait.
    pub fn admit(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = Some(client_key(ip));
        let (rate, burst) = (self.rate(), f64::from(self.burst));
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let key = if buckets.contains_key(&key) || buckets.len() < self.max_clients {
            key
        } else {
            buckets.retain(|_, b| b.tokens + refill(b, now, rate) < burst);
            if buckets.len() < self.max_clients {
                key
            } else {
                None
            }
        };
        let bucket = buckets.entry(key).or_insert(Bucket {
            tokens: burst,
            at: now,
        });
        bucket.tokens = (bucket.tokens + refill(bucket, now, rate)).min(burst);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - bucket.tokens) / rate))
        }
    }
}

fn refill(bucket: &Bucket, now: Instant, rate: f64) -> f64 {
    now.saturating_duration_since(bucket.at).as_secs_f64() * rate
}

fn client_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => {
            let prefix = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(prefix.into())
        }
        v4 => v4,
    }
}

/// Middleware for the mail-client routes: 429 with `Retry-After` past the client's budget.
pub async fn limit_mail_clients(
    State(limiter): State<Arc<MailClientLimiter>>,
    request: Request,
    next: Next,
) -> Response {
    let ip = request
        .extensions()
        .get::<ClientInfo>()
        .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.ip);
    match limiter.admit(ip, Instant::now()) {
        Ok(()) => next.run(request).await,
        Err(wait) => {
            let seconds = wait.as_secs().max(1);
            let mut response = plain_text(
                StatusCode::TOO_MANY_REQUESTS,
                format!("Too many requests from this address; try again in {seconds} s."),
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(seconds));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_refuses_past_the_burst_and_refills() {
        let limiter = MailClientLimiter::new(60, 3, 10);
        let ip: IpAddr = "198.51.100.1".parse().expect("ip");
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.admit(ip, t0).is_ok());
        }
        let wait = limiter.admit(ip, t0).expect_err("limited");
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(limiter.admit(ip, t0 + Duration::from_secs(1)).is_ok());
        let other: IpAddr = "198.51.100.2".parse().expect("ip");
        assert!(limiter.admit(other, t0).is_ok(), "per client");
    }

    #[test]
    fn memory_is_bounded_and_newcomers_share_the_overflow_bucket() {
        let limiter = MailClientLimiter::new(60, 2, 4);
        let t0 = Instant::now();
        for i in 0..50u8 {
            let _ = limiter.admit(IpAddr::from([203, 0, 113, i]), t0);
        }
        let buckets = limiter.buckets.lock().expect("lock").len();
        assert!(buckets <= 5, "{buckets}");
        assert!(limiter.admit(IpAddr::from([203, 0, 113, 200]), t0).is_err());
    }

    #[test]
    fn ipv6_counts_per_64() {
        let a: IpAddr = "2001:db8:1:2::1".parse().expect("ip");
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().expect("ip");
        assert_eq!(client_key(a), client_key(b));
    }
}
