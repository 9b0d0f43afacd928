//! A firewall stand-in in front of a real server, a forwarder counting the connections open at
//! once, and the client addresses the real servers logged: what the server side saw of the
//! probe's source addresses.

use std::collections::BTreeSet;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::peers::listen;

/// A TCP forwarder on 127.0.0.1: closes connections from `blocked` at once and forwards every
/// other one to the real server.
pub struct Firewall {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<IpAddr>>>,
}

impl Firewall {
    pub async fn start(upstream: SocketAddr, blocked: IpAddr) -> Self {
        let (l, addr, _) = listen().await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        tokio::spawn(async move {
            while let Ok((mut c, peer)) = l.accept().await {
                log.lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .push(peer.ip());
                if peer.ip() == blocked {
                    drop(c);
                    continue;
                }
                tokio::spawn(async move {
                    let Ok(mut up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut c, &mut up).await;
                });
            }
        });
        Self { addr, seen }
    }

    /// The client addresses of every connection so far, distinct and sorted.
    pub fn peers(&self) -> BTreeSet<IpAddr> {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.iter().copied().collect()
    }
}

/// The size of a log file now, to read only what is written after it.
pub fn log_mark(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn log_since(path: &Path, mark: u64) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let from = usize::try_from(mark).unwrap_or(usize::MAX).min(bytes.len());
    String::from_utf8_lossy(&bytes[from..]).into_owned()
}

/// Client addresses in log lines written after `mark`: the text after `prefix` up to `end`,
/// on lines containing `marker`.
fn peers_in(text: &str, marker: &str, prefix: &str, end: char) -> Vec<IpAddr> {
    text.lines()
        .filter(|l| l.contains(marker))
        .filter_map(|l| {
            let rest = &l[l.find(prefix)? + prefix.len()..];
            rest[..rest.find(end).unwrap_or(rest.len())].parse().ok()
        })
        .collect()
}

/// Dovecot's `imap-login: Info: Login: user=<..>, ... rip=127.0.0.x` lines after `mark`, waiting up to 5 s for
/// at least `want` of them.
pub fn dovecot_logins(log: &Path, mark: u64, want: usize) -> Vec<IpAddr> {
    wait_for(want, || {
        peers_in(&log_since(log, mark), ": Login: user=<", "rip=", ',')
    })
}

/// Postfix's `smtpd[..]: connect from unknown[127.0.0.x]` lines after `mark`, waiting up to
/// 5 s for at least `want` of them.
pub fn postfix_connects(log: &Path, mark: u64, want: usize) -> Vec<IpAddr> {
    wait_for(want, || {
        peers_in(
            &log_since(log, mark),
            "]: connect from ",
            "connect from unknown[",
            ']',
        )
    })
}

fn wait_for(want: usize, read: impl Fn() -> Vec<IpAddr>) -> Vec<IpAddr> {
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let found = read();
        if found.len() >= want || Instant::now() > until {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A TCP forwarder on 127.0.0.1 that counts the connections it holds open at once. Each one
/// waits `delay` before it reaches the real server (a slow link, so that checks overlap), and
/// counts from then until the client closes its side.
pub struct CountingProxy {
    pub addr: SocketAddr,
    open: Arc<AtomicUsize>,
    max: Arc<AtomicUsize>,
    total: Arc<AtomicUsize>,
}

impl CountingProxy {
    pub async fn start(upstream: SocketAddr, delay: Duration) -> Self {
        let (l, addr, _) = listen().await;
        let [open, max, total] = <[Arc<AtomicUsize>; 3]>::default();
        let counters = (open.clone(), max.clone(), total.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = l.accept().await {
                let (open, max, total) = counters.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let Ok(up) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    total.fetch_add(1, Ordering::SeqCst);
                    let now = open.fetch_add(1, Ordering::SeqCst) + 1;
                    max.fetch_max(now, Ordering::SeqCst);
                    let (mut client_r, mut client_w) = client.into_split();
                    let (mut up_r, mut up_w) = up.into_split();
                    let down = tokio::spawn(async move {
                        let _ = tokio::io::copy(&mut up_r, &mut client_w).await;
                    });
                    // The client's end of the connection: it has let go once it closes.
                    let _ = tokio::io::copy(&mut client_r, &mut up_w).await;
                    open.fetch_sub(1, Ordering::SeqCst);
                    let _ = up_w.shutdown().await;
                    let _ = down.await;
                });
            }
        });
        Self {
            addr,
            open,
            max,
            total,
        }
    }

    /// The most connections held open at once so far.
    pub fn max_open(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    /// Connections held open now.
    pub fn open(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }

    /// Connections forwarded so far.
    pub fn total(&self) -> usize {
        self.total.load(Ordering::SeqCst)
    }
}
