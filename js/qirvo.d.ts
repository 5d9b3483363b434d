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

/** The `qirvo` global: frozen, built from permission-gated host operations. */
interface Qirvo {
  readonly plugin: QirvoPluginInfo;
  readonly log: QirvoLog;
}

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
