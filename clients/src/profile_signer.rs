//! Signs Apple configuration profiles when the operator configures a certificate and key
//! (MAILSETTINGS_PROFILE_SIGNING_CERT/_KEY): CMS SignedData (RFC 5652, "PKCS#7") with the
//! profile as attached id-data content, SHA-256, the signer named by issuer and serial number,
//! and the certificate chain included, so the device can show who signed it.
//! Keys: PKCS#8 ECDSA P-256, or PKCS#8 RSA (PKCS#1 v1.5 with SHA-256).

use std::fmt;
use std::path::{Path, PathBuf};

use cms::builder::{create_signing_time_attribute, SignedDataBuilder, SignerInfoBuilder};
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::signed_data::{EncapsulatedContentInfo, SignerIdentifier};
use der::oid::db::{rfc5911::ID_DATA, rfc5912::ID_SHA_256};
use der::{Any, Encode, Tag};
use p256::ecdsa::signature::{Keypair, Signer};
use p256::pkcs8::{DecodePrivateKey, EncodePublicKey};
use x509_cert::spki::{AlgorithmIdentifierOwned, DynSignatureAlgorithmIdentifier};
use x509_cert::spki::{SignatureBitStringEncoding, SubjectPublicKeyInfoOwned};
use x509_cert::Certificate;

enum Key {
    P256(p256::ecdsa::SigningKey),
    Rsa(Box<rsa::pkcs1v15::SigningKey<sha2::Sha256>>),
}

/// The operator's signing certificate (first), its intermediates, and the matching private key.
pub struct ProfileSigner {
    key: Key,
    chain: Vec<Certificate>,
}

impl fmt::Debug for ProfileSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self.key {
            Key::P256(_) => "P-256",
            Key::Rsa(_) => "RSA",
        };
        f.debug_struct("ProfileSigner")
            .field("key", &kind)
            .field("certificates", &self.chain.len())
            .finish_non_exhaustive()
    }
}

/// Why the signer could not be loaded or could not sign; each names the file it is about.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    #[error("cannot read the profile signing {file} {}: {source}", .path.display())]
    Read {
        file: &'static str,
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the profile signing {file} {} is not usable: {problem}", .path.display())]
    Unusable {
        file: &'static str,
        path: PathBuf,
        problem: KeyProblem,
    },
    #[error(
        "the profile signing key {} does not belong to the certificate {}: {problem}",
        .key.display(),
        .cert.display()
    )]
    Mismatch {
        key: PathBuf,
        cert: PathBuf,
        problem: KeyProblem,
    },
    #[error("cannot {step}: {detail}")]
    Sign { step: &'static str, detail: String },
}

/// What is wrong with a certificate chain or key.
#[derive(Debug, thiserror::Error)]
pub enum KeyProblem {
    #[error("not a PEM certificate chain: {0}")]
    NotPemChain(String),
    #[error("no certificate in it")]
    NoCertificate,
    #[error("not a PKCS#8 PEM private key (P-256 or RSA)")]
    NotPkcs8Key,
    #[error("cannot encode {0}")]
    Encoding(&'static str),
    #[error("the public keys differ")]
    KeysDiffer,
}

impl ProfileSigner {
    /// Reads both PEM files; every error names the file it is about.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, SignerError> {
        let read = |file, path: &Path| {
            std::fs::read(path).map_err(|source| SignerError::Read {
                file,
                path: path.to_path_buf(),
                source,
            })
        };
        let cert_pem = read("certificate", cert_path)?;
        let key_pem = read("key", key_path)?;
        let unusable = |file, path: &Path| {
            let path = path.to_path_buf();
            move |problem| SignerError::Unusable {
                file,
                path,
                problem,
            }
        };
        let chain = parse_chain(&cert_pem).map_err(unusable("certificate", cert_path))?;
        let key = parse_key(&key_pem).map_err(unusable("key", key_path))?;
        Self::new(key, chain).map_err(|problem| SignerError::Mismatch {
            key: key_path.to_path_buf(),
            cert: cert_path.to_path_buf(),
            problem,
        })
    }

    fn new(key: Key, chain: Vec<Certificate>) -> Result<Self, KeyProblem> {
        let public = match &key {
            Key::P256(k) => k.verifying_key().to_public_key_der(),
            Key::Rsa(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|_| KeyProblem::Encoding("its public key"))?;
        let in_cert = chain[0]
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|_| KeyProblem::Encoding("the certificate's public key"))?;
        if !same_key(public.as_bytes(), &in_cert) {
            return Err(KeyProblem::KeysDiffer);
        }
        Ok(Self { key, chain })
    }

    /// The DER-encoded CMS ContentInfo (SignedData) holding `content`.
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>, SignerError> {
        match &self.key {
            Key::P256(k) => build::<_, p256::ecdsa::DerSignature>(k, &self.chain, content),
            Key::Rsa(k) => build::<_, rsa::pkcs1v15::Signature>(k.as_ref(), &self.chain, content),
        }
    }
}

/// Public keys compared by their decoded SubjectPublicKeyInfo (parameters may be encoded as
/// NULL or left out; the key bits must match).
fn same_key(a: &[u8], b: &[u8]) -> bool {
    use der::Decode;
    match (
        SubjectPublicKeyInfoOwned::from_der(a),
        SubjectPublicKeyInfoOwned::from_der(b),
    ) {
        (Ok(a), Ok(b)) => {
            a.algorithm.oid == b.algorithm.oid && a.subject_public_key == b.subject_public_key
        }
        _ => false,
    }
}

fn parse_chain(pem: &[u8]) -> Result<Vec<Certificate>, KeyProblem> {
    let chain =
        Certificate::load_pem_chain(pem).map_err(|e| KeyProblem::NotPemChain(e.to_string()))?;
    if chain.is_empty() {
        return Err(KeyProblem::NoCertificate);
    }
    Ok(chain)
}

fn parse_key(pem: &[u8]) -> Result<Key, KeyProblem> {
    let pem = std::str::from_utf8(pem).map_err(|_| KeyProblem::NotPkcs8Key)?;
    if let Ok(secret) = p256::SecretKey::from_pkcs8_pem(pem) {
        return Ok(Key::P256(p256::ecdsa::SigningKey::from(secret)));
    }
    match rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
        Ok(key) => Ok(Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))),
        Err(_) => Err(KeyProblem::NotPkcs8Key),
    }
}

fn failed(step: &'static str, e: impl fmt::Display) -> SignerError {
    SignerError::Sign {
        step,
        detail: e.to_string(),
    }
}

fn build<S, Sig>(key: &S, chain: &[Certificate], content: &[u8]) -> Result<Vec<u8>, SignerError>
where
    S: Keypair + DynSignatureAlgorithmIdentifier + Signer<Sig>,
    Sig: SignatureBitStringEncoding,
{
    let econtent = Any::new(Tag::OctetString, content).map_err(|e| failed("wrap", e))?;
    let encapsulated = EncapsulatedContentInfo {
        econtent_type: ID_DATA,
        econtent: Some(econtent),
    };
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA_256,
        parameters: None,
    };
    let leaf = &chain[0].tbs_certificate;
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: leaf.issuer.clone(),
        serial_number: leaf.serial_number.clone(),
    });
    let mut signer_info = SignerInfoBuilder::new(key, sid, sha256.clone(), &encapsulated, None)
        .map_err(|e| failed("start the signer info", e))?;
    signer_info
        .add_signed_attribute(create_signing_time_attribute().map_err(|e| failed("time", e))?)
        .map_err(|e| failed("add the signing time", e))?;
    let mut builder = SignedDataBuilder::new(&encapsulated);
    builder
        .add_digest_algorithm(sha256)
        .map_err(|e| failed("add the digest algorithm", e))?;
    for cert in chain {
        builder
            .add_certificate(CertificateChoices::Certificate(cert.clone()))
            .map_err(|e| failed("add a certificate", e))?;
    }
    builder
        .add_signer_info::<S, Sig>(signer_info)
        .map_err(|e| failed("sign", e))?
        .build()
        .map_err(|e| failed("build the signed data", e))?
        .to_der()
        .map_err(|e| failed("encode the signed data", e))
}
