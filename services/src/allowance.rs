use serde::{Deserialize, Serialize};

/// What a per-minute allowance counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Allowance {
    #[default]
    ConnectionTests,
    ApiTokens,
    /// *Verify history*: each reads the whole history.
    HistoryVerifications,
}

impl Allowance {
    pub fn verb(&self) -> &'static str {
        match self {
            Allowance::ConnectionTests => "start",
            Allowance::ApiTokens => "create",
            Allowance::HistoryVerifications => "run",
        }
    }

    pub fn noun(&self) -> &'static str {
        match self {
            Allowance::ConnectionTests => "connection tests",
            Allowance::ApiTokens => "API tokens",
            Allowance::HistoryVerifications => "history verifications",
        }
    }
}
