use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("Choose a role: Super admin, User or Auditor")]
pub struct RoleError;

/// What kind of account a person has.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    SuperAdmin,
    User,
    Auditor,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::SuperAdmin, Role::User, Role::Auditor];

    pub fn as_str(&self) -> &'static str {
        match self {
            Role::SuperAdmin => "super_admin",
            Role::User => "user",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(input: &str) -> Result<Role, RoleError> {
        let s = input.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(RoleError)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Role::SuperAdmin => "Super admin",
            Role::User => "User",
            Role::Auditor => "Auditor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// What an account may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rights {
    pub role: Role,
    /// For `Role::User`: may manage domain settings and read the audit trail.
    pub account_access: bool,
}

impl Rights {
    pub fn can_manage_domains(&self) -> bool {
        match self.role {
            Role::SuperAdmin => true,
            Role::User => self.account_access,
            Role::Auditor => false,
        }
    }

    pub fn can_manage_users(&self) -> bool {
        self.role == Role::SuperAdmin
    }

    pub fn can_view_audit(&self) -> bool {
        match self.role {
            Role::SuperAdmin | Role::Auditor => true,
            Role::User => self.account_access,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Ok(role));
            let json = serde_json::to_string(&role).unwrap();
            assert_eq!(json, format!("\"{}\"", role.as_str()));
        }
        for bad in ["", "admin", "Super admin", "SUPER_ADMIN"] {
            assert_eq!(Role::parse(bad), Err(RoleError), "{bad:?}");
        }
    }

    #[test]
    fn rights_matrix() {
        // (role, account_access, manage_domains, manage_users, view_audit)
        let rows = [
            (Role::SuperAdmin, false, true, true, true),
            (Role::SuperAdmin, true, true, true, true),
            (Role::User, false, false, false, false),
            (Role::User, true, true, false, true),
            (Role::Auditor, false, false, false, true),
            (Role::Auditor, true, false, false, true),
        ];
        for (role, account_access, domains, users, audit) in rows {
            let r = Rights {
                role,
                account_access,
            };
            assert_eq!(r.can_manage_domains(), domains, "{r:?}");
            assert_eq!(r.can_manage_users(), users, "{r:?}");
            assert_eq!(r.can_view_audit(), audit, "{r:?}");
        }
    }
}

/// A user account's fields as the change history shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountField {
    Email,
    Role,
    AccountAccess,
    Disabled,
}

impl AccountField {
    pub fn label(&self) -> &'static str {
        match self {
            AccountField::Email => "Email",
            AccountField::Role => "Role",
            AccountField::AccountAccess => "Account access",
            AccountField::Disabled => "Disabled",
        }
    }
}

/// One account field's value before and after a change (`None` = the account did not exist).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountChange {
    pub field: AccountField,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// An account's displayed values, for [`account_diff`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountValues {
    pub email: String,
    pub rights: Rights,
    pub disabled: bool,
}

/// The fields whose displayed value differs (every field when one side is `None`).
pub fn account_diff(
    before: Option<&AccountValues>,
    after: Option<&AccountValues>,
) -> Vec<AccountChange> {
    let yes_no = |b: bool| if b { "Yes" } else { "No" }.to_owned();
    let value = |a: &AccountValues, field: AccountField| match field {
        AccountField::Email => a.email.clone(),
        AccountField::Role => a.rights.role.label().to_owned(),
        AccountField::AccountAccess => yes_no(a.rights.account_access),
        AccountField::Disabled => yes_no(a.disabled),
    };
    [
        AccountField::Email,
        AccountField::Role,
        AccountField::AccountAccess,
        AccountField::Disabled,
    ]
    .into_iter()
    .filter_map(|field| {
        let before = before.map(|a| value(a, field));
        let after = after.map(|a| value(a, field));
        (before != after).then_some(AccountChange {
            field,
            before,
            after,
        })
    })
    .collect()
}
