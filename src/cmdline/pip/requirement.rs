//! One requirement as pip classifies it (req/constructors.py `install_req_from_line`,
//! `parse_editable`): a PEP 508 name and specifier, a URL, a VCS link, an archive or a local
//! project. Pure apart from asking [`World`] whether a path is a directory.

use std::path::Path;

use super::*;
use crate::ecosystem::{PYPI_ARCHIVE_EXTENSIONS, pypi_archive, valid_pypi_name};

/// URL schemes that make a requirement a URL (`vcs/versioncontrol.py` `is_url`).
const URL_SCHEMES: &[&str] = &["http", "https", "file", "ftp"];
const VCS_SCHEMES: &[&str] = &[
    "bzr+http",
    "bzr+https",
    "bzr+ssh",
    "bzr+sftp",
    "bzr+ftp",
    "bzr+lp",
    "bzr+file",
    "git+http",
    "git+https",
    "git+ssh",
    "git+git",
    "git+file",
    "hg+file",
    "hg+http",
    "hg+https",
    "hg+ssh",
    "hg+static-http",
    "svn+ssh",
    "svn+http",
    "svn+https",
    "svn+svn",
    "svn+file",
];
/// Bare VCS names an editable may start with (`git:` becomes `git+git:`).
const VCS_NAMES: &[&str] = &["git", "hg", "svn", "bzr"];
/// Version-specifier operators, longest first.
const OPERATORS: &[&str] = &["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

pub(super) fn url_scheme(s: &str) -> Option<String> {
    let (scheme, _) = s.split_once(':')?;
    Some(scheme.to_ascii_lowercase())
}

fn is_url(s: &str) -> bool {
    url_scheme(s)
        .is_some_and(|sc| URL_SCHEMES.contains(&sc.as_str()) || VCS_SCHEMES.contains(&sc.as_str()))
}

fn url_kind(url: &str) -> TargetKind {
    match url_scheme(url) {
        Some(sc) if VCS_SCHEMES.contains(&sc.as_str()) => TargetKind::Git,
        _ => TargetKind::Url,
    }
}

fn looks_like_path(s: &str) -> bool {
    s.contains('/') || s.starts_with('.')
}

/// `name[extras]` at the end of a path: (path, had extras).
pub(crate) fn strip_extras(s: &str) -> &str {
    if s.ends_with(']')
        && let Some(open) = s.rfind('[')
        && open > 0
        && !s[open + 1..s.len() - 1].is_empty()
        && !s[open + 1..s.len() - 1].contains(']')
    {
        return &s[..open];
    }
    s
}

fn archive_ext(path: &str) -> Option<&'static str> {
    let lower = path.to_ascii_lowercase();
    PYPI_ARCHIVE_EXTENSIONS
        .iter()
        .copied()
        .find(|ext| lower.ends_with(ext))
}

fn file_name_of(s: &str) -> &str {
    let s = s.split(['#', '?']).next().unwrap_or(s);
    s.rsplit('/').next().unwrap_or(s)
}

/// Project name a distribution file name carries (wheel or sdist).
fn archive_name(file: &str) -> Option<String> {
    pypi_archive(file).map(|(name, _)| name)
}

/// `#egg=name` (extras stripped) if it is a valid project name.
fn egg_name(url: &str) -> Option<String> {
    let (_, fragment) = url.split_once('#')?;
    let egg = fragment.split('&').find_map(|kv| kv.strip_prefix("egg="))?;
    let egg = strip_extras(egg);
    valid_name(egg).then(|| egg.to_string())
}

fn url_target(url: &str) -> Target {
    let name = archive_name(file_name_of(url)).or_else(|| egg_name(url));
    Target {
        ecosystem: Ecosystem::Pypi,
        kind: url_kind(url),
        name,
        spec: Some(url.to_string()),
        origin: Origin::Argv,
        claimed: None,
        resolved: None,
    }
}

fn path_target(written: &str, path: &str) -> Target {
    Target {
        ecosystem: Ecosystem::Pypi,
        kind: TargetKind::Path,
        name: archive_name(file_name_of(path)),
        spec: Some(written.to_string()),
        origin: Origin::Argv,
        claimed: None,
        resolved: None,
    }
}

fn installable_dir(world: &dyn World, dir: &str) -> bool {
    let d = Path::new(dir);
    world.is_file(&d.join("pyproject.toml")) || world.is_file(&d.join("setup.py"))
}

/// One requirement as pip reads a positional argument or a requirements-file line.
pub(crate) fn classify_line(line: &str, world: &dyn World) -> Result<Target, String> {
    let sep = if is_url(line) { "; " } else { ";" };
    let req = line.split_once(sep).map_or(line, |(r, _)| r);
    if is_url(req) {
        return Ok(url_target(req.trim_end()));
    }
    let path = strip_extras(req);
    if looks_like_path(req) && world.is_dir(Path::new(path)) {
        if !installable_dir(world, path) {
            return Err(format!(
                "directory {req:?} is not installable: neither 'setup.py' nor 'pyproject.toml' found"
            ));
        }
        return Ok(path_target(req, path));
    }
    if archive_ext(path).is_some() {
        let pep508_url = req
            .split_once('@')
            .is_some_and(|(left, _)| !looks_like_path(left));
        if world.is_file(Path::new(path)) || !pep508_url {
            return Ok(path_target(req, path));
        }
    }
    let parsed = pep508(line).map_err(|e| {
        let hint = if looks_like_path(req) {
            " (it looks like a path, but no such directory or archive)"
        } else {
            ""
        };
        format!("invalid requirement {line:?}: {e}{hint}")
    })?;
    Ok(parsed.into_target())
}

/// An editable (`-e`): a local project directory, a `file:` URL, or a VCS URL with a name.
pub(crate) fn classify_editable(value: &str, world: &dyn World) -> Result<Target, String> {
    let path = strip_extras(value);
    if world.is_dir(Path::new(path)) {
        if !installable_dir(world, path) {
            return Err(format!(
                "editable {value:?} does not appear to be a Python project: neither 'setup.py' nor 'pyproject.toml' found"
            ));
        }
        return Ok(path_target(value, path));
    }
    let lower = value.to_ascii_lowercase();
    if lower.starts_with("file:") {
        return Ok(url_target(path));
    }
    let mut url = value.to_string();
    if let Some(v) = VCS_NAMES
        .iter()
        .find(|v| lower.starts_with(&format!("{v}:")))
    {
        url = format!("{v}+{value}");
    }
    if url_scheme(&url).is_some_and(|sc| VCS_SCHEMES.contains(&sc.as_str())) {
        let mut t = url_target(value);
        t.kind = TargetKind::Git;
        if t.name.is_none() {
            return Err(format!(
                "could not detect requirement name for editable {value:?}, please specify one with #egg=your_package_name"
            ));
        }
        return Ok(t);
    }
    // pip >= 25: `-e name @ vcs+url`.
    if let Ok(p) = pep508(value)
        && p.url.is_some()
    {
        return Ok(p.into_target());
    }
    Err(format!(
        "{value:?} is not a valid editable requirement: it should be a path to a local project or a VCS URL"
    ))
}

/// The parts of a PEP 508 requirement we keep.
pub(crate) struct Pep508 {
    pub(crate) name: String,
    pub(crate) spec: Option<String>,
    pub(crate) url: Option<String>,
}

impl Pep508 {
    pub(crate) fn into_target(self) -> Target {
        match self.url {
            Some(url) => Target {
                ecosystem: Ecosystem::Pypi,
                kind: url_kind(&url),
                name: Some(self.name),
                spec: Some(url),
                origin: Origin::Argv,
                claimed: None,
                resolved: None,
            },
            None => Target::registry(
                Ecosystem::Pypi,
                &self.name,
                self.spec.as_deref(),
                Origin::Argv,
            ),
        }
    }
}

pub(crate) fn valid_name(s: &str) -> bool {
    valid_pypi_name(s)
}

/// A small cursor over a string, char-safe.
struct Cursor<'a> {
    pub(super) s: &'a str,
    pub(super) at: usize,
}

impl<'a> Cursor<'a> {
    pub(super) fn rest(&self) -> &'a str {
        &self.s[self.at..]
    }
    fn ws(&mut self) {
        let r = self.rest();
        self.at += r.len() - r.trim_start().len();
    }
    fn eat(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t) {
            self.at += t.len();
            true
        } else {
            false
        }
    }
    pub(super) fn take_while(&mut self, f: impl Fn(char) -> bool) -> &'a str {
        let r = self.rest();
        let n = r.find(|c: char| !f(c)).unwrap_or(r.len());
        self.at += n;
        &r[..n]
    }
    fn done(&self) -> bool {
        self.at >= self.s.len()
    }
}

fn is_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-')
}

/// Parse `name[extras] (specifiers) ; marker` or `name[extras] @ url ; marker`.
pub(crate) fn pep508(s: &str) -> Result<Pep508, String> {
    let mut c = Cursor { s, at: 0 };
    c.ws();
    let name = c.take_while(is_name_char);
    if !valid_name(name) {
        return Err(format!("{name:?} is not a valid project name"));
    }
    c.ws();
    if c.eat("[") {
        loop {
            c.ws();
            let extra = c.take_while(is_name_char);
            c.ws();
            if !extra.is_empty() && !valid_name(extra) {
                return Err(format!("invalid extra {extra:?}"));
            }
            if c.eat("]") {
                break;
            }
            if extra.is_empty() || !c.eat(",") {
                return Err("malformed extras".to_string());
            }
        }
        c.ws();
    }
    if c.eat("@") {
        c.ws();
        let url = c.take_while(|ch| !ch.is_whitespace());
        if url.is_empty() {
            return Err("missing URL after '@'".to_string());
        }
        c.ws();
        if !c.done() {
            if !c.eat(";") {
                return Err(format!("unexpected text after URL: {:?}", c.rest()));
            }
            marker(&mut c)?;
        }
        return Ok(Pep508 {
            name: name.to_string(),
            spec: None,
            url: Some(url.to_string()),
        });
    }
    let paren = c.eat("(");
    let mut specs: Vec<String> = Vec::new();
    loop {
        c.ws();
        let Some(op) = OPERATORS.iter().find(|op| c.rest().starts_with(**op)) else {
            break;
        };
        c.at += op.len();
        c.ws();
        let version = if *op == "===" {
            c.take_while(|ch| !ch.is_whitespace() && !matches!(ch, ',' | ';' | ')'))
        } else {
            c.take_while(|ch| {
                ch.is_ascii_alphanumeric() || matches!(ch, '.' | '*' | '+' | '!' | '-' | '_')
            })
        };
        if version.is_empty() {
            return Err(format!("missing version after {op}"));
        }
        specs.push(format!("{op}{version}"));
        c.ws();
        if !c.eat(",") {
            break;
        }
    }
    if paren {
        c.ws();
        if specs.is_empty() || !c.eat(")") {
            return Err("malformed version specifier in parentheses".to_string());
        }
    }
    c.ws();
    if !c.done() {
        if !c.eat(";") {
            return Err(format!("unexpected text {:?}", c.rest()));
        }
        marker(&mut c)?;
    }
    let spec = (!specs.is_empty()).then(|| specs.join(","));
    Ok(Pep508 {
        name: name.to_string(),
        spec,
        url: None,
    })
}

/// Markers are dropped, but an empty one is an error.
fn marker(c: &mut Cursor) -> Result<(), String> {
    c.ws();
    if c.done() {
        return Err("empty environment marker".to_string());
    }
    c.at = c.s.len();
    Ok(())
}
