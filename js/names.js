// Names (storage keys, event patterns, fs paths) as the ops take them: well-formed Unicode.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { internals, primordials } from "ext:core/mod.js";

const {
  StringPrototypeToUpperCase,
  NumberPrototypeToString,
  StringPrototypeIsWellFormed,
  StringPrototypeCharCodeAt,
  TypeError,
} = primordials;

// A string that names something (a key, a path) must be well-formed Unicode: a lone
// surrogate has no UTF-8 form, and converting it to U+FFFD would make distinct names
// collide. The ops check this in Rust too (exact on engines whose strings reach Rust as
// UTF-16; see src/ext/names.rs).
function exactName(name, what) {
  if (StringPrototypeIsWellFormed(name)) return name;
  let at = 0;
  for (; at < name.length; at++) {
    const c = StringPrototypeCharCodeAt(name, at);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = StringPrototypeCharCodeAt(name, at + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        at++;
        continue;
      }
      break;
    }
    if (c >= 0xdc00 && c <= 0xdfff) break;
  }
  const unit = NumberPrototypeToString(StringPrototypeCharCodeAt(name, at), 16);
  throw new TypeError(`${what} contains a lone surrogate (U+${StringPrototypeToUpperCase(unit)}) at index ${at}: a name must be well-formed Unicode, or two distinct names would collide`);
}

// For js/storage.js, events.js and fs.js (see there why not an export).
internals.qirvoNames = { exactName };
