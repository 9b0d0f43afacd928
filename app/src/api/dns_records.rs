//! The DNS records a domain's admin publishes so mail clients find its settings.

/// The records for `settings`, with this product's host as the requests name it.
#[cfg(feature = "ssr")]
pub(crate) async fn for_settings(settings: &domain::DomainSettings) -> Vec<domain::DnsRecord> {
    let origin = crate::ssr::request_parts().await.ok().and_then(|parts| {
        parts
            .extensions
            .get::<web::ClientInfo>()
            .and_then(|c| c.expected_origin.clone())
    });
    let host = clients::product_host(origin.as_deref());
    clients::dns_records(settings, host.as_deref())
}
