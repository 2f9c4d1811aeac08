//! Homebrew: `brew install --dry-run` names every formula and cask an install would add or
//! upgrade (brew 3.6.5+); the real install then runs with `HOMEBREW_NO_AUTO_UPDATE=1`, so it
//! uses the same formula data the dry run saw. Names only: brew has no lockfile and its dry run
//! prints no versions. Pure except [`resolve`]. Does not resolve formulae of third-party taps
//! (loading them runs the tap's Ruby code, dry run or not) or commands other than `install`.

use std::ffi::OsString;

use super::exec::{self, Tool, Workdir};
use super::{Failure, Outcome, Package, Plan, Resolution, Step, Unresolved};
use crate::ecosystem::Ecosystem;
use crate::request::{Request, Resolved, TargetKind};

const TOOL: &str = "brew";

/// Read the plan `brew install --dry-run` prints:
///
/// ```text
/// ==> Would install 1 formula:
/// changed
/// ==> Would install 2 dependencies for changed:
/// dep-a dep-b
/// ```
///
/// Returns each name with the package it is a dependency of (none for what was asked for).
pub fn parse_dry_run(text: &str) -> Vec<(String, Option<String>)> {
    let mut out: Vec<(String, Option<String>)> = Vec::new();
    let mut current: Option<Option<String>> = None;
    for line in text.lines() {
        let line = line.trim();
        if let Some(head) = line.strip_prefix("==> ") {
            current = head.strip_prefix("Would ").map(|rest| {
                rest.rsplit_once(" for ")
                    .map(|(_, parent)| parent.trim_end_matches(':').to_string())
            });
            continue;
        }
        let Some(parent) = &current else { continue };
        for name in line.split_whitespace() {
            if !out.iter().any(|(n, _)| n == name) {
                out.push((name.to_string(), parent.clone()));
            }
        }
    }
    out
}

/// Packages from the dry run's names.
pub fn packages(names: &[(String, Option<String>)]) -> Vec<Package> {
    names
        .iter()
        .map(|(name, parent)| Package {
            ecosystem: Ecosystem::Brew,
            name: name.clone(),
            resolved: Resolved {
                by: TOOL.into(),
                direct: parent.is_none(),
                required_by: parent.iter().cloned().collect(),
                source: "registry".into(),
                change: "added".into(),
                ..Resolved::default()
            },
        })
        .collect()
}

/// A formula or cask named through a tap other than Homebrew's own (`user/tap/name`).
fn third_party(request: &Request) -> Option<String> {
    request
        .targets
        .iter()
        .filter(|t| {
            matches!(
                t.kind,
                TargetKind::Formula | TargetKind::Cask | TargetKind::Tap
            )
        })
        .filter_map(|t| t.name.clone().or_else(|| t.spec.clone()))
        .find(|n| n.matches('/').count() >= 2 && !n.to_ascii_lowercase().starts_with("homebrew/"))
}

/// Resolve a `brew install` (see the module doc); `args` are brew's arguments, `command_at`
/// where `install` is in them.
pub fn resolve(
    tool: &Tool,
    args: &[OsString],
    request: &Request,
    timeout: std::time::Duration,
) -> Outcome {
    let fail = |f: Failure, d: String| Outcome::Unresolved(Unresolved::new(TOOL, f, d));
    let Some(command_at) = args
        .iter()
        .position(|a| !a.to_string_lossy().starts_with('-'))
    else {
        return Outcome::NotNeeded;
    };
    if args[command_at] != "install" {
        return fail(
            Failure::Unsupported,
            format!(
                "`brew {}` is checked by name only",
                args[command_at].to_string_lossy()
            ),
        );
    }
    if args.iter().any(|a| a == "--dry-run" || a == "-n") {
        return Outcome::NotNeeded;
    }
    if let Some(n) = third_party(request) {
        return fail(
            Failure::Unsupported,
            format!(
                "`{n}` comes from a third-party tap, whose Ruby code runs as soon as brew reads it"
            ),
        );
    }
    let work = match Workdir::new() {
        Ok(w) => w,
        Err(e) => return fail(Failure::ToolFailed, format!("work directory: {e}")),
    };
    let mut dry = args.to_vec();
    dry.insert(command_at + 1, "--dry-run".into());
    let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
    let ran = match exec::run(tool, &dry, &cwd, &[], &work, timeout) {
        Ok(r) => r,
        Err(e) => return fail(Failure::ToolFailed, format!("cannot run brew: {e}")),
    };
    if let Some(u) = ran.stopped(TOOL, timeout) {
        return Outcome::Unresolved(u);
    }
    if !ran.ok() {
        let out = ran.output();
        let f =
            if out.contains("No available formula") || out.contains("No formulae or casks found") {
                Failure::NotFound
            } else if out.contains("Failed to connect") || out.contains("Could not resolve host") {
                Failure::Offline
            } else if out.contains("invalid option: --dry-run") {
                Failure::OldTool
            } else {
                Failure::ToolFailed
            };
        return fail(f, super::tail(&ran.stderr, 2));
    }
    let names = parse_dry_run(&ran.stdout);
    Outcome::Resolved(Resolution {
        tool: TOOL,
        packages: packages(&names),
        plan: Plan {
            steps: vec![Step {
                args: args.to_vec(),
                env: vec![("HOMEBREW_NO_AUTO_UPDATE", "1".into())],
            }],
            ..Plan::default()
        },
        notes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dry_run_plan_names_formulae_and_who_needs_them() {
        let text = "==> Fetching downloads\n==> Would install 2 formulae:\nwget jq\n\
                    ==> Would install 3 dependencies for wget:\nlibidn2 openssl@3\nca-certificates\n\
                    ==> Would upgrade 1 dependency for jq:\noniguruma\n";
        let got = parse_dry_run(text);
        assert_eq!(
            got,
            [
                ("wget".into(), None),
                ("jq".into(), None),
                ("libidn2".into(), Some("wget".into())),
                ("openssl@3".into(), Some("wget".into())),
                ("ca-certificates".into(), Some("wget".into())),
                ("oniguruma".into(), Some("jq".into())),
            ]
        );
        let pkgs = packages(&got);
        assert!(pkgs[0].resolved.direct);
        assert_eq!(pkgs[2].resolved.required_by, ["wget"]);
        assert!(parse_dry_run("Warning: wget 1.24 is already installed\n").is_empty());
    }
}
