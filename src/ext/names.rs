//! Strings that name something (storage keys, file paths, event names, task names, host
//! function names) taken from JavaScript exactly, or refused.
//!
//! A JS string is UTF-16 and may hold lone surrogates (`"k\uD800"`); the usual conversion
//! to a Rust `String` replaces each with U+FFFD, so `"k\uD800"` and `"k\uDC00"` would name
//! the same thing. An op that takes a name takes its UTF-16 (`serde_v8::U16String`, or a
//! `v8::Local<v8::String>`) and converts it here: well-formed text round-trips exactly
//! (U+FFFD itself and valid surrogate pairs included), a lone surrogate is a `TypeError`.

use deno_core::serde_v8::U16String;
use deno_core::v8;

/// A name that is not well-formed Unicode, or too long. `#[class(type)]`: a `TypeError`.
#[derive(Debug, thiserror::Error, deno_error::JsError)]
#[class(type)]
#[error("{0}")]
pub(crate) struct NameError(pub String);

/// `what` (e.g. `storage.set: key`) from UTF-16 code units: the exact text, or a
/// [`NameError`] naming the first lone surrogate; at most `max_units` code units.
pub(crate) fn from_utf16(units: &[u16], what: &str, max_units: usize) -> Result<String, NameError> {
    if units.len() > max_units {
        return Err(NameError(format!(
            "{what} is {} UTF-16 code units long, more than the {max_units} allowed",
            units.len()
        )));
    }
    let mut out = String::with_capacity(units.len());
    let mut at = 0usize;
    for c in char::decode_utf16(units.iter().copied()) {
        match c {
            Ok(c) => {
                out.push(c);
                at += c.len_utf16();
            }
            Err(e) => {
                return Err(NameError(format!(
                    "{what} contains a lone surrogate (U+{:04X}) at index {at}: a name must be well-formed Unicode, or two distinct names would collide",
                    e.unpaired_surrogate()
                )));
            }
        }
    }
    Ok(out)
}

/// [`from_utf16`] for a `#[serde] U16String` op argument.
pub(crate) fn exact(s: &U16String, what: &str, max_units: usize) -> Result<String, NameError> {
    from_utf16(s, what, max_units)
}

/// [`from_utf16`] for a `v8::Local<v8::String>` op argument (reusable by any op that takes
/// a name, e.g. `qirvo.host.*` function names). The length is checked before anything is
/// copied.
#[allow(dead_code)] // for ops that take v8 strings directly (the host API's)
pub(crate) fn exact_v8(
    isolate: &v8::Isolate,
    s: v8::Local<v8::String>,
    what: &str,
    max_units: usize,
) -> Result<String, NameError> {
    let len = s.length();
    if len > max_units {
        return Err(NameError(format!(
            "{what} is {len} UTF-16 code units long, more than the {max_units} allowed"
        )));
    }
    let mut units = vec![0u16; len];
    s.write_v2(isolate, 0, &mut units, v8::WriteFlags::empty());
    from_utf16(&units, what, max_units)
}

/// Whether JSON text holds a `\uD800`–`\uDFFF` escape that is not half of a pair, which is
/// what `JSON.stringify` writes for a lone surrogate. Such text parses in JavaScript but
/// not as Rust (`serde_json`) data, so a payload bound for the host is refused with it.
pub(crate) fn lone_surrogate_in_json(json: &str) -> bool {
    let b = json.as_bytes();
    let hex = |at: usize| -> Option<u16> {
        let s = std::str::from_utf8(b.get(at..at + 4)?).ok()?;
        u16::from_str_radix(s, 16).ok()
    };
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            i += 1;
            continue;
        }
        if b.get(i + 1) != Some(&b'u') {
            i += 2;
            continue;
        }
        match hex(i + 2) {
            Some(0xD800..=0xDBFF) => {
                let low = (b.get(i + 6) == Some(&b'\\') && b.get(i + 7) == Some(&b'u'))
                    .then(|| hex(i + 8))
                    .flatten();
                if !matches!(low, Some(0xDC00..=0xDFFF)) {
                    return true;
                }
                i += 12;
            }
            Some(0xDC00..=0xDFFF) => return true,
            _ => i += 6,
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(s: &[u16]) -> Result<String, NameError> {
        from_utf16(s, "key", 100)
    }

    #[test]
    fn lone_surrogates_are_refused_and_the_rest_round_trips() {
        let k = b'k' as u16;
        for bad in [
            vec![0xD800],
            vec![0xDC00],
            vec![k, 0xD800],
            vec![k, 0xDC00],
            vec![0xD800, k],
            vec![0xDBFF, k, k],
            vec![k, 0xDFFF, k],
            vec![0xDC00, 0xD800], // reversed pair
            vec![0xD83D, 0xD83D, 0xDE00],
        ] {
            let e = units(&bad).unwrap_err();
            assert!(e.0.contains("lone surrogate"), "{bad:?}: {}", e.0);
        }
        assert_eq!(units(&[k, 0xD83D, 0xDE00]).unwrap(), "k😀");
        assert_eq!(units(&[0xFFFD]).unwrap(), "\u{FFFD}");
        assert_eq!(units(&[]).unwrap(), "");
        assert!(
            from_utf16(&[k; 5], "key", 4)
                .unwrap_err()
                .0
                .contains("more than the 4")
        );
    }

    #[test]
    fn finds_lone_surrogate_escapes_in_json() {
        for lone in [
            r#""\ud800""#,
            r#""a\udc00b""#,
            r#"{"\udbff":1}"#,
            r#""\udc00\ud800""#,
        ] {
            assert!(lone_surrogate_in_json(lone), "{lone}");
        }
        for fine in [
            r#""\ud83d\ude00""#,
            r#""\\ud800""#,
            r#""\u00e9""#,
            "\"\u{FFFD}\"",
            "[1,2]",
        ] {
            assert!(!lone_surrogate_in_json(fine), "{fine}");
        }
    }
}
