//! Run directories, free ports, pidfile-based stop guards, and the sweep of leftovers from a
//! killed run.

use std::fs;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Once;
use std::time::{Duration, Instant};

pub const ROOT: &str = "/tmp/probe-harness";

/// Names of the pidfiles a run directory may hold (relative paths), swept after a killed run.
pub const PIDFILES: &[&str] = &[
    "dovecot/base/master.pid",
    "postfix/queue/pid/master.pid",
    "courier/courier.pid",
];

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

fn cmdline(pid: u32) -> String {
    fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).replace('\0', " "))
        .unwrap_or_default()
}

fn read_pid(file: &Path) -> Option<u32> {
    fs::read_to_string(file).ok()?.trim().parse().ok()
}

/// Sends SIGTERM, waits, then SIGKILL; only for a process whose command line matches `expect`.
pub fn stop_pid(pid: u32, expect: &[&str]) {
    if !alive(pid) || !expect.iter().any(|e| cmdline(pid).contains(e)) {
        return;
    }
    let _ = Command::new("kill").arg(pid.to_string()).status();
    let until = Instant::now() + Duration::from_secs(5);
    while alive(pid) && Instant::now() < until {
        if fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| s.contains(") Z ")) {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if alive(pid) {
        let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    }
}

/// Kills the servers of runs whose test process is gone (found by the pid in the directory
/// name), by their pidfiles, and removes their directories.
pub fn sweep() {
    let Ok(entries) = fs::read_dir(ROOT) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().to_string();
        let owner: Option<u32> = name.split('-').nth(1).and_then(|p| p.parse().ok());
        if owner.is_some_and(alive) {
            continue;
        }
        for pf in PIDFILES {
            if let Some(pid) = read_pid(&e.path().join(pf)) {
                stop_pid(pid, &["dovecot", "master", "couriertcpd"]);
            }
        }
        let _ = fs::remove_dir_all(e.path());
    }
}

/// A per-run directory, removed on drop.
#[derive(Debug)]
pub struct RunDir(pub PathBuf);

impl RunDir {
    pub fn new(tag: &str) -> Self {
        static SWEEP: Once = Once::new();
        static SEQ: AtomicU32 = AtomicU32::new(0);
        SWEEP.call_once(sweep);
        let n = SEQ.fetch_add(1, Ordering::SeqCst);
        let dir = PathBuf::from(ROOT).join(format!("run-{}-{n}-{tag}", std::process::id()));
        fs::create_dir_all(&dir).expect("run dir");
        for d in [Path::new(ROOT), dir.as_path()] {
            fs::set_permissions(d, fs::Permissions::from_mode(0o755)).expect("chmod");
        }
        Self(dir)
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for RunDir {
    fn drop(&mut self) {
        if std::env::var_os("PROBE_KEEP_RUN_DIR").is_none() {
            let _ = fs::remove_dir_all(&self.0);
        }
    }
}

/// A free loopback port below the kernel's ephemeral range (32768–60999 on Linux), so that no
/// client connection of a test running alongside can be given it between this check and the
/// server's own bind (that race failed a run with "Address already in use").
/// A port is never handed out twice in one process: servers started one after the other would
/// otherwise draw the same still-free port for two listeners (seen as "Address already in use").
pub fn free_port() -> u16 {
    use std::hash::{BuildHasher, Hasher};
    static GIVEN: std::sync::Mutex<Vec<u16>> = std::sync::Mutex::new(Vec::new());
    let mut given = GIVEN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    for _ in 0..1000 {
        let random = std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish();
        let port = 20_000 + (random % 12_000) as u16;
        if !given.contains(&port) && TcpListener::bind(("127.0.0.1", port)).is_ok() {
            given.push(port);
            return port;
        }
    }
    panic!("no free loopback port between 20000 and 32000");
}

/// Waits until `addr` accepts connections.
pub fn wait_port(addr: SocketAddr, what: &str, log: &Path) {
    let until = Instant::now() + Duration::from_secs(15);
    while Instant::now() < until {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!(
        "{what} did not listen on {addr}; log:\n{}",
        fs::read_to_string(log).unwrap_or_default()
    );
}

/// Waits until a daemon has written its pidfile (it may listen before it writes it).
pub fn wait_pidfile(file: &Path, what: &str) {
    let until = Instant::now() + Duration::from_secs(10);
    while read_pid(file).is_none() {
        assert!(
            Instant::now() < until,
            "{what} wrote no pidfile {}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a (daemonizing) command with its output in `log` and panics when it fails. The output
/// goes to a file, not a pipe: a daemon keeps inherited pipes open forever.
pub fn run(cmd: &mut Command, what: &str, log: &Path) {
    let out = fs::File::create(log).expect("log file");
    let err = out.try_clone().expect("log file");
    let status = cmd
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err)
        .status()
        .unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        status.success(),
        "{what} failed: {}",
        fs::read_to_string(log).unwrap_or_default()
    );
}

/// Stops the process named in a pidfile when dropped.
#[derive(Debug)]
pub struct PidGuard {
    pub pidfile: PathBuf,
    pub expect: &'static [&'static str],
}

impl Drop for PidGuard {
    fn drop(&mut self) {
        if let Some(pid) = read_pid(&self.pidfile) {
            stop_pid(pid, self.expect);
        }
    }
}
