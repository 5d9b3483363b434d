//! `Intl.NumberFormat` with `style: "unit"`: the number is written by the isolate's
//! decimal formatter (grouping, numbering system, sign) and put into the unit's pattern
//! for its plural category, both from ICU4X's compiled CLDR data.
//!
//! ICU4X 2.4 has unit names for five categories (length, mass, volume, area, duration),
//! each split into the units a region uses (core), those other regions use (extended)
//! and the rest (outlier). A unit is looked up in all of them; a unit ICU4X has no names
//! for (`celsius`, `byte`, `percent`, ...) is a RangeError naming it.

use icu::decimal::DecimalFormatter;
use icu::decimal::input::Decimal;
use icu::experimental::dimension::provider::units::categorized_display_names::{
    UnitsNamesAreaCoreV1, UnitsNamesAreaExtendedV1, UnitsNamesAreaOutlierV1,
    UnitsNamesDurationCoreV1, UnitsNamesDurationExtendedV1, UnitsNamesDurationOutlierV1,
    UnitsNamesLengthCoreV1, UnitsNamesLengthExtendedV1, UnitsNamesLengthOutlierV1,
    UnitsNamesMassCoreV1, UnitsNamesMassExtendedV1, UnitsNamesMassOutlierV1,
    UnitsNamesVolumeCoreV1, UnitsNamesVolumeExtendedV1, UnitsNamesVolumeOutlierV1,
};
use icu::experimental::dimension::provider::units::display_names::UnitsDisplayNames;
use icu::experimental::provider::Baked;
use icu::locale::Locale;
use icu::plurals::PluralRules;
use icu_provider::marker::ErasedMarker;
use icu_provider::prelude::*;

use super::core::{Part, parts_of};
use super::number::NumberOptions;

type Names = DataPayload<ErasedMarker<UnitsDisplayNames<'static>>>;

/// A number formatter for one unit and width.
pub(crate) struct UnitFormatter {
    decimal: DecimalFormatter,
    plurals: PluralRules,
    names: Names,
}

impl UnitFormatter {
    pub(crate) fn new(
        locale: &Locale,
        o: &NumberOptions,
        decimal: DecimalFormatter,
    ) -> Result<Self, String> {
        let unit = o.unit.as_deref().unwrap_or("");
        if unit.contains("-per-") {
            return Err(format!(
                "unit {unit:?} is not supported: ICU4X 2.4's compiled data has no compound \
                 (per) unit names"
            ));
        }
        let width = match o.unit_display.as_str() {
            "long" => "long",
            "narrow" => "narrow",
            _ => "short",
        };
        let attribute = format!("{width}-{unit}");
        let names = lookup(locale, &attribute).ok_or_else(|| {
            format!("unit {unit:?} is not supported: ICU4X 2.4's compiled data has no names for it")
        })?;
        let plurals = PluralRules::try_new_cardinal(locale.into())
            .map_err(|e| format!("no plural rules for {locale}: {e}"))?;
        Ok(Self {
            decimal,
            plurals,
            names,
        })
    }

    pub(crate) fn format(&self, d: &Decimal) -> Vec<Part> {
        let pattern = self.names.get().get(d.into(), &self.plurals);
        parts_of(&pattern.interpolate((self.decimal.format(d),)))
    }
}

/// The names of a unit (`long-kilometer`): the first of the fifteen markers that has them
/// for the locale (or a parent), else CLDR's root names. Each marker falls back to root on
/// its own, so a root answer from one marker must not hide the locale's own names in the
/// next one (English keeps `kilogram` among the units other regions use: its core marker
/// answers with root's "kg" for a long name).
fn lookup(locale: &Locale, attribute: &str) -> Option<Names> {
    let attributes = DataMarkerAttributes::try_from_str(attribute).ok()?;
    let loaders: [Loader; 15] = [
        load::<UnitsNamesLengthCoreV1>,
        load::<UnitsNamesLengthExtendedV1>,
        load::<UnitsNamesLengthOutlierV1>,
        load::<UnitsNamesMassCoreV1>,
        load::<UnitsNamesMassExtendedV1>,
        load::<UnitsNamesMassOutlierV1>,
        load::<UnitsNamesVolumeCoreV1>,
        load::<UnitsNamesVolumeExtendedV1>,
        load::<UnitsNamesVolumeOutlierV1>,
        load::<UnitsNamesAreaCoreV1>,
        load::<UnitsNamesAreaExtendedV1>,
        load::<UnitsNamesAreaOutlierV1>,
        load::<UnitsNamesDurationCoreV1>,
        load::<UnitsNamesDurationExtendedV1>,
        load::<UnitsNamesDurationOutlierV1>,
    ];
    let mut root = None;
    for load in loaders {
        match load(locale, attributes) {
            Some((names, false)) => return Some(names),
            Some((names, true)) if root.is_none() => root = Some(names),
            _ => {}
        }
    }
    root
}

type Loader = fn(&Locale, &DataMarkerAttributes) -> Option<(Names, bool)>;

/// A marker's names for the unit, and whether they are root's (the locale had none).
fn load<M>(locale: &Locale, attributes: &DataMarkerAttributes) -> Option<(Names, bool)>
where
    M: DataMarker<DataStruct = UnitsDisplayNames<'static>>,
    Baked: DataProvider<M>,
{
    let data_locale = M::make_locale(locale.into());
    let response = DataProvider::<M>::load(
        &Baked,
        DataRequest {
            id: DataIdentifierBorrowed::for_marker_attributes_and_locale(attributes, &data_locale),
            ..Default::default()
        },
    )
    .ok()?;
    let is_root = response
        .metadata
        .locale
        .as_ref()
        .is_some_and(|l| l.is_unknown())
        && !data_locale.is_unknown();
    Some((response.payload.cast(), is_root))
}
