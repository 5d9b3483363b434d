//! JSON that crosses between host and plugin (call results, event payloads): deep but
//! ordinary documents parse (serde_json's default refuses more than 128 levels), and a
//! hostile depth is a typed error, never a stack overflow.
//!
//! The depth is measured first, by a scan that uses no stack; a document deeper than
//! [`MAX_DEPTH`] is refused. One within it is parsed with serde_json's recursion limit
//! off, on a stack of its own sized for the depth when it is deeper than
//! [`SHALLOW`]. The bound also keeps a parsed `serde_json::Value` safe to drop on a
//! 2 MiB thread (dropping is recursive too).

use serde::Deserialize;

/// The deepest JSON accepted: nested arrays and objects, 1,000 levels.
pub(crate) const MAX_DEPTH: usize = 1000;

/// Up to this depth the document is parsed on the caller's stack.
const SHALLOW: usize = 64;

/// Stack for parsing a document of [`MAX_DEPTH`] levels: 4 KiB a level is several times what
/// serde_json uses, even unoptimised.
const DEEP_STACK: usize = MAX_DEPTH * 4096 + 256 * 1024;

/// Why a JSON text was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum JsonError {
    #[error("JSON nested more than {max} levels deep")]
    TooDeep { max: usize },
    #[error("{0}")]
    Syntax(String),
}

/// How deeply arrays and objects nest in `text`, stopping at `limit + 1`. Brackets inside
/// strings do not count; malformed text is left to the parser.
pub(crate) fn depth(text: &str, limit: usize) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for &b in text.as_bytes() {
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    max = depth;
                    if max > limit {
                        return max;
                    }
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// Parses JSON text of at most [`MAX_DEPTH`] levels.
///
/// # Errors
/// [`JsonError::TooDeep`] past the bound, [`JsonError::Syntax`] for text that is not JSON.
pub(crate) fn parse(text: &str) -> Result<serde_json::Value, JsonError> {
    let d = depth(text, MAX_DEPTH);
    if d > MAX_DEPTH {
        return Err(JsonError::TooDeep { max: MAX_DEPTH });
    }
    let run = || {
        let mut de = serde_json::Deserializer::from_str(text);
        de.disable_recursion_limit();
        let v = serde_json::Value::deserialize(&mut de)
            .and_then(|v| de.end().map(|()| v))
            .map_err(|e| JsonError::Syntax(e.to_string()))?;
        Ok(v)
    };
    if d <= SHALLOW {
        run()
    } else {
        stacker::grow(DEEP_STACK, run)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(n: usize) -> String {
        format!("{}1{}", "[".repeat(n), "]".repeat(n))
    }

    #[test]
    fn deep_but_ordinary_json_parses_and_a_hostile_depth_is_refused() {
        for n in [1, 129, 200, MAX_DEPTH] {
            let v = parse(&nested(n)).unwrap();
            let mut cur = &v;
            let mut levels = 0;
            while let Some(a) = cur.as_array() {
                cur = &a[0];
                levels += 1;
            }
            assert_eq!(levels, n);
        }
        let objects = format!("{}1{}", r#"{"a":"#.repeat(500), "}".repeat(500));
        assert!(parse(&objects).is_ok());
        for n in [MAX_DEPTH + 1, 100_000, 10_000_000] {
            assert_eq!(
                parse(&nested(n)),
                Err(JsonError::TooDeep { max: MAX_DEPTH })
            );
        }
        // Brackets in strings are text.
        assert_eq!(
            parse(&format!("\"{}\"", "[".repeat(5000)))
                .unwrap()
                .as_str()
                .unwrap()
                .len(),
            5000
        );
        assert_eq!(
            parse(r#"["\"[", "\\"]"#).unwrap(),
            serde_json::json!(["\"[", "\\"])
        );
        assert!(matches!(parse("[1,"), Err(JsonError::Syntax(_))));
        assert!(matches!(parse("[1] x"), Err(JsonError::Syntax(_))));
    }
}
