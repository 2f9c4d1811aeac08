#!/usr/bin/env bash
# Whole-process timings, side by side in one run (hyperfine; installed from Debian if missing):
#   1. a stand-in `npm` (a C program that exits 0) called directly vs through installguard's shim
#   2. `installguard check -- npm install lodash`
# Prints medians and the shim's overhead. Usage: bench/run.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-500}
command -v hyperfine >/dev/null || { apt-get update -qq && apt-get install -y -qq hyperfine; }
cargo build --release --quiet
bin=$PWD/target/release/installguard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/shims" "$tmp/bin" "$tmp/home"
printf 'int main(void){return 0;}\n' > "$tmp/npm.c"
cc -O2 -o "$tmp/bin/npm" "$tmp/npm.c"
ln -s "$bin" "$tmp/shims/npm"
export PATH="$tmp/shims:$tmp/bin:$PATH" HOME="$tmp/home" XDG_STATE_HOME="$tmp/home/state" XDG_DATA_HOME="$tmp/home/data"
hyperfine -N --warmup 50 --runs "$runs" --export-json "$tmp/out.json" \
  -n 'npm --version (direct)' "$tmp/bin/npm --version" \
  -n 'npm --version (shim)' "$tmp/shims/npm --version" \
  -n 'check -- npm install lodash' "$bin check -- npm install lodash" >/dev/null
python3 - "$tmp/out.json" <<'PY'
import json, sys
res = json.load(open(sys.argv[1]))["results"]
med = {r["command"]: r["median"] * 1000 for r in res}
for r in res:
    print(f'{r["command"]:32} median {r["median"]*1000:7.2f} ms   min {r["min"]*1000:6.2f}   max {r["max"]*1000:6.2f}')
d, s = med["npm --version (direct)"], med["npm --version (shim)"]
print(f'{"pass-through overhead":32} median {s - d:7.2f} ms   ({s / d:.2f}x the direct call)')
PY
