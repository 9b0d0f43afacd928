//! TLS: trust roots, a verifier that records why a certificate is not trusted (and accepts it
//! under the "Allow non-secure certificate" flag or a pin), the session's facts, and the
//! mapping of handshake failures to detail codes.

use std::io;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::WebPkiServerVerifier;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{
    CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme,
};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::certinfo::{fingerprint, CertInfo};
use crate::model::{ProbeOptions, ProbeSettings};
use crate::report::TlsFacts;

/// Could not build the TLS client configuration (bad extra CA bundle, no roots, bad pin).
#[derive(Debug, thiserror::Error)]
pub enum TlsSetupError {
    #[error("the extra CA bundle holds no certificate")]
    EmptyBundle,
    #[error("cannot build the certificate verifier: {0}")]
    Verifier(String),
}

/// The operating system's roots, read from disk and parsed once per process (tens of
/// milliseconds), not once per probe.
fn system_roots() -> &'static RootCertStore {
    static ROOTS: OnceLock<RootCertStore> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let mut roots = RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        roots
    })
}

/// What the verifier saw during one handshake.
#[derive(Debug, Default)]
pub struct Seen {
    pub leaf: Option<CertificateDer<'static>>,
    pub error: Option<rustls::Error>,
    pub pin_mismatch: bool,
}

#[derive(Debug)]
struct Verifier {
    inner: Arc<WebPkiServerVerifier>,
    accept_invalid: bool,
    pin: Option<[u8; 32]>,
    seen: Arc<Mutex<Seen>>,
}

fn accepted_by_flag(e: &rustls::Error) -> bool {
    !matches!(
        e,
        rustls::Error::InvalidCertificate(
            CertificateError::NotValidForName
                | CertificateError::NotValidForNameContext { .. }
                | CertificateError::Revoked
        )
    )
}

impl ServerCertVerifier for Verifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let res = self
            .inner
            .verify_server_cert(end_entity, intermediates, server_name, ocsp, now);
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.leaf = Some(end_entity.clone().into_owned());
        seen.error = res.as_ref().err().cloned();
        if let Some(pin) = self.pin {
            if fingerprint(end_entity.as_ref()) == pin {
                return Ok(ServerCertVerified::assertion());
            }
            seen.pin_mismatch = true;
            return Err(rustls::Error::General(
                "certificate does not match the pin".into(),
            ));
        }
        match res {
            Ok(v) => Ok(v),
            Err(e) if self.accept_invalid && accepted_by_flag(&e) => {
                // The flag never accepts a certificate for another name: check it separately,
                // since webpki reports only the first problem (issuer before name).
                let parsed = rustls::server::ParsedCertificate::try_from(end_entity)?;
                if let Err(name_err) = rustls::client::verify_server_name(&parsed, server_name) {
                    seen.error = Some(name_err.clone());
                    return Err(name_err);
                }
                Ok(ServerCertVerified::assertion())
            }
            Err(e) => Err(e),
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// The trust policy of one probe: roots, the non-secure flag and the pin.
#[derive(Debug, Clone)]
pub struct TlsPolicy {
    inner: Arc<WebPkiServerVerifier>,
    provider: Arc<CryptoProvider>,
    accept_invalid: bool,
}

/// The pinned SHA-256 digest. `CertPin` holds exactly 64 lower-case hex digits, so the decoding
/// cannot fail; if it ever did, an all-zero digest matches no certificate (a named mismatch).
pub fn pin_digest(pin: &domain::CertPin) -> [u8; 32] {
    let mut digest = [0u8; 32];
    let _ = hex::decode_to_slice(pin.fingerprint(), &mut digest);
    digest
}

impl TlsPolicy {
    pub fn new(settings: &ProbeSettings, opts: &ProbeOptions) -> Result<Self, TlsSetupError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = match opts.use_system_roots {
            true => system_roots().clone(),
            false => RootCertStore::empty(),
        };
        if let Some(pem) = &opts.extra_ca_pem {
            let extra: Vec<_> = CertificateDer::pem_slice_iter(pem.as_bytes())
                .filter_map(Result::ok)
                .collect();
            if extra.is_empty() {
                return Err(TlsSetupError::EmptyBundle);
            }
            roots.add_parsable_certificates(extra);
        }
        let inner = WebPkiServerVerifier::builder_with_provider(Arc::new(roots), provider.clone())
            .build()
            .map_err(|e| TlsSetupError::Verifier(e.to_string()))?;
        Ok(Self {
            inner,
            provider,
            accept_invalid: settings.allow_non_secure_certificate,
        })
    }

    fn connector(
        &self,
        pin: Option<[u8; 32]>,
    ) -> Result<(TlsConnector, Arc<Mutex<Seen>>), rustls::Error> {
        let seen = Arc::new(Mutex::new(Seen::default()));
        let verifier = Verifier {
            inner: self.inner.clone(),
            accept_invalid: self.accept_invalid,
            pin,
            seen: seen.clone(),
        };
        let config = ClientConfig::builder_with_provider(self.provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verifier))
            .with_no_client_auth();
        Ok((TlsConnector::from(Arc::new(config)), seen))
    }

    /// Runs the client handshake. On failure the error comes with what the verifier saw.
    pub async fn handshake<S>(
        &self,
        host: &str,
        pin: Option<[u8; 32]>,
        stream: S,
    ) -> Result<(TlsStream<S>, TlsFacts), (io::Error, Seen)>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let name = ServerName::try_from(host.to_string()).map_err(|e| {
            (
                io::Error::new(io::ErrorKind::InvalidInput, e),
                Seen::default(),
            )
        })?;
        let (connector, seen) = self
            .connector(pin)
            .map_err(|e| (io::Error::other(e), Seen::default()))?;
        let res = connector.connect(name, stream).await;
        let seen = std::mem::take(&mut *seen.lock().unwrap_or_else(PoisonError::into_inner));
        match res {
            Ok(tls) => {
                let facts = facts(&tls, &seen);
                Ok((tls, facts))
            }
            Err(e) => Err((e, seen)),
        }
    }
}

/// Facts of an established session.
fn facts<S>(tls: &TlsStream<S>, seen: &Seen) -> TlsFacts {
    let (_, conn) = tls.get_ref();
    let mut f = seen
        .leaf
        .as_ref()
        .and_then(|der| CertInfo::parse(der.as_ref()))
        .map(|c| c.facts())
        .unwrap_or_default();
    f.version = conn.protocol_version().map(|v| format!("{v:?}"));
    f.cipher = conn
        .negotiated_cipher_suite()
        .map(|s| format!("{:?}", s.suite()));
    if let Some(e) = &seen.error {
        let why = crate::certinfo::describe_cert_error(e, seen.leaf.as_ref().map(|l| l.as_ref()));
        f.warnings
            .push(format!("certificate accepted although {}", why.1));
        f.accepted_despite = Some(why.1);
    }
    f
}
