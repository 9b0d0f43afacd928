//! Outlook's Autodiscover (POX, response schema 2006a): the answer for an address, and the
//! request's address, read with quick-xml's reader.

use std::borrow::Cow;
use std::io;

use domain::{DomainSettings, EmailAddress, Hostname, Port, Security};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesRef, Event};
use quick_xml::Reader;

use crate::xml::{new_document, text, XmlWriter};

const AUTODISCOVER_RESPONSE: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/responseschema/2006";
const OUTLOOK_RESPONSE_2006A: &str =
    "http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a";

/// Why an Autodiscover request body was refused (each message is the 400's body).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("The request is not well-formed XML: {0}")]
    Malformed(String),
    #[error("The request has no <EMailAddress> inside <Request>")]
    MissingAddress,
    #[error("The <EMailAddress> is not an email address: {0}")]
    BadAddress(String),
}

/// Outlook's Autodiscover answer (POX, 2006a) for `address` at a domain with `settings`.
/// Implicit TLS is `<SSL>on</SSL>` with no `<Encryption>` (an `Encryption` of `TLS` would make
/// Outlook try STARTTLS on 993/465); STARTTLS is `<Encryption>TLS</Encryption>`.
pub fn autodiscover(settings: &DomainSettings, address: &EmailAddress) -> io::Result<Vec<u8>> {
    let mut w = new_document()?;
    w.create_element("Autodiscover")
        .with_attribute(("xmlns", AUTODISCOVER_RESPONSE))
        .write_inner_content(|w| {
            w.create_element("Response")
                .with_attribute(("xmlns", OUTLOOK_RESPONSE_2006A))
                .write_inner_content(|w| {
                    w.create_element("Account").write_inner_content(|w| {
                        text(w, "AccountType", "email")?;
                        text(w, "Action", "settings")?;
                        let protocols = [
                            (
                                "IMAP",
                                &settings.imap_host,
                                settings.imap_port,
                                settings.imap_security,
                            ),
                            (
                                "SMTP",
                                &settings.smtp_host,
                                settings.smtp_port,
                                settings.smtp_security,
                            ),
                        ];
                        for (kind, host, port, security) in protocols {
                            protocol(w, kind, host, port, security, address.as_str())?;
                        }
                        Ok(())
                    })?;
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn protocol(
    w: &mut XmlWriter,
    kind: &str,
    host: &Hostname,
    port: Port,
    security: Security,
    login: &str,
) -> io::Result<()> {
    w.create_element("Protocol")
        .write_inner_content(|w| {
            text(w, "Type", kind)?;
            text(w, "Server", host.as_str())?;
            text(w, "Port", &port.get().to_string())?;
            text(w, "DomainRequired", "off")?;
            text(w, "LoginName", login)?;
            text(w, "SPA", "off")?;
            match security {
                Security::SslTls => text(w, "SSL", "on")?,
                Security::StartTls => text(w, "Encryption", "TLS")?,
            }
            text(w, "AuthRequired", "on")
        })
        .map(|_| ())
}

/// The `EMailAddress` of an Autodiscover request (`<Autodiscover><Request><EMailAddress>`),
/// whatever the namespace prefixes. Entity references other than the five predefined ones and
/// character references are refused (no DTD is ever expanded).
pub fn autodiscover_request_address(body: &[u8]) -> Result<EmailAddress, RequestError> {
    let body = std::str::from_utf8(body)
        .map_err(|_| RequestError::Malformed("the body is not UTF-8".into()))?;
    let mut reader = Reader::from_str(body);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = true;
    let mut scan = AddressScan::default();
    loop {
        match reader.read_event().map_err(|e| malformed(&e))? {
            Event::Eof => break,
            event => scan.step(event)?,
        }
    }
    scan.finish()
}

fn malformed(e: &dyn std::fmt::Display) -> RequestError {
    RequestError::Malformed(e.to_string())
}

/// Where the reader is in the request, and the address text read so far.
#[derive(Default)]
struct AddressScan {
    path: Vec<String>,
    address: Option<String>,
    root_seen: bool,
}

impl AddressScan {
    fn in_address(&self) -> bool {
        self.path.len() == 3 && self.path[1] == "Request" && self.path[2] == "EMailAddress"
    }

    fn step(&mut self, event: Event<'_>) -> Result<(), RequestError> {
        let in_address = self.in_address();
        match event {
            Event::Start(start) => return self.open(start.local_name().as_ref().to_owned()),
            Event::End(_) => {
                if in_address && self.address.is_none() {
                    self.address = Some(String::new());
                }
                self.path.pop();
            }
            Event::Text(t) if in_address => self.push(&t.xml10_content()),
            Event::CData(t) if in_address => self.push(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let resolved = resolve_reference(&r)?;
                if in_address {
                    self.push(&resolved);
                }
            }
            Event::Text(t) if self.path.is_empty() && !t.xml10_content().trim().is_empty() => {
                return Err(RequestError::Malformed(
                    "text outside the root element".into(),
                ));
            }
            Event::DocType(_) => {
                return Err(RequestError::Malformed("a DOCTYPE is not accepted".into()));
            }
            _ => {}
        }
        Ok(())
    }

    fn open(&mut self, name: String) -> Result<(), RequestError> {
        if self.path.is_empty() {
            if self.root_seen || name != "Autodiscover" {
                return Err(RequestError::Malformed(
                    "the root element must be <Autodiscover>".into(),
                ));
            }
            self.root_seen = true;
        }
        if self.path.len() >= 16 {
            return Err(RequestError::Malformed("elements nest too deeply".into()));
        }
        self.path.push(name);
        Ok(())
    }

    fn push(&mut self, text: &str) {
        self.address.get_or_insert_default().push_str(text);
    }

    fn finish(self) -> Result<EmailAddress, RequestError> {
        if !self.path.is_empty() {
            return Err(RequestError::Malformed(
                "the document ends inside an element".into(),
            ));
        }
        // An empty body (no root element) has no address either.
        let address = self.address.unwrap_or_default();
        let address = address.trim();
        if address.is_empty() {
            return Err(RequestError::MissingAddress);
        }
        EmailAddress::parse(address).map_err(|e| RequestError::BadAddress(e.to_string()))
    }
}

/// A character reference or one of the five predefined entities; any other entity is refused.
fn resolve_reference(r: &BytesRef<'_>) -> Result<Cow<'static, str>, RequestError> {
    match r.resolve_char_ref() {
        Ok(Some(c)) => Ok(Cow::Owned(c.to_string())),
        Ok(None) => {
            let name = r.xml10_content();
            resolve_predefined_entity(&name)
                .map(Cow::Borrowed)
                .ok_or_else(|| RequestError::Malformed(format!("unknown entity &{name};")))
        }
        Err(e) => Err(malformed(&e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_address_is_read_and_unescaped() {
        let body = br#"<?xml version="1.0"?><a:Autodiscover xmlns:a="x"><a:Request>
            <a:EMailAddress>o&amp;&lt;&#x27;"&#233;l@Example.ORG</a:EMailAddress>
            </a:Request></a:Autodiscover>"#;
        let address = autodiscover_request_address(body).expect("address");
        assert_eq!(address.as_str(), "o&<'\"él@example.org");
    }

    #[test]
    fn bad_requests_are_refused() {
        for body in [
            &b""[..],
            b"not xml",
            b"<Autodiscover><Request></Request></Autodiscover>",
            b"<Autodiscover><Request><EMailAddress>a@b.org</Request></Autodiscover>",
            b"<Autodiscover><Request><EMailAddress>&xxe;</EMailAddress></Request></Autodiscover>",
            b"<Other><Request><EMailAddress>a@b.org</EMailAddress></Request></Other>",
            b"<Autodiscover><Request><EMailAddress>nobody</EMailAddress></Request></Autodiscover>",
            b"<Autodiscover><Request><EMailAddress>a@b.org</EMailAddress></Request>",
            b"\xff\xfe",
        ] {
            assert!(
                autodiscover_request_address(body).is_err(),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
}
