//! What a Python project declares it needs, for every Python manager (pip, uv, poetry, pipx):
//! `pyproject.toml` (PEP 621 `[project]` dependencies and extras, `[build-system] requires`,
//! PEP 735 `[dependency-groups]`, poetry's `[tool.poetry]` tables), `setup.cfg` (`[options]
//! install_requires`, `extras_require`, `setup_requires`) and PEP 723 inline script metadata,
//! each requirement a target with its `file:line`. Read through [`World`]; pure otherwise.
//! Does not run build backends: dependencies that only build code knows (a `setup.py`,
//! `dynamic = ["dependencies"]`) become a `dynamic-dependencies` target saying so. Does not
//! read manager settings (`[tool.uv]` indexes, poetry sources): their parsers do, with [`Toml`].

use std::collections::HashSet;
use std::ops::Range;
use std::path::Path;

use toml_edit::{Item, Table, TableLike, Value};

use super::pip::config::parse_ini;
use super::pip::reqfile::{FileItems, decode, file_url_path, split_lines};
use super::pip::requirement::{pep508, strip_extras};
use super::{Error, World};
use crate::ecosystem::{Ecosystem, pep503};
use crate::request::{Origin, Target, TargetKind};

/// Manifests larger than this are refused (a pyproject.toml is a few KiB).
const MAX_MANIFEST: usize = 8 << 20;

/// `dir/name` as a person would write it (`pyproject.toml` for the current directory).
pub(crate) fn join(dir: &str, name: &str) -> String {
    let dir = dir.trim_end_matches('/');
    match dir {
        "" | "." => name.to_string(),
        d => format!("{d}/{name}"),
    }
}

/// A parsed TOML file that remembers where each value was written.
pub(crate) struct Toml {
    /// The path as shown in origins and messages.
    pub(crate) shown: String,
    /// Added to every line number (a PEP 723 block starts inside a script).
    line_offset: u32,
    /// Byte offset of each line start, for turning spans into line numbers.
    starts: Vec<usize>,
    doc: toml_edit::Document<String>,
}

impl Toml {
    /// Parse `text`; errors name the file and line.
    pub(crate) fn parse(shown: &str, text: String, line_offset: u32) -> Result<Toml, Error> {
        if text.len() > MAX_MANIFEST {
            return Err(Error::bad_file(format!(
                "{shown}: larger than {} MiB; refusing to read it",
                MAX_MANIFEST >> 20
            )));
        }
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        // A panic inside the TOML parser on hostile input becomes an error naming the file.
        let parsed = crate::contain::contain(move || toml_edit::Document::parse(text))
            .map_err(|why| Error::bad_file(format!("{shown}: not valid TOML ({why})")))?;
        let doc = parsed.map_err(|e| {
            let line = e
                .span()
                .map_or(1, |s| starts.partition_point(|&x| x <= s.start) as u32);
            Error::bad_file(format!(
                "{shown}:{}: not valid TOML: {}",
                line + line_offset,
                e.message().trim().replace('\n', "; ")
            ))
        })?;
        Ok(Toml {
            shown: shown.to_string(),
            line_offset,
            starts,
            doc,
        })
    }

    /// Read and parse `path` (relative to the working directory); `None` when it is missing.
    pub(crate) fn read(world: &dyn World, path: &str) -> Result<Option<Toml>, Error> {
        match read_text(world, path)? {
            Some(text) => Toml::parse(path, text, 0).map(Some),
            None => Ok(None),
        }
    }

    pub(crate) fn root(&self) -> &Table {
        self.doc.as_table()
    }

    /// The origin of a value written at `span`.
    pub(crate) fn origin(&self, span: Option<Range<usize>>) -> Origin {
        let line = span.map_or(1, |s| self.starts.partition_point(|&x| x <= s.start) as u32);
        Origin::File {
            path: self.shown.clone(),
            line: line + self.line_offset,
        }
    }

    /// An error naming the file and the line of `span`.
    pub(crate) fn error(&self, span: Option<Range<usize>>, msg: impl std::fmt::Display) -> Error {
        Error::bad_file(format!("{}: {msg}", self.origin(span)))
    }

    /// The item at a dotted path of table keys.
    pub(crate) fn get(&self, keys: &[&str]) -> Option<&Item> {
        get(self.root(), keys)
    }

    /// An array of strings (with each string's origin); a missing key is an empty list, any
    /// other type an error naming `what`.
    pub(crate) fn strings(&self, item: &Item, what: &str) -> Result<Vec<(String, Origin)>, Error> {
        let Some(array) = item.as_array() else {
            return Err(self.error(item.span(), format!("{what} must be an array of strings")));
        };
        array
            .iter()
            .map(|v| match v.as_str() {
                Some(s) => Ok((s.to_string(), self.origin(v.span()))),
                None => Err(self.error(v.span(), format!("{what} must hold strings"))),
            })
            .collect()
    }

    /// Every PEP 508 requirement of the string array `item` as a target.
    pub(crate) fn requirements(
        &self,
        item: &Item,
        what: &str,
        out: &mut Vec<Target>,
    ) -> Result<(), Error> {
        for (s, origin) in self.strings(item, what)? {
            out.push(requirement(&s, origin)?);
        }
        Ok(())
    }
}

/// The table at a dotted path of keys (the root for no keys).
pub(crate) fn get_table<'a>(toml: &'a Toml, keys: &[&str]) -> Option<&'a dyn TableLike> {
    if keys.is_empty() {
        return Some(toml.root());
    }
    toml.get(keys)?.as_table_like()
}

/// The item at a dotted path of table keys inside `table`.
pub(crate) fn get<'a>(table: &'a dyn TableLike, keys: &[&str]) -> Option<&'a Item> {
    let (first, rest) = keys.split_first()?;
    let item = table.get(first)?;
    if rest.is_empty() {
        return Some(item);
    }
    get(item.as_table_like()?, rest)
}

/// Read a text file through [`World`]: `None` when it does not exist; decoded like pip decodes
/// requirements files (BOMs, UTF-8).
pub(crate) fn read_text(world: &dyn World, path: &str) -> Result<Option<String>, Error> {
    let p = Path::new(path);
    if !world.is_file(p) {
        return Ok(None);
    }
    let bytes = world
        .read_file(p)
        .map_err(|e| Error::bad_file(format!("{path}: could not read it: {e}")))?;
    if bytes.len() > MAX_MANIFEST {
        return Err(Error::bad_file(format!(
            "{path}: larger than {} MiB; refusing to read it",
            MAX_MANIFEST >> 20
        )));
    }
    decode(&bytes)
        .map(Some)
        .map_err(|e| Error::bad_file(format!("{path}: {e}")))
}

/// One PEP 508 requirement string from a manifest, as a target with its origin.
pub(crate) fn requirement(text: &str, origin: Origin) -> Result<Target, Error> {
    let parsed = pep508(text)
        .map_err(|e| Error::bad_file(format!("{origin}: invalid requirement {text:?}: {e}")))?;
    let mut t = parsed.into_target();
    t.origin = origin;
    Ok(t)
}

fn dynamic(reason: String, origin: Origin) -> Target {
    Target::unnamed(
        Ecosystem::Pypi,
        TargetKind::DynamicDependencies,
        &reason,
        origin,
    )
}

/// What installing the local project in `dir` brings in besides the project itself: its
/// build requirements, its dependencies and those of the requested `extras` — from
/// `pyproject.toml` (PEP 621, else poetry's `[tool.poetry]`), else `setup.cfg`. Dependencies
/// that only build code can tell are reported as a `dynamic-dependencies` target.
pub(crate) fn project(
    world: &dyn World,
    dir: &str,
    extras: &[String],
    out: &mut FileItems,
) -> Result<(), Error> {
    let pyproject_path = join(dir, "pyproject.toml");
    let setup_py = join(dir, "setup.py");
    let has_setup_py = world.is_file(Path::new(&setup_py));
    let toml = Toml::read(world, &pyproject_path)?;
    if let Some(toml) = &toml {
        // Without `[build-system]`, pip and uv fall back to setuptools (a popular name).
        if let Some(item) = toml.get(&["build-system", "requires"]) {
            toml.requirements(item, "[build-system] requires", &mut out.targets)?;
        }
        if let Some(project) = toml.get(&["project"]) {
            return pep621(toml, project, dir, extras, world, out);
        }
        if let Some(poetry) = toml.get(&["tool", "poetry"])
            && poetry.get("dependencies").is_some()
        {
            return poetry_project(toml, extras, out);
        }
    }
    let cfg = join(dir, "setup.cfg");
    let from_cfg = setup_cfg(world, &cfg, extras, out)?;
    if has_setup_py && !from_cfg {
        // With setup.cfg's install_requires, setup.py is usually a stub; the local-path
        // finding already says the project is built. Without them, setup.py is all there is.
        out.targets.push(dynamic(
            format!("{setup_py} computes the dependencies when it runs at build time"),
            Origin::File {
                path: setup_py,
                line: 1,
            },
        ));
    } else if !from_cfg && toml.is_none() {
        return Err(Error::bad_file(format!(
            "{dir}: neither 'setup.py' nor 'pyproject.toml' found: not an installable project"
        )));
    }
    Ok(())
}

/// Each local project among `items`' targets (a directory path, `-e dir`, a `file:` URL of a
/// directory) adds, right after it, what installing it brings in ([`project`]).
pub(crate) fn expand_local_projects(world: &dyn World, items: &mut FileItems) -> Result<(), Error> {
    let mut seen: HashSet<(String, Vec<String>)> = HashSet::new();
    let mut out = Vec::with_capacity(items.targets.len());
    for t in std::mem::take(&mut items.targets) {
        let local = local_project(world, &t);
        out.push(t);
        if let Some(key) = local
            && seen.insert(key.clone())
        {
            let mut sub = FileItems::default();
            project(world, &key.0, &key.1, &mut sub)?;
            out.append(&mut sub.targets);
            items.sources.append(&mut sub.sources);
        }
    }
    items.targets = out;
    Ok(())
}

/// The directory and requested extras of a target that is a local project.
fn local_project(world: &dyn World, t: &Target) -> Option<(String, Vec<String>)> {
    if t.ecosystem != Ecosystem::Pypi {
        return None;
    }
    let spec = t.spec.as_deref()?;
    let dir = match t.kind {
        TargetKind::Path => strip_extras(spec).to_string(),
        TargetKind::Url if spec.to_ascii_lowercase().starts_with("file:") => {
            let bare = spec.split('#').next().unwrap_or(spec);
            file_url_path(bare).to_string()
        }
        _ => return None,
    };
    world
        .is_dir(Path::new(&dir))
        .then(|| (dir, extras_of(&spec[strip_extras(spec).len()..])))
}

/// `[project]` (PEP 621): `dependencies`, `optional-dependencies` of the requested extras,
/// and the `dynamic` fields setuptools fills from files (`[tool.setuptools.dynamic]`).
fn pep621(
    toml: &Toml,
    project: &Item,
    dir: &str,
    extras: &[String],
    world: &dyn World,
    out: &mut FileItems,
) -> Result<(), Error> {
    let Some(table) = project.as_table_like() else {
        return Err(toml.error(project.span(), "[project] must be a table"));
    };
    let own_name = table.get("name").and_then(Item::as_str).map(pep503);
    let dynamic_fields: Vec<String> = match table.get("dynamic") {
        Some(item) => toml
            .strings(item, "[project] dynamic")?
            .into_iter()
            .map(|(s, _)| s)
            .collect(),
        None => Vec::new(),
    };
    let dynamic_origin = table
        .get("dynamic")
        .map_or_else(|| toml.origin(project.span()), |i| toml.origin(i.span()));
    let mut wanted: Vec<String> = extras.iter().map(|e| pep503(e)).collect();
    let mut done: HashSet<String> = HashSet::new();
    // Dependencies, then each wanted extra; a self-reference (`proj[other]`) adds extras.
    let mut pending: Vec<(String, Origin)> = Vec::new();
    let mut computed: Vec<Target> = Vec::new();
    if dynamic_fields.iter().any(|f| f == "dependencies") {
        setuptools_dynamic(
            toml,
            dir,
            &["dependencies"],
            world,
            dynamic_origin.clone(),
            &mut computed,
        )?;
    } else if let Some(item) = table.get("dependencies") {
        pending.extend(toml.strings(item, "[project] dependencies")?);
    }
    let optional = table.get("optional-dependencies");
    let optional_dynamic = dynamic_fields.iter().any(|f| f == "optional-dependencies");
    loop {
        out.targets.append(&mut computed);
        for (raw, origin) in pending.drain(..) {
            let t = requirement(&raw, origin)?;
            match (&own_name, &t.name) {
                (Some(own), Some(name))
                    if pep503(name) == *own && t.kind == TargetKind::Registry =>
                {
                    wanted.extend(extras_of(&raw));
                }
                _ => out.targets.push(t),
            }
        }
        let Some(extra) = wanted.iter().find(|e| !done.contains(*e)).cloned() else {
            break;
        };
        done.insert(extra.clone());
        if optional_dynamic {
            setuptools_dynamic(
                toml,
                dir,
                &["optional-dependencies", &extra],
                world,
                dynamic_origin.clone(),
                &mut computed,
            )?;
            continue;
        }
        let Some(optional) = optional else { continue };
        let Some(groups) = optional.as_table_like() else {
            return Err(toml.error(
                optional.span(),
                "[project.optional-dependencies] must be a table",
            ));
        };
        if let Some((_, item)) = groups.iter().find(|(k, _)| pep503(k) == extra) {
            pending.extend(toml.strings(item, "[project.optional-dependencies]")?);
        }
    }
    Ok(())
}

/// The extras a requirement string names (`proj[a, b] >= 1` → `a`, `b`), normalised.
pub(crate) fn extras_of(raw: &str) -> Vec<String> {
    let Some(open) = raw.find('[') else {
        return Vec::new();
    };
    let inner = raw[open + 1..].split(']').next().unwrap_or_default();
    inner
        .split(',')
        .map(|e| pep503(e.trim()))
        .filter(|e| !e.is_empty())
        .collect()
}

/// A `dynamic` field: setuptools can fill it from files listed in `[tool.setuptools.dynamic]`
/// (read here); any other backend, or a missing entry, computes it in code.
fn setuptools_dynamic(
    toml: &Toml,
    dir: &str,
    field: &[&str],
    world: &dyn World,
    origin: Origin,
    out: &mut Vec<Target>,
) -> Result<(), Error> {
    let backend = toml
        .get(&["build-system", "build-backend"])
        .and_then(Item::as_str)
        .unwrap_or("setuptools.build_meta:__legacy__");
    let mut keys = vec!["tool", "setuptools", "dynamic"];
    keys.extend_from_slice(field);
    let entry = toml.get(&keys).and_then(Item::as_table_like);
    let files = entry.and_then(|t| t.get("file"));
    let (Some(files), true) = (files, backend.starts_with("setuptools.build_meta")) else {
        out.push(dynamic(
            format!(
                "{} declares its {} `dynamic`: the build backend `{backend}` computes them",
                toml.shown,
                field.join(" ")
            ),
            origin,
        ));
        return Ok(());
    };
    let list: Vec<(String, Origin)> = match files.as_str() {
        Some(s) => vec![(s.to_string(), toml.origin(files.span()))],
        None => toml.strings(files, "[tool.setuptools.dynamic] file")?,
    };
    for (file, _) in list {
        let path = join(dir, &file);
        let Some(text) = read_text(world, &path)? else {
            return Err(Error::bad_file(format!(
                "{path}: listed in {} [tool.setuptools.dynamic] but missing",
                toml.shown
            )));
        };
        requirement_lines(&path, &text, out)?;
    }
    Ok(())
}

/// A plain list of requirements, one a line, `#` comments (setuptools `_parse_requirements_list`).
fn requirement_lines(path: &str, text: &str, out: &mut Vec<Target>) -> Result<(), Error> {
    for (i, line) in split_lines(text).into_iter().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let origin = Origin::File {
            path: path.to_string(),
            line: i as u32 + 1,
        };
        out.push(requirement(line, origin)?);
    }
    Ok(())
}

/// `setup.cfg`: `[options] install_requires` and `setup_requires`, `[options.extras_require]`
/// for the requested extras. Returns whether the file declares dependencies.
fn setup_cfg(
    world: &dyn World,
    path: &str,
    extras: &[String],
    out: &mut FileItems,
) -> Result<bool, Error> {
    let Some(text) = read_text(world, path)? else {
        return Ok(false);
    };
    let items = parse_ini(path, &text)?;
    let lines = split_lines(&text);
    let wanted: Vec<String> = extras.iter().map(|e| pep503(e)).collect();
    let mut declared = false;
    for item in &items {
        let take = match (item.section.as_str(), item.key.as_str()) {
            ("options", "install_requires" | "setup_requires") => true,
            ("options.extras_require", extra) => wanted.contains(&pep503(extra)),
            _ => false,
        };
        if !take {
            continue;
        }
        declared |= item.key == "install_requires";
        let value = item.value.trim();
        if let Some(files) = value.strip_prefix("file:") {
            for file in files.split(',').map(str::trim).filter(|f| !f.is_empty()) {
                let dir = path.rsplit_once('/').map_or(".", |(d, _)| d);
                let file_path = join(dir, file);
                let Some(text) = read_text(world, &file_path)? else {
                    return Err(Error::bad_file(format!(
                        "{path}:{}: {file_path} is missing",
                        item.line
                    )));
                };
                requirement_lines(&file_path, &text, &mut out.targets)?;
            }
            continue;
        }
        // `_parse_list_semicolon`: one requirement a line, or `;`-separated on one line.
        let parts: Vec<&str> = if value.contains('\n') {
            value.lines().collect()
        } else {
            value.split(';').collect()
        };
        let mut at = item.line as usize;
        for part in parts.into_iter().map(str::trim) {
            if part.is_empty() || part.starts_with('#') {
                continue;
            }
            // The line the part is written on: the next one from here that holds it.
            if let Some(k) = (at.saturating_sub(1)..lines.len()).find(|&k| lines[k].contains(part))
            {
                at = k + 1;
            }
            let origin = Origin::File {
                path: path.to_string(),
                line: at as u32,
            };
            out.targets.push(requirement(part, origin)?);
        }
    }
    Ok(declared)
}

/// PEP 735: the requirements of dependency group `group` of the pyproject.toml at `path`,
/// `{include-group = "..."}` entries followed (a cycle is an error, as in pip and uv).
pub(crate) fn dependency_group(
    toml: &Toml,
    group: &str,
    out: &mut Vec<Target>,
) -> Result<(), Error> {
    let mut chain: Vec<String> = Vec::new();
    include_group(toml, &pep503(group), &mut chain, out)
}

fn include_group(
    toml: &Toml,
    group: &str,
    chain: &mut Vec<String>,
    out: &mut Vec<Target>,
) -> Result<(), Error> {
    let groups = toml.get(&["dependency-groups"]);
    let table = groups.and_then(Item::as_table_like);
    let Some((_, item)) = table.and_then(|t| t.iter().find(|(k, _)| pep503(k) == group)) else {
        return Err(Error::bad_file(format!(
            "{}: [dependency-groups] has no group `{group}`",
            toml.shown
        )));
    };
    if chain.iter().any(|g| g == group) {
        chain.push(group.to_string());
        return Err(toml.error(
            item.span(),
            format!("dependency group cycle: {}", chain.join(" -> ")),
        ));
    }
    chain.push(group.to_string());
    let Some(array) = item.as_array() else {
        return Err(toml.error(
            item.span(),
            format!("dependency group `{group}` must be an array"),
        ));
    };
    for v in array {
        match v {
            Value::String(s) => out.push(requirement(s.value(), toml.origin(v.span()))?),
            Value::InlineTable(t) => match t.get("include-group").and_then(Value::as_str) {
                Some(inner) if t.len() == 1 => include_group(toml, &pep503(inner), chain, out)?,
                _ => {
                    return Err(toml.error(
                        v.span(),
                        "a dependency group entry must be a string or {include-group = \"name\"}",
                    ));
                }
            },
            _ => {
                return Err(toml.error(
                    v.span(),
                    "a dependency group entry must be a string or {include-group = \"name\"}",
                ));
            }
        }
    }
    chain.pop();
    Ok(())
}

/// Names of every dependency group a pyproject.toml defines.
pub(crate) fn group_names(toml: &Toml) -> Vec<String> {
    toml.get(&["dependency-groups"])
        .and_then(Item::as_table_like)
        .map(|t| t.iter().map(|(k, _)| pep503(k)).collect())
        .unwrap_or_default()
}

/// A PEP 723 `# /// script` block of a Python script, parsed as TOML with the script's line
/// numbers. `None` when the file has no such block. Two `script` blocks are an error.
pub(crate) fn script_metadata(world: &dyn World, path: &str) -> Result<Option<Toml>, Error> {
    let Some(text) = read_text(world, path)? else {
        return Err(Error::bad_file(format!("{path}: no such script")));
    };
    let lines = split_lines(&text);
    let mut found: Option<(usize, String)> = None;
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = lines[i].strip_prefix("# /// ") else {
            i += 1;
            continue;
        };
        if kind.is_empty() || !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            i += 1;
            continue;
        }
        // The block runs to the last `# ///` before a line that is not a comment.
        let mut end = None;
        let mut j = i + 1;
        while j < lines.len() && (lines[j] == "#" || lines[j].starts_with("# ")) {
            if lines[j] == "# ///" {
                end = Some(j);
            }
            j += 1;
        }
        let Some(end) = end else {
            return Err(Error::bad_file(format!(
                "{path}:{}: the `# /// {kind}` block is not closed with `# ///`",
                i + 1
            )));
        };
        if kind == "script" {
            if found.is_some() {
                return Err(Error::bad_file(format!(
                    "{path}:{}: a second `# /// script` block (PEP 723 allows one)",
                    i + 1
                )));
            }
            let body: Vec<&str> = lines[i + 1..end]
                .iter()
                .map(|l| {
                    l.strip_prefix("# ")
                        .unwrap_or_else(|| l.strip_prefix('#').unwrap_or(l))
                })
                .collect();
            found = Some((i + 1, body.join("\n")));
        }
        i = end + 1;
    }
    match found {
        Some((offset, body)) => Toml::parse(path, body, offset as u32).map(Some),
        None => Ok(None),
    }
}

/// The `dependencies` of a PEP 723 block as targets.
pub(crate) fn script_dependencies(meta: &Toml, out: &mut Vec<Target>) -> Result<(), Error> {
    match meta.get(&["dependencies"]) {
        Some(item) => meta.requirements(item, "script `dependencies`", out),
        None => Ok(()),
    }
}

// ---- poetry's own dependency tables (poetry 1, and poetry 2's `[tool.poetry]` extras) ----

/// A poetry version constraint as a pip-style spec: a bare version is an exact pin.
fn poetry_spec(constraint: &str) -> Option<String> {
    let c = constraint.trim();
    if c.is_empty() || c == "*" {
        return None;
    }
    if c.starts_with(|ch: char| ch.is_ascii_digit()) && !c.contains([',', ' ', '*', '|']) {
        return Some(format!("=={c}"));
    }
    if let Some(v) = c.strip_prefix('=')
        && !v.starts_with('=')
    {
        return Some(format!("=={}", v.trim()));
    }
    Some(c.to_string())
}

/// One entry of a `[tool.poetry.*dependencies]` table as targets (a list of constraints
/// gives one target per entry). `python` is the interpreter, not a package.
pub(crate) fn poetry_dependency(
    toml: &Toml,
    name: &str,
    item: &Item,
    out: &mut Vec<Target>,
) -> Result<(), Error> {
    if name.eq_ignore_ascii_case("python") {
        return Ok(());
    }
    let origin = toml.origin(item.span());
    let bad = || {
        toml.error(
            item.span(),
            format!("dependency `{name}`: not a poetry constraint"),
        )
    };
    if let Some(s) = item.as_str() {
        out.push(Target::registry(
            Ecosystem::Pypi,
            name,
            poetry_spec(s).as_deref(),
            origin,
        ));
        return Ok(());
    }
    if let Some(array) = item.as_array() {
        for v in array {
            let t = v.as_inline_table().ok_or_else(bad)?;
            poetry_table(name, t, toml.origin(v.span()), out);
        }
        return Ok(());
    }
    if let Some(aot) = item.as_array_of_tables() {
        for t in aot {
            poetry_table(name, t, toml.origin(t.span()), out);
        }
        return Ok(());
    }
    let t = item.as_table_like().ok_or_else(bad)?;
    poetry_table(name, t, origin, out);
    Ok(())
}

fn poetry_table(name: &str, t: &dyn TableLike, origin: Origin, out: &mut Vec<Target>) {
    let s = |k: &str| t.get(k).and_then(Item::as_str).map(str::to_string);
    let named = |kind: TargetKind, spec: String| Target {
        claimed: None,
        ecosystem: Ecosystem::Pypi,
        kind,
        name: Some(name.to_string()),
        spec: Some(spec),
        origin: origin.clone(),
        resolved: None,
    };
    let target = if let Some(git) = s("git") {
        named(TargetKind::Git, git)
    } else if let Some(url) = s("url") {
        named(TargetKind::Url, url)
    } else if let Some(path) = s("path") {
        named(TargetKind::Path, path)
    } else {
        let spec = s("version").and_then(|v| poetry_spec(&v));
        Target::registry(Ecosystem::Pypi, name, spec.as_deref(), origin.clone())
    };
    out.push(target);
}

/// Whether a poetry dependency entry is `optional = true` (installed only through an extra).
pub(crate) fn poetry_optional(item: &Item) -> bool {
    item.as_table_like()
        .and_then(|t| t.get("optional"))
        .and_then(Item::as_bool)
        .unwrap_or(false)
}

/// A poetry 1 project built by poetry-core: `[tool.poetry.dependencies]` (optional ones only
/// through the requested `[tool.poetry.extras]`).
fn poetry_project(toml: &Toml, extras: &[String], out: &mut FileItems) -> Result<(), Error> {
    let Some(deps) = toml
        .get(&["tool", "poetry", "dependencies"])
        .and_then(Item::as_table_like)
    else {
        return Ok(());
    };
    let wanted: Vec<String> = extras.iter().map(|e| pep503(e)).collect();
    let mut extra_names: HashSet<String> = HashSet::new();
    if let Some(table) = toml
        .get(&["tool", "poetry", "extras"])
        .and_then(Item::as_table_like)
    {
        for (extra, item) in table.iter() {
            if wanted.contains(&pep503(extra)) {
                for (n, _) in toml.strings(item, "[tool.poetry.extras]")? {
                    extra_names.insert(pep503(&n));
                }
            }
        }
    }
    for (name, item) in deps.iter() {
        if poetry_optional(item) && !extra_names.contains(&pep503(name)) {
            continue;
        }
        poetry_dependency(toml, name, item, &mut out.targets)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
