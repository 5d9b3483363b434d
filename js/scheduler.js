// qirvo.scheduler: every / cron / at, on the runtime's scheduler, and the host entry point
// that runs a task.
//
// A module of the per-isolate `qirvo` extension (src/ext/host.rs), imported by bootstrap.js,
// which assembles the frozen `qirvo` global; evaluated before any plugin code, while the
// op table is still reachable.

import { core, internals, primordials } from "ext:core/mod.js";

const {
  ObjectFreeze,
  DatePrototypeGetTime,
  NumberIsFinite,
  MapPrototypeGet,
  MapPrototypeSet,
  MapPrototypeDelete,
  SafeMap,
  TypeError,
} = primordials;
const {
  op_qirvo_schedule,
  op_qirvo_unschedule,
} = core.ops;
const { nextStep } = internals.qirvoWeb;

const scheduledTasks = new SafeMap(); // id -> fn

// The optional third argument: `{ name }`, the task's identity across a fleet (Rust checks
// its length and characters, and that no other task of the plugin has it).
function taskName(kind, options) {
  if (options === undefined) return null;
  if (options === null || typeof options !== "object") {
    throw new TypeError(`scheduler.${kind}: options must be an object such as { name: "sweep" } (got ${options === null ? "null" : typeof options})`);
  }
  const name = options.name;
  if (name === undefined) return null;
  if (typeof name !== "string") {
    throw new TypeError(`scheduler.${kind}: options.name must be a string (got ${name === null ? "null" : typeof name})`);
  }
  return name;
}

function scheduleTask(kind, spec, fn, options) {
  if (typeof fn !== "function") throw new TypeError(`scheduler.${kind} expects a function`);
  const name = taskName(kind, options);
  const id = op_qirvo_schedule(kind, spec, name !== null, name ?? "");
  MapPrototypeSet(scheduledTasks, id, fn);
  return ObjectFreeze({
    id,
    cancel() {
      MapPrototypeDelete(scheduledTasks, id);
      return op_qirvo_unschedule(id);
    },
  });
}

const scheduler = ObjectFreeze({
  every(interval, fn, options) {
    if (typeof interval !== "string") throw new TypeError("scheduler.every: interval must be a string such as \"30s\"");
    return scheduleTask("every", interval, fn, options);
  },
  cron(expression, fn, options) {
    if (typeof expression !== "string") throw new TypeError("scheduler.cron: expression must be a string such as \"0 */5 * * * *\"");
    return scheduleTask("cron", expression, fn, options);
  },
  at(date, fn, options) {
    // Rust checks the range (a RangeError before 1970 or after JavaScript's last date).
    const ms = date instanceof Date ? DatePrototypeGetTime(date) : date;
    if (typeof ms !== "number") throw new TypeError("scheduler.at: date must be a Date or milliseconds since the epoch");
    if (!NumberIsFinite(ms)) throw new TypeError(`scheduler.at: date must be a valid Date or a finite number (got ${ms})`);
    return scheduleTask("at", `${ms}`, fn, options);
  },
});

async function runTask(id, once) {
  nextStep();
  const fn = MapPrototypeGet(scheduledTasks, id);
  if (once) MapPrototypeDelete(scheduledTasks, id);
  if (fn !== undefined) await fn();
  return "null";
}

export { runTask, scheduler };
