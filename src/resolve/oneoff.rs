//! One-off runners: `npx` / `npm exec`, `bunx` / `bun x`, `pnpm dlx` / `pnpx`. The packages the
//! command would fetch are resolved first in an empty private directory with the tool's own
//! lockfile-only mode and scripts off (`npm install --package-lock-only --ignore-scripts` with
//! the npm resolver's flags and the user's npm configuration, `bun add --lockfile-only --exact`,
//! `pnpm add --lockfile-only`), checked like any resolved tree, and then run pinned: each spec
//! becomes `name@<checked version>` where it was written, nothing else on the command line
//! changes. npx and bunx install into a cache directory of their own per spec
//! (`<npm cache>/_npx/<hash>`, `<bun cache>/.bunx-<uid>/<spec>[+registry=<hash>]`): the checked
//! package.json and lockfile are put there first, and both tools install exactly that lockfile
//! (measured with npm 11.19.1 and bun 1.4.5: a lockfile placed there is followed entry for
//! entry); the run is compared with it after. A tree they installed there before is reused
//! without resolving: then that tree's lockfile is what is checked (for npx, when every spec
//! is an exact `name@x.y.z`, its directory is known from the specs and a tree there is checked
//! without the resolve-only run). pnpm dlx reads no lockfile
//! (its cache key is its own): the direct packages are pinned, the trees it installed before
//! for them are checked, and the tree it ran is compared with the checked ones after. A bare
//! command that a bin of the project or of npm's global prefix answers fetches nothing and is
//! not resolved; `npm exec -w` / `--workspaces` runs in each selected workspace, and is
//! resolved unless a bin answers in every one. npx git, URL, alias and local tarball specs are
//! resolved too and pinned to what the lockfile recorded. Does not resolve a folder spec, git,
//! URL or tarball specs of bunx and pnpm dlx, bunx with several packages, `npm init <x>` /
//! `pnpm create`. yarn dlx (berry) is resolved in `js` with the rest of berry's machinery.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use sha2::Digest;

use super::exec::{self, Tool, Workdir};
use super::{Failure, FileWrite, Outcome, Plan, Resolution, Step, Unresolved, Verify, js, npm};
use crate::cmdline::World;
use crate::cmdline::npm::spec::{SpecType, npa};
use crate::cmdline::npm::{ExecShape, ExecSpec};

const TOOL: &str = "npm";

/// How the one-off run was typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runner {
    /// `npx …` (npx-cli.js rewrites it into `npm exec …`).
    Npx,
    /// `npm exec …` / `npm x …`.
    NpmExec,
}

/// The arguments as `npm exec` reads them (`exec` first), and the arguments the real tool is
/// given once the specs are pinned: for npx its own rewrite with the options in npm's long
/// form and a `--` before the command (which npx leaves as it is when it reads it again), the
/// command and its arguments as the user's bytes. `map` turns an index of the first into one
/// of the second.
pub struct Argv {
    pub text: Vec<String>,
    pub real: Vec<OsString>,
    /// `real` index = text index - `offset`.
    pub offset: usize,
}

impl Argv {
    pub fn new(runner: Runner, args: &[OsString]) -> Argv {
        let text = super::lossy(args);
        match runner {
            Runner::NpmExec => Argv {
                text,
                real: args.to_vec(),
                offset: 0,
            },
            Runner::Npx => {
                let rewritten = crate::cmdline::npm::npx_args(&text);
                let mut real: Vec<OsString> = rewritten.iter().map(OsString::from).collect();
                // Everything after the first `--` is the user's, unchanged by the rewrite:
                // give it back as the bytes typed.
                if let Some(dash) = rewritten.iter().position(|a| a == "--") {
                    let k = rewritten.len() - dash - 1;
                    if k <= args.len() && text[args.len() - k..] == rewritten[dash + 1..] {
                        real.truncate(dash + 1);
                        real.extend_from_slice(&args[args.len() - k..]);
                    }
                }
                let mut full = vec!["exec".to_string()];
                full.extend(rewritten);
                Argv {
                    text: full,
                    real,
                    offset: 1,
                }
            }
        }
    }
}

/// The npm arguments of the resolve-only run: `install`, the user's npm configuration, the
/// resolver's flags, then the specs.
pub fn resolve_args(
    text: &[String],
    shape: &ExecShape,
    prefix: &Path,
    timeout_ms: u64,
) -> Vec<OsString> {
    let mut out: Vec<OsString> = vec!["install".into()];
    out.extend(shape.config_at.iter().map(|&i| OsString::from(&text[i])));
    out.extend(npm::resolve_only_flags(prefix, timeout_ms));
    out.extend(["--global=false".into(), "--location=project".into()]);
    out.extend(shape.specs.iter().map(|s| OsString::from(&s.spec)));
    out
}

/// The package names of registry specs; any other spec (git, URL, path, alias) is not resolved.
fn registry_names(tool: &'static str, specs: &[ExecSpec]) -> Result<Vec<String>, Unresolved> {
    specs
        .iter()
        .map(|s| match npa(&s.spec) {
            Ok(spec) if spec.ty == SpecType::Registry && spec.name.is_some() => {
                Ok(spec.name.unwrap_or_default())
            }
            _ => Err(Unresolved::new(
                tool,
                Failure::Unsupported,
                format!(
                    "`{}` is not a registry package (git, URL, path or alias specs are checked by name only)",
                    s.spec
                ),
            )),
        })
        .collect()
}

/// How a spec is found in the resolved lockfile: by the name it installs under (a registry
/// package's, an alias's, or a git or URL spec written `name@…`), or, for a git or URL spec
/// without one, as the top-level dependency no other spec claims. A folder is not resolved
/// (npx links it).
fn spec_names(tool: &'static str, specs: &[ExecSpec]) -> Result<Vec<Option<String>>, Unresolved> {
    specs
        .iter()
        .map(|s| match npa(&s.spec) {
            Ok(spec) if matches!(spec.ty, SpecType::Registry | SpecType::Alias) => {
                Ok(Some(spec.name.unwrap_or_default()))
            }
            Ok(spec) if matches!(spec.ty, SpecType::Git | SpecType::Remote | SpecType::File) => {
                Ok(spec.name)
            }
            Ok(spec) if spec.ty == SpecType::Directory => Err(Unresolved::new(
                tool,
                Failure::Unsupported,
                format!(
                    "`{}` is a folder: npx installs it as a link, which is checked by name only",
                    s.spec
                ),
            )),
            _ => Err(Unresolved::new(
                tool,
                Failure::Unsupported,
                format!("`{}` is not a spec npm reads", s.spec),
            )),
        })
        .collect()
}

/// Each spec written pinned to what the lockfile resolved for it: `name@version` for a
/// registry spec, `alias@npm:real@version` for an alias, for a git or URL spec the source
/// the lockfile records (a git commit, `name@` kept when it was written), so npx installs
/// exactly the checked source, and a local tarball as written (npx keys its directory by that
/// text; the placed lockfile holds its integrity). With the lockfile names each spec installs
/// under.
pub fn pin_exec_specs(
    specs: &[ExecSpec],
    names: &[Option<String>],
    lock: &npm::Lock,
) -> Result<(Vec<String>, Vec<String>), String> {
    let top = |n: &str| lock.entries.get(&format!("node_modules/{n}"));
    let claimed: Vec<&String> = names.iter().flatten().collect();
    let unclaimed: Vec<&String> = lock
        .entries
        .get("")
        .map(|root| root.deps.iter().filter(|d| !claimed.contains(d)).collect())
        .unwrap_or_default();
    if names.iter().filter(|n| n.is_none()).count() > 1 || unclaimed.len() > 1 {
        return Err("several git or URL specs without a name cannot be told apart in the                     lockfile; write them `name@<spec>`"
            .into());
    }
    let mut pinned = Vec::new();
    let mut keys = Vec::new();
    for (s, n) in specs.iter().zip(names) {
        let key = match n {
            Some(n) => n.clone(),
            None => (*unclaimed
                .first()
                .ok_or_else(|| format!("`{}` is not in the lockfile", s.spec))?)
            .clone(),
        };
        let e = top(&key).ok_or_else(|| format!("{key} is not in the lockfile"))?;
        let v = e.version.as_deref().unwrap_or_default();
        let spec = npa(&s.spec).map_err(|e| format!("{}: {e}", s.spec))?;
        pinned.push(match spec.ty {
            SpecType::Registry => format!("{key}@{v}"),
            SpecType::Alias => format!("{key}@npm:{}@{v}", e.name),
            SpecType::File => s.spec.clone(),
            _ => {
                let from = e
                    .resolved
                    .as_deref()
                    .ok_or_else(|| format!("the lockfile records no source for {key}"))?;
                if n.is_some() {
                    format!("{key}@{from}")
                } else {
                    from.to_string()
                }
            }
        });
        keys.push(key);
    }
    Ok((keys, pinned))
}

/// The real run's arguments with every spec pinned (`pinned[i]` for `shape.specs[i]`).
pub fn pinned_args(argv: &Argv, shape: &ExecShape, pinned: &[String]) -> Vec<OsString> {
    let mut out = argv.real.clone();
    for (s, p) in shape.specs.iter().zip(pinned) {
        let Some(i) = s.at.checked_sub(argv.offset) else {
            continue;
        };
        if let Some(slot) = out.get_mut(i) {
            *slot = if s.inline {
                OsString::from(format!("--package={p}"))
            } else {
                OsString::from(p)
            };
        }
    }
    out
}

/// npx's cache directory name for a list of specs: the first 16 hex digits of the sha512 of
/// the specs, sorted, joined by newlines (libnpmexec sorts with `localeCompare(b, 'en')`:
/// punctuation before digits before letters, case-insensitive first).
pub fn npx_hash(specs: &[String]) -> String {
    let key = |s: &str| -> Vec<(u8, char)> {
        s.chars()
            .map(|c| {
                let class = if c.is_ascii_alphabetic() {
                    2
                } else {
                    u8::from(c.is_ascii_digit())
                };
                (class, c.to_ascii_lowercase())
            })
            .collect()
    };
    let mut sorted: Vec<&String> = specs.iter().collect();
    sorted.sort_by(|a, b| key(a).cmp(&key(b)).then_with(|| b.cmp(a)));
    let joined = sorted
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join("\n");
    let digest = sha2::Sha512::digest(joined.as_bytes());
    digest.iter().take(8).map(|b| format!("{b:02x}")).collect()
}

/// What `npm config get cache prefix` printed: the cache directory and the global prefix.
pub fn parse_config(out: &str) -> Option<(PathBuf, PathBuf)> {
    let mut cache = None;
    let mut prefix = None;
    for line in out.lines() {
        if let Some(v) = line.strip_prefix("cache=") {
            cache = Some(PathBuf::from(v.trim_end()));
        } else if let Some(v) = line.strip_prefix("prefix=") {
            prefix = Some(PathBuf::from(v.trim_end()));
        }
    }
    Some((cache?, prefix?))
}

/// Why nothing is fetched for a bare command: a bin of that name in a `node_modules/.bin` from
/// the project up, or in the global prefix (what libnpmexec looks at before fetching).
pub fn bin_found(shape: &ExecShape, global_prefix: Option<&Path>) -> Option<String> {
    let cmd = shape.bare.as_deref().filter(|c| !c.is_empty())?;
    // A file of that name (a scoped or path-like spec names none).
    let plain = !cmd.contains('/');
    if plain && local_bin(&shape.local_prefix, Some(cmd)) {
        return Some(format!("`{cmd}` is a bin of the project"));
    }
    let global = global_prefix?;
    if global == shape.local_prefix {
        return None;
    }
    let bin = global.join("bin").join(cmd);
    if plain && bin.is_file() {
        return Some(format!("`{cmd}` is the global bin {}", bin.display()));
    }
    // An installed global package of that name (any version for a name alone) whose bin is
    // linked: npx runs it.
    let spec = npa(cmd).ok()?;
    let name = spec.name.filter(|_| spec.ty == SpecType::Registry)?;
    let pj = global
        .join("lib/node_modules")
        .join(&name)
        .join("package.json");
    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(&pj).ok()?).ok()?;
    let version = manifest["version"].as_str()?;
    let fits = spec.written.as_deref().is_none_or(|w| {
        w == "*" || crate::version::in_range(crate::ecosystem::Ecosystem::Npm, version, w)
    });
    let bins: Vec<String> = match &manifest["bin"] {
        serde_json::Value::String(_) => vec![name.rsplit('/').next().unwrap_or(&name).to_string()],
        serde_json::Value::Object(m) => m.keys().cloned().collect(),
        _ => Vec::new(),
    };
    (fits && bins.iter().any(|b| global.join("bin").join(b).is_file())).then(|| {
        format!(
            "`{cmd}` is installed globally ({name} {version} in {})",
            global.display()
        )
    })
}

/// Resolve `npx …` / `npm exec …` (see the module doc). `args`: the arguments after the program.
pub fn npm_exec(
    runner: Runner,
    tool: &Tool,
    args: &[OsString],
    world: &dyn World,
    timeout: std::time::Duration,
) -> Outcome {
    let argv = Argv::new(runner, args);
    let Some(shape) = crate::cmdline::npm::exec_shape(&argv.text, world) else {
        return Outcome::NotNeeded;
    };
    if shape.specs.is_empty() {
        // An interactive shell or `-c` without packages: it runs what is already there.
        return Outcome::NotNeeded;
    }
    match run(tool, &argv, &shape, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn run(
    tool: &Tool,
    argv: &Argv,
    shape: &ExecShape,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    // Where the command runs: in workspaces, once in each folder, where a bin of that folder
    // (or above) answers first; the packages fetched are the same for all (one npx tree).
    let dirs = match &shape.workspaces {
        None => vec![shape.local_prefix.clone()],
        Some(Ok(dirs)) => dirs.clone(),
        Some(Err(why)) => {
            return Err(fail(
                Failure::Unsupported,
                format!("`npm exec` in workspaces is checked by name only: {why}"),
            ));
        }
    };
    let in_dir = |d: &Path| ExecShape {
        local_prefix: d.to_path_buf(),
        ..shape.clone()
    };
    let names = spec_names(TOOL, &shape.specs)?;
    // A bin of the project answers before npm's configuration is needed.
    if dirs.iter().all(|d| bin_found(&in_dir(d), None).is_some()) {
        return Ok(Outcome::NotNeeded);
    }
    // npx is a script next to npm: the resolve-only runs use that npm.
    let npm_tool = sibling(tool, &["npm", "npm-cli.js"])
        .ok_or_else(|| fail(Failure::ToolFailed, "no `npm` next to npx".into()))?;
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let (cache, global_prefix) = npm_config(&npm_tool, argv, shape, &work, timeout)?;
    if bin_found(shape, Some(&global_prefix)).is_some() {
        return Ok(Outcome::NotNeeded);
    }
    if shape.bare.is_some() && dirs.iter().any(|d| has_own_bin(d, shape.bare.as_deref())) {
        return Err(fail(
            Failure::Unsupported,
            "the command is a bin of this project's own package.json: npx installs the project \
             into its cache, which is checked by name only"
                .into(),
        ));
    }
    // Every spec an exact version: the specs are already the pinned ones, so npx's directory
    // is known without resolving, and a tree it holds is what runs (checked as below).
    if let Some(pinned) = exact_pins(&shape.specs) {
        let dir = cache.join("_npx").join(npx_hash(&pinned));
        if dir.join("node_modules").is_dir() {
            let step = Step {
                args: pinned_args(argv, shape, &pinned),
                env: Vec::new(),
            };
            let tops: Vec<(String, String)> = names
                .iter()
                .flatten()
                .zip(&pinned)
                .map(|(n, p)| (n.clone(), p[n.len() + 1..].to_string()))
                .collect();
            return reuse(&dir, &tops, &pinned, step, work);
        }
    }
    let copy = work.path().join("exec");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    // The project's .npmrc (registries, scopes) applies to npx run in it.
    if let Ok(b) = crate::files::read_regular(&shape.local_prefix.join(".npmrc"), 1 << 20) {
        std::fs::write(copy.join(".npmrc"), b)
            .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    }
    let timeout_ms = timeout.as_millis().clamp(1_000, 60_000) as u64;
    // Local tarballs are read from where npx runs: the resolve-only run gets them absolute.
    let mut tarballs = Vec::new();
    let mut absolute = shape.clone();
    for s in &mut absolute.specs {
        if let Some(p) =
            npm::tarball_spec(&s.spec, &shape.cwd).map_err(|why| fail(Failure::Unsupported, why))?
        {
            s.spec.clone_from(&p.absolute);
            tarballs.push(p);
        }
    }
    let run_args = resolve_args(&argv.text, &absolute, &copy, timeout_ms);
    let ran = exec::run(&npm_tool, &run_args, &copy, &[], &work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run npm: {e}")))?;
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        return Err(fail(
            npm::classify(&ran.output()),
            super::tail(&ran.stderr, 3),
        ));
    }
    let read = |p: &Path| crate::files::read_regular(p, 64 << 20);
    let lock_bytes = read(&copy.join("package-lock.json"))
        .map_err(|e| fail(Failure::ToolFailed, format!("npm wrote no lockfile: {e}")))?;
    let manifest_bytes = read(&copy.join("package.json")).map_err(|e| {
        fail(
            Failure::ToolFailed,
            format!("npm wrote no package.json: {e}"),
        )
    })?;
    let lock = npm::parse_lock(&lock_bytes)
        .map_err(|e| fail(Failure::ToolFailed, format!("package-lock.json: {e}")))?;
    let (keys, pinned) = pin_exec_specs(&shape.specs, &names, &lock)
        .map_err(|why| fail(Failure::Unsupported, why))?;
    let tops: Vec<(String, String)> = keys
        .iter()
        .map(|k| {
            let v = lock.entries.get(&format!("node_modules/{k}"));
            (
                k.clone(),
                v.and_then(|e| e.version.clone()).unwrap_or_default(),
            )
        })
        .collect();
    let dir = cache.join("_npx").join(npx_hash(&pinned));
    let real = pinned_args(argv, shape, &pinned);
    let step = Step {
        args: real,
        env: Vec::new(),
    };
    // A tree npx installed there before is reused as it is: that one is what runs.
    if dir.join("node_modules").is_dir() {
        return reuse(&dir, &tops, &pinned, step, work);
    }
    // The tarballs' paths as npx writes them, relative to its directory.
    let respell = |b: Vec<u8>| {
        npm::respelled(b, &tarballs, &copy, &dir).map_err(|why| fail(Failure::Unsupported, why))
    };
    let (lock_bytes, manifest_bytes) = (respell(lock_bytes)?, respell(manifest_bytes)?);
    let original = |f: &str| read(&dir.join(f)).ok();
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: npm::packages(&lock, None),
        plan: Plan {
            steps: vec![step],
            verify: Some(Verify::NpxTree {
                dir: dir.clone(),
                expect: npm::pins(&lock),
            }),
            writes: vec![
                FileWrite {
                    path: dir.join("package.json"),
                    original: original("package.json"),
                    bytes: manifest_bytes,
                    keep: true,
                },
                FileWrite {
                    path: dir.join("package-lock.json"),
                    original: original("package-lock.json"),
                    bytes: lock_bytes,
                    keep: true,
                },
            ],
            // The program's own exit code is not an install failure: the tree stays.
            keep_writes: true,
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![format!(
            "npx runs {} from {}, installed from the checked lockfile",
            pinned.join(" "),
            dir.display()
        )],
    }))
}

/// Where npx keeps its installs and the global prefix whose bins it runs: `npm config get
/// cache prefix` with the user's npm configuration from the command line, run once.
fn npm_config(
    npm_tool: &Tool,
    argv: &Argv,
    shape: &ExecShape,
    work: &Workdir,
    timeout: std::time::Duration,
) -> Result<(PathBuf, PathBuf), Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let mut config_args: Vec<OsString> = vec!["config".into(), "get".into()];
    config_args.extend(
        shape
            .config_at
            .iter()
            .map(|&i| OsString::from(&argv.text[i])),
    );
    config_args.extend(["cache".into(), "prefix".into()]);
    let ran = exec::run(npm_tool, &config_args, &shape.cwd, &[], work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run npm: {e}")))?;
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Err(u);
    }
    parse_config(&ran.stdout).ok_or_else(|| {
        fail(
            Failure::ToolFailed,
            format!(
                "`npm config get cache prefix` failed: {}",
                super::tail(&ran.output(), 2)
            ),
        )
    })
}

/// The specs as npx's pinned run writes them (`name@version`) when every one already names an
/// exact version in that spelling; else `None` (a range, a tag or `v1.0.0` needs resolving).
pub fn exact_pins(specs: &[ExecSpec]) -> Option<Vec<String>> {
    specs
        .iter()
        .map(|s| {
            let spec = npa(&s.spec).ok()?;
            let name = spec.name.filter(|_| spec.ty == SpecType::Registry)?;
            let written = spec.written?;
            let v = semver::Version::parse(&written).ok()?;
            (v.build.is_empty() && v.to_string() == written).then(|| format!("{name}@{written}"))
        })
        .collect()
}

/// Run the tree npx installed in `dir` before, as it is: it is what is checked (from its
/// hidden lockfile, which describes what is installed and which npm trusts when reading the
/// tree; else its package-lock.json) and compared after. Its top-level packages must be the
/// pinned ones, else npx holds another tree for the same specs and nothing is assumed.
fn reuse(
    dir: &Path,
    tops: &[(String, String)],
    pinned: &[String],
    step: Step,
    work: Workdir,
) -> Result<Outcome, Unresolved> {
    let fail = |f: Failure, d: String| Unresolved::new(TOOL, f, d);
    let (used, bytes) = ["node_modules/.package-lock.json", "package-lock.json"]
        .iter()
        .find_map(|f| {
            crate::files::read_regular(&dir.join(f), 64 << 20)
                .ok()
                .map(|b| (dir.join(f), b))
        })
        .ok_or_else(|| {
            fail(
                Failure::Unsupported,
                format!(
                    "npx's cache {} holds a tree without a lockfile; remove the directory to resolve it anew",
                    dir.display()
                ),
            )
        })?;
    let old = npm::parse_lock(&bytes)
        .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", used.display())))?;
    let reused = tops.iter().all(|(n, want)| {
        old.entries
            .get(&format!("node_modules/{n}"))
            .and_then(|e| e.version.as_deref())
            .is_some_and(|v| v == want)
    });
    if !reused {
        return Err(fail(
            Failure::Unsupported,
            format!(
                "npx's cache {} holds another tree for {}; remove the directory to resolve it anew",
                dir.display(),
                pinned.join(" ")
            ),
        ));
    }
    Ok(Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: npm::packages(&old, None),
        plan: Plan {
            steps: vec![step],
            verify: Some(Verify::NpmLock {
                path: used,
                expect: npm::pins(&old),
            }),
            writes: Vec::new(),
            keep_writes: false,
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![format!(
            "npx reuses the tree it installed before in {}: that tree was checked",
            dir.display()
        )],
    }))
}

/// The packages of a bun or pnpm lockfile as `name@version integrity`, sorted (what a run from
/// it must hold).
pub fn entries(lock: &js::Lock) -> Vec<String> {
    let mut out: Vec<String> = lock
        .entries
        .values()
        .map(|e| {
            format!(
                "{}@{} {}",
                e.name,
                e.version,
                e.integrity.as_deref().unwrap_or("-")
            )
        })
        .collect();
    out.sort();
    out
}

/// A bin named `cmd` in a `node_modules/.bin` from `dir` up.
fn local_bin(dir: &Path, cmd: Option<&str>) -> bool {
    cmd.is_some_and(|c| {
        !c.contains('/')
            && dir
                .ancestors()
                .any(|d| d.join("node_modules/.bin").join(c).is_file())
    })
}

/// Resolve `bunx …` / `bun x …` (see the module doc). `skip`: how many arguments come before
/// bunx's own (1 for `bun x`).
pub fn bunx(
    tool: &Tool,
    args: &[OsString],
    skip: usize,
    world: &dyn World,
    timeout: std::time::Duration,
) -> Outcome {
    let text = super::lossy(args);
    let Some(mut shape) = crate::cmdline::bun::x_shape(&text[skip.min(text.len())..], world) else {
        return Outcome::NotNeeded;
    };
    for s in &mut shape.specs {
        s.at += skip;
    }
    if local_bin(&shape.cwd, shape.bare.as_deref()) {
        return Outcome::NotNeeded;
    }
    match bunx_run(tool, args, &shape, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn bunx_run(
    tool: &Tool,
    args: &[OsString],
    shape: &crate::cmdline::bun::XShape,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    const BUN: &str = "bun";
    let fail = |f: Failure, d: String| Unresolved::new(BUN, f, d);
    let [spec] = shape.specs.as_slice() else {
        return Err(fail(
            Failure::Unsupported,
            "bunx with several packages is checked by name only".into(),
        ));
    };
    let name = registry_names(BUN, std::slice::from_ref(spec))?.remove(0);
    // bunx is bun under another name.
    let bun = sibling(tool, &["bun"]).unwrap_or_else(|| Tool {
        real: tool.real.clone(),
        argv0: BUN.into(),
        env: tool.env.clone(),
    });
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("x");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let run = |args: Vec<OsString>, env: &[(OsString, OsString)]| {
        let ran = exec::run(&bun, &args, &copy, env, &work, timeout)
            .map_err(|e| fail(Failure::ToolFailed, format!("cannot run bun: {e}")))?;
        match ran.stopped(BUN, timeout) {
            Some(u) => Err(u),
            None => Ok(ran),
        }
    };
    // Where bunx keeps its installs: `<install cache>/.bunx-<uid>/<spec>[+registry=<hash>]`.
    let ran = run(vec!["pm".into(), "cache".into()], &[])?;
    let cache = PathBuf::from(ran.stdout.trim());
    if !ran.ok() || !cache.is_absolute() {
        return Err(fail(
            Failure::ToolFailed,
            format!("`bun pm cache`: {}", super::tail(&ran.output(), 2)),
        ));
    }
    let suffix = match &shape.registry {
        Some(r) => {
            let ran = run(
                vec![
                    "-e".into(),
                    "process.stdout.write(Bun.hash(process.env.INSTALLGUARD_REGISTRY).toString(16))"
                        .into(),
                ],
                &[("INSTALLGUARD_REGISTRY".into(), r.into())],
            )?;
            let h = ran.stdout.trim();
            if !ran.ok() || h.is_empty() || !h.chars().all(|c| c.is_ascii_hexdigit()) {
                return Err(fail(
                    Failure::ToolFailed,
                    format!("bun's registry hash: {}", super::tail(&ran.output(), 2)),
                ));
            }
            format!("+registry={h}")
        }
        None => String::new(),
    };
    std::fs::write(copy.join("package.json"), "{}\n")
        .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let mut add: Vec<OsString> = vec![
        "add".into(),
        "--lockfile-only".into(),
        "--ignore-scripts".into(),
        "--exact".into(),
    ];
    add.extend(shape.config.iter().map(OsString::from));
    add.push(OsString::from(&spec.spec));
    let ran = run(add, &[])?;
    if !ran.ok() {
        return Err(fail(
            js::classify(&ran.output()),
            super::tail(&ran.output(), 3),
        ));
    }
    let read = |p: &Path| crate::files::read_regular(p, 64 << 20);
    let lock_bytes = read(&copy.join("bun.lock"))
        .map_err(|e| fail(Failure::ToolFailed, format!("bun.lock: {e}")))?;
    let manifest = read(&copy.join("package.json"))
        .map_err(|e| fail(Failure::ToolFailed, format!("package.json: {e}")))?;
    let lock = js::parse_bun(&String::from_utf8_lossy(&lock_bytes))
        .map_err(|e| fail(Failure::ToolFailed, format!("bun.lock: {e}")))?;
    let version = lock
        .entries
        .values()
        .find(|e| e.name == name)
        .map(|e| e.version.clone())
        .ok_or_else(|| fail(Failure::ToolFailed, format!("{name} is not in bun.lock")))?;
    let pinned = format!("{name}@{version}");
    // SAFETY: getuid has no preconditions.
    let uid = unsafe { libc::getuid() };
    let dir = cache
        .join(format!(".bunx-{uid}"))
        .join(format!("{pinned}{suffix}"));
    let argv = Argv {
        text: Vec::new(),
        real: args.to_vec(),
        offset: 0,
    };
    let shape_specs = ExecShape {
        specs: shape.specs.clone(),
        bare: shape.bare.clone(),
        call: false,
        workspaces: None,
        config_at: Vec::new(),
        cwd: shape.cwd.clone(),
        local_prefix: shape.cwd.clone(),
    };
    let step = Step {
        args: pinned_args(&argv, &shape_specs, std::slice::from_ref(&pinned)),
        env: Vec::new(),
    };
    if dir.join("node_modules").is_dir() {
        // bunx runs what it installed there before, as it is.
        let bytes = read(&dir.join("bun.lock")).map_err(|e| {
            fail(
                Failure::Unsupported,
                format!(
                    "bunx's cache {} holds a tree without a readable bun.lock ({e}); remove the directory to resolve it anew",
                    dir.display()
                ),
            )
        })?;
        let old = js::parse_bun(&String::from_utf8_lossy(&bytes))
            .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", dir.display())))?;
        return Ok(Outcome::Resolved(Resolution {
            tool: BUN,
            packages: js::packages(js::Js::Bun, &old, None),
            plan: Plan {
                steps: vec![step],
                verify: Some(Verify::Unchanged {
                    path: dir.join("bun.lock"),
                    bytes,
                }),
                workdir: Some(work),
                ..Plan::default()
            },
            notes: vec![format!(
                "bunx reuses the tree it installed before in {}: that tree was checked",
                dir.display()
            )],
        }));
    }
    let original = |f: &str| read(&dir.join(f)).ok();
    Ok(Outcome::Resolved(Resolution {
        tool: BUN,
        packages: js::packages(js::Js::Bun, &lock, None),
        plan: Plan {
            steps: vec![step],
            verify: Some(Verify::BunxTree {
                dir: dir.clone(),
                expect: entries(&lock),
            }),
            writes: vec![
                FileWrite {
                    path: dir.join("package.json"),
                    original: original("package.json"),
                    bytes: manifest,
                    keep: true,
                },
                FileWrite {
                    path: dir.join("bun.lock"),
                    original: original("bun.lock"),
                    bytes: lock_bytes,
                    keep: true,
                },
            ],
            keep_writes: true,
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![format!(
            "bunx runs {pinned} from {}, installed from the checked bun.lock",
            dir.display()
        )],
    }))
}

/// pnpm's cache directory (its `dlx` trees are there): `$XDG_CACHE_HOME/pnpm`, else the
/// platform's user cache (`~/.cache/pnpm`, macOS `~/Library/Caches/pnpm`). A `cache-dir` set in
/// pnpm's configuration is not read.
fn pnpm_cache() -> Option<PathBuf> {
    if let Some(x) = std::env::var_os("XDG_CACHE_HOME").filter(|x| !x.is_empty()) {
        return Some(PathBuf::from(x).join("pnpm"));
    }
    let home = PathBuf::from(std::env::var_os("HOME")?);
    #[cfg(target_os = "macos")]
    let dir = home.join("Library/Caches/pnpm");
    #[cfg(not(target_os = "macos"))]
    let dir = home.join(".cache/pnpm");
    Some(dir)
}

/// The trees `pnpm dlx` installed before for exactly these packages (`name` → version, as its
/// `package.json` in `<cache>/dlx/<key>/pkg` lists them), newest first, each with its lockfile.
pub fn dlx_trees(dlx: &Path, wanted: &serde_json::Value) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(rd) = std::fs::read_dir(dlx) else {
        return Vec::new();
    };
    let mut out: Vec<(std::time::SystemTime, PathBuf, Vec<u8>)> = rd
        .flatten()
        .filter_map(|d| {
            let pkg = d.path().join("pkg");
            let m: serde_json::Value = serde_json::from_slice(
                &crate::files::read_regular(&pkg.join("package.json"), 1 << 20).ok()?,
            )
            .ok()?;
            if &m["dependencies"] != wanted || !pkg.join("node_modules").is_dir() {
                return None;
            }
            let lock = crate::files::read_regular(&pkg.join("pnpm-lock.yaml"), 64 << 20).ok()?;
            let when = std::fs::symlink_metadata(&pkg)
                .and_then(|m| m.modified())
                .ok()?;
            Some((when, pkg, lock))
        })
        .collect();
    out.sort_by_key(|e| std::cmp::Reverse(e.0));
    out.into_iter().map(|(_, p, l)| (p, l)).collect()
}

/// Resolve `pnpm dlx …` / `pnpx …` (see the module doc). `dlx_first`: the arguments are
/// pnpx's (`dlx` is implied).
pub fn pnpm_dlx(
    tool: &Tool,
    args: &[OsString],
    dlx_first: bool,
    world: &dyn World,
    timeout: std::time::Duration,
) -> Outcome {
    let mut text = super::lossy(args);
    let offset = usize::from(dlx_first);
    if dlx_first {
        text.insert(0, "dlx".into());
    }
    let Some(shape) = crate::cmdline::pnpm::dlx_shape(&text, world) else {
        return Outcome::NotNeeded;
    };
    match pnpm_run(tool, args, offset, &shape, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

fn pnpm_run(
    tool: &Tool,
    args: &[OsString],
    offset: usize,
    shape: &crate::cmdline::pnpm::DlxShape,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    const PNPM: &str = "pnpm";
    let fail = |f: Failure, d: String| Unresolved::new(PNPM, f, d);
    let names = registry_names(PNPM, &shape.specs)?;
    let pnpm = sibling(tool, &["pnpm"])
        .ok_or_else(|| fail(Failure::ToolFailed, "no `pnpm` next to pnpx".into()))?;
    let work =
        Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))?;
    let copy = work.path().join("dlx");
    std::fs::create_dir_all(&copy).map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    std::fs::write(copy.join("package.json"), "{}\n")
        .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    // The registries of the project pnpm runs in.
    if let Some(rc) = shape
        .dir
        .ancestors()
        .map(|d| d.join(".npmrc"))
        .find(|p| p.is_file())
        && let Ok(b) = crate::files::read_regular(&rc, 1 << 20)
    {
        std::fs::write(copy.join(".npmrc"), b)
            .map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    }
    let mut add: Vec<OsString> = vec![
        "add".into(),
        "--lockfile-only".into(),
        "--ignore-scripts".into(),
        "--config.update-notifier=false".into(),
        "--config.fetch-retries=0".into(),
    ];
    add.extend(shape.config.iter().map(OsString::from));
    add.extend(shape.specs.iter().map(|s| OsString::from(&s.spec)));
    let ran = exec::run(&pnpm, &add, &copy, &[], &work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run pnpm: {e}")))?;
    if let Some(u) = ran.stopped(PNPM, timeout) {
        return Err(u);
    }
    if !ran.ok() {
        return Err(fail(
            js::classify(&ran.output()),
            super::tail(&ran.output(), 3),
        ));
    }
    let bytes = crate::files::read_regular(&copy.join("pnpm-lock.yaml"), 64 << 20)
        .map_err(|e| fail(Failure::ToolFailed, format!("pnpm-lock.yaml: {e}")))?;
    let lock = js::parse_pnpm(&String::from_utf8_lossy(&bytes))
        .map_err(|e| fail(Failure::ToolFailed, format!("pnpm-lock.yaml: {e}")))?;
    let mut pinned = Vec::new();
    let mut wanted = serde_json::Map::new();
    for n in &names {
        let v = lock
            .entries
            .values()
            .find(|e| &e.name == n)
            .map(|e| e.version.clone())
            .ok_or_else(|| fail(Failure::ToolFailed, format!("{n} is not in pnpm-lock.yaml")))?;
        wanted.insert(n.clone(), serde_json::Value::String(v.clone()));
        pinned.push(format!("{n}@{v}"));
    }
    let argv = Argv {
        text: Vec::new(),
        real: args.to_vec(),
        offset,
    };
    let exec_shape = ExecShape {
        specs: shape.specs.clone(),
        bare: shape.bare.clone(),
        call: false,
        workspaces: None,
        config_at: Vec::new(),
        cwd: shape.dir.clone(),
        local_prefix: shape.dir.clone(),
    };
    let step = Step {
        args: pinned_args(&argv, &exec_shape, &pinned),
        env: Vec::new(),
    };
    let dlx = pnpm_cache()
        .ok_or_else(|| fail(Failure::ToolFailed, "no HOME for pnpm's cache".into()))?
        .join("dlx");
    let wanted = serde_json::Value::Object(wanted);
    // pnpm reuses a tree it installed before for the same packages, without resolving: those
    // are checked (all of them: which one pnpm picks depends on its cache key).
    let before = dlx_trees(&dlx, &wanted);
    let (packages, expect, note) = if before.is_empty() {
        (
            js::packages(js::Js::Pnpm, &lock, None),
            entries(&lock),
            format!(
                "pnpm dlx takes no lockfile: it resolves the dependencies of {} again as it \
                 installs them; the tree it installed is compared with the checked one after",
                pinned.join(" ")
            ),
        )
    } else {
        let mut packages = Vec::new();
        let mut expect = Vec::new();
        for (path, b) in &before {
            let old = js::parse_pnpm(&String::from_utf8_lossy(b))
                .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", path.display())))?;
            for p in js::packages(js::Js::Pnpm, &old, None) {
                if !packages.contains(&p) {
                    packages.push(p);
                }
            }
            expect.extend(entries(&old));
        }
        (
            packages,
            expect,
            format!(
                "pnpm dlx may reuse a tree it installed before ({}): checked",
                before
                    .iter()
                    .map(|(p, _)| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )
    };
    Ok(Outcome::Resolved(Resolution {
        tool: PNPM,
        packages,
        plan: Plan {
            steps: vec![step],
            verify: Some(Verify::PnpmDlx {
                dlx,
                wanted,
                expect,
            }),
            workdir: Some(work),
            ..Plan::default()
        },
        notes: vec![note],
    }))
}

/// `package.json` of the project declares a bin named `cmd`.
fn has_own_bin(prefix: &Path, cmd: Option<&str>) -> bool {
    let Some(cmd) = cmd else { return false };
    let Ok(b) = crate::files::read_regular(&prefix.join("package.json"), 16 << 20) else {
        return false;
    };
    let Ok(m) = serde_json::from_slice::<serde_json::Value>(&b) else {
        return false;
    };
    match &m["bin"] {
        serde_json::Value::Object(o) => o.contains_key(cmd),
        serde_json::Value::String(_) => m["name"]
            .as_str()
            .is_some_and(|n| n.rsplit('/').next() == Some(cmd)),
        _ => false,
    }
}

/// The tool that ships with a one-off runner (npm with npx, pnpm with pnpx, bun with bunx):
/// the runner itself when it is that tool, else the same directory, then the directory the
/// runner's file really lives in; run as the resolver runs tools.
fn sibling(tool: &Tool, names: &[&str]) -> Option<Tool> {
    let own = tool.real.file_name()?.to_string_lossy().into_owned();
    let found = if names.contains(&own.as_str()) {
        Some(tool.real.clone())
    } else {
        let mut dirs = vec![tool.real.parent()?.to_path_buf()];
        if let Ok(r) = std::fs::canonicalize(&tool.real)
            && let Some(p) = r.parent()
        {
            dirs.push(p.to_path_buf());
        }
        dirs.iter()
            .find_map(|d| names.iter().map(|n| d.join(n)).find(|p| p.is_file()))
    };
    found.map(|real| Tool {
        real,
        argv0: names[0].into(),
        env: tool.env.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::testworld::MemWorld;

    fn os(v: &[&str]) -> Vec<OsString> {
        v.iter().map(OsString::from).collect()
    }

    #[test]
    fn npx_hash_is_npxs() {
        // node -e "crypto.createHash('sha512').update('ex-app@1.0.0').digest('hex').slice(0,16)"
        assert_eq!(npx_hash(&["ex-app@1.0.0".into()]), "7644170ca35dcf0c");
    }

    #[test]
    fn only_exact_versions_as_npx_writes_them_skip_the_resolution() {
        let spec = |s: &str| ExecSpec {
            at: 0,
            inline: false,
            spec: s.into(),
        };
        let pins = |v: &[&str]| exact_pins(&v.iter().map(|s| spec(s)).collect::<Vec<_>>());
        assert_eq!(
            pins(&["a@1.0.0", "@s/b@2.1.0-rc.1"]),
            Some(vec!["a@1.0.0".into(), "@s/b@2.1.0-rc.1".into()])
        );
        for not in [
            &["a@1.0.0", "b"][..],
            &["a@^1.0.0"],
            &["a@latest"],
            &["a@v1.0.0"],
            &["a@1.0"],
            &["a@1.0.0+build"],
            &["x@npm:a@1.0.0"],
            &["github:u/a"],
            &["./a"],
        ] {
            assert_eq!(pins(not), None, "{not:?}");
        }
    }

    #[test]
    fn specs_are_pinned_in_place_and_the_users_arguments_stay() {
        let world = MemWorld::new();
        for (runner, args, want) in [
            (
                Runner::Npx,
                vec!["--registry", "http://r/", "app", "a", "--b", "c d"],
                vec![
                    "--registry",
                    "http://r/",
                    "--",
                    "app@1.0.0",
                    "a",
                    "--b",
                    "c d",
                ],
            ),
            (
                Runner::Npx,
                vec!["-y", "-p", "app@^1", "--", "app", "-p", "x"],
                vec!["--yes", "--package", "app@1.0.0", "--", "app", "-p", "x"],
            ),
            (
                Runner::NpmExec,
                vec!["exec", "--package=app", "-c", "app x"],
                vec!["exec", "--package=app@1.0.0", "-c", "app x"],
            ),
        ] {
            let argv = Argv::new(runner, &os(&args));
            let shape = crate::cmdline::npm::exec_shape(&argv.text, &world).unwrap();
            assert_eq!(shape.specs.len(), 1, "{args:?}");
            let got = pinned_args(&argv, &shape, &["app@1.0.0".into()]);
            assert_eq!(got, os(&want), "{args:?}");
            if runner == Runner::Npx {
                // npx reads its own rewrite as it is.
                let again: Vec<String> = got
                    .iter()
                    .map(|a| a.to_string_lossy().into_owned())
                    .collect();
                assert_eq!(crate::cmdline::npm::npx_args(&again), again);
            }
        }
    }

    #[test]
    fn the_resolve_only_run_keeps_the_users_npm_configuration_only() {
        let world = MemWorld::new();
        let argv = Argv::new(
            Runner::Npx,
            &os(&[
                "--yes",
                "--registry=http://r/",
                "--cache",
                "/c",
                "--prefix",
                "/g",
                "-p",
                "a",
                "-p",
                "b@2",
                "--",
                "cmd",
                "--registry",
                "x",
            ]),
        );
        let shape = crate::cmdline::npm::exec_shape(&argv.text, &world).unwrap();
        let args = resolve_args(&argv.text, &shape, Path::new("/w"), 5000);
        let text = crate::resolve::lossy(&args);
        assert_eq!(
            text[..6],
            [
                "install",
                "--registry=http://r/",
                "--cache",
                "/c",
                "--prefix",
                "/g"
            ]
        );
        // The resolve-only run's own prefix comes last, so it is the one npm uses.
        let ours = text.iter().position(|a| a == "--prefix=/w").unwrap();
        assert!(ours > 5, "{text:?}");
        assert_eq!(text[text.len() - 2..], ["a", "b@2"]);
        assert!(
            !text.iter().any(|a| a == "--yes" || a == "cmd" || a == "x"),
            "{text:?}"
        );
        assert!(text.iter().any(|a| a == "--package-lock-only"));
    }

    #[test]
    fn bunx_and_pnpm_dlx_specs_are_pinned_in_place() {
        let world = MemWorld::new();
        for (args, skip, want) in [
            (
                vec!["--registry=http://r/", "app", "-p", "x"],
                0,
                vec!["--registry=http://r/", "app@1.0.0", "-p", "x"],
            ),
            (
                vec!["x", "-p", "app", "cmd", "--package=y"],
                1,
                vec!["x", "-p", "app@1.0.0", "cmd", "--package=y"],
            ),
            (
                vec!["--package=app", "--bun", "cmd"],
                0,
                vec!["--package=app@1.0.0", "--bun", "cmd"],
            ),
        ] {
            let text: Vec<String> = args.iter().map(|a| (*a).to_string()).collect();
            let mut shape = crate::cmdline::bun::x_shape(&text[skip..], &world).unwrap();
            for s in &mut shape.specs {
                s.at += skip;
            }
            let exec = ExecShape {
                specs: shape.specs.clone(),
                bare: None,
                call: false,
                workspaces: None,
                config_at: Vec::new(),
                cwd: "/".into(),
                local_prefix: "/".into(),
            };
            let argv = Argv {
                text: Vec::new(),
                real: os(&args),
                offset: 0,
            };
            assert_eq!(
                pinned_args(&argv, &exec, &["app@1.0.0".into()]),
                os(&want),
                "{args:?}"
            );
        }
        let text: Vec<String> = [
            "--config.registry=http://r/",
            "dlx",
            "app@^1",
            "--package",
            "z",
        ]
        .iter()
        .map(|a| (*a).to_string())
        .collect();
        let shape = crate::cmdline::pnpm::dlx_shape(&text, &world).unwrap();
        assert_eq!(shape.specs.len(), 1);
        assert_eq!(
            (shape.specs[0].at, shape.specs[0].spec.as_str()),
            (2, "app@^1")
        );
        assert_eq!(shape.config, ["--config.registry=http://r/"]);
        let text: Vec<String> = ["dlx", "--package=a", "--package", "b", "cmd", "arg"]
            .iter()
            .map(|a| (*a).to_string())
            .collect();
        let shape = crate::cmdline::pnpm::dlx_shape(&text, &world).unwrap();
        let at: Vec<(usize, bool)> = shape.specs.iter().map(|s| (s.at, s.inline)).collect();
        assert_eq!(at, [(1, true), (3, false)]);
        assert!(shape.bare.is_none());
        // Nothing to run: not a one-off run the stage resolves.
        assert!(crate::cmdline::pnpm::dlx_shape(&["dlx".to_string()], &world).is_none());
        assert!(crate::cmdline::bun::x_shape(&["--bun".to_string()], &world).is_none());
    }

    #[test]
    fn lock_entries_and_reused_dlx_trees() {
        let t = tempfile::tempdir().unwrap();
        let lock = "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      app:\n        specifier: 1.0.0\n        version: 1.0.0\n\npackages:\n\n  app@1.0.0:\n    resolution: {integrity: sha512-a}\n\nsnapshots:\n\n  app@1.0.0: {}\n";
        for (key, deps) in [("k1", r#"{"app":"1.0.0"}"#), ("k2", r#"{"app":"^1.0.0"}"#)] {
            let pkg = t.path().join(key).join("pkg");
            std::fs::create_dir_all(pkg.join("node_modules")).unwrap();
            std::fs::write(
                pkg.join("package.json"),
                format!(r#"{{"name":"dlx","dependencies":{deps}}}"#),
            )
            .unwrap();
            std::fs::write(pkg.join("pnpm-lock.yaml"), lock).unwrap();
        }
        let found = dlx_trees(t.path(), &serde_json::json!({"app": "1.0.0"}));
        assert_eq!(found.len(), 1);
        assert!(found[0].0.starts_with(t.path().join("k1")));
        let parsed = js::parse_pnpm(lock).unwrap();
        assert_eq!(entries(&parsed), ["app@1.0.0 sha512-a"]);
    }

    #[test]
    fn bins_of_the_project_and_the_global_prefix_need_no_fetch() {
        let t = tempfile::tempdir().unwrap();
        let project = t.path().join("p/sub");
        let global = t.path().join("g");
        std::fs::create_dir_all(&project).unwrap();
        std::fs::create_dir_all(t.path().join("p/node_modules/.bin")).unwrap();
        std::fs::write(t.path().join("p/node_modules/.bin/lint"), "").unwrap();
        std::fs::create_dir_all(global.join("bin")).unwrap();
        std::fs::create_dir_all(global.join("lib/node_modules/@s/tool")).unwrap();
        std::fs::write(
            global.join("lib/node_modules/@s/tool/package.json"),
            r#"{"name": "@s/tool", "version": "2.0.0", "bin": {"st": "cli.js"}}"#,
        )
        .unwrap();
        std::fs::write(global.join("bin/st"), "").unwrap();
        std::fs::write(global.join("bin/fmt"), "").unwrap();
        let shape = |bare: &str| ExecShape {
            specs: Vec::new(),
            bare: Some(bare.into()),
            call: false,
            workspaces: None,
            config_at: Vec::new(),
            cwd: project.clone(),
            local_prefix: project.clone(),
        };
        let found = |bare: &str| bin_found(&shape(bare), Some(&global));
        // A bin from the project up, a global bin, an installed global package that fits.
        assert!(found("lint").unwrap().contains("project"));
        assert!(found("fmt").unwrap().contains("global bin"));
        assert!(found("@s/tool").unwrap().contains("@s/tool 2.0.0"));
        assert!(found("@s/tool@^2").is_some());
        // Another version, or nothing installed: npx fetches.
        assert_eq!(found("@s/tool@1"), None);
        assert_eq!(found("cowsay"), None);
    }

    #[test]
    fn npm_exec_in_workspaces_runs_in_each_selected_folder() {
        let world = MemWorld::new()
            .file(
                "package.json",
                r#"{"name":"root","workspaces":["packages/*"]}"#,
            )
            .file("packages/a/package.json", r#"{"name":"a"}"#)
            .file("packages/b/package.json", r#"{"name":"b"}"#);
        let dirs = |v: &[&str]| {
            let argv = Argv::new(Runner::NpmExec, &os(v));
            crate::cmdline::npm::exec_shape(&argv.text, &world)
                .unwrap()
                .workspaces
        };
        let p = |s: &str| PathBuf::from("/project").join(s);
        assert_eq!(dirs(&["exec", "--", "x"]), None);
        assert_eq!(
            dirs(&["exec", "-w", "b", "--", "x"]),
            Some(Ok(vec![p("packages/b")]))
        );
        assert_eq!(
            dirs(&["exec", "--ws", "--include-workspace-root", "--", "x"]),
            Some(Ok(vec![p(""), p("packages/a"), p("packages/b")]))
        );
        assert!(
            matches!(dirs(&["exec", "-w", "nope", "--", "x"]), Some(Err(e)) if e.contains("nope"))
        );
    }

    #[test]
    fn config_output_is_read() {
        assert_eq!(
            parse_config("cache=/h/.npm\nprefix=/usr\n"),
            Some((PathBuf::from("/h/.npm"), PathBuf::from("/usr")))
        );
        assert_eq!(parse_config("npm error\n"), None);
    }

    #[test]
    fn git_url_alias_and_tarball_specs_are_pinned_to_what_the_lockfile_resolved() {
        let spec = |s: &str| ExecSpec {
            at: 0,
            inline: true,
            spec: s.into(),
        };
        let specs = [
            spec("git+file:///r/g.git"),
            spec("nice@npm:real@^1"),
            spec("a@^2"),
            spec("./t.tgz"),
        ];
        let lock = npm::parse_lock(
            br#"{"packages": {
                "": {"dependencies": {"g": "git+file:///r/g.git", "nice": "npm:real@^1", "a": "^2", "t": "file:t.tgz"}},
                "node_modules/g": {"version": "1.0.0", "resolved": "git+file:///r/g.git#abc123"},
                "node_modules/nice": {"name": "real", "version": "1.2.0", "integrity": "sha512-r"},
                "node_modules/a": {"version": "2.1.0"},
                "node_modules/t": {"version": "0.1.0", "resolved": "file:t.tgz"}
            }}"#,
        )
        .unwrap();
        // Two specs without a name (the git one, the tarball) cannot be told apart.
        let names = spec_names(TOOL, &specs).unwrap();
        assert_eq!(names, [None, Some("nice".into()), Some("a".into()), None]);
        assert!(pin_exec_specs(&specs, &names, &lock).is_err());
        let specs = &specs[..3];
        let names = spec_names(TOOL, specs).unwrap();
        let without_t = npm::parse_lock(
            br#"{"packages": {
                "": {"dependencies": {"g": "git+file:///r/g.git", "nice": "npm:real@^1", "a": "^2"}},
                "node_modules/g": {"version": "1.0.0", "resolved": "git+file:///r/g.git#abc123"},
                "node_modules/nice": {"name": "real", "version": "1.2.0"},
                "node_modules/a": {"version": "2.1.0"}
            }}"#,
        )
        .unwrap();
        let (keys, pinned) = pin_exec_specs(specs, &names, &without_t).unwrap();
        assert_eq!(keys, ["g", "nice", "a"]);
        assert_eq!(
            pinned,
            [
                "git+file:///r/g.git#abc123",
                "nice@npm:real@1.2.0",
                "a@2.1.0"
            ]
        );
        assert!(spec_names(TOOL, &[spec("./folder")]).is_err());
    }
}
