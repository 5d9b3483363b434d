// Test mode (the `qirvo test` runner): qirvo.test, qirvo.assert, and the host entry point
// that runs one test. The stubs other capabilities own (fetch, host) are added by bootstrap.js.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { internals, primordials } from "ext:core/mod.js";

const {
  ArrayPrototypePush,
  JSONStringify,
  ObjectFreeze,
  ObjectKeys,
  ArrayBufferIsView,
  ObjectIs,
  ObjectHasOwn,
  ObjectAssign,
  ObjectGetPrototypeOf,
  ArrayPrototypeMap,
  DatePrototypeGetTime,
  MapPrototypeGet,
  MapPrototypeSet,
  ArrayFrom,
  SafeMap,
  TypeError,
} = primordials;
const { consoleMod, describe, nextStep } = internals.qirvoWeb;

const registeredTests = [];

class AssertionError extends Error {
  constructor(message, details) {
    super(message);
    this.name = "AssertionError";
    if (details) {
      this.expected = details.expected;
      this.actual = details.actual;
    }
  }
}

function show(v) {
  try {
    return consoleMod.inspect(v, { colors: false, depth: 6 });
  } catch {
    return String(v);
  }
}

function deepEqual(a, b, seen = new SafeMap()) {
  if (ObjectIs(a, b)) return true;
  if (typeof a !== typeof b || a === null || b === null || typeof a !== "object") return false;
  if (MapPrototypeGet(seen, a) === b) return true;
  MapPrototypeSet(seen, a, b);
  if (ObjectGetPrototypeOf(a) !== ObjectGetPrototypeOf(b)) return false;
  if (a instanceof Date) return DatePrototypeGetTime(a) === DatePrototypeGetTime(b);
  if (ArrayBufferIsView(a)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!ObjectIs(a[i], b[i])) return false;
    return true;
  }
  if (a instanceof Map || a instanceof Set) {
    const ea = ArrayFrom(a), eb = ArrayFrom(b);
    return ea.length === eb.length && deepEqual(ea, eb, seen);
  }
  const ka = ObjectKeys(a), kb = ObjectKeys(b);
  if (ka.length !== kb.length) return false;
  for (let i = 0; i < ka.length; i++) {
    if (!ObjectHasOwn(b, ka[i]) || !deepEqual(a[ka[i]], b[ka[i]], seen)) return false;
  }
  return true;
}

const assert = ObjectFreeze({
  AssertionError,
  equal(actual, expected, message) {
    if (!deepEqual(actual, expected)) {
      throw new AssertionError(
        `${message ? message + "\n" : ""}expected: ${show(expected)}\n  actual: ${show(actual)}`,
        { expected, actual },
      );
    }
  },
  notEqual(actual, expected, message) {
    if (deepEqual(actual, expected)) {
      throw new AssertionError(`${message ? message + "\n" : ""}expected a value other than ${show(expected)}`);
    }
  },
  ok(value, message) {
    if (!value) throw new AssertionError(message ?? `expected a truthy value, got ${show(value)}`);
  },
  throws(fn, message) {
    try {
      fn();
    } catch (err) {
      return err;
    }
    throw new AssertionError(message ?? "expected the function to throw");
  },
  async rejects(fnOrPromise, message) {
    try {
      await (typeof fnOrPromise === "function" ? fnOrPromise() : fnOrPromise);
    } catch (err) {
      return err;
    }
    throw new AssertionError(message ?? "expected a rejection");
  },
});

function registerTest(name, fn, options, skip, only = false) {
  if (typeof name !== "string") throw new TypeError("a test needs a name");
  if (typeof fn !== "function") throw new TypeError(`test ${JSONStringify(name)} needs a function`);
  const timeout = options?.timeout;
  if (timeout !== undefined && (typeof timeout !== "number" || !(timeout > 0))) {
    throw new TypeError(`test ${JSONStringify(name)}: timeout must be a positive number of ms`);
  }
  ArrayPrototypePush(registeredTests, { name, fn, skip, only, timeout });
}
// The `qirvo.test` function, with `extra` (the stubs of capabilities that own them).
function makeTestApi(extra) {
  return ObjectFreeze(ObjectAssign(
    (name, fn, options) => registerTest(name, fn, options, false),
    {
      skip: (name, fn, options) => registerTest(name, fn, options, true),
      // TESTRUNNER (issue 16): when any test of a run is `.only`, only those run.
      only: (name, fn, options) => registerTest(name, fn, options, false, true),
      ...extra,
    },
  ));
}

async function runTest(index) {
  nextStep();
  if (index < 0) {
    return JSONStringify(ArrayPrototypeMap(registeredTests, (t) => ({ name: t.name, skip: t.skip, only: t.only, timeout: t.timeout ?? null })));
  }
  const t = registeredTests[index];
  if (t === undefined) return JSONStringify({ status: "failed", message: `no test ${index}` });
  if (t.skip) return JSONStringify({ status: "skipped" });
  try {
    await t.fn();
    return JSONStringify({ status: "passed" });
  } catch (err) {
    // TESTRUNNER (issue 16): the headline, the (source-mapped) stack apart so the runner can
    // find the test file's line, and expected/actual for a diff.
    let message;
    let stack = null;
    let diff = null;
    try {
      if (!(err instanceof Error)) throw err;
      message = err instanceof AssertionError ? err.message : `${err.name}: ${err.message}`;
      if (typeof err.stack === "string") stack = err.stack;
      if (err instanceof AssertionError && ObjectHasOwn(err, "expected")) {
        diff = { expected: show(err.expected), actual: show(err.actual) };
      }
    } catch {
      // not an Error, or one with hostile getters: described as before
      message = describe(err);
      stack = null;
    }
    return JSONStringify({ status: "failed", message, stack, diff });
  }
}

// For js/host_api.js (see there why not an export).
internals.qirvoTesting = { show };

export { assert, makeTestApi, runTest };
