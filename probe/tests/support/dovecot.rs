//! Dovecot from the Debian package, run as root without systemd: passwd-file users, IMAPS and
//! IMAP (STARTTLS) listeners, LMTP for Postfix, one certificate per loopback address.

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::certs::Certs;
use super::proc::{free_port, run, wait_pidfile, wait_port, PidGuard};

pub const USER: &str = "alice@test.local";
pub const PASSWORD: &str = "alice-Secret-42";
/// A user whose SMTP password differs from the IMAP one (carol-Secret-42).
pub const SMTP_DIFFERS: &str = "carol@test.local";
/// A mailbox whose login name is not its address: `dave` logs in (Dovecot then names the
/// session dave@test.local, the mailbox LMTP delivers to); logging in as the address fails.
pub const CUSTOM_LOGIN_EMAIL: &str = "dave@test.local";
pub const CUSTOM_LOGIN_USERNAME: &str = "dave";
pub const CUSTOM_LOGIN_PASSWORD: &str = "dave-Secret-42";

/// The HS256 key Dovecot's `oauth2` passdb checks access tokens with (tokens without `azp`
/// and `kid` are looked up under `default/HS256/default`). Tests sign tokens with it; a token's
/// `email` claim must name the mailbox it signs in to.
pub const OAUTH_HS256_KEY: &[u8] = b"test-oauth-signing-key-0123456789abcdef";
/// `OAUTH_HS256_KEY` in base64, as Dovecot reads it from the key file.
const OAUTH_HS256_KEY_BASE64: &str = "dGVzdC1vYXV0aC1zaWduaW5nLWtleS0wMTIzNDU2Nzg5YWJjZGVm";

/// How many numbered mailboxes (`mailbox(1..=MAILBOXES)`) every instance has, for tests that
/// need many inboxes.
pub const MAILBOXES: usize = 16;

/// How many numbered mailboxes an instance started now gets: `MAIL_LAB_MAILBOXES` (the
/// benchmark asks for 1,000), else `MAILBOXES`.
pub fn mailbox_count() -> usize {
    std::env::var("MAIL_LAB_MAILBOXES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAILBOXES)
        .max(MAILBOXES)
}

/// The address and password of numbered mailbox `n` (user01@test.local, user01-Secret-42).
pub fn mailbox(n: usize) -> (String, String) {
    (
        format!("user{n:02}@test.local"),
        format!("user{n:02}-Secret-42"),
    )
}

/// Loopback addresses and the certificate each one presents on the IMAPS port.
pub const ADDR_GOOD: &str = "127.0.0.1";
pub const ADDR_PLAINTEXT: &str = "127.0.0.2";
pub const ADDR_SELF_SIGNED: &str = "127.0.0.3";
pub const ADDR_EXPIRED: &str = "127.0.0.4";
pub const ADDR_WRONG_HOST: &str = "127.0.0.5";
pub const ADDR_SOON: &str = "127.0.0.6";
pub const ADDR_CN_ONLY: &str = "127.0.0.7";

#[derive(Debug)]
pub struct Dovecot {
    pub imaps: u16,
    pub imap: u16,
    pub lmtp: u16,
    pub auth_socket: PathBuf,
    pub log: PathBuf,
    /// Where the passwd-files (users-imap, users-smtp) are.
    users_dir: PathBuf,
    _guard: PidGuard,
}

fn local_block(addr: &str, cert: &super::certs::CertFiles) -> String {
    format!(
        "local {addr} {{\n  ssl_cert = <{}\n  ssl_key = <{}\n}}\n",
        cert.cert.display(),
        cert.key.display()
    )
}

pub fn uid_of(name: &str) -> u32 {
    let out = Command::new("id").args(["-u", name]).output().expect("id");
    String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("uid")
}

/// Local validation of JWT access tokens (no introspection endpoint): the key of each token is
/// read from a directory (`<azp>/<alg>/<kid>`, `default` for an absent claim).
fn oauth2_config(d: &Path) -> PathBuf {
    let keys = d.join("oauth2-keys");
    let hs256 = keys.join("default/HS256");
    fs::create_dir_all(&hs256).expect("oauth2 key dir");
    fs::write(hs256.join("default"), OAUTH_HS256_KEY_BASE64).expect("oauth2 key");
    let path = d.join("dovecot-oauth2.conf.ext");
    fs::write(
        &path,
        format!(
            "introspection_mode = local\nlocal_validation_key_dict = fs:posix:prefix={}/\nusername_attribute = email\n",
            keys.display()
        ),
    )
    .expect("oauth2 conf");
    path
}

impl Dovecot {
    /// Starts an instance in `dir`; `max_userip` limits IMAP connections per user and IP.
    pub fn start(dir: &Path, certs: &Certs, max_userip: u32) -> Self {
        Self::start_offering(dir, certs, max_userip, "xoauth2 oauthbearer")
    }

    /// As `start`, offering only `oauth_mechanisms` for access tokens (on IMAP and, through
    /// Dovecot SASL, on Postfix).
    pub fn start_offering(
        dir: &Path,
        certs: &Certs,
        max_userip: u32,
        oauth_mechanisms: &str,
    ) -> Self {
        let d = dir.join("dovecot");
        let mail = d.join("mail");
        fs::create_dir_all(&mail).expect("mail dir");
        let mail_uid = uid_of("mail");
        std::os::unix::fs::chown(&mail, Some(mail_uid), Some(mail_uid)).expect("chown mail");
        // One passwd-file per service (%s): carol's SMTP password differs from her IMAP one.
        let mut common =
            format!("{USER}:{{PLAIN}}{PASSWORD}\nbob@test.local:{{PLAIN}}bob-Secret-42\n");
        for n in 1..=mailbox_count() {
            let (user, password) = mailbox(n);
            common.push_str(&format!("{user}:{{PLAIN}}{password}\n"));
        }
        common.push_str(&format!(
            "{CUSTOM_LOGIN_USERNAME}:{{PLAIN}}{CUSTOM_LOGIN_PASSWORD}::::::user={CUSTOM_LOGIN_EMAIL}\n"
        ));
        fs::write(
            d.join("users-imap"),
            format!("{common}{SMTP_DIFFERS}:{{PLAIN}}carol-Secret-42\n"),
        )
        .expect("users");
        fs::write(
            d.join("users-smtp"),
            format!("{common}{SMTP_DIFFERS}:{{PLAIN}}another-password\n"),
        )
        .expect("users");
        let users = d.join("users-%s");
        let oauth_passdb = match oauth_mechanisms.is_empty() {
            true => String::new(),
            false => format!(
                "passdb {{\n  driver = oauth2\n  mechanisms = {oauth_mechanisms}\n  args = {}\n}}",
                oauth2_config(&d).display()
            ),
        };
        let (imaps, imap, lmtp) = (free_port(), free_port(), free_port());
        let log = d.join("dovecot.log");
        let base = d.join("base");
        let locals: String = [
            (ADDR_SELF_SIGNED, &certs.self_signed),
            (ADDR_EXPIRED, &certs.expired),
            (ADDR_WRONG_HOST, &certs.wrong_host),
            (ADDR_SOON, &certs.soon),
            (ADDR_CN_ONLY, &certs.cn_only),
        ]
        .iter()
        .map(|(a, c)| local_block(a, c))
        .collect();
        let conf = format!(
            r#"protocols = imap lmtp
base_dir = {base}
state_dir = {d}/state
log_path = {log}
listen = 127.0.0.1
ssl = yes
ssl_cert = <{cert}
ssl_key = <{key}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login {oauth_mechanisms}
auth_verbose = yes
first_valid_uid = 1
mail_location = maildir:~/Maildir
postmaster_address = postmaster@test.local
default_login_user = dovenull
default_internal_user = dovecot
passdb {{
  driver = passwd-file
  mechanisms = plain login
  args = scheme=PLAIN username_format=%u {users}
}}
{oauth_passdb}
userdb {{
  driver = static
  args = uid={mail_uid} gid={mail_uid} home={mail}/%d/%n allow_all_users=yes
}}
protocol imap {{
  mail_max_userip_connections = {max_userip}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1, 127.0.0.2
    port = {imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1, 127.0.0.2, 127.0.0.3, 127.0.0.4, 127.0.0.5, 127.0.0.6, 127.0.0.7
    port = {imaps}
    ssl = yes
  }}
}}
service lmtp {{
  inet_listener lmtp {{
    address = 127.0.0.1
    port = {lmtp}
  }}
}}
service auth {{
  unix_listener auth-postfix {{
    mode = 0666
  }}
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \Sent
    auto = subscribe
  }}
  mailbox Drafts {{
    special_use = \Drafts
    auto = subscribe
  }}
  mailbox Trash {{
    special_use = \Trash
    auto = subscribe
  }}
}}
{locals}"#,
            base = base.display(),
            d = d.display(),
            log = log.display(),
            cert = certs.good.cert.display(),
            key = certs.good.key.display(),
            users = users.display(),
            mail = mail.display(),
        );
        let conf_path = d.join("dovecot.conf");
        fs::write(&conf_path, conf).expect("dovecot.conf");
        let guard = PidGuard {
            pidfile: base.join("master.pid"),
            expect: &["dovecot"],
        };
        run(
            Command::new("dovecot").arg("-c").arg(&conf_path),
            "dovecot start",
            &d.join("start.log"),
        );
        for port in [imaps, imap, lmtp] {
            wait_port(SocketAddr::from(([127, 0, 0, 1], port)), "dovecot", &log);
        }
        wait_pidfile(&guard.pidfile, "dovecot");
        Self {
            imaps,
            imap,
            lmtp,
            auth_socket: base.join("auth-postfix"),
            log,
            users_dir: d,
            _guard: guard,
        }
    }

    /// Gives `user` a new IMAP and SMTP password. Each passwd-file is replaced whole (rename),
    /// and Dovecot re-reads a passwd-file when its size or time changes: a password of another
    /// length takes effect within a second.
    pub fn set_password(&self, user: &str, password: &str) {
        let prefix = format!("{user}:");
        for service in ["imap", "smtp"] {
            let path = self.users_dir.join(format!("users-{service}"));
            let text = fs::read_to_string(&path).expect("passwd-file");
            assert!(
                text.lines().any(|l| l.starts_with(&prefix)),
                "{user} is not in {}",
                path.display()
            );
            let new: String = text
                .lines()
                .map(|l| match l.starts_with(&prefix) {
                    true => format!("{user}:{{PLAIN}}{password}\n"),
                    false => format!("{l}\n"),
                })
                .collect();
            let tmp = self.users_dir.join(format!("users-{service}.new"));
            fs::write(&tmp, new).expect("passwd-file");
            fs::rename(&tmp, &path).expect("passwd-file");
        }
    }
}
