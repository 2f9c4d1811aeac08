#!/usr/bin/env bash
# What registry signals add to `installguard check`, against an npm registry and a PEP 691 index
# served on 127.0.0.1 by a small threaded Python server (so the figures are installguard's own
# cost plus one loopback round trip, not the internet's latency):
#   a. a popular name (never asked about): signals on vs off
#   b. a name that is not popular, npm and pip: signals off, on with a cold cache (emptied
#      before every run), on with a warm cache
# Prints a Markdown table of medians; "added" is against the first row of each group.
# Usage: bench/signals.sh [RUNS]   (default 100; needs hyperfine and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-100}
command -v hyperfine >/dev/null || { echo "needs hyperfine (apt-get install hyperfine)" >&2; exit 2; }
cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/installguard
tmp=$(mktemp -d)
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/home" "$tmp/config/installguard" "$tmp/cache" "$tmp/state" "$tmp/data"

python3 - "$tmp/port" <<'PY' &
import http.server, json, socketserver, sys, time
def ago(days): return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - days * 86400))
pages = {
    "/igbench-old": ("application/json", {"name": "igbench-old", "dist-tags": {"latest": "1.1.0"},
        "versions": {"1.0.0": {}, "1.1.0": {}},
        "time": {"created": ago(3000), "1.0.0": ago(3000), "1.1.0": ago(400)}}),
    "/simple/igbench-old/": ("application/vnd.pypi.simple.v1+json", {"meta": {"api-version": "1.4"},
        "name": "igbench-old", "files": [
            {"filename": "igbench_old-1.0-py3-none-any.whl", "url": "x", "hashes": {}, "upload-time": ago(3000)}]}),
}
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        page = pages.get(self.path)
        body = json.dumps(page[1]).encode() if page else b"{}"
        self.send_response(200 if page else 404)
        self.send_header("Content-Type", page[0] if page else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *a): pass
class S(socketserver.ThreadingMixIn, http.server.HTTPServer): daemon_threads = True
s = S(("127.0.0.1", 0), H)
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
server=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")"
printf '[signals]\nregistries = ["%s/"]\n' "$url" > "$tmp/config/installguard/policy.toml"

export HOME="$tmp/home" XDG_CONFIG_HOME="$tmp/config" XDG_CACHE_HOME="$tmp/cache" \
  XDG_STATE_HOME="$tmp/state" XDG_DATA_HOME="$tmp/data"
unset INSTALLGUARD_POLICY_SET
off="--set signals.enabled=false"
npm="check -- npm install --registry $url/ igbench-old"
pip="check -- pip install --index-url $url/simple/ igbench-old"
cold="rm -rf $tmp/cache/installguard"

# Sanity: each command runs and asks (or not) as intended.
"$bin" $npm >/dev/null && "$bin" $pip >/dev/null && "$bin" check -- npm install lodash >/dev/null

hyperfine -N --runs "$runs" --warmup 5 --style basic --export-json "$tmp/popular.json" \
  -n "popular, signals off" "$bin $off check -- npm install lodash" \
  -n "popular, signals on" "$bin check -- npm install lodash"
hyperfine -N --runs "$runs" --warmup 5 --style basic --export-json "$tmp/npm.json" \
  --prepare true --prepare "$cold" --prepare true \
  -n "npm, signals off" "$bin $off $npm" \
  -n "npm, cold cache" "$bin $npm" \
  -n "npm, warm cache" "$bin $npm"
hyperfine -N --runs "$runs" --warmup 5 --style basic --export-json "$tmp/pip.json" \
  --prepare true --prepare "$cold" --prepare true \
  -n "pip, signals off" "$bin $off $pip" \
  -n "pip, cold cache" "$bin $pip" \
  -n "pip, warm cache" "$bin $pip"
python3 - "$tmp"/popular.json "$tmp"/npm.json "$tmp"/pip.json <<'PY'
import json, sys
print("\n| check | median | min | max | added (median) |\n|---|---:|---:|---:|---:|")
for path in sys.argv[1:]:
    results = json.load(open(path))["results"]
    base = results[0]["median"]
    for r in results:
        ms = lambda x: f"{x * 1000:.2f} ms"
        print(f"| {r['command']} | {ms(r['median'])} | {ms(r['min'])} | {ms(r['max'])} | {ms(r['median'] - base)} |")
PY
