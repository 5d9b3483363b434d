//! Network access policy for a plugin's `fetch`: which URLs, and which resolved addresses, it may reach.
//!
//! `network.allowedHosts` entries are compiled once, by [`HostPolicy::compile`]. A request is then checked
//! in two steps, because a host name says nothing trustworthy about where it leads:
//!
//! 1. [`HostPolicy::check_url`], before resolving: the scheme, and the URL's host and port matched against
//!    the entries *by name*. The [`UrlDecision`] it returns remembers which entry matched.
//! 2. [`HostPolicy::check_addr`], at connect time, for every address the host resolved to (and again for
//!    every redirect hop): a non-public address (loopback, private, link-local, cloud metadata, ...) passes
//!    only when the matched entry named it explicitly: an exact host name equal to the URL's host, an IP
//!    equal to it, or a CIDR range containing it. A `*.suffix` wildcard or the empty-list default never does.
//!
//! An empty allow list means "every public host" (workerd's `public` default).

use deno_core::url::Url;

use std::fmt;
use std::net::IpAddr;

use crate::manifest::hosts::*;

/// The longest URL quoted in a denial message, in characters.
const MAX_SHOWN_URL: usize = 200;

// ---------------------------------------------------------------------------------------------------------
// Policy
// ---------------------------------------------------------------------------------------------------------

/// The compiled `network.allowedHosts` of one plugin.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct HostPolicy {
    entries: Vec<Entry>,
}

/// The outcome of [`HostPolicy::check_url`]: the URL may be fetched, subject to [`HostPolicy::check_addr`]
/// on each address its host resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UrlDecision {
    /// The URL as quoted in messages (no credentials, query or fragment).
    shown: String,
    host: UrlHost,
    port: u16,
    /// The most explicit entry that matched; `None` when the allow list is empty.
    matched: Option<Entry>,
}

impl UrlDecision {
    /// The allow-list entry (as written) that let the URL through; `None` under the empty-list default.
    pub(crate) fn matched_entry(&self) -> Option<&str> {
        self.matched.as_ref().map(|e| e.text.as_str())
    }

    /// The port to connect to (the scheme's default when the URL has none).
    pub(crate) fn port(&self) -> u16 {
        self.port
    }

    /// The address to connect to when the URL's host is an IP literal (nothing to resolve).
    pub(crate) fn ip_literal(&self) -> Option<IpAddr> {
        match self.host {
            UrlHost::Ip(ip) => Some(ip),
            UrlHost::Domain(_) => None,
        }
    }
}

impl HostPolicy {
    /// Compiles `network.allowedHosts`. The error names the first bad entry and why it is bad, e.g.
    /// `"*.": not a host, a *.suffix wildcard, an IP or a CIDR range`.
    pub(crate) fn compile(entries: &[String]) -> Result<HostPolicy, String> {
        let entries = entries
            .iter()
            .map(|e| parse_entry(e))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HostPolicy { entries })
    }

    /// Whether the allow list is empty, i.e. every public host is allowed.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first step, before resolving: the scheme, and the host and port matched against the entries by
    /// name. A host that is an IP literal is also checked as an address here.
    pub(crate) fn check_url(&self, url: &Url) -> Result<UrlDecision, Denial> {
        let shown = show_url(url);
        let scheme = url.scheme();
        if scheme != "http" && scheme != "https" {
            return Err(Denial::new(
                DenialRule::Scheme,
                format!("{shown} is refused: only http and https are allowed"),
            ));
        }
        let Some(host) = url.host_str().and_then(url_host) else {
            return Err(Denial::new(
                DenialRule::NotAllowed,
                format!("{shown} is refused: it has no host"),
            ));
        };
        let port = url
            .port_or_known_default()
            .unwrap_or(if scheme == "https" { 443 } else { 80 });

        let matched = if self.entries.is_empty() {
            None
        } else {
            let mut host_matched = false;
            let mut best: Option<&Entry> = None;
            for entry in self.entries.iter().filter(|e| e.matches_host(&host)) {
                host_matched = true;
                if entry.port.is_some_and(|p| p != port) {
                    continue;
                }
                if best.is_none_or(|b| entry.explicitness() > b.explicitness()) {
                    best = Some(entry);
                }
            }
            match best {
                Some(entry) => Some(entry.clone()),
                None if host_matched => {
                    let why = format!(
                        "{shown} is refused: port {port} of {host} is not in network.allowedHosts"
                    );
                    return Err(Denial::new(DenialRule::Port, why));
                }
                None => {
                    let why = format!("{shown} is refused: {host} is not in network.allowedHosts");
                    return Err(Denial::new(DenialRule::NotAllowed, why));
                }
            }
        };

        let decision = UrlDecision {
            shown,
            host,
            port,
            matched,
        };
        if let Some(ip) = decision.ip_literal() {
            self.check_addr(&decision, ip)?;
        }
        Ok(decision)
    }

    /// The second step, at connect time, for every address the URL's host resolved to: a public address
    /// passes; a non-public one only if the matched entry names it (an exact host name equal to the URL's
    /// host, an equal IP, or a CIDR range holding it).
    pub(crate) fn check_addr(&self, decision: &UrlDecision, ip: IpAddr) -> Result<(), Denial> {
        let class = classify(ip);
        if class.is_public()
            || decision
                .matched
                .as_ref()
                .is_some_and(|e| e.unlocks(&decision.host, ip))
        {
            return Ok(());
        }
        let (shown, what) = (&decision.shown, class.describe());
        let why = match &decision.host {
            UrlHost::Ip(host) if same_ip(*host, ip) => {
                format!(
                    "{shown} is refused: {ip} is {what} (name it in network.allowedHosts to allow it)"
                )
            }
            host => format!(
                "{shown} is refused: {host} resolved to {ip}, {what} (name {host} in network.allowedHosts to allow it)"
            ),
        };
        Err(Denial::new(DenialRule::NonPublicAddress, why))
    }
}

/// The URL as quoted in a message: without credentials, query or fragment, which may hold secrets, and cut
/// to a sane length.
fn show_url(url: &Url) -> String {
    let mut shown = url.clone();
    // These fail only for URLs that cannot have credentials in the first place.
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.set_query(None);
    shown.set_fragment(None);
    let text = shown.as_str();
    match text.char_indices().nth(MAX_SHOWN_URL) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Denial
// ---------------------------------------------------------------------------------------------------------

/// Which rule refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DenialRule {
    /// Not `http` or `https`.
    Scheme,
    /// The host is not in `network.allowedHosts` (or the URL has no host).
    NotAllowed,
    /// The host is listed, but not with this port.
    Port,
    /// The address is not public and the matched entry does not name it.
    NonPublicAddress,
}

impl DenialRule {
    /// A short stable id for logs and errors.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            DenialRule::Scheme => "scheme",
            DenialRule::NotAllowed => "not-allowed",
            DenialRule::Port => "port",
            DenialRule::NonPublicAddress => "non-public-address",
        }
    }
}

/// A refused request: the rule that refused it and a message saying why, naming the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Denial {
    rule: DenialRule,
    message: String,
}

impl Denial {
    fn new(rule: DenialRule, message: String) -> Denial {
        Denial { rule, message }
    }

    /// The rule's stable id: `"scheme"`, `"not-allowed"`, `"port"` or `"non-public-address"`.
    pub(crate) fn rule(&self) -> &'static str {
        self.rule.as_str()
    }

    /// The rule as an enum.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn kind(&self) -> DenialRule {
        self.rule
    }

    /// The human message.
    pub(crate) fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for Denial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Denial {}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(entries: &[&str]) -> HostPolicy {
        let entries: Vec<String> = entries.iter().map(|e| e.to_string()).collect();
        match HostPolicy::compile(&entries) {
            Ok(p) => p,
            Err(e) => panic!("entries should compile: {e}"),
        }
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s} should parse: {e}"))
    }

    fn ip(s: &str) -> IpAddr {
        s.parse()
            .unwrap_or_else(|e| panic!("{s} should be an IP: {e}"))
    }

    /// Runs both steps the way the fetch layer does: `check_url`, then `check_addr` on every address the
    /// host "resolved" to (the literal itself for an IP host). `Ok` or the denying rule's id.
    fn fetch(p: &HostPolicy, u: &str, resolved: &[&str]) -> Result<(), &'static str> {
        let decision = p.check_url(&url(u)).map_err(|d| d.rule())?;
        let addrs: Vec<IpAddr> = match decision.ip_literal() {
            Some(literal) => vec![literal],
            None => resolved.iter().map(|s| ip(s)).collect(),
        };
        for addr in addrs {
            p.check_addr(&decision, addr).map_err(|d| d.rule())?;
        }
        Ok(())
    }

    fn denial(p: &HostPolicy, u: &str) -> Denial {
        match p.check_url(&url(u)) {
            Ok(d) => panic!("{u} should be refused, got {d:?}"),
            Err(d) => d,
        }
    }

    fn compile_err(entry: &str) -> String {
        match HostPolicy::compile(&[entry.to_string()]) {
            Ok(p) => panic!("{entry:?} should not compile, got {p:?}"),
            Err(e) => e,
        }
    }

    // ----- what the url crate does to hosts (the policy relies on it) -----------------------------------

    #[test]
    fn url_crate_normalises_alternate_ipv4_spellings_of_http_hosts() {
        for s in [
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f000001/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://0x7f.0x0.0x0.0x1/",
            "http://127.000.000.001/",
            "http://127.0.0.1./",
            "http://%31%32%37.0.0.1/",
        ] {
            assert_eq!(url(s).host_str(), Some("127.0.0.1"), "{s}");
            // Parsed as an IPv4 host, not a domain that happens to read 127.0.0.1.
            assert_eq!(
                format!("{:?}", url(s).host()),
                "Some(Ipv4(127.0.0.1))",
                "{s}"
            );
        }
        for s in [
            "http://[::ffff:127.0.0.1]/",
            "http://[0:0:0:0:0:ffff:127.0.0.1]/",
            "http://[::ffff:7f00:1]/",
        ] {
            assert_eq!(url(s).host_str(), Some("[::ffff:7f00:1]"), "{s}");
        }
        assert_eq!(url("http://[0:0::1]/").host_str(), Some("[::1]"));
        // Hosts are lowercased and IDNA-mapped; a trailing dot is kept (the policy drops it).
        assert_eq!(url("http://EXAMPLE.com./").host_str(), Some("example.com."));
        assert_eq!(
            url("http://BÜCHER.example/").host_str(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(url("http://ａｂｃ．com/").host_str(), Some("abc.com"));
        // A name ending in a number that is no IPv4 address is refused outright.
        assert!(Url::parse("http://1.2.3.4.5/").is_err());
        // Non-special schemes keep the spelling (they are refused by scheme anyway).
        assert_eq!(url("foo://127.1/").host_str(), Some("127.1"));
        // Explicit default ports are dropped; port_or_known_default fills them in.
        assert_eq!(url("https://x.com:443/").port(), None);
        assert_eq!(url("https://x.com/").port_or_known_default(), Some(443));
    }

    #[test]
    fn ip_hosts_are_checked_as_ips() {
        let p = HostPolicy::default();
        let d = match p.check_url(&url("http://8.8.8.8/")) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.ip_literal(), Some(ip("8.8.8.8")));
        let d = match p.check_url(&url("http://[2606:4700:4700::1111]:8443/")) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(d.ip_literal(), Some(ip("2606:4700:4700::1111")));
        assert_eq!(d.port(), 8443);
        assert_eq!(d.matched_entry(), None);
    }

    // ----- bypass spellings -----------------------------------------------------------------------------

    const LOOPBACK_SPELLINGS: &[&str] = &[
        "http://127.0.0.1/",
        "http://127.1/",
        "http://2130706433/",
        "http://0x7f000001/",
        "http://0x7f.1/",
        "http://0177.0.0.1/",
        "http://127.0.0.1./",
        "http://%31%32%37.0.0.1/",
        "http://[::1]/",
        "http://[0:0:0:0:0:0:0:1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://[::ffff:7f00:1]/",
        "http://[0:0:0:0:0:ffff:127.0.0.1]/",
        "http://[::127.0.0.1]/",
        "http://[64:ff9b::127.0.0.1]/",
        "http://[2002:7f00:1::]/",
        "http://0.0.0.0/",
        "http://0/",
        "http://[::]/",
    ];

    #[test]
    fn alternate_spellings_of_loopback_are_refused_by_default() {
        let p = HostPolicy::default();
        for u in LOOPBACK_SPELLINGS {
            assert_eq!(fetch(&p, u, &[]), Err("non-public-address"), "{u}");
        }
    }

    #[test]
    fn alternate_spellings_of_loopback_are_not_in_an_unrelated_list() {
        let p = policy(&["api.example.com", "*.example.com", "8.8.8.0/24"]);
        for u in LOOPBACK_SPELLINGS {
            assert_eq!(fetch(&p, u, &[]), Err("not-allowed"), "{u}");
        }
    }

    #[test]
    fn metadata_addresses_are_refused_in_every_spelling() {
        let p = HostPolicy::default();
        for u in [
            "http://169.254.169.254/latest/meta-data/",
            "http://2852039166/",
            "http://0xa9fea9fe/",
            "http://169.254.43518/",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[fd00:ec2::254]/",
            "http://100.100.100.200/",
            "http://169.254.170.2/v2/credentials",
        ] {
            assert_eq!(fetch(&p, u, &[]), Err("non-public-address"), "{u}");
        }
        // A name that resolves there is refused at connect time.
        assert_eq!(
            fetch(&p, "http://metadata.google.internal/", &["169.254.169.254"]),
            Err("non-public-address")
        );
        let d = denial(&p, "http://169.254.169.254/");
        assert!(d.message().contains("a cloud metadata address"), "{d}");
    }

    // ----- empty list: public only ---------------------------------------------------------------------

    #[test]
    fn empty_list_allows_public_hosts_on_any_port() {
        let p = HostPolicy::default();
        assert!(p.is_empty());
        assert_eq!(
            fetch(
                &p,
                "https://example.com/",
                &["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c"]
            ),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "http://example.com:8080/x?y", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(fetch(&p, "http://8.8.8.8/", &[]), Ok(()));
        assert_eq!(fetch(&p, "https://[2606:4700:4700::1111]/", &[]), Ok(()));
        // IPv4-mapped form of a public address is public.
        assert_eq!(fetch(&p, "http://[::ffff:8.8.8.8]/", &[]), Ok(()));
        assert_eq!(HostPolicy::compile(&[]), Ok(HostPolicy::default()));
    }

    #[test]
    fn empty_list_refuses_every_non_public_resolution() {
        let p = HostPolicy::default();
        for addr in [
            "127.0.0.1",
            "127.255.255.254",
            "::1",
            "10.0.0.1",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.1.1",
            "fe80::1",
            "fc00::1",
            "fd12:3456::1",
            "224.0.0.1",
            "239.255.255.250",
            "ff02::1",
            "0.0.0.0",
            "0.1.2.3",
            "::",
            "255.255.255.255",
            "100.64.0.1",
            "100.127.255.255",
            "198.18.0.1",
            "198.19.255.255",
            "192.0.2.1",
            "198.51.100.1",
            "203.0.113.1",
            "2001:db8::1",
            "240.0.0.1",
            "192.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:192.168.0.1",
            "64:ff9b::10.0.0.1",
            "2002:c0a8:101::1",
            "169.254.169.254",
            "fd00:ec2::254",
            "100.100.100.200",
        ] {
            assert_eq!(
                fetch(&p, "https://rebind.example/", &[addr]),
                Err("non-public-address"),
                "{addr}"
            );
        }
    }

    #[test]
    fn names_that_lead_to_non_public_addresses_are_refused_at_connect_time() {
        let p = HostPolicy::default();
        assert_eq!(
            fetch(&p, "http://localhost/", &["127.0.0.1"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "http://localhost/", &["::1"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "http://127.0.0.1.nip.io/", &["127.0.0.1"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "http://router.lan/", &["192.168.1.1"]),
            Err("non-public-address")
        );
    }

    #[test]
    fn redirect_hops_are_checked_afresh() {
        // The caller checks each hop as a new URL: an allowed first hop lends nothing to the next.
        let p = policy(&["api.example.com"]);
        assert_eq!(
            fetch(&p, "https://api.example.com/start", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "http://169.254.169.254/latest/meta-data/", &[]),
            Err("not-allowed")
        );
        assert_eq!(
            fetch(&p, "https://other.example.com/", &["93.184.215.14"]),
            Err("not-allowed")
        );
        let p = HostPolicy::default();
        assert_eq!(
            fetch(&p, "https://example.com/start", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "http://[::ffff:169.254.169.254]/", &[]),
            Err("non-public-address")
        );
    }

    #[test]
    fn every_resolved_address_is_checked() {
        // A name resolving to a public and a private address (DNS rebinding) fails on the private one.
        let p = HostPolicy::default();
        assert_eq!(
            fetch(
                &p,
                "https://rebind.example/",
                &["93.184.215.14", "10.0.0.1"]
            ),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(
                &p,
                "https://rebind.example/",
                &["10.0.0.1", "93.184.215.14"]
            ),
            Err("non-public-address")
        );
    }

    // ----- messages and rule ids ------------------------------------------------------------------------

    #[test]
    fn denial_messages_name_the_rule() {
        let empty = HostPolicy::default();
        let d = denial(&empty, "http://127.0.0.1:8080/");
        assert_eq!(d.rule(), "non-public-address");
        assert_eq!(d.kind(), DenialRule::NonPublicAddress);
        assert_eq!(
            d.to_string(),
            "http://127.0.0.1:8080/ is refused: 127.0.0.1 is a loopback address \
             (name it in network.allowedHosts to allow it)"
        );

        let p = policy(&["api.example.com"]);
        let d = denial(&p, "https://evil.com/");
        assert_eq!(d.rule(), "not-allowed");
        assert_eq!(
            d.message(),
            "https://evil.com/ is refused: evil.com is not in network.allowedHosts"
        );

        let d = denial(&p, "ftp://x/");
        assert_eq!(d.rule(), "scheme");
        assert_eq!(
            d.message(),
            "ftp://x/ is refused: only http and https are allowed"
        );

        let p = policy(&["api.example.com:443"]);
        let d = denial(&p, "http://api.example.com/");
        assert_eq!(d.rule(), "port");
        assert_eq!(
            d.message(),
            "http://api.example.com/ is refused: port 80 of api.example.com is not in network.allowedHosts"
        );

        let p = policy(&["*.example.com"]);
        let decision = match p.check_url(&url("https://a.example.com/")) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        let d = match p.check_addr(&decision, ip("10.1.2.3")) {
            Ok(()) => panic!("10.1.2.3 should be refused"),
            Err(d) => d,
        };
        assert_eq!(d.rule(), "non-public-address");
        assert_eq!(
            d.message(),
            "https://a.example.com/ is refused: a.example.com resolved to 10.1.2.3, a private address \
             (name a.example.com in network.allowedHosts to allow it)"
        );

        let d = denial(&empty, "http://[::ffff:7f00:1]/");
        assert_eq!(
            d.message(),
            "http://[::ffff:7f00:1]/ is refused: ::ffff:127.0.0.1 is a loopback address \
             (name it in network.allowedHosts to allow it)"
        );
    }

    #[test]
    fn messages_leave_out_credentials_query_and_fragment() {
        let p = policy(&["api.example.com"]);
        let d = denial(&p, "https://user:secret@evil.com/path?token=abc#frag");
        assert_eq!(
            d.message(),
            "https://evil.com/path is refused: evil.com is not in network.allowedHosts"
        );
        let long = format!("https://evil.com/{}", "a".repeat(1000));
        assert!(denial(&p, &long).message().chars().count() < 300);
    }

    #[test]
    fn only_http_and_https() {
        let p = HostPolicy::default();
        for u in [
            "ftp://example.com/",
            "file:///etc/passwd",
            "ws://example.com/",
            "wss://example.com/",
            "data:text/plain,hi",
            "javascript:alert(1)",
            "blob:https://example.com/x",
            "gopher://127.0.0.1:6379/_",
        ] {
            assert_eq!(fetch(&p, u, &["93.184.215.14"]), Err("scheme"), "{u}");
        }
        let p = policy(&["example.com"]);
        assert_eq!(
            fetch(&p, "ftp://example.com/", &["93.184.215.14"]),
            Err("scheme")
        );
        assert_eq!(
            fetch(&p, "HTTPS://example.com/", &["93.184.215.14"]),
            Ok(())
        );
    }

    // ----- non-empty list ------------------------------------------------------------------------------

    #[test]
    fn a_list_restricts_to_its_hosts() {
        let p = policy(&["api.example.com"]);
        assert_eq!(
            fetch(&p, "https://api.example.com/v1", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "https://example.com/", &["93.184.215.14"]),
            Err("not-allowed")
        );
        assert_eq!(
            fetch(&p, "https://www.api.example.com/", &["93.184.215.14"]),
            Err("not-allowed")
        );
        assert_eq!(
            fetch(&p, "https://api.example.com.evil.com/", &["93.184.215.14"]),
            Err("not-allowed")
        );
        assert_eq!(fetch(&p, "http://8.8.8.8/", &[]), Err("not-allowed"));
    }

    #[test]
    fn wildcards_match_subdomains_only() {
        let p = policy(&["*.example.com"]);
        for u in [
            "https://a.example.com/",
            "https://b.a.example.com/",
            "https://A.Example.COM/",
            "https://a.example.com./",
        ] {
            assert_eq!(fetch(&p, u, &["93.184.215.14"]), Ok(()), "{u}");
        }
        for u in [
            "https://example.com/",
            "https://notexample.com/",
            "https://a.notexample.com/",
            "https://example.com.evil.com/",
            "https://a-example.com/",
        ] {
            assert_eq!(fetch(&p, u, &["93.184.215.14"]), Err("not-allowed"), "{u}");
        }
    }

    #[test]
    fn wildcards_never_unlock_non_public_addresses() {
        let p = policy(&["*.example.com", "*.localhost"]);
        assert_eq!(
            fetch(&p, "https://a.example.com/", &["10.0.0.1"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "https://a.example.com/", &["169.254.169.254"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "http://app.localhost/", &["127.0.0.1"]),
            Err("non-public-address")
        );
        assert_eq!(
            fetch(&p, "http://app.localhost/", &["::1"]),
            Err("non-public-address")
        );
        let decision = match p.check_url(&url("https://a.example.com/")) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(decision.matched_entry(), Some("*.example.com"));
    }

    #[test]
    fn an_exact_host_unlocks_what_it_resolves_to() {
        let p = policy(&["localhost", "db.internal:5432"]);
        assert_eq!(
            fetch(&p, "http://localhost/", &["127.0.0.1", "::1"]),
            Ok(())
        );
        assert_eq!(fetch(&p, "http://localhost:3000/x", &["127.0.0.1"]), Ok(()));
        assert_eq!(fetch(&p, "http://LOCALHOST./", &["127.0.0.1"]), Ok(()));
        assert_eq!(fetch(&p, "http://db.internal:5432/", &["10.1.2.3"]), Ok(()));
        assert_eq!(fetch(&p, "http://db.internal/", &["10.1.2.3"]), Err("port"));
        // The name unlocks the name, not the address.
        assert_eq!(fetch(&p, "http://127.0.0.1/", &[]), Err("not-allowed"));
        assert_eq!(fetch(&p, "http://[::1]/", &[]), Err("not-allowed"));
        assert_eq!(
            fetch(&p, "http://other.internal/", &["10.1.2.3"]),
            Err("not-allowed")
        );
    }

    #[test]
    fn the_most_explicit_matching_entry_is_kept() {
        let p = policy(&["*.example.com", "api.example.com"]);
        let decision = match p.check_url(&url("https://api.example.com/")) {
            Ok(d) => d,
            Err(e) => panic!("{e}"),
        };
        assert_eq!(decision.matched_entry(), Some("api.example.com"));
        assert_eq!(fetch(&p, "https://api.example.com/", &["10.0.0.1"]), Ok(()));
        assert_eq!(
            fetch(&p, "https://www.example.com/", &["10.0.0.1"]),
            Err("non-public-address")
        );

        // An exact entry for another port does not lend its explicitness to the wildcard's match.
        let p = policy(&["api.example.com:443", "*.example.com"]);
        assert_eq!(fetch(&p, "https://api.example.com/", &["10.0.0.1"]), Ok(()));
        assert_eq!(
            fetch(&p, "https://api.example.com:8443/", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "https://api.example.com:8443/", &["10.0.0.1"]),
            Err("non-public-address")
        );
    }

    #[test]
    fn ip_and_cidr_entries_unlock_the_addresses_they_name() {
        let p = policy(&["127.0.0.1"]);
        for u in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://127.0.0.1:9000/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(fetch(&p, u, &[]), Ok(()), "{u}");
        }
        assert_eq!(fetch(&p, "http://127.0.0.2/", &[]), Err("not-allowed"));
        assert_eq!(fetch(&p, "http://[::1]/", &[]), Err("not-allowed"));
        // An IP entry does not match a name, even one that resolves to it.
        assert_eq!(
            fetch(&p, "http://localhost/", &["127.0.0.1"]),
            Err("not-allowed")
        );

        let p = policy(&["127.0.0.0/8", "fd00::/8", "::1"]);
        assert_eq!(fetch(&p, "http://127.0.0.2/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://127.255.255.255:81/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[::ffff:127.0.0.9]/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[fd12:3456::1]/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[::1]:8080/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[fc00::1]/", &[]), Err("not-allowed"));
        assert_eq!(fetch(&p, "http://128.0.0.1/", &[]), Err("not-allowed"));
        // A CIDR entry matches IP hosts only, not names resolving into it.
        assert_eq!(
            fetch(&p, "http://internal.corp/", &["127.0.0.5"]),
            Err("not-allowed")
        );

        let p = policy(&["169.254.169.254"]);
        assert_eq!(fetch(&p, "http://169.254.169.254/latest/", &[]), Ok(()));
        let p = policy(&["169.254.0.0/16"]);
        assert_eq!(fetch(&p, "http://169.254.169.254/latest/", &[]), Ok(()));
        let p = policy(&["100.100.100.200", "[fd00:ec2::254]"]);
        assert_eq!(fetch(&p, "http://100.100.100.200/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[fd00:ec2::254]/", &[]), Ok(()));
        // Public IPs in a list are allowed only when listed.
        let p = policy(&["8.8.8.0/24"]);
        assert_eq!(fetch(&p, "http://8.8.8.8/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://8.8.4.4/", &[]), Err("not-allowed"));
    }

    #[test]
    fn cidr_entries_ignore_host_bits_and_both_ipv4_forms() {
        let p = policy(&["10.1.2.3/8"]);
        assert_eq!(fetch(&p, "http://10.200.0.1/", &[]), Ok(()));
        let p = policy(&["::ffff:10.0.0.0/104"]);
        assert_eq!(fetch(&p, "http://10.9.9.9/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[::ffff:10.9.9.9]/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://11.0.0.1/", &[]), Err("not-allowed"));
        let p = policy(&["0.0.0.0/0"]);
        assert_eq!(fetch(&p, "http://127.0.0.1/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[::1]/", &[]), Err("not-allowed"));
    }

    #[test]
    fn ports() {
        let p = policy(&[
            "api.example.com:8443",
            "[::1]:8080",
            "10.0.0.0/8:9000",
            "localhost:3000",
            "plain.example.com",
        ]);
        assert_eq!(
            fetch(&p, "https://api.example.com:8443/", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "https://api.example.com/", &["93.184.215.14"]),
            Err("port")
        );
        assert_eq!(
            fetch(&p, "http://api.example.com:8444/", &["93.184.215.14"]),
            Err("port")
        );
        assert_eq!(fetch(&p, "http://[::1]:8080/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://[::1]:8081/", &[]), Err("port"));
        assert_eq!(fetch(&p, "http://10.1.1.1:9000/", &[]), Ok(()));
        assert_eq!(fetch(&p, "http://10.1.1.1/", &[]), Err("port"));
        assert_eq!(fetch(&p, "http://localhost:3000/", &["127.0.0.1"]), Ok(()));
        assert_eq!(
            fetch(&p, "http://localhost:3001/", &["127.0.0.1"]),
            Err("port")
        );
        // No port in the entry: any port.
        for u in [
            "http://plain.example.com/",
            "https://plain.example.com/",
            "https://plain.example.com:1/",
            "http://plain.example.com:65535/",
        ] {
            assert_eq!(fetch(&p, u, &["93.184.215.14"]), Ok(()), "{u}");
        }
        // Default ports count as the URL's port.
        let p = policy(&["example.com:443", "other.com:80"]);
        assert_eq!(
            fetch(&p, "https://example.com/", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "https://example.com:443/", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "http://example.com/", &["93.184.215.14"]),
            Err("port")
        );
        assert_eq!(fetch(&p, "http://other.com/", &["93.184.215.14"]), Ok(()));
        assert_eq!(
            fetch(&p, "https://other.com/", &["93.184.215.14"]),
            Err("port")
        );
        // Wildcards take ports too.
        let p = policy(&["*.example.com:8443"]);
        assert_eq!(
            fetch(&p, "https://a.example.com:8443/", &["93.184.215.14"]),
            Ok(())
        );
        assert_eq!(
            fetch(&p, "https://a.example.com/", &["93.184.215.14"]),
            Err("port")
        );
    }

    #[test]
    fn hosts_are_case_insensitive_and_ignore_a_trailing_dot() {
        let p = policy(&["API.Example.COM.", "*.Wild.Example.", "bücher.example"]);
        for u in [
            "https://api.example.com/",
            "https://API.EXAMPLE.COM/",
            "https://api.example.com./",
            "https://X.WILD.example/",
            "https://x.wild.example./",
            "https://BÜCHER.example/",
            "https://xn--bcher-kva.example/",
        ] {
            assert_eq!(fetch(&p, u, &["93.184.215.14"]), Ok(()), "{u}");
        }
        let p = policy(&["[FD00::1]", "FD00::/16"]);
        assert_eq!(fetch(&p, "http://[fd00::1]/", &[]), Ok(()));
    }

    // ----- compiling entries ---------------------------------------------------------------------------

    #[test]
    fn accepted_entry_forms() {
        for e in [
            "api.example.com",
            "api.example.com:443",
            "*.example.com",
            "*.example.com:8443",
            "localhost",
            "localhost:3000",
            "example.com.",
            "a_b.example.com",
            "bücher.example",
            "127.0.0.1",
            "127.0.0.1:8080",
            "127.1",
            "::1",
            "[::1]",
            "[::1]:8080",
            "::ffff:127.0.0.1",
            "10.0.0.0/8",
            "10.0.0.0/8:443",
            "0.0.0.0/0",
            "fd00::/8",
            "[fd00::/8]",
            "[fd00::/8]:443",
            "::/0",
        ] {
            assert_eq!(validate_entry(e), Ok(()), "{e}");
        }
        // Other IPv4 spellings become the address a URL with that host reaches.
        let p = policy(&["127.1", "0x7f000002"]);
        assert_eq!(p.entries[0].pattern, Pattern::Ip(ip("127.0.0.1")));
        assert_eq!(p.entries[1].pattern, Pattern::Ip(ip("127.0.0.2")));
    }

    #[test]
    fn refused_entry_forms_name_the_entry_and_why() {
        assert_eq!(
            compile_err("*."),
            r#""*.": not a host, a *.suffix wildcard, an IP or a CIDR range"#
        );
        for (entry, why) in [
            ("", "not a host"),
            (" ", "not a host"),
            ("a b.com", "not a host"),
            ("*", "not a host"),
            ("**.example.com", "not a host"),
            ("*.*.example.com", "not a host"),
            ("a.*.example.com", "not a host"),
            ("example.*", "not a host"),
            ("*example.com", "not a host"),
            ("*.127.0.0.1", "not an IP address"),
            ("https://api.example.com", "without a scheme"),
            ("api.example.com/path", "without a path"),
            ("user@example.com", "not a host"),
            ("exa%6dple.com", "not a host"),
            ("example..com", "not a host"),
            (".example.com", "not a host"),
            ("example.com:", "not a port number"),
            ("example.com:http", "not a port number"),
            ("example.com:+80", "not a port number"),
            ("example.com:0", "out of range"),
            ("example.com:65536", "out of range"),
            ("1.2.3.4.5", "not a host"),
            ("10.0.0.0/33", "at most /32"),
            ("10.0.0.0/", "not a prefix length"),
            ("10.0.0.0/x", "not a prefix length"),
            ("10/8", "not an IPv4 address"),
            ("fd00::/129", "at most /128"),
            ("[fd00::/200]", "brackets hold"),
            ("[127.0.0.1]", "brackets hold"),
            ("[example.com]", "brackets hold"),
            ("[::1", "missing the ]"),
            ("[::1]x", "not a host"),
            ("[::1]:", "not a port number"),
            ("fe80::1%eth0", "not a host"),
            ("::1::2", "not a host"),
            ("example.com:80:90", "not a host"),
        ] {
            let err = compile_err(entry);
            assert!(err.starts_with(&format!("{entry:?}: ")), "{entry:?}: {err}");
            assert!(err.contains(why), "{entry:?}: {err}");
        }
        // The first bad entry fails the whole list.
        let list = vec!["api.example.com".to_string(), "*.".to_string()];
        assert!(HostPolicy::compile(&list).is_err());
    }

    // ----- classification -------------------------------------------------------------------------------

    #[test]
    fn classify_addresses() {
        use AddressClass::*;
        for (addr, class) in [
            ("8.8.8.8", Public),
            ("1.1.1.1", Public),
            ("9.255.255.255", Public),
            ("11.0.0.0", Public),
            ("100.63.255.255", Public),
            ("100.128.0.0", Public),
            ("169.253.255.255", Public),
            ("169.255.0.0", Public),
            ("172.15.255.255", Public),
            ("172.32.0.0", Public),
            ("192.167.255.255", Public),
            ("192.169.0.0", Public),
            ("198.17.255.255", Public),
            ("198.20.0.0", Public),
            ("223.255.255.255", Public),
            ("192.0.0.9", Public),
            ("0.0.0.0", Unspecified),
            ("0.255.255.255", Reserved),
            ("10.0.0.0", Private),
            ("10.255.255.255", Private),
            ("100.64.0.0", SharedAddressSpace),
            ("100.127.255.255", SharedAddressSpace),
            ("127.0.0.1", Loopback),
            ("127.255.255.255", Loopback),
            ("169.254.0.1", LinkLocal),
            ("172.16.0.0", Private),
            ("172.31.255.255", Private),
            ("192.0.0.1", Reserved),
            ("192.0.2.1", Documentation),
            ("192.88.99.1", Reserved),
            ("192.168.0.1", Private),
            ("198.18.0.0", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("198.51.100.7", Documentation),
            ("203.0.113.7", Documentation),
            ("224.0.0.1", Multicast),
            ("239.255.255.255", Multicast),
            ("240.0.0.1", Reserved),
            ("255.255.255.254", Reserved),
            ("255.255.255.255", Broadcast),
            ("169.254.169.254", Metadata),
            ("169.254.170.2", Metadata),
            ("100.100.100.200", Metadata),
            ("192.0.0.192", Metadata),
            ("168.63.129.16", Metadata),
            // IPv6
            ("::", Unspecified),
            ("::1", Loopback),
            ("2606:4700:4700::1111", Public),
            ("2a00:1450:4001:81b::200e", Public),
            ("fc00::1", UniqueLocal),
            ("fdff:ffff::1", UniqueLocal),
            ("fd00:ec2::254", Metadata),
            ("fe80::1", LinkLocal),
            ("febf::1", LinkLocal),
            ("fec0::1", Reserved),
            ("ff02::1", Multicast),
            ("2001:db8::1", Documentation),
            ("3fff::1", Documentation),
            ("2001:2::1", Benchmarking),
            ("2001:10::1", Reserved),
            ("2001:4:112::1", Public),
            ("100::1", Reserved),
            ("64:ff9b:1::1", Reserved),
            ("4000::1", Reserved),
            ("::2", Reserved),
            // IPv6 forms embedding IPv4
            ("::ffff:127.0.0.1", Loopback),
            ("::ffff:7f00:1", Loopback),
            ("::ffff:8.8.8.8", Public),
            ("::ffff:169.254.169.254", Metadata),
            ("::ffff:0.0.0.0", Unspecified),
            ("::127.0.0.1", Loopback),
            ("::10.0.0.1", Private),
            ("::8.8.8.8", Reserved),
            ("64:ff9b::127.0.0.1", Loopback),
            ("64:ff9b::a9fe:a9fe", Metadata),
            ("64:ff9b::8.8.8.8", Public),
            ("2002:7f00:1::1", Loopback),
            ("2002:c0a8:101::1", Private),
            ("2002:808:808::1", Public),
            // Teredo (server 65.54.227.120): clients 192.0.2.45, 8.8.8.8 and 127.0.0.1, stored inverted.
            ("2001:0:4136:e378:8000:63bf:3fff:fdd2", Documentation),
            ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", Public),
            ("2001:0:4136:e378::80ff:fffe", Loopback),
        ] {
            assert_eq!(classify(ip(addr)), class, "{addr}");
            assert_eq!(class.is_public(), class == Public);
        }
    }
}
