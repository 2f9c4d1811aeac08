#!/usr/bin/env bash
# Whole-process benchmarks, side by side in one run (hyperfine and GNU time; installed from
# Debian's packages if missing). For the embedded data, then again with a 200,000-report feed
# imported into $XDG_DATA_HOME/installguard/reputation.igrep:
#   0. `python3 -c pass`: the real interpreter directly, through an exec stub and through the
#      interpreter link (once; it reads no data)
#   a. a stand-in `npm` (a C program that prints a version) called directly, through a C stub that only
#      execs it (the physical floor of one extra process), and through installguard's shim link
#   b. installguard check -- npm install lodash
#   c. installguard check -- npm install <1,000 popular npm names>
#   d. installguard check -- pip install -r requirements.txt  (500 lines)
#   d2. the Python managers: stand-in `uv`, `pipx`, `poetry` through their shim links, and
#      check -- uv pip install requests / uv sync (a 500-package uv.lock) / uvx ruff /
#      pipx install black / poetry install (a 500-package poetry.lock)
#   e. stand-in `yarn`, `pnpm` and `bun` through their shim links, and check -- yarn/pnpm/bun add lodash
#   f. installguard check -- npm install in a project whose package.json and package-lock.json
#      list 40,000 dependencies (issue 11: manifest reading is linear)
#   g. peak memory (maximum resident set size) of each
#   h. a guarded install with the watch off and on (its added cost), in a populated home
# Optionally (when the npm registry answers) a peer, @aikidosec/safe-chain, pass-through only,
# installed into a temporary prefix and removed afterwards.
# Prints medians, min–max and ratios, and writes the same as Markdown to bench/results.md.
#
# Usage: bench/run.sh [RUNS]        (RUNS per command, default 300; BENCH_PEER=0 skips the peer)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
# bench/resolve.sh (at the end) needs the machine's real npm and pip, not the stand-ins below.
orig_path=$PATH
orig_home=$HOME
runs=${1:-300}
warmup=$((runs / 10 + 5))

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null 2>&1 && return
  echo "installing $2 from Debian's packages" >&2
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >/dev/null
}
need hyperfine hyperfine
[ -x /usr/bin/time ] || need /usr/bin/time time
need cc gcc
need python3 python3

cargo build --release --quiet
toolchain=$(rustc --version | cut -d' ' -f1-2)
bin=${CARGO_TARGET_DIR:-$root/target}/release/installguard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/shims" "$tmp/bin" "$tmp/home" "$tmp/proj" "$tmp/out"

# The stand-in real tool, and the floor: a stub that does nothing but exec it.
printf '#include <stdio.h>\nint main(void){puts("10.9.0");return 0;}\n' > "$tmp/npm.c"
cc -O2 -o "$tmp/bin/npm" "$tmp/npm.c"
cat > "$tmp/stub.c" <<EOF
#include <unistd.h>
int main(int argc, char **argv){ (void)argc; execv("$tmp/bin/npm", argv); return 127; }
EOF
cc -O2 -o "$tmp/stub-npm" "$tmp/stub.c"
# The shim links point at the small pass-through binary, as `installguard shell-init` makes them.
ln -s "$(dirname "$bin")/installguard-shim" "$tmp/shims/npm"
# The Python managers: the same stand-in program under their names, each behind a shim link.
for t in uv pipx poetry; do
  cp "$tmp/bin/npm" "$tmp/bin/$t"
  ln -s "$(dirname "$bin")/installguard-shim" "$tmp/shims/$t"
done
# The interpreter link: python3 through installguard-shim vs the real interpreter (resolved past
# pyenv-style shim scripts, whose own start-up would drown the difference) and its exec stub.
real_py=$(python3 -c 'import sys; print(sys.executable)')
ln -s "$real_py" "$tmp/bin/python3"
ln -s "$(dirname "$bin")/installguard-shim" "$tmp/shims/python3"
cat > "$tmp/stub-py.c" <<EOF
#include <unistd.h>
int main(int argc, char **argv){ (void)argc; execv("$tmp/bin/python3", argv); return 127; }
EOF
cc -O2 -o "$tmp/stub-python3" "$tmp/stub-py.c"
# The JavaScript managers: the same stand-in under their names, each behind its shim link.
for m in yarn pnpm bun; do
  cp "$tmp/bin/npm" "$tmp/bin/$m"
  ln -s "$(dirname "$bin")/installguard-shim" "$tmp/shims/$m"
done
# A project of 40,000 dependencies, in package.json and in package-lock.json.
mkdir -p "$tmp/big"
python3 - "$tmp/big" <<'PY'
import json, sys
d = sys.argv[1]
n = 40_000
deps = {f"dep-{i}": f"^1.0.{i}" for i in range(n)}
json.dump({"name": "big", "version": "1.0.0", "dependencies": deps}, open(f"{d}/package.json", "w"), indent=2)
pkgs = {"": {"name": "big", "dependencies": deps}}
for i in range(n):
    pkgs[f"node_modules/dep-{i}"] = {"version": f"1.0.{i}",
        "resolved": f"https://registry.npmjs.org/dep-{i}/-/dep-{i}-1.0.{i}.tgz",
        "integrity": f"sha512-{i:08d}"}
json.dump({"name": "big", "lockfileVersion": 3, "packages": pkgs}, open(f"{d}/package-lock.json", "w"), indent=2)
PY

# Names: the popular lists from ../shared/data when present, else the committed bench/names.
shared=$root/../shared/data
if [ -f "$shared/popular/npm.tsv" ] && [ -f "$shared/popular/pypi.tsv" ]; then
  names_from="../shared/data/popular (top 1,000 npm, top 500 PyPI)"
  awk -F'\t' 'NR > 1 && NR <= 1001 { print $1 }' "$shared/popular/npm.tsv" > "$tmp/npm-names.txt"
  awk -F'\t' 'NR > 1 && NR <= 501 { print $1 }' "$shared/popular/pypi.tsv" > "$tmp/pypi-names.txt"
else
  names_from="bench/names/*.txt (committed copies of the top of the embedded data's popular lists)"
  cp bench/names/npm-top1000.txt "$tmp/npm-names.txt"
  cp bench/names/pypi-top500.txt "$tmp/pypi-names.txt"
fi
python3 - "$tmp/pypi-names.txt" "$tmp/proj/requirements.txt" <<'PY'
import sys
names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
with open(sys.argv[2], "w") as f:
    f.write("# 500 popular PyPI packages, generated for the benchmark\n")
    for i, n in enumerate(names):
        f.write([f"{n}=={i % 7}.{i % 11}.0", f"{n}>=1.0", f"{n}  # unpinned", f"{n}~=2.1"][i % 4] + "\n")
PY
npm1000=$(tr '\n' ' ' < "$tmp/npm-names.txt")
# A uv project and a poetry project locking the 500 PyPI names.
mkdir -p "$tmp/uvproj" "$tmp/poetryproj"
python3 - "$tmp/pypi-names.txt" "$tmp/uvproj" "$tmp/poetryproj" <<'PY'
import sys
names = [l.strip() for l in open(sys.argv[1]) if l.strip()]
deps = ",\n".join(f'  "{n}"' for n in names[:50])
for d in sys.argv[2:]:
    open(f"{d}/pyproject.toml", "w").write(f'[project]\nname = "bench"\nversion = "0.1"\ndependencies = [\n{deps}\n]\n')
with open(f"{sys.argv[2]}/uv.lock", "w") as f:
    f.write("version = 1\nrevision = 3\n")
    for i, n in enumerate(names):
        f.write(f'\n[[package]]\nname = "{n}"\nversion = "1.{i}.0"\nsource = {{ registry = "https://pypi.org/simple" }}\n'
                f'sdist = {{ url = "https://files.pythonhosted.org/packages/{n}-1.{i}.0.tar.gz", hash = "sha256:00", size = 1 }}\n')
with open(f"{sys.argv[3]}/poetry.lock", "w") as f:
    for i, n in enumerate(names):
        f.write(f'[[package]]\nname = "{n}"\nversion = "1.{i}.0"\noptional = false\nfiles = [\n    {{file = "{n}-1.{i}.0.tar.gz", hash = "sha256:00"}},\n]\n\n')
    f.write('[metadata]\nlock-version = "2.1"\n')
PY

# The 200,000-report feed: synthetic unique names as OSV bulk feeds (npm/all.zip and
# PyPI/all.zip, 100,000 MAL- reports each, dated yesterday), imported with
# `installguard update --from DIR` into the updated-data location, as a user would.
feed=$tmp/feed-src
mkdir -p "$feed/npm" "$feed/PyPI" "$tmp/data-200k" "$tmp/data-embedded"
python3 - "$feed" <<'PY'
import datetime, json, random, sys, zipfile
rnd = random.Random(7)
syll = ["ba", "co", "de", "fi", "go", "hu", "ja", "ke", "lo", "mu", "no", "pi", "qu", "ra", "su",
        "ti", "vo", "wa", "xe", "yo", "ze", "str", "chr", "pl", "tr"]
day = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
seen = set()
zips = {eco: zipfile.ZipFile(f"{sys.argv[1]}/{eco}/all.zip", "w", zipfile.ZIP_DEFLATED) for eco in ("npm", "PyPI")}
i = 0
while len(seen) < 200_000:
    name = "".join(rnd.choice(syll) for _ in range(rnd.randint(2, 4))) + "-" + \
           "".join(rnd.choice(syll) for _ in range(rnd.randint(1, 3))) + f"-{i % 9973}"
    i += 1
    eco = "npm" if i % 2 else "PyPI"
    if (eco, name) in seen:
        continue
    seen.add((eco, name))
    rid = f"MAL-2026-{len(seen)}"
    ranges = [{"type": "SEMVER" if eco == "npm" else "ECOSYSTEM", "events": [{"introduced": "0"}]}]
    aff = {"package": {"ecosystem": eco, "name": name}}
    if i % 3:
        aff["versions"] = ["1.0.0"]
    else:
        aff["ranges"] = ranges
    zips[eco].writestr(f"{rid}.json", json.dumps({
        "id": rid, "modified": day, "published": day,
        "summary": f"Malicious code in {name} ({eco})", "affected": [aff]}))
for z in zips.values():
    z.close()
PY
XDG_DATA_HOME="$tmp/data-200k" "$bin" update --from "$feed" 2>/dev/null
feed_size=$(stat -c %s "$tmp/data-200k/installguard/reputation.igrep")

export PATH="$tmp/shims:$tmp/bin:$PATH" HOME="$tmp/home" XDG_STATE_HOME="$tmp/home/state" \
  XDG_CONFIG_HOME="$tmp/home/config"
unset INSTALLGUARD_ACTIVE INSTALLGUARD_YES
cd "$tmp/proj"

# Optional peer: pass-through only, into a temporary prefix, never global.
peer_cmd=""
peer_note="not measured (BENCH_PEER=0)"
if [ "${BENCH_PEER:-1}" != 0 ]; then
  peer_note="not measured (npm or the npm registry unavailable)"
  if command -v npm >/dev/null && ver=$(PATH=${PATH#"$tmp/shims:$tmp/bin:"} timeout 20 npm view @aikidosec/safe-chain version 2>/dev/null) && [ -n "$ver" ]; then
    if PATH=${PATH#"$tmp/shims:$tmp/bin:"} timeout 180 npm install --silent --no-audit --no-fund \
         --prefix "$tmp/peer" "@aikidosec/safe-chain@$ver" >/dev/null 2>&1 \
       && [ -x "$tmp/peer/node_modules/.bin/aikido-npm" ]; then
      # Without installguard's shims on PATH, so the peer wraps the same stand-in npm directly.
      peer_cmd="/usr/bin/env PATH=$tmp/bin:/usr/local/bin:/usr/bin:/bin $tmp/peer/node_modules/.bin/aikido-npm --version"
      peer_note="@aikidosec/safe-chain $ver (aikido-npm, in a temporary prefix; wraps the same stand-in npm)"
      if ! $peer_cmd >/dev/null 2>"$tmp/peer.err"; then
        peer_note="not measured (aikido-npm --version failed: $(head -c 200 "$tmp/peer.err" | tr '\n' ' '))"
        peer_cmd=""
      fi
    else
      peer_note="not measured (installing @aikidosec/safe-chain $ver failed)"
    fi
  fi
fi

measure() { # measure VARIANT-LABEL XDG_DATA_HOME RUNS [NAME|COMMAND...]
  local label=$1 data=$2 n=$3
  shift 3
  export XDG_DATA_HOME=$data
  local cmds=("$@")
  local args=() mem=$tmp/out/$label.mem
  : > "$mem"
  for c in "${cmds[@]}"; do
    local name=${c%%|*} cmd=${c#*|}
    # Sanity: the command runs (check exits 0 allow / 1 warn); any other code is a failure.
    local rc=0; $cmd >/dev/null 2>"$tmp/out/err" || rc=$?
    if [ "$rc" -gt 1 ]; then echo "FAILED ($rc): $name" >&2; cat "$tmp/out/err" >&2; exit 1; fi
    # Peak memory: the largest maximum resident set size over 5 runs, in KiB.
    local peak=0 kb
    for _ in 1 2 3 4 5; do
      kb=$( (/usr/bin/time -f '%M' $cmd 2>&1 >/dev/null || true) | tail -1)
      [ "$kb" -gt "$peak" ] && peak=$kb
    done
    printf '%s\t%s\t%s\n' "$name" "$peak" "$rc" >> "$mem"
    args+=(-n "$name" "$cmd")
  done
  # Rounds interleave the commands, so load from other work on the machine drifts over all of
  # them alike; the report pools every round's samples.
  local rounds=${ROUNDS:-3} r
  for r in $(seq $rounds); do
    hyperfine -N -i --style none --warmup "$((n / 30 + 2))" --runs "$(( (n + rounds - 1) / rounds ))" \
      --export-json "$tmp/out/$label.$r.json" "${args[@]}" >/dev/null 2>&1
  done
}

ours() { # ours VARIANT-LABEL XDG_DATA_HOME: the installguard commands
  measure "$1" "$2" "$runs" \
    "npm --version (direct)|$tmp/bin/npm --version" \
    "npm --version (exec stub: floor)|$tmp/stub-npm --version" \
    "npm --version (installguard shim)|$tmp/shims/npm --version" \
    "check -- npm install lodash|$bin check -- npm install lodash" \
    "check -- npm install <1,000 names>|$bin check -- npm install $npm1000" \
    "check -- pip install -r <500 lines>|$bin check -- pip install -r requirements.txt" \
    "uv --version (direct)|$tmp/bin/uv --version" \
    "uv --version (installguard shim)|$tmp/shims/uv --version" \
    "pipx --version (installguard shim)|$tmp/shims/pipx --version" \
    "poetry --version (installguard shim)|$tmp/shims/poetry --version" \
    "check -- uv pip install requests|$bin check -- uv pip install requests" \
    "check -- uv sync <500-package uv.lock>|$bin check -- uv --directory $tmp/uvproj sync" \
    "check -- uvx ruff|$bin check -- uvx ruff" \
    "check -- pipx install black|$bin check -- pipx install black" \
    "check -- poetry install <500-package poetry.lock>|$bin check -- poetry -C $tmp/poetryproj install" \
    "yarn --version (installguard shim)|$tmp/shims/yarn --version" \
    "pnpm --version (installguard shim)|$tmp/shims/pnpm --version" \
    "bun --version (installguard shim)|$tmp/shims/bun --version" \
    "check -- yarn add lodash|$bin check -- yarn add lodash" \
    "check -- pnpm add lodash|$bin check -- pnpm add lodash" \
    "check -- bun add lodash|$bin check -- bun add lodash" \
    "check -- npm install <40,000-dependency project>|$bin check --set signals.enabled=false -- npm install --prefix $tmp/big"
}

# h. The watch: a guarded install (the stand-in npm returns at once, so only installguard's work
#    is timed) with the watch off and on, in a home that holds what a developer's does: shell
#    rc files, SSH keys, cloud and container credentials, git config, two browser profiles with
#    a wallet extension, autostart entries and systemd user units.
h=$tmp/home
mkdir -p "$h/.ssh" "$h/.aws" "$h/.kube" "$h/.docker" "$h/.config/autostart" "$h/.config/systemd/user/default.target.wants" \
  "$h/.config/google-chrome/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn" \
  "$h/.config/google-chrome/Profile 1/Network" "$h/.mozilla/firefox/abc.default-release"
for f in .bashrc .profile .zshrc .bash_logout; do seq 1 200 | sed 's/^/# line /' > "$h/$f"; done
for k in id_ed25519 id_rsa work; do echo key > "$h/.ssh/$k"; echo pub > "$h/.ssh/$k.pub"; done
printf 'Host *\n  ServerAliveInterval 60\n' > "$h/.ssh/config"; : > "$h/.ssh/known_hosts"; : > "$h/.ssh/authorized_keys"
printf '[default]\n' > "$h/.aws/credentials"; printf '[default]\n' > "$h/.aws/config"
echo 'apiVersion: v1' > "$h/.kube/config"; echo '{}' > "$h/.docker/config.json"
printf '[user]\n\tname = dev\n' > "$h/.gitconfig"
for a in a b c; do printf '[Desktop Entry]\nExec=/usr/bin/%s\n' $a > "$h/.config/autostart/$a.desktop"; done
for u in x y; do printf '[Service]\nExecStart=/usr/bin/%s\n' $u > "$h/.config/systemd/user/$u.service"
  ln -sf "../$u.service" "$h/.config/systemd/user/default.target.wants/$u.service"; done
for p in Default "Profile 1"; do for f in Cookies "Login Data" "Web Data"; do : > "$h/.config/google-chrome/$p/$f"; done; done
: > "$h/.config/google-chrome/Local State"
: > "$h/.config/google-chrome/Default/Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn/000003.log"
for f in cookies.sqlite logins.json key4.db; do : > "$h/.mozilla/firefox/abc.default-release/$f"; done
# The watch compares `crontab -l` before and after. Where cron is not installed, a stand-in that
# answers like `crontab -l` without a crontab (nothing, exit 1) keeps its two process starts in
# the measurement.
crontab_note="the machine's crontab"
if ! command -v crontab >/dev/null 2>&1; then
  printf '#include <stdio.h>\nint main(void){fputs("no crontab for bench\\n", stderr);return 1;}\n' > "$tmp/crontab.c"
  cc -O2 -o "$tmp/bin/crontab" "$tmp/crontab.c"
  crontab_note="a stand-in crontab (a C program answering like crontab -l without a crontab: cron is not installed here)"
fi

set -f # the 1,000 names are split into words, never globbed
# The interpreter link (no data is read on this path, so once is enough). Python takes ~40 ms to
# start, so a burst of load from other work skews whichever command it lands on: 30 rounds of
# 10 runs each spread it over all three alike.
ROUNDS=30 measure python "$tmp/data-embedded" "$runs" \
  "python3 -c pass (direct)|$tmp/bin/python3 -c pass" \
  "python3 -c pass (exec stub: floor)|$tmp/stub-python3 -c pass" \
  "python3 -c pass (installguard link)|$tmp/shims/python3 -c pass"
ours embedded "$tmp/data-embedded"
ours feed-200k "$tmp/data-200k"
measure watch "$tmp/data-embedded" "$runs" \
  "run npm install lodash (watch off)|$bin --set watch.enabled=false run npm install lodash" \
  "run npm install lodash (watch on)|$bin run npm install lodash"
# The peer starts node (about a second here): 10 runs are enough to see it.
[ -n "$peer_cmd" ] && measure peer "$tmp/data-embedded" 10 "PEER safe-chain: aikido-npm --version|$peer_cmd"

cd "$root"
python3 - "$tmp/out" "$runs" "$names_from" "$feed_size" "$peer_note" "$toolchain" "$(python3 -c 'import platform; print("CPython " + platform.python_version())')" "$crontab_note" > bench/results.md <<'PY'
import json, os, platform, subprocess, sys, datetime
out, runs, names_from, feed_size, peer_note, toolchain, py_version, crontab_note = sys.argv[1:]
def sh(c):
    try: return subprocess.run(c, shell=True, capture_output=True, text=True).stdout.strip()
    except Exception: return "?"
model = sh("lscpu | sed -n 's/^Model name: *//p' | head -1") or "?"
SHIM, DIRECT, FLOOR = "npm --version (installguard shim)", "npm --version (direct)", "npm --version (exec stub: floor)"
TIME_TARGETS = {
    SHIM: ("overhead ≤ 1 ms", lambda med, base: med - base <= 1.0),
    "yarn --version (installguard shim)": ("overhead ≤ 1 ms", lambda med, base: med - base <= 1.0),
    "pnpm --version (installguard shim)": ("overhead ≤ 1 ms", lambda med, base: med - base <= 1.0),
    "bun --version (installguard shim)": ("overhead ≤ 1 ms", lambda med, base: med - base <= 1.0),
    "check -- yarn add lodash": ("≤ 5 ms", lambda med, base: med <= 5.0),
    "check -- pnpm add lodash": ("≤ 5 ms", lambda med, base: med <= 5.0),
    "check -- bun add lodash": ("≤ 5 ms", lambda med, base: med <= 5.0),
    "check -- npm install lodash": ("≤ 5 ms", lambda med, base: med <= 5.0),
    "check -- npm install <1,000 names>": ("≤ 50 ms", lambda med, base: med <= 50.0),
}
def load(name):
    import glob, statistics
    files = sorted(glob.glob(os.path.join(out, name + ".*.json")))
    if not files: return [], {}
    pooled = {}
    for f in files:
        for r in json.load(open(f))["results"]:
            pooled.setdefault(r["command"], []).extend(r["times"])
    res = [{"command": c, "median": statistics.median(t), "min": min(t), "max": max(t), "n": len(t)}
           for c, t in pooled.items()]
    mem = {}
    for line in open(os.path.join(out, name + ".mem")):
        n, kb, rc = line.rstrip("\n").split("\t"); mem[n] = int(kb) / 1024
    return res, mem
print("# installguard performance\n")
print(f"Generated by `bench/run.sh` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M UTC}.\n")
print(f"- Machine: {sh('nproc')} CPUs ({model}), Linux {platform.release()}; {toolchain}, release "
      f"profile (LTO). The machine was shared with other builds: figures are medians of {runs} runs "
      f"per command (hyperfine `-N`, no shell, after warm-up); peak memory is the largest maximum "
      f"resident set size of 5 runs (GNU time).")
print("- The stand-in `npm` is a C program that prints a version; the exec stub is a C program "
      "that only execs it: the physical floor of putting one extra process in front of npm.")
print(f"- Names: {names_from}; the requirements file has 500 lines of mixed pins.")
print(f"- 200k feed: 200,000 synthetic unique malicious names in OSV `npm/all.zip` and "
      f"`PyPI/all.zip` feeds, imported with `installguard update --from DIR` into "
      f"`$XDG_DATA_HOME/installguard/reputation.igrep` ({int(feed_size)/2**20:.1f} MiB; looked up "
      f"together with the embedded snapshot, its integrity vouched for by the stamp the update wrote).")
print(f"- Peer: {peer_note}.")
print("- The light shim's pass-through path alone, this build against an earlier one in the same "
      "rounds: `BEFORE=DIR bench/shim.sh` ([shim-results.md](shim-results.md)).\n")
peer_res, peer_mem = load("peer")
summary = []
for variant, title in [("embedded", "Embedded data"), ("feed-200k", "With a 200,000-report feed imported")]:
    res, mem = load(variant)
    med = {r["command"]: r["median"] * 1000 for r in res}
    base, floor, shim = med[DIRECT], med[FLOOR], med[SHIM]
    print(f"## {title}\n")
    print("| command | median ms | min–max ms | × direct npm | peak RSS MiB | target | met |")
    print("|---|---:|---:|---:|---:|---|---|")
    rows = res + (peer_res if variant == "embedded" else [])
    allmem = {**mem, **peer_mem}
    for r in rows:
        n = r["command"]; m = r["median"] * 1000; mib = allmem.get(n, 0.0)
        tgt, ok = [], []
        if n in TIME_TARGETS:
            t, f = TIME_TARGETS[n]; tgt.append(t); ok.append(f(m, base))
        # The 20 MiB memory target is for ordinary commands; the 40,000-dependency project
        # measures that reading stays linear, and its memory grows with it.
        if (n.startswith("check") and "40,000" not in n) or "(installguard shim)" in n:
            tgt.append("≤ 20 MiB"); ok.append(mib <= 20)
        for t, o in zip(tgt, ok): summary.append((title, n, t, o))
        met = ", ".join("yes" if o else "**no**" for o in ok)
        label = n.replace("<", "&lt;").replace(">", "&gt;")
        print(f"| {label} | {m:.2f} | {r['min']*1000:.2f}–{r['max']*1000:.2f} | {m/base:.1f} | "
              f"{mib:.1f} | {', '.join(tgt)} | {met} |")
    print(f"\nPass-through overhead (shim − direct): **{shim - base:.2f} ms** median. The floor "
          f"(exec stub − direct) is {floor - base:.2f} ms, so installguard's own share is "
          f"{shim - floor:.2f} ms.")
    if peer_res and variant == "embedded":
        p = peer_res[0]["median"] * 1000
        print(f"The peer (not installguard) adds {p - base:.0f} ms to the same call, "
              f"{(p - base) / max(shim - base, 1e-3):.0f}× installguard's overhead.")
    print()
py_res, py_mem = load("python")
if py_res:
    med = {r["command"]: r["median"] * 1000 for r in py_res}
    base = med["python3 -c pass (direct)"]
    floor = med["python3 -c pass (exec stub: floor)"]
    link = med["python3 -c pass (installguard link)"]
    print("## The interpreter link\n")
    print(f"`python3 -c pass`: the real interpreter ({py_version}) called directly, through a C stub "
          f"that only execs it, and through installguard's `python3` link (installguard-shim: "
          f"not `-m pip`, so it execs the interpreter by absolute path).\n")
    print("| command | median ms | min–max ms | peak RSS MiB | target | met |")
    print("|---|---:|---:|---:|---|---|")
    for r in py_res:
        n = r["command"]; m = r["median"] * 1000
        tgt, met_ = "", ""
        if n.endswith("(installguard link)"):
            ok = m - base <= 1.0
            tgt, met_ = "overhead ≤ 1 ms", "yes" if ok else "**no**"
            summary.append(("The interpreter link", n, tgt, ok))
        print(f"| {n} | {m:.2f} | {r['min']*1000:.2f}–{r['max']*1000:.2f} | "
              f"{py_mem.get(n, 0.0):.1f} | {tgt} | {met_} |")
    lo = {r["command"]: r["min"] * 1000 for r in py_res}
    print(f"\nPass-through overhead (link − direct): **{link - base:.2f} ms** median; the floor "
          f"(exec stub − direct) is {floor - base:.2f} ms, so installguard's own share is "
          f"{link - floor:.2f} ms. By the fastest run of each (the least disturbed by other work): "
          f"link − direct {lo['python3 -c pass (installguard link)'] - lo['python3 -c pass (direct)']:.2f} ms, "
          f"floor {lo['python3 -c pass (exec stub: floor)'] - lo['python3 -c pass (direct)']:.2f} ms.\n")
watch_res, watch_mem = load("watch")
if watch_res:
    med = {r["command"]: r["median"] * 1000 for r in watch_res}
    off, on = med["run npm install lodash (watch off)"], med["run npm install lodash (watch on)"]
    print("## The watch on a guarded install\n")
    print("A guarded `npm install lodash` whose real tool (the stand-in) returns at once, so the time is "
          "installguard's: deciding, both audit records, and with the watch its two snapshots, the "
          "credential watches and the crontab comparison. The home holds shell rc files, three SSH "
          "key pairs, cloud and container credentials, git config, two Chrome profiles with a wallet "
          "extension, a Firefox profile, autostart entries and systemd user units; `crontab -l` is "
          f"{crontab_note}.\n")
    print("| command | median ms | min–max ms | peak RSS MiB |")
    print("|---|---:|---:|---:|")
    for r in watch_res:
        n = r["command"]
        print(f"| {n} | {r['median']*1000:.2f} | {r['min']*1000:.2f}–{r['max']*1000:.2f} | {watch_mem.get(n, 0.0):.1f} |")
    print(f"\nAdded by the watch: **{on - off:.2f} ms** median per install.\n")

met = sum(o for *_, o in summary)
print(f"## Targets: {met} of {len(summary)} met\n")
for title, n, t, o in summary:
    if not o: print(f"- not met: {title} / `{n}`: {t}")
PY
# Whole-tree resolution: a guarded clean install against the same install run directly, on a
# loopback registry and a local wheel folder (the real npm and pip; BENCH_RESOLVE=0 skips it).
if [ "${BENCH_RESOLVE:-1}" != 0 ]; then
  cd "$root"
  env PATH="$orig_path" HOME="$orig_home" RUNS="${RESOLVE_RUNS:-10}" \
    bench/resolve.sh "$root/bench/results.md"
fi
cat "$root/bench/results.md"
