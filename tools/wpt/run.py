#!/usr/bin/env python3
"""Runs web-platform-tests `.any.js` files in Qirvo plugin isolates and counts subtests.

Usage: tools/wpt/run.py [--wpt /tmp/wpt] [--qirvo target/release/qirvo] [-v] [--json out.json] url encoding/textdecoder-fatal.any.js ...

Each argument is a directory or a file relative to the WPT checkout (a clone of
https://github.com/web-platform-tests/wpt, kept OUTSIDE this repository; see
CONFORMANCE.md for the steps). For every `.any.js` file under it (minus the entries of
tools/wpt/exclusions.txt, each with its reason), the runner makes a throwaway plugin whose
one export evaluates, as classic scripts in this order: our harness (tools/wpt/harness.js),
the file's `// META: script=` dependencies, then the file itself; it calls that export
through the built `qirvo` binary (`qirvo call --json`) and prints subtests passed/total per
file and per directory. A `// META: variant=` file runs once per variant. Relative
`fetch("resources/...")` of a file next to the test is answered from the checkout.
CI does not run this (it needs the checkout); it measures, it does not gate.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

META = re.compile(r"^//\s*META:\s*(\w+)=(.*)$")
# String literals that name a file a test may fetch, e.g. "resources/urltestdata.json".
# A leading "/" names a file from the checkout's root (e.g. "/media/foo.vtt").
RESOURCE = re.compile(r"""["'`](/?(?:\.\.?/)*(?:[\w.-]+/)*[\w.-]+\.(?:json|txt|js|bin|gz|zz|deflate|html|vtt|webm))["'`]""")


def read_exclusions():
    """{path prefix: reason} from exclusions.txt (`prefix  # reason`)."""
    out = {}
    path = os.path.join(HERE, "exclusions.txt")
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            prefix, _, reason = line.partition("#")
            out[prefix.strip()] = reason.strip()
    return out


def excluded(rel, exclusions):
    for prefix, reason in exclusions.items():
        if rel == prefix or rel.startswith(prefix.rstrip("/") + "/") or (prefix.endswith("*") and rel.startswith(prefix[:-1])):
            return reason
    return None


# The scopes a `// META: global=` list may name that are a worker's: a plugin isolate is one.
WORKER_SCOPES = {"worker", "dedicatedworker", "sharedworker", "serviceworker", "dedicatedworker-module",
                 "sharedworker-module", "serviceworker-module"}


def not_for_workers(wpt, rel):
    """The reason to skip a file that declares only window or ShadowRealm scopes, else None."""
    with open(os.path.join(wpt, rel), encoding="utf-8") as f:
        scopes = parse_meta(f.read())["global"]
    if scopes is None:
        return None
    names = {s.strip() for s in scopes.split(",")}
    if names & WORKER_SCOPES:
        return None
    return f"runs only in {', '.join(sorted(names))} (META: global), not in a worker-like scope such as a plugin's"


def collect(wpt, targets, exclusions):
    files, skipped = [], []
    for target in targets:
        full = os.path.join(wpt, target)
        if os.path.isfile(full):
            candidates = [target]
        elif os.path.isdir(full):
            candidates = []
            for dirpath, _, names in os.walk(full):
                for n in names:
                    if n.endswith(".any.js"):
                        candidates.append(os.path.relpath(os.path.join(dirpath, n), wpt))
        else:
            sys.exit(f"wpt: {target}: no such file or directory under {wpt}")
        for rel in sorted(candidates):
            reason = excluded(rel, exclusions) or not_for_workers(wpt, rel)
            if reason:
                skipped.append((rel, reason))
            else:
                files.append(rel)
    return files, skipped


def parse_meta(src):
    meta = {"script": [], "variant": [], "global": None, "timeout": None}
    for line in src.splitlines():
        m = META.match(line.strip())
        if m:
            key, value = m.group(1), m.group(2).strip()
            if key in ("script", "variant"):
                meta[key].append(value)
            else:
                meta[key] = value
        elif line.strip() and not line.strip().startswith("//"):
            break
    return meta


def resolve(wpt, test_rel, ref):
    ref = ref.split("?")[0]
    if ref.startswith("/"):
        return os.path.normpath(ref.lstrip("/"))
    return os.path.normpath(os.path.join(os.path.dirname(test_rel), ref))


def read(wpt, rel):
    with open(os.path.join(wpt, rel), encoding="utf-8") as f:
        return f.read()


def resources_for(wpt, test_rel, sources):
    """Files next to the test that its code names in a string literal (for fetch)."""
    out = {}
    for src in sources:
        for ref in RESOURCE.findall(src):
            rel = resolve(wpt, test_rel, ref)
            full = os.path.join(wpt, rel)
            if os.path.isfile(full) and os.path.getsize(full) < 8 * 1024 * 1024:
                with open(full, "rb") as f:
                    data = f.read()
                try:
                    out[ref] = {"text": data.decode("utf-8")}
                except UnicodeDecodeError:
                    out[ref] = {"bytes": list(data)}
    return out


PLUGIN_MAIN = """\
// Generated by tools/wpt/run.py for one WPT file; thrown away after the run.
const HARNESS = %(harness)s;
const SCRIPTS = %(scripts)s;
const RESOURCES = %(resources)s;
const PRELUDE = %(prelude)s;
const LIMIT_MS = %(limit)d;

export async function run() {
  const globalEval = eval;
  globalEval(HARNESS + "\\n//# sourceURL=wpt-harness.js");
  if (PRELUDE) globalEval(PRELUDE);
  const realFetch = globalThis.fetch;
  // A relative fetch of a file next to the test is answered from the checkout.
  globalThis.fetch = function (input, init) {
    const url = typeof input === "string" ? input : input && input.url;
    if (typeof url === "string" && Object.prototype.hasOwnProperty.call(RESOURCES, url)) {
      const r = RESOURCES[url];
      const body = r.text !== undefined ? r.text : new Uint8Array(r.bytes);
      const type = url.endsWith(".json") ? "application/json" : "text/plain";
      if (typeof Response === "function") return Promise.resolve(new Response(body, { headers: { "content-type": type } }));
      return Promise.resolve({ ok: true, status: 200, text: async () => body, json: async () => JSON.parse(body) });
    }
    if (realFetch) return realFetch.apply(this, arguments);
    return Promise.reject(new TypeError("fetch is not available"));
  };
  // The dependencies and the test are one classic script each in a browser, sharing the
  // global scope's lexical declarations (a `const` in one is seen by the next). Separate
  // indirect evals would each keep their own, so they are evaluated as one text.
  let loadError;
  try {
    globalEval(SCRIPTS.map(([name, src]) => `// ---- ${name}\\n${src}\\n`).join(";\\n"));
  } catch (e) {
    loadError = `${SCRIPTS.map(([name]) => name).join(" + ")}: ${e && e.stack ? e.stack.split("\\n").slice(0, 3).join(" | ") : e}`;
  }
  return await globalThis.__wptResults(LIMIT_MS, loadError);
}
"""


def make_plugin(wpt, rel, variant, harness, work, limit_ms):
    src = read(wpt, rel)
    meta = parse_meta(src)
    scripts = []
    for ref in meta["script"]:
        dep = resolve(wpt, rel, ref)
        try:
            scripts.append([dep, read(wpt, dep)])
        except OSError as e:
            raise RuntimeError(f"META script {ref}: {e}")
    scripts.append([rel, src])
    # The test page's location, as a worker's `self.location` reads (WorkerLocation's
    # members): variants pick their cases from location.search (common/subset-tests.js).
    # Only the harness reads it: the plugin's own URL parsing has no base URL.
    url = "https://wpt.invalid/" + rel.replace(".any.js", ".any.worker.html") + (variant or "")
    prelude = ("globalThis.location = (() => { const u = new URL(%s); return Object.freeze({ href: u.href, "
               "origin: u.origin, protocol: u.protocol, host: u.host, hostname: u.hostname, port: u.port, "
               "pathname: u.pathname, search: u.search, hash: u.hash, toString: () => u.href }); })();") % json.dumps(url)
    resources = resources_for(wpt, rel, [s for _, s in scripts])
    d = tempfile.mkdtemp(prefix="wpt-", dir=work)
    long = meta["timeout"] == "long"
    manifest = {
        "id": "wpt.runner",
        "version": "1.0.0",
        "main": "main.js",
        "permissions": ["network-access"],
        "network": {"allowedHosts": ["127.0.0.1"]},
        "resources": {"memory": "512MB", "timeout": (limit_ms * (3 if long else 1)) + 30000},
    }
    with open(os.path.join(d, "manifest.json"), "w") as f:
        json.dump(manifest, f)
    with open(os.path.join(d, "main.js"), "w", encoding="utf-8") as f:
        f.write(PLUGIN_MAIN % {
            "harness": json.dumps(harness),
            "scripts": json.dumps(scripts),
            "resources": json.dumps(resources),
            "prelude": json.dumps(prelude),
            "limit": limit_ms * (3 if long else 1),
        })
    return d


def run_one(args, harness, rel, variant):
    label = rel + (variant or "")
    try:
        d = make_plugin(args.wpt, rel, variant, harness, args.work, args.limit_ms)
    except (OSError, RuntimeError) as e:
        return label, {"harness": f"ERROR: {e}", "tests": []}
    try:
        p = subprocess.run(
            [args.qirvo, "--data-dir", os.path.join(args.work, "data"), "-q", "call", "--json", d, "run"],
            capture_output=True, text=True, timeout=(args.limit_ms * 3 + 60000) / 1000,
        )
        out = json.loads(p.stdout.strip().split("\n")[-1]) if p.stdout.strip() else None
    except subprocess.TimeoutExpired:
        out = None
        p = None
    except (json.JSONDecodeError, IndexError):
        out = None
    finally:
        shutil.rmtree(d, ignore_errors=True)
    if not out or not out.get("ok"):
        why = (out or {}).get("error", {}).get("message") if out else (p.stderr.strip()[-400:] if p else "killed after the time limit")
        return label, {"harness": f"ERROR: {why}", "tests": []}
    return label, out["result"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("targets", nargs="+")
    ap.add_argument("--wpt", default=os.environ.get("WPT_DIR", "/tmp/wpt"))
    ap.add_argument("--qirvo", default=None, help="the qirvo binary (default: the newer of target/release and target/debug)")
    ap.add_argument("--work", default=None, help="scratch folder (default: a new temporary one)")
    ap.add_argument("--limit-ms", type=int, default=20000, help="per-file harness time limit (x3 for timeout=long)")
    ap.add_argument("-j", "--jobs", type=int, default=2)
    ap.add_argument("-v", "--verbose", action="store_true", help="list every subtest that did not pass")
    ap.add_argument("--json", help="write every file's results here")
    ap.add_argument("--progress", action="store_true", help="print each file as it finishes (stderr)")
    ap.add_argument("--markdown", action="store_true", help="also print the per-directory table as Markdown (for CONFORMANCE.md)")
    args = ap.parse_args()
    if args.qirvo is None:
        built = [os.path.join(ROOT, c) for c in ("target/release/qirvo", "target/debug/qirvo")]
        built = [b for b in built if os.path.exists(b)]
        if not built:
            sys.exit("wpt: no qirvo binary; build one (cargo build --release) or pass --qirvo")
        args.qirvo = max(built, key=os.path.getmtime)
    if not os.path.isdir(args.wpt):
        sys.exit(f"wpt: {args.wpt}: not a WPT checkout (see CONFORMANCE.md)")
    args.work = args.work or tempfile.mkdtemp(prefix="qirvo-wpt-")
    os.makedirs(args.work, exist_ok=True)
    with open(os.path.join(HERE, "harness.js"), encoding="utf-8") as f:
        harness = f.read()

    files, skipped = collect(args.wpt, args.targets, read_exclusions())
    jobs = []
    for rel in files:
        variants = parse_meta(read(args.wpt, rel))["variant"] or [None]
        jobs.extend((rel, v) for v in variants)
    done = [0]

    def run_counted(job):
        out = run_one(args, harness, *job)
        done[0] += 1
        if args.progress:
            print(f"[{done[0]}/{len(jobs)}] {out[0]}", file=sys.stderr, flush=True)
        return out

    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(run_counted, jobs))

    # Each result counts for the command-line target it came from (the directory as the
    # issue lists it, e.g. `streams`, not `streams/piping`); a file named on its own counts
    # for its directory.
    targets = sorted((t.rstrip("/") for t in args.targets if os.path.isdir(os.path.join(args.wpt, t))), key=len, reverse=True)

    def group(label):
        rel = label.split("?")[0]
        for t in targets:
            if rel.startswith(t + "/"):
                return t
        return os.path.dirname(rel)

    per_dir = {}
    for label, res in results:
        passed = sum(1 for t in res["tests"] if t["status"] == "PASS")
        total = len(res["tests"])
        note = "" if res["harness"] == "OK" else f"  [{res['harness'][:160]}]"
        print(f"{passed:5d}/{total:<5d} {label}{note}")
        if args.verbose:
            for t in res["tests"]:
                if t["status"] != "PASS":
                    msg = (t["message"] or "").replace("\n", " | ")[:300]
                    print(f"        {t['status']}: {t['name'][:150]}: {msg}")
        top = group(label)
        agg = per_dir.setdefault(top, [0, 0, 0])
        agg[0] += passed
        agg[1] += total
        agg[2] += 0 if res["harness"] == "OK" else 1
    print()
    print("directory                                 passed/total       %  harness errors")
    tp = tt = 0
    for top in sorted(per_dir):
        p, t, e = per_dir[top]
        tp, tt = tp + p, tt + t
        print(f"{top:40s} {p:6d}/{t:<6d} {100 * p / t if t else 0:6.1f}%  {e}")
    print(f"{'total':40s} {tp:6d}/{tt:<6d} {100 * tp / tt if tt else 0:6.1f}%")
    if args.markdown:
        print("\n| directory | subtests passed | total | % | files | harness errors |")
        print("| --- | ---: | ---: | ---: | ---: | ---: |")
        files_in = {}
        for label, _ in results:
            top = group(label)
            files_in[top] = files_in.get(top, 0) + 1
        for top in sorted(per_dir):
            p, t, e = per_dir[top]
            print(f"| {top} | {p} | {t} | {100 * p / t if t else 0:.1f} | {files_in[top]} | {e} |")
        print(f"| **total** | {tp} | {tt} | {100 * tp / tt if tt else 0:.1f} | {len(results)} | |")
    if skipped:
        print(f"\nexcluded ({len(skipped)} files, see tools/wpt/exclusions.txt):")
        for rel, reason in skipped:
            print(f"  {rel}: {reason}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({label: res for label, res in results}, f, indent=1)


if __name__ == "__main__":
    main()
