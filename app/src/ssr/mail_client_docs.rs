//! The documents mail clients fetch to set an account up by themselves: Thunderbird's autoconfig
//! (config-v1.1) and Outlook's Autodiscover (POX, response schema 2006a), built from a domain's
//! settings with quick-xml's writer, so every value is escaped; and the Autodiscover request,
//! read with its reader. Pure functions: no database, no web types.

use std::borrow::Cow;
use std::io;

use domain::{DomainSettings, EmailAddress, Hostname, Port, Security};
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::{Reader, Writer};

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

type XmlWriter = Writer<Vec<u8>>;

fn decl(w: &mut XmlWriter) -> io::Result<()> {
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
}

/// `<name>text</name>`, the text escaped by the writer.
fn text(w: &mut XmlWriter, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))
        .map(|_| ())
}

fn socket_type(security: Security) -> &'static str {
    match security {
        Security::SslTls => "SSL",
        Security::StartTls => "STARTTLS",
    }
}

/// Thunderbird's `config-v1.1.xml` for a domain. The username is the `%EMAILADDRESS%`
/// placeholder the client fills in itself: the document holds only the domain's public settings.
pub fn autoconfig(settings: &DomainSettings) -> io::Result<Vec<u8>> {
    let domain = settings.domain.as_str();
    let unicode = settings.domain.display_unicode();
    let short = unicode.split('.').next().unwrap_or(&unicode).to_string();
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    decl(&mut w)?;
    w.create_element("clientConfig")
        .with_attribute(("version", "1.1"))
        .write_inner_content(|w| {
            w.create_element("emailProvider")
                .with_attribute(("id", domain))
                .write_inner_content(|w| {
                    text(w, "domain", domain)?;
                    text(w, "displayName", &unicode)?;
                    text(w, "displayShortName", &short)?;
                    let servers = [
                        (
                            "incomingServer",
                            "imap",
                            &settings.imap_host,
                            settings.imap_port,
                            settings.imap_security,
                        ),
                        (
                            "outgoingServer",
                            "smtp",
                            &settings.smtp_host,
                            settings.smtp_port,
                            settings.smtp_security,
                        ),
                    ];
                    for (element, kind, host, port, security) in servers {
                        autoconfig_server(w, element, kind, host, port, security)?;
                    }
                    Ok(())
                })?;
            Ok(())
        })?;
    Ok(w.into_inner())
}

fn autoconfig_server(
    w: &mut XmlWriter,
    element: &str,
    kind: &str,
    host: &Hostname,
    port: Port,
    security: Security,
) -> io::Result<()> {
    w.create_element(element)
        .with_attribute(("type", kind))
        .write_inner_content(|w| {
            text(w, "hostname", host.as_str())?;
            text(w, "port", &port.get().to_string())?;
            text(w, "socketType", socket_type(security))?;
            // Cleartext only inside the TLS connection: plain text is not representable.
            text(w, "authentication", "password-cleartext")?;
            text(w, "username", "%EMAILADDRESS%")
        })
        .map(|_| ())
}

/// Outlook's Autodiscover answer (POX, 2006a) for `address` at a domain with `settings`.
/// Implicit TLS is `<SSL>on</SSL>` with no `<Encryption>` (an `Encryption` of `TLS` would make
/// Outlook try STARTTLS on 993/465); STARTTLS is `<Encryption>TLS</Encryption>`.
pub fn autodiscover(settings: &DomainSettings, address: &EmailAddress) -> io::Result<Vec<u8>> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    decl(&mut w)?;
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
    let malformed = |e: &dyn std::fmt::Display| RequestError::Malformed(e.to_string());
    let mut reader = Reader::from_str(body);
    let config = reader.config_mut();
    config.check_end_names = true;
    config.expand_empty_elements = true;
    let mut path: Vec<String> = Vec::new();
    let mut address: Option<String> = None;
    let mut root_seen = false;
    loop {
        let event = reader.read_event().map_err(|e| malformed(&e))?;
        let in_address = path.len() == 3 && path[1] == "Request" && path[2] == "EMailAddress";
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if root_seen || name != "Autodiscover" {
                        return Err(RequestError::Malformed(
                            "the root element must be <Autodiscover>".into(),
                        ));
                    }
                    root_seen = true;
                }
                if path.len() >= 16 {
                    return Err(RequestError::Malformed("elements nest too deeply".into()));
                }
                path.push(name);
            }
            Event::End(_) => {
                if in_address && address.is_none() {
                    address = Some(String::new());
                }
                path.pop();
            }
            Event::Text(t) if in_address => {
                address.get_or_insert_default().push_str(&t.xml10_content());
            }
            Event::CData(t) if in_address => {
                address.get_or_insert_default().push_str(&t.xml10_content());
            }
            Event::GeneralRef(r) => {
                let resolved: Cow<'_, str> = match r.resolve_char_ref() {
                    Ok(Some(c)) => Cow::Owned(c.to_string()),
                    Ok(None) => {
                        let name = r.xml10_content();
                        Cow::Borrowed(resolve_predefined_entity(&name).ok_or_else(|| {
                            RequestError::Malformed(format!("unknown entity &{name};"))
                        })?)
                    }
                    Err(e) => return Err(malformed(&e)),
                };
                if in_address {
                    address.get_or_insert_default().push_str(&resolved);
                }
            }
            Event::Text(t) if path.is_empty() && !t.xml10_content().trim().is_empty() => {
                return Err(RequestError::Malformed(
                    "text outside the root element".into(),
                ));
            }
            Event::DocType(_) => {
                return Err(RequestError::Malformed("a DOCTYPE is not accepted".into()));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !path.is_empty() {
        return Err(RequestError::Malformed(
            "the document ends inside an element".into(),
        ));
    }
    // An empty body (no root element) has no address either.
    let address = address.unwrap_or_default();
    let address = address.trim();
    if address.is_empty() {
        return Err(RequestError::MissingAddress);
    }
    EmailAddress::parse(address).map_err(|e| RequestError::BadAddress(e.to_string()))
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
