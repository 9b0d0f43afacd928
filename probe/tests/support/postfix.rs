//! Postfix from the Debian package with its own config directory (`postfix -c DIR start`):
//! submission with STARTTLS and implicit TLS on high loopback ports, Dovecot SASL, LMTP
//! delivery into Dovecot, logging to a file in the run directory.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::certs::Certs;
use super::dovecot::Dovecot;
use super::proc::{free_port, run, wait_pidfile, wait_port, PidGuard};

/// A recipient Postfix refuses, to make "test email failed" happen for real.
pub const REFUSED_RECIPIENT: &str = "refused@test.local";

/// A mailbox whose incoming mail Postfix puts on hold: the round trip never completes.
pub const HELD_USER: &str = "bob@test.local";
pub const HELD_PASSWORD: &str = "bob-Secret-42";

#[derive(Debug)]
pub struct Postfix {
    pub submission: u16,
    pub smtps: u16,
    pub log: PathBuf,
    conf_dir: PathBuf,
    _guard: PidGuard,
}

const MASTER_CF: &str = "\
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
";

impl Postfix {
    pub fn start(dir: &Path, certs: &Certs, dovecot: &Dovecot) -> Self {
        let d = dir.join("postfix");
        let etc = d.join("etc");
        fs::create_dir_all(&etc).expect("postfix etc");
        fs::create_dir_all(d.join("queue")).expect("postfix queue");
        fs::create_dir_all(d.join("data")).expect("postfix data");
        let pf = super::dovecot::uid_of("postfix");
        std::os::unix::fs::chown(d.join("data"), Some(pf), None).expect("chown data");
        let (submission, smtps) = (free_port(), free_port());
        let log = d.join("postfix.log");
        let main_cf = format!(
            "compatibility_level = 3.6
queue_directory = {d}/queue
data_directory = {d}/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mail.test.local
mydomain = test.local
mydestination =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.1/32
# Clients come from all of 127/8 (static egress tests): no PTR query may leave the host.
smtpd_peername_lookup = no
alias_maps =
alias_database =
smtputf8_enable = no
biff = no
maillog_file_prefixes = {d}
maillog_file = {log}
virtual_mailbox_domains = test.local
virtual_transport = lmtp:inet:127.0.0.1:{lmtp}
smtpd_reject_unlisted_recipient = no
smtpd_tls_cert_file = {cert}
smtpd_tls_key_file = {key}
smtpd_tls_security_level = may
smtpd_sasl_type = dovecot
smtpd_sasl_path = {auth}
smtpd_sasl_auth_enable = yes
smtpd_relay_restrictions = permit_sasl_authenticated, reject_unauth_destination
smtpd_recipient_restrictions = check_recipient_access inline:{{ {{ {refused} = REJECT test recipient refused by policy }}, {{ {held} = HOLD delivery stopped }} }}, permit_sasl_authenticated, reject
",
            d = d.display(),
            log = log.display(),
            lmtp = dovecot.lmtp,
            cert = certs.good.cert.display(),
            key = certs.good.key.display(),
            auth = dovecot.auth_socket.display(),
            refused = REFUSED_RECIPIENT,
            held = HELD_USER,
        );
        fs::write(etc.join("main.cf"), main_cf).expect("main.cf");
        let master = format!(
            "127.0.0.1:{submission} inet n - n - - smtpd
  -o smtpd_tls_security_level=encrypt
  -o smtpd_tls_auth_only=yes
127.0.0.1:{smtps} inet n - n - - smtpd
  -o smtpd_tls_wrappermode=yes
{MASTER_CF}"
        );
        fs::write(etc.join("master.cf"), master).expect("master.cf");
        let guard = PidGuard {
            pidfile: d.join("queue/pid/master.pid"),
            expect: &["master"],
        };
        run(
            Command::new("postfix").arg("-c").arg(&etc).arg("start"),
            "postfix start",
            &d.join("start.log"),
        );
        for port in [submission, smtps] {
            wait_port(SocketAddr::from(([127, 0, 0, 1], port)), "postfix", &log);
        }
        wait_pidfile(&guard.pidfile, "postfix");
        // Postfix logs those two test connections later: wait for them, so that a test's log
        // mark taken now sees only its own connections.
        let until = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while fs::read_to_string(&log)
            .map(|t| t.matches("]: disconnect from ").count() < 2)
            .unwrap_or(true)
            && std::time::Instant::now() < until
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        Self {
            submission,
            smtps,
            log,
            conf_dir: etc,
            _guard: guard,
        }
    }
}

impl Drop for Postfix {
    fn drop(&mut self) {
        let _ = Command::new("postfix")
            .arg("-c")
            .arg(&self.conf_dir)
            .arg("stop")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
    }
}
