//! The authorization matrix's rows: what each server function answers each kind of caller.
//! Shared by the matrix test and the cross-origin test (which posts the same forms).

use std::collections::BTreeSet;

use super::PASSWORD;

/// Who calls, in the order of the columns below.
pub const CALLERS: [&str; 5] = [
    "anonymous",
    "user",
    "user with account access",
    "auditor",
    "super admin",
];

pub const OK: u16 = 200;
pub const UNAUTH: u16 = 401;
pub const FORBID: u16 = 403;
pub const MISSING: u16 = 404;
pub const INVALID: u16 = 422;

pub struct Row {
    pub function: &'static str,
    pub form: &'static [(&'static str, &'static str)],
    /// The status each caller gets, in `CALLERS` order.
    pub expect: [u16; 5],
}

const NO_SUCH: &str = "999999";

const BAD_SETTINGS: &[(&str, &str)] = &[
    ("settings[domain]", "not a domain"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "0"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
];

pub const ROWS: &[Row] = &[
    Row {
        function: "current_user",
        form: &[],
        expect: [OK; 5],
    },
    Row {
        function: "setup_open",
        form: &[],
        expect: [OK; 5],
    },
    // Open to everyone; wrong credentials are refused the same way for every caller.
    Row {
        function: "login",
        form: &[
            ("email", "nobody@example.org"),
            ("password", "wrong password!"),
        ],
        expect: [UNAUTH; 5],
    },
    // Setup is done: refused for everyone.
    Row {
        function: "setup_first_admin",
        form: &[
            ("token", "x"),
            ("email", "x@example.org"),
            ("password", PASSWORD),
        ],
        expect: [FORBID; 5],
    },
    Row {
        function: "list_users",
        form: &[],
        expect: [UNAUTH, FORBID, FORBID, FORBID, OK],
    },
    Row {
        function: "create_user",
        form: &[
            ("email", "not an address"),
            ("password", PASSWORD),
            ("role", "user"),
        ],
        expect: [UNAUTH, FORBID, FORBID, FORBID, INVALID],
    },
    Row {
        function: "update_user",
        form: &[("id", NO_SUCH), ("role", "user")],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    Row {
        function: "reset_password",
        form: &[("id", NO_SUCH), ("password", PASSWORD)],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    Row {
        function: "list_domains",
        form: &[],
        expect: [UNAUTH, FORBID, OK, FORBID, OK],
    },
    Row {
        function: "oauth_redirect_uri",
        form: &[],
        expect: [UNAUTH, FORBID, OK, FORBID, OK],
    },
    Row {
        function: "domain_detail",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "create_domain",
        form: BAD_SETTINGS,
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "update_domain",
        form: UPDATE_MISSING,
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "delete_domain",
        form: &[("id", NO_SUCH), ("version", "1")],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "start_probe",
        form: BAD_PROBE,
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "probe_progress",
        form: &[("id", NO_SUCH)],
        // End users follow their own inbox connection tests.
        expect: [UNAUTH, MISSING, MISSING, FORBID, MISSING],
    },
    Row {
        function: "my_inboxes",
        form: &[],
        expect: [UNAUTH, OK, OK, FORBID, OK],
    },
    Row {
        function: "connect_form",
        form: &[("email", "not an address")],
        expect: [UNAUTH, INVALID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "connect_inbox",
        form: &[("email", "not an address"), ("password", "x")],
        expect: [UNAUTH, INVALID, INVALID, FORBID, INVALID],
    },
    // Someone else's inbox is as missing as one that does not exist.
    Row {
        function: "update_inbox_password",
        form: &[("id", NO_SUCH), ("password", "x")],
        expect: [UNAUTH, MISSING, MISSING, FORBID, MISSING],
    },
    Row {
        function: "remove_inbox",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, MISSING, MISSING, FORBID, MISSING],
    },
    // Auditors read inbox statuses and revalidations.
    Row {
        function: "domain_inboxes",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, MISSING, MISSING],
    },
    Row {
        function: "domain_inbox_count",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, MISSING, MISSING],
    },
    Row {
        function: "try_on_sample",
        form: &[
            ("id", NO_SUCH),
            ("settings[domain]", "not a domain"),
            ("settings[imap_host]", "imap.example.org"),
            ("settings[imap_port]", "0"),
            ("settings[imap_security]", "ssl"),
            ("settings[smtp_host]", "smtp.example.org"),
            ("settings[smtp_port]", "465"),
            ("settings[smtp_security]", "ssl"),
        ],
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "sample_result",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, OK, FORBID, OK],
    },
    Row {
        function: "continue_rollout",
        form: &[("job", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "revert_rollout",
        form: &[("job", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    Row {
        function: "unconfigured_domains",
        form: &[],
        expect: [UNAUTH, FORBID, OK, FORBID, OK],
    },
    Row {
        function: "pin_certificate",
        form: &[
            ("id", NO_SUCH),
            ("version", "1"),
            ("probe_id", NO_SUCH),
            ("leg", "imap"),
        ],
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "connection_ips",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    // This installation has no static ranges: turning the switch on is refused.
    Row {
        function: "set_static_ips",
        form: &[("id", NO_SUCH), ("version", "1"), ("on", "on")],
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "test_static_addresses",
        form: &[
            ("id", NO_SUCH),
            ("probe_email", "not an address"),
            ("probe_password", "x"),
        ],
        expect: [UNAUTH, FORBID, INVALID, FORBID, INVALID],
    },
    Row {
        function: "static_address_test",
        form: &[("domain_id", NO_SUCH), ("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, FORBID, MISSING],
    },
    // The change history: auditors and super admins read everything, account admins the
    // events about domains; only super admins sign a checkpoint on demand.
    Row {
        function: "audit_history",
        form: &[],
        expect: [UNAUTH, FORBID, OK, OK, OK],
    },
    Row {
        function: "audit_event",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, MISSING, MISSING, MISSING],
    },
    Row {
        function: "verify_history",
        form: &[],
        expect: [UNAUTH, FORBID, OK, OK, OK],
    },
    Row {
        function: "sign_checkpoint",
        form: &[],
        expect: [UNAUTH, FORBID, FORBID, FORBID, OK],
    },
    // API tokens: every signed-in user manages their own.
    Row {
        function: "list_api_tokens",
        form: &[],
        expect: [UNAUTH, OK, OK, OK, OK],
    },
    Row {
        function: "issued_api_token",
        form: &[],
        expect: [UNAUTH, OK, OK, OK, OK],
    },
    Row {
        function: "create_api_token",
        form: &[("name", " "), ("scope", "read"), ("expires_in_days", "30")],
        expect: [UNAUTH, INVALID, INVALID, INVALID, INVALID],
    },
    // Another user's (or no) token: not found, whoever asks.
    Row {
        function: "revoke_api_token",
        form: &[("id", NO_SUCH)],
        expect: [UNAUTH, MISSING, MISSING, MISSING, MISSING],
    },
    // Any user's tokens, for super admins (an unknown user or token is not found).
    Row {
        function: "user_api_tokens",
        form: &[("user_id", NO_SUCH)],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    Row {
        function: "revoke_user_api_token",
        form: &[("user_id", NO_SUCH), ("id", NO_SUCH)],
        expect: [UNAUTH, FORBID, FORBID, FORBID, MISSING],
    },
    // Last: it ends the caller's session.
    Row {
        function: "logout",
        form: &[],
        expect: [OK; 5],
    },
];

const UPDATE_MISSING: &[(&str, &str)] = &[
    ("id", NO_SUCH),
    ("version", "1"),
    ("settings[domain]", "missing.example.org"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "993"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
    ("save_anyway", "on"),
];

const BAD_PROBE: &[(&str, &str)] = &[
    ("settings[domain]", "not a domain"),
    ("settings[imap_host]", "imap.example.org"),
    ("settings[imap_port]", "993"),
    ("settings[imap_security]", "ssl"),
    ("settings[smtp_host]", "smtp.example.org"),
    ("settings[smtp_port]", "465"),
    ("settings[smtp_security]", "ssl"),
    ("probe_email", "probe@example.org"),
    ("probe_password", "secret"),
];

/// The server functions the server registers, by endpoint name.
pub fn registered_functions() -> BTreeSet<String> {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.trim_start_matches("/api/").to_string())
        .collect()
}

/// The form a row posts for `function` (empty when it has no row).
pub fn form_for(function: &str) -> &'static [(&'static str, &'static str)] {
    ROWS.iter()
        .find(|r| r.function == function)
        .map_or(&[], |r| r.form)
}
