//! Real `server` processes for the scale-out test: each on its own loopback port, all on one
//! PostgreSQL database, with the probe harness's Dovecot and Postfix reachable (test CA,
//! loopback allowed), and a plain HTTP client to call them as a load balancer would.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

/// The inbox key every process shares (as a deployment's secret store would give it).
pub const INBOX_KEY: &str = "5f1c0e9a7b3d2468ace013579bdf02468ace13579bdf0246813579bdf02468ac";
/// Connection tests one user may start per minute, over all processes.
pub const PER_MINUTE: usize = 3;
/// How long a killed process's claims block their inboxes.
pub const LEASE: Duration = Duration::from_secs(10);

pub struct ServerProcess {
    pub name: &'static str,
    pub base: String,
    child: Child,
    log: PathBuf,
}

/// What every process of the cluster shares.
pub struct Shared<'a> {
    pub database_url: &'a str,
    pub data_dir: &'a Path,
    pub ca_file: PathBuf,
}

impl ServerProcess {
    /// Starts `server serve` and waits until `/readyz` answers.
    pub async fn start(name: &'static str, shared: &Shared<'_>) -> ServerProcess {
        let port = crate::support::proc::free_port();
        let log = shared.data_dir.join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("log file");
        let err = out.try_clone().expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("DATABASE_URL", shared.database_url)
            .env("MAILSETTINGS_DATA_DIR", shared.data_dir)
            .env("MAILSETTINGS_INBOX_KEY", INBOX_KEY)
            .env("MAILSETTINGS_PROBE_ALLOW_PRIVATE", "127.0.0.0/8")
            .env("MAILSETTINGS_PROBE_CA_FILE", &shared.ca_file)
            .env("MAILSETTINGS_PROBE_PER_MINUTE", PER_MINUTE.to_string())
            .env("MAILSETTINGS_PROBE_STEP_TIMEOUT", "2")
            .env("MAILSETTINGS_PROBE_BUDGET", "5")
            .env("MAILSETTINGS_CLAIM_LEASE", format!("{}s", LEASE.as_secs()))
            .env("MAILSETTINGS_SHUTDOWN_GRACE", "5s")
            .env(
                "MAILSETTINGS_INBOX_CHECKS",
                std::env::var("SCALE_OUT_CHECKS").unwrap_or_else(|_| "1".into()),
            )
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .kill_on_drop(true)
            .spawn()
            .expect("start the server");
        let process = ServerProcess {
            name,
            base: format!("http://127.0.0.1:{port}"),
            child,
            log,
        };
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let ready = client.get(process.url("/readyz")).send().await;
            if ready.is_ok_and(|r| r.status().is_success()) {
                return process;
            }
            assert!(
                Instant::now() < deadline,
                "{name} did not become ready:\n{}",
                process.log_text()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or_default()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// SIGKILL: no hand-back, no goodbye.
    pub async fn kill(&mut self) {
        self.child.kill().await.expect("SIGKILL");
    }

    /// SIGTERM, then the exit status (it must come within `within`).
    pub async fn terminate(&mut self, within: Duration) -> std::process::ExitStatus {
        let pid = self.child.id().expect("running").to_string();
        let sent = std::process::Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .expect("kill -TERM");
        assert!(sent.success());
        tokio::time::timeout(within, self.child.wait())
            .await
            .unwrap_or_else(|_| panic!("{} did not stop:\n{}", self.name, self.log_text()))
            .expect("exit status")
    }
}

/// Calls with an API token, as a script would.
pub async fn api(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
    body: Option<serde_json::Value>,
) -> (u16, serde_json::Value, reqwest::header::HeaderMap) {
    let mut request = client.request(method, url).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let reply = request.send().await.expect("request");
    let status = reply.status().as_u16();
    let headers = reply.headers().clone();
    let text = reply.text().await.expect("body");
    let json = serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text));
    (status, json, headers)
}

/// Calls a server function as the browser does (form post from the page's own origin).
pub async fn server_fn(
    client: &reqwest::Client,
    process: &ServerProcess,
    function: &str,
    session: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut request = client
        .post(process.url(&format!("/api/{function}")))
        .header("Origin", &process.base)
        .header("Accept", "application/json")
        .form(form);
    if let Some(session) = session {
        request = request.header("Cookie", format!("mailsettings_session={session}"));
    }
    request.send().await.expect("request")
}

/// Polls `probe` every 20 ms until it gives a value; panics after `within`.
pub async fn until<T, F, Fut>(what: &str, within: Duration, mut probe: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let deadline = Instant::now() + within;
    loop {
        if let Some(v) = probe().await {
            return v;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
