//! Signs Apple configuration profiles when the operator configures a certificate and key
//! (MAILSETTINGS_PROFILE_SIGNING_CERT/_KEY): CMS SignedData (RFC 5652, "PKCS#7") with the
//! profile as attached id-data content, SHA-256, the signer named by issuer and serial number,
//! and the certificate chain included, so the device can show who signed it.
//! Keys: PKCS#8 ECDSA P-256, or PKCS#8 RSA (PKCS#1 v1.5 with SHA-256).

use std::fmt;
use std::path::Path;

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

impl ProfileSigner {
    /// Reads both PEM files; every error names the file it is about.
    pub fn load(cert_path: &Path, key_path: &Path) -> Result<Self, String> {
        let cert_pem = std::fs::read(cert_path).map_err(|e| {
            format!(
                "cannot read the profile signing certificate {}: {e}",
                cert_path.display()
            )
        })?;
        let key_pem = std::fs::read_to_string(key_path).map_err(|e| {
            format!(
                "cannot read the profile signing key {}: {e}",
                key_path.display()
            )
        })?;
        let chain = parse_chain(&cert_pem).map_err(|e| {
            format!(
                "the profile signing certificate {} is not usable: {e}",
                cert_path.display()
            )
        })?;
        let key = parse_key(&key_pem).map_err(|e| {
            format!(
                "the profile signing key {} is not usable: {e}",
                key_path.display()
            )
        })?;
        Self::new(key, chain).map_err(|e| {
            format!(
                "the profile signing key {} does not belong to the certificate {}: {e}",
                key_path.display(),
                cert_path.display()
            )
        })
    }

    /// From PEM text: the certificate (optionally followed by intermediates) and a PKCS#8 key.
    pub fn from_pem(cert_pem: &[u8], key_pem: &str) -> Result<Self, String> {
        Self::new(parse_key(key_pem)?, parse_chain(cert_pem)?)
    }

    fn new(key: Key, chain: Vec<Certificate>) -> Result<Self, String> {
        let public = match &key {
            Key::P256(k) => k.verifying_key().to_public_key_der(),
            Key::Rsa(k) => k.verifying_key().to_public_key_der(),
        }
        .map_err(|e| format!("cannot encode its public key: {e}"))?;
        let in_cert = chain[0]
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .map_err(|e| format!("cannot encode the certificate's public key: {e}"))?;
        if !same_key(public.as_bytes(), &in_cert) {
            return Err("the public keys differ".into());
        }
        Ok(Self { key, chain })
    }

    /// The DER-encoded CMS ContentInfo (SignedData) holding `content`.
    pub fn sign(&self, content: &[u8]) -> Result<Vec<u8>, String> {
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

fn parse_chain(pem: &[u8]) -> Result<Vec<Certificate>, String> {
    let chain = Certificate::load_pem_chain(pem)
        .map_err(|e| format!("not a PEM certificate chain: {e}"))?;
    if chain.is_empty() {
        return Err("no certificate in it".into());
    }
    Ok(chain)
}

fn parse_key(pem: &str) -> Result<Key, String> {
    if let Ok(secret) = p256::SecretKey::from_pkcs8_pem(pem) {
        return Ok(Key::P256(p256::ecdsa::SigningKey::from(secret)));
    }
    match rsa::RsaPrivateKey::from_pkcs8_pem(pem) {
        Ok(key) => Ok(Key::Rsa(Box::new(rsa::pkcs1v15::SigningKey::new(key)))),
        Err(_) => Err("not a PKCS#8 PEM private key (P-256 or RSA)".into()),
    }
}

fn failed(what: &str, e: impl fmt::Display) -> String {
    format!("cannot {what}: {e}")
}

fn build<S, Sig>(key: &S, chain: &[Certificate], content: &[u8]) -> Result<Vec<u8>, String>
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
