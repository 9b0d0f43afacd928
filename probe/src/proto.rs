//! Which leg a failure belongs to: the category, fields and names of IMAP or SMTP.

use crate::report::{Category, DetailCode, Field, StepName};
use crate::step::Fail;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Proto {
    Imap,
    Smtp,
}

impl Proto {
    pub fn settings_category(self) -> Category {
        match self {
            Proto::Imap => Category::ImapSettingsIncorrect,
            Proto::Smtp => Category::SmtpSettingsIncorrect,
        }
    }
    pub fn host_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapHost,
            Proto::Smtp => Field::SmtpHost,
        }
    }
    pub fn port_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapPort,
            Proto::Smtp => Field::SmtpPort,
        }
    }
    pub fn security_field(self) -> Field {
        match self {
            Proto::Imap => Field::ImapSecurity,
            Proto::Smtp => Field::SmtpSecurity,
        }
    }
    pub fn connect_step(self) -> StepName {
        match self {
            Proto::Imap => StepName::ImapConnect,
            Proto::Smtp => StepName::SmtpConnect,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Proto::Imap => "IMAP",
            Proto::Smtp => "SMTP",
        }
    }
    pub fn fail(self, code: DetailCode, detail: impl Into<String>, field: Field) -> Fail {
        Fail::new(self.settings_category(), code, detail, Some(field))
    }
}
