//! Stable machine codes for the seed's eight error categories, the specific detail codes,
//! the form field at fault and the remediation bullets (seed 003 wording).

use serde::{Deserialize, Serialize};

/// The seed's error categories. The serialized names are stable API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    ImapSettingsIncorrect,
    ImapAuthenticationError,
    ImapValidationError,
    SmtpSettingsIncorrect,
    TestEmailFailed,
    Unauthorized,
    UnauthorizedAppPasswordRequired,
    UnauthorizedSslCertificateNotTrusted,
}

impl Category {
    /// The server refused the credentials (as opposed to the settings or the certificate).
    pub fn is_authentication(self) -> bool {
        matches!(
            self,
            Category::ImapAuthenticationError
                | Category::Unauthorized
                | Category::UnauthorizedAppPasswordRequired
        )
    }
}

/// The specific cause. The serialized names are stable API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DetailCode {
    DnsFailed,
    AddressNotAllowed,
    ConnectionRefused,
    TimedOut,
    ConnectionLost,
    ResponseTooLarge,
    NotImap,
    NotSmtp,
    /// SSL/TLS chosen, the port speaks plaintext (a STARTTLS port).
    TlsOnPlaintextPort,
    /// STARTTLS chosen, the port speaks implicit TLS.
    PlaintextOnTlsPort,
    StarttlsNotOffered,
    StarttlsRefused,
    AuthNotOffered,
    /// An access token is to be used and the server offers neither OAUTHBEARER nor XOAUTH2.
    #[serde(rename = "oauth_not_offered")]
    OAuthNotOffered,
    /// The server refused the access token (expired, revoked, or without the scope it wants).
    TokenRefused,
    TlsVersionTooOld,
    TlsHandshakeFailed,
    CertUntrustedIssuer,
    CertSelfSigned,
    CertExpired,
    CertNotYetValid,
    CertWrongHost,
    CertCnOnly,
    CertMalformed,
    CertPinMismatch,
    ServerRefused,
    AuthFailed,
    ConnectionLimitFirstLogin,
    AppPasswordRequired,
    CourierImap,
    ConcurrencyLimit,
    NoInbox,
    NoSentFolder,
    PlaintextRefusedAfterTls,
    ProtocolError,
    MessageRefused,
    MessageNotFound,
    /// Static IP addresses are on, and none of the installation's static addresses can be used.
    StaticSourceUnavailable,
}

/// The form field at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    ImapHost,
    ImapPort,
    ImapSecurity,
    SmtpHost,
    SmtpPort,
    SmtpSecurity,
    AllowNonSecureCertificate,
    PinnedCertificate,
    Username,
    Password,
    TestRecipient,
}

const IMAP_PORTS: &str =
    "Confirm the IMAP server and port is correct. Most IMAP ports will be 993 or 143.";
const IMAP_PORTS_SETTINGS: &str =
    "Confirm the IMAP server and port settings are correct. Most IMAP ports will be 993 or 143.";
const ALLOWLIST_CONNECT: &str = "Your IT team might only allow certain IP addresses to connect with your inbox. If this is the case, your IT team will need to add the IP addresses used to connect your inbox to your allowlist.";
const REQUIREMENTS: &str =
    "Verify the server meets the technical requirements for connecting via IMAP and SMTP.";

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::ImapSettingsIncorrect => "imap_settings_incorrect",
            Category::ImapAuthenticationError => "imap_authentication_error",
            Category::ImapValidationError => "imap_validation_error",
            Category::SmtpSettingsIncorrect => "smtp_settings_incorrect",
            Category::TestEmailFailed => "test_email_failed",
            Category::Unauthorized => "unauthorized",
            Category::UnauthorizedAppPasswordRequired => "unauthorized_app_password_required",
            Category::UnauthorizedSslCertificateNotTrusted => {
                "unauthorized_ssl_certificate_not_trusted"
            }
        }
    }

    /// The seed's title.
    pub fn title(self) -> &'static str {
        match self {
            Category::ImapSettingsIncorrect => "IMAP settings incorrect",
            Category::ImapAuthenticationError => "IMAP authentication error",
            Category::ImapValidationError => "IMAP validation error",
            Category::SmtpSettingsIncorrect => "SMTP settings incorrect",
            Category::TestEmailFailed => "Test email failed",
            Category::Unauthorized => "Unauthorized",
            Category::UnauthorizedAppPasswordRequired => {
                "Unauthorized - App password required for connection"
            }
            Category::UnauthorizedSslCertificateNotTrusted => {
                "Unauthorized - SSL Certificates not trusted"
            }
        }
    }

    /// Remediation bullets: the seed's where it has them, equally specific ones elsewhere.
    pub fn remediation(self) -> &'static [&'static str] {
        match self {
            Category::ImapSettingsIncorrect => &[IMAP_PORTS, REQUIREMENTS, ALLOWLIST_CONNECT],
            Category::ImapAuthenticationError => &[
                IMAP_PORTS_SETTINGS,
                "Review the steps for an UNAUTHORIZED error: confirm the email and password are correct, check whether the server requires a custom username or an app-specific password.",
                "Work with your IT team or your email provider to see if they can provide additional visibility into these authentication errors.",
                "Your IT team might only allow certain IP addresses to authenticate with your inbox. If this is the case, your IT team will need to add the IP addresses used to connect your inbox to your allowlist.",
                "Some servers return an authentication error when there are too many concurrent connections to a mailbox: close other sessions of this mailbox or raise the server's per-user connection limit.",
            ],
            Category::ImapValidationError => &[
                IMAP_PORTS_SETTINGS,
                "Verify the IMAP server meets the technical requirements for connecting an inbox via IMAP and SMTP (not Courier-IMAP, enough concurrent connections per mailbox, an INBOX and a Sent folder, encrypted login).",
                "Your IT team might only allow certain IP addresses to access the IMAP service running on your IMAP server. If this is the case, your IT team will need to add the IP addresses used to connect your inbox to your allowlist.",
            ],
            Category::SmtpSettingsIncorrect => &[
                "Confirm the SMTP server and port is correct. Most SMTP ports will be 465, 587 or 25.",
                "Verify the SMTP server meets the technical requirements for connecting an inbox via IMAP and SMTP (encryption and SMTP AUTH must be offered).",
                ALLOWLIST_CONNECT,
            ],
            Category::TestEmailFailed => &[
                "Check the SMTP server's sender and recipient restrictions: the mailbox must be allowed to send as its own address to the verification address.",
                "Check that mail to the mailbox is delivered (no full quota, no stopped delivery, no filter that discards or moves the test message).",
                "If the server delivers slowly, run the test again: the test message is looked up by its Message-ID in the INBOX for a bounded time.",
            ],
            Category::Unauthorized => &[
                "Confirm the email and password are correct.",
                "Some servers require a custom username to log in. Check with your IT team to see if your setup requires a custom username to connect.",
                "Check to see if your server requires an app specific password.",
                "Check your SSL certificate.",
                "Your IT team might only allow certain IP addresses to authenticate with your inbox. If this is the case, your IT team will need to add the IP addresses used to connect your inbox to your allowlist.",
            ],
            Category::UnauthorizedAppPasswordRequired => &[
                "Some email providers require users to create an app-specific password in order to log in. Follow your email provider's steps to create an app-specific password, and use that app-specific password to log in.",
            ],
            Category::UnauthorizedSslCertificateNotTrusted => &[
                "IMAP/SMTP servers are required to have SSL certificates signed by a trusted Certificate Authority. The certificate is either malformed, outdated, signed by an unrecognized authority, or not issued for this host name.",
                "To connect anyway, select the Allow non-secure certificate option (it does not accept a certificate issued for another host name), or pin the certificate shown in this report.",
            ],
        }
    }
}
