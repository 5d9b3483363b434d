// The fetch API (issue 15). `Headers`, `Request`, `Response` and `FormData` are deno_fetch's
// own classes (js/deno_fetch/, see its README); `fetch()` is ours, over the reqwest transport
// and the plugin's network policy (src/ext/fetch/): the request goes to Rust, the response's
// head comes back, and its body is a ReadableStream read from the connection as the plugin
// pulls it (bounded by the body cap and `resources.bandwidth`, cancelled with the step).
//
// Evaluated into the startup snapshot with the web platform; `fetch` itself is made per
// isolate by bootstrap.js (`makeFetch`), from the ops a plugin granted network-access has.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ArrayBufferIsView,
  ArrayBufferPrototype,
  ObjectPrototypeIsPrototypeOf,
  RegExpPrototypeTest,
  StringPrototypeEndsWith,
  StringPrototypeIndexOf,
  StringPrototypeSplit,
  StringPrototypeStartsWith,
  TypedArrayPrototypeGetSymbolToStringTag,
  TypeError,
  RangeError,
} = primordials;

const { Headers } = core.loadExtScript("ext:deno_fetch/20_headers.js");
const { FormData, FormDataPrototype } = core.loadExtScript("ext:deno_fetch/21_formdata.js");
const { BlobPrototype } = core.loadExtScript("ext:deno_web/09_file.js");
const { URL, URLSearchParamsPrototype } = core.loadExtScript("ext:deno_web/00_url.js");
const { InnerBody } = core.loadExtScript("ext:deno_fetch/22_body.js");
const { Request, toInnerRequest } = core.loadExtScript("ext:deno_fetch/23_request.js");
const { Response, ResponsePrototype, fromInnerResponse } = core.loadExtScript("ext:deno_fetch/23_response.js");
const streams = core.loadExtScript("ext:deno_web/06_streams.js");
const abortSignal = core.loadExtScript("ext:deno_web/03_abort_signal.js");
const { DOMException } = core.loadExtScript("ext:deno_web/01_dom_exception.js");
const { defineGlobal } = internals.qirvoWeb;

core.registerErrorBuilder("TimeoutError", (msg) => new DOMException(msg, "TimeoutError"));
core.registerErrorBuilder("AbortError", (msg) => new DOMException(msg, "AbortError"));

defineGlobal("Headers", Headers);
defineGlobal("Request", Request);
defineGlobal("Response", Response);
defineGlobal("FormData", FormData);

// Test mode: fetch stubs by URL pattern (`qirvo.test.stubFetch` pushes onto this list).
const fetchStubs = [];
function stubMatches(pattern, url) {
  if (pattern instanceof RegExp) return RegExpPrototypeTest(pattern, url);
  const parts = StringPrototypeSplit(`${pattern}`, "*");
  if (parts.length === 1) return url === parts[0];
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    if (i === 0) {
      if (!StringPrototypeStartsWith(url, part)) return false;
      pos = part.length;
      continue;
    }
    if (i === parts.length - 1) return StringPrototypeEndsWith(url, part) && url.length - part.length >= pos;
    const at = StringPrototypeIndexOf(url, part, pos);
    if (at < 0) return false;
    pos = at + part.length;
  }
  return true;
}
// A stub's answer, always a Response (the same type a real fetch gives): a Response (a
// clone, so the stub answers again), or `{ status, headers, body }` where a string, bytes,
// a Blob, FormData, URLSearchParams or a stream is the body as it is and anything else is
// JSON.
async function stubbedResponse(stub, req) {
  let r = stub.response;
  if (typeof r === "function") r = await r(req);
  if (ObjectPrototypeIsPrototypeOf(ResponsePrototype, r)) return r.clone();
  const init = { status: r?.status ?? 200, headers: r?.headers };
  const body = r?.body;
  if (body === undefined || body === null) return new Response(null, init);
  if (typeof body !== "object" || isBodyInit(body)) return new Response(body, init);
  return Response.json(body, init);
}
function isBodyInit(v) {
  return ArrayBufferIsView(v) || ObjectPrototypeIsPrototypeOf(ArrayBufferPrototype, v) ||
    ObjectPrototypeIsPrototypeOf(BlobPrototype, v) || ObjectPrototypeIsPrototypeOf(FormDataPrototype, v) ||
    ObjectPrototypeIsPrototypeOf(URLSearchParamsPrototype, v) || ObjectPrototypeIsPrototypeOf(streams.ReadableStreamPrototype, v);
}

// HARDEN (issue 12): fetch's `timeout` in ms (non-standard), checked before it reaches Rust
// (whose float->Duration conversion aborted the process on 1e300): a number from 0 to
// Infinity; Rust caps it at the plugin's own timeout (at most an hour), so anything above
// that is the same.
function fetchTimeout(t) {
  if (t === undefined || t === null) return undefined;
  if (typeof t !== "number") throw new TypeError(`fetch: timeout must be a number of milliseconds (got ${typeof t})`);
  if (!(t >= 0)) throw new RangeError(`fetch: timeout must be 0 or more milliseconds (got ${t})`);
  return t > 3600000 ? 3600000 : t;
}

// Statuses whose response has no body (and HEAD's).
function nullBodyStatus(status) {
  return status === 101 || status === 103 || status === 204 || status === 205 || status === 304;
}

// The request's body for the op: bytes (a string, bytes, URLSearchParams, a Blob or FormData,
// whose size is known), or a resource read from the plugin's own ReadableStream.
async function requestBody(request) {
  if (request.body === null) return { body: null, bodyRid: null };
  const stream = request.body.streamOrStatic;
  const b = stream.body;
  if (b !== undefined && TypedArrayPrototypeGetSymbolToStringTag(b) === "Uint8Array") {
    stream.consumed = true;
    return { body: b, bodyRid: null };
  }
  if (typeof b === "string") {
    stream.consumed = true;
    return { body: core.encode(b), bodyRid: null };
  }
  if (request.body.length !== null) return { body: await request.body.consume(), bodyRid: null };
  return { body: null, bodyRid: streams.resourceForReadableStream(stream, null) };
}

// `fetch` for one isolate, over its fetch ops (present only with network-access).
// The Fetch standard's bad ports (https://fetch.spec.whatwg.org/#port-blocking): services
// that an HTTP request must never reach (SMTP, IRC, SSH, ...), whatever the host policy
// allows. A request to one is a network error, a TypeError, before anything is sent.
const BAD_PORTS = [
  0, 1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102,
  103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465,
  512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993,
  995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668,
  6669, 6679, 6697, 10080,
];
function refuseBadPort(url) {
  const { ArrayPrototypeIncludes, NumberParseInt } = primordials;
  const parsed = new URL(url);
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return;
  if (parsed.port === "") return;
  const port = NumberParseInt(parsed.port, 10);
  if (ArrayPrototypeIncludes(BAD_PORTS, port)) {
    throw new TypeError(`fetch: ${url} is refused: port ${port} is one the Fetch standard blocks (a bad port)`);
  }
}

function makeFetch(ops) {
  const { op_qirvo_fetch, op_qirvo_fetch_abort_handle, op_qirvo_fetch_abort } = ops;
  return async function fetch(input, init = undefined) {
    const timeout = fetchTimeout(init !== null && typeof init === "object" ? init.timeout : undefined);
    const requestObject = new Request(input, init);
    const request = toInnerRequest(requestObject);
    const url = request.url();
    for (let i = fetchStubs.length - 1; i >= 0; i--) {
      if (stubMatches(fetchStubs[i].pattern, url)) return await stubbedResponse(fetchStubs[i], requestObject);
    }
    refuseBadPort(url);
    const signal = requestObject.signal;
    if (signal.aborted) throw signal.reason;
    const { body, bodyRid } = await requestBody(request);
    if (signal.aborted) {
      if (bodyRid !== null) core.tryClose(bodyRid);
      throw signal.reason;
    }
    const abortId = op_qirvo_fetch_abort_handle();
    let stream = null;
    let bodyResource = null;
    const onAbort = () => {
      op_qirvo_fetch_abort(abortId);
      if (stream !== null) streams.errorReadableStream(stream, signal.reason);
      if (bodyResource !== null) core.tryClose(bodyResource);
    };
    signal[abortSignal.add](onAbort);
    let r;
    try {
      r = await op_qirvo_fetch({
        url,
        method: request.method,
        headers: request.headerList,
        body,
        bodyRid,
        timeout,
        abortId,
        redirect: request.redirectMode,
      });
    } catch (err) {
      signal[abortSignal.remove](onAbort);
      if (signal.aborted) throw signal.reason;
      throw err;
    }
    if (signal.aborted) {
      core.tryClose(r.bodyRid);
      throw signal.reason;
    }
    if (request.method === "HEAD" || request.method === "CONNECT" || nullBodyStatus(r.status)) {
      core.tryClose(r.bodyRid);
      signal[abortSignal.remove](onAbort);
    } else {
      bodyResource = r.bodyRid;
      stream = streams.readableStreamForRid(r.bodyRid);
    }
    const response = {
      headerList: r.headers,
      status: r.status,
      statusMessage: r.statusText,
      body: stream === null ? null : new InnerBody(stream),
      type: "basic",
      url() {
        return this.urlList.length === 0 ? null : this.urlList[this.urlList.length - 1];
      },
      urlList: r.redirected ? [url, r.url] : [r.url],
    };
    return fromInnerResponse(response, "immutable");
  };
}

// For bootstrap.js, through deno_core's internals (not reachable by plugin code).
internals.qirvoFetch = { makeFetch, fetchStubs };
