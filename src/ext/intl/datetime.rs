//! `Intl.DateTimeFormat` over ICU4X's semantic field sets. ECMA-402's options are mapped
//! onto a field set (which fields, one length, a time precision); a combination ICU4X has
//! no field set for is refused by `js/intl.js` before it gets here, and anything this
//! module cannot express exactly is an error naming the option.

use icu::calendar::Date;
use icu::datetime::DateTimeFormatter;
use icu::datetime::fieldsets::builder::{DateFields, FieldSetBuilder, ZoneStyle};
use icu::datetime::fieldsets::enums::{CompositeDateTimeFieldSet, CompositeFieldSet};
use icu::datetime::options::{Length, TimePrecision, YearStyle};
use icu::time::zone::UtcOffset;
use icu::time::{DateTime, Time, TimeZone, ZonedDateTime};
use serde::Deserialize;

use super::core::{Part, parts_of};

/// A DateTimeFormat's options as `js/intl.js` resolved them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DateTimeOptions {
    /// The locale with its `-u-hc-`/`-u-ca-`/`-u-nu-` keywords already in it.
    pub(crate) locale: String,
    /// `YMD`, `MD`, `YMDE`, `MDE`, `DE`, `D`, `E`, `M`, `YM`, `Y`, or absent (time only).
    pub(crate) date_fields: Option<String>,
    /// `long`, `medium` or `short`.
    pub(crate) length: String,
    /// `hour`, `minute`, `second`, or absent (date only).
    pub(crate) time_precision: Option<String>,
    /// `full` (a 4-digit year) or `auto`.
    pub(crate) year_style: String,
    /// ECMA-402's `timeZoneName` (`short`, `long`, `shortOffset`, `longOffset`,
    /// `shortGeneric`, `longGeneric`), or absent.
    #[serde(default)]
    pub(crate) time_zone_name: Option<String>,
}

pub(crate) enum DateTimeFormat {
    Plain(DateTimeFormatter<CompositeDateTimeFieldSet>),
    /// With a time zone name: the instant is formatted as a zoned date-time.
    Zoned(DateTimeFormatter<CompositeFieldSet>),
}

impl DateTimeFormat {
    pub(crate) fn new(o: &DateTimeOptions) -> Result<Self, String> {
        let locale = super::core::locale(&o.locale)?;
        let mut b = FieldSetBuilder::new();
        b.length = Some(match o.length.as_str() {
            "long" => Length::Long,
            "short" => Length::Short,
            _ => Length::Medium,
        });
        b.date_fields = match o.date_fields.as_deref() {
            None => None,
            Some("YMD") => Some(DateFields::YMD),
            Some("MD") => Some(DateFields::MD),
            Some("YMDE") => Some(DateFields::YMDE),
            Some("MDE") => Some(DateFields::MDE),
            Some("DE") => Some(DateFields::DE),
            Some("D") => Some(DateFields::D),
            Some("E") => Some(DateFields::E),
            Some("M") => Some(DateFields::M),
            Some("YM") => Some(DateFields::YM),
            Some("Y") => Some(DateFields::Y),
            Some(other) => return Err(format!("no date field set {other:?}")),
        };
        b.time_precision = match o.time_precision.as_deref() {
            None => None,
            Some("hour") => Some(TimePrecision::Hour),
            Some("minute") => Some(TimePrecision::Minute),
            Some("second") => Some(TimePrecision::Second),
            Some(other) => return Err(format!("no time precision {other:?}")),
        };
        if b.date_fields.as_ref().is_some_and(|f| {
            matches!(
                f,
                DateFields::YMD | DateFields::YMDE | DateFields::YM | DateFields::Y
            )
        }) {
            b.year_style = Some(if o.year_style == "full" {
                YearStyle::Full
            } else {
                YearStyle::Auto
            });
        }
        let no_data = |e| format!("no date-time data for {}: {e}", o.locale);
        if let Some(name) = o.time_zone_name.as_deref() {
            b.zone_style = Some(match name {
                "short" => ZoneStyle::SpecificShort,
                "long" => ZoneStyle::SpecificLong,
                "shortOffset" => ZoneStyle::LocalizedOffsetShort,
                "longOffset" => ZoneStyle::LocalizedOffsetLong,
                "shortGeneric" => ZoneStyle::GenericShort,
                "longGeneric" => ZoneStyle::GenericLong,
                other => return Err(format!("timeZoneName {other:?} is not supported")),
            });
            let set = b.build_composite().map_err(|e| {
                format!("timeZoneName {name:?} cannot be formatted with these fields: {e}")
            })?;
            return DateTimeFormatter::try_new((&locale).into(), set)
                .map(Self::Zoned)
                .map_err(no_data);
        }
        let set = b
            .build_composite_datetime()
            .map_err(|e| format!("these date-time fields cannot be formatted together: {e}"))?;
        DateTimeFormatter::try_new((&locale).into(), set)
            .map(Self::Plain)
            .map_err(no_data)
    }

    /// Formats an instant in a time zone: `offset_ms` is the zone's offset from UTC then.
    pub(crate) fn format(
        &self,
        zone: &str,
        utc_ms: f64,
        offset_ms: f64,
    ) -> Result<Vec<Part>, String> {
        let dt = civil(utc_ms + offset_ms)?;
        match self {
            Self::Plain(f) => Ok(parts_of(&f.format(&dt))),
            Self::Zoned(f) => {
                let seconds = (offset_ms / 1000.0).round();
                // Offsets are within ±18 hours; anything else is not an offset.
                if !(-64_800.0..=64_800.0).contains(&seconds) {
                    return Err(format!("time zone offset out of range: {offset_ms} ms"));
                }
                let offset = UtcOffset::try_from_seconds(seconds as i32)
                    .map_err(|e| format!("time zone offset out of range: {e}"))?;
                let id = if zone == "UTC" {
                    TimeZone::from_iana_id("Etc/UTC")
                } else {
                    TimeZone::from_iana_id(zone)
                };
                let info = id.with_offset(Some(offset)).at_date_time(dt);
                let zoned = ZonedDateTime {
                    date: dt.date,
                    time: dt.time,
                    zone: info,
                };
                Ok(parts_of(&f.format(&zoned)))
            }
        }
    }
}

const MS_PER_DAY: i64 = 86_400_000;

/// The ISO date and time of a count of milliseconds since 1970 (ECMAScript's range,
/// ±8.64e15 ms, and no further).
pub(crate) fn civil(ms: f64) -> Result<DateTime<icu::calendar::Iso>, String> {
    if !ms.is_finite() || ms.abs() > 8.64e15 + 86_400_000.0 * 2.0 {
        return Err("Invalid time value".into());
    }
    let ms = ms.floor() as i64;
    let days = ms.div_euclid(MS_PER_DAY);
    let in_day = ms.rem_euclid(MS_PER_DAY);
    let (y, m, d) = days_to_civil(days);
    let year = i32::try_from(y).map_err(|_| "Invalid time value".to_string())?;
    let date = Date::try_new_iso(year, m, d).map_err(|e| format!("date out of range: {e}"))?;
    let secs = in_day / 1000;
    let time = Time::try_new(
        (secs / 3600) as u8,
        ((secs / 60) % 60) as u8,
        (secs % 60) as u8,
        ((in_day % 1000) * 1_000_000) as u32,
    )
    .map_err(|e| format!("time out of range: {e}"))?;
    Ok(DateTime { date, time })
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day); H. Hinnant's
/// `civil_from_days`, exact for the whole ECMAScript date range.
fn days_to_civil(z: i64) -> (i64, u8, u8) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u8;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u8;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// The offset from UTC, in milliseconds, of an IANA zone at an instant; `None` for a zone
/// the data does not know.
pub(crate) fn zone_offset_ms(zone: &str, utc_ms: f64) -> Option<f64> {
    if zone == "UTC" {
        return Some(0.0);
    }
    let info = zones()?;
    let z = info.get(zone)?;
    let secs = (utc_ms / 1000.0).floor();
    if !secs.is_finite() {
        return None;
    }
    Some(f64::from(z.for_timestamp(secs as i64).offset.seconds()) * 1000.0)
}

/// Whether the data knows an IANA zone (exact spelling; aliases resolve).
pub(crate) fn zone_known(zone: &str) -> bool {
    zone == "UTC" || zones().is_some_and(|z| z.get(zone).is_some())
}

fn zones() -> Option<&'static zoneinfo64::ZoneInfo64<'static>> {
    static ZONES: std::sync::OnceLock<Option<zoneinfo64::ZoneInfo64<'static>>> =
        std::sync::OnceLock::new();
    ZONES
        .get_or_init(|| {
            zoneinfo64::ZoneInfo64::try_from_u32s(zoneinfo64::ZONEINFO64_RES_FOR_TESTING).ok()
        })
        .as_ref()
}
