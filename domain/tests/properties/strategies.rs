//! Generators shared by the property tests: hostile text, and valid values of each type.

use domain::oauth::OAuthApp;
use domain::{CertPin, DomainSettings, Hostname, MailDomain, Port, Security};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::{select, Index};

/// Characters the parsers treat specially, and look-alikes that IDNA maps onto them.
const SPECIAL: &[char] = &[
    '.',
    ':',
    '/',
    '@',
    '[',
    ']',
    '-',
    '%',
    ',',
    '+',
    '_',
    ' ',
    '\t',
    '\n',
    '\r',
    '\0',
    '\u{7f}',
    'a',
    'x',
    'n',
    'z',
    'A',
    'X',
    'N',
    'Z',
    '0',
    '1',
    '9',
    'f',
    'ß',
    'ü',
    'Ü',
    'İ',
    'ς',
    '\u{212a}', // KELVIN SIGN, lowercases to ASCII 'k'
    '\u{3002}', // IDEOGRAPHIC FULL STOP, IDNA maps it to '.'
    '\u{ff0e}',
    '\u{ff1a}',
    '\u{ff10}', // fullwidth '.', ':', '0'
    '\u{200b}',
    '\u{200c}',
    '\u{200d}',
    '\u{ad}',
    '\u{feff}',
    '\u{85}',
    '\u{a0}',
    '\u{2028}',
    '\u{301}',
    '\u{5d0}',
    '\u{627}',
    '\u{660}',
    '\u{fffd}',
    '\u{1f600}',
    '\u{e000}',
];

pub fn any_char() -> impl Strategy<Value = char> {
    prop_oneof![
        3 => any::<char>(),
        2 => proptest::char::range('\0', '\u{7f}'),
        3 => select(SPECIAL),
    ]
}

/// Anything at all: mostly short, sometimes a few KB.
pub fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => vec(any_char(), 0..40).prop_map(String::from_iter),
        1 => vec(any_char(), 0..4096).prop_map(String::from_iter),
        1 => any::<String>(),
    ]
}

/// `base` with a few characters inserted, replaced or removed: text close to valid input.
pub fn mutated(base: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    (base, vec((any::<Index>(), any_char(), 0u8..3), 1..3)).prop_map(|(text, edits)| {
        let mut chars: Vec<char> = text.chars().collect();
        for (at, c, op) in edits {
            let i = at.index(chars.len() + 1);
            match op {
                0 => chars.insert(i, c),
                1 if i < chars.len() => chars[i] = c,
                _ if i < chars.len() => {
                    chars.remove(i);
                }
                _ => chars.push(c),
            }
        }
        chars.into_iter().collect()
    })
}

/// Hostile text, or text close to `valid`.
pub fn text_near(valid: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop_oneof![1 => any_text(), 2 => mutated(valid)]
}

/// An RFC 1123 label (lowercase), never a punycode "xn--" one.
pub fn label() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?",
        1 => "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?",
    ]
    .prop_map(|l| match l.strip_prefix('x') {
        Some(rest) if rest.starts_with("n--") => format!("y{rest}"),
        _ => l,
    })
}

/// A label that may end a name: not all digits.
pub fn tld() -> impl Strategy<Value = String> {
    label().prop_map(|l| {
        if l.bytes().all(|b| b.is_ascii_digit()) {
            format!("a{}", &l[1..])
        } else {
            l
        }
    })
}

fn name(min_labels: usize) -> impl Strategy<Value = String> {
    (vec(label(), min_labels..4), tld())
        .prop_map(|(mut labels, last)| {
            labels.push(last);
            labels.join(".")
        })
        .prop_filter("at most 253 characters", |n| n.len() <= 253)
}

/// A valid canonical host name (one label allowed).
pub fn host_name() -> impl Strategy<Value = String> {
    name(0)
}

/// A valid canonical mail domain (at least one dot).
pub fn domain_name() -> impl Strategy<Value = String> {
    name(1)
}

/// Labels of letters that IDNA keeps (or maps to ASCII), joined into a domain.
pub fn unicode_domain() -> impl Strategy<Value = String> {
    vec("[a-zäöüßéçñøåæœþğıłżάλπжщ中文日本한국]{1,12}", 2..4).prop_map(|labels| labels.join("."))
}

/// A label that is or looks like punycode, to probe the IDNA round trip: random ASCII after
/// "xn--", or the raw encoding of any text (uppercase, unnormalised or disallowed included).
pub fn punycode_domain() -> impl Strategy<Value = String> {
    let raw = vec(any_char(), 1..12).prop_filter_map("encodable", |chars| {
        idna::punycode::encode_str(&String::from_iter(chars)).map(|p| format!("xn--{p}"))
    });
    let label = prop_oneof!["xn--[a-z0-9-]{1,16}", raw];
    (label, domain_name()).prop_map(|(l, rest)| format!("{l}.{rest}"))
}

/// `canonical` as a person might type it: any case, a trailing dot, spaces around.
pub fn as_typed(canonical: String) -> impl Strategy<Value = String> {
    (
        vec(any::<bool>(), canonical.len()),
        any::<bool>(),
        "[ \t]{0,2}",
        "[ \t\n]{0,2}",
    )
        .prop_map(move |(upper, dot, before, after)| {
            let body: String = canonical
                .chars()
                .zip(upper)
                .map(|(c, up)| if up { c.to_ascii_uppercase() } else { c })
                .collect();
            let dot = if dot { "." } else { "" };
            format!("{before}{body}{dot}{after}")
        })
}

pub fn hostname() -> impl Strategy<Value = Hostname> {
    prop_oneof![
        3 => host_name(),
        1 => any::<std::net::IpAddr>().prop_map(|ip| ip.to_string()),
    ]
    .prop_filter_map("valid host", |s| Hostname::parse(&s).ok())
}

pub fn port() -> impl Strategy<Value = Port> {
    prop_oneof![
        1 => select(vec![25u16, 143, 465, 587, 993, 1, 65535]),
        1 => 1u16..=65535,
    ]
    .prop_filter_map("nonzero", Port::new)
}

pub fn security() -> impl Strategy<Value = Security> {
    select(Security::ALL.to_vec())
}

pub fn fingerprint() -> impl Strategy<Value = String> {
    "[0-9a-f]{64}"
}

pub fn date() -> impl Strategy<Value = String> {
    "[0-9]{4}-[0-9]{2}-[0-9]{2}"
}

pub fn colon_separated(hex: &str) -> String {
    hex.as_bytes()
        .chunks(2)
        .map(|pair| String::from_utf8_lossy(pair).into_owned())
        .collect::<Vec<_>>()
        .join(":")
}

/// A valid pin as it may be written: upper case, colons, spaces around.
pub fn pin_spelling() -> impl Strategy<Value = String> {
    (
        fingerprint(),
        date(),
        any::<bool>(),
        any::<bool>(),
        "[ \t]{0,2}",
    )
        .prop_map(|(hex, date, upper, colons, pad)| {
            let hex = if colons { colon_separated(&hex) } else { hex };
            let hex = if upper { hex.to_ascii_uppercase() } else { hex };
            format!("{pad}{hex}@{date}{pad}")
        })
}

pub fn cert_pin() -> impl Strategy<Value = CertPin> {
    (fingerprint(), date()).prop_filter_map("valid pin", |(f, d)| CertPin::new(&f, &d).ok())
}

pub fn settings() -> impl Strategy<Value = DomainSettings> {
    let side = || {
        (
            hostname(),
            port(),
            security(),
            proptest::option::of(cert_pin()),
        )
    };
    (
        domain_name().prop_filter_map("valid domain", |d| MailDomain::parse(&d).ok()),
        side(),
        side(),
        any::<bool>(),
        any::<bool>(),
        oauth_app(),
    )
        .prop_map(
            |(domain, imap, smtp, allow, statics, oauth)| DomainSettings {
                domain,
                imap_host: imap.0,
                imap_port: imap.1,
                imap_security: imap.2,
                smtp_host: smtp.0,
                smtp_port: smtp.1,
                smtp_security: smtp.2,
                allow_non_secure_certificate: allow,
                use_static_ips: statics,
                imap_cert_pin: imap.3,
                smtp_cert_pin: smtp.3,
                oauth,
            },
        )
}

/// No OAuth (a password domain), or an application of each provider.
pub fn oauth_app() -> impl Strategy<Value = Option<OAuthApp>> {
    let app = |provider: &str, tenant: &str, issuer: &str, scopes: &str| {
        OAuthApp::parse_fields(provider, tenant, issuer, "client-1", scopes).ok()
    };
    select(vec![
        None,
        app("microsoft365", "contoso.onmicrosoft.com", "", ""),
        app("google", "", "", ""),
        app("openid", "", "https://login.example.com", "openid email"),
        app(
            "openid",
            "",
            "https://login.example.com",
            "openid offline_access",
        ),
    ])
}
