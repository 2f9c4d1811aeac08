//! npm's install-time code from parsed files (npm 11 semantics, @npmcli/arborist `rebuild`):
//! the lifecycle scripts a package.json declares for the events npm runs in each role, the
//! `node-gyp rebuild` it adds for a `binding.gyp`, and the lockfile entries that run code
//! (`hasInstallScript`, git dependencies, linked directories). Pure: takes JSON values, a line
//! lookup and the platform; reading the files is the caller's job.

use serde_json::Value;

use super::{Kind, Owner, Script, digest};
use crate::ecosystem::Ecosystem;
use crate::request::Origin;

/// The root project's events on `npm install` (no package named) and `npm ci`, in order.
pub const ROOT_EVENTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "preprepare",
    "prepare",
    "postprepare",
];
/// A dependency's events (registry or tarball).
pub const DEP_EVENTS: &[&str] = &["preinstall", "install", "postinstall"];
/// A linked directory's events (`file:` directory dependencies, workspaces), and what a git
/// dependency runs (its `prepare` when npm packs the clone, then its install scripts).
pub const LINK_EVENTS: &[&str] = &["preinstall", "install", "postinstall", "prepare"];

/// The root project's events on `pnpm install` (pnpm 12; `pnpm add` runs none of them).
pub const PNPM_ROOT_EVENTS: &[&str] = &["preinstall", "install", "postinstall", "prepare"];
/// The root project's events on `bun install` and `bun add` (bun 1.4).
pub const BUN_ROOT_EVENTS: &[&str] = &["preinstall", "install", "postinstall", "prepare"];
/// The root project's events on `yarn install` and `yarn add`, yarn 1.
pub const YARN1_ROOT_EVENTS: &[&str] = &[
    "preinstall",
    "install",
    "postinstall",
    "prepublish",
    "prepare",
];
/// The root project's events on `yarn install` and `yarn add`, yarn 2+ (no `prepare`).
pub const BERRY_ROOT_EVENTS: &[&str] = &["preinstall", "install", "postinstall"];

/// What each JavaScript manager does with dependencies' install scripts, for the unseen entry.
pub const PNPM_DEPS: &str = "pnpm (10+) runs dependencies' build scripts only for packages its onlyBuiltDependencies or allowBuilds settings allow; any other stops the install (ERR_PNPM_IGNORED_BUILDS) or is skipped";
pub const BUN_DEPS: &str = "bun runs dependencies' lifecycle scripts only for packages in trustedDependencies and bun's own default list of popular packages";
pub const YARN1_DEPS: &str = "yarn 1 runs every dependency's install scripts, and yarn.lock does not say which dependencies have them";
pub const BERRY_DEPS: &str = "yarn runs dependencies' build scripts unless dependenciesMeta marks them built: false or enableScripts is off, and yarn.lock does not say which dependencies have them";

/// What npm runs for `binding.gyp` without an `install` or `preinstall` script.
pub const NODE_GYP: &str = "node-gyp rebuild";

/// A manifest (package.json) as read: its JSON, its path for messages and origins, and the
/// line of a key path.
pub struct Manifest<'a> {
    pub value: &'a Value,
    pub path: &'a str,
    pub line: &'a dyn Fn(&[&str]) -> u32,
}

/// The lifecycle scripts `manifest` declares for `events`, plus `node-gyp rebuild` when
/// `binding_gyp` (the directory has a `binding.gyp`) and the package neither defines `install`
/// or `preinstall` nor sets `"gypfile": false`. `dir` keys approvals of the project's own code.
pub fn lifecycle(
    m: &Manifest,
    events: &[&str],
    binding_gyp: bool,
    owner: Owner,
    dir: Option<&str>,
) -> Vec<Script> {
    let s = |k: &str| m.value.get(k).and_then(Value::as_str).map(str::to_string);
    let scripts = m.value.get("scripts").and_then(Value::as_object);
    let text = |e: &str| scripts.and_then(|o| o.get(e)).and_then(Value::as_str);
    let mk = |kind, event: &str, command: &str, line: u32| {
        let mut sc = Script::new(
            Ecosystem::Npm,
            owner,
            kind,
            Origin::File {
                path: m.path.to_string(),
                line,
            },
        );
        sc.package = s("name");
        sc.version = s("version");
        sc.event = Some(event.to_string());
        sc.command = Some(command.to_string());
        sc.dir = dir.map(str::to_string);
        sc.digest = Some(digest(&[event.as_bytes(), command.as_bytes()]));
        sc
    };
    let mut out = Vec::new();
    for e in events {
        // An empty script runs nothing (npm skips it).
        if let Some(cmd) = text(e).filter(|c| !c.trim().is_empty()) {
            out.push(mk(Kind::Lifecycle, e, cmd, (m.line)(&["scripts", e])));
        }
    }
    let gyp_off = m.value.get("gypfile").and_then(Value::as_bool) == Some(false);
    if binding_gyp
        && events.contains(&"install")
        && !gyp_off
        && text("install").is_none()
        && text("preinstall").is_none()
    {
        out.push(mk(Kind::NodeGyp, "install", NODE_GYP, 1));
    }
    out
}

/// The platform as npm names it (`process.platform`, `process.arch`).
pub fn platform() -> (&'static str, &'static str) {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        other => other,
    };
    let cpu = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        "x86" => "ia32",
        other => other,
    };
    (os, cpu)
}

/// npm-install-checks: `os`/`cpu` lists of allowed values, or `!value` exclusions.
fn platform_allows(entry: &Value, key: &str, current: &str) -> bool {
    let Some(list) = entry.get(key).and_then(Value::as_array) else {
        return true;
    };
    let values: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
    if values.iter().any(|v| v.strip_prefix('!') == Some(current)) {
        return false;
    }
    let allows: Vec<&&str> = values.iter().filter(|v| !v.starts_with('!')).collect();
    allows.is_empty() || allows.iter().any(|v| **v == current || **v == "any")
}

/// True for a `resolved` that npm fetches with git.
pub fn is_git(resolved: &str) -> bool {
    let r = resolved.to_ascii_lowercase();
    r.starts_with("git+")
        || r.starts_with("git:")
        || ["github:", "gitlab:", "bitbucket:", "gist:"]
            .iter()
            .any(|p| r.starts_with(p))
}

/// A lockfile entry that runs code when installed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockEntry {
    /// The `packages` key (`node_modules/esbuild`, `../lib`).
    pub key: String,
    pub script: Script,
}

/// The entries of a lockfile (v2/v3 `packages`) that run install-time code: `hasInstallScript`
/// (registry and tarball dependencies), git dependencies, and linked directories with install
/// scripts (their `packages` entry outside `node_modules`). `omitted` says which entries the
/// install leaves out (`--omit=dev`, ...); entries for another platform (`os`/`cpu`) never run.
/// A v1 lockfile does not say which dependencies have install scripts: one unseen entry.
pub fn lock_scripts(
    lock: &Value,
    path: &str,
    line: &dyn Fn(&[&str]) -> u32,
    omitted: &dyn Fn(&Value) -> bool,
    (os, cpu): (&str, &str),
) -> Vec<LockEntry> {
    let origin = |l: u32| Origin::File {
        path: path.to_string(),
        line: l,
    };
    let Some(pkgs) = lock.get("packages").and_then(Value::as_object) else {
        if lock.get("dependencies").is_some_and(Value::is_object) {
            return vec![LockEntry {
                key: String::new(),
                script: Script::unseen(
                    Ecosystem::Npm,
                    None,
                    format!(
                        "{path} is a version 1 lockfile, which does not record which dependencies have install scripts"
                    ),
                    origin(1),
                ),
            }];
        }
        return Vec::new();
    };
    let mut out = Vec::new();
    for (key, entry) in pkgs {
        if key.is_empty() || omitted(entry) {
            continue;
        }
        if !platform_allows(entry, "os", os) || !platform_allows(entry, "cpu", cpu) {
            continue;
        }
        let str_of = |k: &str| entry.get(k).and_then(Value::as_str).map(str::to_string);
        let flagged = entry.get("hasInstallScript").and_then(Value::as_bool) == Some(true);
        let resolved = str_of("resolved").unwrap_or_default();
        let git = is_git(&resolved);
        let in_modules = key.contains("node_modules/");
        // A link's own entry (`node_modules/lib` with `link: true`) points at the directory's
        // entry (`../lib`), which carries the flag.
        if entry.get("link").and_then(Value::as_bool) == Some(true) {
            continue;
        }
        if !flagged && !git {
            continue;
        }
        let name = str_of("name").or_else(|| {
            key.rfind("node_modules/")
                .map(|i| key[i + "node_modules/".len()..].to_string())
        });
        let (owner, kind) = match (in_modules, git) {
            (false, _) => (Owner::Local, Kind::InstallScript),
            (true, true) => (Owner::Dependency, Kind::GitPrepare),
            (true, false) => (Owner::Dependency, Kind::InstallScript),
        };
        let mut s = Script::new(
            Ecosystem::Npm,
            owner,
            kind,
            origin(line(&["packages", key])),
        );
        s.package = name;
        s.version = str_of("version");
        if git {
            s.command = Some(resolved);
        }
        if owner == Owner::Local {
            s.dir = Some(key.clone());
        }
        out.push(LockEntry {
            key: key.clone(),
            script: s,
        });
    }
    // In file order (the JSON map is sorted by key).
    out.sort_by_key(|e| match &e.script.origin {
        Origin::File { line, .. } => *line,
        _ => 0,
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn no_line(_: &[&str]) -> u32 {
        7
    }

    #[test]
    fn root_lifecycle_in_npm_order_with_node_gyp() {
        let pj = json!({"name": "proj", "version": "1.0.0", "scripts": {
            "postinstall": "node scripts/setup.js", "prepare": "husky", "test": "jest",
            "preprepare": "", "build": "tsc"
        }});
        let m = Manifest {
            value: &pj,
            path: "/p/package.json",
            line: &no_line,
        };
        let got = lifecycle(&m, ROOT_EVENTS, true, Owner::Project, Some("/p"));
        let names: Vec<(String, String)> = got
            .iter()
            .map(|s| (s.event.clone().unwrap(), s.command.clone().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                (
                    "postinstall".to_string(),
                    "node scripts/setup.js".to_string()
                ),
                ("prepare".into(), "husky".into()),
                ("install".into(), NODE_GYP.into()),
            ]
        );
        assert_eq!(got[0].origin.to_string(), "/p/package.json:7");
        assert_eq!(got[0].package.as_deref(), Some("proj"));
        assert_eq!(got[2].kind, Kind::NodeGyp);
        // An install script of its own, or gypfile: false, means no implicit node-gyp.
        let own = json!({"scripts": {"install": "make"}});
        let m = Manifest {
            value: &own,
            path: "p",
            line: &no_line,
        };
        assert!(
            lifecycle(&m, ROOT_EVENTS, true, Owner::Project, None)
                .iter()
                .all(|s| s.kind != Kind::NodeGyp)
        );
        let off = json!({"gypfile": false});
        let m = Manifest {
            value: &off,
            path: "p",
            line: &no_line,
        };
        assert!(lifecycle(&m, ROOT_EVENTS, true, Owner::Project, None).is_empty());
        // A dependency runs only the install events: no prepare.
        let m = Manifest {
            value: &pj,
            path: "p",
            line: &no_line,
        };
        assert_eq!(
            lifecycle(&m, DEP_EVENTS, false, Owner::Dependency, None).len(),
            1
        );
    }

    #[test]
    fn lockfile_entries_that_run_code() {
        let lock = json!({"lockfileVersion": 3, "packages": {
            "": {"name": "proj", "hasInstallScript": true},
            "node_modules/esbuild": {"version": "0.28.2", "hasInstallScript": true},
            "node_modules/lodash": {"version": "4.17.21"},
            "node_modules/fsevents": {"version": "2.3.3", "hasInstallScript": true, "os": ["darwin"], "optional": true},
            "node_modules/win-only": {"version": "1.0.0", "hasInstallScript": true, "os": ["!linux", "!darwin"]},
            "node_modules/devtool": {"version": "1.0.0", "hasInstallScript": true, "dev": true},
            "node_modules/from-git": {"version": "1.0.0", "resolved": "git+ssh://git@github.com/a/b.git#abc"},
            "node_modules/lib": {"resolved": "../lib", "link": true},
            "../lib": {"name": "lib", "version": "0.1.0", "hasInstallScript": true}
        }});
        let omit_dev = |e: &Value| e.get("dev").and_then(Value::as_bool) == Some(true);
        let got = lock_scripts(
            &lock,
            "package-lock.json",
            &no_line,
            &omit_dev,
            ("linux", "x64"),
        );
        let keys: Vec<(&str, Kind, Owner)> = got
            .iter()
            .map(|e| (e.key.as_str(), e.script.kind, e.script.owner))
            .collect();
        assert_eq!(
            keys,
            [
                ("../lib", Kind::InstallScript, Owner::Local),
                (
                    "node_modules/esbuild",
                    Kind::InstallScript,
                    Owner::Dependency
                ),
                ("node_modules/from-git", Kind::GitPrepare, Owner::Dependency),
            ]
        );
        assert_eq!(got[1].script.who(), "esbuild@0.28.2");
        assert_eq!(got[0].script.package.as_deref(), Some("lib"));
        // On macOS fsevents runs its script.
        let mac = lock_scripts(&lock, "l", &no_line, &|_| false, ("darwin", "arm64"));
        assert!(mac.iter().any(|e| e.key == "node_modules/fsevents"));
        // v1: unseen.
        let v1 = json!({"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0"}}});
        let got = lock_scripts(
            &v1,
            "package-lock.json",
            &no_line,
            &|_| false,
            ("linux", "x64"),
        );
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].script.kind, Kind::Unseen);
    }
}
