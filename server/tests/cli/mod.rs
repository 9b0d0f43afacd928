//! Running the built `server probe` binary, shared by the CLI test files.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Output;

use serde_json::Value;
use tokio::process::Command;

use crate::support::{dovecot, Mail};

pub const EGRESS: &str = "MAILSETTINGS_STATIC_EGRESS";

pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        // Exactly one JSON object on stdout, nothing else.
        serde_json::from_str(self.stdout.trim()).unwrap_or_else(|e| {
            panic!(
                "stdout is not one JSON object ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn show(&self) -> String {
        format!(
            "exit {}\nstdout:\n{}\nstderr:\n{}",
            self.code, self.stdout, self.stderr
        )
    }
}

/// Runs `server probe ARGS`, with `PROBE_PASSWORD` set to `password` (unset when `None`).
pub async fn probe_cli(args: &[String], password: Option<&str>) -> Run {
    probe_cli_egress(args, password, None).await
}

/// Like [`probe_cli`], with `MAILSETTINGS_STATIC_EGRESS` set to `egress` (unset when `None`).
pub async fn probe_cli_egress(
    args: &[String],
    password: Option<&str>,
    egress: Option<&str>,
) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_server"));
    cmd.arg("probe").args(args).env_remove("PROBE_PASSWORD");
    cmd.env_remove(EGRESS);
    if let Some(p) = password {
        cmd.env("PROBE_PASSWORD", p);
    }
    if let Some(e) = egress {
        cmd.env(EGRESS, e);
    }
    let Output {
        status,
        stdout,
        stderr,
    } = cmd.output().await.expect("run server probe");
    Run {
        code: status.code().expect("exit code"),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    }
}

pub fn ca_file(m: &Mail) -> PathBuf {
    m.dir.path().join("certs").join("ca.pem")
}

pub fn strings(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| s.to_string()).collect()
}

/// IMAPS + SMTPS on the shared servers, the test CA trusted and loopback allowlisted.
pub fn good_args(m: &Mail) -> Vec<String> {
    let mut args = strings(&["--email", dovecot::USER]);
    args.extend([
        "--imap".into(),
        format!("127.0.0.1:{}", m.dovecot.imaps),
        "--imap-security".into(),
        "ssl".into(),
        "--smtp".into(),
        format!("127.0.0.1:{}", m.postfix.smtps),
        "--smtp-security".into(),
        "ssl".into(),
        "--ca-file".into(),
        ca_file(m).display().to_string(),
        "--allow-private".into(),
        "127.0.0.0/8".into(),
    ]);
    args
}

pub fn endpoints(imap: &str, imap_security: &str) -> Vec<String> {
    strings(&[
        "--email",
        "alice@example.com",
        "--imap",
        imap,
        "--imap-security",
        imap_security,
        "--smtp",
        "127.0.0.1:465",
        "--smtp-security",
        "ssl",
        "--json",
    ])
}
