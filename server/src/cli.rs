//! Command line and environment configuration.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};

use crate::CommandError;

#[derive(Parser, Debug)]
#[command(
    name = "server",
    about = "Manage the IMAP/SMTP settings of mail domains: the web app and admin commands.",
    after_help = "The listen address comes from LEPTOS_SITE_ADDR (default 127.0.0.1:3000)."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// sqlite://… or postgres://…; default: an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true)]
    pub database_url: Option<String>,
    /// Where the default SQLite database lives.
    #[arg(
        long,
        env = "MAILSETTINGS_DATA_DIR",
        default_value = "data",
        global = true
    )]
    pub data_dir: PathBuf,
}

impl DatabaseArgs {
    /// The database URL to use, creating the data directory (mode 0700) for the default SQLite
    /// file.
    pub fn url(&self) -> Result<String, CommandError> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        crate::private_files::create_private_dir(&self.data_dir).map_err(CommandError::file(
            "create the data directory",
            &self.data_dir,
        ))?;
        let file = self.data_dir.join("mailsettings.db");
        Ok(format!("sqlite://{}?mode=rwc", file.display()))
    }

    pub async fn connect(&self) -> Result<storage::DatabaseConnection, CommandError> {
        storage::connect(&self.url()?)
            .await
            .map_err(CommandError::storage("cannot open the database"))
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the web application (the default).
    Serve(ServeArgs),
    /// Create the first super admin without the browser (for scripts). The password comes from
    /// MAILSETTINGS_ADMIN_PASSWORD or --password-file, never from the command line.
    CreateAdmin(CreateAdminArgs),
    /// Probe a mailbox's IMAP and SMTP settings against the real servers, step by step. The
    /// password comes from PROBE_PASSWORD or --password-file, never from the command line.
    Probe(crate::probe_cli::ProbeArgs),
    /// Verify the change history (or an export of it, offline), sign a checkpoint, or print the
    /// public key that verifies them.
    Audit(crate::audit_cli::AuditArgs),
}

impl Default for Command {
    fn default() -> Self {
        Command::Serve(ServeArgs::parse_from(["serve"]))
    }
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    /// The one-time token for /setup (otherwise a random one is generated and printed).
    #[arg(long, env = "MAILSETTINGS_SETUP_TOKEN", hide_env_values = true)]
    pub setup_token: Option<String>,
    /// A file holding the setup token; if it does not exist, the generated token is written there.
    #[arg(long, env = "MAILSETTINGS_SETUP_TOKEN_FILE")]
    pub setup_token_file: Option<PathBuf>,
    /// Always mark the session cookie Secure (set this when users reach the app over https).
    #[arg(long, env = "MAILSETTINGS_COOKIE_SECURE")]
    pub cookie_secure: bool,
    /// The URL users open, e.g. https://mail-admin.example.com: requests that change something
    /// must come from this origin. Without it, the request's own Host is expected.
    #[arg(long, env = "MAILSETTINGS_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Reverse proxies (comma-separated CIDRs) whose X-Forwarded-For/-Proto/-Host are believed.
    #[arg(long, env = "MAILSETTINGS_TRUSTED_PROXIES", default_value = "")]
    pub trusted_proxies: String,
    /// Hours a session lasts at most.
    #[arg(long, env = "MAILSETTINGS_SESSION_HOURS", default_value_t = 12)]
    pub session_hours: u16,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "MAILSETTINGS_SESSION_IDLE_MINUTES", default_value_t = 60)]
    pub session_idle_minutes: u16,
    /// Signs the Apple configuration profiles (otherwise they are unsigned, "Not Verified"): a PEM
    /// file with the signing certificate, optionally followed by its intermediates.
    #[arg(long, env = "MAILSETTINGS_PROFILE_SIGNING_CERT")]
    pub profile_signing_cert: Option<PathBuf>,
    /// The PKCS#8 PEM private key (ECDSA P-256 or RSA) of MAILSETTINGS_PROFILE_SIGNING_CERT.
    #[arg(long, env = "MAILSETTINGS_PROFILE_SIGNING_KEY")]
    pub profile_signing_key: Option<PathBuf>,
    /// Requests a minute (and at once) one client address may make to the autoconfig and
    /// Autodiscover documents.
    #[arg(
        long,
        env = "MAILSETTINGS_MAIL_CLIENTS_PER_MINUTE",
        default_value_t = 60
    )]
    pub mail_clients_per_minute: u32,
    /// The bearer token a Prometheus scraper must send to /metrics; without it /metrics is open.
    #[arg(long, env = "MAILSETTINGS_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    #[command(flatten)]
    pub probe: ProbeServiceArgs,
    #[command(flatten)]
    pub inboxes: crate::inbox_config::InboxArgs,
    #[command(flatten)]
    pub audit_key: crate::audit_cli::AuditKeyArgs,
    #[command(flatten)]
    pub checkpoints: crate::audit_cli::CheckpointArgs,
}

/// How connection tests started from the web app behave.
#[derive(Args, Debug, Clone)]
pub struct ProbeServiceArgs {
    /// Private, loopback or link-local ranges that connection tests may reach (refused by
    /// default, so the app cannot be used to scan the internal network). Comma-separated CIDRs.
    #[arg(
        long = "probe-allow-private",
        env = "MAILSETTINGS_PROBE_ALLOW_PRIVATE",
        default_value = ""
    )]
    pub allow_private: String,
    /// The network's NAT64 prefixes (comma-separated IPv6 prefixes, /32, /40, /48, /56, /64 or
    /// /96): an address under one is refused or allowed as the IPv4 address it embeds.
    #[arg(
        long = "probe-nat64-prefixes",
        env = "MAILSETTINGS_PROBE_NAT64_PREFIXES",
        default_value = "64:ff9b::/96"
    )]
    pub nat64_prefixes: String,
    /// Extra CA certificates (PEM) trusted besides the system's, e.g. a private CA.
    #[arg(long = "probe-ca-file", env = "MAILSETTINGS_PROBE_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// Seconds each step may take.
    #[arg(
        long = "probe-step-timeout",
        env = "MAILSETTINGS_PROBE_STEP_TIMEOUT",
        default_value_t = probe::defaults::STEP_TIMEOUT_SECS
    )]
    pub step_timeout: u64,
    /// Seconds a whole connection test may take.
    #[arg(
        long = "probe-budget",
        env = "MAILSETTINGS_PROBE_BUDGET",
        default_value_t = probe::defaults::OVERALL_BUDGET_SECS
    )]
    pub budget: u64,
    /// Where the test email goes (the "BCC address"); by default the tested mailbox itself.
    #[arg(
        long = "probe-test-recipient",
        env = "MAILSETTINGS_PROBE_TEST_RECIPIENT"
    )]
    pub test_recipient: Option<String>,
    /// Where connections of domains with "Use static IP addresses" leave from: comma-separated
    /// IPv4/IPv6 CIDRs assigned to this host, for mail servers to allowlist.
    #[arg(
        long = "static-egress",
        env = "MAILSETTINGS_STATIC_EGRESS",
        default_value = ""
    )]
    pub static_egress: String,
    /// Connection tests one admin may start per minute.
    #[arg(
        long = "probe-per-minute",
        env = "MAILSETTINGS_PROBE_PER_MINUTE",
        default_value_t = 5
    )]
    pub per_minute: usize,
}

impl ProbeServiceArgs {
    pub fn config(&self) -> Result<services::ProbeConfig, CommandError> {
        let extra_ca_pem = match &self.ca_file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .map_err(CommandError::file("read the CA file", path))?,
            ),
            None => None,
        };
        let allowlist = domain::parse_cidr_list(&self.allow_private)
            .map_err(|e| CommandError::setting("MAILSETTINGS_PROBE_ALLOW_PRIVATE", e))?;
        let nat64_prefixes = probe::Nat64Prefix::parse_list(&self.nat64_prefixes)?;
        let static_egress = static_egress(&self.static_egress)?;
        Ok(services::ProbeConfig {
            allowlist,
            nat64_prefixes,
            extra_ca_pem,
            step_timeout: std::time::Duration::from_secs(self.step_timeout.max(1)),
            overall_budget: std::time::Duration::from_secs(self.budget.max(1)),
            test_recipient: self.test_recipient.clone(),
            per_minute: self.per_minute.max(1),
            static_egress,
        })
    }
}

impl ServeArgs {
    /// The Apple profile signer: both files or neither.
    pub fn profile_signer(&self) -> Result<Option<Arc<clients::ProfileSigner>>, CommandError> {
        const CERT: &str = "MAILSETTINGS_PROFILE_SIGNING_CERT";
        const KEY: &str = "MAILSETTINGS_PROFILE_SIGNING_KEY";
        match (&self.profile_signing_cert, &self.profile_signing_key) {
            (None, None) => Ok(None),
            (Some(cert), Some(key)) => Ok(Some(Arc::new(clients::ProfileSigner::load(cert, key)?))),
            (Some(cert), None) => Err(CommandError::HalfAProfileSigner {
                set: CERT,
                path: cert.clone(),
                missing: KEY,
            }),
            (None, Some(key)) => Err(CommandError::HalfAProfileSigner {
                set: KEY,
                path: key.clone(),
                missing: CERT,
            }),
        }
    }

    pub fn cookie_policy(&self) -> web::CookiePolicy {
        web::CookiePolicy {
            session_hours: i64::from(self.session_hours.max(1)),
            idle_minutes: i64::from(self.session_idle_minutes.max(1)),
        }
    }

    pub fn proxy_policy(&self) -> Result<web::ProxyPolicy, CommandError> {
        let trusted_proxies = domain::parse_cidr_list(&self.trusted_proxies)
            .map_err(|e| CommandError::setting("MAILSETTINGS_TRUSTED_PROXIES", e))?;
        let public_origin = self
            .public_url
            .as_deref()
            .filter(|u| !u.trim().is_empty())
            .map(public_origin)
            .transpose()?;
        Ok(web::ProxyPolicy {
            trusted_proxies,
            always_https: self.cookie_secure,
            public_origin,
        })
    }
}

/// `scheme://host[:port]` of MAILSETTINGS_PUBLIC_URL (a path, if any, is not part of an origin).
fn public_origin(url: &str) -> Result<String, CommandError> {
    let bad = || {
        CommandError::setting(
            "MAILSETTINGS_PUBLIC_URL",
            format!(
                "{url:?} is not an http:// or https:// URL like https://mail-admin.example.com"
            ),
        )
    };
    let (scheme, rest) = url.trim().split_once("://").ok_or_else(bad)?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if !matches!(scheme.as_str(), "http" | "https")
        || authority.is_empty()
        || authority.contains(['@', ' '])
    {
        return Err(bad());
    }
    Ok(web::normalize_origin(&format!("{scheme}://{authority}")))
}

/// MAILSETTINGS_STATIC_EGRESS: valid CIDRs, none overlapping another.
fn static_egress(value: &str) -> Result<Vec<ipnet::IpNet>, CommandError> {
    domain::parse_disjoint_cidr_list(value)
        .map_err(|e| CommandError::setting("MAILSETTINGS_STATIC_EGRESS", e))
}

#[derive(Parser, Debug)]
struct ServeOnly {
    #[command(flatten)]
    serve: ServeArgs,
}

impl ServeArgs {
    fn parse_from<I: IntoIterator<Item = &'static str>>(args: I) -> Self {
        ServeOnly::parse_from(args).serve
    }
}

#[derive(Args, Debug)]
pub struct CreateAdminArgs {
    #[arg(long)]
    pub email: String,
    /// Read the password from this file (first line) instead of MAILSETTINGS_ADMIN_PASSWORD.
    #[arg(long)]
    pub password_file: Option<PathBuf>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_egress_configuration_table() {
        let ok = [
            ("", vec![]),
            ("127.0.0.16/29", vec!["127.0.0.16/29"]),
            (
                " 192.0.2.0/24 , 2001:db8::/64 ",
                vec!["192.0.2.0/24", "2001:db8::/64"],
            ),
            ("198.51.100.7", vec!["198.51.100.7/32"]),
        ];
        for (input, expected) in ok {
            let parsed: Vec<String> = static_egress(input)
                .unwrap_or_else(|e| panic!("{input:?}: {e}"))
                .iter()
                .map(ToString::to_string)
                .collect();
            assert_eq!(parsed, expected, "{input:?}");
        }
        let bad = [
            ("192.0.2.0/24,192.0.2.128/25", "overlap"),
            ("2001:db8::/32,2001:db8:1::/48", "overlap"),
            ("10.0.0.1/8", "10.0.0.1/8 has host bits set"),
            ("192.0.2.0/24,,198.51.100.0/24", "empty"),
            ("mail.example.com", "mail.example.com"),
            ("192.0.2.0/33", "192.0.2.0/33"),
        ];
        for (input, named) in bad {
            let err = static_egress(input).expect_err(input).to_string();
            assert!(err.starts_with("MAILSETTINGS_STATIC_EGRESS: "), "{err}");
            assert!(err.contains(named), "{input:?}: {err}");
        }
    }
}
