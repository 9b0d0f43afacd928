//! A connection test as the panel and the change history show it.

use serde::{Deserialize, Serialize};

/// A probe as the panel shows it: the tested values, the steps so far and, once it has ended,
/// the report with its verdict.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProbeView {
    pub id: i32,
    pub domain_id: Option<i32>,
    pub settings: domain::DomainSettings,
    pub state: ProbeState,
    pub steps: Vec<probe::StepReport>,
    pub report: Option<probe::ProbeReport>,
    pub actor_email: String,
    pub started_at: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ProbeState {
    Running,
    Finished,
    /// The server stopped while the probe ran.
    Interrupted,
}
