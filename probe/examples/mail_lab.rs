//! A mail lab for the browser tests and the benchmark: a real Dovecot + Postfix pair from the
//! probe's test harness on free loopback ports, certificates from a per-run test CA, and a
//! "blackhole" listener that accepts connections and never says anything.
//!
//! Prints one JSON line on stdout with what a client needs, then runs until stdin is closed or
//! SIGTERM/SIGINT arrives; the harness's drop guards stop every server on the way out.
//!
//! ```sh
//! cargo run -p probe --example mail_lab   # as root, after probe/tests/install-mail-servers.sh
//! ```

#[path = "../tests/support/mod.rs"]
mod support;

use std::io::{Read, Write};
use std::process::ExitCode;

use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::oneshot;

#[tokio::main]
async fn main() -> ExitCode {
    let mut term = match signal(SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("mail_lab: cannot listen for SIGTERM: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mail = support::mail();
    let (blackhole, _seen) = support::peers::silent().await;
    let info = serde_json::json!({
        "host": "127.0.0.1",
        "imaps_port": mail.dovecot.imaps,
        "imap_starttls_port": mail.dovecot.imap,
        "smtps_port": mail.postfix.smtps,
        "submission_port": mail.postfix.submission,
        "email": support::dovecot::USER,
        "password": support::dovecot::PASSWORD,
        "custom_login": {
            "email": support::dovecot::CUSTOM_LOGIN_EMAIL,
            "username": support::dovecot::CUSTOM_LOGIN_USERNAME,
            "password": support::dovecot::CUSTOM_LOGIN_PASSWORD,
        },
        "ca_file": mail.dir.path().join("certs").join("ca.pem"),
        "blackhole_port": blackhole.port(),
        "refused_recipient": support::postfix::REFUSED_RECIPIENT,
        "run_dir": mail.dir.path(),
    });
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{info}");
        let _ = stdout.flush();
    }

    // Stdin is read on a plain thread: it is left behind at exit instead of being waited for.
    let (closed_tx, closed_rx) = oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut sink = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = closed_tx.send(());
    });
    let why = tokio::select! {
        _ = closed_rx => "stdin closed",
        _ = term.recv() => "SIGTERM",
        _ = tokio::signal::ctrl_c() => "SIGINT",
    };
    eprintln!("mail_lab: {why}, stopping the mail servers");
    drop(mail);
    ExitCode::SUCCESS
}
