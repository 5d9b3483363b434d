//! `Intl.NumberFormat` and `Intl.PluralRules` over ICU4X: the digits (rounding, padding,
//! sign) are settled on a `Decimal` here, then ICU4X's decimal, percent or currency
//! formatter writes it with the locale's symbols, grouping and patterns.

use icu::decimal::input::Decimal;
use icu::decimal::options::CompactDecimalFormatterOptions;
use icu::decimal::options::{DecimalFormatterOptions, GroupingStrategy};
use icu::decimal::{CompactDecimalFormatter, DecimalFormatter};
use icu::experimental::dimension::currency::CurrencyType;
use icu::experimental::dimension::currency::formatter::CurrencyFormatter;
use icu::experimental::dimension::percent::formatter::PercentFormatter;
use icu::locale::Locale;
use serde::Deserialize;

use super::core::{Part, parts_of};

/// A NumberFormat's options as `js/intl.js` resolved them (ECMA-402's
/// SetNumberFormatDigitOptions already applied: exactly one of the two digit families set).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NumberOptions {
    pub(crate) locale: String,
    pub(crate) style: String,
    pub(crate) currency: Option<String>,
    pub(crate) currency_display: String,
    pub(crate) use_grouping: String,
    pub(crate) sign_display: String,
    pub(crate) minimum_integer_digits: u8,
    pub(crate) minimum_fraction_digits: Option<u8>,
    pub(crate) maximum_fraction_digits: Option<u8>,
    pub(crate) minimum_significant_digits: Option<u8>,
    pub(crate) maximum_significant_digits: Option<u8>,
    /// `standard` or `compact` (`compact` only with style `decimal`).
    #[serde(default = "standard")]
    pub(crate) notation: String,
    /// `short` or `long`, for notation `compact`.
    #[serde(default = "short")]
    pub(crate) compact_display: String,
    /// An ECMA-402 simple unit (`kilometer`), for style `unit`.
    #[serde(default)]
    pub(crate) unit: Option<String>,
    /// `short`, `narrow` or `long`, for style `unit`.
    #[serde(default = "short")]
    pub(crate) unit_display: String,
}

fn standard() -> String {
    "standard".to_string()
}

fn short() -> String {
    "short".to_string()
}

impl NumberOptions {
    /// Plain decimal options for a locale, with NumberFormat's default digits (0 to 3
    /// fraction digits): what RelativeTimeFormat formats its number with.
    pub(crate) fn decimal(locale: &str) -> Self {
        Self {
            locale: locale.to_string(),
            style: "decimal".to_string(),
            currency: None,
            currency_display: "symbol".to_string(),
            use_grouping: "auto".to_string(),
            sign_display: "auto".to_string(),
            minimum_integer_digits: 1,
            minimum_fraction_digits: Some(0),
            maximum_fraction_digits: Some(3),
            minimum_significant_digits: None,
            maximum_significant_digits: None,
            notation: standard(),
            compact_display: short(),
            unit: None,
            unit_display: short(),
        }
    }

    fn compact(&self) -> bool {
        self.notation == "compact"
    }

    /// Whether any digit option was given (else compact notation rounds its own way).
    fn explicit_digits(&self) -> bool {
        self.minimum_fraction_digits.is_some()
            || self.maximum_fraction_digits.is_some()
            || self.minimum_significant_digits.is_some()
            || self.maximum_significant_digits.is_some()
    }
}

/// A number as it comes from JS: a double, or a BigInt's decimal text.
pub(crate) enum Numeric<'a> {
    Float(f64),
    Digits(&'a str),
}

/// The digits after rounding and padding, with the sign display applied.
pub(crate) fn to_decimal(value: Numeric<'_>, o: &NumberOptions) -> Result<Decimal, String> {
    let mut d = match value {
        Numeric::Float(f) => {
            if !f.is_finite() {
                return Err("Intl.NumberFormat cannot format NaN or Infinity yet".into());
            }
            Decimal::try_from_f64(f, fixed_decimal::FloatPrecision::RoundTrip)
                .map_err(|_| format!("Intl.NumberFormat cannot format {f}"))?
        }
        Numeric::Digits(s) => {
            Decimal::try_from_str(s).map_err(|_| format!("not a decimal number: {s:?}"))?
        }
    };
    if o.style == "percent" {
        d.multiply_pow10(2);
    }
    // No leading zeros (0.256 × 100 is 25.6, not 025.6).
    d.absolute.trim_start();
    if o.compact() {
        // Compact notation rounds the significand after choosing the exponent
        // (`NumberFormatter::format`), then applies the sign display.
        return Ok(d);
    }
    round(&mut d, o);
    if o.minimum_integer_digits > 1 {
        d.absolute.pad_start(i16::from(o.minimum_integer_digits));
    }
    d.apply_sign_display(sign_display(o));
    Ok(d)
}

fn sign_display(o: &NumberOptions) -> fixed_decimal::SignDisplay {
    match o.sign_display.as_str() {
        "never" => fixed_decimal::SignDisplay::Never,
        "always" => fixed_decimal::SignDisplay::Always,
        "exceptZero" => fixed_decimal::SignDisplay::ExceptZero,
        "negative" => fixed_decimal::SignDisplay::Negative,
        _ => fixed_decimal::SignDisplay::Auto,
    }
}

/// ECMA-402's rounding for compact notation without digit options: the more precise of
/// "no fraction digits" and "two significant digits" (`1.2K`, `12K`, `123K`, `0.22`).
fn round_compact_default(d: &mut Decimal) {
    if d.absolute.is_zero() {
        d.absolute.trim_end();
        return;
    }
    let top = d.absolute.nonzero_magnitude_start();
    // Two significant digits round at top - 1; no fraction digits at 0.
    d.round_with_mode(top.saturating_sub(1).min(0), HALF_EXPAND);
    d.absolute.trim_end();
}

const HALF_EXPAND: fixed_decimal::SignedRoundingMode =
    fixed_decimal::SignedRoundingMode::Unsigned(fixed_decimal::UnsignedRoundingMode::HalfExpand);

fn round(d: &mut Decimal, o: &NumberOptions) {
    if let (Some(min), Some(max)) = (o.minimum_significant_digits, o.maximum_significant_digits) {
        if d.absolute.is_zero() {
            d.absolute.pad_end(1 - i16::from(min));
            return;
        }
        let top = d.absolute.nonzero_magnitude_start();
        d.round_with_mode(top.saturating_sub(i16::from(max) - 1), HALF_EXPAND);
        d.absolute.trim_end();
        let top = d.absolute.nonzero_magnitude_start();
        d.absolute
            .pad_end(top.saturating_sub(i16::from(min) - 1).min(0));
    } else {
        let min = o.minimum_fraction_digits.unwrap_or(0);
        let max = o.maximum_fraction_digits.unwrap_or(3).max(min);
        d.round_with_mode(-i16::from(max), HALF_EXPAND);
        d.absolute.trim_end();
        d.absolute.pad_end(-i16::from(min));
    }
}

fn grouping(o: &NumberOptions) -> GroupingStrategy {
    match o.use_grouping.as_str() {
        "always" => GroupingStrategy::Always,
        "min2" => GroupingStrategy::Min2,
        "false" => GroupingStrategy::Never,
        _ => GroupingStrategy::Auto,
    }
}

/// A formatter for one locale and set of options (made once, kept in the cache).
pub(crate) enum NumberFormatter {
    Decimal(DecimalFormatter),
    Percent(PercentFormatter<DecimalFormatter>),
    Currency(Box<CurrencyFormatter<DecimalFormatter>>),
    /// Notation `compact`: the formatter, and the options its rounding needs.
    Compact(Box<CompactDecimalFormatter>, Box<NumberOptions>),
    /// Style `unit`.
    Unit(Box<super::unit::UnitFormatter>),
}

impl NumberFormatter {
    pub(crate) fn new(o: &NumberOptions) -> Result<Self, String> {
        let locale = super::core::locale(&o.locale)?;
        let mut dopts = DecimalFormatterOptions::default();
        dopts.grouping_strategy = Some(grouping(o));
        let decimal = DecimalFormatter::try_new((&locale).into(), dopts)
            .map_err(|e| format!("no number data for {}: {e}", o.locale))?;
        if o.compact() {
            if o.style != "decimal" {
                return Err(format!(
                    "notation \"compact\" with style {:?} is not supported",
                    o.style
                ));
            }
            let mut copts = CompactDecimalFormatterOptions::default();
            copts.grouping_strategy = Some(grouping(o));
            let made = if o.compact_display == "long" {
                CompactDecimalFormatter::try_new_long((&locale).into(), copts)
            } else {
                CompactDecimalFormatter::try_new_short((&locale).into(), copts)
            };
            let f = made.map_err(|e| format!("no compact number data for {}: {e}", o.locale))?;
            return Ok(Self::Compact(Box::new(f), Box::new(o.clone())));
        }
        match o.style.as_str() {
            "decimal" => Ok(Self::Decimal(decimal)),
            "unit" => super::unit::UnitFormatter::new(&locale, o, decimal)
                .map(|f| Self::Unit(Box::new(f))),
            "percent" => PercentFormatter::try_new_with_decimal_formatter(
                (&locale).into(),
                decimal,
                Default::default(),
            )
            .map(Self::Percent)
            .map_err(|e| format!("no percent data for {}: {e}", o.locale)),
            "currency" => currency(&locale, o, decimal).map(|f| Self::Currency(Box::new(f))),
            other => Err(format!("style {other:?} is not supported")),
        }
    }

    /// The parts of a number (already rounded by [`to_decimal`], except in compact
    /// notation, which rounds here); an error only for compact data ICU4X cannot apply.
    pub(crate) fn format(&self, d: &Decimal) -> Result<Vec<Part>, String> {
        Ok(match self {
            Self::Decimal(f) => parts_of(&f.format(d)),
            Self::Percent(f) => parts_of(&f.format(d)),
            Self::Currency(f) => parts_of(&f.format_fixed_decimal(d)),
            Self::Compact(f, o) => return compact_parts(f, o, d),
            Self::Unit(f) => f.format(d),
        })
    }
}

/// Compact notation (ECMA-402 ComputeExponent): pick the locale's exponent for the
/// number's magnitude, round the significand, and pick again if rounding carried it into
/// the next magnitude (999,950 is `1M`, not `1000K`).
fn compact_parts(
    f: &CompactDecimalFormatter,
    o: &NumberOptions,
    d: &Decimal,
) -> Result<Vec<Part>, String> {
    let sign = d.sign;
    let mut magnitude = if d.absolute.is_zero() {
        0
    } else {
        d.absolute.nonzero_magnitude_start()
    };
    let mut tries = 0;
    loop {
        let exponent = f.compact_exponent_for_magnitude(magnitude);
        let mut s = d.clone();
        s.sign = fixed_decimal::Sign::None;
        s.absolute.multiply_pow10(-i16::from(exponent));
        if o.explicit_digits() {
            round(&mut s, o);
        } else {
            round_compact_default(&mut s);
        }
        let rounded = if s.absolute.is_zero() {
            magnitude
        } else {
            s.absolute
                .nonzero_magnitude_start()
                .saturating_add(i16::from(exponent))
        };
        tries += 1;
        if rounded > magnitude && tries < 3 && f.compact_exponent_for_magnitude(rounded) != exponent
        {
            magnitude = rounded;
            continue;
        }
        if o.minimum_integer_digits > 1 {
            s.absolute.pad_start(i16::from(o.minimum_integer_digits));
        }
        s.sign = sign;
        s.apply_sign_display(sign_display(o));
        return f
            .format_with_exponent(&s, exponent)
            .map(|w| parts_of(&w))
            .map_err(|e| format!("compact notation: {e}"));
    }
}

fn currency(
    locale: &Locale,
    o: &NumberOptions,
    decimal: DecimalFormatter,
) -> Result<CurrencyFormatter<DecimalFormatter>, String> {
    let _ = decimal;
    let code = o.currency.as_deref().unwrap_or("");
    let code =
        CurrencyType::try_from_str(code).map_err(|_| format!("invalid currency code: {code:?}"))?;
    let prefs = locale.into();
    let made = match o.currency_display.as_str() {
        "symbol" => CurrencyFormatter::try_new_symbol(prefs, code, Default::default()),
        "narrowSymbol" => CurrencyFormatter::try_new_symbol_narrow(prefs, code, Default::default()),
        "code" => CurrencyFormatter::try_new_code(prefs, code, Default::default()),
        "name" => CurrencyFormatter::try_new_name(prefs, code),
        other => return Err(format!("currencyDisplay {other:?} is not supported")),
    };
    made.map_err(|e| format!("no currency data for {}: {e}", o.locale))
}
