#!/usr/bin/env bash
# What whole-tree resolution costs: a guarded clean install against the same install run
# directly, on a loopback registry (the worst case: no network time hides the extra resolve-only
# run), for the real npm and the real pip:
#   npm install <app>   with 3 packages in the tree, and with ~100 (a generated tree)
#   pip install <app>   the same shapes, as wheels in a local --find-links folder
#   npx <app> args      the 3-package tree run once: fetched anew (npx's cache emptied before
#                       each run), and again with the tree npx installed before reused (named
#                       by its name, and by its exact version)
# Each run starts from a fresh project (npm: package.json only; pip: an empty --target), with
# warm caches for both sides alike. Prints medians and the ratio; appends a Markdown table to
# the file named by $1 (default bench/resolve-results.md).
#
# yarn, when its bins are given (no download here; the integration tests' setup step installs
# both under $CARGO_TARGET_DIR/tmp/tools/js-*/node_modules/.bin): YARN1_BIN=<dir> for yarn 1,
# YARN4_BIN=<dir> for yarn 4 (not YARN_*: yarn 4 reads those as its settings), the same
# shapes with `yarn add <app>` in a fresh project.
# TOOLS (default "npm pip npx", plus yarn1 / yarn-berry when their dirs are set) picks the rows.
#
# Usage: bench/resolve.sh [OUT.md] (RUNS=10 by default; set RUNS to change it)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-$root/bench/resolve-results.md}
runs=${RUNS:-10}
command -v hyperfine >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >/dev/null; }
command -v npm >/dev/null || { echo "npm is needed" >&2; exit 1; }

# IG_BIN=<dir>: installguard and installguard-shim already built there (e.g. a copy of an
# earlier build, to measure before and after a change in one session); else a release build.
if [ -n "${IG_BIN:-}" ]; then
  bin=$IG_BIN/installguard
else
  cargo build --release --quiet
  bin=${CARGO_TARGET_DIR:-$root/target}/release/installguard
fi
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
mkdir -p "$tmp/shims" "$tmp/home" "$tmp/reg" "$tmp/wheels"
for t in npm npx pip yarn; do ln -s "$(dirname "$bin")/installguard-shim" "$tmp/shims/$t"; done
tools=${TOOLS:-npm pip npx${YARN1_BIN:+ yarn1}${YARN4_BIN:+ yarn-berry}}
python3 -m venv "$tmp/venv" >/dev/null

# Packages: a small tree (app -> mid -> leaf) and a wide one (big -> 10 groups of 10 leaves,
# 111 packages), as npm tarballs served on 127.0.0.1 and as wheels in a folder.
python3 - "$tmp" <<'PY'
import base64, hashlib, io, json, os, sys, tarfile, zipfile
tmp = sys.argv[1]
tree = {"igb-app": ["igb-mid"], "igb-mid": ["igb-leaf"], "igb-leaf": []}
groups = [f"igb-group{g}" for g in range(10)]
tree["igb-big"] = groups
for g in range(10):
    leaves = [f"igb-g{g}-leaf{l}" for l in range(10)]
    tree[groups[g]] = leaves
    for l in leaves:
        tree[l] = []
json.dump(tree, open(f"{tmp}/tree.json", "w"))
for name, deps in tree.items():
    mod = name.replace("-", "_")
    dist = f"{mod}-1.0.0.dist-info"
    meta = f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0.0\n" + "".join(f"Requires-Dist: {d}\n" for d in deps)
    files = {f"{mod}/__init__.py": "", f"{dist}/METADATA": meta,
             f"{dist}/WHEEL": "Wheel-Version: 1.0\nGenerator: bench\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rec = [f"{p},sha256={base64.urlsafe_b64encode(hashlib.sha256(b.encode()).digest()).rstrip(b'=').decode()},{len(b)}" for p, b in files.items()]
    files[f"{dist}/RECORD"] = "\n".join(rec + [f"{dist}/RECORD,,"]) + "\n"
    with zipfile.ZipFile(f"{tmp}/wheels/{mod}-1.0.0-py3-none-any.whl", "w") as z:
        for p, b in files.items():
            z.writestr(p, b)
PY
cat > "$tmp/registry.py" <<'PY'
import base64, hashlib, http.server, io, json, sys, tarfile
tmp, port_file = sys.argv[1], sys.argv[2]
tree = json.load(open(f"{tmp}/tree.json"))
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), None)
url = f"http://127.0.0.1:{srv.server_address[1]}"
routes = {}
for name, deps in tree.items():
    manifest = {"name": name, "version": "1.0.0", "dependencies": {d: "^1.0.0" for d in deps}}
    files = {"package/index.js": "module.exports = 1;\n"}
    if name == "igb-app":
        manifest["bin"] = {name: "cli.js"}
        files["package/cli.js"] = "#!/usr/bin/env node\nconsole.log(process.argv.length)\n"
    files["package/package.json"] = json.dumps(manifest)
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as t:
        for p, body in files.items():
            b = body.encode(); i = tarfile.TarInfo(p); i.size = len(b); i.mode = 0o755; t.addfile(i, io.BytesIO(b))
    tgz = buf.getvalue()
    v = dict(manifest, dist={"tarball": f"{url}/{name}/-/{name}-1.0.0.tgz",
                             "integrity": "sha512-" + base64.b64encode(hashlib.sha512(tgz).digest()).decode()})
    # Dated long ago: yarn 4's time gate quarantines a version without a date.
    t0 = "2020-01-01T00:00:00.000Z"
    routes[f"/{name}"] = json.dumps({"name": name, "dist-tags": {"latest": "1.0.0"}, "versions": {"1.0.0": v},
                                     "time": {"created": t0, "modified": t0, "1.0.0": t0}}).encode()
    routes[f"/{name}/-/{name}-1.0.0.tgz"] = tgz
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm on, the body waits for the
    # client's delayed ACK (40 ms) on every keep-alive request, which would hide the cost of
    # resolving behind a stall no real registry has.
    disable_nagle_algorithm = True
    def do_GET(self):
        b = routes.get(self.path)
        if b is None:
            self.send_response(404); self.send_header("Content-Length", "0"); self.end_headers(); return
        self.send_response(200); self.send_header("Content-Length", str(len(b))); self.end_headers(); self.wfile.write(b)
    def log_message(self, *a): pass
srv.RequestHandlerClass = H
open(port_file, "w").write(url)
srv.serve_forever()
PY
python3 "$tmp/registry.py" "$tmp" "$tmp/url" &
server_pid=$!
for _ in $(seq 50); do [ -s "$tmp/url" ] && break; sleep 0.1; done
reg=$(cat "$tmp/url")

real_npm=$(command -v npm)
export HOME="$tmp/home" XDG_STATE_HOME="$tmp/home/state" XDG_CONFIG_HOME="$tmp/home/config" \
  XDG_DATA_HOME="$tmp/home/data" XDG_CACHE_HOME="$tmp/home/cache" \
  npm_config_cache="$tmp/home/npm-cache" npm_config_update_notifier=false npm_config_audit=false \
  npm_config_fund=false PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
unset INSTALLGUARD_ACTIVE INSTALLGUARD_YES
# Registry signals would ask about every non-popular name; this measures resolution alone.
mkdir -p "$tmp/home/config/installguard"
printf '[signals]\nenabled = false\n' > "$tmp/home/config/installguard/policy.toml"

rows=()
bench() { # bench LABEL PREPARE DIRECT GUARDED
  local label=$1 prepare=$2 direct=$3 guarded=$4
  hyperfine -N --style none --warmup 2 --runs "$runs" --prepare "$prepare" \
    --export-json "$tmp/r.json" -n direct "$direct" -n guarded "$guarded" >/dev/null 2>&1
  local d g
  d=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sorted(r[0]["times"])[len(r[0]["times"])//2])' "$tmp/r.json")
  g=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"]; print(sorted(r[1]["times"])[len(r[1]["times"])//2])' "$tmp/r.json")
  local row
  row=$(python3 -c 'import sys; d,g=float(sys.argv[1]),float(sys.argv[2]); print(f"| {sys.argv[3]} | {d*1000:.0f} ms | {g*1000:.0f} ms | {g/d:.2f}x |")' "$d" "$g" "$label")
  echo "$row"
  rows+=("$row")
  direct_s[$label]=$d guarded_s[$label]=$g
}
declare -A direct_s guarded_s

parts=()
part() { # part LABEL PREPARE_RESOLVE RESOLVE_ONLY PREPARE_PINNED PINNED (LABEL as given to bench)
  local label=$1
  hyperfine -N --style none --warmup 2 --runs "$runs" --prepare "$2" --prepare "$4" \
    --export-json "$tmp/r.json" -n resolve-only "$3" -n pinned "$5" >/dev/null 2>&1
  local row
  row=$(python3 - "$tmp/r.json" "${direct_s[$label]}" "${guarded_s[$label]}" "$label" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = lambda t: sorted(t)[len(t) // 2]
res, pin = med(r[0]["times"]), med(r[1]["times"])
d, g = float(sys.argv[2]), float(sys.argv[3])
ms = lambda x: f"{x * 1000:.0f} ms"
print(f"| {sys.argv[4]} | {ms(res)} | {ms(pin)} | {ms(res + pin)} ({(res + pin) / d:.2f}x) | {ms(g - res - pin)} |")
PY
)
  echo "$row"
  parts+=("$row")
}

proj=$tmp/proj
# hyperfine -N runs prepare commands without a shell too: they are scripts.
printf 'rm -rf %s && mkdir -p %s && printf %s > %s/package.json\n' "$proj" "$proj" \
  "'{\"name\":\"p\",\"version\":\"1.0.0\"}\\n'" "$proj" > "$tmp/prep-npm.sh"
printf 'rm -rf %s/target\n' "$tmp" > "$tmp/prep-pip.sh"
npm_prepare="sh $tmp/prep-npm.sh"
pip_prepare="sh $tmp/prep-pip.sh"
# yarn: a fresh project with its registry in .yarnrc (1) / .yarnrc.yml (4); `yarn add` runs in it.
yarn_prepare() { # yarn_prepare VERSION: the prepare script's path
  local f=$tmp/prep-yarn-$1.sh
  {
    echo "rm -rf $proj && mkdir -p $proj && cd $proj"
    echo "printf '{\"name\":\"p\",\"version\":\"1.0.0\",\"packageManager\":\"yarn@$1\"}\\n' > package.json"
    echo "printf 'registry \"$reg/\"\\n' > .yarnrc"
    echo "printf 'npmRegistryServer: \"$reg\"\\nunsafeHttpWhitelist:\\n  - 127.0.0.1\\nnodeLinker: node-modules\\nenableTelemetry: false\\n' > .yarnrc.yml"
  } > "$f"
  echo "sh $f"
}
yarn_run() { # yarn_run DIR APP SHIMMED: a script running `yarn add APP` in the project
  local f=$tmp/yarn-$RANDOM.sh path=$1
  [ "$3" = 1 ] && path=$tmp/shims:$1
  echo "cd $proj && PATH=$path:\$PATH COREPACK_ENABLE_STRICT=0 exec yarn add $2" > "$f"
  echo "sh $f"
}
# BENCH_ONLY=npx: the npx rows alone.
apps="igb-app igb-big"
[ "${BENCH_ONLY:-}" = npx ] && apps=""
for app in $apps; do
  n=$([ "$app" = igb-app ] && echo 3 || echo 111)
  case " $tools " in *" npm "*)
  bench "npm install ($n packages)" "$npm_prepare" \
    "$real_npm install --prefix $proj --registry $reg/ $app" \
    "$tmp/shims/npm install --prefix $proj --registry $reg/ $app" ;; esac
  case " $tools " in *" pip "*)
  bench "pip install ($n packages)" "$pip_prepare" \
    "$tmp/venv/bin/pip install --no-index --find-links $tmp/wheels --target $tmp/target $app" \
    "env PATH=$tmp/shims:$tmp/venv/bin:$PATH pip install --no-index --find-links $tmp/wheels --target $tmp/target $app" ;; esac
  case " $tools " in *" yarn1 "*)
  bench "yarn 1 add ($n packages)" "$(yarn_prepare 1.22.22)" \
    "$(yarn_run "$YARN1_BIN" $app 0)" "$(yarn_run "$YARN1_BIN" $app 1)" ;; esac
  case " $tools " in *" yarn-berry "*)
  bench "yarn 4 add ($n packages)" "$(yarn_prepare 4.18.1)" \
    "$(yarn_run "$YARN4_BIN" $app 0)" "$(yarn_run "$YARN4_BIN" $app 1)" ;; esac
done
case " $tools " in *" npx "*)
real_npx=$(command -v npx)
printf 'rm -rf %s/home/npm-cache/_npx\n' "$tmp" > "$tmp/prep-npx.sh"
bench "npx (3 packages, fetched)" "sh $tmp/prep-npx.sh" \
  "$real_npx --yes --registry $reg/ igb-app x" \
  "$tmp/shims/npx --yes --registry $reg/ igb-app x"
bench "npx (3 packages, reused)" "true" \
  "$real_npx --yes --registry $reg/ igb-app x" \
  "$tmp/shims/npx --yes --registry $reg/ igb-app x"
bench "npx (3 packages, reused, exact version)" "true" \
  "$real_npx --yes --registry $reg/ igb-app@1.0.0 x" \
  "$tmp/shims/npx --yes --registry $reg/ igb-app@1.0.0 x" ;; esac

# The checked trees, as installguard hands them to the pinned install: npm's lockfile from a
# resolve-only run, pip's hash-pinned lock of the closure.
npm_ro="--package-lock-only --ignore-scripts --no-audit --no-fund --fetch-retries=0 --fetch-timeout=60000 --no-progress --update-notifier=false"
pip_ro="--dry-run --report $tmp/report.json --no-input --retries 0 --timeout 15 --progress-bar off --only-binary :all: --disable-pip-version-check"
python3 - "$tmp" <<'PY'
import hashlib, json, sys
tmp = sys.argv[1]
tree = json.load(open(f"{tmp}/tree.json"))
for app in ("igb-app", "igb-big"):
    seen, todo = [], [app]
    while todo:
        n = todo.pop()
        if n not in seen:
            seen.append(n)
            todo += tree[n]
    with open(f"{tmp}/lock-{app}.txt", "w") as f:
        for n in seen:
            whl = f"{tmp}/wheels/{n.replace('-', '_')}-1.0.0-py3-none-any.whl"
            f.write(f"{n}==1.0.0 --hash=sha256:{hashlib.sha256(open(whl, 'rb').read()).hexdigest()}\n")
PY
for app in $apps; do
  n=$([ "$app" = igb-app ] && echo 3 || echo 111)
  sh "$tmp/prep-npm.sh"
  # shellcheck disable=SC2086
  "$real_npm" install --prefix "$proj" --registry "$reg/" "$app" $npm_ro >/dev/null 2>&1
  mkdir -p "$tmp/checked-$app"
  cp "$proj/package.json" "$proj/package-lock.json" "$tmp/checked-$app/"
  printf 'rm -rf %s && mkdir -p %s && cp %s/checked-%s/package.json %s/checked-%s/package-lock.json %s/\n' \
    "$proj" "$proj" "$tmp" "$app" "$tmp" "$app" "$proj" > "$tmp/prep-npm-$app.sh"
  # npm's parts are the two-run fallback's floor (npm 11 runs as one process, see README).
  case " $tools " in *" npm "*)
  part "npm install ($n packages)" "$npm_prepare" \
    "$real_npm install --prefix $proj --registry $reg/ $app $npm_ro" \
    "sh $tmp/prep-npm-$app.sh" "$real_npm install --prefix $proj --registry $reg/"
  esac
  case " $tools " in *" pip "*)
  part "pip install ($n packages)" "$pip_prepare" \
    "$tmp/venv/bin/pip install --no-index --find-links $tmp/wheels --target $tmp/target $app $pip_ro" \
    "$pip_prepare" \
    "$tmp/venv/bin/pip install --no-index --find-links $tmp/wheels --target $tmp/target --require-hashes --no-deps -r $tmp/lock-$app.txt --only-binary :all: --report $tmp/installed.json"
  esac
done

{
  echo
  echo "### Whole-tree resolution: guarded vs direct clean install (loopback registry, $(date -u +%Y-%m-%d))"
  echo
  echo "$tools: npm $(npm --version), pip $("$tmp/venv/bin/pip" --version | cut -d' ' -f2)${YARN1_BIN:+, yarn $("$YARN1_BIN/yarn" --version)}${YARN4_BIN:+, yarn $(cd "$tmp" && "$YARN4_BIN/yarn" --version)}; medians of $runs runs; registry signals off."
  echo
  echo "| command | direct | guarded | ratio |"
  echo "|---|---:|---:|---:|"
  printf '%s\n' "${rows[@]}"
  if [ ${#parts[@]} -gt 0 ]; then
    echo
    echo "The parts, each run alone by the real tool (medians of $runs runs): the resolve-only run, the"
    echo "pinned install of the checked tree, their sum (against the direct install), and what the"
    echo "guarded figure adds to the sum (installguard's own work)."
    echo
    echo "| install | resolve-only | pinned install | sum (÷ direct) | installguard's own |"
    echo "|---|---:|---:|---:|---:|"
    printf '%s\n' "${parts[@]}"
  fi
} >> "$out"
echo "appended to $out"
