#!/usr/bin/env bash
# What the engine's interrupt polls (vendor/v8x-interrupts.patch) cost on the compute
# kernels of benches/compute_kernels.js. Builds QuickJS-ng twice from this repository's
# history, as it was before the polls (BASE) and with them (PATCHED), each with gcc -O2
# and linked to benches/qjs_runner.c (the engine run as v8x runs it: an interrupt handler
# installed, blocking allowed), then times every kernel under both with hyperfine.
#
#   benches/poll-cost.sh [BASE [PATCHED]]   (defaults: the commit before the polls, HEAD)
#
# Needs git, gcc, hyperfine (apt-get install -y hyperfine) and python3. Builds in /tmp.
# With valgrind installed it also counts the instructions each kernel executes under
# both builds (callgrind's Ir): exact and independent of the machine's load, where the
# times of a shared machine are not.
set -euo pipefail
root=$(git -C "$(dirname "$0")" rev-parse --show-toplevel)
cd "$root"
base=${1:-$(git log --format=%H --grep='QuickJS: natives, Atomics.wait and the job queue poll' -1)^}
patched=${2:-HEAD}
runs=${RUNS:-15}
q=vendor/v8x/vendor/quickjs-ng
work=$(mktemp -d /tmp/qirvo-poll-cost.XXXXXX)
echo "building in $work: upstream = $base, patched = $patched" >&2

for variant in upstream patched; do
  rev=$base
  [ "$variant" = patched ] && rev=$patched
  mkdir -p "$work/$variant"
  git archive "$rev" "$q" | tar -x -C "$work/$variant"
  src="$work/$variant/$q"
  for f in quickjs libregexp libunicode dtoa; do
    gcc -O2 -D_GNU_SOURCE -DNDEBUG -w -I"$src" -c "$src/$f.c" -o "$work/$variant/$f.o" &
  done
  wait
  gcc -O2 -D_GNU_SOURCE -w -I"$src" benches/qjs_runner.c "$work/$variant"/*.o \
    -lm -lpthread -o "$work/$variant/qjs_runner"
done

kernels=$(grep -oE '^  [a-zA-Z]+: function' benches/compute_kernels.js | awk -F: '{print $1}' | tr -d ' ')
for k in $kernels; do
  { cat benches/compute_kernels.js; echo "KERNELS['$k']();"; } > "$work/$k.js"
  hyperfine -N --style none --warmup 2 --runs "$runs" --export-json "$work/$k.json" \
    -n "upstream" "$work/upstream/qjs_runner $work/$k.js" \
    -n "patched" "$work/patched/qjs_runner $work/$k.js" > /dev/null
done

# Each kernel's fastest run is compared (a shared machine's load only ever adds time);
# the means are shown too.
python3 - "$work" $kernels <<'PY'
import json, math, sys
work, kernels = sys.argv[1], sys.argv[2:]
print("| kernel | upstream min (mean) ms | with polls min (mean) ms | change (min) |")
print("|---|---:|---:|---:|")
ratios = []
for k in kernels:
    res = {r["command"]: r for r in json.load(open(f"{work}/{k}.json"))["results"]}
    up, pa = res["upstream"], res["patched"]
    ratio = pa["min"] / up["min"]
    ratios.append(ratio)
    print(f"| {k} | {up['min']*1e3:.1f} ({up['mean']*1e3:.1f}) | "
          f"{pa['min']*1e3:.1f} ({pa['mean']*1e3:.1f}) | {100*(ratio-1):+.1f}% |")
g = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
print(f"| geometric mean | | | {100*(g-1):+.1f}% |")
PY

if command -v valgrind > /dev/null; then
  echo
  echo "| kernel | upstream instructions | with polls | change |"
  echo "|---|---:|---:|---:|"
  for k in $kernels; do
    up=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$work/upstream/qjs_runner" "$work/$k.js" 2>&1 | awk '/Collected/ {print $NF}')
    pa=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null "$work/patched/qjs_runner" "$work/$k.js" 2>&1 | awk '/Collected/ {print $NF}')
    echo "$k $up $pa"
  done | python3 -c '
import math, sys
rs = []
for line in sys.stdin:
    k, up, pa = line.split()
    r = int(pa) / int(up)
    rs.append(r)
    print(f"| {k} | {int(up):,} | {int(pa):,} | {100*(r-1):+.2f}% |")
g = math.exp(sum(math.log(r) for r in rs) / len(rs))
print(f"| geometric mean | | | {100*(g-1):+.2f}% |")
'
fi
