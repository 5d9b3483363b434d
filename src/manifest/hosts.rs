//! The `network.allowedHosts` grammar: what an entry in a manifest means (a host name, a
//! `*.suffix` wildcard, an IP, or a CIDR range, each with an optional port), and the address
//! classes the fetch policy (`ext/fetch/policy.rs`) decides with. The manifest parser checks
//! entries with [`validate_entry`]; the policy compiles and matches them. Nothing here does
//! I/O or imports anything above the vocabulary.

use deno_core::url::Url;

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The reason given for an entry that is none of the accepted forms.
pub(crate) const NOT_AN_ENTRY: &str = "not a host, a *.suffix wildcard, an IP or a CIDR range";

/// Checks one entry alone, for a validator that reports entries by index. `Err` names the
/// entry and says what is wrong with it.
pub(crate) fn validate_entry(entry: &str) -> Result<(), String> {
    parse_entry(entry).map(|_| ())
}

// ---------------------------------------------------------------------------------------------------------
// Address classification
// ---------------------------------------------------------------------------------------------------------

/// What kind of address an IP is, for deciding whether a plugin may reach it without naming it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AddressClass {
    /// Globally reachable: allowed whenever the URL is.
    Public,
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918: 10/8, 172.16/12, 192.168/16.
    Private,
    /// 169.254/16, fe80::/10.
    LinkLocal,
    /// fc00::/7.
    UniqueLocal,
    /// Carrier-grade NAT, 100.64/10 (RFC 6598).
    SharedAddressSpace,
    /// 224/4, ff00::/8.
    Multicast,
    /// 0.0.0.0, :: (connecting to them reaches the local host on most systems).
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32, 3fff::/20.
    Documentation,
    /// 198.18/15, 2001:2::/48.
    Benchmarking,
    /// Cloud instance metadata endpoints (169.254.169.254 and friends): the classic SSRF target.
    Metadata,
    /// Everything else that is not globally reachable: 0/8, 240/4, 192.0.0/24, deprecated IPv6 forms,
    /// unassigned IPv6 space, ...
    Reserved,
}

impl AddressClass {
    /// Whether a plugin may reach this address without naming it in `network.allowedHosts`.
    pub(crate) fn is_public(self) -> bool {
        self == AddressClass::Public
    }

    /// The class as a phrase for messages ("a loopback address").
    pub(crate) fn describe(self) -> &'static str {
        match self {
            AddressClass::Public => "a public address",
            AddressClass::Loopback => "a loopback address",
            AddressClass::Private => "a private address",
            AddressClass::LinkLocal => "a link-local address",
            AddressClass::UniqueLocal => "a unique-local address",
            AddressClass::SharedAddressSpace => "a carrier-grade NAT address",
            AddressClass::Multicast => "a multicast address",
            AddressClass::Unspecified => "an unspecified address",
            AddressClass::Broadcast => "a broadcast address",
            AddressClass::Documentation => "a documentation address",
            AddressClass::Benchmarking => "a benchmarking address",
            AddressClass::Metadata => "a cloud metadata address",
            AddressClass::Reserved => "a reserved address",
        }
    }
}

/// IPv4 ranges that are not plainly public, most specific first (the first match wins).
pub(crate) const V4_RANGES: &[(Ipv4Addr, u8, AddressClass)] = &[
    // Cloud metadata endpoints first: most sit inside ranges classified below.
    (
        Ipv4Addr::new(169, 254, 169, 254),
        32,
        AddressClass::Metadata,
    ), // AWS, GCP, Azure, OpenStack, ...
    (Ipv4Addr::new(169, 254, 170, 2), 32, AddressClass::Metadata), // AWS ECS task metadata
    (
        Ipv4Addr::new(100, 100, 100, 200),
        32,
        AddressClass::Metadata,
    ), // Alibaba Cloud
    (Ipv4Addr::new(192, 0, 0, 192), 32, AddressClass::Metadata),   // Oracle Cloud
    (Ipv4Addr::new(168, 63, 129, 16), 32, AddressClass::Metadata), // Azure wireserver (a public address)
    (Ipv4Addr::new(0, 0, 0, 0), 32, AddressClass::Unspecified),
    (
        Ipv4Addr::new(255, 255, 255, 255),
        32,
        AddressClass::Broadcast,
    ),
    (Ipv4Addr::new(0, 0, 0, 0), 8, AddressClass::Reserved), // "this network"
    (Ipv4Addr::new(10, 0, 0, 0), 8, AddressClass::Private),
    (
        Ipv4Addr::new(100, 64, 0, 0),
        10,
        AddressClass::SharedAddressSpace,
    ),
    (Ipv4Addr::new(127, 0, 0, 0), 8, AddressClass::Loopback),
    (Ipv4Addr::new(169, 254, 0, 0), 16, AddressClass::LinkLocal),
    (Ipv4Addr::new(172, 16, 0, 0), 12, AddressClass::Private),
    (Ipv4Addr::new(192, 0, 0, 9), 32, AddressClass::Public), // PCP anycast, globally reachable
    (Ipv4Addr::new(192, 0, 0, 10), 32, AddressClass::Public), // TURN anycast, globally reachable
    (Ipv4Addr::new(192, 0, 0, 0), 24, AddressClass::Reserved), // IETF protocol assignments
    (Ipv4Addr::new(192, 0, 2, 0), 24, AddressClass::Documentation),
    (Ipv4Addr::new(192, 88, 99, 0), 24, AddressClass::Reserved), // deprecated 6to4 relay anycast
    (Ipv4Addr::new(192, 168, 0, 0), 16, AddressClass::Private),
    (Ipv4Addr::new(198, 18, 0, 0), 15, AddressClass::Benchmarking),
    (
        Ipv4Addr::new(198, 51, 100, 0),
        24,
        AddressClass::Documentation,
    ),
    (
        Ipv4Addr::new(203, 0, 113, 0),
        24,
        AddressClass::Documentation,
    ),
    (Ipv4Addr::new(224, 0, 0, 0), 4, AddressClass::Multicast),
    (Ipv4Addr::new(240, 0, 0, 0), 4, AddressClass::Reserved),
];

/// IPv6 ranges, most specific first, checked after the forms that embed an IPv4 address. An address in
/// none of them is outside global unicast (2000::/3) and so [`AddressClass::Reserved`].
#[rustfmt::skip]
pub(crate) const V6_RANGES: &[(Ipv6Addr, u8, AddressClass)] = &[
    // Local-use NAT64 (RFC 8215), discard-only (RFC 6666).
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, AddressClass::Reserved),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, AddressClass::Reserved),
    (Ipv6Addr::new(0x2001, 2, 0, 0, 0, 0, 0, 0), 48, AddressClass::Benchmarking),
    // The globally reachable exceptions inside 2001::/23 (IANA special-purpose registry): PCP and TURN
    // anycast, AMT, AS112-v6, ORCHIDv2. The rest of 2001::/23 is IETF protocol assignments.
    (Ipv6Addr::new(0x2001, 1, 0, 0, 0, 0, 0, 1), 128, AddressClass::Public),
    (Ipv6Addr::new(0x2001, 1, 0, 0, 0, 0, 0, 2), 128, AddressClass::Public),
    (Ipv6Addr::new(0x2001, 3, 0, 0, 0, 0, 0, 0), 32, AddressClass::Public),
    (Ipv6Addr::new(0x2001, 4, 0x112, 0, 0, 0, 0, 0), 48, AddressClass::Public),
    (Ipv6Addr::new(0x2001, 0x20, 0, 0, 0, 0, 0, 0), 28, AddressClass::Public),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, AddressClass::Reserved),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, AddressClass::Documentation),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, AddressClass::Documentation),
    // SRv6 SIDs (RFC 9602).
    (Ipv6Addr::new(0x5f00, 0, 0, 0, 0, 0, 0, 0), 16, AddressClass::Reserved),
    // AWS instance metadata over IPv6, inside the unique-local range.
    (Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254), 128, AddressClass::Metadata),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, AddressClass::UniqueLocal),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, AddressClass::LinkLocal),
    // Deprecated site-local.
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, AddressClass::Reserved),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, AddressClass::Multicast),
    // Global unicast.
    (Ipv6Addr::new(0x2000, 0, 0, 0, 0, 0, 0, 0), 3, AddressClass::Public),
];

/// Classifies an address. IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
/// IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`, Teredo `2001::/32`) are classified
/// by the IPv4 address they lead to, so `::ffff:127.0.0.1` is loopback like `127.0.0.1`.
pub(crate) fn classify(ip: IpAddr) -> AddressClass {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

pub(crate) fn classify_v4(ip: Ipv4Addr) -> AddressClass {
    let bits = u32::from(ip);
    V4_RANGES
        .iter()
        .find(|(base, len, _)| in_v4_range(bits, u32::from(*base), *len))
        .map_or(AddressClass::Public, |(_, _, class)| *class)
}

pub(crate) fn classify_v6(ip: Ipv6Addr) -> AddressClass {
    let bits = u128::from(ip);
    let low_v4 = Ipv4Addr::from(bits as u32);
    match bits {
        0 => return AddressClass::Unspecified,
        1 => return AddressClass::Loopback,
        _ => {}
    }
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    if in_v6_range(bits, 0, 96) {
        // Deprecated IPv4-compatible form: never public, and as bad as the address it embeds.
        let class = classify_v4(low_v4);
        return if class.is_public() {
            AddressClass::Reserved
        } else {
            class
        };
    }
    if in_v6_range(
        bits,
        u128::from(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)),
        96,
    ) {
        return classify_v4(low_v4); // NAT64 well-known prefix
    }
    if in_v6_range(
        bits,
        u128::from(Ipv6Addr::new(0x2002, 0, 0, 0, 0, 0, 0, 0)),
        16,
    ) {
        return classify_v4(Ipv4Addr::from((bits >> 80) as u32)); // 6to4
    }
    if in_v6_range(
        bits,
        u128::from(Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0)),
        32,
    ) {
        // Teredo: the server's address in bits 32..64, the client's (inverted) in the low 32 bits.
        let server = classify_v4(Ipv4Addr::from((bits >> 64) as u32));
        let client = classify_v4(Ipv4Addr::from(!(bits as u32)));
        return [server, client]
            .into_iter()
            .find(|c| !c.is_public())
            .unwrap_or(AddressClass::Public);
    }
    V6_RANGES
        .iter()
        .find(|(base, len, _)| in_v6_range(bits, u128::from(*base), *len))
        .map_or(AddressClass::Reserved, |(_, _, class)| *class)
}

/// The network mask of an IPv4 prefix length (lengths past 32 count as 32).
pub(crate) fn v4_mask(len: u8) -> u32 {
    u32::MAX
        .checked_shl(32 - u32::from(len.min(32)))
        .unwrap_or(0)
}

/// The network mask of an IPv6 prefix length (lengths past 128 count as 128).
pub(crate) fn v6_mask(len: u8) -> u128 {
    u128::MAX
        .checked_shl(128 - u32::from(len.min(128)))
        .unwrap_or(0)
}

pub(crate) fn in_v4_range(bits: u32, base: u32, len: u8) -> bool {
    bits & v4_mask(len) == base & v4_mask(len)
}

pub(crate) fn in_v6_range(bits: u128, base: u128, len: u8) -> bool {
    bits & v6_mask(len) == base & v6_mask(len)
}

/// The same address written the other way: IPv4 as IPv4-mapped IPv6 and back.
pub(crate) fn other_form(ip: IpAddr) -> Option<IpAddr> {
    match ip {
        IpAddr::V4(v4) => Some(IpAddr::V6(v4.to_ipv6_mapped())),
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4),
    }
}

/// Whether two addresses are the same, counting `::ffff:a.b.c.d` as `a.b.c.d`.
pub(crate) fn same_ip(a: IpAddr, b: IpAddr) -> bool {
    a.to_canonical() == b.to_canonical()
}

// ---------------------------------------------------------------------------------------------------------
// Allow-list entries
// ---------------------------------------------------------------------------------------------------------

/// A CIDR range; `base` has its host bits cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cidr {
    pub(crate) base: IpAddr,
    pub(crate) len: u8,
}

impl Cidr {
    pub(crate) fn new(base: IpAddr, len: u8) -> Cidr {
        let base = match base {
            IpAddr::V4(v4) => IpAddr::V4(Ipv4Addr::from(u32::from(v4) & v4_mask(len))),
            IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & v6_mask(len))),
        };
        Cidr { base, len }
    }

    /// Whether the range holds `ip`, in either of its IPv4 / IPv4-mapped IPv6 forms.
    pub(crate) fn contains(&self, ip: IpAddr) -> bool {
        self.contains_as_written(ip)
            || other_form(ip).is_some_and(|alt| self.contains_as_written(alt))
    }

    pub(crate) fn contains_as_written(&self, ip: IpAddr) -> bool {
        match (self.base, ip) {
            (IpAddr::V4(base), IpAddr::V4(ip)) => {
                in_v4_range(u32::from(ip), u32::from(base), self.len)
            }
            (IpAddr::V6(base), IpAddr::V6(ip)) => {
                in_v6_range(u128::from(ip), u128::from(base), self.len)
            }
            _ => false,
        }
    }
}

/// What an entry matches, host part only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pattern {
    /// An exact host name, normalised like a URL host (lowercase, punycode, no trailing dot).
    Host(String),
    /// `*.suffix`, stored as `.suffix`: matches names ending in it, not the suffix itself.
    Suffix(String),
    /// An IP literal.
    Ip(IpAddr),
    /// A CIDR range.
    Cidr(Cidr),
}

/// One compiled `network.allowedHosts` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The entry as written in the manifest.
    pub(crate) text: String,
    pub(crate) pattern: Pattern,
    /// `None`: any port.
    pub(crate) port: Option<u16>,
}

impl Entry {
    /// Whether the URL host matches this entry by name. IP and CIDR entries match only IP-literal hosts,
    /// host and wildcard entries only names.
    pub(crate) fn matches_host(&self, host: &UrlHost) -> bool {
        match (&self.pattern, host) {
            (Pattern::Host(name), UrlHost::Domain(h)) => name == h,
            (Pattern::Suffix(dotted), UrlHost::Domain(h)) => {
                h.len() > dotted.len() && h.ends_with(dotted.as_str())
            }
            (Pattern::Ip(a), UrlHost::Ip(ip)) => same_ip(*a, *ip),
            (Pattern::Cidr(range), UrlHost::Ip(ip)) => range.contains(*ip),
            _ => false,
        }
    }

    /// How explicitly the entry names a host; among matching entries the most explicit is kept, since only
    /// explicit entries unlock non-public addresses.
    pub(crate) fn explicitness(&self) -> u8 {
        match self.pattern {
            Pattern::Host(_) | Pattern::Ip(_) => 3,
            Pattern::Cidr(_) => 2,
            Pattern::Suffix(_) => 1,
        }
    }

    /// Whether this (matched) entry lets the URL's host connect to the non-public address `ip`.
    pub(crate) fn unlocks(&self, host: &UrlHost, ip: IpAddr) -> bool {
        match &self.pattern {
            Pattern::Host(name) => matches!(host, UrlHost::Domain(h) if h == name),
            Pattern::Ip(a) => same_ip(*a, ip),
            Pattern::Cidr(range) => range.contains(ip),
            Pattern::Suffix(_) => false,
        }
    }
}

/// How an entry's host part was written.
pub(crate) enum HostPart<'a> {
    /// Inside `[...]`: an IPv6 address or range.
    Bracketed(&'a str),
    /// Anything else.
    Plain(&'a str),
}

/// Parses one entry; the error names the entry and says what is wrong with it.
pub(crate) fn parse_entry(text: &str) -> Result<Entry, String> {
    let fail = |why: &str| format!("{text:?}: {why}");
    if text.is_empty() || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(fail(NOT_AN_ENTRY));
    }
    if text.contains("://") {
        return Err(fail(
            "write the host alone, without a scheme (e.g. api.example.com)",
        ));
    }
    let lower = text.to_ascii_lowercase();
    let (host, port) = split_port(&lower).map_err(|why| fail(&why))?;
    let pattern = parse_pattern(host).map_err(|why| fail(&why))?;
    Ok(Entry {
        text: text.to_owned(),
        pattern,
        port,
    })
}

/// Splits off an optional `:port`. A bare value with several colons is an IPv6 address and has no port.
pub(crate) fn split_port(s: &str) -> Result<(HostPart<'_>, Option<u16>), String> {
    if let Some(rest) = s.strip_prefix('[') {
        let Some((inner, after)) = rest.split_once(']') else {
            return Err("missing the ] that closes an IPv6 address".to_owned());
        };
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(p) => Some(parse_port(p)?),
                None => return Err(NOT_AN_ENTRY.to_owned()),
            },
        };
        return Ok((HostPart::Bracketed(inner), port));
    }
    if s.matches(':').count() > 1 {
        return Ok((HostPart::Plain(s), None));
    }
    match s.split_once(':') {
        Some((host, p)) => Ok((HostPart::Plain(host), Some(parse_port(p)?))),
        None => Ok((HostPart::Plain(s), None)),
    }
}

pub(crate) fn parse_port(p: &str) -> Result<u16, String> {
    if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{p:?} is not a port number"));
    }
    match p.parse::<u16>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("port {p} is out of range (1 to 65535)")),
    }
}

pub(crate) fn parse_pattern(part: HostPart<'_>) -> Result<Pattern, String> {
    let host = match part {
        HostPart::Bracketed(inner) => {
            return parse_v6_pattern(inner)
                .map_err(|_| "brackets hold an IPv6 address or range, e.g. [::1]:8080".to_owned());
        }
        HostPart::Plain(host) => host,
    };
    if host.contains(':') {
        return parse_v6_pattern(host)
            .map_err(|why| why.unwrap_or_else(|| NOT_AN_ENTRY.to_owned()));
    }
    if let Some((before, _)) = host.split_once('/') {
        if before.bytes().any(|b| b.is_ascii_alphabetic()) {
            return Err("write the host alone, without a path".to_owned());
        }
        return parse_cidr(host, false).map(Pattern::Cidr);
    }
    if let Some(suffix) = host.strip_prefix("*.") {
        return match normalize_name(suffix) {
            Some(UrlHost::Domain(d)) if !d.contains('*') => Ok(Pattern::Suffix(format!(".{d}"))),
            Some(UrlHost::Ip(_)) => {
                Err("a *.suffix wildcard needs a domain name, not an IP address".to_owned())
            }
            _ => Err(NOT_AN_ENTRY.to_owned()),
        };
    }
    if let Ok(v4) = host.parse::<Ipv4Addr>() {
        return Ok(Pattern::Ip(IpAddr::V4(v4)));
    }
    // A name, normalised exactly as a URL host would be; this also turns other IPv4 spellings
    // (`127.1`, `0x7f.1`) into the address a URL with that host would reach.
    match normalize_name(host) {
        Some(UrlHost::Domain(d)) => Ok(Pattern::Host(d)),
        Some(UrlHost::Ip(ip)) => Ok(Pattern::Ip(ip)),
        None => Err(NOT_AN_ENTRY.to_owned()),
    }
}

/// An IPv6 address or range. `Err(Some(why))` for a range with a bad prefix, `Err(None)` otherwise.
pub(crate) fn parse_v6_pattern(s: &str) -> Result<Pattern, Option<String>> {
    if s.contains('/') {
        return parse_cidr(s, true).map(Pattern::Cidr).map_err(Some);
    }
    s.parse::<Ipv6Addr>()
        .map(|a| Pattern::Ip(IpAddr::V6(a)))
        .map_err(|_| None)
}

/// `addr/len`, with `addr` a plain dotted-quad IPv4 address or an IPv6 address.
pub(crate) fn parse_cidr(s: &str, v6: bool) -> Result<Cidr, String> {
    let (addr, len) = s.split_once('/').ok_or_else(|| NOT_AN_ENTRY.to_owned())?;
    let (base, max) = if v6 {
        let a = addr
            .parse::<Ipv6Addr>()
            .map_err(|_| format!("{addr:?} is not an IPv6 address"))?;
        (IpAddr::V6(a), 128)
    } else {
        let a = addr
            .parse::<Ipv4Addr>()
            .map_err(|_| format!("{addr:?} is not an IPv4 address"))?;
        (IpAddr::V4(a), 32)
    };
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("{len:?} is not a prefix length"));
    }
    match len.parse::<u8>() {
        Ok(n) if n <= max => Ok(Cidr::new(base, n)),
        _ => Err(format!(
            "prefix /{len} is too long for this range (at most /{max})"
        )),
    }
}

/// Normalises a host name the way the URL parser normalises an `http` URL's host. `None` if it is not
/// a valid host or has empty labels.
pub(crate) fn normalize_name(name: &str) -> Option<UrlHost> {
    let allowed =
        |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') || !c.is_ascii();
    if name.is_empty() || !name.chars().all(allowed) {
        return None;
    }
    let url = Url::parse(&format!("http://{name}/")).ok()?;
    let host = url_host(url.host_str()?)?;
    match &host {
        UrlHost::Domain(d) if d.split('.').any(str::is_empty) => None,
        _ => Some(host),
    }
}

/// A URL's host as the policy sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum UrlHost {
    /// A domain name: lowercase, punycode, without a trailing dot.
    Domain(String),
    /// An IP literal.
    Ip(IpAddr),
}

impl fmt::Display for UrlHost {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlHost::Domain(d) => f.write_str(d),
            UrlHost::Ip(ip) => write!(f, "{ip}"),
        }
    }
}

/// Reads a serialised URL host (`[v6]`, dotted IPv4 or a name). A name that reads as an IP is taken as
/// that IP, whatever the URL parser thought of it.
pub(crate) fn url_host(host: &str) -> Option<UrlHost> {
    if let Some(inner) = host.strip_prefix('[') {
        let v6 = inner.strip_suffix(']')?.parse::<Ipv6Addr>().ok()?;
        return Some(UrlHost::Ip(IpAddr::V6(v6)));
    }
    let name = host.strip_suffix('.').unwrap_or(host);
    if let Ok(ip) = name.parse::<IpAddr>() {
        return Some(UrlHost::Ip(ip));
    }
    if name.is_empty() {
        return None;
    }
    Some(UrlHost::Domain(name.to_ascii_lowercase()))
}
