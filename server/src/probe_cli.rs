//! `server probe`: the live IMAP/SMTP probe from the command line, for administrators and
//! scripts. Same engine as the web form; the password never comes from argv.
//!
//! Exit status: 0 when every step passed, 1 for a failed verdict, 2 for bad arguments (or, with
//! `--static-ips`, a missing or bad `MAILSETTINGS_STATIC_EGRESS`).

mod parse;
mod render;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use domain::EmailAddress;
use ipnet::IpNet;
use probe::{Credentials, Endpoint, ProbeOptions, ProbeSettings, Security, StaticEgress};

pub use parse::{parse_cidr, parse_host_port, parse_static_egress, ArgError, HostPort};
use parse::{parse_email, parse_security};

/// The environment variable holding the test mailbox's password.
pub const PASSWORD_ENV: &str = "PROBE_PASSWORD";

/// The environment variable holding this installation's static egress ranges.
pub const EGRESS_ENV: &str = probe::EGRESS_SETTING;

/// Exit status for bad arguments (clap uses the same for its own errors).
const EXIT_BAD_ARGS: u8 = 2;

#[derive(Args, Debug)]
#[command(
    after_help = "The password comes from the PROBE_PASSWORD environment variable or \
--password-file, never from the command line.\n\
With --static-ips every connection leaves from an address of MAILSETTINGS_STATIC_EGRESS.\n\
Exit status: 0 when every step passed, 1 for a failed verdict, 2 for bad arguments or a bad \
MAILSETTINGS_STATIC_EGRESS.\n\
Example: PROBE_PASSWORD=… server probe --email me@example.com --imap imap.example.com:993 \
--imap-security ssl --smtp smtp.example.com:587 --smtp-security starttls"
)]
pub struct ProbeArgs {
    /// The test mailbox's email address.
    #[arg(long, value_name = "ADDR", value_parser = parse_email)]
    pub email: EmailAddress,
    /// Log in with this username instead of the email address.
    #[arg(long, value_name = "NAME")]
    pub username: Option<String>,
    /// Read the password from this file (first line) instead of PROBE_PASSWORD.
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Sign in with the OAuth 2.0 access token in this file (first line) instead of a password:
    /// OAUTHBEARER or XOAUTH2, as each server offers. The report shows the token's scopes and
    /// expiry, never the token.
    #[arg(long, value_name = "FILE", conflicts_with = "password_file")]
    pub oauth_token_file: Option<PathBuf>,
    /// IMAP server and port, e.g. imap.example.com:993 or [2001:db8::1]:993.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port)]
    pub imap: HostPort,
    /// IMAP security: ssl (implicit TLS, usually 993) or starttls (usually 143).
    #[arg(long, value_name = "ssl|starttls", value_parser = parse_security)]
    pub imap_security: Security,
    /// SMTP server and port, e.g. smtp.example.com:465 or [2001:db8::1]:587.
    #[arg(long, value_name = "HOST:PORT", value_parser = parse_host_port)]
    pub smtp: HostPort,
    /// SMTP security: ssl (implicit TLS, usually 465) or starttls (usually 587).
    #[arg(long, value_name = "ssl|starttls", value_parser = parse_security)]
    pub smtp_security: Security,
    /// Accept an untrusted issuer, an expired or a malformed certificate (still reported);
    /// never a certificate issued for another host name.
    #[arg(long)]
    pub allow_non_secure: bool,
    /// Extra trusted CA certificates (PEM), added to the system roots.
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// Allow probing addresses in this otherwise refused range (loopback, private, link-local,
    /// ...); repeatable. A bare IP address means just that address.
    #[arg(long, value_name = "CIDR", value_parser = parse_cidr)]
    pub allow_private: Vec<IpNet>,
    /// The network's NAT64 prefixes, comma-separated (/32, /40, /48, /56, /64 or /96): an IPv6
    /// address under one is refused or allowed as the IPv4 address it embeds.
    #[arg(long, value_name = "PREFIXES", env = probe::NAT64_SETTING, default_value = "64:ff9b::/96")]
    pub nat64_prefixes: String,
    /// Print one JSON object (the report) on stdout instead of the human-readable steps.
    #[arg(long)]
    pub json: bool,
    /// Time limit for each network step, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = probe::defaults::STEP_TIMEOUT_SECS,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub step_timeout: u64,
    /// Time limit for the whole probe, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = probe::defaults::OVERALL_BUDGET_SECS,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub budget: u64,
    /// Send the test email here instead of to the mailbox itself (the round trip over IMAP is
    /// then not checked).
    #[arg(long, value_name = "ADDR", value_parser = parse_email)]
    pub test_recipient: Option<EmailAddress>,
    /// Leave from this installation's static addresses (the ranges in
    /// MAILSETTINGS_STATIC_EGRESS), as a domain with "Use static IP addresses" on does.
    #[arg(long)]
    pub static_ips: bool,
}

fn read(path: &Path) -> Result<String, ArgError> {
    std::fs::read_to_string(path).map_err(|e| ArgError::Unreadable {
        path: path.display().to_string(),
        reason: e.to_string(),
    })
}

fn first_line(path: &Path) -> Result<String, ArgError> {
    Ok(read(path)?.lines().next().unwrap_or_default().to_string())
}

/// The password: the first line of `--password-file`, else `PROBE_PASSWORD`.
fn password(file: Option<&Path>) -> Result<String, ArgError> {
    let password = match file {
        Some(path) => first_line(path)?,
        None => std::env::var(PASSWORD_ENV).map_err(|_| ArgError::NoPassword)?,
    };
    if password.is_empty() {
        return Err(ArgError::EmptyPassword);
    }
    Ok(password)
}

fn endpoint(hp: &HostPort, security: Security) -> Endpoint {
    Endpoint::new(hp.host.as_str(), hp.port.get(), security)
}

/// Everything the probe needs, built from the arguments (files and environment read here).
fn prepare(args: &ProbeArgs) -> Result<(ProbeSettings, Credentials, ProbeOptions), ArgError> {
    let username = match args.username.as_deref().map(str::trim) {
        Some("") => return Err(ArgError::EmptyUsername),
        other => other.map(str::to_string),
    };
    let extra_ca_pem = match &args.ca_file {
        Some(path) => {
            let pem = read(path)?;
            if !pem.contains("-----BEGIN CERTIFICATE-----") {
                return Err(ArgError::NoCertificate(path.display().to_string()));
            }
            Some(pem)
        }
        None => None,
    };
    let static_egress = match args.static_ips {
        true => {
            let value = std::env::var(EGRESS_ENV).ok();
            let ranges = parse_static_egress(value.as_deref())?;
            Some(Arc::new(StaticEgress::new(ranges)))
        }
        false => None,
    };
    let settings = ProbeSettings {
        imap: endpoint(&args.imap, args.imap_security),
        smtp: endpoint(&args.smtp, args.smtp_security),
        allow_non_secure_certificate: args.allow_non_secure,
    };
    let email = args.email.to_string();
    let creds = match &args.oauth_token_file {
        Some(path) => {
            let token = first_line(path)?.trim().to_string();
            if token.is_empty() {
                return Err(ArgError::EmptyToken(path.display().to_string()));
            }
            Credentials::with_access_token(email, username, token)
        }
        None => Credentials::new(email, username, password(args.password_file.as_deref())?),
    };
    let options = ProbeOptions {
        step_timeout: Duration::from_secs(args.step_timeout),
        overall_budget: Duration::from_secs(args.budget),
        extra_ca_pem,
        allowlist: args.allow_private.clone(),
        nat64_prefixes: probe::Nat64Prefix::parse_list(&args.nat64_prefixes)?,
        test_recipient: args.test_recipient.as_ref().map(ToString::to_string),
        static_egress,
        ..ProbeOptions::default()
    };
    Ok((settings, creds, options))
}

/// Runs the probe and prints it; the exit status tells the verdict.
pub async fn run(args: ProbeArgs) -> ExitCode {
    let (settings, creds, options) = match prepare(&args) {
        Ok(prepared) => prepared,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(EXIT_BAD_ARGS);
        }
    };
    let json = args.json;
    if !json {
        render::header(&settings, &creds, options.static_egress.as_deref());
    }
    let report = probe::probe(&settings, &creds, &options, |step| {
        if !json {
            render::step(step);
        }
    })
    .await;
    if json {
        render::json(&report);
    } else {
        render::summary(&report);
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
