//! One npm process for a project install (npm 11, the major it was measured with): the real
//! npm CLI runs under node
//! with installguard's hook (`npm_hook.js`, embedded here, written 0600 into the private work
//! directory) and the user's arguments unchanged. The hook builds the ideal tree with scripts
//! off, hands over its lockfile, and waits on descriptor 3 for the verdict; npm then installs
//! exactly that tree or stops before writing anything. This module starts that process, waits
//! for the lockfile (or npm's end: resolution failed, classified like the resolve-only run);
//! the verdict pipe itself is [`hook`]'s. It checks nothing itself.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::exec::Workdir;
use super::hook::{self, Hooked};
use super::{Failure, Unresolved, npm};

const HOOK: &str = include_str!("npm_hook.js");
const LOCK_ENV: &str = "INSTALLGUARD_NPM_LOCK";

/// The real npm as node runs it: `node` beside the resolved npm binary and npm's own
/// `bin/npm-cli.js`; `None` (use the two-step path) when the binary is not npm's CLI script
/// (a volta or corepack shim, a wrapper) or the npm is older than 7 (no Arborist).
/// The npm majors the hook was measured with.
pub const MEASURED_MAJORS: std::ops::RangeInclusive<u64> = 11..=11;

pub fn locate(real: &Path) -> Option<(PathBuf, PathBuf)> {
    let cli = std::fs::canonicalize(real).ok()?;
    if cli.file_name()? != "npm-cli.js" {
        return None;
    }
    let root = cli.parent()?.parent()?;
    let manifest: serde_json::Value = serde_json::from_slice(
        &crate::files::read_regular(&root.join("package.json"), 1 << 20).ok()?,
    )
    .ok()?;
    let major: u64 = manifest["version"]
        .as_str()?
        .split('.')
        .next()?
        .parse()
        .ok()?;
    // The hook leans on Arborist's `reify`/`buildIdealTree` and `@npmcli/run-script`: only the
    // majors it was measured with run this way (npm 11.19.1); the others keep the two runs, so a
    // later npm whose install no longer goes through `reify` can never install unchecked.
    if manifest["name"] != "npm" || !MEASURED_MAJORS.contains(&major) {
        return None;
    }
    let node = real.with_file_name("node");
    let node = if node.is_file() {
        node
    } else {
        root.ancestors()
            .map(|d| d.join("bin/node"))
            .find(|p| p.is_file())?
    };
    Some((node, cli))
}

/// Start `node -r <hook> <npm-cli.js> args` where the guard runs (the user's npm, their
/// arguments, `env` added: the real install's), the hook written into `work`.
pub fn start(
    node: &Path,
    cli: &Path,
    args: &[OsString],
    env: &[(&str, OsString)],
    work: &Workdir,
) -> std::io::Result<Hooked> {
    let hook = hook::write_hook(work.path(), "npm-hook.js", HOOK)?;
    let lead = [
        "-r".into(),
        hook.into_os_string(),
        cli.as_os_str().to_owned(),
    ];
    hook::start(
        node,
        &lead,
        args,
        env,
        LOCK_ENV,
        work.path().join("npm-ideal-lock.json"),
    )
}

/// The lockfile of the tree npm would install, once it has one; or why it has none: npm
/// ended (resolution failed, npm reported why on stderr: classified from what the hook kept),
/// or `timeout` passed (npm is then told no, and has ended).
pub fn lockfile(h: &mut Hooked, timeout: Duration) -> Result<Vec<u8>, Unresolved> {
    h.handover(timeout).map_err(|s| {
        s.unresolved("npm", |why| {
            if why.is_empty() {
                Unresolved::new(
                    "npm",
                    Failure::ToolFailed,
                    "npm ended before it had a tree to install (its messages are above)",
                )
            } else {
                Unresolved::new("npm", npm::classify(why), why.trim())
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shim::ChildEnd;

    #[test]
    fn a_wrapper_is_not_npm() {
        let work = Workdir::new().unwrap();
        let fake = work.path().join("npm");
        std::fs::write(&fake, "#!/bin/sh\n").unwrap();
        assert!(locate(&fake).is_none());
    }

    /// The real npm of this machine, a project with no dependencies (nothing fetched): the
    /// tree comes back, a refusal leaves no lockfile, the go-ahead installs.
    #[test]
    fn npm_waits_for_the_verdict_and_writes_nothing_when_refused() {
        let npm = crate::shim::find_real("npm".as_ref(), std::env::var_os("PATH").as_deref())
            .expect("npm on PATH (the tests use the machine's real npm)");
        let (node, cli) = locate(&npm).expect("this machine's npm is npm-cli.js, 7 or newer");
        let project = Workdir::new().unwrap();
        std::fs::write(
            project.path().join("package.json"),
            "{\"name\":\"p\",\"version\":\"1.0.0\"}",
        )
        .unwrap();
        let mut prefix = OsString::from("--prefix=");
        prefix.push(project.path());
        let args: Vec<OsString> = vec![
            "install".into(),
            "--no-audit".into(),
            "--no-fund".into(),
            prefix,
        ];
        for allowed in [false, true] {
            let work = Workdir::new().unwrap();
            // npm's cache and logs stay in the work directory.
            let env = [(
                "npm_config_cache",
                work.path().join("cache").into_os_string(),
            )];
            let mut h = start(&node, &cli, &args, &env, &work).unwrap();
            let lock = lockfile(&mut h, Duration::from_secs(60))
                .map_err(|u| u.detail)
                .unwrap();
            let lock: serde_json::Value = serde_json::from_slice(&lock).unwrap();
            assert_eq!(lock["name"], "p");
            let end = if allowed {
                h.allow(false)
            } else {
                h.refuse("blocked by the test")
            };
            assert_eq!(end == ChildEnd::Exited(0), allowed, "{end:?}");
            assert_eq!(project.path().join("package-lock.json").exists(), allowed);
        }
    }
}
