//! What the Intl formatters share: locale tags, formatted parts.

use std::fmt;

use icu::locale::Locale;
use serde::Serialize;
use writeable::{PartsWrite, Writeable};

/// One piece of a formatted string, as `formatToParts` returns it: the names of ICU4X's
/// parts it is in, outermost first and joined by `/` (`year/integer`), or `literal` for
/// unlabelled text.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Part {
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) value: String,
}

/// The parts of anything ICU4X writes.
pub(crate) fn parts_of(w: &impl Writeable) -> Vec<Part> {
    let mut sink = Sink {
        parts: Vec::new(),
        stack: Vec::new(),
    };
    // Writing to a String-backed sink cannot fail.
    let _ = w.write_to_parts(&mut sink);
    sink.parts
}

struct Sink {
    parts: Vec<Part>,
    stack: Vec<&'static str>,
}

impl Sink {
    /// The names of the parts being written, outermost first (`year/integer` for the
    /// digits of a year), or `literal`.
    fn kind(&self) -> String {
        if self.stack.is_empty() {
            "literal".to_string()
        } else {
            self.stack.join("/")
        }
    }
}

impl fmt::Write for Sink {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if s.is_empty() {
            return Ok(());
        }
        let kind = self.kind();
        match self.parts.last_mut() {
            Some(last) if last.kind == kind => last.value.push_str(s),
            _ => self.parts.push(Part {
                kind,
                value: s.to_string(),
            }),
        }
        Ok(())
    }
}

impl PartsWrite for Sink {
    type SubPartsWrite = Self;
    fn with_part(
        &mut self,
        part: writeable::Part,
        mut f: impl FnMut(&mut Self) -> fmt::Result,
    ) -> fmt::Result {
        self.stack.push(part.value);
        // A new part starts even when it has the same name as the last one (two
        // elements of a list are two parts).
        self.parts.push(Part {
            kind: self.kind(),
            value: String::new(),
        });
        let r = f(self);
        self.stack.pop();
        if self.parts.last().is_some_and(|p| p.value.is_empty()) {
            self.parts.pop();
        }
        r
    }
}

/// A BCP 47 tag, parsed; the error names the tag.
pub(crate) fn locale(tag: &str) -> Result<Locale, String> {
    Locale::try_from_str(tag).map_err(|_| format!("Incorrect locale information provided: {tag:?}"))
}
