//! `pnpm-lock.yaml` (lockfile versions 5.4 to 9) as targets: every key of `packages`
//! (transitive entries included), named by the package and version the key gives
//! (`lodash@4.17.21`, `/lodash@4.17.21(react@18)`, `/lodash/4.17.21`), or by what its
//! `resolution` fetches (a tarball URL, a git repository, a directory). A `resolution.tarball`
//! that is a registry tarball of another package or version than the key is a
//! `lockfile-mismatch`; one integrity shared by two packages likewise. Pure apart from `World`.

use std::path::Path;

use crate::cmdline::npm::files::{Integrities, tarball_mismatch};
use crate::cmdline::npm::spec::{is_semver, tarball_name_version};
use crate::cmdline::yaml::{self, Node};
use crate::cmdline::yarn::lockfile::split_name;
use crate::cmdline::{Error, World};
use crate::ecosystem::Ecosystem;
use crate::request::{Origin, Target, TargetKind};

/// Read `path` (None when absent) and turn its packages into targets.
pub(crate) fn read(world: &dyn World, path: &Path) -> Result<Option<(String, Vec<Target>)>, Error> {
    let shown = path.display().to_string();
    let bytes = match world.read_file(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::bad_file(format!("{shown}: {e}"))),
    };
    let doc = yaml::parse(&String::from_utf8_lossy(&bytes), &shown)?;
    let version = doc.get_str("lockfileVersion").unwrap_or("");
    let major = version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok());
    if !matches!(major, Some(5..=9)) {
        return Err(Error::bad_file(format!(
            "{shown}:{}: lockfileVersion {version:?} is not one installguard reads (5.4 to 9)",
            doc.get("lockfileVersion").map_or(1, |n| n.line)
        )));
    }
    let targets = doc
        .get("packages")
        .map_or_else(Vec::new, |p| targets(&shown, p));
    Ok(Some((shown, targets)))
}

/// A `packages` key as (name, version): peer suffixes `(…)` and v5's `_peer@1` dropped.
pub(crate) fn key_name_version(key: &str) -> Option<(String, String)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    let key = key.split('(').next().unwrap_or(key);
    let slashes = |n: &str| n.matches('/').count();
    if let Some((name, version)) = split_name(key)
        && slashes(name) == usize::from(name.starts_with('@'))
    {
        return Some((name.to_string(), version.to_string()));
    }
    // v5: `/name/1.2.3` or `/@scope/name/1.2.3_@types/react@18`.
    let mut parts = key.split('/');
    let first = parts.next()?;
    let name = if first.starts_with('@') {
        format!("{first}/{}", parts.next()?)
    } else {
        first.to_string()
    };
    let version = parts.next()?.split('_').next()?.to_string();
    (!name.is_empty() && !version.is_empty()).then_some((name, version))
}

fn targets(path: &str, packages: &Node) -> Vec<Target> {
    let mut out = Vec::new();
    let mut integrities = Integrities::default();
    for (key, entry) in packages.entries() {
        let origin = Origin::File {
            path: path.to_string(),
            line: entry.line,
        };
        let Some(t) = target(key, entry, origin) else {
            continue;
        };
        let integrity = entry.get("resolution").and_then(|r| r.get_str("integrity"));
        out.push(match integrity {
            Some(i) => integrities.check_str(t, i),
            None => t,
        });
    }
    out
}

fn target(key: &str, entry: &Node, origin: Origin) -> Option<Target> {
    let (name, version) = key_name_version(key)?;
    let name = entry.get_str("name").map_or(name, str::to_string);
    let version = entry.get_str("version").map_or(version, str::to_string);
    let res = entry.get("resolution");
    let mk = |kind, name: &str, spec: &str| Target {
        ecosystem: Ecosystem::Npm,
        kind,
        name: Some(name.to_string()),
        spec: Some(spec.to_string()),
        origin: origin.clone(),
        claimed: None,
        resolved: None,
    };
    if let Some(res) = res {
        if let Some(tarball) = res.get_str("tarball") {
            if let Some(m) = tarball_mismatch(&name, &name, Some(&version), tarball, &origin) {
                return Some(m);
            }
            if tarball_name_version(tarball).is_some() && is_semver(&version) {
                return Some(mk(TargetKind::Registry, &name, &version));
            }
            return Some(mk(TargetKind::Url, &name, tarball));
        }
        match res.get_str("type") {
            Some("git") => {
                let repo = res.get_str("repo").unwrap_or("");
                let commit = res.get_str("commit").unwrap_or("");
                return Some(mk(TargetKind::Git, &name, &format!("{repo}#{commit}")));
            }
            Some("directory") => {
                return Some(mk(
                    TargetKind::Path,
                    &name,
                    res.get_str("directory").unwrap_or(""),
                ));
            }
            _ => {}
        }
    }
    if version.starts_with("link:") || version.starts_with("file:") {
        return Some(mk(TargetKind::Path, &name, &version));
    }
    if version.starts_with("http:") || version.starts_with("https:") {
        return Some(mk(TargetKind::Url, &name, &version));
    }
    Some(mk(TargetKind::Registry, &name, &version))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        for (key, want) in [
            ("lodash@4.17.21", Some(("lodash", "4.17.21"))),
            ("/lodash@4.17.21", Some(("lodash", "4.17.21"))),
            ("@s/x@1.0.0(react@18.2.0)", Some(("@s/x", "1.0.0"))),
            ("/lodash/4.17.21", Some(("lodash", "4.17.21"))),
            ("/@s/x/1.0.0_react@18.2.0", Some(("@s/x", "1.0.0"))),
            ("", None),
        ] {
            let got = key_name_version(key);
            assert_eq!(
                got.as_ref().map(|(n, v)| (n.as_str(), v.as_str())),
                want,
                "{key}"
            );
        }
    }
}
