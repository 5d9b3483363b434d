#!/usr/bin/env node
// PERF (issue 20): the Node peer for the 50-plugin rows of `cargo bench --bench runtime --
// --load`. Adapted from ../shared/peers/node-workers.js (same worker source: one
// worker_threads isolate per plugin, a call is postMessage there and back), measuring what
// benches/runtime.rs's call_figures measures: calls round robin over the plugins one at a
// time (p50/p99), and throughput with 64 callers over the plugins for SECS seconds.
// Prints one JSON object.
//   node node_many_peer.js [--plugins N] [--calls M] [--secs S]
'use strict';
const { Worker } = require('worker_threads');

const arg = (name, def) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const PLUGINS = arg('--plugins', 50);
const CALLS = arg('--calls', 20000);
const SECS = arg('--secs', 1);
const PLUGIN_SRC = `
  const { parentPort } = require('worker_threads');
  const plugin = { add: (a, b) => a + b };
  parentPort.on('message', ([id, fn, args]) => parentPort.postMessage([id, plugin[fn](...args)]));
  parentPort.postMessage('ready');
`;
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms
const pct = (xs, p) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))];

(async () => {
  const workers = [];
  for (let i = 0; i < PLUGINS; i++) {
    const w = new Worker(PLUGIN_SRC, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 128 } });
    await new Promise((res) => w.once('message', res));
    // Replies by call id, so many callers can share a worker.
    w.pending = new Map();
    w.on('message', ([id, v]) => { const r = w.pending.get(id); w.pending.delete(id); r(v); });
    workers.push(w);
  }
  let seq = 0;
  const call = (w, args) => new Promise((res) => { const id = ++seq; w.pending.set(id, res); w.postMessage([id, 'add', args]); });

  const lat = [];
  const rounds = Math.max(10, Math.floor(CALLS / PLUGINS));
  for (let r = 0; r < rounds; r++) {
    for (const w of workers) {
      const t0 = now();
      await call(w, [r, 1]);
      lat.push((now() - t0) * 1000);
    }
  }

  let calls = 0;
  const until = now() + SECS * 1000;
  const t0 = now();
  await Promise.all(Array.from({ length: 64 }, async (_, c) => {
    let i = c;
    while (now() < until) {
      await call(workers[i % workers.length], [1, 2]);
      calls++;
      i += 7;
    }
  }));
  const throughput = calls / ((now() - t0) / 1000);
  await Promise.all(workers.map((w) => w.terminate()));
  console.log(JSON.stringify({
    peer: `node ${process.version} worker_threads`,
    plugins: PLUGINS,
    many_call_us_p50: +pct(lat, 0.5).toFixed(2),
    many_call_us_p99: +pct(lat, 0.99).toFixed(2),
    throughput_calls_per_s: Math.round(throughput),
  }));
})();
