//! Certificates generated per run: a test CA and leaf certificates of every kind the tests need.

use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, SanType};
use time::{Duration, OffsetDateTime};

/// One certificate on disk: `cert` (PEM), `key` (PEM) and `both` (key then cert, for Courier).
#[derive(Debug, Clone)]
pub struct CertFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
    pub both: PathBuf,
}

#[derive(Debug, Clone)]
pub struct Certs {
    pub ca_pem: String,
    pub good: CertFiles,
    pub self_signed: CertFiles,
    pub expired: CertFiles,
    pub wrong_host: CertFiles,
    pub soon: CertFiles,
    pub cn_only: CertFiles,
}

fn params(names: &[&str], ips: &[&str], cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .expect("cert params");
    for ip in ips {
        p.subject_alt_names
            .push(SanType::IpAddress(ip.parse::<IpAddr>().expect("ip")));
    }
    p.distinguished_name.push(DnType::CommonName, cn);
    p.not_before = OffsetDateTime::now_utc() - Duration::days(1);
    p.not_after = OffsetDateTime::now_utc() + Duration::days(365);
    p
}

fn write(dir: &Path, name: &str, cert_pem: &str, key: &KeyPair) -> CertFiles {
    let f = CertFiles {
        cert: dir.join(format!("{name}.pem")),
        key: dir.join(format!("{name}.key")),
        both: dir.join(format!("{name}.both.pem")),
    };
    fs::write(&f.cert, cert_pem).expect("write cert");
    fs::write(&f.key, key.serialize_pem()).expect("write key");
    fs::write(&f.both, format!("{}{}", key.serialize_pem(), cert_pem)).expect("write both");
    f
}

impl Certs {
    pub fn generate(dir: &Path) -> Self {
        fs::create_dir_all(dir).expect("cert dir");
        let ca_key = KeyPair::generate().expect("ca key");
        let mut ca_params = params(&[], &[], "Probe Test CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).expect("ca cert");
        let ca_pem = ca.pem();
        fs::write(dir.join("ca.pem"), &ca_pem).expect("write ca");

        let signed = |name: &str, p: CertificateParams| {
            let key = KeyPair::generate().expect("key");
            let cert = p.signed_by(&key, &ca, &ca_key).expect("sign");
            write(dir, name, &cert.pem(), &key)
        };
        let all_ips = ["127.0.0.1", "127.0.0.2"];
        let good = signed(
            "good",
            params(
                &[
                    "mail.test.local",
                    "plaintext.test.local",
                    "limit.test.local",
                    "courier.test.local",
                ],
                &all_ips,
                "mail.test.local",
            ),
        );
        let mut exp = params(&["expired.test.local"], &[], "expired.test.local");
        exp.not_before = OffsetDateTime::from_unix_timestamp(1_577_836_800).expect("t"); // 2020-01-01
        exp.not_after = OffsetDateTime::from_unix_timestamp(1_580_515_200).expect("t"); // 2020-02-01
        let expired = signed("expired", exp);
        let wrong_host = signed(
            "wronghost",
            params(&["wrong.host.invalid"], &[], "wrong.host.invalid"),
        );
        let mut soon_p = params(&["soon.test.local"], &[], "soon.test.local");
        soon_p.not_after = OffsetDateTime::now_utc() + Duration::days(10);
        let soon = signed("soon", soon_p);
        let cn_only = signed("cnonly", params(&[], &[], "cnonly.test.local"));

        let ss_key = KeyPair::generate().expect("key");
        let ss = params(&["selfsigned.test.local"], &[], "selfsigned.test.local")
            .self_signed(&ss_key)
            .expect("self-signed");
        let self_signed = write(dir, "selfsigned", &ss.pem(), &ss_key);
        Self {
            ca_pem,
            good,
            self_signed,
            expired,
            wrong_host,
            soon,
            cn_only,
        }
    }
}
