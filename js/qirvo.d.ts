// Types for Qirvo plugin authors. Reference this file from your plugin's tsconfig.json
// ("types"/"files") or with `/// <reference path="qirvo.d.ts" />` so editors know the
// `qirvo` global and the shape of a plugin module. Qirvo itself does not type-check:
// TypeScript is transpiled on load.

/** What the host knows about this plugin, from its manifest. */
interface QirvoPluginInfo {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  /** Granted permissions, e.g. `"network-access"`. */
  readonly permissions: readonly string[];
}

/** Structured logging to the host (its `tracing` output and the plugin's log buffer). */
interface QirvoLog {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** A stored value: JSON data, or bytes. */
type QirvoStorageValue = unknown;

/** An atomic batch: every change commits, or (over quota, on error) none does. */
interface QirvoAtomic {
  set(key: string, value: QirvoStorageValue): QirvoAtomic;
  delete(key: string): QirvoAtomic;
  clear(): QirvoAtomic;
  commit(): Promise<void>;
}

/** The plugin's own key/value store (always granted; no other plugin can see it).
 * Values are JSON data or bytes (`Uint8Array`/`ArrayBuffer`, read back as `Uint8Array`).
 * Keys and values count against `resources.storage`; a write past it rejects with a
 * `QuotaExceededError` and writes nothing. A write whose promise resolved is durable. */
interface QirvoStorage {
  /** `undefined` when the key is not set. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: QirvoStorageValue): Promise<void>;
  delete(key: string): Promise<void>;
  /** Entries in key order; `limit` defaults to 100 (at most 1000). */
  list(options?: { prefix?: string; limit?: number }): Promise<{ key: string; value: unknown }[]>;
  clear(): Promise<void>;
  atomic(): QirvoAtomic;
  /** Bytes used by keys and values. */
  usage(): Promise<number>;
}

/** Who emitted an event: `"host"` or a plugin id. */
interface QirvoEventMeta {
  readonly name: string;
  readonly source: string;
}

/** A dotted-name event bus shared with other plugins and the host. Patterns are a name
 * (`"order.created"`), a prefix (`"order.*"`, any depth) or `"*"`. Handlers run later,
 * in order per emitter, under the plugin's timeout; a throwing handler is logged. */
interface QirvoEvents {
  on(pattern: string, handler: (payload: any, meta: QirvoEventMeta) => unknown): void;
  once(pattern: string, handler: (payload: any, meta: QirvoEventMeta) => unknown): void;
  off(pattern: string, handler: (payload: any, meta: QirvoEventMeta) => unknown): void;
  /** Payload: JSON data, at most 64 KiB. Resolves to how many plugins it was queued for. */
  emit(name: string, payload?: unknown): Promise<number>;
}

interface QirvoDirEntry {
  name: string;
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
}

interface QirvoFileInfo {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  size: number;
  mtime: Date | null;
}

/** Files in the plugin's own directory (only with `filesystem-access`). Paths are
 * relative to it; absolute paths, `..` and links leading outside reject with
 * `PermissionDenied`. Bytes written count against `resources.storage`. */
interface QirvoFs {
  readFile(path: string): Promise<Uint8Array>;
  readTextFile(path: string): Promise<string>;
  writeFile(path: string, data: Uint8Array | ArrayBuffer | string): Promise<void>;
  writeTextFile(path: string, text: string): Promise<void>;
  readDir(path?: string): Promise<QirvoDirEntry[]>;
  mkdir(path: string, options?: { recursive?: boolean }): Promise<void>;
  remove(path: string, options?: { recursive?: boolean }): Promise<void>;
  stat(path: string): Promise<QirvoFileInfo>;
}

/** Errors host operations raise, for `instanceof` checks. */
interface QirvoErrors {
  readonly PermissionDenied: new (message?: string) => Error;
  readonly NotFound: new (message?: string) => Error;
  readonly QuotaExceededError: new (message?: string) => DOMException;
  /** A host function refused an argument (code `"INVALID_ARGUMENT"`). */
  readonly InvalidArgument: new (message?: string) => Error;
  /** A host function cannot serve now (code `"UNAVAILABLE"`), or too many host calls are
   * in flight (code `"TOO_MANY_CALLS"`). */
  readonly Unavailable: new (message?: string) => Error;
  /** A host function's own failure (its code), a panic in it (`"INTERNAL"`), or a call
   * cancelled with the plugin's step (`"CANCELLED"`). */
  readonly HostError: new (message?: string) => Error;
}

/** How a host function call fails: one of the `qirvo.errors` classes (`NotFound`,
 * `PermissionDenied`, `InvalidArgument`, `Unavailable`, `HostError`) or a `TypeError` for
 * an argument the host's types refuse, with these properties. */
interface QirvoHostCallError extends Error {
  /** Stable: `"NOT_FOUND"`, `"PERMISSION_DENIED"`, `"INVALID_ARGUMENT"`, `"UNAVAILABLE"`,
   * `"TOO_MANY_CALLS"`, `"INTERNAL"`, `"CANCELLED"`, `"TOO_LARGE"` or the host's own code. */
  readonly code: string;
  /** The function called, e.g. `"orders.get"`. */
  readonly function: string;
}

/** The host application's own functions, `qirvo.host.<namespace>.<function>(...args)`,
 * each returning a promise. Only the functions whose permission the manifest is granted
 * exist. The host generates their types (`host-api.d.ts`, from `HostApi::typescript`);
 * that file fills in this interface. */
interface QirvoHostApi {}

/** Assertions for `qirvo test` (only present when running under the test runner). */
interface QirvoAssert {
  /** Deep equality; the failure prints expected vs actual. */
  equal(actual: unknown, expected: unknown, message?: string): void;
  notEqual(actual: unknown, expected: unknown, message?: string): void;
  ok(value: unknown, message?: string): void;
  /** Returns what the function threw. */
  throws(fn: () => unknown, message?: string): unknown;
  /** Resolves to what the promise (or async function) rejected with. */
  rejects(fnOrPromise: Promise<unknown> | (() => Promise<unknown>), message?: string): Promise<unknown>;
}

/** Registers tests for `qirvo test` (only present when running under the test runner). */
interface QirvoTest {
  (name: string, fn: () => unknown | Promise<unknown>, options?: { timeout?: number }): void;
  skip(name: string, fn: () => unknown | Promise<unknown>, options?: { timeout?: number }): void;
  /** Answers `fetch` calls whose URL matches `pattern` (`*` wildcards, or a RegExp) without
   * the network. `response`: a Response, `{ status?, headers?, body? }` (objects become
   * JSON), or a function of the Request returning either. Later stubs win. */
  stubFetch(pattern: string | RegExp, response: unknown): void;
  /** Answers `qirvo.host.<name>(...)` (e.g. `"orders.get"`) with `fn(...args)` instead of
   * the host. Unstubbed functions go to the host, when the runner has one. */
  stubHost(name: string, fn: (...args: any[]) => unknown): void;
}

/** The `qirvo` global: frozen, built from permission-gated host operations. */
interface Qirvo {
  readonly plugin: QirvoPluginInfo;
  readonly log: QirvoLog;
  readonly storage: QirvoStorage;
  readonly events: QirvoEvents;
  /** Present only with the `filesystem-access` permission. */
  readonly fs?: QirvoFs;
  readonly errors: QirvoErrors;
  readonly scheduler: QirvoScheduler;
  /** The host application's own API (see `QirvoHostApi`). */
  readonly host: QirvoHostApi;
  /** Only under `qirvo test`. */
  readonly test: QirvoTest;
  /** Only under `qirvo test`. */
  readonly assert: QirvoAssert;
}

interface QirvoTaskHandle {
  readonly id: number;
  cancel(): boolean;
}

/** Work on the runtime's scheduler; each run is bounded by the plugin's timeout, a run
 * still going when the next is due is skipped, and all tasks end when the plugin stops. */
interface QirvoScheduler {
  /** `"500ms"`, `"30s"`, `"5m"`, `"1h"` (at least 10 ms). */
  every(interval: string, fn: () => unknown): QirvoTaskHandle;
  /** Six fields, seconds first, UTC; every five minutes is `"0 0/5 * * * *"`. */
  cron(expression: string, fn: () => unknown): QirvoTaskHandle;
  at(when: Date | number, fn: () => unknown): QirvoTaskHandle;
}

/** `fetch` exists only with the `network-access` permission. Requests are checked against
 * `network.allowedHosts` (an empty list allows public hosts only; private, loopback and
 * metadata addresses must be named explicitly), on every resolved address and redirect.
 * `timeout` (ms, default 10000) is a Qirvo extension, capped by the plugin's own timeout.
 * Rejects with `PermissionDenied`, `TimeoutError`, `AbortError` or `TypeError`. */
declare function fetch(
  input: string | URL | Request,
  init?: RequestInit & { timeout?: number },
): Promise<Response>;

declare const qirvo: Qirvo;

/** Handed to `initialize`. */
interface QirvoContext<Config = Record<string, unknown>> {
  readonly id: string;
  readonly name: string;
  readonly version: string;
  /** The manifest's `config` object. */
  readonly config: Config;
  /** Registers work to run when the plugin stops, newest first. A failing task is logged
   * and does not stop the others. */
  addCleanupTask(task: () => void | Promise<void>): void;
}

/** The default export of a plugin's entry module. Every method is optional and may be
 * async; each runs under the plugin's `resources.timeout`. */
interface QirvoPlugin<Config = Record<string, unknown>> {
  initialize?(ctx: QirvoContext<Config>): void | Promise<void>;
  start?(): void | Promise<void>;
  stop?(): void | Promise<void>;
  /** Return false (or throw, or time out) to report the plugin unhealthy. */
  healthCheck?(): boolean | Promise<boolean>;
}
