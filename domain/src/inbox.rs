use serde::{Deserialize, Serialize};

/// Where an inbox stands, as its owner and the admins see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum InboxState {
    Connected,
    /// A check of the current settings is queued or running.
    Checking,
    Disconnected,
}

impl InboxState {
    pub const ALL: [InboxState; 3] = [
        InboxState::Connected,
        InboxState::Checking,
        InboxState::Disconnected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InboxState::Connected => "connected",
            InboxState::Checking => "checking",
            InboxState::Disconnected => "disconnected",
        }
    }

    pub fn parse(s: &str) -> Option<InboxState> {
        InboxState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            InboxState::Connected => "Connected",
            InboxState::Checking => "Checking",
            InboxState::Disconnected => "Disconnected",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_names_round_trip() {
        for s in InboxState::ALL {
            assert_eq!(InboxState::parse(s.as_str()), Some(s));
        }
        assert_eq!(InboxState::parse("Connected"), None);
    }
}

/// Where a domain's revalidation stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum RolloutState {
    /// One inbox is checked first.
    Canary,
    Running,
    /// The first inbox failed with a settings or certificate category.
    Paused,
    Done,
    /// A later change started a new revalidation.
    Superseded,
}

impl RolloutState {
    pub const ALL: [RolloutState; 5] = [
        RolloutState::Canary,
        RolloutState::Running,
        RolloutState::Paused,
        RolloutState::Done,
        RolloutState::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RolloutState::Canary => "canary",
            RolloutState::Running => "running",
            RolloutState::Paused => "paused",
            RolloutState::Done => "done",
            RolloutState::Superseded => "superseded",
        }
    }

    pub fn parse(s: &str) -> Option<RolloutState> {
        RolloutState::ALL.into_iter().find(|v| v.as_str() == s)
    }

    /// Still has inboxes to check (or waits for a decision).
    pub fn is_active(self) -> bool {
        matches!(
            self,
            RolloutState::Canary | RolloutState::Running | RolloutState::Paused
        )
    }
}
