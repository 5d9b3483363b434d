//! Collator, PluralRules, ListFormat, Segmenter, RelativeTimeFormat, DisplayNames, Locale
//! and case mapping over ICU4X.

use std::cmp::Ordering;

use icu::collator::options::{AlternateHandling, CaseLevel, CollatorOptions, Strength};
use icu::collator::preferences::{CollationCaseFirst, CollationNumericOrdering};
use icu::collator::{Collator, CollatorBorrowed, CollatorPreferences};
use icu::list::ListFormatter;
use icu::list::options::{ListFormatterOptions, ListLength};
use icu::locale::{LocaleCanonicalizer, LocaleExpander};
use icu::plurals::{PluralCategory, PluralRules};
use serde::Deserialize;

use super::core::{Part, locale, parts_of};

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CollatorOpts {
    pub(crate) locale: String,
    pub(crate) sensitivity: String,
    pub(crate) ignore_punctuation: bool,
    pub(crate) numeric: bool,
    pub(crate) case_first: String,
}

pub(crate) struct Collation(CollatorBorrowed<'static>);

impl Collation {
    pub(crate) fn new(o: &CollatorOpts) -> Result<Self, String> {
        let loc = locale(&o.locale)?;
        let mut prefs = CollatorPreferences::from(&loc);
        prefs.numeric_ordering = Some(if o.numeric {
            CollationNumericOrdering::True
        } else {
            CollationNumericOrdering::False
        });
        prefs.case_first = match o.case_first.as_str() {
            "upper" => Some(CollationCaseFirst::Upper),
            "lower" => Some(CollationCaseFirst::Lower),
            _ => None,
        };
        let mut opts = CollatorOptions::default();
        opts.strength = Some(match o.sensitivity.as_str() {
            "base" | "case" => Strength::Primary,
            "accent" => Strength::Secondary,
            _ => Strength::Tertiary,
        });
        if o.sensitivity == "case" {
            opts.case_level = Some(CaseLevel::On);
        }
        if o.ignore_punctuation {
            opts.alternate_handling = Some(AlternateHandling::Shifted);
        }
        Collator::try_new(prefs, opts)
            .map(Self)
            .map_err(|e| format!("no collation data for {}: {e}", o.locale))
    }

    pub(crate) fn compare(&self, a: &str, b: &str) -> i32 {
        match self.0.compare(a, b) {
            Ordering::Less => -1,
            Ordering::Equal => 0,
            Ordering::Greater => 1,
        }
    }
}

pub(crate) fn plural_rules(tag: &str, ordinal: bool) -> Result<PluralRules, String> {
    let loc = locale(tag)?;
    let made = if ordinal {
        PluralRules::try_new_ordinal((&loc).into())
    } else {
        PluralRules::try_new_cardinal((&loc).into())
    };
    made.map_err(|e| format!("no plural rules for {tag}: {e}"))
}

pub(crate) fn plural_category(
    rules: &PluralRules,
    d: &icu::decimal::input::Decimal,
) -> &'static str {
    match rules.category_for(d) {
        PluralCategory::Zero => "zero",
        PluralCategory::One => "one",
        PluralCategory::Two => "two",
        PluralCategory::Few => "few",
        PluralCategory::Many => "many",
        PluralCategory::Other => "other",
    }
}

pub(crate) fn plural_categories(rules: &PluralRules) -> Vec<&'static str> {
    rules
        .categories()
        .map(|c| match c {
            PluralCategory::Zero => "zero",
            PluralCategory::One => "one",
            PluralCategory::Two => "two",
            PluralCategory::Few => "few",
            PluralCategory::Many => "many",
            PluralCategory::Other => "other",
        })
        .collect()
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListOpts {
    pub(crate) locale: String,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    pub(crate) style: String,
}

pub(crate) fn list_formatter(o: &ListOpts) -> Result<ListFormatter, String> {
    let loc = locale(&o.locale)?;
    let length = match o.style.as_str() {
        "short" => ListLength::Short,
        "narrow" => ListLength::Narrow,
        _ => ListLength::Wide,
    };
    let opts = ListFormatterOptions::default().with_length(length);
    let made = match o.kind.as_str() {
        "disjunction" => ListFormatter::try_new_or((&loc).into(), opts),
        "unit" => ListFormatter::try_new_unit((&loc).into(), opts),
        _ => ListFormatter::try_new_and((&loc).into(), opts),
    };
    made.map_err(|e| format!("no list data for {}: {e}", o.locale))
}

pub(crate) fn list_parts(f: &ListFormatter, items: &[String]) -> Vec<Part> {
    parts_of(&f.format(items.iter().map(|s| s.as_str())))
}

/// Segment boundaries of a UTF-16 string (indices into it, starting with 0 and ending with
/// its length) and, for words, whether each segment is word-like.
pub(crate) fn segment(granularity: &str, text: &[u16]) -> Result<(Vec<u32>, Vec<bool>), String> {
    use icu::segmenter::options::{SentenceBreakInvariantOptions, WordBreakInvariantOptions};
    use icu::segmenter::{GraphemeClusterSegmenter, SentenceSegmenter, WordSegmenter};
    let to_u32 = |i: usize| u32::try_from(i).unwrap_or(u32::MAX);
    match granularity {
        "grapheme" => {
            let b: Vec<u32> = GraphemeClusterSegmenter::new()
                .segment_utf16(text)
                .map(to_u32)
                .collect();
            Ok((b, Vec::new()))
        }
        "sentence" => {
            let b = SentenceSegmenter::new(SentenceBreakInvariantOptions::default())
                .segment_utf16(text)
                .map(to_u32)
                .collect();
            Ok((b, Vec::new()))
        }
        "word" => {
            let mut it =
                WordSegmenter::new_auto(WordBreakInvariantOptions::default()).segment_utf16(text);
            let mut b = Vec::new();
            let mut word_like = Vec::new();
            while let Some(i) = it.next() {
                if !b.is_empty() {
                    word_like.push(it.is_word_like());
                }
                b.push(to_u32(i));
            }
            Ok((b, word_like))
        }
        other => Err(format!(
            "Value {other} out of range for Intl.Segmenter options property granularity"
        )),
    }
}

/// A tag in canonical form (ECMA-402 CanonicalizeUnicodeLocaleId).
pub(crate) fn canonicalize(tag: &str) -> Result<String, String> {
    let mut loc = locale(tag)?;
    LocaleCanonicalizer::new_extended().canonicalize(&mut loc);
    Ok(loc.to_string())
}

pub(crate) fn maximize(tag: &str) -> Result<String, String> {
    let mut loc = locale(tag)?;
    LocaleExpander::new_extended().maximize(&mut loc.id);
    Ok(loc.to_string())
}

pub(crate) fn minimize(tag: &str) -> Result<String, String> {
    let mut loc = locale(tag)?;
    LocaleExpander::new_extended().minimize(&mut loc.id);
    Ok(loc.to_string())
}

pub(crate) fn uppercase(tag: &str, s: &str) -> Result<String, String> {
    let loc = locale(tag)?;
    Ok(icu::casemap::CaseMapper::new()
        .uppercase_to_string(s, &loc.id)
        .into_owned())
}

pub(crate) fn lowercase(tag: &str, s: &str) -> Result<String, String> {
    let loc = locale(tag)?;
    Ok(icu::casemap::CaseMapper::new()
        .lowercase_to_string(s, &loc.id)
        .into_owned())
}
