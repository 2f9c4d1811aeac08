//! Package patterns in policies: purls (`pkg:npm/left-pad`, `pkg:npm/%40scope/name`,
//! `pkg:npm/@scope/name`, `pkg:pypi/requests@2.31.0`, `pkg:brew/wget`) with `*` globs in the
//! name and an optional version, version glob or range (`@>=1.0,<2.0`). Pure parsing and
//! matching; qualifiers and subpaths are not supported (they are rejected, not ignored).

use std::cmp::Ordering;

use crate::ecosystem::Ecosystem;
use crate::policy::diag::hint;
use crate::version::compare as compare_versions;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackagePattern {
    pub ecosystem: Ecosystem,
    /// Normalised name (PEP 503 for PyPI, lowercase otherwise), `*` matching any run.
    pub name: String,
    pub version: Option<VersionReq>,
    /// The purl as written.
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionReq {
    /// One version, or a glob like `1.*`.
    Exact(String),
    /// Comparators that must all hold: `>=1.0,<2.0`.
    Range(Vec<(Op, String)>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
    Ne,
}

const TYPES: &[&str] = &["npm", "pypi", "brew"];

fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| format!("`{}` is not valid percent-encoding", &s[i..]))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| "percent-encoding does not decode to UTF-8".to_string())
}

/// Parse a purl pattern. The error is one sentence, with a suggestion where one fits.
pub fn parse(text: &str) -> Result<PackagePattern, String> {
    let Some(rest) = text.strip_prefix("pkg:") else {
        let guess = if text.contains(':') || text.contains('/') {
            String::new()
        } else {
            format!("; for example `pkg:pypi/{text}` or `pkg:npm/{text}`")
        };
        return Err(format!(
            "`{text}` is not a package URL: write `pkg:<npm|pypi|brew>/<name>[@<version>]`{guess}"
        ));
    };
    if rest.contains('?') || rest.contains('#') {
        return Err(format!(
            "`{text}`: purl qualifiers (`?`) and subpaths (`#`) are not supported here"
        ));
    }
    let (ty, rest) = rest
        .split_once('/')
        .ok_or_else(|| format!("`{text}` has no package name after the type"))?;
    let ecosystem = match ty.to_ascii_lowercase().as_str() {
        "npm" => Ecosystem::Npm,
        "pypi" => Ecosystem::Pypi,
        "brew" => Ecosystem::Brew,
        other => {
            let alias = match other {
                "pip" | "python" | "py" => "; did you mean `pypi`?".to_string(),
                "homebrew" | "cask" | "formula" => "; did you mean `brew`?".to_string(),
                _ => hint(other, TYPES),
            };
            return Err(format!(
                "`{text}`: unknown package type `{ty}` (expected npm, pypi or brew){alias}"
            ));
        }
    };
    // The version separator is the last `@` that does not start a path segment (an npm scope).
    let at = rest
        .char_indices()
        .filter(|&(i, c)| c == '@' && i > 0 && !rest[..i].ends_with('/'))
        .map(|(i, _)| i)
        .next_back();
    let (path, version) = match at {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let segments: Vec<String> = path
        .split('/')
        .map(percent_decode)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("`{text}`: {e}"))?;
    if segments.iter().any(String::is_empty) {
        return Err(format!("`{text}` has an empty name or namespace"));
    }
    let name = match (ecosystem, segments.as_slice()) {
        (Ecosystem::Npm, [name]) => {
            if name.starts_with('@') {
                return Err(format!(
                    "`{text}`: a scoped npm package needs its name after the scope, like `pkg:npm/%40scope/name`"
                ));
            }
            name.clone()
        }
        (Ecosystem::Npm, [scope, name]) => {
            let scope = scope.strip_prefix('@').unwrap_or(scope);
            format!("@{scope}/{name}")
        }
        (Ecosystem::Pypi, [name]) => name.clone(),
        (Ecosystem::Pypi, _) => {
            return Err(format!(
                "`{text}`: PyPI packages have no namespace; write `pkg:pypi/<name>`"
            ));
        }
        // Homebrew: `wget`, or a tap formula `user/tap/name`.
        (Ecosystem::Brew, segs) if segs.len() == 1 || segs.len() == 3 => segs.join("/"),
        _ => {
            return Err(format!(
                "`{text}` has too many path segments for a {ty} package"
            ));
        }
    };
    if let Some(bad) = name
        .chars()
        .find(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '\\' | '?' | '[' | ']'))
    {
        return Err(format!("`{text}`: `{bad}` cannot appear in a package name"));
    }
    let version = match version {
        None => None,
        Some("") => return Err(format!("`{text}` has an empty version after `@`")),
        Some(v) => Some(
            parse_version(&percent_decode(v).map_err(|e| format!("`{text}`: {e}"))?)
                .map_err(|e| format!("`{text}`: {e}"))?,
        ),
    };
    Ok(PackagePattern {
        ecosystem,
        name: ecosystem.normalize(&name),
        version,
        text: text.to_string(),
    })
}

fn parse_version(v: &str) -> Result<VersionReq, String> {
    if !v.contains(['<', '>', '=', '!', ',']) {
        return Ok(VersionReq::Exact(v.to_string()));
    }
    let mut out = Vec::new();
    for part in v.split(',') {
        let part = part.trim();
        let (op, rest) = [
            (">=", Op::Ge),
            ("<=", Op::Le),
            ("!=", Op::Ne),
            ("==", Op::Eq),
            (">", Op::Gt),
            ("<", Op::Lt),
            ("=", Op::Eq),
        ]
        .iter()
        .find_map(|(p, op)| part.strip_prefix(p).map(|r| (*op, r.trim())))
        .ok_or_else(|| {
            format!("version range part `{part}` needs an operator (>=, >, <=, <, ==, !=)")
        })?;
        if rest.is_empty() || !rest.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("version range part `{part}` has no version number"));
        }
        out.push((op, rest.to_string()));
    }
    Ok(VersionReq::Range(out))
}

/// `*` matches any run of characters (including none); everything else literally.
pub fn glob(pattern: &str, s: &str) -> bool {
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), s.chars().collect());
    let (mut pi, mut si, mut star, mut mark) = (0, 0, None, 0);
    while si < s.len() {
        if pi < p.len() && p[pi] != '*' && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = si;
            pi += 1;
        } else if let Some(st) = star {
            pi = st + 1;
            mark += 1;
            si = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

impl VersionReq {
    pub fn matches(&self, ecosystem: Ecosystem, version: &str) -> bool {
        match self {
            VersionReq::Exact(v) if v.contains('*') => glob(v, version),
            VersionReq::Exact(v) => compare_versions(ecosystem, v, version) == Ordering::Equal,
            VersionReq::Range(parts) => parts.iter().all(|(op, v)| {
                let c = compare_versions(ecosystem, version, v);
                match op {
                    Op::Ge => c.is_ge(),
                    Op::Gt => c.is_gt(),
                    Op::Le => c.is_le(),
                    Op::Lt => c.is_lt(),
                    Op::Eq => c.is_eq(),
                    Op::Ne => c.is_ne(),
                }
            }),
        }
    }
}

impl PackagePattern {
    /// Same ecosystem and the (normalised) name matches the name glob.
    pub fn matches_name(&self, ecosystem: Ecosystem, name: &str) -> bool {
        ecosystem == self.ecosystem && glob(&self.name, &ecosystem.normalize(name))
    }

    /// Whether the pattern covers an install of `name` at `pinned` (None: not pinned, so any
    /// version may come). `unpinned_matches` decides a versioned pattern against an unpinned
    /// install: true for denies (it may resolve to a denied version), false for allows.
    pub fn matches(
        &self,
        ecosystem: Ecosystem,
        name: &str,
        pinned: Option<&str>,
        unpinned_matches: bool,
    ) -> bool {
        if !self.matches_name(ecosystem, name) {
            return false;
        }
        match (&self.version, pinned) {
            (None, _) => true,
            (Some(req), Some(v)) => req.matches(self.ecosystem, v),
            (Some(_), None) => unpinned_matches,
        }
    }

    /// True when the name has no glob (an exact package).
    pub fn is_exact_name(&self) -> bool {
        !self.name.contains('*')
    }
}

/// The purl for a package, as written into an exception.
pub fn format(ecosystem: Ecosystem, name: &str, version: Option<&str>) -> String {
    let name = match (ecosystem, name.strip_prefix('@')) {
        (Ecosystem::Npm, Some(scoped)) => format!("%40{scoped}"),
        _ => name.to_string(),
    };
    match version {
        Some(v) => format!("pkg:{ecosystem}/{name}@{v}"),
        None => format!("pkg:{ecosystem}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_purls() {
        let p = parse("pkg:npm/%40scope/Name").unwrap();
        assert_eq!(
            (p.ecosystem, p.name.as_str()),
            (Ecosystem::Npm, "@scope/name")
        );
        let p = parse("pkg:npm/@scope/name@1.2.3").unwrap();
        assert_eq!(p.name, "@scope/name");
        assert_eq!(p.version, Some(VersionReq::Exact("1.2.3".into())));
        let p = parse("pkg:pypi/Python_Dateutil@>=2.0,<3").unwrap();
        assert_eq!(p.name, "python-dateutil");
        assert!(matches!(p.version, Some(VersionReq::Range(ref r)) if r.len() == 2));
        assert_eq!(parse("pkg:brew/wget").unwrap().name, "wget");
        assert_eq!(parse("pkg:npm/left-*").unwrap().name, "left-*");
        for bad in [
            "requests",
            "pkg:pip/requests",
            "pkg:pypi/a/b",
            "pkg:npm/@scope",
            "pkg:npm/x@",
            "pkg:npm/x?arch=1",
            "pkg:npm/%zz",
            "pkg:pypi/x@~=1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(
            parse("pkg:pip/requests")
                .unwrap_err()
                .contains("did you mean `pypi`")
        );
    }

    #[test]
    fn matching() {
        let p = parse("pkg:npm/left-*").unwrap();
        assert!(p.matches(Ecosystem::Npm, "left-pad", None, false));
        assert!(!p.matches(Ecosystem::Pypi, "left-pad", None, false));
        let p = parse("pkg:npm/fsevents@>=1.0.0,<2.0.0").unwrap();
        assert!(p.matches(Ecosystem::Npm, "fsevents", Some("1.2.10"), false));
        assert!(!p.matches(Ecosystem::Npm, "fsevents", Some("2.3.3"), false));
        assert!(p.matches(Ecosystem::Npm, "fsevents", None, true));
        assert!(!p.matches(Ecosystem::Npm, "fsevents", None, false));
        let p = parse("pkg:pypi/requests@2.*").unwrap();
        assert!(p.matches(Ecosystem::Pypi, "Requests", Some("2.31.0"), false));
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b", "ac"));
        assert_eq!(
            format(Ecosystem::Npm, "@s/n", Some("1")),
            "pkg:npm/%40s/n@1"
        );
        assert_eq!(
            parse(&format(Ecosystem::Npm, "@s/n", None)).unwrap().name,
            "@s/n"
        );
    }
}
