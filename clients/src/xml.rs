//! What the two XML documents share: quick-xml's writer, so every value is escaped.

use std::io;

use domain::Security;
use quick_xml::events::{BytesDecl, BytesText, Event};
use quick_xml::Writer;

pub(crate) type XmlWriter = Writer<Vec<u8>>;

pub(crate) fn new_document() -> io::Result<XmlWriter> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

/// `<name>text</name>`, the text escaped by the writer.
pub(crate) fn text(w: &mut XmlWriter, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))
        .map(|_| ())
}

pub(crate) fn socket_type(security: Security) -> &'static str {
    match security {
        Security::SslTls => "SSL",
        Security::StartTls => "STARTTLS",
    }
}
