//! `Intl` (issue 15): ECMA-402's formatters over ICU4X with compiled CLDR data, in place
//! of the engine's stub (which returned wrong answers).
//!
//! `js/intl.js` reads and checks the options (ECMA-402's option order, types and ranges;
//! an option this implementation cannot honour is a RangeError naming it, never a wrong
//! answer) and calls the ops below with the resolved options. An op makes the ICU4X
//! formatter the first time a set of options is used and keeps it in the isolate's
//! [`Formatters`] (at most [`KEEP`] of them), so a plugin that never formats pays
//! nothing and one that formats in a loop makes its formatter once.
//!
//! Only on the quickjs engine: V8 brings its own ICU-backed `Intl`, so under the `v8`
//! feature the extension is empty.

#[cfg(feature = "quickjs")]
mod core;
#[cfg(feature = "quickjs")]
mod datetime;
#[cfg(feature = "quickjs")]
mod names;
#[cfg(feature = "quickjs")]
mod number;
#[cfg(feature = "quickjs")]
mod relative;
#[cfg(feature = "quickjs")]
mod text;
#[cfg(feature = "quickjs")]
mod unit;

#[cfg(feature = "quickjs")]
pub(crate) use enabled::qirvo_intl;

#[cfg(not(feature = "quickjs"))]
deno_core::extension!(qirvo_intl);

#[cfg(feature = "quickjs")]
mod enabled {
    use std::collections::HashMap;

    use deno_core::{OpState, op2};
    use deno_error::JsErrorBox;
    use serde::Serialize;

    use super::core::Part;
    use super::datetime::{DateTimeFormat, DateTimeOptions};
    use super::names::{Names, NamesOptions};
    use super::number::{NumberFormatter, NumberOptions, Numeric, to_decimal};
    use super::relative::RelativeOptions;
    use super::text::{Collation, CollatorOpts, ListOpts};

    /// Formatters an isolate keeps (each is a few KB of pointers into the compiled data);
    /// past this many distinct option sets of one kind, the oldest are dropped.
    pub(crate) const KEEP: usize = 64;

    /// The formatters an isolate has made, by their resolved options.
    #[derive(Default)]
    pub(crate) struct Formatters {
        numbers: HashMap<NumberOptions, NumberFormatter>,
        dates: HashMap<DateTimeOptions, DateTimeFormat>,
        collators: HashMap<CollatorOpts, Collation>,
        lists: HashMap<ListOpts, icu::list::ListFormatter>,
        plurals: HashMap<(String, bool), icu::plurals::PluralRules>,
        relatives: HashMap<RelativeOptions, icu::experimental::relativetime::RelativeTimeFormatter>,
        names: HashMap<NamesOptions, Names>,
    }

    /// The formatter for `key`, made by `make` the first time.
    fn cached<'a, K: std::hash::Hash + Eq + Clone, V>(
        map: &'a mut HashMap<K, V>,
        key: &K,
        make: impl FnOnce(&K) -> Result<V, String>,
    ) -> Result<&'a V, JsErrorBox> {
        if !map.contains_key(key) {
            let made = make(key).map_err(JsErrorBox::range_error)?;
            if map.len() >= KEEP {
                map.clear();
            }
            map.insert(key.clone(), made);
        }
        map.get(key)
            .ok_or_else(|| JsErrorBox::generic("Intl: formatter cache lost an entry"))
    }

    fn formatters(state: &mut OpState) -> &mut Formatters {
        if !state.has::<Formatters>() {
            state.put(Formatters::default());
        }
        state.borrow_mut::<Formatters>()
    }

    fn range(e: String) -> JsErrorBox {
        JsErrorBox::range_error(e)
    }

    /// Formats a number (`digits` empty) or a BigInt / exact decimal string (`digits`).
    #[op2]
    #[serde]
    pub(crate) fn op_intl_number_format(
        state: &mut OpState,
        #[serde] options: NumberOptions,
        value: f64,
        #[string] digits: String,
    ) -> Result<Vec<Part>, JsErrorBox> {
        let input = if digits.is_empty() {
            Numeric::Float(value)
        } else {
            Numeric::Digits(&digits)
        };
        let f = cached(
            &mut formatters(state).numbers,
            &options,
            NumberFormatter::new,
        )?;
        let infinite = value.is_infinite() && digits.is_empty();
        if infinite && options.style == "unit" {
            // The unit's plural form for infinity ("other") cannot be asked of ICU4X's
            // plural rules, and the form for 1 would be wrong ("-∞ meter").
            return Err(range(
                "Intl.NumberFormat: Infinity with style \"unit\" is not supported".to_string(),
            ));
        }
        let d = if infinite {
            let mut one = to_decimal(
                Numeric::Digits(if value < 0.0 { "-1" } else { "1" }),
                &options,
            )
            .map_err(range)?;
            one.absolute.trim_end();
            one
        } else {
            to_decimal(input, &options).map_err(range)?
        };
        let mut parts = f.format(&d).map_err(range)?;
        if infinite {
            // ICU formats an infinity as the number's pattern with "∞" for its digits.
            for p in &mut parts {
                if p.kind.ends_with("integer") {
                    p.value = "∞".to_string();
                    p.kind = "infinity".to_string();
                }
            }
        }
        Ok(parts)
    }

    /// The plural category of a number after NumberFormat's rounding.
    #[op2]
    #[string]
    pub(crate) fn op_intl_plural_select(
        state: &mut OpState,
        #[serde] options: NumberOptions,
        ordinal: bool,
        value: f64,
    ) -> Result<String, JsErrorBox> {
        let d = to_decimal(Numeric::Float(value.abs()), &options).map_err(range)?;
        let key = (options.locale.clone(), ordinal);
        let rules = cached(&mut formatters(state).plurals, &key, |(l, o)| {
            super::text::plural_rules(l, *o)
        })?;
        Ok(super::text::plural_category(rules, &d).to_string())
    }

    #[op2]
    #[serde]
    pub(crate) fn op_intl_plural_categories(
        state: &mut OpState,
        #[string] locale: String,
        ordinal: bool,
    ) -> Result<Vec<&'static str>, JsErrorBox> {
        let key = (locale, ordinal);
        let rules = cached(&mut formatters(state).plurals, &key, |(l, o)| {
            super::text::plural_rules(l, *o)
        })?;
        Ok(super::text::plural_categories(rules))
    }

    /// Formats an instant (ms since 1970, UTC) in a time zone.
    #[op2]
    #[serde]
    pub(crate) fn op_intl_datetime_format(
        state: &mut OpState,
        #[serde] options: DateTimeOptions,
        #[string] zone: String,
        utc_ms: f64,
    ) -> Result<Vec<Part>, JsErrorBox> {
        let offset = super::datetime::zone_offset_ms(&zone, utc_ms)
            .ok_or_else(|| range(format!("Invalid time zone specified: {zone}")))?;
        let f = cached(&mut formatters(state).dates, &options, DateTimeFormat::new)?;
        f.format(&zone, utc_ms, offset).map_err(range)
    }

    /// Formats a relative time: `value` units in the future (negative, or -0: the past).
    #[op2]
    #[serde]
    pub(crate) fn op_intl_relative_format(
        state: &mut OpState,
        #[serde] options: RelativeOptions,
        value: f64,
    ) -> Result<Vec<Part>, JsErrorBox> {
        if !value.is_finite() {
            return Err(range(format!(
                "Intl.RelativeTimeFormat: {value} is not a finite number"
            )));
        }
        // NumberFormat's default rounding (0 to 3 fraction digits) in the locale.
        let d = to_decimal(
            Numeric::Float(value),
            &NumberOptions::decimal(&options.locale),
        )
        .map_err(range)?;
        let f = cached(
            &mut formatters(state).relatives,
            &options,
            super::relative::formatter,
        )?;
        Ok(super::relative::format(f, d))
    }

    /// The display name of a code (already checked and canonicalized by `js/intl.js`), or
    /// null when the data has none.
    #[op2]
    #[string]
    pub(crate) fn op_intl_display_name(
        state: &mut OpState,
        #[serde] options: NamesOptions,
        #[string] code: String,
    ) -> Result<Option<String>, JsErrorBox> {
        let names = cached(&mut formatters(state).names, &options, Names::new)?;
        names.of(&code).map_err(range)
    }

    /// Whether an IANA time zone name is known (exact spelling; aliases resolve).
    #[op2(fast)]
    pub(crate) fn op_intl_zone_known(#[string] zone: &str) -> bool {
        super::datetime::zone_known(zone)
    }

    #[op2]
    pub(crate) fn op_intl_collator_compare(
        state: &mut OpState,
        #[serde] options: CollatorOpts,
        #[string] a: String,
        #[string] b: String,
    ) -> Result<i32, JsErrorBox> {
        let c = cached(&mut formatters(state).collators, &options, Collation::new)?;
        Ok(c.compare(&a, &b))
    }

    #[op2]
    #[serde]
    pub(crate) fn op_intl_list_format(
        state: &mut OpState,
        #[serde] options: ListOpts,
        #[serde] items: Vec<String>,
    ) -> Result<Vec<Part>, JsErrorBox> {
        let f = cached(
            &mut formatters(state).lists,
            &options,
            super::text::list_formatter,
        )?;
        Ok(super::text::list_parts(f, &items))
    }

    #[derive(Serialize)]
    pub(crate) struct Segments {
        breaks: Vec<u32>,
        word_like: Vec<bool>,
    }

    /// The segment boundaries of a string, in UTF-16 code units.
    #[op2]
    #[serde]
    pub(crate) fn op_intl_segment(
        #[string] granularity: &str,
        #[string] text: String,
    ) -> Result<Segments, JsErrorBox> {
        let units: Vec<u16> = text.encode_utf16().collect();
        let (breaks, word_like) = super::text::segment(granularity, &units).map_err(range)?;
        Ok(Segments { breaks, word_like })
    }

    /// `canonical`, `maximize` or `minimize` of a BCP 47 tag; a RangeError for one that is
    /// not well-formed.
    #[op2]
    #[string]
    pub(crate) fn op_intl_locale(
        #[string] what: &str,
        #[string] tag: &str,
    ) -> Result<String, JsErrorBox> {
        match what {
            "maximize" => super::text::maximize(tag),
            "minimize" => super::text::minimize(tag),
            _ => super::text::canonicalize(tag),
        }
        .map_err(range)
    }

    /// Locale-sensitive case mapping (Turkish dotted i, Lithuanian, Greek).
    #[op2]
    #[string]
    pub(crate) fn op_intl_case(
        #[string] locale: &str,
        #[string] text: &str,
        upper: bool,
    ) -> Result<String, JsErrorBox> {
        if upper {
            super::text::uppercase(locale, text)
        } else {
            super::text::lowercase(locale, text)
        }
        .map_err(range)
    }

    deno_core::extension!(
        qirvo_intl,
        ops = [
            op_intl_number_format,
            op_intl_plural_select,
            op_intl_plural_categories,
            op_intl_datetime_format,
            op_intl_relative_format,
            op_intl_display_name,
            op_intl_zone_known,
            op_intl_collator_compare,
            op_intl_list_format,
            op_intl_segment,
            op_intl_locale,
            op_intl_case,
        ],
        esm_entry_point = "ext:qirvo_intl/intl.js",
        esm = [dir "js", "intl.js"],
    );
}
