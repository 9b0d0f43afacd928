//! What a probe is asked to check: the settings under test, the test mailbox's credentials
//! and the operator's options.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::defaults;
use crate::egress::StaticEgress;
use crate::guard::Policy;
use crate::nat64::Nat64Prefix;
use crate::resolve::{Resolver, SystemResolver};

/// How a connection is secured: the settings' own type.
pub use domain::Security;

/// One server: host name (or IP literal), port and security.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Endpoint {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The leaf certificate a previous probe saw on this server, and the day it was pinned:
    /// exactly that certificate is accepted, a different one is named as changed.
    #[serde(default)]
    pub pin: Option<domain::CertPin>,
}

impl Endpoint {
    pub fn new(host: impl Into<String>, port: u16, security: Security) -> Self {
        Self {
            host: host.into(),
            port,
            security,
            pin: None,
        }
    }
}

/// The settings under test, as an administrator enters them for a domain.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ProbeSettings {
    pub imap: Endpoint,
    pub smtp: Endpoint,
    /// Accept an untrusted issuer, an expired or a malformed certificate (still reported).
    /// Never accepts a certificate issued for another name.
    pub allow_non_secure_certificate: bool,
}

/// What proves the mailbox's identity to the servers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecretKind {
    /// LOGIN / AUTH PLAIN or LOGIN.
    Password,
    /// An OAuth 2.0 access token, sent with OAUTHBEARER or XOAUTH2.
    AccessToken,
}

/// The test mailbox. The secret (password or access token) is never serialized, printed or
/// put into a report, and its memory is wiped when the credentials (or any clone of them) are
/// dropped.
#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub username: Option<String>,
    secret: Zeroizing<String>,
    kind: SecretKind,
}

impl Credentials {
    pub fn new(
        email: impl Into<String>,
        username: Option<String>,
        password: impl Into<String>,
    ) -> Self {
        Self {
            email: email.into(),
            username,
            secret: Zeroizing::new(password.into()),
            kind: SecretKind::Password,
        }
    }

    /// Signs in with an OAuth 2.0 access token instead of a password.
    pub fn with_access_token(
        email: impl Into<String>,
        username: Option<String>,
        token: impl Into<String>,
    ) -> Self {
        Self {
            kind: SecretKind::AccessToken,
            ..Self::new(email, username, token)
        }
    }

    /// The name used to log in: the custom username when given, else the email address.
    pub fn login_name(&self) -> &str {
        self.username.as_deref().unwrap_or(&self.email)
    }

    /// The password or the access token, as `kind` says.
    pub fn secret(&self) -> &str {
        &self.secret
    }

    pub fn kind(&self) -> SecretKind {
        self.kind
    }
}

// The only secret, `secret`, is a `Zeroizing<String>`.
impl ZeroizeOnDrop for Credentials {}

impl Zeroize for Credentials {
    fn zeroize(&mut self) {
        self.secret.zeroize();
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("email", &self.email)
            .field("username", &self.username)
            .field("kind", &self.kind)
            .field("secret", &"***")
            .finish()
    }
}

/// Operator options: time and byte bounds, trust roots, resolver and address policy.
#[derive(Clone)]
pub struct ProbeOptions {
    /// Bound for each network step (connect, TLS, greeting, login, ...).
    pub step_timeout: Duration,
    /// Bound for the whole probe.
    pub overall_budget: Duration,
    /// How long to wait for a greeting before checking whether the port speaks implicit TLS.
    pub greeting_sniff: Duration,
    /// Extra trusted CA certificates (PEM), added to the system roots.
    pub extra_ca_pem: Option<String>,
    /// Whether the operating system's roots are trusted (default true).
    pub use_system_roots: bool,
    /// Host resolution; tests replace it to map names to loopback.
    pub resolver: Arc<dyn Resolver>,
    /// CIDRs in otherwise refused ranges (loopback, private, ...) that may be probed.
    pub allowlist: Vec<IpNet>,
    /// The network's NAT64 prefixes: an address under one is judged as the IPv4 address it
    /// embeds (default: the well-known `64:ff9b::/96`).
    pub nat64_prefixes: Vec<Nat64Prefix>,
    /// Where the test email goes; `None` sends it to the mailbox itself and checks the round trip.
    pub test_recipient: Option<String>,
    /// How long to look for the test email over IMAP.
    pub round_trip_wait: Duration,
    /// Whether the concurrent-connection requirement is checked.
    pub check_concurrency: bool,
    /// Bytes one connection may read before it is cut.
    pub max_bytes_per_connection: u64,
    /// The EHLO name.
    pub client_name: String,
    /// `Some`: the domain uses static IP addresses, every socket is bound to a usable address
    /// of these ranges (or the step fails); `None`: sockets are not bound.
    pub static_egress: Option<Arc<StaticEgress>>,
}

impl Default for ProbeOptions {
    fn default() -> Self {
        Self {
            step_timeout: Duration::from_secs(defaults::STEP_TIMEOUT_SECS),
            overall_budget: Duration::from_secs(defaults::OVERALL_BUDGET_SECS),
            greeting_sniff: Duration::from_secs(defaults::GREETING_SNIFF_SECS),
            extra_ca_pem: None,
            use_system_roots: true,
            resolver: Arc::new(SystemResolver),
            allowlist: Vec::new(),
            nat64_prefixes: vec![Nat64Prefix::WELL_KNOWN],
            test_recipient: None,
            round_trip_wait: Duration::from_secs(defaults::ROUND_TRIP_WAIT_SECS),
            check_concurrency: true,
            max_bytes_per_connection: defaults::MAX_BYTES_PER_CONNECTION,
            client_name: "probe.invalid".to_string(),
            static_egress: None,
        }
    }
}

impl ProbeOptions {
    /// What the address guard lets through.
    pub(crate) fn guard(&self) -> Policy<'_> {
        Policy {
            allowlist: &self.allowlist,
            nat64: &self.nat64_prefixes,
        }
    }
}

impl fmt::Debug for ProbeOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProbeOptions")
            .field("step_timeout", &self.step_timeout)
            .field("overall_budget", &self.overall_budget)
            .field("allowlist", &self.allowlist)
            .field("nat64_prefixes", &self.nat64_prefixes)
            .field("test_recipient", &self.test_recipient)
            .field(
                "static_egress",
                &self.static_egress.as_ref().map(|e| e.ranges()),
            )
            .finish_non_exhaustive()
    }
}
