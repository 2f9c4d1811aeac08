//! The files npm reads to know what it installs and from where: package.json, lockfiles
//! (package-lock.json v1–v3, npm-shrinkwrap.json) and `.npmrc`, all through [`World`].
//! Pure apart from `World`; does not resolve versions or walk transitive dependencies.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::*;

/// Lexical `path.resolve(base, p)`.
pub(crate) fn resolve_path(base: &Path, p: &str) -> PathBuf {
    let joined = base.join(p);
    let mut out = PathBuf::new();
    for c in joined.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c.as_os_str()),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(x) => out.push(x),
        }
    }
    if out.as_os_str().is_empty() {
        out.push("/");
    }
    out
}

fn line_of(o: &Origin) -> u32 {
    match o {
        Origin::File { line, .. } => *line,
        _ => 0,
    }
}

pub(super) fn show(p: &Path) -> String {
    p.display().to_string()
}

/// Line (1-based) of every object key in a JSON text, by its path of keys (`[]` for array items).
pub(crate) struct KeyLines(pub(super) HashMap<Vec<String>, u32>);

impl KeyLines {
    pub(crate) fn new(text: &str) -> KeyLines {
        let mut s = Scan {
            text,
            pos: 0,
            line: 1,
            path: Vec::new(),
            out: HashMap::new(),
        };
        s.value(0);
        KeyLines(s.out)
    }

    pub(crate) fn line(&self, path: &[&str]) -> u32 {
        let key: Vec<String> = path.iter().map(std::string::ToString::to_string).collect();
        self.0.get(&key).copied().unwrap_or(1)
    }
}

struct Scan<'a> {
    pub(super) text: &'a str,
    pub(super) pos: usize,
    pub(super) line: u32,
    pub(super) path: Vec<String>,
    pub(super) out: HashMap<Vec<String>, u32>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    pub(super) fn ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    pub(super) fn string(&mut self) -> Option<String> {
        let start = self.pos;
        self.pos += 1;
        while let Some(b) = self.peek() {
            self.pos += 1;
            match b {
                b'\\' => self.pos += 1,
                b'"' => break,
                b'\n' => self.line += 1,
                _ => {}
            }
        }
        self.pos = self.pos.min(self.text.len());
        serde_json::from_str(self.text.get(start..self.pos)?).ok()
    }

    pub(super) fn value(&mut self, depth: usize) {
        self.ws();
        if depth > 200 {
            self.pos = self.text.len();
            return;
        }
        match self.peek() {
            Some(b'{') => {
                self.pos += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b'"') => {
                            let line = self.line;
                            let key = self.string().unwrap_or_default();
                            self.ws();
                            if self.peek() == Some(b':') {
                                self.pos += 1;
                            }
                            self.path.push(key);
                            self.out.entry(self.path.clone()).or_insert(line);
                            self.value(depth + 1);
                            self.path.pop();
                            self.ws();
                            if self.peek() == Some(b',') {
                                self.pos += 1;
                            }
                        }
                        Some(b'}') => {
                            self.pos += 1;
                            return;
                        }
                        _ => {
                            self.pos = self.text.len();
                            return;
                        }
                    }
                }
            }
            Some(b'[') => {
                self.pos += 1;
                loop {
                    self.ws();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            return;
                        }
                        None => return,
                        _ => {
                            let before = self.pos;
                            self.path.push("[]".into());
                            self.value(depth + 1);
                            self.path.pop();
                            self.ws();
                            if self.peek() == Some(b',') {
                                self.pos += 1;
                            } else if self.pos == before {
                                self.pos = self.text.len();
                                return;
                            }
                        }
                    }
                }
            }
            Some(b'"') => {
                self.string();
            }
            Some(_) => {
                while let Some(b) = self.peek() {
                    if b",}] \t\r\n".contains(&b) {
                        break;
                    }
                    self.pos += 1;
                }
            }
            None => {}
        }
    }
}

/// A parsed JSON file.
pub(crate) struct JsonFile {
    pub(crate) path: String,
    pub(crate) value: serde_json::Value,
    pub(crate) lines: KeyLines,
}

/// Read and parse a JSON file; Ok(None) if it does not exist.
pub(crate) fn read_json(world: &dyn World, path: &Path) -> Result<Option<JsonFile>, Error> {
    let shown = show(path);
    let bytes = match world.read_file(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::bad_file(format!("{shown}: {e}"))),
    };
    let text = String::from_utf8_lossy(&bytes);
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let value: serde_json::Value = serde_json::from_str(text).map_err(|e| {
        let msg = e.to_string();
        let msg = msg.split(" at line ").next().unwrap_or(&msg).to_string();
        Error::bad_file(format!("{shown}:{}:{}: {msg}", e.line(), e.column()))
    })?;
    if !value.is_object() {
        return Err(Error::bad_file(format!("{shown}:1:1: not a JSON object")));
    }
    Ok(Some(JsonFile {
        path: shown,
        lines: KeyLines::new(text),
        value,
    }))
}

/// One `key=value` line of an npmrc, after ini unquoting and `${VAR}` substitution.
pub(crate) struct RcLine {
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) line: u32,
}

/// ini's `unsafe`: unquote, or cut at an unescaped `;`/`#`.
pub(super) fn ini_unsafe(val: &str) -> String {
    let val = val.trim();
    let quoted = val.len() >= 2
        && ((val.starts_with('"') && val.ends_with('"'))
            || (val.starts_with('\'') && val.ends_with('\'')));
    if quoted {
        let inner = if val.starts_with('\'') {
            &val[1..val.len() - 1]
        } else {
            val
        };
        return match serde_json::from_str::<serde_json::Value>(inner) {
            Ok(serde_json::Value::String(s)) => s,
            Ok(other) => other.to_string(),
            Err(_) => inner.to_string(),
        };
    }
    let mut out = String::new();
    let mut esc = false;
    for c in val.chars() {
        if esc {
            if !"\\;#".contains(c) {
                out.push('\\');
            }
            out.push(c);
            esc = false;
        } else if c == ';' || c == '#' {
            break;
        } else if c == '\\' {
            esc = true;
        } else {
            out.push(c);
        }
    }
    if esc {
        out.push('\\');
    }
    out.trim().to_string()
}

/// @npmcli/config's env-replace: `${VAR}`, `${VAR?}`, backslash escapes.
pub(crate) fn env_replace(s: &str, world: &dyn World) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("${") {
        let (before, after) = rest.split_at(i);
        let Some(close) = after.find('}') else { break };
        let inner = &after[2..close];
        let (name, optional) = match inner.strip_suffix('?') {
            Some(n) => (n, true),
            None => (inner, false),
        };
        if name.is_empty() || name.contains(['$', '{', '}', '?']) {
            out.push_str(before);
            out.push_str("${");
            rest = &after[2..];
            continue;
        }
        let esc = before.len() - before.trim_end_matches('\\').len();
        out.push_str(&before[..before.len() - esc]);
        if esc % 2 == 1 {
            out.push_str(&"\\".repeat((esc - 1) / 2));
            out.push_str(&after[..=close]);
        } else {
            out.push_str(&"\\".repeat(esc / 2));
            match world.env(name) {
                Some(v) => out.push_str(&v.to_string_lossy()),
                None if optional => {}
                None => out.push_str(&format!("${{{name}}}")),
            }
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// The top-level `key=value` lines of an npmrc (keys inside `[sections]` are not config); none
/// when it does not exist. A file that cannot be read (a FIFO, a device, too large, no
/// permission) is an error: it may name a registry the guard would then not see.
pub(crate) fn read_npmrc(world: &dyn World, path: &Path) -> Result<Vec<RcLine>, Error> {
    let bytes = match world.read_file(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::bad_file(format!("{}: {e}", show(path)))),
    };
    let text = String::from_utf8_lossy(&bytes);
    let mut out = Vec::new();
    for (n, raw) in text.split('\n').enumerate() {
        let line = raw.trim_end_matches('\r');
        let t = line.trim_start();
        if t.is_empty() || t.starts_with(';') || t.starts_with('#') {
            continue;
        }
        let tr = line.trim_end();
        if tr.len() >= 2
            && tr.starts_with('[')
            && tr.ends_with(']')
            && !tr[1..tr.len() - 1].contains(']')
        {
            break;
        }
        let Some((k, v)) = line.split_once('=') else {
            continue;
        };
        if k.is_empty() {
            continue;
        }
        let key = env_replace(&ini_unsafe(k), world);
        let value = env_replace(&ini_unsafe(v), world);
        out.push(RcLine {
            key,
            value,
            line: u32::try_from(n + 1).unwrap_or(u32::MAX),
        });
    }
    Ok(out)
}

/// An env var of npm's config (`npm_config_KEY`, matched case-insensitively in a few spellings).
pub(crate) fn npm_env(world: &dyn World, key: &str) -> Option<(String, String)> {
    let mut names = Vec::new();
    for prefix in ["npm_config_", "NPM_CONFIG_"] {
        for k in [
            key.to_string(),
            key.replace('-', "_"),
            key.to_ascii_uppercase(),
            key.replace('-', "_").to_ascii_uppercase(),
        ] {
            let name = format!("{prefix}{k}");
            if !names.contains(&name) {
                names.push(name);
            }
        }
    }
    names.into_iter().find_map(|n| {
        let v = world.env(&n)?.to_string_lossy().into_owned();
        (!v.is_empty()).then_some((n, v))
    })
}

/// A source of the npm ecosystem.
pub(crate) fn source(kind: SourceKind, url: &str, scope: Option<&str>, origin: Origin) -> Source {
    Source {
        ecosystem: ECO,
        kind,
        location: url.to_string(),
        scope: scope.map(str::to_string),
        origin,
    }
}

/// The `registry` and `@scope:registry` lines of one npmrc file, each with its line.
pub(crate) fn npmrc_sources(world: &dyn World, path: &Path) -> Result<Vec<Source>, Error> {
    Ok(rc_line_sources(path, &read_npmrc(world, path)?))
}

/// The `registry` and `@scope:registry` lines among an npmrc file's lines.
fn rc_line_sources(path: &Path, lines: &[RcLine]) -> Vec<Source> {
    keyed_registries(
        &show(path),
        lines
            .iter()
            .map(|l| (l.key.as_str(), l.value.as_str(), l.line)),
    )
}

/// The registries one config file names, as sources in the file's order: each
/// `(scope, url, line)`, scope `None` for the default registry, else `@scope` whether or not
/// the file wrote the `@` (npmrc, `.yarnrc`, `.yarnrc.yml`, `pnpm-workspace.yaml`,
/// `bunfig.toml` all come through here; each reader only finds the entries).
pub(crate) fn registries_from<S: AsRef<str>, U: AsRef<str>>(
    path: &str,
    named: impl IntoIterator<Item = (Option<S>, U, u32)>,
) -> Vec<Source> {
    named
        .into_iter()
        .map(|(scope, url, line)| {
            let origin = Origin::File {
                path: path.to_string(),
                line,
            };
            match scope {
                None => source(SourceKind::Index, url.as_ref(), None, origin),
                Some(s) => source(
                    SourceKind::ScopedRegistry,
                    url.as_ref(),
                    Some(&format!("@{}", s.as_ref().trim_start_matches('@'))),
                    origin,
                ),
            }
        })
        .collect()
}

/// The registries among the `(key, value, line)` entries of an npmrc-style file: `registry`
/// the default one, `@scope:registry` that scope's.
pub(crate) fn keyed_registries<'a>(
    path: &str,
    entries: impl IntoIterator<Item = (&'a str, &'a str, u32)>,
) -> Vec<Source> {
    registries_from(
        path,
        entries.into_iter().filter_map(|(key, url, line)| {
            let scope = if key == "registry" {
                None
            } else {
                Some(scoped_registry_key(key)?)
            };
            Some((scope, url, line))
        }),
    )
}

/// A text file, lossily decoded; Ok(None) when it does not exist.
pub(crate) fn read_text(world: &dyn World, path: &Path) -> Result<Option<String>, Error> {
    match world.read_file(path) {
        Ok(b) => Ok(Some(String::from_utf8_lossy(&b).into_owned())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::bad_file(format!("{}: {e}", show(path)))),
    }
}

/// `@scope:registry` → `@scope`.
pub(crate) fn scoped_registry_key(key: &str) -> Option<&str> {
    let scope = key.strip_suffix(":registry")?;
    (scope.starts_with('@') && scope.len() > 1).then_some(scope)
}

/// Where npm's registry settings come from besides the environment: the command line and the
/// npmrc files it points to.
pub(crate) struct RegistryConfig<'a> {
    pub(crate) world: &'a dyn World,
    pub(crate) cwd: &'a Path,
    /// The project whose `.npmrc` counts; None for global installs.
    pub(crate) project: Option<&'a Path>,
    /// `--userconfig` / `--globalconfig` from the command line (else `npm_config_*`, `~/.npmrc`).
    pub(crate) userconfig: Option<&'a str>,
    pub(crate) globalconfig: Option<&'a str>,
    /// `registry` and `@scope:registry` settings from the command line, in order.
    pub(crate) cli_settings: Vec<(&'a str, &'a str)>,
}

/// The dependencies package.json declares, with the dependency's key name.
pub(crate) fn manifest_deps(
    pj: &JsonFile,
    omit: &HashSet<&str>,
) -> Result<Vec<(String, Target)>, Error> {
    let mut out: Vec<(String, Target)> = Vec::new();
    // One entry per (kind, name, spec): a dependency listed in two groups is checked once.
    let mut seen: HashSet<(TargetKind, Option<String>, Option<String>)> = HashSet::new();
    for (section, ty) in [
        ("dependencies", ""),
        ("devDependencies", "dev"),
        ("optionalDependencies", "optional"),
        ("peerDependencies", "peer"),
    ] {
        if omit.contains(ty) {
            continue;
        }
        let Some(map) = pj.value.get(section).and_then(|v| v.as_object()) else {
            continue;
        };
        for (name, spec) in map {
            let line = pj.lines.line(&[section, name]);
            let Some(spec) = spec.as_str() else {
                return Err(Error::bad_file(format!(
                    "{}:{line}: {section}.{name} is not a string",
                    pj.path
                )));
            };
            // pnpm, yarn and bun protocols npm does not have: a workspace member, a catalog
            // entry (a registry package whose range the workspace file sets), local links.
            if let Some((proto, _)) = spec.split_once(':')
                && matches!(
                    proto,
                    "workspace" | "catalog" | "link" | "portal" | "exec" | "patch"
                )
            {
                let kind = if proto == "catalog" {
                    TargetKind::Registry
                } else {
                    TargetKind::Path
                };
                let t = Target {
                    ecosystem: ECO,
                    kind,
                    name: Some(name.clone()),
                    spec: Some(spec.to_string()),
                    origin: Origin::File {
                        path: pj.path.clone(),
                        line,
                    },
                    claimed: None,
                    resolved: None,
                };
                if seen.insert((t.kind, t.name.clone(), t.spec.clone())) {
                    out.push((name.clone(), t));
                }
                continue;
            }
            let written = (!spec.is_empty()).then_some(spec);
            let parsed = npa_resolve(
                Some(name),
                if spec.is_empty() { "*" } else { spec },
                written,
            )
            .map_err(|e| Error::bad_file(format!("{}:{line}: {name}: {e}", pj.path)))?;
            let t = parsed.target(Origin::File {
                path: pj.path.clone(),
                line,
            });
            if seen.insert((t.kind, t.name.clone(), t.spec.clone())) {
                out.push((name.clone(), t));
            }
        }
    }
    out.sort_by_key(|(_, t)| line_of(&t.origin));
    Ok(out)
}

/// URL prefixes whose tarballs count as registry packages: npmjs and every registry in `sources`.
pub(crate) fn registry_prefixes(sources: &[Source]) -> Vec<String> {
    let mut regs = vec![
        DEFAULT_REGISTRY.to_string(),
        "http://registry.npmjs.org/".to_string(),
    ];
    for s in sources {
        let mut l = s.location.clone();
        if !l.ends_with('/') {
            l.push('/');
        }
        regs.push(l);
    }
    regs
}

/// Lockfile entries as targets, the top-level dependency names it pins, and every name it
/// places anywhere. Linear in the file: one pass over the entries, one map of integrities.
pub(crate) fn lock_entries(
    lock: &JsonFile,
    omit: &HashSet<&str>,
    registries: &[String],
) -> (Vec<Target>, HashSet<String>, HashSet<String>) {
    let mut out = Vec::new();
    let mut top = HashSet::new();
    let mut all = HashSet::new();
    let mut integrities = Integrities::default();
    if let Some(pkgs) = lock.value.get("packages").and_then(|p| p.as_object()) {
        for (key, entry) in pkgs {
            let Some(pos) = key.rfind("node_modules/") else {
                continue;
            };
            let folder = &key[pos + "node_modules/".len()..];
            if folder.is_empty() {
                continue;
            }
            if pos == 0 {
                top.insert(folder.to_string());
            }
            all.insert(folder.to_string());
            if omitted(entry, omit) {
                continue;
            }
            let origin = Origin::File {
                path: lock.path.clone(),
                line: lock.lines.line(&["packages", key]),
            };
            let t = lock_target(folder, entry, false, registries, origin);
            out.push(integrities.check(t, entry));
        }
    } else if let Some(deps) = lock.value.get("dependencies").and_then(|d| d.as_object()) {
        for name in deps.keys() {
            top.insert(name.clone());
        }
        let mut stack: Vec<(Vec<String>, &serde_json::Map<String, serde_json::Value>)> =
            vec![(vec!["dependencies".to_string()], deps)];
        while let Some((path, map)) = stack.pop() {
            for (name, entry) in map {
                let mut p = path.clone();
                p.push(name.clone());
                all.insert(name.clone());
                if !omitted(entry, omit) {
                    let refs: Vec<&str> = p.iter().map(String::as_str).collect();
                    let origin = Origin::File {
                        path: lock.path.clone(),
                        line: lock.lines.line(&refs),
                    };
                    let t = lock_target(name, entry, true, registries, origin);
                    out.push(integrities.check(t, entry));
                }
                if let Some(sub) = entry.get("dependencies").and_then(|d| d.as_object()) {
                    let mut sp = p.clone();
                    sp.push("dependencies".to_string());
                    stack.push((sp, sub));
                }
            }
        }
    }
    out.sort_by_key(|t| line_of(&t.origin));
    (out, top, all)
}

/// The package and version each integrity hash was first seen with: one tarball has one
/// name and version, so an entry whose integrity another package already claimed is a
/// mismatch (an edited lockfile).
#[derive(Default)]
pub(crate) struct Integrities(HashMap<String, (String, Option<String>)>);

impl Integrities {
    /// Record `t`'s integrity (`entry.integrity`), or turn `t` into a mismatch when another
    /// name or version already has it.
    pub(crate) fn check(&mut self, t: Target, entry: &serde_json::Value) -> Target {
        match entry.get("integrity").and_then(|v| v.as_str()) {
            Some(i) => self.check_str(t, i),
            None => t,
        }
    }

    pub(crate) fn check_str(&mut self, mut t: Target, integrity: &str) -> Target {
        if t.claimed.is_some() || integrity.is_empty() {
            return t;
        }
        let Some(name) = t.name.clone() else {
            return t;
        };
        let version = t.spec.clone().filter(|v| is_semver(v));
        for hash in integrity.split_whitespace() {
            match self.0.get(hash) {
                None => {
                    self.0
                        .insert(hash.to_string(), (name.clone(), version.clone()));
                }
                Some((n, v))
                    if *n == name && (v.is_none() || version.is_none() || *v == version) => {}
                Some((n, v)) => {
                    t.claimed = Some(match &version {
                        Some(ver) => format!("{name}@{ver}"),
                        None => name.clone(),
                    });
                    t.kind = TargetKind::Alias;
                    t.name = Some(n.clone());
                    t.spec.clone_from(v);
                    return t;
                }
            }
        }
        t
    }
}

/// Whether a lockfile entry is of a dependency type left out.
pub(super) fn omitted(entry: &serde_json::Value, omit: &HashSet<&str>) -> bool {
    let flag = |k: &str| entry.get(k).and_then(serde_json::Value::as_bool) == Some(true);
    (flag("dev") && omit.contains("dev"))
        || (flag("optional") && omit.contains("optional"))
        || (flag("peer") && omit.contains("peer"))
        || (flag("devOptional") && omit.contains("dev") && omit.contains("optional"))
}

/// What a lockfile entry installs when its `resolved` URL is a registry tarball: the name and
/// version the URL carries. When they are not the entry's own (`claimed`), the target is the
/// tarball's package with `claimed` set (the `lockfile-mismatch` rule); None when the URL is
/// not a registry tarball or carries exactly the entry's name and version.
pub(crate) fn tarball_mismatch(
    folder: &str,
    claimed_name: &str,
    claimed_version: Option<&str>,
    resolved: &str,
    origin: &Origin,
) -> Option<Target> {
    let (name, version) = tarball_name_version(resolved)?;
    let same_version = claimed_version.is_none_or(|v| v.strip_prefix('v').unwrap_or(v) == version);
    if name == claimed_name && same_version {
        return None;
    }
    Some(Target {
        ecosystem: ECO,
        kind: if name == folder {
            TargetKind::Registry
        } else {
            TargetKind::Alias
        },
        name: Some(name),
        spec: Some(version),
        origin: origin.clone(),
        claimed: Some(match claimed_version {
            Some(v) => format!("{claimed_name}@{v}"),
            None => claimed_name.to_string(),
        }),
        resolved: None,
    })
}

/// One lockfile entry as a target: registry package, alias, git, URL or path.
fn lock_target(
    folder: &str,
    entry: &serde_json::Value,
    v1: bool,
    regs: &[String],
    origin: Origin,
) -> Target {
    let s = |k: &str| entry.get(k).and_then(|v| v.as_str()).map(str::to_string);
    let real = s("name").unwrap_or_else(|| folder.to_string());
    let version = s("version");
    let resolved = s("resolved");
    let mk = |kind, name: Option<String>, spec: Option<String>| Target {
        ecosystem: ECO,
        kind,
        name,
        spec,
        origin: origin.clone(),
        claimed: None,
        resolved: None,
    };
    if entry.get("link").and_then(serde_json::Value::as_bool) == Some(true) {
        return mk(
            TargetKind::Path,
            Some(real),
            resolved.or(Some(folder.to_string())),
        );
    }
    if v1
        && let Some(v) = &version
        && (resolved.is_none() || starts_with_ci(v, "npm:"))
        && let Ok(spec) = npa_resolve(Some(folder), v, Some(v))
        && spec.ty != SpecType::Registry
    {
        let mut t = spec.target(origin.clone());
        if t.kind != TargetKind::Alias {
            t.spec = resolved.clone().or(t.spec);
        } else if let (Some(r), Some(real_name)) = (&resolved, &t.name)
            && let Some(m) = tarball_mismatch(folder, real_name, t.spec.as_deref(), r, &origin)
        {
            return m;
        }
        return t;
    }
    if let Some(r) = &resolved
        && let Some(m) = tarball_mismatch(folder, &real, version.as_deref(), r, &origin)
    {
        return m;
    }
    let registry = |name: String| {
        if name == folder {
            mk(TargetKind::Registry, Some(name), version.clone())
        } else {
            mk(TargetKind::Alias, Some(name), version.clone())
        }
    };
    match resolved {
        None => registry(real),
        Some(r)
            if (starts_with_ci(&r, "https:") || starts_with_ci(&r, "http:"))
                && regs.iter().any(|g| starts_with_ci(&r, g)) =>
        {
            registry(real)
        }
        Some(r) if starts_with_ci(&r, "http:") || starts_with_ci(&r, "https:") => {
            mk(TargetKind::Url, Some(real), Some(r))
        }
        Some(r)
            if starts_with_ci(&r, "git")
                || HOST_SHORTCUTS.iter().any(|p| starts_with_ci(&r, p)) =>
        {
            mk(TargetKind::Git, Some(real), Some(r))
        }
        Some(r) if is_url(&r) && !starts_with_ci(&r, "file:") => {
            mk(TargetKind::Url, Some(real), Some(r))
        }
        Some(r) => mk(TargetKind::Path, Some(real), Some(r)),
    }
}

/// Registries named on the command line, in the environment and in npmrc files; `targets`
/// name the scopes whose `npm_config_@scope:registry` variables are looked up.
pub(crate) fn registry_sources(
    config: &RegistryConfig,
    targets: &[Target],
) -> Result<Vec<Source>, Error> {
    let mut out = Vec::new();
    let src = |kind, location: &str, scope: Option<&str>, origin| Source {
        ecosystem: ECO,
        kind,
        location: location.to_string(),
        scope: scope.map(str::to_string),
        origin,
    };
    for &(k, url) in &config.cli_settings {
        if k == "registry" {
            out.push(src(SourceKind::Index, url, None, Origin::Argv));
        } else if let Some(scope) = scoped_registry_key(k) {
            out.push(src(
                SourceKind::ScopedRegistry,
                url,
                Some(scope),
                Origin::Argv,
            ));
        }
    }
    if let Some((var, url)) = npm_env(config.world, "registry") {
        out.push(src(SourceKind::Index, &url, None, Origin::Env(var)));
    }
    let mut files: Vec<(PathBuf, Vec<RcLine>)> = Vec::new();
    let home = config
        .world
        .env("HOME")
        .filter(|h| !h.is_empty())
        .map(PathBuf::from)
        .or_else(|| config.world.home());
    let userconfig = match config.userconfig {
        Some(u) => Some(resolve_path(config.cwd, u)),
        None => match npm_env(config.world, "userconfig") {
            Some((_, u)) => Some(resolve_path(config.cwd, &u)),
            None => home.map(|h| h.join(".npmrc")),
        },
    };
    if let Some(root) = config.project {
        let project = root.join(".npmrc");
        if userconfig.as_ref() != Some(&project) {
            files.push((project.clone(), read_npmrc(config.world, &project)?));
        }
    }
    if let Some(u) = &userconfig {
        files.push((u.clone(), read_npmrc(config.world, u)?));
    }
    let globalconfig = match config.globalconfig {
        Some(g) => Some(resolve_path(config.cwd, g)),
        None => npm_env(config.world, "globalconfig").map(|(_, g)| resolve_path(config.cwd, &g)),
    };
    if let Some(g) = globalconfig {
        let lines = read_npmrc(config.world, &g)?;
        files.push((g, lines));
    }
    // Scoped registries in the environment can only be probed for scopes we know of.
    let mut scopes: Vec<String> = Vec::new();
    let mut seen_scopes: HashSet<String> = HashSet::new();
    let mut note_scope = |s: &str| {
        let s = s.to_lowercase();
        if seen_scopes.insert(s.clone()) {
            scopes.push(s);
        }
    };
    for t in targets {
        if let Some(name) = &t.name
            && name.starts_with('@')
            && let Some((scope, _)) = name.split_once('/')
        {
            note_scope(scope);
        }
    }
    for (_, lines) in &files {
        for l in lines {
            if let Some(scope) = scoped_registry_key(&l.key) {
                note_scope(scope);
            }
        }
    }
    for scope in &scopes {
        if let Some((var, url)) = npm_env(config.world, &format!("{scope}:registry")) {
            out.push(src(
                SourceKind::ScopedRegistry,
                &url,
                Some(scope),
                Origin::Env(var),
            ));
        }
    }
    for (path, lines) in files {
        out.extend(rc_line_sources(&path, &lines));
    }
    Ok(out)
}
