//! Courier-IMAP unpacked from its Debian packages into a private root (it conflicts with
//! dovecot-imapd as an installed package; see tests/install-mail-servers.sh), served by
//! couriertcpd with couriertls for implicit TLS.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use super::certs::Certs;
use super::proc::{free_port, wait_pidfile, wait_port, PidGuard};

pub const COURIER_ROOT: &str = "/opt/probe-courier/root";

#[derive(Debug)]
pub struct Courier {
    pub imaps: u16,
    _guard: PidGuard,
    child: Child,
}

impl Drop for Courier {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Courier {
    pub fn start(dir: &Path, certs: &Certs) -> Self {
        let root = PathBuf::from(
            std::env::var("PROBE_COURIER_ROOT").unwrap_or_else(|_| COURIER_ROOT.into()),
        );
        assert!(
            root.join("usr/sbin/couriertcpd").exists(),
            "Courier-IMAP is not unpacked at {}: run tests/install-mail-servers.sh",
            root.display()
        );
        let d = dir.join("courier");
        fs::create_dir_all(&d).expect("courier dir");
        let imaps = free_port();
        let pidfile = d.join("courier.pid");
        let log = d.join("courier.log");
        let r = root.display();
        let libs = format!("{r}/usr/lib:{r}/usr/lib/x86_64-linux-gnu:{r}/usr/lib/courier-authlib");
        let guard = PidGuard {
            pidfile: pidfile.clone(),
            expect: &["couriertcpd"],
        };
        let mut cmd = Command::new(root.join("usr/sbin/couriertcpd"));
        cmd
            .env_clear()
                .env("LD_LIBRARY_PATH", libs)
                .env("IMAP_CAPABILITY", "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE")
                .env("IMAP_TLS", "1")
                .env("TLS_CERTFILE", &certs.good.both)
                .env("TLS_PROTOCOL", "TLS1_2:")
                .env("COURIERTLS", root.join("usr/bin/couriertls"))
                .arg("-address=127.0.0.1")
                .arg("-maxprocs=10")
                .arg("-nodnslookup")
                .arg("-noidentlookup")
                .arg(format!("-pid={}", pidfile.display()))
                .arg(format!("-stderr={}", log.display()))
                .arg(imaps.to_string())
                .arg(root.join("usr/bin/couriertls"))
                .args(["-server", "-tcpd"])
                .arg(root.join("usr/lib/courier/courier/imaplogin"))
                .arg(root.join("usr/bin/imapd"))
                .arg("Maildir")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
        // couriertcpd forks into the background and writes its pidfile.
        let child = cmd.spawn().expect("couriertcpd start");
        wait_port(SocketAddr::from(([127, 0, 0, 1], imaps)), "courier", &log);
        wait_pidfile(&pidfile, "couriertcpd");
        Self {
            imaps,
            _guard: guard,
            child,
        }
    }
}
