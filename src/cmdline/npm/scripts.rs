//! The install-time code an npm command runs, from the files its parser already read: the
//! root project's lifecycle scripts (`npm install` without packages, `npm ci`), the lockfile's
//! dependencies with install scripts (their text from `node_modules` when the same version is
//! there), linked directories' scripts, git dependencies, and what cannot be seen before npm
//! resolves (packages named on the command line, manifest ranges no lockfile pins). Reads
//! through [`World`]; the extraction is `scripts::npm`.

use std::collections::HashSet;
use std::path::Path;

use super::files::{JsonFile, omitted, read_json};
use crate::cmdline::World;
use crate::ecosystem::Ecosystem;
use crate::request::{Origin, Target, TargetKind};
use crate::scripts::npm::{
    DEP_EVENTS, LINK_EVENTS, Manifest, ROOT_EVENTS, lifecycle, lock_scripts, platform,
};
use crate::scripts::{Kind, Owner, Script};

fn manifest_scripts(
    pj: &JsonFile,
    events: &[&str],
    dir: &Path,
    world: &dyn World,
    owner: Owner,
) -> Vec<Script> {
    let line = |keys: &[&str]| pj.lines.line(keys);
    let m = Manifest {
        value: &pj.value,
        path: &pj.path,
        line: &line,
    };
    let gyp = world.is_file(&dir.join("binding.gyp"));
    let shown = dir.display().to_string();
    let keyed = matches!(owner, Owner::Project | Owner::Local).then_some(shown.as_str());
    lifecycle(&m, events, gyp, owner, keyed)
}

/// The code of a project install: `root` when npm runs the project's own lifecycle scripts
/// (`npm install` with no package named, `npm ci`); `fresh` when every dependency is installed
/// anew (`npm ci` removes `node_modules`), else a dependency already installed at the locked
/// version runs nothing.
pub(super) fn project(
    world: &dyn World,
    prefix: &Path,
    pj: &JsonFile,
    lock: Option<&JsonFile>,
    unlocked: &[Target],
    (root, fresh): (bool, bool),
    omit: &HashSet<&str>,
) -> Vec<Script> {
    let mut out = Vec::new();
    if root {
        out.extend(manifest_scripts(
            pj,
            ROOT_EVENTS,
            prefix,
            world,
            Owner::Project,
        ));
    }
    if let Some(lock) = lock {
        let line = |keys: &[&str]| lock.lines.line(keys);
        let skip = |e: &serde_json::Value| omitted(e, omit);
        for entry in lock_scripts(&lock.value, &lock.path, &line, &skip, platform()) {
            let dir = prefix.join(&entry.key);
            let installed = read_json(world, &dir.join("package.json")).ok().flatten();
            let s = entry.script;
            match (s.owner, installed) {
                (Owner::Local, Some(pj)) => {
                    let abs = super::files::resolve_path(prefix, &entry.key);
                    out.extend(manifest_scripts(
                        &pj,
                        LINK_EVENTS,
                        &abs,
                        world,
                        Owner::Local,
                    ));
                }
                (Owner::Dependency, Some(pj))
                    if s.kind == Kind::InstallScript
                        && pj.value.get("version").and_then(|v| v.as_str())
                            == s.version.as_deref() =>
                {
                    if !fresh {
                        // Already installed at this version: npm does not run it again.
                        continue;
                    }
                    let known = manifest_scripts(&pj, DEP_EVENTS, &dir, world, Owner::Dependency);
                    if known.is_empty() {
                        out.push(s);
                        continue;
                    }
                    for mut k in known {
                        k.origin = s.origin.clone();
                        k.version.clone_from(&s.version);
                        k.package = s.package.clone().or(k.package);
                        out.push(k);
                    }
                }
                _ => out.push(s),
            }
        }
    }
    out.extend(named(world, unlocked));
    out
}

/// What yarn, pnpm or bun runs: the project's own lifecycle scripts (`events`, when the command
/// runs them; empty when it does not) from the nearest package.json at or above `start`, and an
/// unseen entry saying what the manager does with dependencies' scripts (`deps`).
pub(crate) fn js_project(
    world: &dyn World,
    start: &Path,
    events: &[&str],
    deps: &str,
    origin: Origin,
) -> Vec<Script> {
    let mut out = Vec::new();
    let root = start
        .ancestors()
        .find(|d| world.is_file(&d.join("package.json")));
    if !events.is_empty()
        && let Some(root) = root
        && let Ok(Some(pj)) = read_json(world, &root.join("package.json"))
    {
        out.extend(manifest_scripts(&pj, events, root, world, Owner::Project));
    }
    out.push(Script::unseen(
        Ecosystem::Npm,
        None,
        deps.to_string(),
        origin,
    ));
    out
}

/// The code of packages that npm resolves itself (named on the command line, or ranges in
/// package.json that no lockfile pins): git dependencies run `prepare`, a local directory its
/// scripts, and registry packages (with whatever they depend on) may run install scripts that
/// cannot be seen before resolving.
pub(super) fn named(world: &dyn World, targets: &[Target]) -> Vec<Script> {
    let mut out = Vec::new();
    let mut registry: Vec<(&str, &Origin)> = Vec::new();
    for t in targets.iter().filter(|t| t.ecosystem == Ecosystem::Npm) {
        let spec = t.spec.as_deref().unwrap_or("");
        match t.kind {
            TargetKind::Registry | TargetKind::Alias => {
                if let Some(n) = t.name.as_deref() {
                    registry.push((n, &t.origin));
                }
            }
            TargetKind::Git => {
                let mut s = Script::new(
                    Ecosystem::Npm,
                    Owner::Dependency,
                    Kind::GitPrepare,
                    t.origin.clone(),
                );
                s.package.clone_from(&t.name);
                s.command = Some(spec.to_string());
                // The resolution lists the package with its commit and its own flags.
                s.until_resolved = true;
                out.push(s);
            }
            TargetKind::Path => {
                let path = spec.strip_prefix("file:").unwrap_or(spec);
                let dir = super::files::resolve_path(world.cwd(), path);
                let owner = if dir == world.cwd() {
                    Owner::Project
                } else {
                    Owner::Local
                };
                // Read as written (relative to the working directory); keyed by the full path.
                match read_json(world, &Path::new(path).join("package.json")) {
                    Ok(Some(pj)) if world.is_dir(Path::new(path)) => {
                        let mut found =
                            manifest_scripts(&pj, LINK_EVENTS, Path::new(path), world, owner);
                        for f in &mut found {
                            f.dir = Some(dir.display().to_string());
                        }
                        out.extend(found);
                    }
                    _ => out.push(Script::unseen(
                        Ecosystem::Npm,
                        t.name.as_deref(),
                        format!("{spec}: its package.json is not read before npm unpacks it"),
                        t.origin.clone(),
                    )),
                }
            }
            TargetKind::Url => {
                let mut s = Script::unseen(
                    Ecosystem::Npm,
                    t.name.as_deref(),
                    format!("{spec}: its package.json is not visible before npm fetches it"),
                    t.origin.clone(),
                );
                // The resolution read it: its lockfile entry says whether it has scripts.
                s.until_resolved = true;
                out.push(s);
            }
            _ => {}
        }
    }
    if let Some((_, origin)) = registry.first() {
        let mut s = Script::unseen(
            Ecosystem::Npm,
            None,
            format!(
                "{} and their dependencies are resolved by npm at install time; whether any of them runs an install script is not known before (a lockfile says it)",
                crate::scripts::some_names(registry.iter().map(|(n, _)| *n))
            ),
            (*origin).clone(),
        );
        s.until_resolved = true;
        out.push(s);
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::cmdline::testworld::MemWorld;
    use crate::scripts::{Kind, Owner};

    const PJ: &str = r#"{"name": "proj", "version": "1.0.0",
  "scripts": {"postinstall": "node scripts/setup.js", "test": "jest"},
  "dependencies": {"esbuild": "^0.28.0", "left-pad": "^1.0.0"}}"#;
    const LOCK: &str = r#"{"name": "proj", "lockfileVersion": 3, "packages": {
  "": {"name": "proj", "hasInstallScript": true},
  "node_modules/esbuild": {"version": "0.28.2", "hasInstallScript": true}
}}"#;

    fn parse(w: &MemWorld, argv: &str) -> Vec<(Owner, Kind, String, String)> {
        let args: Vec<String> = argv.split_whitespace().map(String::from).collect();
        let r = super::super::parse(&args, w).unwrap();
        r.scripts
            .iter()
            .map(|s| (s.owner, s.kind, s.who(), s.what()))
            .collect()
    }

    #[test]
    fn npm_install_and_ci_list_the_project_and_lockfile_scripts() {
        let w = MemWorld::new()
            .file("package.json", PJ)
            .file("package-lock.json", LOCK);
        let got = parse(&w, "install");
        assert_eq!(
            got,
            [
                (Owner::Project, Kind::Lifecycle, "proj@1.0.0".into(), "postinstall: node scripts/setup.js".into()),
                (Owner::Dependency, Kind::InstallScript, "esbuild@0.28.2".into(), "install script".into()),
                (Owner::Dependency, Kind::Unseen, "(unnamed)".into(), "not visible before installing: left-pad and their dependencies are resolved by npm at install time; whether any of them runs an install script is not known before (a lockfile says it)".into()),
            ]
        );
        // Already installed at the locked version: `npm install` leaves it; `npm ci` runs it,
        // and the installed copy says what it runs.
        let w = w.file(
            "node_modules/esbuild/package.json",
            r#"{"name": "esbuild", "version": "0.28.2", "scripts": {"postinstall": "node install.js"}}"#,
        );
        let got = parse(&w, "install");
        assert!(!got.iter().any(|s| s.2.starts_with("esbuild")), "{got:?}");
        let got = parse(&w, "ci");
        assert_eq!(got[1].3, "postinstall: node install.js");
        assert_eq!(got[1].2, "esbuild@0.28.2");
        // `npm update` and named installs do not run the project's own scripts.
        assert!(parse(&w, "update").iter().all(|s| s.0 != Owner::Project));
        assert!(
            parse(&w, "install lodash")
                .iter()
                .all(|s| s.0 != Owner::Project)
        );
    }

    #[test]
    fn named_git_and_local_directories() {
        let w = MemWorld::new().dir("../lib").file(
            "../lib/package.json",
            r#"{"name": "lib", "scripts": {"prepare": "tsc", "install": "node-gyp rebuild"}}"#,
        );
        let got = parse(&w, "install github:a/b ../lib lodash");
        let kinds: Vec<(Owner, Kind)> = got.iter().map(|s| (s.0, s.1)).collect();
        assert_eq!(
            kinds,
            [
                (Owner::Dependency, Kind::GitPrepare),
                (Owner::Local, Kind::Lifecycle),
                (Owner::Local, Kind::Lifecycle),
                (Owner::Dependency, Kind::Unseen),
            ]
        );
        assert_eq!(got[1].3, "install: node-gyp rebuild");
        assert_eq!(got[2].3, "prepare: tsc");
    }
}

#[cfg(test)]
mod js_tests {
    use crate::cmdline::testworld::MemWorld;
    use crate::scripts::{Kind, Owner};

    const PJ: &str = r#"{"name": "app", "version": "1.0.0", "scripts": {
  "preinstall": "node pre.js", "postinstall": "node post.js", "prepare": "husky",
  "prepublish": "tsc"}}"#;

    /// (events of the project's own scripts, the unseen note's first words)
    fn scripts(program: &str, argv: &str, w: &MemWorld) -> (Vec<String>, String) {
        let args: Vec<std::ffi::OsString> = argv.split_whitespace().map(Into::into).collect();
        let r = crate::cmdline::understand(std::ffi::OsStr::new(program), &args, w).unwrap();
        let own = r
            .scripts
            .iter()
            .filter(|s| s.owner == Owner::Project)
            .map(|s| s.event.clone().unwrap())
            .collect();
        let deps = r
            .scripts
            .iter()
            .find(|s| s.kind == Kind::Unseen)
            .and_then(|s| s.command.clone())
            .unwrap_or_default();
        (
            own,
            deps.split_whitespace()
                .take(2)
                .collect::<Vec<_>>()
                .join(" "),
        )
    }

    #[test]
    fn each_manager_runs_the_projects_own_scripts_as_it_does() {
        let w = MemWorld::new().file("package.json", PJ);
        let ev = |v: &[&str]| {
            v.iter()
                .map(std::string::ToString::to_string)
                .collect::<Vec<_>>()
        };
        assert_eq!(
            scripts("pnpm", "install", &w),
            (
                ev(&["preinstall", "postinstall", "prepare"]),
                "pnpm (10+)".into()
            )
        );
        assert_eq!(scripts("pnpm", "add left-pad", &w).0, ev(&[]));
        assert_eq!(
            scripts("bun", "add left-pad", &w),
            (
                ev(&["preinstall", "postinstall", "prepare"]),
                "bun runs".into()
            )
        );
        let yarn1 = w.file(".yarnrc", "yarn-path \"/opt/yarn-1.22.22.js\"\n");
        let berry = MemWorld::new().file(
            "package.json",
            &PJ.replace("\"name\"", "\"packageManager\": \"yarn@4.18.1\", \"name\""),
        );
        assert_eq!(
            scripts("yarn", "install", &yarn1),
            (
                ev(&["preinstall", "postinstall", "prepublish", "prepare"]),
                "yarn 1".into()
            )
        );
        assert_eq!(
            scripts("yarn", "add left-pad", &berry),
            (ev(&["preinstall", "postinstall"]), "yarn runs".into())
        );
    }
}
