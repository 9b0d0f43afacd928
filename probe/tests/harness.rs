//! The harness itself: a killed run's servers are found by pidfile and stopped at the next start.

mod support;

use std::path::Path;

use support::{certs::Certs, dovecot::Dovecot, proc};

fn dead_pid() -> u32 {
    (3_000_000..4_000_000)
        .find(|p| !Path::new(&format!("/proc/{p}")).exists())
        .expect("a free pid")
}

#[test]
fn leftovers_of_a_killed_run_are_stopped_by_pidfile() {
    let dir = Path::new(proc::ROOT).join(format!("run-{}-0-killed", dead_pid()));
    std::fs::create_dir_all(&dir).expect("dir");
    let certs = Certs::generate(&dir.join("certs"));
    // Like a run killed with SIGKILL: no drop guard runs.
    let dovecot = Dovecot::start(&dir, &certs, 10);
    let pidfile = dir.join("dovecot/base/master.pid");
    let pid = std::fs::read_to_string(&pidfile).expect("pidfile");
    let pid = pid.trim().to_string();
    std::mem::forget(dovecot);
    assert!(Path::new(&format!("/proc/{pid}")).exists());
    proc::sweep();
    assert!(!dir.exists(), "the run directory is removed");
    let alive =
        std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "));
    assert!(!alive, "dovecot {pid} was stopped");
}
