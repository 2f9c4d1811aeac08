//! bun's lockfiles. The text `bun.lock` (JSON with trailing commas, bun ≥ 1.2) is read: every
//! entry of `packages` is a target named by its first element (`name@version`, or
//! `name@github:…`, `name@https://…`, `name@file:…`), with the `lockfile-mismatch` rule for a
//! registry tarball or integrity of another package. The binary `bun.lockb` is not read (its
//! layout is bun's internal one, unversioned): a project with only `bun.lockb` is refused with
//! the command that writes `bun.lock`. Pure apart from `World`.

use std::path::Path;

use crate::cmdline::npm::files::{Integrities, KeyLines, tarball_mismatch};
use crate::cmdline::npm::spec::{is_semver, tarball_name_version};
use crate::cmdline::yarn::lockfile::split_name;
use crate::cmdline::{Error, World};
use crate::ecosystem::Ecosystem;
use crate::request::{Origin, Target, TargetKind};

/// JSON with trailing commas and `//` / `/* */` comments made strict: commas before `}` or
/// `]` and comments become spaces (newlines kept, so lines stay where they were).
pub(crate) fn strict_json(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let mut last_comma: Option<usize> = None;
    while i < b.len() {
        match b[i] {
            b'"' => {
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                last_comma = None;
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    out[i] = b' ';
                    i += 1;
                }
                continue;
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] != b'\n' {
                        out[i] = b' ';
                    }
                    i += 1;
                }
                for byte in out.iter_mut().skip(i).take(2) {
                    *byte = b' ';
                }
                i += 2;
                continue;
            }
            b',' => last_comma = Some(i),
            b'}' | b']' => {
                if let Some(c) = last_comma.take() {
                    out[c] = b' ';
                }
            }
            b' ' | b'\t' | b'\r' | b'\n' => {}
            _ => last_comma = None,
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

/// Read `bun.lock` in `dir` (Ok(None) when there is none). With only `bun.lockb`, an error
/// that says how to produce `bun.lock`.
pub(crate) fn read(world: &dyn World, dir: &Path) -> Result<Option<(String, Vec<Target>)>, Error> {
    let path = dir.join("bun.lock");
    let shown = path.display().to_string();
    let bytes = match world.read_file(&path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let binary = dir.join("bun.lockb");
            if world.is_file(&binary) {
                return Err(Error::bad_file(format!(
                    "{}: installguard cannot read bun's binary lockfile exactly, so it cannot check what it installs. Write the text lockfile with `bun install --save-text-lockfile --frozen-lockfile --lockfile-only` (bun ≥ 1.1.39; it writes bun.lock next to it), check that one in, and remove bun.lockb",
                    binary.display()
                )));
            }
            return Ok(None);
        }
        Err(e) => return Err(Error::bad_file(format!("{shown}: {e}"))),
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = strict_json(text.strip_prefix('\u{feff}').unwrap_or(&text));
    let value: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        Error::bad_file(format!("{shown}:{}:{}: {msg}", e.line(), e.column()))
    })?;
    let lines = KeyLines::new(&text);
    let mut out = Vec::new();
    let mut integrities = Integrities::default();
    if let Some(pkgs) = value.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in pkgs {
            let origin = Origin::File {
                path: shown.clone(),
                line: lines.line(&["packages", key]),
            };
            let Some(t) = target(key, entry, origin) else {
                continue;
            };
            let integrity = entry
                .as_array()
                .and_then(|a| a.iter().rev().find_map(|v| v.as_str()))
                .filter(|s| s.starts_with("sha"));
            out.push(match integrity {
                Some(i) => integrities.check_str(t, i),
                None => t,
            });
        }
    }
    out.sort_by_key(|t| match &t.origin {
        Origin::File { line, .. } => *line,
        _ => 0,
    });
    Ok(Some((shown, out)))
}

/// One `packages` entry: `[ "name@resolution", registry-or-tarball, info, integrity ]`.
fn target(key: &str, entry: &serde_json::Value, origin: Origin) -> Option<Target> {
    let arr = entry.as_array()?;
    let ident = arr.first()?.as_str()?;
    let (name, resolution) = split_name(ident)?;
    // The folder: the last segment of a nested key (`parent/child`, `@s/parent/@t/child`).
    let folder = key_folder(key);
    let mk = |kind, name: &str, spec: &str| Target {
        ecosystem: Ecosystem::Npm,
        kind,
        name: Some(name.to_string()),
        spec: Some(spec.to_string()),
        origin: origin.clone(),
        claimed: None,
        resolved: None,
    };
    let (proto, _) = resolution.split_once(':').unwrap_or(("", resolution));
    match proto {
        "workspace" => None,
        "file" | "link" | "root" => Some(mk(TargetKind::Path, name, resolution)),
        "github" | "git" | "git+https" | "git+ssh" | "git+http" | "gitlab" | "bitbucket" => {
            Some(mk(TargetKind::Git, name, resolution))
        }
        "http" | "https" => {
            let real = tarball_name_version(resolution).map_or(name.to_string(), |(n, _)| n);
            Some(mk(TargetKind::Url, &real, resolution))
        }
        _ => {
            let second = arr.get(1).and_then(|v| v.as_str()).unwrap_or("");
            if second.ends_with(".tgz")
                && let Some(m) = tarball_mismatch(folder, name, Some(resolution), second, &origin)
            {
                return Some(m);
            }
            let kind = if name == folder || !is_semver(resolution) {
                TargetKind::Registry
            } else {
                TargetKind::Alias
            };
            Some(mk(kind, name, resolution))
        }
    }
}

fn key_folder(key: &str) -> &str {
    let parts: Vec<&str> = key.split('/').collect();
    let n = parts.len();
    if n >= 2 && parts[n - 2].starts_with('@') {
        let start = key.len() - parts[n - 1].len() - parts[n - 2].len() - 1;
        &key[start..]
    } else {
        parts[n - 1]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trailing_commas_and_comments() {
        let t = strict_json("{\n  \"a\": [1, 2,],\n  // c\n  \"b\": \"x,}\", /* y */\n}\n");
        let v: serde_json::Value = serde_json::from_str(&t).unwrap();
        assert_eq!(v["b"], "x,}");
        assert_eq!(t.lines().count(), 5);
        assert_eq!(key_folder("a/@s/b"), "@s/b");
        assert_eq!(key_folder("@s/b"), "@s/b");
        assert_eq!(key_folder("a/b"), "b");
    }

    proptest! {
        #[test]
        fn never_panics(text in "[{}\\[\\],:\"/*\\\\ \\nab1é]{0,120}") {
            let _ = strict_json(&text);
        }
    }
}
