//! The static-IP service: describing the operator's ranges, the per-domain switch, and the
//! test from every static address (whose results are kept in memory for a while, so a form
//! post without JavaScript can be shown after its redirect).

use std::time::Instant;

use ipnet::IpNet;
use storage::{Actor, StorageError, StoredDomain, UserAccount};

use inboxes::probe_settings;

use crate::views::{ConnectionIpsView, IpRange, SourceTestView, USABLE_SHOWN};
use crate::{ServiceError, Services};

/// The panel's data for domain `id`: its settings, the ranges, this host's usable addresses.
pub async fn connection_ips_view(
    services: &Services,
    id: i32,
) -> Result<ConnectionIpsView, ServiceError> {
    let stored = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let egress = services.probes.egress();
    let usable = egress.usable_addresses();
    Ok(ConnectionIpsView {
        domain: stored.into(),
        ranges: describe_ranges(egress.ranges()),
        usable_total: usable.len(),
        usable: usable
            .iter()
            .take(USABLE_SHOWN)
            .map(ToString::to_string)
            .collect(),
    })
}

fn describe_ranges(ranges: &[IpNet]) -> Vec<IpRange> {
    ranges
        .iter()
        .map(|net| IpRange {
            cidr: net.to_string(),
            family: family(net),
            addresses: address_count(net),
        })
        .collect()
}

/// The family as the panel and the exports name it ("IPv4", "IPv6").
pub fn family(net: &IpNet) -> String {
    probe::IpFamily::of(net.addr()).to_string()
}

/// "256", "65,536", or "2^64" when the number is too long to read.
pub fn address_count(net: &IpNet) -> String {
    let bits = u32::from(net.max_prefix_len() - net.prefix_len());
    if bits > 32 {
        return format!("2^{bits}");
    }
    let digits = (1u64 << bits).to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Settings with *Use static IP addresses* on need static ranges to leave from.
pub fn require_static_ranges(
    services: &Services,
    parsed: &domain::DomainSettings,
) -> Result<(), ServiceError> {
    if !parsed.use_static_ips || !services.probes.egress().ranges().is_empty() {
        return Ok(());
    }
    let mut errors = domain::FieldErrors::default();
    errors.insert(
        domain::Field::UseStaticIps,
        crate::views::NO_RANGES_REASON.to_string(),
    );
    Err(ServiceError::InvalidSettings(errors))
}

pub async fn set_static_ips(
    services: &Services,
    actor: &Actor,
    id: i32,
    version: i32,
    on: bool,
) -> Result<StoredDomain, ServiceError> {
    if on && services.probes.egress().ranges().is_empty() {
        return Err(ServiceError::invalid("on", crate::views::NO_RANGES_REASON));
    }
    let stored = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let mut settings = stored.settings;
    settings.use_static_ips = on;
    let saved = storage::update_domain(&services.db, actor, id, version, settings).await;
    services.worker.wake();
    match saved {
        Ok(saved) => Ok(saved),
        Err(StorageError::Conflict { .. }) => Err(ServiceError::Invalid {
            field: None,
            message: "Someone else changed these settings since you opened them: review the \
                      switch and try again."
                .into(),
        }),
        Err(e) => Err(ServiceError::from(e)),
    }
}

/// "Test from every static address": one login to the domain's IMAP and SMTP servers from each
/// usable static address, with the test mailbox in `mailbox`. Counts as a connection test.
pub async fn test_static_addresses(
    services: &Services,
    account: &UserAccount,
    id: i32,
    mailbox: crate::probes::TestMailbox,
) -> Result<SourceTestView, ServiceError> {
    crate::probes::admit(services, account.id).await?;
    let credentials = mailbox.credentials()?;
    let stored = storage::get_domain(&services.db, id)
        .await?
        .ok_or(ServiceError::NotFound)?;
    let started = Instant::now();
    let options = services.probes.options_for(true);
    let rows =
        probe::probe_from_each_source(&probe_settings(&stored.settings), &credentials, &options)
            .await
            .map_err(|e| ServiceError::general(e.to_string()))?;
    let view = SourceTestView {
        id: services.source_tests.next_id(),
        domain_id: id,
        rows,
        elapsed_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        actor_email: account.email.clone(),
        ran_at: crate::format_time(chrono::Utc::now()),
    };
    services.source_tests.keep(view.id, view.clone());
    Ok(view)
}

/// The latest source-test results, for the page a form post is redirected to.
pub type SourceTestResults = crate::recent::RecentResults<SourceTestView>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_counted_not_listed() {
        let ranges: Vec<IpNet> = [
            "192.0.2.0/24",
            "10.1.0.0/16",
            "2001:db8::/64",
            "198.51.100.7/32",
        ]
        .iter()
        .map(|s| s.parse().expect("cidr"))
        .collect();
        let counts: Vec<String> = describe_ranges(&ranges)
            .into_iter()
            .map(|r| r.addresses)
            .collect();
        assert_eq!(counts, ["256", "65,536", "2^64", "1"]);
    }
}
