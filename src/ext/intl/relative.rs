//! `Intl.RelativeTimeFormat` over ICU4X's relative-time formatter (CLDR's
//! `relativeTime` patterns per unit and width, and the `relative` words such as
//! "yesterday" for `numeric: "auto"`).

use icu::decimal::input::Decimal;
use icu::experimental::relativetime::RelativeTimeFormatter;
use icu::experimental::relativetime::options::{Numeric, RelativeTimeFormatterOptions};
use serde::Deserialize;

use super::core::{Part, parts_of};

/// A RelativeTimeFormat's options as `js/intl.js` resolved them, and the unit being
/// formatted (each unit is its own ICU4X formatter).
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RelativeOptions {
    /// The locale, with `-u-nu-` if a numbering system was asked for.
    pub(crate) locale: String,
    /// `long`, `short` or `narrow`.
    pub(crate) style: String,
    /// `always` or `auto`.
    pub(crate) numeric: String,
    /// `second` .. `year`, singular.
    pub(crate) unit: String,
}

pub(crate) fn formatter(o: &RelativeOptions) -> Result<RelativeTimeFormatter, String> {
    let locale = super::core::locale(&o.locale)?;
    let prefs = (&locale).into();
    let options = RelativeTimeFormatterOptions::default().with_numeric(if o.numeric == "auto" {
        Numeric::Auto
    } else {
        Numeric::Always
    });
    type Make = fn(
        icu::experimental::relativetime::RelativeTimeFormatterPreferences,
        RelativeTimeFormatterOptions,
    ) -> Result<RelativeTimeFormatter, icu_provider::DataError>;
    let make: Make = match (o.style.as_str(), o.unit.as_str()) {
        ("long", "second") => RelativeTimeFormatter::try_new_long_second,
        ("long", "minute") => RelativeTimeFormatter::try_new_long_minute,
        ("long", "hour") => RelativeTimeFormatter::try_new_long_hour,
        ("long", "day") => RelativeTimeFormatter::try_new_long_day,
        ("long", "week") => RelativeTimeFormatter::try_new_long_week,
        ("long", "month") => RelativeTimeFormatter::try_new_long_month,
        ("long", "quarter") => RelativeTimeFormatter::try_new_long_quarter,
        ("long", "year") => RelativeTimeFormatter::try_new_long_year,
        ("short", "second") => RelativeTimeFormatter::try_new_short_second,
        ("short", "minute") => RelativeTimeFormatter::try_new_short_minute,
        ("short", "hour") => RelativeTimeFormatter::try_new_short_hour,
        ("short", "day") => RelativeTimeFormatter::try_new_short_day,
        ("short", "week") => RelativeTimeFormatter::try_new_short_week,
        ("short", "month") => RelativeTimeFormatter::try_new_short_month,
        ("short", "quarter") => RelativeTimeFormatter::try_new_short_quarter,
        ("short", "year") => RelativeTimeFormatter::try_new_short_year,
        ("narrow", "second") => RelativeTimeFormatter::try_new_narrow_second,
        ("narrow", "minute") => RelativeTimeFormatter::try_new_narrow_minute,
        ("narrow", "hour") => RelativeTimeFormatter::try_new_narrow_hour,
        ("narrow", "day") => RelativeTimeFormatter::try_new_narrow_day,
        ("narrow", "week") => RelativeTimeFormatter::try_new_narrow_week,
        ("narrow", "month") => RelativeTimeFormatter::try_new_narrow_month,
        ("narrow", "quarter") => RelativeTimeFormatter::try_new_narrow_quarter,
        ("narrow", "year") => RelativeTimeFormatter::try_new_narrow_year,
        (style, unit) => return Err(format!("Invalid unit argument {unit:?} (style {style:?})")),
    };
    make(prefs, options).map_err(|e| format!("no relative-time data for {}: {e}", o.locale))
}

/// The parts of a relative time; `value` is already rounded (NumberFormat's defaults) and
/// signed (negative, including -0, is the past).
pub(crate) fn format(f: &RelativeTimeFormatter, value: Decimal) -> Vec<Part> {
    parts_of(&f.format(value))
}
