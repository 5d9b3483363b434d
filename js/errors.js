// qirvo.errors: the errors ops raise, as classes a plugin can catch and test with instanceof.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ObjectFreeze,
} = primordials;
const { domException } = internals.qirvoWeb;

class PermissionDenied extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "PermissionDenied";
  }
}
class NotFound extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "NotFound";
  }
}
core.registerErrorClass("PermissionDenied", PermissionDenied);
core.registerErrorClass("NotFound", NotFound);
// HOSTAPI (issue 14): the other kinds a host function fails with (each error also has
// `code` and `function`; NotFound and PermissionDenied above are reused).
class InvalidArgument extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "InvalidArgument";
  }
}
class Unavailable extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "Unavailable";
  }
}
class HostError extends Error {
  constructor(message, options) {
    super(message, options);
    this.name = "HostError";
  }
}
core.registerErrorClass("InvalidArgument", InvalidArgument);
core.registerErrorClass("Unavailable", Unavailable);
core.registerErrorClass("HostError", HostError);
// end HOSTAPI
const errors = ObjectFreeze({
  PermissionDenied,
  NotFound,
  QuotaExceededError: domException.QuotaExceededError,
  InvalidArgument,
  Unavailable,
  HostError,
});

// For js/host_api.js (see there why not an export).
internals.qirvoErrors = { NotFound };

export { errors };
