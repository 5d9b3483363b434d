//! `Intl.DisplayNames` over ICU4X's CLDR display names: languages (with CLDR's dialect
//! names such as "American English"), regions, scripts and currencies.
//!
//! ICU4X 2.4 builds a name that needs qualifiers ("English (India)") with a hard-coded
//! `" ("`, `", "`, `")"` rather than the locale's own display pattern (Chinese writes
//! `（…）`, Japanese separates with `、`), so such a name is refused with a RangeError
//! rather than returned; a code the data names whole is answered.

use std::borrow::Cow;

use icu::experimental::dimension::provider::currency::displayname::CurrencyDisplaynameV1;
use icu::experimental::displaynames::multi::{
    LanguageDisplayNames, LocaleDisplayNamesFormatter, RegionDisplayNames, ScriptDisplayNames,
};
use icu::experimental::displaynames::{DisplayNamesOptions, LanguageDisplay, Style};
use icu::experimental::provider::Baked;
use icu::locale::Locale;
use icu_provider::prelude::*;
use serde::Deserialize;

/// A DisplayNames' options as `js/intl.js` resolved them.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NamesOptions {
    pub(crate) locale: String,
    /// `language`, `region`, `script` or `currency`.
    #[serde(rename = "type")]
    pub(crate) kind: String,
    /// `long`, `short` or `narrow`.
    pub(crate) style: String,
    /// `dialect` or `standard` (type `language`).
    pub(crate) language_display: String,
}

pub(crate) enum Names {
    Language(LanguageDisplayNames, Box<LocaleDisplayNamesFormatter>),
    Region(RegionDisplayNames),
    Script(ScriptDisplayNames),
    Currency(Locale),
}

impl Names {
    pub(crate) fn new(o: &NamesOptions) -> Result<Self, String> {
        let locale = super::core::locale(&o.locale)?;
        let mut options = DisplayNamesOptions::default();
        // CLDR has no narrow names for languages, regions or scripts, only short ones
        // ("US", "US English"); ICU (and so V8) answers narrow with those.
        options.style = Some(match o.style.as_str() {
            "short" | "narrow" => Style::Short,
            _ => Style::Long,
        });
        options.language_display = if o.language_display == "standard" {
            LanguageDisplay::Standard
        } else {
            LanguageDisplay::Dialect
        };
        let prefs = (&locale).into();
        let no_data = |e: DataError| format!("no display names for {}: {e}", o.locale);
        Ok(match o.kind.as_str() {
            "language" => Self::Language(
                LanguageDisplayNames::try_new(prefs, options).map_err(no_data)?,
                Box::new(LocaleDisplayNamesFormatter::try_new(prefs, options).map_err(no_data)?),
            ),
            "region" => Self::Region(RegionDisplayNames::try_new(prefs, options).map_err(no_data)?),
            "script" => Self::Script(ScriptDisplayNames::try_new(prefs, options).map_err(no_data)?),
            "currency" => Self::Currency(locale),
            other => return Err(format!("type {other:?} is not supported")),
        })
    }

    /// The name of a code `js/intl.js` has checked and canonicalized; `None` when the data
    /// has none (the caller applies `fallback`), an error for a name ICU4X would assemble
    /// with the wrong pattern.
    pub(crate) fn of(&self, code: &str) -> Result<Option<String>, String> {
        let bad = || format!("invalid code {code:?}");
        match self {
            Self::Language(languages, locales) => {
                let tag = Locale::try_from_str(code).map_err(|_| bad())?;
                let id = &tag.id;
                if id.script.is_none() && id.region.is_none() && id.variants.is_empty() {
                    return Ok(languages.of(id.language).map(str::to_string));
                }
                match locales.of(&tag) {
                    // The data names the whole code ("American English").
                    Cow::Borrowed(name) => Ok(Some(name.to_string())),
                    Cow::Owned(_) => Err(format!(
                        "the name of {code:?} needs the locale's display pattern for \
                         qualifiers, which ICU4X 2.4's data does not have"
                    )),
                }
            }
            Self::Region(regions) => {
                let region = code.parse().map_err(|_| bad())?;
                Ok(regions.of(region).map(str::to_string))
            }
            Self::Script(scripts) => {
                let script = code.parse().map_err(|_| bad())?;
                Ok(scripts.of(script).map(str::to_string))
            }
            Self::Currency(locale) => {
                let attributes = DataMarkerAttributes::try_from_str(code).map_err(|_| bad())?;
                let data_locale = CurrencyDisplaynameV1::make_locale(locale.into());
                let found = DataProvider::<CurrencyDisplaynameV1>::load(
                    &Baked,
                    DataRequest {
                        id: DataIdentifierBorrowed::for_marker_attributes_and_locale(
                            attributes,
                            &data_locale,
                        ),
                        ..Default::default()
                    },
                );
                Ok(found.ok().map(|r| {
                    let name: &str = r.payload.get();
                    name.to_string()
                }))
            }
        }
    }
}
