//! Lists of IP networks in operator configuration, e.g. `10.0.0.0/8, 192.0.2.1, 2001:db8::/32`.

use std::net::IpAddr;

use ipnet::IpNet;

/// Why a network list was refused. `Display` names the entry and says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CidrError {
    #[error("Entry {position} of the list is empty: remove the extra comma")]
    EmptyEntry { position: usize },
    #[error("{entry:?} is not an IP address or network; write e.g. 10.0.0.0/8, 192.0.2.1 or 2001:db8::/32")]
    Invalid { entry: String },
    #[error(
        "{entry:?} has an invalid prefix length: after the \"/\" write a number from 0 to {max}"
    )]
    InvalidPrefix { entry: String, max: u8 },
    #[error("{entry} has host bits set; did you mean {network}?")]
    HostBitsSet { entry: String, network: IpNet },
    #[error("the ranges {first} and {second} overlap; list each address once")]
    Overlap { first: IpNet, second: IpNet },
}

/// A list of ranges where no address appears twice (static egress ranges).
pub fn parse_disjoint_cidr_list(input: &str) -> Result<Vec<IpNet>, CidrError> {
    let nets = parse_cidr_list(input)?;
    match find_overlap(&nets) {
        Some((first, second)) => Err(CidrError::Overlap { first, second }),
        None => Ok(nets),
    }
}

/// Parses a comma-separated list of networks. A bare address is a host route (/32 or /128);
/// a network with host bits set (10.0.0.1/8) is refused rather than silently widened.
/// Blank input is the empty list.
pub fn parse_cidr_list(input: &str) -> Result<Vec<IpNet>, CidrError> {
    if input.trim().is_empty() {
        return Ok(Vec::new());
    }
    input
        .split(',')
        .enumerate()
        .map(|(i, entry)| parse_entry(entry.trim(), i + 1))
        .collect()
}

fn parse_entry(entry: &str, position: usize) -> Result<IpNet, CidrError> {
    if entry.is_empty() {
        return Err(CidrError::EmptyEntry { position });
    }
    let invalid = || CidrError::Invalid {
        entry: entry.to_owned(),
    };
    let Some((addr, prefix)) = entry.split_once('/') else {
        return entry
            .parse::<IpAddr>()
            .map(IpNet::from)
            .map_err(|_| invalid());
    };
    let addr: IpAddr = addr.parse().map_err(|_| invalid())?;
    let max = match addr {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 128,
    };
    let bad_prefix = || CidrError::InvalidPrefix {
        entry: entry.to_owned(),
        max,
    };
    // u8::from_str would also take "+8".
    if prefix.is_empty() || !prefix.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad_prefix());
    }
    let len: u8 = prefix.parse().map_err(|_| bad_prefix())?;
    let net = IpNet::new(addr, len).map_err(|_| bad_prefix())?;
    if net.trunc() != net {
        return Err(CidrError::HostBitsSet {
            entry: entry.to_owned(),
            network: net.trunc(),
        });
    }
    Ok(net)
}

/// The first two entries (in list order) where one contains the other; for CIDR networks
/// that is the only way two can overlap. Duplicates count as overlapping.
pub fn find_overlap(nets: &[IpNet]) -> Option<(IpNet, IpNet)> {
    nets.iter().enumerate().find_map(|(i, a)| {
        nets[i + 1..]
            .iter()
            .find(|b| a.contains(*b) || b.contains(a))
            .map(|b| (*a, *b))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    #[test]
    fn valid_lists() {
        let rows: Vec<(&str, Vec<IpNet>)> = vec![
            ("", vec![]),
            ("  \t ", vec![]),
            ("10.0.0.0/8", nets(&["10.0.0.0/8"])),
            (
                " 10.0.0.0/8 ,192.168.0.0/16,\t2001:db8::/32 ",
                nets(&["10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32"]),
            ),
            ("192.0.2.1", nets(&["192.0.2.1/32"])),
            ("::1", nets(&["::1/128"])),
            (
                "2001:DB8::1, 127.0.0.1",
                nets(&["2001:db8::1/128", "127.0.0.1/32"]),
            ),
            ("0.0.0.0/0,::/0", nets(&["0.0.0.0/0", "::/0"])),
            ("10.0.0.0/08", nets(&["10.0.0.0/8"])),
            ("192.0.2.7/32", nets(&["192.0.2.7/32"])),
        ];
        for (input, expected) in rows {
            assert_eq!(parse_cidr_list(input), Ok(expected), "{input:?}");
        }
    }

    #[test]
    fn invalid_lists_name_the_entry() {
        let rows = [
            (
                "10.0.0.1/8",
                "10.0.0.1/8 has host bits set; did you mean 10.0.0.0/8?",
            ),
            (
                "10.0.0.0/8, 2001:db8::1/32",
                "2001:db8::1/32 has host bits set; did you mean 2001:db8::/32?",
            ),
            (
                "10.0.0.0/8,,192.168.0.0/16",
                "Entry 2 of the list is empty: remove the extra comma",
            ),
            (
                "10.0.0.0/8,",
                "Entry 2 of the list is empty: remove the extra comma",
            ),
            (
                "10.0.0.0/33",
                "\"10.0.0.0/33\" has an invalid prefix length: after the \"/\" write a number from 0 to 32",
            ),
            (
                "::/129",
                "\"::/129\" has an invalid prefix length: after the \"/\" write a number from 0 to 128",
            ),
            (
                "10.0.0.0/",
                "\"10.0.0.0/\" has an invalid prefix length: after the \"/\" write a number from 0 to 32",
            ),
            (
                "10.0.0.0/+8",
                "\"10.0.0.0/+8\" has an invalid prefix length: after the \"/\" write a number from 0 to 32",
            ),
            (
                "10.0.0.0/8/8",
                "\"10.0.0.0/8/8\" has an invalid prefix length: after the \"/\" write a number from 0 to 32",
            ),
            (
                "example.com",
                "\"example.com\" is not an IP address or network; write e.g. 10.0.0.0/8, 192.0.2.1 or 2001:db8::/32",
            ),
        ];
        for (input, message) in rows {
            let err = parse_cidr_list(input).unwrap_err();
            assert_eq!(err.to_string(), message, "{input:?}");
        }
        for garbage in [
            "10.0.0.0 /8",
            "10.0.0/8",
            "[::1]",
            "fe80::1%eth0",
            "10.0.0.0 192.168.0.0",
            "010.0.0.0/8",
        ] {
            assert!(
                matches!(parse_cidr_list(garbage), Err(CidrError::Invalid { .. })),
                "{garbage:?}"
            );
        }
    }

    #[test]
    fn control_characters_are_escaped_in_messages() {
        let err = parse_cidr_list("10.0.0.0/8,a\u{1b}[2Jb").unwrap_err();
        assert_eq!(
            err,
            CidrError::Invalid {
                entry: "a\u{1b}[2Jb".into()
            }
        );
        assert!(!err.to_string().contains('\u{1b}'), "{err}");
    }

    #[test]
    fn overlaps() {
        assert_eq!(find_overlap(&[]), None);
        assert_eq!(find_overlap(&nets(&["10.0.0.0/8", "192.168.0.0/16"])), None);
        assert!(find_overlap(&nets(&["10.0.0.0/8", "10.0.0.0/9"])).is_some());
        assert_eq!(
            find_overlap(&nets(&["192.0.2.0/24", "10.0.0.0/8", "10.1.2.3/32"])),
            Some((nets(&["10.0.0.0/8"])[0], nets(&["10.1.2.3/32"])[0]))
        );
        assert_eq!(
            find_overlap(&nets(&["10.1.0.0/16", "10.0.0.0/8"])),
            Some((nets(&["10.1.0.0/16"])[0], nets(&["10.0.0.0/8"])[0]))
        );
        assert!(find_overlap(&nets(&["::1/128", "::1/128"])).is_some());
        // Different families never overlap, even ::ffff:0:0/96 and 0.0.0.0/0.
        assert_eq!(find_overlap(&nets(&["0.0.0.0/0", "::/0"])), None);
    }
}
