//! In-process peers: hostile servers (silent, dripping, endless line), a scripted IMAP server
//! replaying a provider's answers over TLS, and a TLS-terminating proxy in front of a real server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::certs::CertFiles;

/// A listener on a free loopback port; returns its address and a counter of connections seen.
pub async fn listen() -> (TcpListener, SocketAddr, Arc<AtomicU64>) {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    (l, addr, Arc::new(AtomicU64::new(0)))
}

/// Accepts connections and never says anything.
pub async fn silent() -> (SocketAddr, Arc<AtomicU64>) {
    let (l, addr, seen) = listen().await;
    let s = seen.clone();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((c, _)) = l.accept().await {
            s.fetch_add(1, Ordering::SeqCst);
            held.push(c);
        }
    });
    (addr, seen)
}

/// Sends `* OK ` one byte a second, forever.
pub async fn drip() -> SocketAddr {
    let (l, addr, _) = listen().await;
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            tokio::spawn(async move {
                for b in b"* OK ".iter().cycle() {
                    if c.write_all(&[*b]).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            });
        }
    });
    addr
}

/// Sends `* OK ` and then an endless line; counts the bytes it managed to write.
pub async fn endless_line() -> (SocketAddr, Arc<AtomicU64>) {
    let (l, addr, written) = listen().await;
    let w = written.clone();
    tokio::spawn(async move {
        while let Ok((mut c, _)) = l.accept().await {
            let w = w.clone();
            tokio::spawn(async move {
                let chunk = vec![b'A'; 16 * 1024];
                if c.write_all(b"* OK ").await.is_err() {
                    return;
                }
                while c.write_all(&chunk).await.is_ok() {
                    w.fetch_add(chunk.len() as u64, Ordering::SeqCst);
                }
            });
        }
    });
    (addr, written)
}

pub fn acceptor(cert: &CertFiles) -> TlsAcceptor {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&cert.cert)
        .expect("cert")
        .map(|c| c.expect("cert"))
        .collect();
    let key = PrivateKeyDer::from_pem_file(&cert.key).expect("key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("versions")
    .with_no_client_auth()
    .with_single_cert(certs, key)
    .expect("server config");
    TlsAcceptor::from(Arc::new(config))
}

/// An IMAPS server that greets, answers CAPABILITY, and answers LOGIN with `login_reply`
/// (lines with `{tag}` replaced by the command's tag).
pub async fn scripted_imaps(cert: &CertFiles, login_reply: &'static str) -> SocketAddr {
    let (l, addr, _) = listen().await;
    let acceptor = acceptor(cert);
    tokio::spawn(async move {
        while let Ok((c, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(c).await else {
                    return;
                };
                let (r, mut w) = tokio::io::split(tls);
                let mut lines = BufReader::new(r).lines();
                let _ = w
                    .write_all(b"* OK [CAPABILITY IMAP4rev1 AUTH=PLAIN] Provider IMAP ready\r\n")
                    .await;
                while let Ok(Some(line)) = lines.next_line().await {
                    let tag = line.split(' ').next().unwrap_or("*").to_string();
                    let cmd = line.split(' ').nth(1).unwrap_or("").to_ascii_uppercase();
                    let reply = match cmd.as_str() {
                        "CAPABILITY" => {
                            format!("* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n{tag} OK done\r\n")
                        }
                        "LOGIN" => login_reply.replace("{tag}", &tag),
                        _ => format!("{tag} BAD unknown\r\n"),
                    };
                    if w.write_all(reply.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Terminates TLS and forwards the plaintext to `upstream`, like a TLS offloader would.
pub async fn tls_proxy(cert: &CertFiles, upstream: SocketAddr) -> SocketAddr {
    let (l, addr, _) = listen().await;
    let acceptor = acceptor(cert);
    tokio::spawn(async move {
        while let Ok((c, _)) = l.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(c).await else {
                    return;
                };
                let Ok(mut up) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut up).await;
            });
        }
    });
    addr
}

/// `openssl s_server` speaking only TLS 1.1; stopped (by its own pid) on drop.
pub struct OldTls {
    pub port: u16,
    child: std::process::Child,
}

impl OldTls {
    pub fn start(cert: &CertFiles) -> Self {
        let port = super::proc::free_port();
        let child = std::process::Command::new("openssl")
            .args([
                "s_server",
                "-quiet",
                "-tls1_1",
                "-cipher",
                "DEFAULT:@SECLEVEL=0",
            ])
            .arg("-accept")
            .arg(format!("127.0.0.1:{port}"))
            .arg("-cert")
            .arg(&cert.cert)
            .arg("-key")
            .arg(&cert.key)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("openssl s_server");
        let addr = SocketAddr::from(([127, 0, 0, 1], port));
        super::proc::wait_port(addr, "openssl s_server", std::path::Path::new("/dev/null"));
        Self { port, child }
    }
}

impl Drop for OldTls {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
