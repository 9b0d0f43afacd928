//! The probe's report: ordered steps, evidence, TLS facts and the verdict.

use serde::{Deserialize, Serialize};

pub use crate::taxonomy::{Category, DetailCode, Field};

/// The five steps of seed 003, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StepName {
    ImapConnect,
    ImapLogin,
    SmtpConnect,
    SmtpLogin,
    TestEmail,
}

impl StepName {
    pub const ALL: [StepName; 5] = [
        StepName::ImapConnect,
        StepName::ImapLogin,
        StepName::SmtpConnect,
        StepName::SmtpLogin,
        StepName::TestEmail,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepName::ImapConnect => "imap_connect",
            StepName::ImapLogin => "imap_login",
            StepName::SmtpConnect => "smtp_connect",
            StepName::SmtpLogin => "smtp_login",
            StepName::TestEmail => "test_email",
        }
    }

    /// The step's name as the report shows it.
    pub fn label(self) -> &'static str {
        match self {
            StepName::ImapConnect => "IMAP connect",
            StepName::ImapLogin => "IMAP login",
            StepName::SmtpConnect => "SMTP connect",
            StepName::SmtpLogin => "SMTP login",
            StepName::TestEmail => "Test email",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Passed,
    Failed,
    Skipped,
}

/// What the server said, redacted (the password never appears).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub greeting: Option<String>,
    pub capabilities: Vec<String>,
    /// The server line that made the step fail.
    pub failing_line: Option<String>,
    /// Findings worth showing (folders found, connections held, message id, ...).
    pub notes: Vec<String>,
    /// Bytes read from the server during the step.
    pub bytes_read: u64,
}

/// Facts about a TLS session and the server's certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TlsFacts {
    pub version: Option<String>,
    pub cipher: Option<String>,
    pub subject: Option<String>,
    pub sans: Vec<String>,
    pub issuer: Option<String>,
    pub not_after: Option<String>,
    pub sha256_fingerprint: Option<String>,
    pub self_signed: bool,
    /// Why the certificate is not trusted, when it was accepted anyway (flag or pin).
    pub accepted_despite: Option<String>,
    pub warnings: Vec<String>,
}

/// Why a step failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    pub category: Category,
    pub detail_code: DetailCode,
    pub detail: String,
    pub field: Option<Field>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepReport {
    pub name: StepName,
    pub outcome: Outcome,
    pub elapsed_ms: u64,
    pub evidence: Evidence,
    pub tls: Option<TlsFacts>,
    pub failure: Option<Failure>,
    /// The static address the step's connection left from (`None` when not bound).
    #[serde(default)]
    pub source: Option<String>,
}

impl StepReport {
    pub fn skipped(name: StepName) -> Self {
        Self {
            name,
            outcome: Outcome::Skipped,
            elapsed_ms: 0,
            evidence: Evidence::default(),
            tls: None,
            failure: None,
            source: None,
        }
    }
}

/// The verdict: the first failed step in seed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    pub failed_step: StepName,
    pub category: Category,
    /// The seed's title for the category, e.g. "IMAP authentication error".
    pub title: String,
    pub detail_code: DetailCode,
    pub detail: String,
    pub field: Option<Field>,
    pub remediation: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeReport {
    pub ok: bool,
    pub steps: Vec<StepReport>,
    pub verdict: Option<Verdict>,
    pub total_ms: u64,
}

impl ProbeReport {
    /// Builds the report from steps (in seed order); the verdict is the first failed step.
    pub fn from_steps(steps: Vec<StepReport>, total_ms: u64) -> Self {
        let verdict = steps.iter().find_map(|s| {
            s.failure.as_ref().map(|f| Verdict {
                failed_step: s.name,
                category: f.category,
                title: f.category.title().to_string(),
                detail_code: f.detail_code,
                detail: f.detail.clone(),
                field: f.field,
                remediation: f
                    .category
                    .remediation()
                    .iter()
                    .map(|r| r.to_string())
                    .collect(),
            })
        });
        Self {
            ok: verdict.is_none(),
            steps,
            verdict,
            total_ms,
        }
    }

    pub fn step(&self, name: StepName) -> Option<&StepReport> {
        self.steps.iter().find(|s| s.name == name)
    }

    pub fn category(&self) -> Option<Category> {
        self.verdict.as_ref().map(|v| v.category)
    }

    pub fn detail_code(&self) -> Option<DetailCode> {
        self.verdict.as_ref().map(|v| v.detail_code)
    }
}

/// One leg (IMAP or SMTP login) of a test from one source address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LegCheck {
    pub ok: bool,
    /// The seed category when the leg failed; `None` when it passed or was not tested (the
    /// server is reached over the other IP family, `detail` says so).
    pub category: Option<Category>,
    /// The seed's title for `category`.
    pub title: Option<String>,
    pub detail: Option<String>,
    /// The specific cause when the leg failed.
    #[serde(default)]
    pub code: Option<DetailCode>,
    /// The step that failed: connect or login.
    #[serde(default)]
    pub step: Option<StepName>,
    pub elapsed_ms: u64,
}

impl LegCheck {
    /// A leg that was not run; `detail` says why.
    pub fn not_tested(detail: &str) -> Self {
        Self {
            ok: false,
            category: None,
            title: None,
            detail: Some(detail.to_string()),
            code: None,
            step: None,
            elapsed_ms: 0,
        }
    }

    /// A failure a retry may not repeat: the server timed out, refused or dropped the
    /// connection, or its name did not resolve.
    pub fn is_transient(&self) -> bool {
        self.code.is_some_and(|c| {
            matches!(
                c,
                DetailCode::TimedOut
                    | DetailCode::ConnectionRefused
                    | DetailCode::ConnectionLost
                    | DetailCode::DnsFailed
            )
        })
    }
}

/// An inbox check: the IMAP and SMTP login legs (no email sent).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginCheck {
    pub imap: LegCheck,
    pub smtp: LegCheck,
}

impl LoginCheck {
    pub fn ok(&self) -> bool {
        self.imap.ok && self.smtp.ok
    }

    /// The failed leg that decides the inbox's state: IMAP first, as in the connection test.
    pub fn failure(&self) -> Option<&LegCheck> {
        [&self.imap, &self.smtp].into_iter().find(|l| !l.ok)
    }
}

/// The IMAP and SMTP login verdicts from one static source address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceCheck {
    /// The source IP address.
    pub source: String,
    pub imap: LegCheck,
    pub smtp: LegCheck,
}
