// Intl (issue 15): ECMA-402 over ICU4X (src/ext/intl/). Only on the quickjs engine; V8
// has its own.
//
// This file reads and checks the options the way ECMA-402 does (order, types, ranges) and
// hands the resolved options to the ops, which make an ICU4X formatter on first use. What
// is not implemented throws a RangeError (or TypeError) naming the option; nothing answers
// with a guess. Evaluated into the startup snapshot: the classes cost a plugin nothing
// until it formats.

import { core, internals } from "ext:core/mod.js";

const {
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
} = core.ops;

const ObjectDefineProperty = Object.defineProperty;
const ObjectFreeze = Object.freeze;
const ArrayIsArray = Array.isArray;
const ArrayPrototypePush = Array.prototype.push;
const ArrayPrototypeJoin = Array.prototype.join;
const ArrayPrototypeMap = Array.prototype.map;
const FunctionPrototypeCall = Function.prototype.call;
const call = (fn, self, ...args) => FunctionPrototypeCall.call(fn, self, ...args);
const StringPrototypeToLowerCase = String.prototype.toLowerCase;
const StringPrototypeIndexOf = String.prototype.indexOf;
const StringPrototypeSlice = String.prototype.slice;
const StringPrototypeSplit = String.prototype.split;
const RegExpPrototypeTest = RegExp.prototype.test;
const NumberIsNaN = Number.isNaN;
const MathFloor = Math.floor;
const MathAbs = Math.abs;
const MathMin = Math.min;
const MathMax = Math.max;
const DateNow = Date.now;
const DatePrototypeGetTime = Date.prototype.getTime;
const BigIntPrototypeToString = BigInt.prototype.toString;
const NumberPrototypeValueOf = Number.prototype.valueOf;
const BigIntPrototypeValueOf = BigInt.prototype.valueOf;
const SymbolIterator = Symbol.iterator;
const SymbolToStringTag = Symbol.toStringTag;
const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const StringCtor = String;
const NumberCtor = Number;
const ObjectCtor = Object;

const DEFAULT_LOCALE = "en-US";
const DEFAULT_TIME_ZONE = "UTC";
const test = (re, s) => call(RegExpPrototypeTest, re, s);
const lower = (s) => call(StringPrototypeToLowerCase, s);

function unsupported(ctor, option, value) {
  return new RangeErrorCtor(
    `${ctor}: ${option} ${JSON.stringify(value)} is not supported by this runtime's Intl (ICU4X)`,
  );
}

// ---------------------------------------------------------------------------------------
// Locales

const localeSlot = new WeakMap();

function canonicalizeTag(tag) {
  if (typeof tag !== "string") {
    throw new TypeErrorCtor(`Language ID should be string or object, got ${typeof tag}`);
  }
  if (tag === "" || !test(/^[A-Za-z0-9-]+$/, tag)) {
    throw new RangeErrorCtor(`Incorrect locale information provided: ${JSON.stringify(tag)}`);
  }
  return op_intl_locale("canonical", tag);
}

// ECMA-402 CanonicalizeLocaleList.
function canonicalizeLocaleList(locales) {
  if (locales === undefined) return [];
  const seen = [];
  if (typeof locales === "string" || localeSlot.has(locales)) {
    locales = [locales];
  } else {
    locales = ObjectCtor(locales);
  }
  const len = MathMin(MathMax(MathFloor(NumberCtor(locales.length)) || 0, 0), 2 ** 32 - 1);
  for (let k = 0; k < len; k++) {
    if (!(k in locales)) continue;
    const value = locales[k];
    if (typeof value !== "string" && (typeof value !== "object" || value === null)) {
      throw new TypeErrorCtor(`Language ID should be string or object, got ${typeof value}`);
    }
    const tag = localeSlot.has(value) ? localeSlot.get(value).tag : canonicalizeTag(StringCtor(value));
    if (seen.indexOf(tag) < 0) {
      call(ArrayPrototypePush, seen, tag);
    }
  }
  return seen;
}

// A language ICU4X's likely-subtags data knows ("und" and made-up languages are not).
function isSupported(tag) {
  const base = stripExtensions(tag);
  if (base === "und" || test(/^und-/, base)) return false;
  try {
    const max = op_intl_locale("maximize", base);
    return max !== base || test(/^[a-z]{2,3}-[A-Z][a-z]{3}-[A-Z0-9]{2,3}/, max);
  } catch {
    return false;
  }
}

function stripExtensions(tag) {
  const i = call(StringPrototypeIndexOf, tag, "-u-");
  const x = call(StringPrototypeIndexOf, tag, "-x-");
  let end = tag.length;
  if (i >= 0) end = i;
  if (x >= 0 && x < end) end = x;
  // Other singletons (-t-, -a-...) end the base name too.
  const m = /-[0-9a-wyz]-/.exec(call(StringPrototypeSlice, tag, 0, end));
  if (m) end = m.index;
  return call(StringPrototypeSlice, tag, 0, end);
}

// The Unicode extension keywords of a canonical tag, e.g. { nu: "arab", hc: "h12" }.
function unicodeKeywords(tag) {
  const out = { __proto__: null };
  const i = call(StringPrototypeIndexOf, tag, "-u-");
  if (i < 0) return out;
  const rest = call(StringPrototypeSplit, call(StringPrototypeSlice, tag, i + 3), "-");
  let key = null;
  for (const sub of rest) {
    if (sub.length === 1) break;
    if (sub.length === 2) {
      key = sub;
      out[key] = "true";
    } else if (key !== null) {
      out[key] = out[key] === "true" ? sub : `${out[key]}-${sub}`;
    }
  }
  return out;
}

function withKeywords(base, keywords) {
  const keys = [];
  for (const k of ["ca", "co", "hc", "kf", "kn", "nu"]) {
    if (keywords[k] !== undefined) call(ArrayPrototypePush, keys, `${k}-${keywords[k]}`);
  }
  return keys.length ? `${base}-u-${call(ArrayPrototypeJoin, keys, "-")}` : base;
}

// ResolveLocale: the first requested locale with data, with the relevant -u- keywords
// it asked for; else the default.
function resolveLocale(locales, relevant) {
  const list = canonicalizeLocaleList(locales);
  for (const tag of list) {
    if (!isSupported(tag)) continue;
    const asked = unicodeKeywords(tag);
    const kept = { __proto__: null };
    for (const k of relevant) if (asked[k] !== undefined) kept[k] = asked[k];
    return { base: stripExtensions(tag), keywords: kept };
  }
  return { base: DEFAULT_LOCALE, keywords: { __proto__: null } };
}

function supportedLocalesOf(locales, options) {
  const list = canonicalizeLocaleList(locales);
  if (options !== undefined) {
    getOption(ObjectCtor(options), "localeMatcher", ["lookup", "best fit"], "best fit");
  }
  const out = [];
  for (const tag of list) if (isSupported(tag)) call(ArrayPrototypePush, out, tag);
  return out;
}

// ---------------------------------------------------------------------------------------
// Options

function getOptionsObject(options) {
  if (options === undefined) return { __proto__: null };
  if (options === null) throw new TypeErrorCtor("Cannot convert null to object");
  return ObjectCtor(options);
}

function getOption(options, name, values, fallback, type = "string") {
  let value = options[name];
  if (value === undefined) return fallback;
  if (type === "boolean") return !!value;
  value = StringCtor(value);
  if (values !== undefined && values.indexOf(value) < 0) {
    throw new RangeErrorCtor(`Value ${value} out of range for options property ${name}`);
  }
  return value;
}

function defaultNumberOption(value, min, max, fallback, name) {
  if (value === undefined) return fallback;
  value = NumberCtor(value);
  if (NumberIsNaN(value) || value < min || value > max) {
    throw new RangeErrorCtor(`${name} value is out of range.`);
  }
  return MathFloor(value);
}

function getNumberOption(options, name, min, max, fallback) {
  return defaultNumberOption(options[name], min, max, fallback, name);
}

// ISO 4217 minor units, where they are not 2 (ECMA-402 CurrencyDigits).
const CURRENCY_DIGITS = {
  __proto__: null,
  BHD: 3, BIF: 0, CLF: 4, CLP: 0, DJF: 0, GNF: 0, IQD: 3, ISK: 0, JOD: 3, JPY: 0, KMF: 0,
  KRW: 0, KWD: 3, LYD: 3, OMR: 3, PYG: 0, RWF: 0, TND: 3, UGX: 0, UYI: 0, UYW: 4, VND: 0,
  VUV: 0, XAF: 0, XOF: 0, XPF: 0,
};

// SetNumberFormatDigitOptions (roundingPriority "auto" only).
function digitOptions(options, mnfdDefault, mxfdDefault, ctor, allowFractionOptions) {
  const mnid = getNumberOption(options, "minimumIntegerDigits", 1, 21, 1);
  const mnfd = options.minimumFractionDigits;
  const mxfd = options.maximumFractionDigits;
  const mnsd = options.minimumSignificantDigits;
  const mxsd = options.maximumSignificantDigits;
  const roundingIncrement = getNumberOption(options, "roundingIncrement", 1, 5000, 1);
  if (roundingIncrement !== 1) throw unsupported(ctor, "roundingIncrement", roundingIncrement);
  const roundingMode = getOption(options, "roundingMode",
    ["ceil", "floor", "expand", "trunc", "halfCeil", "halfFloor", "halfExpand", "halfTrunc", "halfEven"],
    "halfExpand");
  if (roundingMode !== "halfExpand") throw unsupported(ctor, "roundingMode", roundingMode);
  const roundingPriority = getOption(options, "roundingPriority", ["auto", "morePrecision", "lessPrecision"], "auto");
  if (roundingPriority !== "auto") throw unsupported(ctor, "roundingPriority", roundingPriority);
  const trailingZeroDisplay = getOption(options, "trailingZeroDisplay", ["auto", "stripIfInteger"], "auto");
  if (trailingZeroDisplay !== "auto") throw unsupported(ctor, "trailingZeroDisplay", trailingZeroDisplay);
  const out = {
    minimumIntegerDigits: mnid,
    minimumFractionDigits: null,
    maximumFractionDigits: null,
    minimumSignificantDigits: null,
    maximumSignificantDigits: null,
  };
  if (mnsd !== undefined || mxsd !== undefined) {
    if (!allowFractionOptions) throw unsupported(ctor, "significant digits with style", "currency");
    const min = defaultNumberOption(mnsd, 1, 21, 1, "minimumSignificantDigits");
    out.minimumSignificantDigits = min;
    out.maximumSignificantDigits = defaultNumberOption(mxsd, min, 21, 21, "maximumSignificantDigits");
    return out;
  }
  let min = defaultNumberOption(mnfd, 0, 100, undefined, "minimumFractionDigits");
  let max = defaultNumberOption(mxfd, 0, 100, undefined, "maximumFractionDigits");
  if ((min !== undefined || max !== undefined) && !allowFractionOptions) {
    throw unsupported(ctor, "fraction digits with style", "currency");
  }
  if (min === undefined && max === undefined) {
    min = mnfdDefault;
    max = mxfdDefault;
  } else if (min === undefined) {
    min = MathMin(mnfdDefault, max);
  } else if (max === undefined) {
    max = MathMax(mxfdDefault, min);
  } else if (min > max) {
    throw new RangeErrorCtor("maximumFractionDigits value is out of range.");
  }
  out.minimumFractionDigits = min;
  out.maximumFractionDigits = max;
  return out;
}

// ---------------------------------------------------------------------------------------
// NumberFormat

const numberSlot = new WeakMap();

function numberFormatSlots(locales, options, ctor = "Intl.NumberFormat") {
  options = getOptionsObject(options);
  getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
  const numberingSystem = getOption(options, "numberingSystem", undefined, undefined);
  if (numberingSystem !== undefined && !test(/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/, numberingSystem)) {
    throw new RangeErrorCtor(`Invalid numberingSystem: ${numberingSystem}`);
  }
  const { base, keywords } = resolveLocale(locales, ["nu"]);
  if (numberingSystem !== undefined) keywords.nu = lower(numberingSystem);
  const style = getOption(options, "style", ["decimal", "percent", "currency", "unit"], "decimal");
  let currency = getOption(options, "currency", undefined, undefined);
  if (currency !== undefined && !test(/^[A-Za-z]{3}$/, currency)) {
    throw new RangeErrorCtor(`Invalid currency code : ${currency}`);
  }
  const currencyDisplay = getOption(options, "currencyDisplay", ["code", "symbol", "narrowSymbol", "name"], "symbol");
  const currencySign = getOption(options, "currencySign", ["standard", "accounting"], "standard");
  const unit = getOption(options, "unit", undefined, undefined);
  if (unit !== undefined && !isWellFormedUnit(unit)) {
    const shown = unit.length > 40 ? `${call(StringPrototypeSlice, unit, 0, 40)}...` : unit;
    throw new RangeErrorCtor(`Invalid unit argument for Intl.NumberFormat() '${shown}'`);
  }
  const unitDisplay = getOption(options, "unitDisplay", ["short", "narrow", "long"], "short");
  if (style === "currency" && currency === undefined) {
    throw new TypeErrorCtor("Currency code is required with currency style.");
  }
  if (style === "unit" && unit === undefined) {
    throw new TypeErrorCtor("Unit is required with unit style.");
  }
  if (currency !== undefined) currency = call(String.prototype.toUpperCase, currency);
  if (currencySign !== "standard") throw unsupported(ctor, "currencySign", currencySign);
  const notation = getOption(options, "notation", ["standard", "scientific", "engineering", "compact"], "standard");
  if (notation !== "standard" && notation !== "compact") throw unsupported(ctor, "notation", notation);
  if (notation === "compact" && style !== "decimal") throw unsupported(ctor, "notation", `compact with style ${style}`);
  // Compact notation without digit options rounds its own way (ECMA-402: the more
  // precise of 0 fraction digits and 2 significant digits).
  const compactRounding = notation === "compact" && ["minimumFractionDigits", "maximumFractionDigits",
    "minimumSignificantDigits", "maximumSignificantDigits"].every((k) => options[k] === undefined);
  const cDigits = style === "currency" ? (CURRENCY_DIGITS[currency] ?? 2) : 0;
  const digits = digitOptions(
    options,
    style === "currency" ? cDigits : 0,
    style === "currency" ? cDigits : style === "percent" ? 0 : 3,
    ctor,
    style !== "currency",
  );
  const compactDisplay = getOption(options, "compactDisplay", ["short", "long"], "short");
  let useGrouping = options.useGrouping;
  if (useGrouping === undefined) useGrouping = notation === "compact" ? "min2" : "auto";
  else if (useGrouping === true) useGrouping = "always";
  else if (useGrouping === false || useGrouping === null || useGrouping === 0 || useGrouping === "") useGrouping = false;
  else {
    useGrouping = StringCtor(useGrouping);
    if (useGrouping === "true" || useGrouping === "false") useGrouping = "auto";
    else if (useGrouping !== "min2" && useGrouping !== "auto" && useGrouping !== "always") {
      throw new RangeErrorCtor(`Value ${useGrouping} out of range for Intl.NumberFormat options property useGrouping`);
    }
  }
  const signDisplay = getOption(options, "signDisplay", ["auto", "never", "always", "exceptZero", "negative"], "auto");
  const locale = withKeywords(base, keywords);
  return {
    resolved: {
      locale,
      numberingSystem: keywords.nu,
      style,
      currency: style === "currency" ? currency : undefined,
      currencyDisplay: style === "currency" ? currencyDisplay : undefined,
      currencySign: style === "currency" ? currencySign : undefined,
      unit: style === "unit" ? unit : undefined,
      unitDisplay: style === "unit" ? unitDisplay : undefined,
      digits,
      compactRounding,
      useGrouping,
      notation,
      compactDisplay: notation === "compact" ? compactDisplay : undefined,
      signDisplay,
    },
    op: {
      locale,
      style,
      currency: style === "currency" ? currency : null,
      currencyDisplay,
      useGrouping: useGrouping === false ? "false" : useGrouping,
      signDisplay,
      ...digits,
      ...(compactRounding
        ? { minimumFractionDigits: null, maximumFractionDigits: null, minimumSignificantDigits: null, maximumSignificantDigits: null }
        : {}),
      notation,
      compactDisplay,
      unit: style === "unit" ? unit : null,
      unitDisplay,
    },
  };
}

// ECMA-402's sanctioned single units, and IsWellFormedUnitIdentifier (one, or X-per-Y).
const SANCTIONED_UNITS = [
  "acre", "bit", "byte", "celsius", "centimeter", "day", "degree", "fahrenheit", "fluid-ounce", "foot",
  "gallon", "gigabit", "gigabyte", "gram", "hectare", "hour", "inch", "kilobit", "kilobyte", "kilogram",
  "kilometer", "liter", "megabit", "megabyte", "meter", "microsecond", "mile", "mile-scandinavian",
  "milliliter", "millimeter", "millisecond", "minute", "month", "nanosecond", "ounce", "percent",
  "petabyte", "pound", "second", "stone", "terabit", "terabyte", "week", "yard", "year",
];

function isWellFormedUnit(unit) {
  if (SANCTIONED_UNITS.indexOf(unit) >= 0) return true;
  const i = call(StringPrototypeIndexOf, unit, "-per-");
  if (i < 0) return false;
  const num = call(StringPrototypeSlice, unit, 0, i);
  const den = call(StringPrototypeSlice, unit, i + 5);
  return SANCTIONED_UNITS.indexOf(num) >= 0 && SANCTIONED_UNITS.indexOf(den) >= 0;
}

// ToIntlMathematicalValue: a double, or the exact digits of a BigInt or decimal string.
function mathematicalValue(value) {
  if (typeof value === "bigint") return [0, call(BigIntPrototypeToString, value)];
  if (typeof value === "object" && value !== null) {
    value = value.valueOf();
    if (typeof value === "bigint") return [0, call(BigIntPrototypeToString, value)];
  }
  if (typeof value === "string") {
    const s = value.trim();
    if (test(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,4})?$/, s) && s.length <= 400) {
      return [NumberCtor(s), s[0] === "+" ? s.slice(1) : s];
    }
  }
  const n = NumberCtor(value);
  if (NumberIsNaN(n)) {
    throw new RangeErrorCtor("Intl.NumberFormat: NaN cannot be formatted (ICU4X's data has no NaN symbol)");
  }
  return [n, ""];
}

function formatNumberToParts(slots, value) {
  const [n, digits] = mathematicalValue(value);
  return op_intl_number_format(slots.op, n, digits);
}

const NUMBER_PART_TYPES = {
  __proto__: null,
  integer: "integer",
  fraction: "fraction",
  group: "group",
  decimal: "decimal",
  minusSign: "minusSign",
  plusSign: "plusSign",
  infinity: "infinity",
};

function numberParts(slots, value) {
  const raw = formatNumberToParts(slots, value);
  const out = [];
  for (const p of raw) {
    // The innermost of ICU4X's part names says what the text is.
    const names = p.type.split("/");
    let type = NUMBER_PART_TYPES[names[names.length - 1]];
    if (type === undefined) {
      // Unlabelled text around the number: the percent sign, the currency, spacing.
      const trimmed = p.value.replace(/[\s\u200e\u200f\u061c]/g, "");
      if (trimmed === "") type = "literal";
      else if (slots.resolved.style === "percent" && /^[%\u066a\u2030]$/.test(trimmed)) type = "percentSign";
      else if (slots.resolved.style === "currency") type = "currency";
      else if (slots.resolved.style === "unit") {
        splitAround(out, p.value, "unit");
        continue;
      } else if (slots.resolved.notation === "compact") {
        splitAround(out, p.value, "compact");
        continue;
      } else type = "literal";
    } else if ((type === "minusSign" || type === "plusSign") && test(/^[\u200e\u200f\u061c]/, p.value)) {
      // ICU4X writes a sign's direction mark inside the sign; ECMA-402 (and ICU) make it a literal.
      const m = /^([\u200e\u200f\u061c]+)([\s\S]*)$/.exec(p.value);
      pushPart(out, "literal", m[1]);
      if (m[2] !== "") pushPart(out, type, m[2]);
      continue;
    }
    pushPart(out, type, p.value);
  }
  return out;
}

// Text around a number: its spacing and direction marks are literals, the rest (a unit's
// name, a compact suffix) is one part of `type`.
function splitAround(out, text, type) {
  const m = /^([\s\u200e\u200f\u061c]*)([\s\S]*?)([\s\u200e\u200f\u061c]*)$/.exec(text);
  if (m[1] !== "") pushPart(out, "literal", m[1]);
  if (m[2] !== "") pushPart(out, type, m[2]);
  if (m[3] !== "") pushPart(out, "literal", m[3]);
}

// Appends a part, joining it to the last one when they are the same kind.
function pushPart(out, type, value) {
  const last = out[out.length - 1];
  if (last !== undefined && last.type === type) last.value += value;
  else call(ArrayPrototypePush, out, { type, value });
}

function joinParts(parts) {
  let s = "";
  for (const p of parts) s += p.value;
  return s;
}

class NumberFormat {
  constructor(locales, options) {
    numberSlot.set(this, numberFormatSlots(locales, options));
  }
  get format() {
    const slots = slotOf(numberSlot, this, "Intl.NumberFormat.prototype.format");
    if (slots.bound === undefined) {
      slots.bound = (value) => joinParts(formatNumberToParts(slots, value));
    }
    return slots.bound;
  }
  formatToParts(value) {
    return numberParts(slotOf(numberSlot, this, "Intl.NumberFormat.prototype.formatToParts"), value);
  }
  resolvedOptions() {
    const r = slotOf(numberSlot, this, "Intl.NumberFormat.prototype.resolvedOptions").resolved;
    const out = { locale: r.locale, numberingSystem: r.numberingSystem ?? defaultNumberingSystem(r.locale), style: r.style };
    if (r.style === "currency") {
      out.currency = r.currency;
      out.currencyDisplay = r.currencyDisplay;
      out.currencySign = r.currencySign;
    }
    if (r.style === "unit") {
      out.unit = r.unit;
      out.unitDisplay = r.unitDisplay;
    }
    out.minimumIntegerDigits = r.digits.minimumIntegerDigits;
    if (r.compactRounding) {
      out.minimumSignificantDigits = 1;
      out.maximumSignificantDigits = 2;
      out.minimumFractionDigits = 0;
      out.maximumFractionDigits = 0;
    } else if (r.digits.minimumSignificantDigits !== null) {
      out.minimumSignificantDigits = r.digits.minimumSignificantDigits;
      out.maximumSignificantDigits = r.digits.maximumSignificantDigits;
    } else {
      out.minimumFractionDigits = r.digits.minimumFractionDigits;
      out.maximumFractionDigits = r.digits.maximumFractionDigits;
    }
    out.useGrouping = r.useGrouping;
    out.notation = r.notation;
    if (r.notation === "compact") out.compactDisplay = r.compactDisplay;
    out.signDisplay = r.signDisplay;
    out.roundingMode = "halfExpand";
    out.roundingIncrement = 1;
    out.trailingZeroDisplay = "auto";
    out.roundingPriority = r.compactRounding ? "morePrecision" : "auto";
    return out;
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// The digits a locale writes numbers with: read off a formatted zero.
function defaultNumberingSystem(locale) {
  const zero = joinParts(op_intl_number_format({
    locale, style: "decimal", currency: null, currencyDisplay: "symbol", useGrouping: "auto",
    signDisplay: "auto", minimumIntegerDigits: 1, minimumFractionDigits: 0, maximumFractionDigits: 0,
    minimumSignificantDigits: null, maximumSignificantDigits: null,
  }, 0, ""));
  const systems = {
    "0": "latn", "\u0660": "arab", "\u06f0": "arabext", "\u0966": "deva", "\u09e6": "beng", "\u0e50": "thai",
    "\u1040": "mymr",
  };
  return systems[zero] ?? "latn";
}

function slotOf(map, self, method) {
  const slots = typeof self === "object" && self !== null ? map.get(self) : undefined;
  if (slots === undefined) {
    throw new TypeErrorCtor(`Method ${method} called on incompatible receiver ${typeof self === "object" ? "object" : StringCtor(self)}`);
  }
  return slots;
}

// ---------------------------------------------------------------------------------------
// PluralRules

const pluralSlot = new WeakMap();

class PluralRules {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.PluralRules requires 'new'");
    options = getOptionsObject(options);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const type = getOption(options, "type", ["cardinal", "ordinal"], "cardinal");
    const digits = digitOptions(options, 0, 3, "Intl.PluralRules", true);
    const { base } = resolveLocale(locales, []);
    pluralSlot.set(this, { locale: base, type, digits });
  }
  select(n) {
    const s = slotOf(pluralSlot, this, "Intl.PluralRules.prototype.select");
    n = NumberCtor(n);
    if (!NumberCtor.isFinite(n)) return "other";
    return op_intl_plural_select(pluralOptions(s), s.type === "ordinal", n);
  }
  resolvedOptions() {
    const s = slotOf(pluralSlot, this, "Intl.PluralRules.prototype.resolvedOptions");
    const out = { locale: s.locale, type: s.type, minimumIntegerDigits: s.digits.minimumIntegerDigits };
    if (s.digits.minimumSignificantDigits !== null) {
      out.minimumSignificantDigits = s.digits.minimumSignificantDigits;
      out.maximumSignificantDigits = s.digits.maximumSignificantDigits;
    } else {
      out.minimumFractionDigits = s.digits.minimumFractionDigits;
      out.maximumFractionDigits = s.digits.maximumFractionDigits;
    }
    const order = ["zero", "one", "two", "few", "many", "other"];
    const cats = op_intl_plural_categories(s.locale, s.type === "ordinal");
    out.pluralCategories = order.filter((c) => cats.indexOf(c) >= 0);
    out.roundingIncrement = 1;
    out.roundingMode = "halfExpand";
    out.roundingPriority = "auto";
    out.trailingZeroDisplay = "auto";
    return out;
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

function pluralOptions(s) {
  return {
    locale: s.locale, style: "decimal", currency: null, currencyDisplay: "symbol", useGrouping: "auto",
    signDisplay: "auto", ...s.digits,
  };
}

// ---------------------------------------------------------------------------------------
// DateTimeFormat

const dateSlot = new WeakMap();

function canonicalTimeZone(tz) {
  const name = StringCtor(tz);
  const l = lower(name);
  if (l === "utc" || l === "etc/utc" || l === "gmt" || l === "etc/gmt" || l === "etc/universal" ||
    l === "etc/zulu" || l === "universal" || l === "zulu" || l === "etc/uct" || l === "uct" ||
    l === "etc/greenwich" || l === "greenwich" || l === "etc/gmt0" || l === "etc/gmt+0" || l === "etc/gmt-0" ||
    l === "gmt0" || l === "gmt+0" || l === "gmt-0") {
    return "UTC";
  }
  if (name.length > 64 || !op_intl_zone_known(name)) {
    throw new RangeErrorCtor(`Invalid time zone specified: ${name}`);
  }
  return name;
}

// ECMA-402 ToDateTimeOptions: which defaults apply when no field is asked for.
const DATE_FIELDS = ["weekday", "year", "month", "day"];
const TIME_FIELDS = ["dayPeriod", "hour", "minute", "second", "fractionalSecondDigits"];

function dateTimeFormatSlots(locales, options, required, defaults) {
  options = getOptionsObject(options);
  const ctor = "Intl.DateTimeFormat";
  getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
  const calendar = getOption(options, "calendar", undefined, undefined);
  const numberingSystem = getOption(options, "numberingSystem", undefined, undefined);
  if (calendar !== undefined && !test(/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/, calendar)) {
    throw new RangeErrorCtor(`Invalid calendar : ${calendar}`);
  }
  if (numberingSystem !== undefined && !test(/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/, numberingSystem)) {
    throw new RangeErrorCtor(`Invalid numberingSystem : ${numberingSystem}`);
  }
  let hour12 = options.hour12;
  hour12 = hour12 === undefined ? undefined : !!hour12;
  const hourCycleOpt = getOption(options, "hourCycle", ["h11", "h12", "h23", "h24"], undefined);
  const timeZoneOpt = options.timeZone;
  const timeZone = timeZoneOpt === undefined ? DEFAULT_TIME_ZONE : canonicalTimeZone(timeZoneOpt);
  const want = {};
  want.weekday = getOption(options, "weekday", ["narrow", "short", "long"], undefined);
  want.era = getOption(options, "era", ["narrow", "short", "long"], undefined);
  want.year = getOption(options, "year", ["2-digit", "numeric"], undefined);
  want.month = getOption(options, "month", ["2-digit", "numeric", "narrow", "short", "long"], undefined);
  want.day = getOption(options, "day", ["2-digit", "numeric"], undefined);
  want.dayPeriod = getOption(options, "dayPeriod", ["narrow", "short", "long"], undefined);
  want.hour = getOption(options, "hour", ["2-digit", "numeric"], undefined);
  want.minute = getOption(options, "minute", ["2-digit", "numeric"], undefined);
  want.second = getOption(options, "second", ["2-digit", "numeric"], undefined);
  want.fractionalSecondDigits = getNumberOption(options, "fractionalSecondDigits", 1, 3, undefined);
  want.timeZoneName = getOption(options, "timeZoneName",
    ["short", "long", "shortOffset", "longOffset", "shortGeneric", "longGeneric"], undefined);
  getOption(options, "formatMatcher", ["basic", "best fit"], "best fit");
  const dateStyle = getOption(options, "dateStyle", ["full", "long", "medium", "short"], undefined);
  const timeStyle = getOption(options, "timeStyle", ["full", "long", "medium", "short"], undefined);

  const { base, keywords } = resolveLocale(locales, ["ca", "hc", "nu"]);
  if (calendar !== undefined) keywords.ca = lower(calendar);
  if (numberingSystem !== undefined) keywords.nu = lower(numberingSystem);
  for (const [name, value] of Object.entries(want)) {
    if (value !== undefined && (name === "era" || name === "dayPeriod" || name === "fractionalSecondDigits")) {
      throw unsupported(ctor, name, value);
    }
  }
  const explicit = [...DATE_FIELDS, ...TIME_FIELDS, "era", "timeZoneName"];
  const anyField = explicit.some((f) => want[f] !== undefined);
  if ((dateStyle !== undefined || timeStyle !== undefined) && anyField) {
    throw new TypeErrorCtor("Can't set option " +
      explicit.find((f) => want[f] !== undefined) + " when dateStyle or timeStyle is used");
  }
  if (required !== "any" && (dateStyle !== undefined && required === "time" || timeStyle !== undefined && required === "date")) {
    throw new TypeErrorCtor(`Invalid option : ${required === "time" ? "dateStyle" : "timeStyle"}`);
  }
  let fields;
  if (dateStyle !== undefined || timeStyle !== undefined) {
    if (timeStyle === "full" || timeStyle === "long") throw unsupported(ctor, "timeStyle", timeStyle);
    fields = {
      dateFields: dateStyle === undefined ? null : dateStyle === "full" ? "YMDE" : "YMD",
      length: dateStyle === "full" || dateStyle === "long" ? "long" : dateStyle === "medium" ? "medium" : dateStyle === "short" ? "short" : "medium",
      timePrecision: timeStyle === undefined ? null : timeStyle === "medium" ? "second" : "minute",
      yearStyle: "auto",
    };
  } else {
    const needDefaults =
      (required === "date" || required === "any") && !["weekday", "year", "month", "day"].some((f) => want[f] !== undefined) &&
      (required === "date" || !["dayPeriod", "hour", "minute", "second", "fractionalSecondDigits"].some((f) => want[f] !== undefined));
    const needTime = required === "time" &&
      !["dayPeriod", "hour", "minute", "second", "fractionalSecondDigits"].some((f) => want[f] !== undefined);
    if (needDefaults && (defaults === "date" || defaults === "all")) {
      want.year = want.month = want.day = "numeric";
    }
    if ((needDefaults || needTime) && (defaults === "time" || defaults === "all")) {
      want.hour = want.minute = want.second = "numeric";
    }
    fields = componentFields(want, ctor);
  }
  fields.timeZoneName = want.timeZoneName ?? null;
  if (fields.timePrecision !== null) {
    let hc = hourCycleOpt ?? keywords.hc;
    if (hour12 !== undefined) hc = hour12 ? "h12" : "h23";
    if (hc === "h24" || hc === "h11") throw unsupported(ctor, "hourCycle", hc);
    if (hc !== undefined) keywords.hc = hc;
  } else {
    delete keywords.hc;
  }
  const locale = withKeywords(base, keywords);
  return {
    locale,
    timeZone,
    op: { locale, ...fields },
    resolved: { want, dateStyle, timeStyle, calendar: keywords.ca, numberingSystem: keywords.nu, hourCycle: keywords.hc },
  };
}

// Component options onto one of ICU4X's field sets, or a RangeError naming what has none.
function componentFields(want, ctor) {
  let set = "";
  if (want.year !== undefined) set += "Y";
  if (want.month !== undefined) set += "M";
  if (want.day !== undefined) set += "D";
  if (want.weekday !== undefined) set += "E";
  const sets = ["YMD", "MD", "YMDE", "MDE", "DE", "D", "E", "M", "YM", "Y", ""];
  if (sets.indexOf(set) < 0) {
    throw new RangeErrorCtor(`${ctor}: this combination of date fields (${set.split("").join(", ")}) is not supported by this runtime's Intl (ICU4X)`);
  }
  let length = "short";
  if (want.month === "long") length = "long";
  else if (want.month === "short") length = "medium";
  else if (want.month === "narrow") throw unsupported(ctor, "month", "narrow");
  else if (want.month === undefined && want.weekday === "long") length = "long";
  else if (want.month === undefined && want.weekday === "short") length = "medium";
  if (want.weekday === "narrow") throw unsupported(ctor, "weekday", "narrow");
  if (want.year === "2-digit" && length !== "short") throw unsupported(ctor, "year", "2-digit");
  let timePrecision = null;
  if (want.second !== undefined) {
    if (want.minute === undefined || want.hour === undefined) throw unsupported(ctor, "second", "without hour and minute");
    timePrecision = "second";
  } else if (want.minute !== undefined) {
    if (want.hour === undefined) throw unsupported(ctor, "minute", "without hour");
    timePrecision = "minute";
  } else if (want.hour !== undefined) {
    timePrecision = "hour";
  }
  if (set === "" && timePrecision === null) {
    set = "YMD";
  }
  return {
    dateFields: set === "" ? null : set,
    length,
    timePrecision,
    yearStyle: want.year === "numeric" ? "full" : "auto",
  };
}

function timeValue(date) {
  let x;
  if (date === undefined) x = DateNow();
  else if (date instanceof Date) x = call(DatePrototypeGetTime, date);
  else x = NumberCtor(date);
  if (!NumberCtor.isFinite(x) || MathAbs(x) > 8.64e15) throw new RangeErrorCtor("Invalid time value");
  // TimeClip: an integral number of milliseconds (+0 for -0).
  return (x < 0 ? -MathFloor(-x) : MathFloor(x)) + 0;
}

const DATE_PART_TYPES = {
  __proto__: null,
  era: "era", year: "year", relatedYear: "relatedYear", month: "month", day: "day",
  weekday: "weekday", dayPeriod: "dayPeriod", hour: "hour", minute: "minute", second: "second",
  fractionalSecond: "fractionalSecond", timeZoneName: "timeZoneName", yearName: "yearName",
};

function formatDateToParts(slots, date) {
  const raw = op_intl_datetime_format(slots.op, slots.timeZone, timeValue(date));
  const out = [];
  for (const p of raw) {
    // The outermost of ICU4X's part names is the field (a year's digits are year/integer).
    pushPart(out, DATE_PART_TYPES[p.type.split("/")[0]] ?? "literal", p.value);
  }
  return out;
}

class DateTimeFormat {
  constructor(locales, options) {
    dateSlot.set(this, dateTimeFormatSlots(locales, options, "any", "date"));
  }
  get format() {
    const slots = slotOf(dateSlot, this, "Intl.DateTimeFormat.prototype.format");
    if (slots.bound === undefined) slots.bound = (date) => joinParts(formatDateToParts(slots, date));
    return slots.bound;
  }
  formatToParts(date) {
    return formatDateToParts(slotOf(dateSlot, this, "Intl.DateTimeFormat.prototype.formatToParts"), date);
  }
  resolvedOptions() {
    const s = slotOf(dateSlot, this, "Intl.DateTimeFormat.prototype.resolvedOptions");
    const r = s.resolved;
    const out = {
      locale: s.locale,
      calendar: r.calendar ?? "gregory",
      numberingSystem: r.numberingSystem ?? defaultNumberingSystem(stripExtensions(s.locale)),
      timeZone: s.timeZone,
    };
    if (s.op.timePrecision !== null) {
      out.hourCycle = r.hourCycle ?? defaultHourCycle(s.locale);
      out.hour12 = out.hourCycle === "h11" || out.hourCycle === "h12";
    }
    if (r.dateStyle !== undefined || r.timeStyle !== undefined) {
      if (r.dateStyle !== undefined) out.dateStyle = r.dateStyle;
      if (r.timeStyle !== undefined) out.timeStyle = r.timeStyle;
    } else {
      for (const f of ["weekday", "year", "month", "day", "hour", "minute", "second", "timeZoneName"]) {
        if (r.want[f] !== undefined) out[f] = r.want[f];
      }
    }
    return out;
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// Whether a locale's clock is 12-hour: read off a formatted afternoon hour.
function defaultHourCycle(locale) {
  const parts = op_intl_datetime_format(
    { locale: stripExtensions(locale), dateFields: null, length: "short", timePrecision: "hour", yearStyle: "auto" },
    "UTC",
    13 * 3600000,
  );
  return parts.some((p) => p.type.split("/")[0] === "dayPeriod") ? "h12" : "h23";
}

// ---------------------------------------------------------------------------------------
// Collator

const collatorSlot = new WeakMap();

class Collator {
  constructor(locales, options) {
    options = getOptionsObject(options);
    const usage = getOption(options, "usage", ["sort", "search"], "sort");
    if (usage !== "sort") throw unsupported("Intl.Collator", "usage", usage);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const collation = getOption(options, "collation", undefined, undefined);
    if (collation !== undefined && !test(/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/, collation)) {
      throw new RangeErrorCtor(`Invalid collation : ${collation}`);
    }
    const numericOpt = options.numeric === undefined ? undefined : !!options.numeric;
    const caseFirstOpt = getOption(options, "caseFirst", ["upper", "lower", "false"], undefined);
    const sensitivity = getOption(options, "sensitivity", ["base", "accent", "case", "variant"], "variant");
    const ignorePunctuation = getOption(options, "ignorePunctuation", undefined, false, "boolean");
    const { base, keywords } = resolveLocale(locales, ["kn", "kf"]);
    const numeric = numericOpt ?? (keywords.kn === "true" || keywords.kn === "");
    const caseFirst = caseFirstOpt ?? keywords.kf ?? "false";
    const slots = {
      op: { locale: base, sensitivity, ignorePunctuation, numeric, caseFirst },
      resolved: { locale: base, usage, sensitivity, ignorePunctuation, collation: "default", numeric, caseFirst },
    };
    collatorSlot.set(this, slots);
  }
  get compare() {
    const slots = slotOf(collatorSlot, this, "Intl.Collator.prototype.compare");
    if (slots.bound === undefined) {
      slots.bound = (x, y) => op_intl_collator_compare(slots.op, StringCtor(x), StringCtor(y));
    }
    return slots.bound;
  }
  resolvedOptions() {
    return { ...slotOf(collatorSlot, this, "Intl.Collator.prototype.resolvedOptions").resolved };
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// ---------------------------------------------------------------------------------------
// ListFormat

const listSlot = new WeakMap();

class ListFormat {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.ListFormat requires 'new'");
    options = getOptionsObject(options);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const type = getOption(options, "type", ["conjunction", "disjunction", "unit"], "conjunction");
    const style = getOption(options, "style", ["long", "short", "narrow"], "long");
    const { base } = resolveLocale(locales, []);
    listSlot.set(this, { locale: base, type, style });
  }
  format(list) {
    return joinParts(this.formatToParts(list));
  }
  formatToParts(list) {
    const s = slotOf(listSlot, this, "Intl.ListFormat.prototype.formatToParts");
    const items = [];
    if (list !== undefined) {
      for (const item of list) {
        if (typeof item !== "string") throw new TypeErrorCtor(`Iterable yielded ${StringCtor(item)} which is not a string`);
        call(ArrayPrototypePush, items, item);
      }
    }
    const raw = op_intl_list_format({ locale: s.locale, type: s.type, style: s.style }, items);
    return call(ArrayPrototypeMap, raw, (p) => ({ type: p.type.split("/")[0] === "element" ? "element" : "literal", value: p.value }));
  }
  resolvedOptions() {
    const s = slotOf(listSlot, this, "Intl.ListFormat.prototype.resolvedOptions");
    return { locale: s.locale, type: s.type, style: s.style };
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// ---------------------------------------------------------------------------------------
// Segmenter

const segmenterSlot = new WeakMap();

class Segmenter {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.Segmenter requires 'new'");
    options = getOptionsObject(options);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const granularity = getOption(options, "granularity", ["grapheme", "word", "sentence"], "grapheme");
    const { base } = resolveLocale(locales, []);
    segmenterSlot.set(this, { locale: base, granularity });
  }
  segment(string) {
    const s = slotOf(segmenterSlot, this, "Intl.Segmenter.prototype.segment");
    return makeSegments(s.granularity, StringCtor(string));
  }
  resolvedOptions() {
    const s = slotOf(segmenterSlot, this, "Intl.Segmenter.prototype.resolvedOptions");
    return { locale: s.locale, granularity: s.granularity };
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

function segmentData(granularity, input, breaks, wordLike, i) {
  const start = breaks[i];
  const end = breaks[i + 1];
  const data = { segment: input.slice(start, end), index: start, input };
  if (granularity === "word") data.isWordLike = wordLike[i];
  return data;
}

const SegmentsPrototype = {
  containing(index) {
    const st = this[segmentsState];
    let n = NumberCtor(index);
    n = NumberIsNaN(n) ? 0 : n < 0 ? -MathFloor(-n) : MathFloor(n);
    if (n < 0 || n >= st.input.length) return undefined;
    const { breaks } = st;
    let lo = 0;
    let hi = breaks.length - 2;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (breaks[mid] <= n) lo = mid;
      else hi = mid - 1;
    }
    return segmentData(st.granularity, st.input, breaks, st.wordLike, lo);
  },
  [SymbolIterator]() {
    const st = this[segmentsState];
    let i = 0;
    return {
      next() {
        if (i >= st.breaks.length - 1) return { value: undefined, done: true };
        const value = segmentData(st.granularity, st.input, st.breaks, st.wordLike, i);
        i++;
        return { value, done: false };
      },
      [SymbolIterator]() {
        return this;
      },
      [SymbolToStringTag]: "Segmenter String Iterator",
    };
  },
};
const segmentsState = Symbol("segments");

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function wellFormed(s) {
  return s.replace(LONE_SURROGATE, "\uFFFD");
}

// Maps the well-formed runs of a string and keeps its lone surrogates as they are.
function mapWellFormed(s, f) {
  let out = "";
  let last = 0;
  LONE_SURROGATE.lastIndex = 0;
  for (let m = LONE_SURROGATE.exec(s); m !== null; m = LONE_SURROGATE.exec(s)) {
    out += f(s.slice(last, m.index)) + m[0];
    last = m.index + 1;
  }
  return out + f(s.slice(last));
}

function makeSegments(granularity, input) {
  // Lone surrogates become U+FFFD (one code unit each) so indices match the input.
  const { breaks, word_like: wordLike } = op_intl_segment(granularity, wellFormed(input));
  if (breaks.length === 0 || breaks[0] !== 0) breaks.unshift(0);
  const segments = { __proto__: SegmentsPrototype };
  ObjectDefineProperty(segments, segmentsState, { value: { granularity, input, breaks, wordLike } });
  return segments;
}

// ---------------------------------------------------------------------------------------
// RelativeTimeFormat

const relativeSlot = new WeakMap();

const RELATIVE_UNITS = {
  __proto__: null,
  second: "second", seconds: "second", minute: "minute", minutes: "minute", hour: "hour", hours: "hour",
  day: "day", days: "day", week: "week", weeks: "week", month: "month", months: "month",
  quarter: "quarter", quarters: "quarter", year: "year", years: "year",
};

function relativeParts(s, value, unit) {
  // ToNumber: a BigInt is a TypeError, not a number.
  value = +value;
  unit = StringCtor(unit);
  const singular = RELATIVE_UNITS[unit];
  if (singular === undefined) {
    const shown = unit.length > 40 ? `${call(StringPrototypeSlice, unit, 0, 40)}...` : unit;
    throw new RangeErrorCtor(`Invalid unit argument for Intl.RelativeTimeFormat.prototype.format() '${shown}'`);
  }
  if (!NumberCtor.isFinite(value)) {
    throw new RangeErrorCtor(`Intl.RelativeTimeFormat.prototype.format: the value must be a finite number, got ${value}`);
  }
  // numeric "auto" names -0 like 0 ("today"); "always" writes it as the past.
  if (s.numeric === "auto" && value === 0) value = 0;
  return { raw: op_intl_relative_format({ locale: s.locale, style: s.style, numeric: s.numeric, unit: singular }, value), unit: singular };
}

class RelativeTimeFormat {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.RelativeTimeFormat requires 'new'");
    options = getOptionsObject(options);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const numberingSystem = getOption(options, "numberingSystem", undefined, undefined);
    if (numberingSystem !== undefined && !test(/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/, numberingSystem)) {
      throw new RangeErrorCtor(`Invalid numberingSystem : ${numberingSystem}`);
    }
    const { base, keywords } = resolveLocale(locales, ["nu"]);
    if (numberingSystem !== undefined) keywords.nu = lower(numberingSystem);
    const style = getOption(options, "style", ["long", "short", "narrow"], "long");
    const numeric = getOption(options, "numeric", ["always", "auto"], "always");
    relativeSlot.set(this, { locale: withKeywords(base, keywords), numberingSystem: keywords.nu, style, numeric });
  }
  format(value, unit) {
    const s = slotOf(relativeSlot, this, "Intl.RelativeTimeFormat.prototype.format");
    return joinParts(relativeParts(s, value, unit).raw);
  }
  formatToParts(value, unit) {
    const s = slotOf(relativeSlot, this, "Intl.RelativeTimeFormat.prototype.formatToParts");
    const { raw, unit: singular } = relativeParts(s, value, unit);
    const out = [];
    for (const p of raw) {
      const names = p.type.split("/");
      const type = NUMBER_PART_TYPES[names[names.length - 1]];
      if (type === undefined) {
        pushPart(out, "literal", p.value);
      } else {
        call(ArrayPrototypePush, out, { type, value: p.value, unit: singular });
      }
    }
    return out;
  }
  resolvedOptions() {
    const s = slotOf(relativeSlot, this, "Intl.RelativeTimeFormat.prototype.resolvedOptions");
    return {
      locale: s.locale,
      style: s.style,
      numeric: s.numeric,
      numberingSystem: s.numberingSystem ?? defaultNumberingSystem(stripExtensions(s.locale)),
    };
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// ---------------------------------------------------------------------------------------
// DisplayNames

const namesSlot = new WeakMap();

// A code of each type, checked (RangeError) and canonicalized as ECMA-402 CanonicalCodeForDisplayNames.
function canonicalCode(type, code) {
  switch (type) {
    case "language":
      // A unicode_language_id: language, optional script and region, variants; no extensions.
      if (!test(/^([a-zA-Z]{2,3}|[a-zA-Z]{5,8})(-[a-zA-Z]{4})?(-([a-zA-Z]{2}|[0-9]{3}))?(-([a-zA-Z0-9]{5,8}|[0-9][a-zA-Z0-9]{3}))*$/, code)) {
        break;
      }
      return op_intl_locale("canonical", code);
    case "region":
      if (!test(/^([a-zA-Z]{2}|[0-9]{3})$/, code)) break;
      return call(String.prototype.toUpperCase, code);
    case "script":
      if (!test(/^[a-zA-Z]{4}$/, code)) break;
      return call(String.prototype.toUpperCase, code[0]) + lower(call(StringPrototypeSlice, code, 1));
    case "currency":
      if (!test(/^[a-zA-Z]{3}$/, code)) break;
      return call(String.prototype.toUpperCase, code);
  }
  const shown = code.length > 40 ? `${call(StringPrototypeSlice, code, 0, 40)}...` : code;
  throw new RangeErrorCtor(`Intl.DisplayNames.prototype.of: invalid ${type} code ${JSON.stringify(shown)}`);
}

class DisplayNames {
  constructor(locales, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.DisplayNames requires 'new'");
    const { base } = resolveLocale(locales, []);
    if (options === undefined) throw new TypeErrorCtor("Intl.DisplayNames: the options argument with a type is required");
    options = getOptionsObject(options);
    getOption(options, "localeMatcher", ["lookup", "best fit"], "best fit");
    const style = getOption(options, "style", ["narrow", "short", "long"], "long");
    const type = getOption(options, "type", ["language", "region", "script", "currency", "calendar", "dateTimeField"], undefined);
    if (type === undefined) throw new TypeErrorCtor("Intl.DisplayNames: required option 'type' is missing");
    const fallback = getOption(options, "fallback", ["code", "none"], "code");
    const languageDisplay = getOption(options, "languageDisplay", ["dialect", "standard"], "dialect");
    if (type === "calendar" || type === "dateTimeField") throw unsupported("Intl.DisplayNames", "type", type);
    // ICU4X 2.4's currency names are the long ones; CLDR's short currency names are symbols.
    if (type === "currency" && style !== "long") throw unsupported("Intl.DisplayNames", "style", `${style} with type currency`);
    namesSlot.set(this, { locale: base, style, type, fallback, languageDisplay });
  }
  of(code) {
    const s = slotOf(namesSlot, this, "Intl.DisplayNames.prototype.of");
    code = canonicalCode(s.type, StringCtor(code));
    const name = op_intl_display_name(
      { locale: s.locale, type: s.type, style: s.style, languageDisplay: s.languageDisplay },
      code,
    );
    if (name !== null && name !== undefined) return name;
    return s.fallback === "code" ? code : undefined;
  }
  resolvedOptions() {
    const s = slotOf(namesSlot, this, "Intl.DisplayNames.prototype.resolvedOptions");
    const out = { locale: s.locale, style: s.style, type: s.type, fallback: s.fallback };
    if (s.type === "language") out.languageDisplay = s.languageDisplay;
    return out;
  }
  static supportedLocalesOf(locales, options) {
    return supportedLocalesOf(locales, options);
  }
}

// ---------------------------------------------------------------------------------------
// Locale

class Locale {
  constructor(tag, options) {
    if (new.target === undefined) throw new TypeErrorCtor("Constructor Intl.Locale requires 'new'");
    if (typeof tag !== "string" && (typeof tag !== "object" || tag === null)) {
      throw new TypeErrorCtor("First argument to Intl.Locale constructor can't be empty or missing");
    }
    tag = localeSlot.has(tag) ? localeSlot.get(tag).tag : canonicalizeTag(StringCtor(tag));
    options = getOptionsObject(options);
    let base = stripExtensions(tag);
    const keywords = unicodeKeywords(tag);
    const language = getOption(options, "language", undefined, undefined);
    const script = getOption(options, "script", undefined, undefined);
    const region = getOption(options, "region", undefined, undefined);
    if (language !== undefined || script !== undefined || region !== undefined) {
      const parts = base.split("-");
      let lang = parts[0];
      let scr = parts.find((p, i) => i > 0 && p.length === 4 && /^[A-Za-z]+$/.test(p));
      let reg = parts.find((p, i) => i > 0 && (p.length === 2 || (p.length === 3 && /^\d+$/.test(p))));
      const variants = parts.filter((p, i) => i > 0 && p !== scr && p !== reg);
      if (language !== undefined) {
        if (!/^[A-Za-z]{2,3}$|^[A-Za-z]{5,8}$/.test(language)) throw new RangeErrorCtor(`Incorrect locale information provided: language ${language}`);
        lang = language;
      }
      if (script !== undefined) {
        if (!/^[A-Za-z]{4}$/.test(script)) throw new RangeErrorCtor(`Incorrect locale information provided: script ${script}`);
        scr = script;
      }
      if (region !== undefined) {
        if (!/^[A-Za-z]{2}$|^\d{3}$/.test(region)) throw new RangeErrorCtor(`Incorrect locale information provided: region ${region}`);
        reg = region;
      }
      base = [lang, scr, reg, ...variants].filter((p) => p !== undefined).join("-");
    }
    const keyOptions = [["calendar", "ca"], ["collation", "co"], ["hourCycle", "hc"], ["caseFirst", "kf"], ["numeric", "kn"], ["numberingSystem", "nu"]];
    for (const [name, key] of keyOptions) {
      let value = options[name];
      if (value === undefined) continue;
      value = name === "numeric" ? StringCtor(!!value) : StringCtor(value);
      if (name === "hourCycle" && ["h11", "h12", "h23", "h24"].indexOf(value) < 0) throw new RangeErrorCtor(`Value ${value} out of range for Intl.Locale options property hourCycle`);
      if (name === "caseFirst" && ["upper", "lower", "false"].indexOf(value) < 0) throw new RangeErrorCtor(`Value ${value} out of range for Intl.Locale options property caseFirst`);
      if (!/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/.test(value)) throw new RangeErrorCtor(`Incorrect locale information provided: ${name} ${value}`);
      keywords[key] = lower(value);
    }
    const full = canonicalizeTag(withKeywords(base, keywords));
    localeSlot.set(this, { tag: full });
  }
  toString() {
    return slotOf(localeSlot, this, "Intl.Locale.prototype.toString").tag;
  }
  toJSON() {
    return this.toString();
  }
  maximize() {
    return new Locale(op_intl_locale("maximize", this.toString()));
  }
  minimize() {
    return new Locale(op_intl_locale("minimize", this.toString()));
  }
  get baseName() {
    return stripExtensions(this.toString());
  }
  get language() {
    return this.baseName.split("-")[0];
  }
  get script() {
    return this.baseName.split("-").find((p, i) => i > 0 && p.length === 4 && /^[A-Za-z]+$/.test(p));
  }
  get region() {
    return this.baseName.split("-").find((p, i) => i > 0 && (p.length === 2 || (p.length === 3 && /^\d+$/.test(p))));
  }
  get calendar() {
    return unicodeKeywords(this.toString()).ca;
  }
  get caseFirst() {
    return unicodeKeywords(this.toString()).kf;
  }
  get collation() {
    return unicodeKeywords(this.toString()).co;
  }
  get hourCycle() {
    return unicodeKeywords(this.toString()).hc;
  }
  get numberingSystem() {
    return unicodeKeywords(this.toString()).nu;
  }
  get numeric() {
    const kn = unicodeKeywords(this.toString()).kn;
    return kn === "true";
  }
}

// ---------------------------------------------------------------------------------------
// Install: the Intl namespace, and the locale-sensitive methods of the built-ins.

function defineMethods(target, methods) {
  for (const name of Object.keys(methods)) {
    ObjectDefineProperty(target, name, { value: methods[name], writable: true, enumerable: false, configurable: true });
  }
}

// The intrinsic prototypes' locale methods, installed per isolate (installLocaleMethods).
const localeInstallers = [];
function defineLocaleMethods(target, methods) {
  localeInstallers.push(() => defineMethods(target(), methods));
}

function fixClass(cls, tag) {
  ObjectDefineProperty(cls.prototype, SymbolToStringTag, { value: tag, configurable: true });
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    if (name === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(cls.prototype, name);
    d.enumerable = false;
    ObjectDefineProperty(cls.prototype, name, d);
  }
}

fixClass(NumberFormat, "Intl.NumberFormat");
fixClass(DateTimeFormat, "Intl.DateTimeFormat");
fixClass(Collator, "Intl.Collator");
fixClass(PluralRules, "Intl.PluralRules");
fixClass(ListFormat, "Intl.ListFormat");
fixClass(Segmenter, "Intl.Segmenter");
fixClass(RelativeTimeFormat, "Intl.RelativeTimeFormat");
fixClass(DisplayNames, "Intl.DisplayNames");
fixClass(Locale, "Intl.Locale");

// NumberFormat, DateTimeFormat and Collator may be called without `new` (ECMA-402 legacy).
function callable(cls) {
  const f = function (locales, options) {
    return new cls(locales, options);
  };
  return new Proxy(cls, {
    apply(_target, _self, args) {
      return f(args[0], args[1]);
    },
  });
}

const Intl = {};
defineMethods(Intl, {
  getCanonicalLocales(locales) {
    return canonicalizeLocaleList(locales);
  },
  NumberFormat: callable(NumberFormat),
  DateTimeFormat: callable(DateTimeFormat),
  Collator: callable(Collator),
  PluralRules,
  ListFormat,
  Segmenter,
  Locale,
  RelativeTimeFormat,
  DisplayNames,
});
ObjectDefineProperty(Intl, SymbolToStringTag, { value: "Intl", configurable: true });
ObjectDefineProperty(globalThis, "Intl", { value: Intl, writable: true, enumerable: false, configurable: true });

function thisNumber(value, method) {
  if (typeof value === "number") return value;
  try {
    return call(NumberPrototypeValueOf, value);
  } catch {
    throw new TypeErrorCtor(`${method} requires that 'this' be a Number`);
  }
}

defineLocaleMethods(() => Number.prototype, {
  toLocaleString(locales, options) {
    const n = thisNumber(this, "Number.prototype.toLocaleString");
    // NaN throws (see mathematicalValue): CLDR's NaN symbol is not in ICU4X's data, and
    // "NaN" is wrong in some locales (Arabic has its own word).
    return new NumberFormat(locales, options).format(n);
  },
});
defineLocaleMethods(() => BigInt.prototype, {
  toLocaleString(locales, options) {
    const n = call(BigIntPrototypeValueOf, this);
    return new NumberFormat(locales, options).format(n);
  },
});

function dateToLocale(self, locales, options, required, defaults, method) {
  if (!(self instanceof Date)) throw new TypeErrorCtor(`${method} requires that 'this' be a Date`);
  const t = call(DatePrototypeGetTime, self);
  if (NumberIsNaN(t)) return "Invalid Date";
  const slots = dateTimeFormatSlots(locales, options, required, defaults);
  return joinParts(formatDateToParts(slots, t));
}

defineLocaleMethods(() => Date.prototype, {
  toLocaleString(locales, options) {
    return dateToLocale(this, locales, options, "any", "all", "Date.prototype.toLocaleString");
  },
  toLocaleDateString(locales, options) {
    return dateToLocale(this, locales, options, "date", "date", "Date.prototype.toLocaleDateString");
  },
  toLocaleTimeString(locales, options) {
    return dateToLocale(this, locales, options, "time", "time", "Date.prototype.toLocaleTimeString");
  },
});

function requireString(self, method) {
  if (self === undefined || self === null) {
    throw new TypeErrorCtor(`String.prototype.${method} called on null or undefined`);
  }
  return StringCtor(self);
}

function caseLocale(locales) {
  const list = canonicalizeLocaleList(locales);
  return list.length ? stripExtensions(list[0]) : "und";
}

defineLocaleMethods(() => String.prototype, {
  localeCompare(that, locales, options) {
    const s = requireString(this, "localeCompare");
    return new Collator(locales, options).compare(s, StringCtor(that));
  },
  toLocaleUpperCase(locales) {
    const s = requireString(this, "toLocaleUpperCase");
    const locale = caseLocale(locales);
    return mapWellFormed(s, (run) => op_intl_case(locale, run, true));
  },
  toLocaleLowerCase(locales) {
    const s = requireString(this, "toLocaleLowerCase");
    const locale = caseLocale(locales);
    return mapWellFormed(s, (run) => op_intl_case(locale, run, false));
  },
});

defineLocaleMethods(() => Array.prototype, {
  toLocaleString(locales, options) {
    const array = ObjectCtor(this);
    const len = MathMin(MathMax(MathFloor(NumberCtor(array.length)) || 0, 0), 2 ** 53 - 1);
    let out = "";
    for (let k = 0; k < len; k++) {
      if (k > 0) out += ",";
      const item = array[k];
      if (item !== undefined && item !== null) out += StringCtor(item.toLocaleString(locales, options));
    }
    return out;
  },
});

// The engine's Temporal polyfill formats with a private en-US stub; its toLocaleString
// would answer wrongly for every other locale and option, so it goes through this Intl
// (Instant) or says it is not supported.
function installTemporalLocaleMethods() {
  const Temporal = globalThis.Temporal;
  if (Temporal) {
    for (const name of ["ZonedDateTime", "PlainDate", "PlainTime", "PlainDateTime", "PlainYearMonth", "PlainMonthDay", "Duration"]) {
      const proto = Temporal[name]?.prototype;
      if (proto === undefined) continue;
      defineMethods(proto, {
        toLocaleString() {
          throw new RangeErrorCtor(`Temporal.${name}.prototype.toLocaleString is not supported by this runtime's Intl (ICU4X)`);
        },
      });
    }
    const instant = Temporal.Instant?.prototype;
    if (instant !== undefined) {
      const epochMs = Object.getOwnPropertyDescriptor(instant, "epochMilliseconds")?.get;
      defineMethods(instant, {
        toLocaleString(locales, options) {
          const slots = dateTimeFormatSlots(locales, options, "any", "all");
          return joinParts(formatDateToParts(slots, call(epochMs, this)));
        },
      });
    }
  }
}
localeInstallers.push(installTemporalLocaleMethods);

// Installs the locale-sensitive methods on this isolate's intrinsics. The startup snapshot
// keeps this module's functions and globals but not changes to the engine's intrinsic
// prototypes (an isolate made from it gets fresh ones), so bootstrap.js calls this once
// per isolate; it also runs here, for isolates made without the snapshot.
function installLocaleMethods() {
  for (const install of localeInstallers) install();
}
installLocaleMethods();
internals.installIntlLocaleMethods = installLocaleMethods;

export { Intl };
