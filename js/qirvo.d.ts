// Types for Qirvo plugin authors: the globals a plugin isolate has, and nothing else.
//
// Use it with TypeScript's ECMAScript lib and WITHOUT its "DOM" lib (the scaffold's
// tsconfig.json, from `qirvo new`):
//   "lib": ["ESNext"], "types": [], "files": ["qirvo.d.ts"]
// or reference it from a file with `/// <reference path="qirvo.d.ts" />`. Needs TypeScript
// 5.7 or later (generic typed arrays, `IteratorObject`). Qirvo itself does not type-check:
// TypeScript is transpiled on load.
//
// Two parts: the web platform (below), then the `qirvo` global and the plugin module's
// shape ("Qirvo" further down).

// ---------------------------------------------------------------------------------------
// The web platform of a plugin isolate.
//
// A Qirvo plugin has the ECMAScript globals of the scaffold's `lib` ("ESNext") plus the
// declarations below, and nothing else: no `window`, `document`, `localStorage`,
// `WebSocket`, workers or DOM. Use this file INSTEAD of TypeScript's "DOM" lib (the way
// @cloudflare/workers-types replaces it); with both, the DOM's extra globals would compile
// and then fail at run time. tests/all/typings.rs compares these declarations with the
// globals and members a plugin isolate really has, both ways.
//
// The shapes follow the WHATWG/W3C specifications as declared in Deno's lib files
// (ext/web/lib.deno_web.d.ts, ext/fetch/lib.deno_fetch.d.ts, ext/crypto/lib.deno_crypto.d.ts,
// ext/url, ext/console; Copyright 2018-2025 the Deno authors, MIT license), trimmed to
// what Qirvo has.
// ---------------------------------------------------------------------------------------

/** Bytes: an `ArrayBuffer` or a view of one (a typed array or `DataView`). */
type BufferSource = ArrayBufferView | ArrayBuffer;
type AllowSharedBufferSource = ArrayBufferLike | ArrayBufferView;

// --- DOMException, events, abort ------------------------------------------------------

/** An error named by the web APIs (`"AbortError"`, `"TimeoutError"`, `"QuotaExceededError"`...). */
interface DOMException extends Error {
  readonly name: string;
  readonly message: string;
  /** The legacy numeric code, 0 for names without one. */
  readonly code: number;
  readonly INDEX_SIZE_ERR: 1;
  readonly DOMSTRING_SIZE_ERR: 2;
  readonly HIERARCHY_REQUEST_ERR: 3;
  readonly WRONG_DOCUMENT_ERR: 4;
  readonly INVALID_CHARACTER_ERR: 5;
  readonly NO_DATA_ALLOWED_ERR: 6;
  readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  readonly NOT_FOUND_ERR: 8;
  readonly NOT_SUPPORTED_ERR: 9;
  readonly INUSE_ATTRIBUTE_ERR: 10;
  readonly INVALID_STATE_ERR: 11;
  readonly SYNTAX_ERR: 12;
  readonly INVALID_MODIFICATION_ERR: 13;
  readonly NAMESPACE_ERR: 14;
  readonly INVALID_ACCESS_ERR: 15;
  readonly VALIDATION_ERR: 16;
  readonly TYPE_MISMATCH_ERR: 17;
  readonly SECURITY_ERR: 18;
  readonly NETWORK_ERR: 19;
  readonly ABORT_ERR: 20;
  readonly URL_MISMATCH_ERR: 21;
  readonly QUOTA_EXCEEDED_ERR: 22;
  readonly TIMEOUT_ERR: 23;
  readonly INVALID_NODE_TYPE_ERR: 24;
  readonly DATA_CLONE_ERR: 25;
}
declare var DOMException: {
  readonly prototype: DOMException;
  new (message?: string, name?: string): DOMException;
  readonly INDEX_SIZE_ERR: 1;
  readonly DOMSTRING_SIZE_ERR: 2;
  readonly HIERARCHY_REQUEST_ERR: 3;
  readonly WRONG_DOCUMENT_ERR: 4;
  readonly INVALID_CHARACTER_ERR: 5;
  readonly NO_DATA_ALLOWED_ERR: 6;
  readonly NO_MODIFICATION_ALLOWED_ERR: 7;
  readonly NOT_FOUND_ERR: 8;
  readonly NOT_SUPPORTED_ERR: 9;
  readonly INUSE_ATTRIBUTE_ERR: 10;
  readonly INVALID_STATE_ERR: 11;
  readonly SYNTAX_ERR: 12;
  readonly INVALID_MODIFICATION_ERR: 13;
  readonly NAMESPACE_ERR: 14;
  readonly INVALID_ACCESS_ERR: 15;
  readonly VALIDATION_ERR: 16;
  readonly TYPE_MISMATCH_ERR: 17;
  readonly SECURITY_ERR: 18;
  readonly NETWORK_ERR: 19;
  readonly ABORT_ERR: 20;
  readonly URL_MISMATCH_ERR: 21;
  readonly QUOTA_EXCEEDED_ERR: 22;
  readonly TIMEOUT_ERR: 23;
  readonly INVALID_NODE_TYPE_ERR: 24;
  readonly DATA_CLONE_ERR: 25;
};

interface EventInit {
  bubbles?: boolean;
  cancelable?: boolean;
  composed?: boolean;
}

/** Something that happened: dispatched on an `EventTarget` (an `AbortSignal`, or your own). */
interface Event {
  readonly type: string;
  readonly target: EventTarget | null;
  readonly currentTarget: EventTarget | null;
  /** @deprecated Use `target`. */
  readonly srcElement: EventTarget | null;
  readonly eventPhase: number;
  readonly bubbles: boolean;
  readonly cancelable: boolean;
  readonly composed: boolean;
  readonly defaultPrevented: boolean;
  readonly isTrusted: boolean;
  /** Milliseconds since the plugin's time origin (`performance.now()` when created). */
  readonly timeStamp: number;
  /** @deprecated */
  cancelBubble: boolean;
  /** @deprecated Use `defaultPrevented`. */
  returnValue: boolean;
  composedPath(): EventTarget[];
  preventDefault(): void;
  stopPropagation(): void;
  stopImmediatePropagation(): void;
  /** @deprecated Use the constructor. */
  initEvent(type: string, bubbles?: boolean, cancelable?: boolean): void;
  readonly NONE: 0;
  readonly CAPTURING_PHASE: 1;
  readonly AT_TARGET: 2;
  readonly BUBBLING_PHASE: 3;
}
declare var Event: {
  readonly prototype: Event;
  new (type: string, eventInitDict?: EventInit): Event;
  readonly NONE: 0;
  readonly CAPTURING_PHASE: 1;
  readonly AT_TARGET: 2;
  readonly BUBBLING_PHASE: 3;
};

interface EventListener {
  (evt: Event): void | Promise<void>;
}
interface EventListenerObject {
  handleEvent(evt: Event): void | Promise<void>;
}
type EventListenerOrEventListenerObject = EventListener | EventListenerObject;
interface EventListenerOptions {
  capture?: boolean;
}
interface AddEventListenerOptions extends EventListenerOptions {
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}

/** Holds listeners and dispatches events to them. */
interface EventTarget {
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** Calls the listeners in order; false if one called `preventDefault()`. */
  dispatchEvent(event: Event): boolean;
  removeEventListener(
    type: string,
    callback: EventListenerOrEventListenerObject | null,
    options?: EventListenerOptions | boolean,
  ): void;
}
declare var EventTarget: {
  readonly prototype: EventTarget;
  new (): EventTarget;
};

interface CustomEventInit<T = any> extends EventInit {
  detail?: T;
}
interface CustomEvent<T = any> extends Event {
  readonly detail: T;
}
declare var CustomEvent: {
  readonly prototype: CustomEvent;
  new <T>(typeArg: string, eventInitDict?: CustomEventInit<T>): CustomEvent<T>;
};

interface ErrorEventInit extends EventInit {
  message?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  error?: any;
}
interface ErrorEvent extends Event {
  readonly message: string;
  readonly filename: string;
  readonly lineno: number;
  readonly colno: number;
  readonly error: any;
}
declare var ErrorEvent: {
  readonly prototype: ErrorEvent;
  new (type: string, eventInitDict?: ErrorEventInit): ErrorEvent;
};

interface AbortSignalEventMap {
  abort: Event;
}
/** Tells an operation (a `fetch`, a stream, your own code) to stop. */
interface AbortSignal extends EventTarget {
  readonly aborted: boolean;
  /** Why it was aborted; an `"AbortError"` `DOMException` unless `abort(reason)` said. */
  readonly reason: any;
  onabort: ((this: AbortSignal, ev: Event) => any) | null;
  /** Throws `reason` if aborted. */
  throwIfAborted(): void;
  addEventListener<K extends keyof AbortSignalEventMap>(
    type: K,
    listener: (this: AbortSignal, ev: AbortSignalEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof AbortSignalEventMap>(
    type: K,
    listener: (this: AbortSignal, ev: AbortSignalEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}
declare var AbortSignal: {
  readonly prototype: AbortSignal;
  new (): never;
  /** A signal already aborted. */
  abort(reason?: any): AbortSignal;
  /** Aborted when any of `signals` is. */
  any(signals: AbortSignal[]): AbortSignal;
  /** Aborted with a `"TimeoutError"` `DOMException` after `milliseconds`. */
  timeout(milliseconds: number): AbortSignal;
};

/** Makes an `AbortSignal` and aborts it on demand. */
interface AbortController {
  readonly signal: AbortSignal;
  abort(reason?: any): void;
}
declare var AbortController: {
  readonly prototype: AbortController;
  new (): AbortController;
};

/** Reports an error as an uncaught exception would, without throwing: fires a cancelable
 * `error` `ErrorEvent` (its `error` is `e`) at the global scope, and unless a listener
 * calls `preventDefault()`, writes it to the plugin's error log. */
declare function reportError(e: any): void;

// The global scope is an `EventTarget` (as a worker's is): `addEventListener("error", ...)`
// sees what `reportError` reports and what an event listener throws; `preventDefault()` on
// that event keeps it out of the plugin's error log.
interface GlobalEventHandlersEventMap {
  error: ErrorEvent;
}
declare function addEventListener<K extends keyof GlobalEventHandlersEventMap>(
  type: K,
  listener: (this: typeof globalThis, ev: GlobalEventHandlersEventMap[K]) => any,
  options?: boolean | AddEventListenerOptions,
): void;
declare function addEventListener(
  type: string,
  listener: EventListenerOrEventListenerObject | null,
  options?: boolean | AddEventListenerOptions,
): void;
declare function removeEventListener<K extends keyof GlobalEventHandlersEventMap>(
  type: K,
  listener: (this: typeof globalThis, ev: GlobalEventHandlersEventMap[K]) => any,
  options?: boolean | EventListenerOptions,
): void;
declare function removeEventListener(
  type: string,
  listener: EventListenerOrEventListenerObject | null,
  options?: boolean | EventListenerOptions,
): void;
/** Dispatches `event` at the global scope; false if a listener called `preventDefault()`. */
declare function dispatchEvent(event: Event): boolean;

// --- MessageChannel -----------------------------------------------------------------------

interface MessageEventInit<T = any> extends EventInit {
  data?: T;
  lastEventId?: string;
  origin?: string;
  ports?: MessagePort[];
  source?: MessagePort | null;
}
/** A message that arrived at a `MessagePort`. */
interface MessageEvent<T = any> extends Event {
  /** A structured clone of what was posted. */
  readonly data: T;
  readonly lastEventId: string;
  readonly origin: string;
  /** The ports that were transferred with it. */
  readonly ports: ReadonlyArray<MessagePort>;
  readonly source: MessagePort | null;
}
declare var MessageEvent: {
  readonly prototype: MessageEvent;
  new <T>(type: string, eventInitDict?: MessageEventInit<T>): MessageEvent<T>;
};
interface MessagePortEventMap {
  message: MessageEvent;
  messageerror: MessageEvent;
}
/** One end of a `MessageChannel`. Messages are delivered asynchronously, in order, once the
 * port is started (`start()`, or setting `onmessage`). */
interface MessagePort extends EventTarget {
  onmessage: ((this: MessagePort, ev: MessageEvent) => any) | null;
  onmessageerror: ((this: MessagePort, ev: MessageEvent) => any) | null;
  /** Sends a structured clone of `message` to the other end; what `transfer` lists
   * (ArrayBuffers, MessagePorts) is moved, not copied (the originals become unusable). */
  postMessage(message: any, transfer: any[]): void;
  postMessage(message: any, options?: StructuredSerializeOptions): void;
  start(): void;
  /** Disconnects the port: no more messages either way. */
  close(): void;
  addEventListener<K extends keyof MessagePortEventMap>(
    type: K,
    listener: (this: MessagePort, ev: MessagePortEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof MessagePortEventMap>(
    type: K,
    listener: (this: MessagePort, ev: MessagePortEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}
declare var MessagePort: {
  readonly prototype: MessagePort;
  new (): never;
};
/** Two entangled ports: what is posted on one arrives at the other. */
interface MessageChannel {
  readonly port1: MessagePort;
  readonly port2: MessagePort;
}
declare var MessageChannel: {
  readonly prototype: MessageChannel;
  new (): MessageChannel;
};

// --- Timers, microtasks, cloning, base64 ----------------------------------------------

/** Runs `cb` once after `delay` ms (default 0). Timers end when the host step that made
 * them is interrupted and when the plugin stops. Returns an id for `clearTimeout`. */
declare function setTimeout<A extends any[]>(
  cb: (...args: A) => void,
  delay?: number,
  ...args: A
): number;
/** Runs `cb` every `delay` ms until cleared or the plugin stops. */
declare function setInterval<A extends any[]>(
  cb: (...args: A) => void,
  delay?: number,
  ...args: A
): number;
declare function clearTimeout(id?: number): void;
declare function clearInterval(id?: number): void;
declare function queueMicrotask(func: VoidFunction): void;
interface VoidFunction {
  (): void;
}

interface StructuredSerializeOptions {
  transfer?: any[];
}
/** A deep copy by the structured clone algorithm; throws a `"DataCloneError"` for
 * functions and other uncloneable values. What `options.transfer` lists (ArrayBuffers,
 * MessagePorts) is moved into the copy: the originals are detached. */
declare function structuredClone<T = any>(value: T, options?: StructuredSerializeOptions): T;

/** Base64 to a binary string; throws an `"InvalidCharacterError"` `DOMException`. */
declare function atob(s: string): string;
/** A binary string (code points below 256) to base64. */
declare function btoa(s: string): string;

// --- Encoding ---------------------------------------------------------------------------

interface TextDecoderOptions {
  fatal?: boolean;
  ignoreBOM?: boolean;
}
interface TextDecodeOptions {
  stream?: boolean;
}
/** Bytes to a string, in UTF-8 (the default) or another WHATWG encoding label. */
interface TextDecoder {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  decode(input?: AllowSharedBufferSource, options?: TextDecodeOptions): string;
}
declare var TextDecoder: {
  readonly prototype: TextDecoder;
  new (label?: string, options?: TextDecoderOptions): TextDecoder;
};

interface TextEncoderEncodeIntoResult {
  read: number;
  written: number;
}
/** A string to UTF-8 bytes. */
interface TextEncoder {
  readonly encoding: "utf-8";
  encode(input?: string): Uint8Array<ArrayBuffer>;
  encodeInto(input: string, dest: Uint8Array): TextEncoderEncodeIntoResult;
}
declare var TextEncoder: {
  readonly prototype: TextEncoder;
  new (): TextEncoder;
};

interface TextDecoderStream {
  readonly encoding: string;
  readonly fatal: boolean;
  readonly ignoreBOM: boolean;
  readonly readable: ReadableStream<string>;
  readonly writable: WritableStream<BufferSource>;
}
declare var TextDecoderStream: {
  readonly prototype: TextDecoderStream;
  new (label?: string, options?: TextDecoderOptions): TextDecoderStream;
};

interface TextEncoderStream {
  readonly encoding: "utf-8";
  readonly readable: ReadableStream<Uint8Array<ArrayBuffer>>;
  readonly writable: WritableStream<string>;
}
declare var TextEncoderStream: {
  readonly prototype: TextEncoderStream;
  new (): TextEncoderStream;
};

// --- URL --------------------------------------------------------------------------------

/** A parsed URL (WHATWG URL Standard); the setters re-parse that part. */
interface URL {
  hash: string;
  host: string;
  hostname: string;
  href: string;
  toString(): string;
  readonly origin: string;
  password: string;
  pathname: string;
  port: string;
  protocol: string;
  search: string;
  readonly searchParams: URLSearchParams;
  username: string;
  toJSON(): string;
}
declare var URL: {
  readonly prototype: URL;
  /** Throws a `TypeError` for a URL that does not parse. */
  new (url: string | URL, base?: string | URL): URL;
  /** `null` instead of throwing. */
  parse(url: string | URL, base?: string | URL): URL | null;
  canParse(url: string | URL, base?: string | URL): boolean;
  /** A `blob:` URL for a Blob, valid until revoked or the plugin stops. */
  createObjectURL(blob: Blob): string;
  revokeObjectURL(url: string): void;
};

/** The query of a URL as ordered name/value pairs. */
interface URLSearchParams {
  readonly size: number;
  append(name: string, value: string): void;
  delete(name: string, value?: string): void;
  get(name: string): string | null;
  getAll(name: string): string[];
  has(name: string, value?: string): boolean;
  set(name: string, value: string): void;
  sort(): void;
  /** `a=1&b=2`, without the `?`. */
  toString(): string;
  forEach(callbackfn: (value: string, key: string, parent: this) => void, thisArg?: any): void;
  keys(): URLSearchParamsIterator<string>;
  values(): URLSearchParamsIterator<string>;
  entries(): URLSearchParamsIterator<[string, string]>;
  [Symbol.iterator](): URLSearchParamsIterator<[string, string]>;
}
interface URLSearchParamsIterator<T> extends IteratorObject<T, BuiltinIteratorReturn, unknown> {
  [Symbol.iterator](): URLSearchParamsIterator<T>;
}
declare var URLSearchParams: {
  readonly prototype: URLSearchParams;
  new (init?: [string, string][] | Record<string, string> | string | URLSearchParams): URLSearchParams;
};

type URLPatternInput = string | URLPatternInit;
interface URLPatternInit {
  protocol?: string;
  username?: string;
  password?: string;
  hostname?: string;
  port?: string;
  pathname?: string;
  search?: string;
  hash?: string;
  baseURL?: string;
}
interface URLPatternComponentResult {
  input: string;
  groups: Record<string, string | undefined>;
}
interface URLPatternResult {
  inputs: [URLPatternInput] | [URLPatternInput, string];
  protocol: URLPatternComponentResult;
  username: URLPatternComponentResult;
  password: URLPatternComponentResult;
  hostname: URLPatternComponentResult;
  port: URLPatternComponentResult;
  pathname: URLPatternComponentResult;
  search: URLPatternComponentResult;
  hash: URLPatternComponentResult;
}
interface URLPatternOptions {
  ignoreCase?: boolean;
}
/** Matches URLs against a pattern (`"/users/:id"`, `{ hostname: "*.example.com" }`). */
interface URLPattern {
  test(input?: URLPatternInput, baseURL?: string): boolean;
  /** The matched parts and their named groups, or `null`. */
  exec(input?: URLPatternInput, baseURL?: string): URLPatternResult | null;
  readonly protocol: string;
  readonly username: string;
  readonly password: string;
  readonly hostname: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly hasRegExpGroups: boolean;
}
declare var URLPattern: {
  readonly prototype: URLPattern;
  new (input: URLPatternInput, baseURL: string, options?: URLPatternOptions): URLPattern;
  new (input?: URLPatternInput, options?: URLPatternOptions): URLPattern;
};

// --- Blob, File, FileReader -----------------------------------------------------------

type BlobPart = BufferSource | Blob | string;
type EndingType = "native" | "transparent";
interface BlobPropertyBag {
  type?: string;
  endings?: EndingType;
}
/** Immutable bytes with a MIME type. */
interface Blob {
  /** Bytes. */
  readonly size: number;
  /** Lower-cased MIME type, `""` when unknown. */
  readonly type: string;
  arrayBuffer(): Promise<ArrayBuffer>;
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
  slice(start?: number, end?: number, contentType?: string): Blob;
  stream(): ReadableStream<Uint8Array<ArrayBuffer>>;
  text(): Promise<string>;
  /** The bytes decoded as UTF-8, as a stream of strings. */
  textStream(): ReadableStream<string>;
}
declare var Blob: {
  readonly prototype: Blob;
  new (blobParts?: BlobPart[], options?: BlobPropertyBag): Blob;
};

interface FilePropertyBag extends BlobPropertyBag {
  lastModified?: number;
}
/** A `Blob` with a name and a modification time (ms since the epoch). */
interface File extends Blob {
  readonly lastModified: number;
  readonly name: string;
}
declare var File: {
  readonly prototype: File;
  new (fileBits: BlobPart[], fileName: string, options?: FilePropertyBag): File;
};

interface ProgressEventInit extends EventInit {
  lengthComputable?: boolean;
  loaded?: number;
  total?: number;
}
interface ProgressEvent<T extends EventTarget = EventTarget> extends Event {
  readonly lengthComputable: boolean;
  readonly loaded: number;
  readonly target: T | null;
  readonly total: number;
}
declare var ProgressEvent: {
  readonly prototype: ProgressEvent;
  new (type: string, eventInitDict?: ProgressEventInit): ProgressEvent;
};

interface FileReaderEventMap {
  abort: ProgressEvent<FileReader>;
  error: ProgressEvent<FileReader>;
  load: ProgressEvent<FileReader>;
  loadend: ProgressEvent<FileReader>;
  loadstart: ProgressEvent<FileReader>;
  progress: ProgressEvent<FileReader>;
}
/** Reads a `Blob` with events (prefer `blob.text()`/`arrayBuffer()`). */
interface FileReader extends EventTarget {
  readonly error: DOMException | null;
  onabort: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  onerror: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  onload: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  onloadend: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  onloadstart: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  onprogress: ((this: FileReader, ev: ProgressEvent<FileReader>) => any) | null;
  readonly readyState: 0 | 1 | 2;
  readonly result: string | ArrayBuffer | null;
  abort(): void;
  readAsArrayBuffer(blob: Blob): void;
  readAsBinaryString(blob: Blob): void;
  readAsDataURL(blob: Blob): void;
  readAsText(blob: Blob, encoding?: string): void;
  readonly EMPTY: 0;
  readonly LOADING: 1;
  readonly DONE: 2;
  addEventListener<K extends keyof FileReaderEventMap>(
    type: K,
    listener: (this: FileReader, ev: FileReaderEventMap[K]) => any,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof FileReaderEventMap>(
    type: K,
    listener: (this: FileReader, ev: FileReaderEventMap[K]) => any,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject,
    options?: boolean | EventListenerOptions,
  ): void;
}
declare var FileReader: {
  readonly prototype: FileReader;
  new (): FileReader;
  readonly EMPTY: 0;
  readonly LOADING: 1;
  readonly DONE: 2;
};

// --- Streams ----------------------------------------------------------------------------

interface QueuingStrategySize<T = any> {
  (chunk: T): number;
}
interface QueuingStrategy<T = any> {
  highWaterMark?: number;
  size?: QueuingStrategySize<T>;
}
interface QueuingStrategyInit {
  highWaterMark: number;
}
/** Counts a queue's size in bytes (`chunk.byteLength`). */
interface ByteLengthQueuingStrategy extends QueuingStrategy<ArrayBufferView> {
  readonly highWaterMark: number;
  readonly size: QueuingStrategySize<ArrayBufferView>;
}
declare var ByteLengthQueuingStrategy: {
  readonly prototype: ByteLengthQueuingStrategy;
  new (init: QueuingStrategyInit): ByteLengthQueuingStrategy;
};
/** Counts a queue's size in chunks. */
interface CountQueuingStrategy extends QueuingStrategy {
  readonly highWaterMark: number;
  readonly size: QueuingStrategySize;
}
declare var CountQueuingStrategy: {
  readonly prototype: CountQueuingStrategy;
  new (init: QueuingStrategyInit): CountQueuingStrategy;
};

interface ReadableStreamReadDoneResult<T> {
  done: true;
  value: T | undefined;
}
interface ReadableStreamReadValueResult<T> {
  done: false;
  value: T;
}
type ReadableStreamReadResult<T> = ReadableStreamReadValueResult<T> | ReadableStreamReadDoneResult<T>;

interface ReadableStreamDefaultController<R = any> {
  readonly desiredSize: number | null;
  close(): void;
  enqueue(chunk?: R): void;
  error(e?: any): void;
}
declare var ReadableStreamDefaultController: {
  readonly prototype: ReadableStreamDefaultController;
  new (): never;
};

interface ReadableStreamBYOBRequest {
  readonly view: ArrayBufferView<ArrayBuffer> | null;
  respond(bytesWritten: number): void;
  respondWithNewView(view: ArrayBufferView<ArrayBuffer>): void;
}
declare var ReadableStreamBYOBRequest: {
  readonly prototype: ReadableStreamBYOBRequest;
  new (): never;
};

interface ReadableByteStreamController {
  readonly byobRequest: ReadableStreamBYOBRequest | null;
  readonly desiredSize: number | null;
  close(): void;
  enqueue(chunk: ArrayBufferView<ArrayBuffer>): void;
  error(e?: any): void;
}
declare var ReadableByteStreamController: {
  readonly prototype: ReadableByteStreamController;
  new (): never;
};

interface UnderlyingSourceStartCallback<R> {
  (controller: ReadableStreamController<R>): any;
}
interface UnderlyingSourcePullCallback<R> {
  (controller: ReadableStreamController<R>): void | PromiseLike<void>;
}
interface UnderlyingSourceCancelCallback {
  (reason?: any): void | PromiseLike<void>;
}
type ReadableStreamController<T> =
  | ReadableStreamDefaultController<T>
  | ReadableByteStreamController;
interface UnderlyingByteSource {
  autoAllocateChunkSize?: number;
  cancel?: UnderlyingSourceCancelCallback;
  pull?: (controller: ReadableByteStreamController) => void | PromiseLike<void>;
  start?: (controller: ReadableByteStreamController) => any;
  type: "bytes";
}
interface UnderlyingDefaultSource<R = any> {
  cancel?: UnderlyingSourceCancelCallback;
  pull?: (controller: ReadableStreamDefaultController<R>) => void | PromiseLike<void>;
  start?: (controller: ReadableStreamDefaultController<R>) => any;
  type?: undefined;
}
interface UnderlyingSource<R = any> {
  autoAllocateChunkSize?: number;
  cancel?: UnderlyingSourceCancelCallback;
  pull?: UnderlyingSourcePullCallback<R>;
  start?: UnderlyingSourceStartCallback<R>;
  type?: "bytes";
}

interface ReadableStreamGenericReader {
  readonly closed: Promise<void>;
  cancel(reason?: any): Promise<void>;
}
interface ReadableStreamDefaultReader<R = any> extends ReadableStreamGenericReader {
  read(): Promise<ReadableStreamReadResult<R>>;
  releaseLock(): void;
}
declare var ReadableStreamDefaultReader: {
  readonly prototype: ReadableStreamDefaultReader;
  new <R = any>(stream: ReadableStream<R>): ReadableStreamDefaultReader<R>;
};
interface ReadableStreamBYOBReaderReadOptions {
  min?: number;
}
interface ReadableStreamBYOBReader extends ReadableStreamGenericReader {
  read<T extends ArrayBufferView<ArrayBuffer>>(
    view: T,
    options?: ReadableStreamBYOBReaderReadOptions,
  ): Promise<ReadableStreamReadResult<T>>;
  releaseLock(): void;
}
declare var ReadableStreamBYOBReader: {
  readonly prototype: ReadableStreamBYOBReader;
  new (stream: ReadableStream<Uint8Array<ArrayBuffer>>): ReadableStreamBYOBReader;
};
type ReadableStreamReader<T> = ReadableStreamDefaultReader<T> | ReadableStreamBYOBReader;
interface ReadableStreamGetReaderOptions {
  mode?: "byob";
}
interface ReadableStreamIteratorOptions {
  preventCancel?: boolean;
}
interface ReadableWritablePair<R = any, W = any> {
  readable: ReadableStream<R>;
  writable: WritableStream<W>;
}
interface StreamPipeOptions {
  preventAbort?: boolean;
  preventCancel?: boolean;
  preventClose?: boolean;
  signal?: AbortSignal;
}
interface ReadableStreamAsyncIterator<T>
  extends AsyncIteratorObject<T, BuiltinIteratorReturn, unknown> {
  [Symbol.asyncIterator](): ReadableStreamAsyncIterator<T>;
}

/** A source of chunks read one at a time, with backpressure (WHATWG Streams). A
 * response body is a `ReadableStream<Uint8Array>`; `for await` reads one. */
interface ReadableStream<R = any> {
  readonly locked: boolean;
  cancel(reason?: any): Promise<void>;
  getReader(options: { mode: "byob" }): ReadableStreamBYOBReader;
  getReader(): ReadableStreamDefaultReader<R>;
  getReader(options?: ReadableStreamGetReaderOptions): ReadableStreamReader<R>;
  pipeThrough<T>(transform: ReadableWritablePair<T, R>, options?: StreamPipeOptions): ReadableStream<T>;
  pipeTo(destination: WritableStream<R>, options?: StreamPipeOptions): Promise<void>;
  tee(): [ReadableStream<R>, ReadableStream<R>];
  values(options?: ReadableStreamIteratorOptions): ReadableStreamAsyncIterator<R>;
  [Symbol.asyncIterator](options?: ReadableStreamIteratorOptions): ReadableStreamAsyncIterator<R>;
}
declare var ReadableStream: {
  readonly prototype: ReadableStream;
  new (
    underlyingSource: UnderlyingByteSource,
    strategy?: { highWaterMark?: number },
  ): ReadableStream<Uint8Array<ArrayBuffer>>;
  new <R = any>(
    underlyingSource: UnderlyingDefaultSource<R>,
    strategy?: QueuingStrategy<R>,
  ): ReadableStream<R>;
  new <R = any>(underlyingSource?: UnderlyingSource<R>, strategy?: QueuingStrategy<R>): ReadableStream<R>;
  /** A stream of the values of an iterable or async iterable. */
  from<R>(asyncIterable: AsyncIterable<R> | Iterable<R | PromiseLike<R>>): ReadableStream<R>;
};

interface WritableStreamDefaultController {
  readonly signal: AbortSignal;
  error(e?: any): void;
}
declare var WritableStreamDefaultController: {
  readonly prototype: WritableStreamDefaultController;
  new (): never;
};
interface UnderlyingSink<W = any> {
  abort?: (reason?: any) => void | PromiseLike<void>;
  close?: () => void | PromiseLike<void>;
  start?: (controller: WritableStreamDefaultController) => any;
  type?: undefined;
  write?: (chunk: W, controller: WritableStreamDefaultController) => void | PromiseLike<void>;
}
interface WritableStreamDefaultWriter<W = any> {
  readonly closed: Promise<void>;
  readonly desiredSize: number | null;
  readonly ready: Promise<void>;
  abort(reason?: any): Promise<void>;
  close(): Promise<void>;
  releaseLock(): void;
  write(chunk?: W): Promise<void>;
}
declare var WritableStreamDefaultWriter: {
  readonly prototype: WritableStreamDefaultWriter;
  new <W = any>(stream: WritableStream<W>): WritableStreamDefaultWriter<W>;
};
/** A destination for chunks, with backpressure (WHATWG Streams). */
interface WritableStream<W = any> {
  readonly locked: boolean;
  abort(reason?: any): Promise<void>;
  close(): Promise<void>;
  getWriter(): WritableStreamDefaultWriter<W>;
}
declare var WritableStream: {
  readonly prototype: WritableStream;
  new <W = any>(underlyingSink?: UnderlyingSink<W>, strategy?: QueuingStrategy<W>): WritableStream<W>;
};

interface TransformStreamDefaultController<O = any> {
  readonly desiredSize: number | null;
  enqueue(chunk?: O): void;
  error(reason?: any): void;
  terminate(): void;
}
declare var TransformStreamDefaultController: {
  readonly prototype: TransformStreamDefaultController;
  new (): never;
};
interface Transformer<I = any, O = any> {
  flush?: (controller: TransformStreamDefaultController<O>) => void | PromiseLike<void>;
  readableType?: undefined;
  start?: (controller: TransformStreamDefaultController<O>) => any;
  transform?: (chunk: I, controller: TransformStreamDefaultController<O>) => void | PromiseLike<void>;
  cancel?: (reason?: any) => void | PromiseLike<void>;
  writableType?: undefined;
}
/** A writable side whose chunks come out of the readable side transformed. */
interface TransformStream<I = any, O = any> {
  readonly readable: ReadableStream<O>;
  readonly writable: WritableStream<I>;
}
declare var TransformStream: {
  readonly prototype: TransformStream;
  new <I = any, O = any>(
    transformer?: Transformer<I, O>,
    writableStrategy?: QueuingStrategy<I>,
    readableStrategy?: QueuingStrategy<O>,
  ): TransformStream<I, O>;
};

type CompressionFormat = "deflate" | "deflate-raw" | "gzip";
/** Compresses the bytes written to it (`"gzip"`, `"deflate"`, `"deflate-raw"`). */
interface CompressionStream extends TransformStream<BufferSource, Uint8Array<ArrayBuffer>> {}
declare var CompressionStream: {
  readonly prototype: CompressionStream;
  new (format: CompressionFormat): CompressionStream;
};
/** Decompresses the bytes written to it; a corrupt input errors the stream with a `TypeError`. */
interface DecompressionStream extends TransformStream<BufferSource, Uint8Array<ArrayBuffer>> {}
declare var DecompressionStream: {
  readonly prototype: DecompressionStream;
  new (format: CompressionFormat): DecompressionStream;
};

// --- Fetch: Headers, FormData, Request, Response ----------------------------------------

type HeadersInit = [string, string][] | Record<string, string> | Headers;
interface HeadersIterator<T> extends IteratorObject<T, BuiltinIteratorReturn, unknown> {
  [Symbol.iterator](): HeadersIterator<T>;
}
/** HTTP headers: names case-insensitive, iterated lower-cased and sorted. */
interface Headers {
  append(name: string, value: string): void;
  delete(name: string): void;
  /** Values of a repeated header joined with `", "`; `null` when absent. */
  get(name: string): string | null;
  /** Each `Set-Cookie` value on its own. */
  getSetCookie(): string[];
  has(name: string): boolean;
  set(name: string, value: string): void;
  forEach(callbackfn: (value: string, key: string, parent: Headers) => void, thisArg?: any): void;
  keys(): HeadersIterator<string>;
  values(): HeadersIterator<string>;
  entries(): HeadersIterator<[string, string]>;
  [Symbol.iterator](): HeadersIterator<[string, string]>;
}
declare var Headers: {
  readonly prototype: Headers;
  /** Throws a `TypeError` for a name or value HTTP does not allow. */
  new (init?: HeadersInit): Headers;
};

type FormDataEntryValue = File | string;
interface FormDataIterator<T> extends IteratorObject<T, BuiltinIteratorReturn, unknown> {
  [Symbol.iterator](): FormDataIterator<T>;
}
/** Form fields (strings and files); as a request body it is sent as `multipart/form-data`. */
interface FormData {
  append(name: string, value: string | Blob, fileName?: string): void;
  delete(name: string): void;
  get(name: string): FormDataEntryValue | null;
  getAll(name: string): FormDataEntryValue[];
  has(name: string): boolean;
  set(name: string, value: string | Blob, fileName?: string): void;
  forEach(
    callbackfn: (value: FormDataEntryValue, key: string, parent: FormData) => void,
    thisArg?: any,
  ): void;
  keys(): FormDataIterator<string>;
  values(): FormDataIterator<FormDataEntryValue>;
  entries(): FormDataIterator<[string, FormDataEntryValue]>;
  [Symbol.iterator](): FormDataIterator<[string, FormDataEntryValue]>;
}
declare var FormData: {
  readonly prototype: FormData;
  new (): FormData;
};

type BodyInit =
  | ReadableStream<Uint8Array>
  | Blob
  | BufferSource
  | FormData
  | URLSearchParams
  | string;
/** A request's or response's body, read once. */
interface Body {
  /** The body as a byte stream, `null` for none. */
  readonly body: ReadableStream<Uint8Array<ArrayBuffer>> | null;
  readonly bodyUsed: boolean;
  arrayBuffer(): Promise<ArrayBuffer>;
  blob(): Promise<Blob>;
  bytes(): Promise<Uint8Array<ArrayBuffer>>;
  formData(): Promise<FormData>;
  json(): Promise<any>;
  text(): Promise<string>;
  /** The body decoded as UTF-8, as a stream of strings. */
  textStream(): ReadableStream<string>;
}

type RequestCache = "default" | "force-cache" | "no-cache" | "no-store" | "only-if-cached" | "reload";
type RequestCredentials = "include" | "omit" | "same-origin";
type RequestMode = "cors" | "navigate" | "no-cors" | "same-origin";
type RequestRedirect = "error" | "follow" | "manual";
type ReferrerPolicy =
  | ""
  | "no-referrer"
  | "no-referrer-when-downgrade"
  | "origin"
  | "origin-when-cross-origin"
  | "same-origin"
  | "strict-origin"
  | "strict-origin-when-cross-origin"
  | "unsafe-url";
interface RequestInit {
  body?: BodyInit | null;
  cache?: RequestCache;
  credentials?: RequestCredentials;
  headers?: HeadersInit;
  integrity?: string;
  keepalive?: boolean;
  /** `"GET"` by default. */
  method?: string;
  mode?: RequestMode;
  /** `"follow"` by default; each redirect is checked against `network.allowedHosts`. */
  redirect?: RequestRedirect;
  referrer?: string;
  referrerPolicy?: ReferrerPolicy;
  signal?: AbortSignal | null;
  /** A streamed body needs `"half"`. */
  duplex?: "half";
  window?: null;
}
type RequestInfo = Request | string;
/** An HTTP request: what `fetch` sends. */
interface Request extends Body {
  readonly cache: RequestCache;
  readonly credentials: RequestCredentials;
  readonly headers: Headers;
  readonly integrity: string;
  readonly keepalive: boolean;
  readonly method: string;
  readonly mode: RequestMode;
  readonly redirect: RequestRedirect;
  readonly referrer: string;
  readonly referrerPolicy: ReferrerPolicy;
  readonly signal: AbortSignal;
  readonly url: string;
  clone(): Request;
}
declare var Request: {
  readonly prototype: Request;
  new (input: RequestInfo | URL, init?: RequestInit): Request;
};

interface ResponseInit {
  headers?: HeadersInit;
  /** 200 by default. */
  status?: number;
  statusText?: string;
}
type ResponseType = "basic" | "cors" | "default" | "error" | "opaque" | "opaqueredirect";
/** An HTTP response: what `fetch` resolves to (its body bounded by the plugin's limits). */
interface Response extends Body {
  readonly headers: Headers;
  /** `status` is 200-299. */
  readonly ok: boolean;
  readonly redirected: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly type: ResponseType;
  readonly url: string;
  clone(): Response;
}
declare var Response: {
  readonly prototype: Response;
  new (body?: BodyInit | null, init?: ResponseInit): Response;
  /** A JSON body with `content-type: application/json`. */
  json(data: any, init?: ResponseInit): Response;
  /** A network error (`type` `"error"`, status 0). */
  error(): Response;
  redirect(url: string | URL, status?: number): Response;
};

// --- Crypto -----------------------------------------------------------------------------

type KeyFormat = "jwk" | "pkcs8" | "raw" | "spki";
type KeyType = "private" | "public" | "secret";
type KeyUsage = "decrypt" | "deriveBits" | "deriveKey" | "encrypt" | "sign" | "unwrapKey" | "verify" | "wrapKey";
type NamedCurve = string;
type HashAlgorithmIdentifier = AlgorithmIdentifier;
type AlgorithmIdentifier = Algorithm | string;
type BigInteger = Uint8Array;

interface Algorithm {
  name: string;
}
interface KeyAlgorithm {
  name: string;
}
interface RsaOtherPrimesInfo {
  d?: string;
  r?: string;
  t?: string;
}
interface JsonWebKey {
  alg?: string;
  crv?: string;
  d?: string;
  dp?: string;
  dq?: string;
  e?: string;
  ext?: boolean;
  k?: string;
  key_ops?: string[];
  kty?: string;
  n?: string;
  oth?: RsaOtherPrimesInfo[];
  p?: string;
  q?: string;
  qi?: string;
  use?: string;
  x?: string;
  y?: string;
}
interface RsaHashedImportParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
}
interface RsaHashedKeyGenParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
  modulusLength: number;
  publicExponent: BigInteger;
}
interface RsaPssParams extends Algorithm {
  saltLength: number;
}
interface RsaOaepParams extends Algorithm {
  label?: BufferSource;
}
interface EcKeyGenParams extends Algorithm {
  namedCurve: NamedCurve;
}
interface EcKeyImportParams extends Algorithm {
  namedCurve: NamedCurve;
}
interface EcdsaParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
}
interface EcdhKeyDeriveParams extends Algorithm {
  public: CryptoKey;
}
interface HmacImportParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
  /** Bits. */
  length?: number;
}
interface HmacKeyGenParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
  length?: number;
}
interface AesKeyGenParams extends Algorithm {
  /** 128, 192 or 256 bits. */
  length: number;
}
interface AesDerivedKeyParams extends Algorithm {
  length: number;
}
interface AesGcmParams extends Algorithm {
  iv: BufferSource;
  additionalData?: BufferSource;
  tagLength?: number;
}
interface AesCbcParams extends Algorithm {
  iv: BufferSource;
}
interface AesCtrParams extends Algorithm {
  counter: BufferSource;
  length: number;
}
interface HkdfParams extends Algorithm {
  hash: HashAlgorithmIdentifier;
  info: BufferSource;
  salt: BufferSource;
}
interface Pbkdf2Params extends Algorithm {
  hash: HashAlgorithmIdentifier;
  iterations: number;
  salt: BufferSource;
}

/** A key for `crypto.subtle`; its material cannot be read unless `extractable`. */
interface CryptoKey {
  readonly algorithm: KeyAlgorithm;
  readonly extractable: boolean;
  readonly type: KeyType;
  readonly usages: KeyUsage[];
}
declare var CryptoKey: {
  readonly prototype: CryptoKey;
  new (): never;
};
interface CryptoKeyPair {
  privateKey: CryptoKey;
  publicKey: CryptoKey;
}

/** Web Crypto: digests, HMAC, signatures, encryption, key derivation, key import/export.
 * A refused algorithm or usage rejects with a `NotSupportedError` or `SyntaxError`
 * `DOMException`; a wrong key or data with an `InvalidAccessError`/`OperationError`. */
interface SubtleCrypto {
  decrypt(
    algorithm: AlgorithmIdentifier | RsaOaepParams | AesCtrParams | AesCbcParams | AesGcmParams,
    key: CryptoKey,
    data: BufferSource,
  ): Promise<ArrayBuffer>;
  deriveBits(
    algorithm: AlgorithmIdentifier | EcdhKeyDeriveParams | HkdfParams | Pbkdf2Params,
    baseKey: CryptoKey,
    length?: number | null,
  ): Promise<ArrayBuffer>;
  deriveKey(
    algorithm: AlgorithmIdentifier | EcdhKeyDeriveParams | HkdfParams | Pbkdf2Params,
    baseKey: CryptoKey,
    derivedKeyType: AlgorithmIdentifier | AesDerivedKeyParams | HmacImportParams | HkdfParams | Pbkdf2Params,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<CryptoKey>;
  /** `"SHA-1"`, `"SHA-256"`, `"SHA-384"` or `"SHA-512"`. */
  digest(algorithm: AlgorithmIdentifier, data: BufferSource): Promise<ArrayBuffer>;
  encrypt(
    algorithm: AlgorithmIdentifier | RsaOaepParams | AesCtrParams | AesCbcParams | AesGcmParams,
    key: CryptoKey,
    data: BufferSource,
  ): Promise<ArrayBuffer>;
  exportKey(format: "jwk", key: CryptoKey): Promise<JsonWebKey>;
  exportKey(format: Exclude<KeyFormat, "jwk">, key: CryptoKey): Promise<ArrayBuffer>;
  exportKey(format: KeyFormat, key: CryptoKey): Promise<ArrayBuffer | JsonWebKey>;
  generateKey(
    algorithm: "Ed25519" | { name: "Ed25519" },
    extractable: boolean,
    keyUsages: readonly ("sign" | "verify")[],
  ): Promise<CryptoKeyPair>;
  generateKey(
    algorithm: RsaHashedKeyGenParams | EcKeyGenParams,
    extractable: boolean,
    keyUsages: readonly KeyUsage[],
  ): Promise<CryptoKeyPair>;
  generateKey(
    algorithm: AesKeyGenParams | HmacKeyGenParams | Pbkdf2Params,
    extractable: boolean,
    keyUsages: readonly KeyUsage[],
  ): Promise<CryptoKey>;
  generateKey(
    algorithm: AlgorithmIdentifier,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<CryptoKeyPair | CryptoKey>;
  importKey(
    format: "jwk",
    keyData: JsonWebKey,
    algorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams | AesKeyAlgorithm,
    extractable: boolean,
    keyUsages: readonly KeyUsage[],
  ): Promise<CryptoKey>;
  importKey(
    format: Exclude<KeyFormat, "jwk">,
    keyData: BufferSource,
    algorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams | AesKeyAlgorithm,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<CryptoKey>;
  sign(
    algorithm: AlgorithmIdentifier | RsaPssParams | EcdsaParams,
    key: CryptoKey,
    data: BufferSource,
  ): Promise<ArrayBuffer>;
  unwrapKey(
    format: KeyFormat,
    wrappedKey: BufferSource,
    unwrappingKey: CryptoKey,
    unwrapAlgorithm: AlgorithmIdentifier | RsaOaepParams | AesCtrParams | AesCbcParams | AesGcmParams,
    unwrappedKeyAlgorithm: AlgorithmIdentifier | RsaHashedImportParams | EcKeyImportParams | HmacImportParams | AesKeyAlgorithm,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<CryptoKey>;
  verify(
    algorithm: AlgorithmIdentifier | RsaPssParams | EcdsaParams,
    key: CryptoKey,
    signature: BufferSource,
    data: BufferSource,
  ): Promise<boolean>;
  wrapKey(
    format: KeyFormat,
    key: CryptoKey,
    wrappingKey: CryptoKey,
    wrapAlgorithm: AlgorithmIdentifier | RsaOaepParams | AesCtrParams | AesCbcParams | AesGcmParams,
  ): Promise<ArrayBuffer>;
  /** Key encapsulation (ML-KEM): a fresh shared key and its ciphertext for `encapsulationKey`. */
  encapsulateKey(
    encapsulationAlgorithm: AlgorithmIdentifier,
    encapsulationKey: CryptoKey,
    sharedKeyAlgorithm: AlgorithmIdentifier | HmacImportParams | AesDerivedKeyParams,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<EncapsulatedKey>;
  encapsulateBits(encapsulationAlgorithm: AlgorithmIdentifier, encapsulationKey: CryptoKey): Promise<EncapsulatedBits>;
  decapsulateKey(
    decapsulationAlgorithm: AlgorithmIdentifier,
    decapsulationKey: CryptoKey,
    ciphertext: BufferSource,
    sharedKeyAlgorithm: AlgorithmIdentifier | HmacImportParams | AesDerivedKeyParams,
    extractable: boolean,
    keyUsages: KeyUsage[],
  ): Promise<CryptoKey>;
  decapsulateBits(
    decapsulationAlgorithm: AlgorithmIdentifier,
    decapsulationKey: CryptoKey,
    ciphertext: BufferSource,
  ): Promise<ArrayBuffer>;
  /** The public key of a private key. */
  getPublicKey(key: CryptoKey, keyUsages: KeyUsage[]): Promise<CryptoKey>;
}
declare var SubtleCrypto: {
  readonly prototype: SubtleCrypto;
  new (): never;
  /** Whether `operation` supports `algorithm` here (and `length`, for deriveBits). */
  supports(
    operation: "encrypt" | "decrypt" | "sign" | "verify" | "digest" | "generateKey" | "deriveKey" | "deriveBits" | "importKey" | "exportKey" | "wrapKey" | "unwrapKey" | "encapsulateKey" | "encapsulateBits" | "decapsulateKey" | "decapsulateBits" | "getPublicKey",
    algorithm: AlgorithmIdentifier,
    length?: number | null,
  ): boolean;
};
interface EncapsulatedKey {
  sharedKey: CryptoKey;
  ciphertext: ArrayBuffer;
}
interface EncapsulatedBits {
  sharedKey: ArrayBuffer;
  ciphertext: ArrayBuffer;
}
interface AesKeyAlgorithm extends KeyAlgorithm {
  length: number;
}

/** `crypto`: randomness from the operating system, and `crypto.subtle`. */
interface Crypto {
  readonly subtle: SubtleCrypto;
  /** Fills an integer typed array (at most 65,536 bytes) with random values; returns it. */
  getRandomValues<T extends Exclude<ArrayBufferView, Float32Array | Float64Array | DataView> | null>(
    array: T,
  ): T;
  /** A random version-4 UUID, lower case. */
  randomUUID(): `${string}-${string}-${string}-${string}-${string}`;
}
declare var Crypto: {
  readonly prototype: Crypto;
  new (): never;
};
declare var crypto: Crypto;

// --- Performance, console, navigator -----------------------------------------------------

type DOMHighResTimeStamp = number;
interface PerformanceMarkOptions {
  detail?: any;
  startTime?: number;
}
interface PerformanceMeasureOptions {
  detail?: any;
  duration?: number;
  end?: number | string;
  start?: number | string;
}
interface PerformanceEntry {
  readonly duration: DOMHighResTimeStamp;
  readonly entryType: string;
  readonly name: string;
  readonly startTime: DOMHighResTimeStamp;
  toJSON(): any;
}
interface PerformanceMark extends PerformanceEntry {
  readonly detail: any;
}
interface PerformanceMeasure extends PerformanceEntry {
  readonly detail: any;
}
type PerformanceEntryList = PerformanceEntry[];
/** High-resolution time since the plugin's isolate started, and user timing marks. */
interface Performance extends EventTarget {
  /** Milliseconds since the epoch at the time origin. */
  readonly timeOrigin: number;
  clearMarks(markName?: string): void;
  clearMeasures(measureName?: string): void;
  /** Does nothing: there are no resource timings here. */
  clearResourceTimings(): void;
  /** Does nothing: there are no resource timings here. */
  setResourceTimingBufferSize(maxSize: number): void;
  getEntries(): PerformanceEntryList;
  getEntriesByName(name: string, type?: string): PerformanceEntryList;
  getEntriesByType(type: string): PerformanceEntryList;
  mark(markName: string, options?: PerformanceMarkOptions): PerformanceMark;
  measure(measureName: string, startOrMeasureOptions?: string | PerformanceMeasureOptions, endMark?: string): PerformanceMeasure;
  /** Milliseconds since the time origin, fractional. */
  now(): DOMHighResTimeStamp;
  toJSON(): any;
}
declare var performance: Performance;

/** `console.*` writes to the host's log (tracing, and the plugin's log buffer) with the
 * plugin's id; `log`/`info` at info level, `debug`, `warn`, `error` at theirs. */
interface Console {
  assert(condition?: boolean, ...data: any[]): void;
  clear(): void;
  count(label?: string): void;
  countReset(label?: string): void;
  debug(...data: any[]): void;
  dir(item?: any, options?: any): void;
  dirxml(...data: any[]): void;
  error(...data: any[]): void;
  group(...data: any[]): void;
  groupCollapsed(...data: any[]): void;
  groupEnd(): void;
  info(...data: any[]): void;
  log(...data: any[]): void;
  table(tabularData?: any, properties?: string[]): void;
  time(label?: string): void;
  timeEnd(label?: string): void;
  timeLog(label?: string, ...data: any[]): void;
  timeStamp(label?: string): void;
  trace(...data: any[]): void;
  warn(...data: any[]): void;
  /** Does nothing (no profiler here; use `qirvo run --inspect`). */
  profile(label?: string): void;
  /** Does nothing. */
  profileEnd(label?: string): void;
}
declare var console: Console;

/** What the plugin runs on. */
interface Navigator {
  /** `"Qirvo/<version>"`. */
  readonly userAgent: string;
  /** 1: a plugin's JavaScript runs on one thread. */
  readonly hardwareConcurrency: number;
}
declare var Navigator: {
  readonly prototype: Navigator;
  new (): never;
};
declare var navigator: Navigator;

// --- WebAssembly ------------------------------------------------------------------------

/** WebAssembly modules, compiled and run inside the plugin's isolate and its limits. */
declare namespace WebAssembly {
  interface CompileError extends Error {}
  var CompileError: {
    prototype: CompileError;
    new (message?: string): CompileError;
    (message?: string): CompileError;
  };
  interface LinkError extends Error {}
  var LinkError: {
    prototype: LinkError;
    new (message?: string): LinkError;
    (message?: string): LinkError;
  };
  interface RuntimeError extends Error {}
  var RuntimeError: {
    prototype: RuntimeError;
    new (message?: string): RuntimeError;
    (message?: string): RuntimeError;
  };

  interface Global<T extends ValueType = ValueType> {
    value: ValueTypeMap[T];
    valueOf(): ValueTypeMap[T];
  }
  var Global: {
    prototype: Global;
    new <T extends ValueType = ValueType>(descriptor: GlobalDescriptor<T>, v?: ValueTypeMap[T]): Global<T>;
  };

  interface Instance {
    readonly exports: Exports;
  }
  var Instance: {
    prototype: Instance;
    new (module: Module, importObject?: Imports): Instance;
  };

  /** Linear memory; `buffer` is detached and replaced when it grows. */
  interface Memory {
    readonly buffer: ArrayBuffer;
    /** Grows by `delta` 64 KiB pages; returns the previous size in pages. */
    grow(delta: number): number;
  }
  var Memory: {
    prototype: Memory;
    new (descriptor: MemoryDescriptor): Memory;
  };

  interface Module {}
  var Module: {
    prototype: Module;
    new (bytes: BufferSource): Module;
    customSections(moduleObject: Module, sectionName: string): ArrayBuffer[];
    exports(moduleObject: Module): ModuleExportDescriptor[];
    imports(moduleObject: Module): ModuleImportDescriptor[];
  };

  interface Table {
    readonly length: number;
    get(index: number): any;
    grow(delta: number, value?: any): number;
    set(index: number, value?: any): void;
  }
  var Table: {
    prototype: Table;
    new (descriptor: TableDescriptor, value?: any): Table;
  };

  interface GlobalDescriptor<T extends ValueType = ValueType> {
    mutable?: boolean;
    value: T;
  }
  interface MemoryDescriptor {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }
  interface ModuleExportDescriptor {
    kind: ImportExportKind;
    name: string;
  }
  interface ModuleImportDescriptor {
    kind: ImportExportKind;
    module: string;
    name: string;
  }
  interface TableDescriptor {
    element: TableKind;
    initial: number;
    maximum?: number;
  }
  interface ValueTypeMap {
    anyfunc: Function;
    externref: any;
    f32: number;
    f64: number;
    i32: number;
    i64: bigint;
    v128: never;
  }
  interface WebAssemblyInstantiatedSource {
    instance: Instance;
    module: Module;
  }
  type ImportExportKind = "function" | "global" | "memory" | "table";
  type TableKind = "anyfunc" | "externref";
  type ExportValue = Function | Global | Memory | Table;
  type Exports = Record<string, ExportValue>;
  type ImportValue = ExportValue | number;
  type Imports = Record<string, ModuleImports>;
  type ModuleImports = Record<string, ImportValue>;
  type ValueType = keyof ValueTypeMap;
  function compile(bytes: BufferSource): Promise<Module>;
  function compileStreaming(source: Response | PromiseLike<Response>): Promise<Module>;
  function instantiate(bytes: BufferSource, importObject?: Imports): Promise<WebAssemblyInstantiatedSource>;
  function instantiate(moduleObject: Module, importObject?: Imports): Promise<Instance>;
  function instantiateStreaming(
    source: Response | PromiseLike<Response>,
    importObject?: Imports,
  ): Promise<WebAssemblyInstantiatedSource>;
  function validate(bytes: BufferSource): boolean;
}

// ---------------------------------------------------------------------------------------
// Qirvo: the `qirvo` global, `fetch`'s extension, and the shape of a plugin module.
// ---------------------------------------------------------------------------------------

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
 * exist; reading one the host has but did not grant throws `qirvo.errors.PermissionDenied`
 * (a `QirvoHostCallError`, recorded by the host's security monitor; SECURITY, issue 17).
 * The host generates their types (`host-api.d.ts`, from `HostApi::typescript`);
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
  every(interval: string, fn: () => unknown, options?: QirvoTaskOptions): QirvoTaskHandle;
  /** Six fields, seconds first, UTC; every five minutes is `"0 0/5 * * * *"`. */
  cron(expression: string, fn: () => unknown, options?: QirvoTaskOptions): QirvoTaskHandle;
  at(when: Date | number, fn: () => unknown, options?: QirvoTaskOptions): QirvoTaskHandle;
}

// FLEET (issue 18): task names.
/** Options of `qirvo.scheduler.every/cron/at`. */
interface QirvoTaskOptions {
  /** The task's stable identity: in fleet mode, the key replicas claim each due time by,
   * whatever order they schedule tasks in. 1 to 128 ASCII letters, digits and `_ - . : /`
   * (else a `TypeError` or `RangeError`); unique among the plugin's scheduled tasks (else
   * an `Error` naming it; a cancelled task's name is free again). Without it a task is
   * known by its kind, spec and order among the plugin's tasks with the same spec. */
  name?: string;
}
// end FLEET

/** `fetch` exists only with the `network-access` permission. Requests are checked against
 * `network.allowedHosts` (an empty list allows public hosts only; private, loopback and
 * metadata addresses must be named explicitly), on every resolved address and redirect.
 * `timeout` (ms, default 10000) is a Qirvo extension, capped by the plugin's own timeout.
 * Rejects with `PermissionDenied`, `TimeoutError`, `AbortError` or `TypeError`. */
declare function fetch(
  input: string | URL | Request,
  init?: RequestInit & { timeout?: number },
): Promise<Response>;

declare var qirvo: Qirvo;

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
