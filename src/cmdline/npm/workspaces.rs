//! Workspaces of a JavaScript project: the member directories that the `workspaces` globs of a
//! package.json (npm, yarn, bun) or the `packages` globs of `pnpm-workspace.yaml` name, each
//! with its package.json. Globs are matched as @npmcli/map-workspaces and pnpm match them for
//! the forms projects use: literal segments, `*`, `?`, `**`, and `!` exclusions; `node_modules`
//! and hidden directories are never members. Pure apart from `World`; bounded in depth and in
//! the number of members.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use super::files::{JsonFile, read_json};
use crate::cmdline::{Error, World};
use crate::request::Target;

/// How many directory levels `**` descends.
const MAX_GLOB_DEPTH: usize = 8;
/// More members than any real monorepo; beyond it the project is refused.
const MAX_MEMBERS: usize = 5_000;

/// One workspace member.
pub(crate) struct Member {
    pub(crate) dir: PathBuf,
    pub(crate) manifest: JsonFile,
}

impl Member {
    pub(crate) fn name(&self) -> Option<&str> {
        self.manifest.value.get("name").and_then(|n| n.as_str())
    }
}

/// The `workspaces` globs of a package.json: an array, or `{ "packages": [...] }` (yarn).
pub(crate) fn patterns(pj: &JsonFile) -> Result<Vec<String>, Error> {
    let Some(ws) = pj.value.get("workspaces") else {
        return Ok(Vec::new());
    };
    let list = match ws {
        serde_json::Value::Array(a) => a,
        serde_json::Value::Object(o) => match o.get("packages") {
            Some(serde_json::Value::Array(a)) => a,
            None => return Ok(Vec::new()),
            Some(_) => return Err(bad(pj, "workspaces.packages is not a list")),
        },
        _ => return Err(bad(pj, "workspaces is not a list")),
    };
    list.iter()
        .map(|p| {
            p.as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(pj, "workspaces holds something that is not a string"))
        })
        .collect()
}

fn bad(pj: &JsonFile, what: &str) -> Error {
    Error::bad_file(format!(
        "{}:{}: {what}",
        pj.path,
        pj.lines.line(&["workspaces"])
    ))
}

/// `?` and `*` within one path segment.
fn segment_matches(pattern: &str, name: &str) -> bool {
    let (p, n): (Vec<char>, Vec<char>) = (pattern.chars().collect(), name.chars().collect());
    // Linear wildcard matching with one backtrack point (the last `*`).
    let (mut i, mut j, mut star, mut mark) = (0, 0, None, 0);
    while j < n.len() {
        if i < p.len() && (p[i] == '?' || p[i] == n[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some(i);
            mark = j;
            i += 1;
        } else if let Some(s) = star {
            i = s + 1;
            mark += 1;
            j = mark;
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

fn skip_dir(name: &str) -> bool {
    name == "node_modules" || name.starts_with('.')
}

/// The directories under `root` that `pattern` names.
pub(crate) fn expand_one(world: &dyn World, root: &Path, pattern: &str, out: &mut Vec<PathBuf>) {
    let segs: Vec<&str> = pattern
        .trim_start_matches("./")
        .split('/')
        .filter(|s| !s.is_empty() && *s != ".")
        .collect();
    let mut frontier: Vec<(PathBuf, usize)> = vec![(root.to_path_buf(), 0)];
    let mut seen: HashSet<(PathBuf, usize)> = HashSet::new();
    while let Some((dir, k)) = frontier.pop() {
        if !seen.insert((dir.clone(), k)) || out.len() > MAX_MEMBERS {
            continue;
        }
        let Some(seg) = segs.get(k) else {
            out.push(dir);
            continue;
        };
        if *seg == ".." {
            if let Some(parent) = dir.parent() {
                frontier.push((parent.to_path_buf(), k + 1));
            }
            continue;
        }
        if !seg.contains(['*', '?']) {
            frontier.push((dir.join(seg), k + 1));
            continue;
        }
        let Ok(names) = world.list_dir(&dir) else {
            continue;
        };
        if *seg == "**" {
            frontier.push((dir.clone(), k + 1));
            let depth = dir.strip_prefix(root).map_or(0, |r| r.components().count());
            if depth < MAX_GLOB_DEPTH {
                for n in names.iter().filter(|n| !skip_dir(n)) {
                    frontier.push((dir.join(n), k));
                }
            }
            continue;
        }
        for n in names
            .iter()
            .filter(|n| !skip_dir(n) && segment_matches(seg, n))
        {
            frontier.push((dir.join(n), k + 1));
        }
    }
}

/// The members `patterns` name under `root` (each a directory with a package.json), in path
/// order; `!pattern` removes what it matches.
pub(crate) fn members(
    world: &dyn World,
    root: &Path,
    patterns: &[String],
) -> Result<Vec<Member>, Error> {
    let mut dirs = Vec::new();
    let mut excluded = Vec::new();
    for p in patterns {
        match p.strip_prefix('!') {
            Some(neg) => expand_one(world, root, neg, &mut excluded),
            None => expand_one(world, root, p, &mut dirs),
        }
    }
    if dirs.len() > MAX_MEMBERS {
        return Err(Error::bad_file(format!(
            "{}: the workspace globs name more than {MAX_MEMBERS} directories",
            root.display()
        )));
    }
    let excluded: HashSet<PathBuf> = excluded.into_iter().collect();
    dirs.sort();
    dirs.dedup();
    let mut out = Vec::new();
    for dir in dirs {
        if excluded.contains(&dir) || dir == root {
            continue;
        }
        if let Some(manifest) = read_json(world, &dir.join("package.json"))? {
            out.push(Member { dir, manifest });
        }
    }
    Ok(out)
}

/// The project a command run in `cwd` installs, for managers whose workspaces are declared in
/// package.json (npm, yarn, bun): the nearest directory with a package.json, or the highest
/// ancestor whose `workspaces` globs include that directory (installs run at the workspace
/// root). None outside any project.
pub(crate) fn project_root(
    world: &dyn World,
    cwd: &Path,
) -> Result<Option<(PathBuf, JsonFile)>, Error> {
    let Some(nearest) = cwd
        .ancestors()
        .find(|d| world.is_file(&d.join("package.json")))
    else {
        return Ok(None);
    };
    let mut best = nearest.to_path_buf();
    for dir in nearest.ancestors().skip(1) {
        let Ok(Some(pj)) = read_json(world, &dir.join("package.json")) else {
            continue;
        };
        let Ok(pats) = patterns(&pj) else { continue };
        if pats.is_empty() {
            continue;
        }
        if members(world, dir, &pats)?.iter().any(|m| m.dir == nearest) {
            best = dir.to_path_buf();
        }
    }
    let pj = read_json(world, &best.join("package.json"))?;
    Ok(pj.map(|pj| (best, pj)))
}

/// The manifests of a project and of its members as targets, then every dependency they
/// declare in the groups not left out (`omit`: `dev`, `optional`, `peer`), without the
/// dependencies on workspace members (`member_names`: those are linked, not fetched). The
/// second list pairs each dependency target with its name.
pub(crate) type ManifestTargets = (Vec<Target>, Vec<(String, Target)>);

/// See [`ManifestTargets`].
pub(crate) fn manifest_targets(
    root: &JsonFile,
    members: &[Member],
    with_root: bool,
    omit: &HashSet<&str>,
    member_names: &HashSet<String>,
) -> Result<ManifestTargets, Error> {
    use crate::request::{Origin, TargetKind};
    let manifest = |path: &str| {
        Target::unnamed(
            crate::ecosystem::Ecosystem::Npm,
            TargetKind::Manifest,
            path,
            Origin::Argv,
        )
    };
    let mut files = vec![manifest(&root.path)];
    let mut deps = if with_root {
        super::files::manifest_deps(root, omit)?
    } else {
        Vec::new()
    };
    for m in members {
        files.push(manifest(&m.manifest.path));
        deps.extend(super::files::manifest_deps(&m.manifest, omit)?);
    }
    deps.retain(|(dep, _)| !member_names.contains(dep));
    Ok((files, deps))
}

/// The project a command run in `cwd` installs (see [`project_root`]): its root, and its
/// manifests and every dependency they and the workspace members declare, each as a target.
/// None outside any project.
pub(crate) fn project_manifests(
    world: &dyn World,
    cwd: &Path,
    omit: &HashSet<&str>,
) -> Result<Option<(PathBuf, Vec<Target>)>, Error> {
    let Some((root, pj)) = project_root(world, cwd)? else {
        return Ok(None);
    };
    let pats = patterns(&pj)?;
    let members = members(world, &root, &pats)?;
    let names: HashSet<String> = members
        .iter()
        .filter_map(|m| m.name().map(str::to_string))
        .collect();
    let (mut out, deps) = manifest_targets(&pj, &members, true, omit, &names)?;
    out.extend(deps.into_iter().map(|(_, t)| t));
    Ok(Some((root, out)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::testworld::MemWorld;

    #[test]
    fn globs() {
        for (p, n, want) in [
            ("*", "abc", true),
            ("a*", "abc", true),
            ("*c", "abc", true),
            ("a?c", "abc", true),
            ("a*d", "abc", false),
            ("*b*", "abc", true),
            ("", "", true),
            ("x", "abc", false),
        ] {
            assert_eq!(segment_matches(p, n), want, "{p} {n}");
        }
    }

    #[test]
    fn members_from_globs() {
        let pj = |name: &str| format!(r#"{{"name":"{name}"}}"#);
        let w = MemWorld::new()
            .file("/project/packages/a/package.json", &pj("a"))
            .file("/project/packages/b/package.json", &pj("b"))
            .file("/project/packages/c/readme", "no manifest")
            .file("/project/packages/node_modules/x/package.json", &pj("x"))
            .file("/project/apps/web/deep/package.json", &pj("deep"))
            .file("/project/tools/t/package.json", &pj("t"));
        let names = |pats: &[&str]| -> Vec<String> {
            let pats: Vec<String> = pats.iter().map(std::string::ToString::to_string).collect();
            members(&w, Path::new("/project"), &pats)
                .unwrap()
                .iter()
                .map(|m| m.name().unwrap_or("?").to_string())
                .collect()
        };
        assert_eq!(names(&["packages/*"]), ["a", "b"]);
        assert_eq!(names(&["packages/*", "!packages/b"]), ["a"]);
        assert_eq!(names(&["apps/**"]), ["deep"]);
        assert_eq!(names(&["./tools/t", "packages/a"]), ["a", "t"]);
        assert_eq!(names(&["nothing/*"]), Vec::<String>::new());
    }
}
