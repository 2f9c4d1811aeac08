//! uv: resolve `uv pip install`, `uvx`, `uv tool run` and `uv tool install` with `uv pip
//! compile --no-build --generate-hashes` (the same uv, interpreter and index options; nothing is
//! built, so no package code runs), read the lock it writes (every version with its file hashes
//! and what pulls it in: `# via`), and plan the real run from exactly that lock: `uv pip
//! install --require-hashes -r <lock>`; for tools, the command as typed with the lock as
//! `--constraints` (uv checks no hashes there: pinned by version) and, for `uv tool install`,
//! the tool's environment compared after. `--no-build` unless a build was allowed. Pure except
//! [`resolve`], [`compile`] and [`run_uv`]. Project commands (and `uv run`, whose `--with`
//! requirements are compiled here) are `uv_project`'s.
use std::collections::HashMap;
use std::ffi::OsString;

use super::exec::{self, Tool, Workdir};
use super::{Builds, Failure, Outcome, Package, Plan, Resolution, Step, Unresolved, Verify};
use crate::cmdline::uv::{Command, Scan};
use crate::ecosystem::{Ecosystem, pep503};
use crate::request::{Request, Resolved};

const TOOL: &str = "uv";

/// One pinned requirement of a lock `uv pip compile` wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub hashes: Vec<String>,
    /// What requires it (`-r <file>` for a direct requirement).
    pub via: Vec<String>,
}

/// Read the requirements file `uv pip compile --generate-hashes` writes.
pub fn parse_lock(text: &str) -> Vec<Locked> {
    let mut out: Vec<Locked> = Vec::new();
    let mut in_via = false;
    for line in text.lines() {
        let t = line.trim();
        if t.is_empty() {
            continue;
        }
        if !line.starts_with(' ') && !t.starts_with('#') && !t.starts_with('-') {
            let req = t.trim_end_matches('\\').trim();
            let (name, version) = match req.split_once("==") {
                Some((n, v)) => (n.trim(), v.split(';').next().unwrap_or(v).trim()),
                None => (req, ""),
            };
            out.push(Locked {
                name: name.split('[').next().unwrap_or(name).to_string(),
                version: version.to_string(),
                ..Locked::default()
            });
            in_via = false;
            continue;
        }
        let Some(cur) = out.last_mut() else { continue };
        if let Some(h) = t.strip_prefix("--hash=") {
            cur.hashes.push(h.trim_end_matches('\\').trim().to_string());
        } else if let Some(v) = t.strip_prefix("# via") {
            in_via = true;
            let v = v.trim();
            if !v.is_empty() {
                cur.via.push(v.to_string());
            }
        } else if in_via && let Some(v) = t.strip_prefix('#') {
            cur.via.push(v.trim().to_string());
        }
    }
    out
}

/// Locked requirements as packages: direct when a requirements file asks for them, else with
/// the chain that pulls them in.
pub fn packages(locked: &[Locked]) -> Vec<Package> {
    let by_name: HashMap<String, &Locked> = locked.iter().map(|l| (pep503(&l.name), l)).collect();
    let direct = |l: &Locked| {
        l.via
            .iter()
            .any(|v| v.starts_with("-r ") || v.starts_with("-c "))
    };
    let chain = |l: &Locked| -> Vec<String> {
        let mut chain = Vec::new();
        let mut cur = l;
        while !direct(cur) && chain.len() < 64 {
            let Some(parent) = cur.via.iter().find_map(|v| by_name.get(&pep503(v))) else {
                break;
            };
            if chain.contains(&parent.name) {
                break;
            }
            chain.insert(0, parent.name.clone());
            cur = parent;
        }
        chain
    };
    locked
        .iter()
        .map(|l| {
            let direct = direct(l);
            let chain = if direct { Vec::new() } else { chain(l) };
            package_of(&l.name, &l.version, &l.hashes, direct, chain)
        })
        .collect()
}

/// One package uv locked (a `uv pip compile` lock line, a uv.lock entry) as a checked
/// package: its version and first file hash, direct or pulled in by `required_by`, from the
/// registry and added (uv.lock readers set source, change and install-time code after).
pub fn package_of(
    name: &str,
    version: &str,
    hashes: &[String],
    direct: bool,
    required_by: Vec<String>,
) -> Package {
    Package {
        ecosystem: Ecosystem::Pypi,
        name: name.to_string(),
        resolved: Resolved {
            by: TOOL.into(),
            version: Some(version.to_string()),
            integrity: hashes.first().cloned(),
            direct,
            required_by,
            source: "registry".into(),
            change: "added".into(),
            ..Resolved::default()
        },
    }
}

/// A tree uv could not resolve.
pub fn fail(failure: Failure, detail: String) -> Unresolved {
    Unresolved::new(TOOL, failure, detail)
}

/// Why `uv pip compile` failed, from its messages.
pub fn classify(output: &str) -> Failure {
    if output.contains("building from source is disabled")
        || output.contains("has no usable wheels")
        || output.contains("Building source distributions is disabled")
    {
        Failure::NeedsBuild
    } else if output.contains("Failed to fetch")
        || output.contains("error sending request")
        || output.contains("Connection refused")
        || output.contains("dns error")
    {
        Failure::Offline
    } else if output.contains("was not found in the package registry")
        || output.contains("was not found in the provided package locations")
        || output.contains("not found in the package registry")
    {
        Failure::NotFound
    } else {
        Failure::ToolFailed
    }
}

/// The packages uv names in "Wheels are required for `x`" hints.
pub fn needing_builds(output: &str) -> Vec<String> {
    output
        .lines()
        .filter_map(|l| l.split("Wheels are required for `").nth(1))
        .filter_map(|rest| rest.split('`').next())
        .map(str::to_string)
        .collect()
}

/// Options of `uv pip install` that also mean something to `uv pip compile` (which index, which
/// interpreter, which constraints): the resolve-only run gets them, nothing else.
const FOR_COMPILE: &[&str] = &[
    "--index-url",
    "-i",
    "--extra-index-url",
    "--index",
    "--default-index",
    "--find-links",
    "-f",
    "--no-index",
    "--index-strategy",
    "--keyring-provider",
    "--prerelease",
    "--pre",
    "--python",
    "-p",
    "--python-version",
    "--python-platform",
    "--constraint",
    "--constraints",
    "-c",
    "--override",
    "--overrides",
    "--exclude-newer",
    "--exclude-newer-package",
    "--resolution",
    "--no-sources",
    "--config-setting",
    "--no-build-isolation",
    "--no-build-isolation-package",
    "--torch-backend",
    "--extra",
    "--all-extras",
    "--group",
    "--system",
    "--allow-insecure-host",
    "--trusted-host",
    "--cache-dir",
    "--no-cache",
    "--offline",
    "--native-tls",
    "--no-config",
    "--config-file",
    "--directory",
    "--project",
];

/// Options that name what to install: they go into the compile's inputs, not the real run.
const NAMES_PACKAGES: &[&str] = &["--requirement", "-r", "--editable", "-e"];

/// Resolve a `uv pip install` (see the module doc). `args` are uv's arguments.
pub fn resolve(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    request: &Request,
    builds: Builds,
    timeout: std::time::Duration,
) -> Outcome {
    let direct = super::pip::direct_builds(request);
    if !direct.is_empty() {
        // uv's --no-build refuses local projects too; with the build allowed, the install
        // runs as typed (the project's own requirements are the names checked).
        if !builds.direct {
            return Outcome::Unresolved(Unresolved::needs_build(
                TOOL,
                "nothing was built; if you go ahead, uv builds it and installs what it requires",
                direct,
                Builds {
                    direct: true,
                    index: false,
                },
            ));
        }
        return Outcome::Unresolved(Unresolved::new(
            TOOL,
            Failure::Unsupported,
            "the dependencies of a local project or VCS checkout are resolved by uv while it builds it",
        ));
    }
    let run = match scan.command {
        Command::ToolRun | Command::ToolInstall => tool_run,
        _ => run,
    };
    match run(tool, args, scan, builds, timeout) {
        Ok(o) => o,
        Err(u) => Outcome::Unresolved(u),
    }
}

/// What `uv pip compile` locks: requirement specs and requirements files.
pub struct Inputs {
    pub specs: Vec<String>,
    pub files: Vec<String>,
}

/// A private work directory for a resolution.
pub fn workdir() -> Result<Workdir, Unresolved> {
    Workdir::new().map_err(|e| fail(Failure::ToolFailed, format!("work directory: {e}")))
}

/// `uv pip compile --generate-hashes` of `inputs` in `work` with the options of the command
/// line that also mean something to it; the lock it wrote and what it holds.
pub fn compile(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    inputs: &Inputs,
    builds: Builds,
    timeout: std::time::Duration,
    work: &Workdir,
) -> Result<(std::path::PathBuf, Vec<Locked>), Unresolved> {
    let cwd = std::env::current_dir().map_err(|e| fail(Failure::ToolFailed, e.to_string()))?;
    let input = work.path().join("requested.in");
    let lock = work.path().join("locked.txt");
    std::fs::write(&input, inputs.specs.join("\n") + "\n")
        .map_err(|e| fail(Failure::ToolFailed, format!("{}: {e}", input.display())))?;
    let mut compile: Vec<OsString> = Vec::new();
    for o in scan.options.iter().filter(|o| o.global) {
        compile.extend_from_slice(&args[o.start..o.end]);
    }
    compile.extend([
        "pip".into(),
        "compile".into(),
        "--generate-hashes".into(),
        "--quiet".into(),
    ]);
    if !builds.index {
        compile.push("--no-build".into());
    }
    compile.extend(["-o".into(), lock.clone().into()]);
    let mut seen = std::collections::HashSet::new();
    for o in scan.options.iter().filter(|o| !o.global) {
        if FOR_COMPILE.contains(&o.spell) && seen.insert(o.start) {
            compile.extend_from_slice(&args[o.start..o.end]);
        }
    }
    if !inputs.specs.is_empty() {
        compile.push(input.clone().into());
    }
    compile.extend(inputs.files.iter().map(OsString::from));
    run_uv(tool, &compile, &cwd, work, timeout)?;
    let text = crate::files::read_regular(&lock, 64 << 20)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| fail(Failure::ToolFailed, format!("uv's lock: {e}")))?;
    let locked = parse_lock(&text);
    Ok((lock, locked))
}

/// Run uv resolve-only (`UV_HTTP_RETRIES=0`) in `cwd`; its failure told apart from its
/// words (an sdist it would have to build names the packages and asks for an index build).
pub fn run_uv(
    tool: &Tool,
    args: &[OsString],
    cwd: &std::path::Path,
    work: &Workdir,
    timeout: std::time::Duration,
) -> Result<(), Unresolved> {
    let env = [(OsString::from("UV_HTTP_RETRIES"), OsString::from("0"))];
    let ran = exec::run(tool, args, cwd, &env, work, timeout)
        .map_err(|e| fail(Failure::ToolFailed, format!("cannot run uv: {e}")))?;
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Err(u);
    }
    if ran.ok() {
        return Ok(());
    }
    let out = ran.output();
    let failure = classify(&out);
    let mut u = fail(failure, super::tail(&ran.stderr, 3));
    if failure == Failure::NeedsBuild {
        u.builds = needing_builds(&out);
        u.needs.index = true;
        u.detail = "nothing was built; if you go ahead, uv builds it and installguard checks what it requires".into();
    }
    Err(u)
}

/// A compiled lock as the resolution, installed by `real` (the work directory kept for it).
fn pinned(locked: &[Locked], work: Workdir, real: Vec<OsString>, notes: Vec<String>) -> Outcome {
    Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(locked),
        plan: Plan {
            steps: vec![Step {
                args: real,
                env: Vec::new(),
            }],
            verify: None,
            writes: Vec::new(),
            keep_writes: false,
            workdir: Some(work),
            ..Plan::default()
        },
        notes,
    })
}

fn run(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let inputs = Inputs {
        specs: scan
            .positionals
            .iter()
            .map(|&i| args[i].to_string_lossy().into_owned())
            .collect(),
        files: scan
            .options
            .iter()
            .filter(|o| matches!(o.spell, "--requirement" | "-r"))
            .filter_map(|o| o.value.clone())
            .collect(),
    };
    let work = workdir()?;
    let (lock, locked) = compile(tool, args, scan, &inputs, builds, timeout, &work)?;
    // The real run: the user's options without what names packages, from the checked lock.
    let mut real: Vec<OsString> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        if scan.positionals.contains(&i) {
            i += 1;
            continue;
        }
        if let Some(o) = scan.options.iter().find(|o| o.start == i) {
            let group: Vec<_> = scan.options.iter().filter(|x| x.start == i).collect();
            if !group.iter().any(|x| NAMES_PACKAGES.contains(&x.spell)) {
                real.extend_from_slice(&args[o.start..o.end]);
            }
            i = o.end;
            continue;
        }
        real.push(args[i].clone());
        i += 1;
    }
    let mut extra: Vec<OsString> = vec!["--require-hashes".into(), "-r".into(), lock.into()];
    if !builds.index {
        extra.push("--no-build".into());
    }
    let at = real.iter().position(|a| a == "--").unwrap_or(real.len());
    real.splice(at..at, extra);
    Ok(pinned(&locked, work, real, Vec::new()))
}

/// The requirement a `uvx` command or a `uv tool install` package names: `name@1.2` is
/// `name==1.2`, `name@latest` the newest `name`; anything else as written.
pub fn tool_requirement(spec: &str) -> String {
    match spec.split_once('@') {
        Some((name, version))
            if !name.is_empty()
                && name.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '[' | ']' | ',')
                })
                && !version.contains(['/', ':', ' ']) =>
        {
            if version == "latest" {
                name.to_string()
            } else {
                format!("{name}=={version}")
            }
        }
        _ => spec.to_string(),
    }
}

/// What `uvx` / `uv tool run` / `uv tool install` puts in the tool's environment: the
/// package (`--from`, else the command), `--with` requirements and `--with-requirements` files.
fn tool_inputs(args: &[OsString], scan: &Scan) -> Inputs {
    let text = |i: usize| args[i].to_string_lossy().into_owned();
    let from = scan
        .options
        .iter()
        .rev()
        .find(|o| o.spell == "--from")
        .and_then(|o| o.value.clone());
    let mut inputs = with_inputs(scan);
    let spec = from.or_else(|| scan.positionals.first().map(|&i| text(i)));
    inputs
        .specs
        .splice(0..0, spec.map(|s| tool_requirement(&s)));
    inputs
}

/// What the `--with` family adds to an environment (`uvx`, `uv tool`, `uv run`):
/// requirements (comma-separated) and `--with-requirements` files.
pub fn with_inputs(scan: &Scan) -> Inputs {
    let mut specs = Vec::new();
    let mut files = Vec::new();
    for o in &scan.options {
        match (o.spell, &o.value) {
            ("--with" | "-w", Some(v)) => {
                specs.extend(crate::cmdline::uv::split_with(v));
            }
            ("--with-requirements", Some(v)) => files.push(v.clone()),
            _ => {}
        }
    }
    Inputs { specs, files }
}

/// Resolve `uvx` / `uv tool run` / `uv tool install`: the tool's environment compiled and
/// checked first, then the command as typed with the checked versions as constraints (uv
/// 0.13.9 does not check the hashes of a requirements file for tools, so the pin is by
/// version; each file is still checked against the index's own hash).
fn tool_run(
    tool: &Tool,
    args: &[OsString],
    scan: &Scan,
    builds: Builds,
    timeout: std::time::Duration,
) -> Result<Outcome, Unresolved> {
    let inputs = tool_inputs(args, scan);
    if inputs.specs.is_empty() {
        // `uvx` alone lists the installed tools.
        return Ok(Outcome::NotNeeded);
    }
    let work = workdir()?;
    let (lock, locked) = compile(tool, args, scan, &inputs, builds, timeout, &work)?;
    let mut extra: Vec<OsString> = vec!["--constraints".into(), lock.into()];
    if !builds.index {
        extra.push("--no-build".into());
    }
    let mut real = args.to_vec();
    let at = scan.positionals.first().copied().unwrap_or(real.len());
    // Before the command (`uvx`) or the package (`uv tool install`), after a `--` that ends
    // uv's options only when there is none.
    let at = real[..at].iter().position(|a| a == "--").unwrap_or(at);
    real.splice(at..at, extra);
    let mut notes = vec![
        "uv does not check requirement-file hashes for tools: the environment is pinned to the checked versions (--constraints)".to_string(),
    ];
    let mut verify = None;
    if scan.command == Command::ToolInstall {
        notes.push("uv records the constraints in the tool's receipt: `uv tool upgrade` keeps these versions until the tool is installed again".into());
        // The tool's environment is `<uv tool dir>/<its package>`: compared after.
        let name = inputs
            .specs
            .first()
            .and_then(|s| super::pip::requirement_name(s));
        let global: Vec<OsString> = scan
            .options
            .iter()
            .filter(|o| o.global)
            .flat_map(|o| args[o.start..o.end].iter().cloned())
            .collect();
        let mut ask = global;
        ask.extend(["tool".into(), "dir".into()]);
        let cwd = std::env::current_dir().unwrap_or_default();
        if let (Some(name), Ok(ran)) = (name, exec::run(tool, &ask, &cwd, &[], &work, timeout))
            && ran.ok()
        {
            let dir = std::path::PathBuf::from(ran.stdout.trim()).join(name);
            verify = Some(Verify::Environment {
                dir,
                expect: locked
                    .iter()
                    .map(|l| super::pip::Pin {
                        name: l.name.clone(),
                        version: l.version.clone(),
                        sha256: None,
                    })
                    .collect(),
            });
        }
    }
    let mut out = pinned(&locked, work, real, notes);
    if let Outcome::Resolved(r) = &mut out {
        r.plan.verify = verify;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "# This file was autogenerated by uv via the following command:\n\
#    uv pip compile --no-build --generate-hashes -o locked.txt in.txt\n\
appx==1.0 \\\n    --hash=sha256:aa\n    # via -r in.txt\n\
leafx==3.0rc1 \\\n    --hash=sha256:cc \\\n    --hash=sha256:cd\n    # via\n    #   midx\n    #   other\n\
midx==2.0 \\\n    --hash=sha256:bb\n    # via appx\n";

    #[test]
    fn the_lock_gives_versions_hashes_and_who_pulls_what_in() {
        let locked = parse_lock(LOCK);
        assert_eq!(locked.len(), 3);
        assert_eq!(locked[1].hashes, ["sha256:cc", "sha256:cd"]);
        assert_eq!(locked[1].via, ["midx", "other"]);
        let pkgs = packages(&locked);
        assert!(pkgs[0].resolved.direct);
        assert_eq!(pkgs[1].resolved.version.as_deref(), Some("3.0rc1"));
        assert_eq!(pkgs[1].resolved.required_by, ["appx", "midx"]);
        assert_eq!(pkgs[2].resolved.required_by, ["appx"]);
    }

    #[test]
    fn uvs_messages_tell_the_failures_apart() {
        let sdist = "error: No solution found\n  cause: Because probe==2.0 has no usable wheels\nhint: Wheels are required for `probe` because building from source is disabled";
        assert_eq!(classify(sdist), Failure::NeedsBuild);
        assert_eq!(needing_builds(sdist), ["probe"]);
        assert_eq!(
            classify("cause: Because nosuch was not found in the provided package locations"),
            Failure::NotFound
        );
        assert_eq!(
            classify(
                "error: Request failed\n  cause: Failed to fetch: http://127.0.0.1:9/simple/x/\n  cause: Connection refused (os error 111)"
            ),
            Failure::Offline
        );
    }

    #[test]
    fn a_tools_environment_is_its_package_and_what_goes_with_it() {
        assert_eq!(tool_requirement("ruff@0.5.1"), "ruff==0.5.1");
        assert_eq!(tool_requirement("ruff@latest"), "ruff");
        assert_eq!(tool_requirement("ruff>=0.5"), "ruff>=0.5");
        assert_eq!(
            tool_requirement("app @ https://x.invalid/app.whl"),
            "app @ https://x.invalid/app.whl"
        );
        let text: Vec<String> = [
            "--with",
            "a,b[x,y]>=1,<2",
            "--from",
            "app@2",
            "cmd",
            "--with",
            "z",
        ]
        .map(String::from)
        .to_vec();
        let scan = crate::cmdline::uv::scan(&text, true).unwrap();
        let args: Vec<OsString> = text.iter().map(OsString::from).collect();
        let got = tool_inputs(&args, &scan);
        assert_eq!(
            got.specs,
            ["app==2", "a", "b[x,y]>=1,<2"],
            "the tool's own `--with` is not uv's"
        );
        assert!(got.files.is_empty());
    }
}
