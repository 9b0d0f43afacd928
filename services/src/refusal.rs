/// Why an authenticated caller may not do something; the message is what they are shown.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("You do not have permission to manage domain IMAP settings.")]
    ManageDomains,
    #[error("You do not have permission to read the change history.")]
    ReadHistory,
    #[error("Auditors review the change history; they cannot connect inboxes.")]
    ConnectInboxes,
    #[error("Only super admins can manage users.")]
    ManageUsers,
    #[error("Auditors have no inboxes.")]
    AuditorsHaveNoInboxes,
    #[error("Only super admins can sign a checkpoint.")]
    SignCheckpoint,
    #[error("You do not have permission to see this domain's inboxes.")]
    SeeDomainInboxes,
    /// A revalidation paused for a host the domain has never used.
    #[error(
        "This revalidation waits for a super admin: the change names a host this domain has \
         never used, and only a super admin can approve sending its inboxes' stored passwords \
         there."
    )]
    ApprovalRequired,
    /// *Try on a sample* with hosts the domain has never used, by an account admin.
    #[error(
        "{} {} never been used by this domain: only a super admin can try its inboxes' stored \
         passwords there. Save the settings instead (the revalidation then waits for a super \
         admin's approval), or ask a super admin to try them.",
        .0.join(" and "),
        if .0.len() == 1 { "has" } else { "have" }
    )]
    UnapprovedHosts(Vec<String>),
}
