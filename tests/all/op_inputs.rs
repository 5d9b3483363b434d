//! Every op a plugin reaches, called with extreme numbers, hostile dates, huge strings and
//! lone-surrogate names (issue 12, families 1 and 5): each member gets the typed JS error
//! it should (or is accepted where the web platform accepts it), nothing panics, and the
//! host and other plugins carry on.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::helpers::*;

const NUMBERS: [&str; 14] = [
    "NaN",
    "Infinity",
    "-Infinity",
    "-1",
    "-0",
    "0.5",
    "1e300",
    "2**53",
    "2**53-1",
    "2**64",
    "-(2**53)",
    "MAX_VALUE",
    "MIN_VALUE",
    "-MAX_VALUE",
];
const NON_NUMBERS: [&str; 8] = [
    "'5'",
    "null",
    "undefined",
    "{}",
    "[]",
    "true",
    "10n",
    "Symbol()",
];

/// What `member` (as the fixture names it) must get: the error classes (or `ok`) allowed.
fn expected(member: &str) -> Vec<&'static str> {
    const T: &str = "TypeError";
    const R: &str = "RangeError";
    let (call, arg) = match member.split_once('(') {
        Some((call, rest)) => (call, rest.strip_suffix(')').unwrap_or(rest)),
        None => (member, ""),
    };
    let number = NUMBERS.contains(&arg);
    let finite_in_js_range = matches!(arg, "-0" | "0.5" | "MIN_VALUE");
    let nan_or_inf = matches!(arg, "NaN" | "Infinity" | "-Infinity");
    let negative = matches!(arg, "-1" | "-(2**53)" | "-MAX_VALUE");
    match call {
        "scheduler.at" if arg.starts_with("new Date(") => {
            let inner = &arg["new Date(".len()..arg.len() - 1];
            match inner {
                "-1" => vec![R],
                "-0" | "0.5" | "MIN_VALUE" | "null" | "true" | "8.64e15" => vec!["ok"],
                "'5'" => vec!["ok", T], // Date parsing of "5" is implementation-defined
                _ => vec![T],
            }
        }
        "scheduler.at" => match arg {
            "8.64e15 + 1" => vec![R],
            _ if nan_or_inf || !number => vec![T],
            _ if negative => vec![R],
            _ if finite_in_js_range => vec!["ok"],
            _ => vec![R], // past JavaScript's last date
        },
        "scheduler.every" | "scheduler.cron"
            if NUMBERS.contains(&arg) || NON_NUMBERS.contains(&arg) =>
        {
            vec![T]
        }
        "scheduler.every" => match arg {
            "\"99999999999999999999d\""
            | "\"18446744073709551616s\""
            | "\"0ms\""
            | "\"0.0000001s\""
            | "\"9ms\""
            | "\"366d\"" => vec![R],
            _ => vec![T],
        },
        "scheduler.cron" => match arg {
            "\"0 0 0 30 2 *\"" | "\"0 0 0 31 4 * 2100\"" => vec!["ok"],
            _ => vec![T],
        },
        "setTimeout" | "setInterval" => match arg {
            "fn, 10n" | "fn, Symbol()" => vec![T],
            _ => vec!["ok"], // the web's delay conversion: wraps, never throws
        },
        "AbortSignal.timeout" => match arg {
            "-0" | "0.5" | "2**53-1" | "MIN_VALUE" | "'5'" | "null" | "[]" | "true" => vec!["ok"],
            _ => vec![T], // WebIDL [EnforceRange] unsigned long long
        },
        "storage.list" => match arg
            .strip_prefix("{limit: ")
            .and_then(|a| a.strip_suffix('}'))
        {
            Some(
                "-0" | "1e300" | "2**53" | "2**53-1" | "2**64" | "MAX_VALUE" | "null" | "undefined",
            ) => {
                vec!["ok"]
            }
            Some(a) if NUMBERS.contains(&a) => vec![R],
            Some(_) => vec![T],
            None if arg.starts_with("{prefix:") => vec![T],
            None => vec!["unexpected member"],
        },
        // '5' is a string: a key that is not there, a file that is not there, an event name.
        "storage.get" | "events.emit" if arg == "'5'" => vec!["ok"],
        "fs.readFile" | "fs.stat" if arg == "'5'" => vec!["NotFound"],
        "storage.get" | "fs.readFile" | "fs.stat" | "events.emit" if !arg.starts_with('"') => {
            vec![T]
        }
        "storage.set" => match arg {
            "\"n\", undefined" | "\"n\", 10n" | "\"n\", Symbol()" => vec![T],
            _ => vec!["ok"],
        },
        "events.emit" => match arg {
            "\"a.b\", 10n" | "\"a.b\", Symbol()" => vec![T],
            _ if arg.starts_with("\"a.b\", ") && !arg.contains("huge") => vec!["ok"],
            _ => vec![T],
        },
        "log.info" => vec!["ok"],
        "performance.mark" | "performance.measure" => vec!["ok", T, R, "SyntaxError"],
        _ => match member {
            "scheduler.at(Date object with a hostile valueOf)" => vec![T],
            "storage.atomic() with 20000 changes" => vec![R],
            "fs.writeFile('a', huge string)" => vec!["QuotaExceededError"],
            "events.emit('x'.repeat(100000))" | "events.emit('a.b', huge payload)" => vec![T],
            "storage.get('x'.repeat(100000))" | "fs.readFile('x'.repeat(100000))" => vec![T],
            "crypto.getRandomValues(70000 bytes)" => vec!["QuotaExceededError"],
            _ => vec!["unexpected member"],
        },
    }
}

/// The function a member calls, which an error of ours must name (`scheduler.at` → `at`).
fn function_name(member: &str) -> &str {
    let call = member.split('(').next().unwrap_or(member);
    call.rsplit('.').next().unwrap_or(call)
}

fn rows(v: Value) -> Vec<(String, String, String)> {
    v.as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            (
                r["member"].as_str().unwrap_or_default().to_string(),
                r["got"].as_str().unwrap_or_default().to_string(),
                r["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn every_op_refuses_extreme_numbers_and_dates_with_typed_errors() {
    let (rt, _logs) = runtime();
    let p = rt.load(plugin_fixture("op-inputs")).await.expect("load");
    let other = rt.load(plugin_fixture("hello")).await.expect("load hello");
    let rows = rows(
        p.call("corpus", vec![])
            .await
            .expect("the corpus runs to the end"),
    );
    assert!(rows.len() > 350, "{} members", rows.len());
    let mut wrong = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    for (member, got, message) in &rows {
        *counts.entry(got.clone()).or_default() += 1;
        let allowed = expected(member);
        if !allowed.contains(&got.as_str()) {
            wrong.push(format!(
                "{member}: got {got} ({message}), expected one of {allowed:?}"
            ));
            continue;
        }
        // Our own ops' errors name the function (or its namespace) they came from.
        let ours = ["scheduler.", "storage.", "fs.", "events."]
            .iter()
            .any(|p| member.starts_with(p));
        if ours && got != "ok" {
            let f = function_name(member);
            let ns = member.split('.').next().unwrap_or_default();
            if !(message.contains(f) || message.contains(&format!("{ns}:"))) {
                wrong.push(format!("{member}: the {got} does not name {f}: {message}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {} members wrong:\n{}",
        wrong.len(),
        rows.len(),
        wrong.join("\n")
    );
    assert!(
        counts.get("RangeError").copied().unwrap_or(0) >= 25,
        "{counts:?}"
    );
    assert!(
        counts.get("TypeError").copied().unwrap_or(0) > 100,
        "{counts:?}"
    );
    // The host lives, and so do the plugin and its neighbour.
    assert_eq!(p.call("ping", vec![]).await.unwrap(), json!("pong"));
    assert!(other.call("greet", vec![json!("x")]).await.is_ok());
}

#[tokio::test(flavor = "multi_thread")]
async fn names_with_lone_surrogates_are_refused_and_well_formed_ones_round_trip() {
    let (rt, _logs) = runtime();
    let p = rt.load(plugin_fixture("op-inputs")).await.expect("load");
    let rows = rows(p.call("surrogates", vec![]).await.expect("surrogates"));
    assert!(rows.len() >= 13 * 18, "{} members", rows.len());
    let wrong: Vec<_> = rows
        .iter()
        .filter(|(_, got, message)| {
            got != "TypeError"
                || !message.contains("surrogate")
                    && !message.contains("event name")
                    && !message.contains("pattern")
                    && !message.contains("interval")
                    && !message.contains("cron")
        })
        .map(|(m, g, msg)| format!("{m}: {g} ({msg})"))
        .collect();
    assert!(
        wrong.is_empty(),
        "not refused with a TypeError:\n{}",
        wrong.join("\n")
    );
    let failures = p.call("roundTrips", vec![]).await.expect("roundTrips");
    assert_eq!(
        failures,
        json!([]),
        "well-formed names and all JSON values round-trip"
    );
    assert_eq!(p.call("ping", vec![]).await.unwrap(), json!("pong"));
}

#[tokio::test(flavor = "multi_thread")]
async fn fetch_timeouts_are_range_checked_before_they_reach_rust() {
    // `fetch(url, { timeout: 1e300 })` aborted the process (a float->Duration panic in
    // the op). Now: a TypeError or RangeError, or (for a valid timeout) the request's own
    // outcome; the host lives.
    let dir = write_plugin(
        json!({"id": "fetch-timeouts", "version": "1.0.0", "main": "main.js",
               "permissions": ["network-access"], "network": {"allowedHosts": ["127.0.0.1"]}}),
        r#"
        const VALUES = { "1e300": 1e300, "Infinity": Infinity, "MAX_VALUE": Number.MAX_VALUE, "2**64": 2 ** 64,
          "NaN": NaN, "-1": -1, "-Infinity": -Infinity, "'5'": "5", "10n": 10n, "{}": {} };
        export async function corpus() {
          const out = {};
          for (const [k, v] of Object.entries(VALUES)) {
            try { await fetch("http://127.0.0.1:9/", { timeout: v }); out[k] = "ok"; }
            catch (e) { out[k] = `${e.name}: ${e.message}`; }
          }
          return out;
        }
        "#,
    );
    let (rt, _logs) = runtime();
    let p = rt.load(dir.path()).await.unwrap();
    let out = p.call("corpus", vec![]).await.expect("no abort");
    for (k, want) in [
        ("NaN", "RangeError"),
        ("-1", "RangeError"),
        ("-Infinity", "RangeError"),
        ("'5'", "TypeError"),
        ("10n", "TypeError"),
        ("{}", "TypeError"),
    ] {
        let got = out[k].as_str().unwrap();
        assert!(
            got.starts_with(want) && got.contains("timeout"),
            "{k}: {got}"
        );
    }
    for k in ["1e300", "Infinity", "MAX_VALUE", "2**64"] {
        // Accepted (capped at the plugin's timeout): the request itself fails, nothing more.
        let got = out[k].as_str().unwrap();
        assert!(!got.contains("timeout must"), "{k}: {got}");
    }
    assert_eq!(
        p.call("corpus", vec![]).await.unwrap(),
        out,
        "and again: the host is alive"
    );
}
