//! Naming a failed TLS handshake: the certificate, the pin, the protocol version, a plaintext
//! port (plaintext bytes during a TLS handshake), or a server that hung up at once.

use std::io::{self, ErrorKind};
use std::net::IpAddr;

use rustls::pki_types::CertificateDer;

use crate::certinfo::CertInfo;
use crate::model::Endpoint;
use crate::proto::Proto;
use crate::report::{Category, DetailCode, Field, TlsFacts};
use crate::step::Fail;
use crate::tap::{clip, Transcript};
use crate::tls::Seen;

/// Why a TLS handshake failed: the certificate, the pin, the protocol version, a plaintext
/// port, or a server that hung up before any TLS byte.
pub fn failure(
    p: Proto,
    ep: &Endpoint,
    sources: &[IpAddr],
    e: &io::Error,
    seen: Seen,
    raw: &Transcript,
    after_starttls: bool,
) -> Fail {
    let leaf_facts = seen
        .leaf
        .as_ref()
        .and_then(|l| CertInfo::parse(l.as_ref()))
        .map(|c| c.facts());
    if seen.pin_mismatch {
        return pin_mismatch(ep, leaf_facts);
    }
    if let (Some(err), Some(leaf)) = (&seen.error, &seen.leaf) {
        return certificate_rejected(p, err, leaf, leaf_facts);
    }
    if protocol_too_old(e) {
        return p.fail(
            DetailCode::TlsVersionTooOld,
            format!(
                "the server offers no TLS 1.2 or 1.3 ({e}); older protocols are refused on purpose"
            ),
            p.security_field(),
        );
    }
    let first = raw.text();
    if first.is_empty() && !after_starttls && closed(e) {
        return closed_at_once(p, sources);
    }
    if !after_starttls && looks_plaintext(&first) {
        return plaintext_port(p, ep, &first);
    }
    p.fail(
        DetailCode::TlsHandshakeFailed,
        format!("the TLS handshake failed: {e}"),
        p.security_field(),
    )
}

fn pin_mismatch(ep: &Endpoint, leaf_facts: Option<TlsFacts>) -> Fail {
    let fp = leaf_facts
        .as_ref()
        .and_then(|f| f.sha256_fingerprint.clone())
        .unwrap_or_default();
    let since = ep
        .pin
        .as_ref()
        .map(|p| format!(" on {}", p.pinned_on()))
        .unwrap_or_default();
    Fail::new(
        Category::UnauthorizedSslCertificateNotTrusted,
        DetailCode::CertPinMismatch,
        format!("the server's certificate changed since it was pinned{since}: it now presents SHA-256 {fp}"),
        Some(Field::PinnedCertificate),
    )
    .tls(leaf_facts)
}

/// The verifier refused the certificate the server presented.
fn certificate_rejected(
    p: Proto,
    err: &rustls::Error,
    leaf: &CertificateDer<'static>,
    leaf_facts: Option<TlsFacts>,
) -> Fail {
    let (code, detail) = crate::certinfo::describe_cert_error(err, Some(leaf.as_ref()));
    let field = match code {
        DetailCode::CertWrongHost | DetailCode::CertCnOnly => p.host_field(),
        _ => Field::AllowNonSecureCertificate,
    };
    Fail::new(
        Category::UnauthorizedSslCertificateNotTrusted,
        code,
        detail,
        Some(field),
    )
    .tls(leaf_facts)
}

/// The server speaks no TLS version this client accepts (1.2 or 1.3).
fn protocol_too_old(e: &io::Error) -> bool {
    let rustls_err = e.get_ref().and_then(|x| x.downcast_ref::<rustls::Error>());
    matches!(
        rustls_err,
        Some(
            rustls::Error::PeerIncompatible(_)
                | rustls::Error::AlertReceived(rustls::AlertDescription::ProtocolVersion),
        )
    )
}

fn closed_at_once(p: Proto, sources: &[IpAddr]) -> Fail {
    let who = match sources.last() {
        Some(ip) => format!("a firewall refusing {ip}"),
        None => "a firewall refusing this client".to_string(),
    };
    let detail = format!("the server closed the connection at once, before any TLS byte ({who}?)");
    p.fail(DetailCode::ConnectionLost, detail, p.host_field())
}

fn plaintext_port(p: Proto, ep: &Endpoint, first: &str) -> Fail {
    let first_line = first.lines().next().unwrap_or("").to_string();
    p.fail(
        DetailCode::TlsOnPlaintextPort,
        format!(
            "port {} speaks plaintext {} (it greeted \"{}\"), not implicit TLS: choose STARTTLS",
            ep.port,
            p.name(),
            clip(&first_line, 80)
        ),
        p.security_field(),
    )
    .line(first_line)
}

/// The peer closed or reset the connection.
fn closed(e: &io::Error) -> bool {
    use ErrorKind::{ConnectionAborted, ConnectionReset, UnexpectedEof};
    matches!(
        e.kind(),
        UnexpectedEof | ConnectionReset | ConnectionAborted
    )
}

/// Whether the first bytes look like a plaintext IMAP or SMTP greeting.
fn looks_plaintext(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with("* ") || s.starts_with("220") || s.starts_with("421") || s.starts_with("554")
}
