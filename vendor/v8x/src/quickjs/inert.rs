//! Reads of plugin-controlled values that run no plugin code.
//!
//! An embedder describes a thrown value after the fact (V8's `Message::Get`,
//! the message's line and file): in V8 that never calls back into script
//! (`Object::NoSideEffectsToString`). A thrown value can be a Proxy whose every
//! trap throws, an object whose `toString`, `message` or `stack` getters throw
//! another such object, a symbol (which `ToString` refuses), or carry
//! properties named like the engine's own bookkeeping. So everything here reads
//! only *own data properties* of *ordinary* (non-Proxy) objects, walks
//! prototypes only of non-Proxy objects, converts only primitives to text, and
//! never leaves an exception pending. Added for Qirvo (issue 12, family 1);
//! see vendor/PATCHES.md.

use super::quickjs_sys::*;
use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

/// The description of a value that has no text we can get without running
/// its code (a Proxy, an object with no constructor name).
pub(crate) const UNSHOWABLE: &str = "(a value that cannot be shown)";

/// Longest description returned, in bytes: a thrown 10 MB string is cut here
/// (and marked with `…`) rather than copied into every message.
pub(crate) const MAX_DESCRIPTION: usize = 64 * 1024;

/// How many prototypes a lookup walks before giving up.
const MAX_PROTOTYPE_DEPTH: usize = 64;

const JS_CLASS_C_FUNCTION: u32 = 12;

#[repr(C)]
struct PropertyDescriptor {
  flags: c_int,
  value: JSValue,
  getter: JSValue,
  setter: JSValue,
}

const JS_PROP_GETSET: c_int = 1 << 4;

unsafe extern "C" {
  fn JS_GetOwnProperty(
    ctx: *mut JSContext,
    desc: *mut PropertyDescriptor,
    obj: JSValue,
    prop: JSAtom,
  ) -> c_int;
  fn JS_ValueToAtom(ctx: *mut JSContext, val: JSValue) -> JSAtom;
  fn JS_GetClassID(v: JSValue) -> u32;
}

unsafe fn drop_pending(ctx: *mut JSContext) {
  if unsafe { JS_HasException(ctx) } {
    let e = unsafe { JS_GetException(ctx) };
    unsafe { JS_FreeValue(ctx, e) };
  }
}

/// Whether `v` is an object whose own properties can be read without running
/// code: any object but a Proxy (revoked or not).
pub(crate) fn is_ordinary_object(v: &JSValue) -> bool {
  jsv_is_object(v) && !unsafe { JS_IsProxy(*v) }
}

/// `obj`'s own data property `name` (a new reference), or `None` when `obj`
/// is not an ordinary object, has no such own property, or it is an accessor.
pub(crate) unsafe fn own_data_property(
  ctx: *mut JSContext,
  obj: JSValue,
  name: &CStr,
) -> Option<JSValue> {
  if ctx.is_null() || !is_ordinary_object(&obj) {
    return None;
  }
  let atom = unsafe { JS_NewAtom(ctx, name.as_ptr()) };
  if atom == 0 {
    unsafe { drop_pending(ctx) };
    return None;
  }
  let r = unsafe { own_data_property_atom(ctx, obj, atom) };
  unsafe { JS_FreeAtom(ctx, atom) };
  r
}

unsafe fn own_data_property_atom(
  ctx: *mut JSContext,
  obj: JSValue,
  atom: JSAtom,
) -> Option<JSValue> {
  let mut desc = PropertyDescriptor {
    flags: 0,
    value: jsv_undefined(),
    getter: jsv_undefined(),
    setter: jsv_undefined(),
  };
  let found = unsafe { JS_GetOwnProperty(ctx, &mut desc, obj, atom) };
  if found < 0 {
    unsafe { drop_pending(ctx) };
    return None;
  }
  if found == 0 {
    return None;
  }
  unsafe {
    JS_FreeValue(ctx, desc.getter);
    JS_FreeValue(ctx, desc.setter);
  }
  if desc.flags & JS_PROP_GETSET != 0 {
    unsafe { JS_FreeValue(ctx, desc.value) };
    return None;
  }
  Some(desc.value)
}

/// The data property `name` found on `obj` or its prototypes, reading only
/// ordinary objects: stops (with `None`) at a Proxy or an accessor.
pub(crate) unsafe fn inherited_data_property(
  ctx: *mut JSContext,
  obj: JSValue,
  name: &CStr,
) -> Option<JSValue> {
  if ctx.is_null() || !is_ordinary_object(&obj) {
    return None;
  }
  let atom = unsafe { JS_NewAtom(ctx, name.as_ptr()) };
  if atom == 0 {
    unsafe { drop_pending(ctx) };
    return None;
  }
  let mut current = unsafe { JS_DupValue(ctx, obj) };
  let mut result = None;
  for _ in 0..MAX_PROTOTYPE_DEPTH {
    if !is_ordinary_object(&current) {
      break;
    }
    let mut desc = PropertyDescriptor {
      flags: 0,
      value: jsv_undefined(),
      getter: jsv_undefined(),
      setter: jsv_undefined(),
    };
    let found = unsafe { JS_GetOwnProperty(ctx, &mut desc, current, atom) };
    if found < 0 {
      unsafe { drop_pending(ctx) };
      break;
    }
    if found > 0 {
      unsafe {
        JS_FreeValue(ctx, desc.getter);
        JS_FreeValue(ctx, desc.setter);
      }
      if desc.flags & JS_PROP_GETSET != 0 {
        unsafe { JS_FreeValue(ctx, desc.value) };
      } else {
        result = Some(desc.value);
      }
      break;
    }
    // [[GetPrototypeOf]] of an ordinary object runs no code.
    let proto = unsafe { JS_GetPrototype(ctx, current) };
    unsafe { JS_FreeValue(ctx, current) };
    if proto.tag == JS_TAG_EXCEPTION {
      unsafe { drop_pending(ctx) };
      current = jsv_undefined();
      break;
    }
    current = proto;
  }
  unsafe { JS_FreeValue(ctx, current) };
  unsafe { JS_FreeAtom(ctx, atom) };
  result
}

/// The text of a string value, cut to `max` bytes (on a character boundary,
/// marked with `…`). `None` for anything but a string.
pub(crate) unsafe fn string_text(
  ctx: *mut JSContext,
  v: JSValue,
  max: usize,
) -> Option<Vec<u8>> {
  if !jsv_is_string(&v) {
    return None;
  }
  unsafe { primitive_text(ctx, v, max) }
}

/// `ToString` of a primitive other than a symbol (no code runs for these).
unsafe fn primitive_text(
  ctx: *mut JSContext,
  v: JSValue,
  max: usize,
) -> Option<Vec<u8>> {
  let mut len = 0usize;
  let s = unsafe { JS_ToCStringLen(ctx, &mut len, v) };
  if s.is_null() {
    unsafe { drop_pending(ctx) };
    return None;
  }
  let bytes = unsafe { std::slice::from_raw_parts(s as *const u8, len) };
  let out = truncate(bytes, max);
  unsafe { JS_FreeCString(ctx, s) };
  Some(out)
}

fn truncate(bytes: &[u8], max: usize) -> Vec<u8> {
  if bytes.len() <= max {
    return bytes.to_vec();
  }
  let mut end = max;
  // Back off to the start of a (UTF-8 / WTF-8) sequence.
  while end > 0 && (bytes[end] & 0xC0) == 0x80 {
    end -= 1;
  }
  let mut out = bytes[..end].to_vec();
  out.extend_from_slice("…".as_bytes());
  out
}

/// `Symbol(description)`, read from the symbol's atom (no getter runs).
unsafe fn symbol_text(ctx: *mut JSContext, v: JSValue) -> Vec<u8> {
  let mut out = b"Symbol(".to_vec();
  let atom = unsafe { JS_ValueToAtom(ctx, v) };
  if atom != 0 {
    let desc = unsafe { JS_AtomToString(ctx, atom) };
    unsafe { JS_FreeAtom(ctx, atom) };
    if let Some(text) = unsafe { string_text(ctx, desc, MAX_DESCRIPTION) } {
      out.extend_from_slice(&text);
    }
    unsafe { JS_FreeValue(ctx, desc) };
  }
  unsafe { drop_pending(ctx) };
  out.push(b')');
  out
}

/// A string-valued data property of `obj` (own or inherited, see
/// [`inherited_data_property`]).
unsafe fn inherited_text(
  ctx: *mut JSContext,
  obj: JSValue,
  name: &CStr,
) -> Option<Vec<u8>> {
  let v = unsafe { inherited_data_property(ctx, obj, name) }?;
  let text = unsafe { string_text(ctx, v, MAX_DESCRIPTION) };
  unsafe { JS_FreeValue(ctx, v) };
  text
}

/// A description of any value, as V8's message text would give it, computed
/// without running plugin code:
/// - primitives: their `String(…)` (a symbol: `Symbol(desc)`), cut at
///   [`MAX_DESCRIPTION`] bytes;
/// - errors: `name: message` from data properties (`Error` when neither is
///   a string);
/// - other ordinary objects: `#<Constructor>` when the constructor and its
///   name are data properties;
/// - anything else (a Proxy, no constructor name): [`UNSHOWABLE`].
pub(crate) unsafe fn describe(ctx: *mut JSContext, v: JSValue) -> Vec<u8> {
  if ctx.is_null() {
    return UNSHOWABLE.as_bytes().to_vec();
  }
  if jsv_is_symbol(&v) {
    return unsafe { symbol_text(ctx, v) };
  }
  if !jsv_is_object(&v) {
    return unsafe { primitive_text(ctx, v, MAX_DESCRIPTION) }
      .unwrap_or_else(|| UNSHOWABLE.as_bytes().to_vec());
  }
  if !is_ordinary_object(&v) {
    return UNSHOWABLE.as_bytes().to_vec();
  }
  if unsafe { JS_GetClassID(v) } == 3 {
    // JS_CLASS_ERROR
    let name = unsafe { inherited_text(ctx, v, c"name") };
    let message = unsafe { inherited_text(ctx, v, c"message") };
    let mut out = match name {
      Some(n) if !n.is_empty() => n,
      _ => b"Error".to_vec(),
    };
    if let Some(m) = message.filter(|m| !m.is_empty()) {
      out.extend_from_slice(b": ");
      out.extend_from_slice(&m);
    }
    return truncate(&out, MAX_DESCRIPTION);
  }
  if let Some(ctor) = unsafe { inherited_data_property(ctx, v, c"constructor") }
  {
    let name = unsafe { own_data_property(ctx, ctor, c"name") };
    unsafe { JS_FreeValue(ctx, ctor) };
    if let Some(name) = name {
      let text = unsafe { string_text(ctx, name, 256) };
      unsafe { JS_FreeValue(ctx, name) };
      if let Some(text) = text.filter(|t| !t.is_empty()) {
        let mut out = b"#<".to_vec();
        out.extend_from_slice(&text);
        out.push(b'>');
        return out;
      }
    }
  }
  UNSHOWABLE.as_bytes().to_vec()
}

/// Whether `f` is a native (C) function: what the engine's own constructors
/// are, and what a plugin's replacement for one (a class, a bound function, a
/// Proxy) is not.
pub(crate) fn is_native_function(f: &JSValue) -> bool {
  jsv_is_object(f) && unsafe { JS_GetClassID(*f) } == JS_CLASS_C_FUNCTION
}

/// A new JS string from UTF-8/WTF-8 bytes (`JS_EXCEPTION` on failure, with
/// nothing left pending).
pub(crate) unsafe fn new_string(ctx: *mut JSContext, bytes: &[u8]) -> JSValue {
  let s = unsafe {
    JS_NewStringLen(ctx, bytes.as_ptr() as *const c_char, bytes.len())
  };
  if s.tag == JS_TAG_EXCEPTION {
    unsafe { drop_pending(ctx) };
  }
  s
}
