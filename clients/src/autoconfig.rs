//! Thunderbird's autoconfig document (config-v1.1) for a domain.

use std::io;

use domain::{DomainSettings, Hostname, Port, Security};

use crate::xml::{new_document, socket_type, text, XmlWriter};

/// Thunderbird's `config-v1.1.xml` for a domain. The username is the `%EMAILADDRESS%`
/// placeholder the client fills in itself: the document holds only the domain's public settings.
pub fn autoconfig(settings: &DomainSettings) -> io::Result<Vec<u8>> {
    let domain = settings.domain.as_str();
    let unicode = settings.domain.display_unicode();
    let short = unicode.split('.').next().unwrap_or(&unicode).to_string();
    let mut w = new_document()?;
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
