//! The one table of the manifest's limits ([`LIMITS`]).
//!
//! Every number-like field of `manifest.json` has one row here: its form, unit, default,
//! minimum and maximum. The parser's checks and messages ([`Limit::read`]), the JSON Schema
//! ([`Limit::schema`], through `qirvo schema`) and the docs' table ([`markdown`], through
//! `qirvo schema --markdown`) all come from these rows, so they cannot disagree.
//!
//! Size and rate strings are compared as written (the decimal times the unit, exactly), so a
//! bound is the same for the parser and for the schema's regular expression.

use std::cmp::Ordering;

use serde_json::{Value, json};

/// How a limited value is written in the manifest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    /// A size: a string `<number><unit>` (`"128MB"`, `"128 mb"`, `"1.5GB"`, `"512KiB"`,
    /// `"4096"`) or a whole number of bytes.
    Size,
    /// A rate in bytes per second: a size string with an optional `/s` (`"1MB/s"`).
    Rate,
    /// A whole number (as JSON Schema's `integer`: `5000`, `5000.0` and `5e3` are the same).
    Whole,
    /// Any number.
    Number,
}

/// One row of the table. Bounds are inclusive (except `min_exclusive`) and in the unit of
/// the value: bytes for sizes, bytes per second for rates.
#[derive(Debug)]
pub(crate) struct Limit {
    /// The field's path as messages show it, e.g. `resources.memory`.
    pub field: &'static str,
    pub form: Form,
    /// The unit of the number, for people: `"ms"`, `"percent of one core"`, `""`.
    pub unit: &'static str,
    /// The value when the field is absent or `null`; `None`: unlimited.
    pub default: Option<u64>,
    pub min: u64,
    /// `true`: the value must be more than `min` (it may not equal it).
    pub min_exclusive: bool,
    pub max: u64,
    /// What the field is, one line.
    pub about: &'static str,
    /// How to write it, for a wrong value: `give milliseconds as a number, e.g. 5000`.
    pub hint: &'static str,
    /// What a number is called in an out-of-range message: `milliseconds`, `a whole number`.
    pub noun: &'static str,
}

const KIB: u64 = 1024;
const MIB: u64 = 1024 * KIB;
const GIB: u64 = 1024 * MIB;

pub(crate) const MEMORY: Limit = Limit {
    field: "resources.memory",
    form: Form::Size,
    unit: "bytes",
    default: Some(128 * MIB),
    min: 4 * MIB,
    min_exclusive: false,
    max: 16 * GIB,
    about: "JS heap for the plugin's own objects (the runtime's own 8MB comes on top)",
    hint: "give a size as a string, e.g. \"128MB\", or a number of bytes",
    noun: "a size",
};
pub(crate) const TIMEOUT: Limit = Limit {
    field: "resources.timeout",
    form: Form::Whole,
    unit: "ms",
    default: Some(30_000),
    min: 1,
    min_exclusive: false,
    max: 3_600_000,
    about: "Deadline of every lifecycle step and call",
    hint: "give milliseconds as a number, e.g. 5000",
    noun: "milliseconds",
};
pub(crate) const CPU: Limit = Limit {
    field: "resources.cpu",
    form: Form::Number,
    unit: "percent of one core",
    default: Some(100),
    min: 0,
    min_exclusive: true,
    max: 100,
    about: "Share of one core over a sliding window",
    hint: "give percent of one core as a number, e.g. 50",
    noun: "percent of one core",
};
pub(crate) const STORAGE: Limit = Limit {
    field: "resources.storage",
    form: Form::Size,
    unit: "bytes",
    default: Some(10 * MIB),
    min: 0,
    min_exclusive: false,
    max: 16 * GIB,
    about: "Storage quota for qirvo.storage and files",
    hint: "give a size as a string, e.g. \"128MB\", or a number of bytes",
    noun: "a size",
};
pub(crate) const MAX_CONNECTIONS: Limit = Limit {
    field: "resources.maxConnections",
    form: Form::Whole,
    unit: "",
    default: Some(10),
    min: 1,
    min_exclusive: false,
    max: 10_000,
    about: "fetch requests in flight at once",
    hint: "give a whole number, e.g. 10",
    noun: "a whole number",
};
pub(crate) const BANDWIDTH: Limit = Limit {
    field: "resources.bandwidth",
    form: Form::Rate,
    unit: "bytes/s",
    default: None,
    min: 1,
    min_exclusive: false,
    max: 1024 * GIB,
    about: "Network read rate",
    hint: "give a rate as a string, e.g. \"1MB/s\"",
    noun: "a rate",
};
pub(crate) const MAX_RESTARTS: Limit = Limit {
    field: "restart.maxRestarts",
    form: Form::Whole,
    unit: "",
    default: Some(3),
    min: 1,
    min_exclusive: false,
    max: 1000,
    about: "With \"on-failure\": at most this many restarts",
    hint: "give a whole number from 1 to 1000",
    noun: "a whole number",
};
pub(crate) const BACKOFF: Limit = Limit {
    field: "restart.backoff",
    form: Form::Whole,
    unit: "ms",
    default: Some(1000),
    min: 0,
    min_exclusive: false,
    max: 60_000,
    about: "With \"on-failure\": wait before the first restart, doubling after (at most 60 s)",
    hint: "give milliseconds as a whole number, e.g. 1000",
    noun: "milliseconds",
};

/// Every limit of the manifest, in the order the docs list them.
pub(crate) const LIMITS: [&Limit; 8] = [
    &MEMORY,
    &TIMEOUT,
    &CPU,
    &STORAGE,
    &MAX_CONNECTIONS,
    &BANDWIDTH,
    &MAX_RESTARTS,
    &BACKOFF,
];

/// The row for `field` (`"resources.memory"`), if it has one.
pub(crate) fn limit(field: &str) -> Option<&'static Limit> {
    LIMITS.into_iter().find(|l| l.field == field)
}

/// Size units as the parser takes them (case-insensitive) and their multipliers.
const UNITS: [(u64, &str, &str); 4] = [
    (1, "[Bb]?", "B"),
    (KIB, "[Kk](?:[Ii]?[Bb])?", "K, KB, KiB"),
    (MIB, "[Mm](?:[Ii]?[Bb])?", "M, MB, MiB"),
    (GIB, "[Gg](?:[Ii]?[Bb])?", "G, GB, GiB"),
];

/// A size string split into its number (integer and fraction digits, ASCII) and the unit's
/// multiplier: ` *D+(.D+)? *UNIT? *`, or for a rate ` *D+(.D+)? *UNIT? *(/s)? *`. `None`
/// when the text is not of that shape.
pub(crate) fn split_size(s: &str, rate: bool) -> Option<(&str, &str, u64)> {
    let mut t = s.trim_matches(' ');
    if rate {
        t = t
            .strip_suffix("/s")
            .or_else(|| t.strip_suffix("/S"))
            .unwrap_or(t)
            .trim_end_matches(' ');
    }
    let end = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(end);
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, f),
        None => (num, ""),
    };
    let dotted = num.contains('.');
    if int.is_empty() || (dotted && (frac.is_empty() || frac.contains('.'))) {
        return None;
    }
    let mult = match unit.trim_start_matches(' ').to_ascii_uppercase().as_str() {
        "" | "B" => 1,
        "K" | "KB" | "KIB" => KIB,
        "M" | "MB" | "MIB" => MIB,
        "G" | "GB" | "GIB" => GIB,
        _ => return None,
    };
    Some((int, frac, mult))
}

/// `int.frac × mult` in bytes, rounded (`None` past `u64`).
pub(crate) fn size_bytes(int: &str, frac: &str, mult: u64) -> Option<u64> {
    let text = if frac.is_empty() {
        int.to_string()
    } else {
        format!("{int}.{frac}")
    };
    let bytes = text.parse::<f64>().ok()? * mult as f64;
    (bytes.is_finite() && bytes >= 0.0 && bytes <= u64::MAX as f64).then(|| bytes.round() as u64)
}

/// A decimal in canonical form: integer digits without leading zeros (zero is empty) and
/// fraction digits without trailing zeros.
fn canonical<'a>(int: &'a str, frac: &'a str) -> (&'a str, &'a str) {
    (int.trim_start_matches('0'), frac.trim_end_matches('0'))
}

/// Compares two canonical decimals.
fn cmp_decimal(a: (&str, &str), b: (&str, &str)) -> Ordering {
    a.0.len()
        .cmp(&b.0.len())
        .then_with(|| a.0.cmp(b.0))
        .then_with(|| a.1.cmp(b.1))
}

/// `bytes / mult` exactly, for a power-of-two `mult`: the integer part and the fraction's
/// digits (without trailing zeros).
fn in_unit(bytes: u64, mult: u64) -> (u64, String) {
    let k = mult.trailing_zeros();
    let rem = u128::from(bytes % mult);
    let frac = if k == 0 {
        String::new()
    } else {
        let digits = rem * 5u128.pow(k);
        format!("{digits:0width$}", width = k as usize)
            .trim_end_matches('0')
            .to_string()
    };
    (bytes / mult, frac)
}

/// `bytes` as a size people read: `128MB`, `4KB`, `1.5GB`, `17B`.
pub(crate) fn show_size(bytes: u64) -> String {
    crate::manifest::ByteSize(bytes).to_string()
}

impl Limit {
    /// The parser's check: the value as a number in the row's unit (bytes for sizes and
    /// rates), the default when the field is absent or `null` (`None`: unlimited).
    ///
    /// # Errors
    /// The reason, for a message naming the field: a value of the wrong kind (what was
    /// written and how to write it), a string that is not a size or rate, or a value out of
    /// range (with the range).
    pub(crate) fn read(&self, v: Option<&Value>) -> Result<Option<f64>, String> {
        let v = match v {
            None | Some(Value::Null) => return Ok(self.default.map(|d| d as f64)),
            Some(v) => v,
        };
        let wrong = || format!("{}; {}", super::describe(v), self.hint);
        match (self.form, v) {
            (Form::Size | Form::Rate, Value::String(s)) => self.read_size(s).map(Some),
            (Form::Size | Form::Whole | Form::Number, Value::Number(n)) => {
                let f = n.as_f64().ok_or_else(wrong)?;
                if self.form != Form::Number && f.fract() != 0.0 {
                    return Err(wrong());
                }
                if self.form != Form::Number && f < 0.0 {
                    return Err(format!("{n} is a negative number; {}", self.hint));
                }
                let low = if self.min_exclusive {
                    f > self.min as f64
                } else {
                    f >= self.min as f64
                };
                if !low || f > self.max as f64 {
                    return Err(format!("{n} is out of range; give {}", self.range_words()));
                }
                Ok(Some(f))
            }
            _ => Err(wrong()),
        }
    }

    fn read_size(&self, s: &str) -> Result<f64, String> {
        let rate = self.form == Form::Rate;
        let Some((int, frac, mult)) = split_size(s, rate) else {
            return Err(if rate {
                format!("{s:?} is not a rate (expected e.g. \"1MB/s\")")
            } else {
                format!("{s:?} is not a size (expected e.g. \"128MB\")")
            });
        };
        let written = canonical(int, frac);
        let (lo_int, lo_frac) = in_unit(self.min, mult);
        let (hi_int, hi_frac) = in_unit(self.max, mult);
        let (lo_int, hi_int) = (lo_int.to_string(), hi_int.to_string());
        let low = cmp_decimal(written, canonical(&lo_int, &lo_frac)) != Ordering::Less;
        let high = cmp_decimal(written, canonical(&hi_int, &hi_frac)) != Ordering::Greater;
        let bytes = size_bytes(int, frac, mult);
        match bytes {
            Some(b) if low && high => Ok(b as f64),
            _ => {
                // The author's own text: a rounded figure ("4.0MB" for "3.9999MB") would
                // contradict the range it is refused by.
                let per = if rate { "/s" } else { "" };
                Err(format!(
                    "{:?} is out of range ({}{per} to {}{per})",
                    s.trim(),
                    show_size(self.min),
                    show_size(self.max)
                ))
            }
        }
    }

    /// `a whole number from 1 to 1000`, `percent of one core, more than 0 and at most 100`.
    fn range_words(&self) -> String {
        match (self.form, self.min_exclusive) {
            (Form::Size | Form::Rate, _) => format!(
                "{} from {} to {}",
                self.noun,
                show_size(self.min),
                show_size(self.max)
            ),
            (_, true) => format!(
                "{}, more than {} and at most {}",
                self.noun, self.min, self.max
            ),
            (_, false) => format!("{} from {} to {}", self.noun, self.min, self.max),
        }
    }

    /// The default as the manifest would write it (`"128MB"`, `30000`), `None` if unlimited.
    fn default_json(&self) -> Option<Value> {
        let d = self.default?;
        Some(match self.form {
            Form::Size => json!(show_size(d)),
            Form::Rate => json!(format!("{}/s", show_size(d))),
            Form::Whole | Form::Number => json!(d),
        })
    }

    /// One line for the schema's `description`.
    fn description(&self) -> String {
        let default = match self.default_json() {
            Some(Value::String(s)) => s,
            Some(v) => format!("{v}{}", unit_suffix(self.unit)),
            None => "unlimited".to_string(),
        };
        format!(
            "{} (default {default}; {}). {}",
            self.about,
            self.range_words(),
            forms(self.form)
        )
    }

    /// This field's JSON Schema (it also takes `null`, which means the default).
    pub(crate) fn schema(&self) -> Value {
        let mut any = Vec::new();
        if matches!(self.form, Form::Size | Form::Rate) {
            any.push(json!({ "type": "string", "pattern": self.size_pattern() }));
        }
        match self.form {
            Form::Size | Form::Whole => any.push(json!({
                "type": "integer", "minimum": self.min, "maximum": self.max
            })),
            Form::Number if self.min_exclusive => any.push(json!({
                "type": "number", "exclusiveMinimum": self.min, "maximum": self.max
            })),
            Form::Number => any.push(json!({
                "type": "number", "minimum": self.min, "maximum": self.max
            })),
            Form::Rate => {}
        }
        any.push(json!({ "type": "null" }));
        let mut schema = json!({ "description": self.description(), "anyOf": any });
        if let (Some(d), Some(obj)) = (self.default_json(), schema.as_object_mut()) {
            obj.insert("default".into(), d);
        }
        schema
    }

    /// The regular expression of the size (or rate) strings whose value lies in range.
    pub(crate) fn size_pattern(&self) -> String {
        let alts: Vec<String> = UNITS
            .iter()
            .filter_map(|&(mult, unit, _)| {
                let (lo_int, lo_frac) = in_unit(self.min, mult);
                let (hi_int, hi_frac) = in_unit(self.max, mult);
                let number = decimal_range((lo_int, &lo_frac), (hi_int, &hi_frac))?;
                Some(format!("{number} *{unit}"))
            })
            .collect();
        let rate = if self.form == Form::Rate {
            " *(?:/[sS])?"
        } else {
            ""
        };
        format!("^ *(?:{}){rate} *$", alts.join("|"))
    }
}

fn unit_suffix(unit: &str) -> String {
    match unit {
        "" | "bytes" | "bytes/s" => String::new(),
        "ms" => " ms".to_string(),
        u => format!(" ({u})"),
    }
}

/// How a value of `form` is written, in words.
fn forms(form: Form) -> &'static str {
    match form {
        Form::Size => {
            "A string: a number (digits, optionally .digits) and a unit B, K/KB/KiB, M/MB/MiB or G/GB/GiB in any case (powers of 1024), spaces allowed around the unit, e.g. \"128MB\", \"64 mb\", \"1.5GB\"; or a whole number of bytes."
        }
        Form::Rate => {
            "A string: a size (e.g. \"1MB\", \"512 KiB\", \"1.5gb\") optionally followed by /s, e.g. \"1MB/s\"."
        }
        Form::Whole => "A whole number.",
        Form::Number => "A number (fractions allowed).",
    }
}

// --- decimal ranges as regular expressions ---------------------------------------------

/// `[lo-hi]` for one digit.
fn digit_class(lo: u8, hi: u8) -> String {
    if lo == hi {
        (lo as char).to_string()
    } else {
        format!("[{}-{}]", lo as char, hi as char)
    }
}

/// `n` digits, any.
fn any_digits(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => "[0-9]".to_string(),
        n => format!("[0-9]{{{n}}}"),
    }
}

/// Digit strings of `a.len()` digits from `a` to `b` (inclusive, `a <= b`).
fn fixed_range(a: &[u8], b: &[u8]) -> String {
    let n = a.len();
    if n == 0 {
        return String::new();
    }
    if a.iter().all(|&c| c == b'0') && b.iter().all(|&c| c == b'9') {
        return any_digits(n);
    }
    if n == 1 {
        return digit_class(a[0], b[0]);
    }
    if a[0] == b[0] {
        return format!("{}{}", a[0] as char, fixed_range(&a[1..], &b[1..]));
    }
    let (nines, zeros) = (vec![b'9'; n - 1], vec![b'0'; n - 1]);
    let mut alts = vec![format!("{}{}", a[0] as char, fixed_range(&a[1..], &nines))];
    if a[0] + 1 < b[0] {
        alts.push(format!(
            "{}{}",
            digit_class(a[0] + 1, b[0] - 1),
            any_digits(n - 1)
        ));
    }
    alts.push(format!("{}{}", b[0] as char, fixed_range(&zeros, &b[1..])));
    format!("(?:{})", alts.join("|"))
}

/// Integers from `a` to `b` (`1 <= a <= b`) written without leading zeros.
pub(crate) fn positive_range(a: u64, b: u64) -> String {
    let (sa, sb) = (a.to_string(), b.to_string());
    let alts: Vec<String> = (sa.len()..=sb.len())
        .map(|len| {
            let lo = if len == sa.len() {
                sa.clone()
            } else {
                format!("1{}", "0".repeat(len - 1))
            };
            let hi = if len == sb.len() {
                sb.clone()
            } else {
                "9".repeat(len)
            };
            if len > 1 && lo == format!("1{}", "0".repeat(len - 1)) && hi == "9".repeat(len) {
                format!("[1-9]{}", any_digits(len - 1))
            } else {
                fixed_range(lo.as_bytes(), hi.as_bytes())
            }
        })
        .collect();
    if alts.len() == 1 {
        alts.concat()
    } else {
        format!("(?:{})", alts.join("|"))
    }
}

/// The integer part `n`, with any leading zeros.
fn integer(n: u64) -> String {
    if n == 0 {
        "0+".to_string()
    } else {
        format!("0*{n}")
    }
}

/// Integers in `a..=b` (with leading zeros), `None` when there are none.
fn integers(a: u64, b: u64) -> Option<String> {
    if a > b {
        return None;
    }
    let mut alts = Vec::new();
    let mut from = a;
    if a == 0 {
        alts.push("0+".to_string());
        from = 1;
    }
    if from <= b {
        alts.push(format!("0*{}", positive_range(from, b)));
    }
    Some(format!("(?:{})", alts.join("|")))
}

/// Fractions `.F` (or none) at least `0.f`.
fn fraction_at_least(f: &str) -> String {
    if f.is_empty() {
        return "(?:\\.[0-9]+)?".to_string();
    }
    let b = f.as_bytes();
    let mut alts = vec![format!("{f}[0-9]*")];
    for i in 0..b.len() {
        if b[i] < b'9' {
            alts.push(format!("{}{}[0-9]*", &f[..i], digit_class(b[i] + 1, b'9')));
        }
    }
    format!("\\.(?:{})", alts.join("|"))
}

/// Fractions `.F` (or none) at most `0.f`.
fn fraction_at_most(f: &str) -> String {
    if f.is_empty() {
        return "(?:\\.0+)?".to_string();
    }
    let b = f.as_bytes();
    let mut alts = vec![format!("{f}0*")];
    for i in 0..b.len() {
        if i > 0 {
            alts.push(f[..i].to_string());
        }
        if b[i] > b'0' {
            alts.push(format!("{}{}[0-9]*", &f[..i], digit_class(b'0', b[i] - 1)));
        }
    }
    format!("(?:\\.(?:{}))?", alts.join("|"))
}

/// Decimals `I(.F)?` from `lo` to `hi` inclusive, each given as (integer part, fraction
/// digits). `None` when the range is empty or both ends share an integer part (no limit
/// in the table needs that).
fn decimal_range(lo: (u64, &str), hi: (u64, &str)) -> Option<String> {
    if lo.0 >= hi.0 {
        return None;
    }
    let mut alts = Vec::new();
    if let Some(middle) = lo.0.checked_add(1).zip(hi.0.checked_sub(1))
        && let Some(ints) = integers(middle.0, middle.1)
    {
        alts.push(format!("{ints}(?:\\.[0-9]+)?"));
    }
    alts.push(format!("{}{}", integer(lo.0), fraction_at_least(lo.1)));
    alts.push(format!("{}{}", integer(hi.0), fraction_at_most(hi.1)));
    Some(format!("(?:{})", alts.join("|")))
}

/// The docs' table of limits (Markdown), from [`LIMITS`].
pub(crate) fn markdown() -> String {
    let mut out = String::from(
        "| field | type | unit | default | minimum | maximum | accepted forms |\n| --- | --- | --- | --- | --- | --- | --- |\n",
    );
    for l in LIMITS {
        let (kind, unit) = match l.form {
            Form::Size => ("size", "bytes (powers of 1024)"),
            Form::Rate => ("rate", "bytes per second"),
            Form::Whole => ("whole number", l.unit),
            Form::Number => ("number", l.unit),
        };
        let show = |v: u64| match l.form {
            Form::Size => format!("`\"{}\"`", show_size(v)),
            Form::Rate => format!("`\"{}/s\"`", show_size(v)),
            _ => format!("`{v}`"),
        };
        let default = l.default.map_or("unlimited".to_string(), show);
        let min = if l.min_exclusive {
            format!("more than {}", show(l.min))
        } else {
            show(l.min)
        };
        let unit = if unit.is_empty() { "–" } else { unit };
        out.push_str(&format!(
            "| `{}` | {kind} | {unit} | {default} | {min} | {} | {} |\n",
            l.field,
            show(l.max),
            forms(l.form)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_limit_has_a_pattern_for_every_unit() {
        for l in LIMITS {
            if matches!(l.form, Form::Size | Form::Rate) {
                let p = l.size_pattern();
                assert_eq!(p.matches("*[").count(), 4, "{}: {p}", l.field);
            }
            if let Some(d) = l.default {
                assert!(d >= l.min && d <= l.max, "{}", l.field);
            }
        }
    }

    #[test]
    fn exact_bounds_in_each_unit() {
        assert_eq!(in_unit(4 * MIB, GIB), (0, "00390625".to_string()));
        assert_eq!(in_unit(16 * GIB, MIB), (16384, String::new()));
        assert_eq!(in_unit(1, KIB), (0, "0009765625".to_string()));
        assert_eq!(
            positive_range(1, 1000),
            "(?:[1-9]|[1-9][0-9]|[1-9][0-9]{2}|1000)"
        );
    }
}
