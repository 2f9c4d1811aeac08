//! Python lockfiles: `uv.lock`, `poetry.lock` and PEP 751 `pylock.toml`. Every locked package
//! becomes a target with its `file:line` (registry packages pinned `==version`; git, URL and
//! path sources as such), every registry URL a source. What the file says is what gets checked:
//! a distribution file whose name carries another project (`requests` locked to
//! `evil-1.0-py3-none-any.whl`) adds that project as a target too. Read through [`Toml`];
//! does not resolve, and does not check hashes (the managers do).

use toml_edit::{Item, TableLike};

use super::Error;
use super::pip::reqfile::FileItems;
use super::pyproject::Toml;
use crate::ecosystem::{Ecosystem, pep503, pypi_archive};
use crate::request::{Origin, Source, SourceKind, Target, TargetKind};

/// The `[[package]]` tables of a lockfile (`key` is `package` or `packages`).
fn packages<'a>(toml: &'a Toml, key: &str) -> Result<Vec<&'a dyn TableLike>, Error> {
    match toml.get(&[key]) {
        None => Ok(Vec::new()),
        Some(Item::ArrayOfTables(a)) => Ok(a.iter().map(|t| t as &dyn TableLike).collect()),
        Some(item) => Err(toml.error(item.span(), format!("`{key}` must be an array of tables"))),
    }
}

fn str_of<'a>(t: &'a dyn TableLike, key: &str) -> Option<&'a str> {
    t.get(key).and_then(Item::as_str)
}

fn origin_of(toml: &Toml, t: &dyn TableLike) -> Origin {
    // The `name` value's line: an array-of-tables entry's own span is not kept.
    toml.origin(t.get("name").and_then(Item::span))
}

fn named(kind: TargetKind, name: &str, spec: &str, origin: Origin) -> Target {
    Target {
        claimed: None,
        ecosystem: Ecosystem::Pypi,
        kind,
        name: Some(name.to_string()),
        spec: Some(spec.to_string()),
        origin,
        resolved: None,
    }
}

/// A registry package pinned to the locked version.
fn pinned(name: &str, version: Option<&str>, origin: &Origin) -> Target {
    let spec = version.map(|v| format!("=={v}"));
    Target::registry(Ecosystem::Pypi, name, spec.as_deref(), origin.clone())
}

fn add_registry(out: &mut FileItems, url: &str, origin: Origin) {
    if !out.sources.iter().any(|s| s.location == url) {
        out.sources.push(Source {
            ecosystem: Ecosystem::Pypi,
            kind: SourceKind::ExtraIndex,
            location: url.to_string(),
            scope: None,
            origin,
        });
    }
}

/// Distribution files (`url` or `file` names) that carry another project's name.
fn foreign_files(toml: &Toml, name: &str, t: &dyn TableLike, origin: &Origin, out: &mut FileItems) {
    let mut files: Vec<String> = Vec::new();
    for key in ["sdist", "wheels", "files"] {
        let mut push = |v: &dyn TableLike| {
            if let Some(f) = str_of(v, "url")
                .or_else(|| str_of(v, "file"))
                .or_else(|| str_of(v, "name"))
            {
                files.push(f.to_string());
            }
        };
        match t.get(key) {
            Some(Item::Value(toml_edit::Value::Array(a))) => {
                for v in a {
                    if let Some(it) = v.as_inline_table() {
                        push(it);
                    }
                }
            }
            Some(Item::Value(toml_edit::Value::InlineTable(it))) => push(it),
            Some(Item::Table(tb)) => push(tb),
            Some(Item::ArrayOfTables(a)) => a.iter().for_each(|tb| push(tb)),
            _ => {}
        }
    }
    let _ = toml;
    let own = pep503(name);
    for f in files {
        let file = f.split(['#', '?']).next().unwrap_or(&f);
        let base = file.rsplit('/').next().unwrap_or(file);
        if let Some((other, _)) = pypi_archive(base)
            && pep503(&other) != own
        {
            out.targets
                .push(named(TargetKind::Url, &other, &f, origin.clone()));
        }
    }
}

/// `uv.lock`: `[[package]]` with `source = { registry | git | url | path | directory |
/// editable | virtual }`. Local sources (the project and workspace members) are skipped:
/// their dependencies are locked entries of their own.
pub(crate) fn uv_lock(toml: &Toml, out: &mut FileItems) -> Result<(), Error> {
    for t in packages(toml, "package")? {
        let Some(name) = str_of(t, "name") else {
            return Err(toml.error(None, "a [[package]] without a name"));
        };
        let origin = origin_of(toml, t);
        let version = str_of(t, "version");
        let source = t.get("source").and_then(Item::as_table_like);
        let get = |k: &str| source.and_then(|s| str_of(s, k));
        if let Some(url) = get("registry") {
            out.targets.push(pinned(name, version, &origin));
            if url.contains("://") {
                add_registry(out, url, origin.clone());
            }
        } else if let Some(git) = get("git") {
            out.targets
                .push(named(TargetKind::Git, name, git, origin.clone()));
        } else if let Some(url) = get("url") {
            out.targets
                .push(named(TargetKind::Url, name, url, origin.clone()));
        } else if get("path").is_some() {
            let p = get("path").unwrap_or_default();
            out.targets
                .push(named(TargetKind::Path, name, p, origin.clone()));
        } else if source.is_none() && version.is_some() {
            // Old lock revisions may leave out the source of registry packages.
            out.targets.push(pinned(name, version, &origin));
        }
        // `directory`, `editable`, `virtual`: local projects of the workspace.
        foreign_files(toml, name, t, &origin, out);
    }
    Ok(())
}

/// `poetry.lock`: `[[package]]` name/version with an optional `[package.source]` (`type` =
/// `legacy` | `git` | `url` | `file` | `directory`) and the `files` list.
pub(crate) fn poetry_lock(toml: &Toml, out: &mut FileItems) -> Result<(), Error> {
    for t in packages(toml, "package")? {
        let Some(name) = str_of(t, "name") else {
            return Err(toml.error(None, "a [[package]] without a name"));
        };
        let origin = origin_of(toml, t);
        let version = str_of(t, "version");
        let source = t.get("source").and_then(Item::as_table_like);
        let kind = source.and_then(|s| str_of(s, "type")).unwrap_or("pypi");
        let url = source.and_then(|s| str_of(s, "url")).unwrap_or_default();
        match kind {
            "git" => out
                .targets
                .push(named(TargetKind::Git, name, url, origin.clone())),
            "url" => out
                .targets
                .push(named(TargetKind::Url, name, url, origin.clone())),
            "file" | "directory" => {
                out.targets
                    .push(named(TargetKind::Path, name, url, origin.clone()));
            }
            _ => {
                out.targets.push(pinned(name, version, &origin));
                if kind == "legacy" && url.contains("://") {
                    add_registry(out, url, origin.clone());
                }
            }
        }
        foreign_files(toml, name, t, &origin, out);
    }
    Ok(())
}

/// PEP 751 `pylock.toml`: `[[packages]]` with `version`, and `index`, `vcs`, `archive` or
/// `directory` telling where it comes from.
pub(crate) fn pylock(toml: &Toml, out: &mut FileItems) -> Result<(), Error> {
    for t in packages(toml, "packages")? {
        let Some(name) = str_of(t, "name") else {
            return Err(toml.error(None, "a [[packages]] entry without a name"));
        };
        let origin = origin_of(toml, t);
        let sub = |k: &str, f: &str| {
            t.get(k)
                .and_then(Item::as_table_like)
                .and_then(|s| str_of(s, f).map(str::to_string))
        };
        if let Some(url) = sub("vcs", "url") {
            out.targets
                .push(named(TargetKind::Git, name, &url, origin.clone()));
        } else if let Some(url) = sub("archive", "url") {
            out.targets
                .push(named(TargetKind::Url, name, &url, origin.clone()));
        } else if let Some(path) = sub("directory", "path").or_else(|| sub("archive", "path")) {
            out.targets
                .push(named(TargetKind::Path, name, &path, origin.clone()));
        } else {
            out.targets
                .push(pinned(name, str_of(t, "version"), &origin));
            if let Some(index) = str_of(t, "index") {
                add_registry(out, index, origin.clone());
            }
        }
        foreign_files(toml, name, t, &origin, out);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(out: &FileItems) -> String {
        let mut parts: Vec<String> = out
            .targets
            .iter()
            .map(|t| {
                format!(
                    "{}:{} {} <{}>",
                    t.kind.as_str(),
                    t.label(),
                    t.spec.as_deref().unwrap_or(""),
                    t.origin
                )
            })
            .collect();
        parts.extend(
            out.sources
                .iter()
                .map(|s| format!("{}:{} <{}>", s.kind.as_str(), s.location, s.origin)),
        );
        parts.join(" | ")
    }

    #[test]
    fn uv_lock_entries() {
        let text = r#"version = 1
revision = 3
requires-python = ">=3.11"

[[package]]
name = "app"
version = "0.1.0"
source = { editable = "." }

[[package]]
name = "requests"
version = "2.32.3"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.example/requests-2.32.3.tar.gz", hash = "sha256:0" }
wheels = [
    { url = "https://files.example/evil-1.0-py3-none-any.whl", hash = "sha256:1" },
]

[[package]]
name = "gitdep"
version = "1.0"
source = { git = "https://github.com/x/gitdep?rev=abc#abc" }

[[package]]
name = "priv"
version = "3.0"
source = { registry = "https://corp.example/simple" }
"#;
        let toml = Toml::parse("uv.lock", text.to_string(), 0).unwrap();
        let mut out = FileItems::default();
        uv_lock(&toml, &mut out).unwrap();
        assert_eq!(
            render(&out),
            "registry:requests ==2.32.3 <uv.lock:11> | url:evil https://files.example/evil-1.0-py3-none-any.whl <uv.lock:11> | git:gitdep https://github.com/x/gitdep?rev=abc#abc <uv.lock:20> | registry:priv ==3.0 <uv.lock:25> | extra-index:https://pypi.org/simple <uv.lock:11> | extra-index:https://corp.example/simple <uv.lock:25>"
        );
    }

    #[test]
    fn poetry_lock_entries() {
        let text = r#"[[package]]
name = "1337test"
version = "1.0"
description = ""
optional = false
python-versions = "*"
files = [
    {file = "1337test-1.0-py3-none-any.whl", hash = "sha256:0"},
]

[[package]]
name = "internal"
version = "2.0"
files = []

[package.source]
type = "legacy"
url = "https://corp.example/simple"
reference = "corp"

[[package]]
name = "fromgit"
version = "0.1"
files = []

[package.source]
type = "git"
url = "https://github.com/x/fromgit.git"
reference = "main"

[metadata]
lock-version = "2.1"
"#;
        let toml = Toml::parse("poetry.lock", text.to_string(), 0).unwrap();
        let mut out = FileItems::default();
        poetry_lock(&toml, &mut out).unwrap();
        assert_eq!(
            render(&out),
            "registry:1337test ==1.0 <poetry.lock:2> | registry:internal ==2.0 <poetry.lock:12> | git:fromgit https://github.com/x/fromgit.git <poetry.lock:22> | extra-index:https://corp.example/simple <poetry.lock:12>"
        );
    }

    #[test]
    fn pylock_entries() {
        let text = "lock-version = \"1.0\"\ncreated-by = \"x\"\n[[packages]]\nname = \"six\"\nversion = \"1.17.0\"\nindex = \"https://pypi.org/simple\"\n[[packages]]\nname = \"v\"\nvcs = { type = \"git\", url = \"https://g/v.git\", commit-id = \"0\" }\n";
        let toml = Toml::parse("pylock.toml", text.to_string(), 0).unwrap();
        let mut out = FileItems::default();
        pylock(&toml, &mut out).unwrap();
        assert_eq!(
            render(&out),
            "registry:six ==1.17.0 <pylock.toml:4> | git:v https://g/v.git <pylock.toml:8> | extra-index:https://pypi.org/simple <pylock.toml:4>"
        );
        let bad = Toml::parse("uv.lock", "package = 1\n".to_string(), 0).unwrap();
        let e = uv_lock(&bad, &mut FileItems::default()).unwrap_err();
        assert_eq!(e.message, "uv.lock:1: `package` must be an array of tables");
    }
}
