//! Thunderbird's autoconfig document (config-v1.1) for a domain. An OAuth 2.0 domain says
//! `OAuth2` for both servers and carries the `<oAuth2>` block (issuer, scope, authorization and
//! token URLs). Thunderbird signs in with its own client ID at the issuers it knows (Microsoft,
//! Google); an OpenID provider's endpoints come from its discovery document, which this
//! document does not read, so only its issuer and scopes are given.

use std::io;

use domain::oauth::{OAuthApp, Provider};
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
                    let auth = match settings.oauth {
                        Some(_) => "OAuth2",
                        // Cleartext only inside the TLS connection: plain text is not representable.
                        None => "password-cleartext",
                    };
                    for (element, kind, host, port, security) in servers {
                        autoconfig_server(w, element, kind, host, port, security, auth)?;
                    }
                    match &settings.oauth {
                        Some(app) => oauth_block(w, app),
                        None => Ok(()),
                    }
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
    authentication: &str,
) -> io::Result<()> {
    w.create_element(element)
        .with_attribute(("type", kind))
        .write_inner_content(|w| {
            text(w, "hostname", host.as_str())?;
            text(w, "port", &port.get().to_string())?;
            text(w, "socketType", socket_type(security))?;
            text(w, "authentication", authentication)?;
            text(w, "username", "%EMAILADDRESS%")
        })
        .map(|_| ())
}

/// `<oAuth2>`: the issuer as Thunderbird names it (the authorization endpoint's host), the
/// scopes, and the tenant's own endpoints.
fn oauth_block(w: &mut XmlWriter, app: &OAuthApp) -> io::Result<()> {
    let endpoints = app.provider.endpoints();
    let issuer = match (&app.provider, &endpoints) {
        (Provider::OpenId { issuer }, _) => issuer.as_str().to_owned(),
        (_, Some(e)) => e.authorize.host_str().unwrap_or_default().to_owned(),
        (_, None) => String::new(),
    };
    w.create_element("oAuth2")
        .write_inner_content(|w| {
            text(w, "issuer", &issuer)?;
            text(w, "scope", &app.scopes.to_string())?;
            if let Some(e) = &endpoints {
                text(w, "authURL", e.authorize.as_str())?;
                text(w, "tokenURL", e.token.as_str())?;
            }
            Ok(())
        })
        .map(|_| ())
}
