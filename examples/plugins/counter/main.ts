/// <reference path="../../../js/qirvo.d.ts" />
// A counter kept in qirvo.storage, announced on the event bus, with a periodic report.

let step = 1;

export default {
  async initialize(ctx: QirvoContext<{ step?: number }>): Promise<void> {
    step = ctx.config.step ?? 1;
    qirvo.events.on("counter.reset", async () => {
      await qirvo.storage.set("count", 0);
    });
  },
  async start(): Promise<void> {
    qirvo.scheduler.every("1s", async () => {
      qirvo.log.debug("count", { count: await current() });
    });
  },
} satisfies QirvoPlugin<{ step?: number }>;

async function current(): Promise<number> {
  return (await qirvo.storage.get<number>("count")) ?? 0;
}

export async function increment(): Promise<number> {
  const next = (await current()) + step;
  await qirvo.storage.set("count", next);
  await qirvo.events.emit("counter.changed", { count: next });
  return next;
}

export async function value(): Promise<number> {
  return await current();
}
