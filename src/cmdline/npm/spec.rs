//! npm package specs as npm-package-arg 13 reads them (`npa`): registry names and ranges, aliases,
//! git and hosted shorthands, URLs, files and directories. Pure; does not resolve versions.

use super::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SpecType {
    Registry,
    Alias,
    Git,
    Remote,
    File,
    Directory,
}

/// What `npa` made of one spec.
#[derive(Debug, Clone)]
pub(crate) struct Spec {
    pub(crate) ty: SpecType,
    /// The name written by the user (for an alias: the alias).
    pub(crate) name: Option<String>,
    /// The part after `name@` as written; None when left out (`foo`, `foo@`).
    pub(crate) written: Option<String>,
    /// Aliases: the real package and its spec.
    pub(crate) real: Option<(String, Option<String>)>,
    /// Hosted git: user and project.
    pub(crate) hosted: Option<(String, String)>,
}

impl Spec {
    pub(crate) fn target(&self, origin: Origin) -> Target {
        let (kind, name, spec) = match self.ty {
            SpecType::Registry => (
                TargetKind::Registry,
                self.name.clone(),
                self.written.clone(),
            ),
            SpecType::Alias => {
                let (real, spec) = self.real.clone().unwrap_or_default();
                (TargetKind::Alias, Some(real), spec)
            }
            SpecType::Git => (TargetKind::Git, self.name.clone(), self.written.clone()),
            // A registry tarball URL says which package it is: that name is checked, whatever
            // name the spec put in front of it (`lodash@https://r/evil/-/evil-1.0.0.tgz`).
            SpecType::Remote => (
                TargetKind::Url,
                self.written
                    .as_deref()
                    .and_then(tarball_name_version)
                    .map(|(n, _)| n)
                    .or_else(|| self.name.clone()),
                self.written.clone(),
            ),
            SpecType::File | SpecType::Directory => {
                (TargetKind::Path, self.name.clone(), self.written.clone())
            }
        };
        Target {
            ecosystem: ECO,
            kind,
            name,
            spec,
            origin,
            claimed: None,
            resolved: None,
        }
    }
}

fn js_trim(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
}

/// `encodeURIComponent(s) === s`
fn uri_safe(s: &str) -> bool {
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c))
}

fn ends_with_ci(s: &str, suffix: &str) -> bool {
    let (b, x) = (s.as_bytes(), suffix.as_bytes());
    b.len() >= x.len() && b[b.len() - x.len()..].eq_ignore_ascii_case(x)
}

pub(crate) fn starts_with_ci(s: &str, prefix: &str) -> bool {
    let (b, x) = (s.as_bytes(), prefix.as_bytes());
    b.len() >= x.len() && b[..x.len()].eq_ignore_ascii_case(x)
}

/// `/[.](?:tgz|tar\.gz|tar)$/i`
fn is_file_type(s: &str) -> bool {
    ends_with_ci(s, ".tgz") || ends_with_ci(s, ".tar.gz") || ends_with_ci(s, ".tar")
}

/// `/^(?:git[+])?[a-z]+:/i`
pub(crate) fn is_url(s: &str) -> bool {
    let letters_then_colon = |t: &str| {
        let n = t.bytes().take_while(u8::is_ascii_alphabetic).count();
        n > 0 && t.as_bytes().get(n) == Some(&b':')
    };
    letters_then_colon(s) || (starts_with_ci(s, "git+") && letters_then_colon(&s[4..]))
}

/// `/^[^@]+@[^:.]+\.[^:]+:.+$/i` (scp-like git: `git@host.com:user/repo`)
fn is_scp_git(s: &str) -> bool {
    let Some(at) = s.find('@') else { return false };
    if at == 0 {
        return false;
    }
    let after = &s[at + 1..];
    let Some(p) = after.find([':', '.']) else {
        return false;
    };
    if p == 0 || !after[p..].starts_with('.') {
        return false;
    }
    let rest = &after[p + 1..];
    let Some(colon) = rest.find(':') else {
        return false;
    };
    let tail = &rest[colon + 1..];
    colon > 0 && !tail.is_empty() && !tail.contains(['\n', '\r', '\u{2028}', '\u{2029}'])
}

/// npa's `isFileSpec` (POSIX).
fn is_file_spec(s: &str) -> bool {
    let b = s.as_bytes();
    starts_with_ci(s, "file:")
        || s.starts_with('.')
        || s.starts_with("~/")
        || s.starts_with('/')
        || (b.len() >= 2 && b[0].is_ascii_alphabetic() && b[1] == b':')
}

/// validate-npm-package-name's `validForOldPackages`.
fn valid_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name length must be greater than zero".into());
    }
    if name.starts_with('.') || name.starts_with('-') || name.starts_with('_') {
        return Err("name cannot start with a period, hyphen or underscore".into());
    }
    if js_trim(name) != name {
        return Err("name cannot contain leading or trailing spaces".into());
    }
    let lower = name.to_lowercase();
    if lower == "node_modules" || lower == "favicon.ico" {
        return Err(format!("{lower} is not a valid package name"));
    }
    if !uri_safe(name) {
        let scoped = name.strip_prefix('@').and_then(|r| r.split_once('/'));
        match scoped {
            Some((user, pkg)) if !user.is_empty() && !pkg.is_empty() && !pkg.contains('/') => {
                if pkg.starts_with('.') {
                    return Err("name cannot start with a period".into());
                }
                if !(uri_safe(user) && uri_safe(pkg)) {
                    return Err("name can only contain URL-friendly characters".into());
                }
            }
            _ => return Err("name can only contain URL-friendly characters".into()),
        }
    }
    Ok(())
}

/// `decodeURIComponent`, None on malformed escapes.
fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// hosted-git-info's `isGitHubShorthand`.
fn is_github_shorthand(arg: &str) -> bool {
    let first_hash = arg.find('#');
    let first_slash = arg.find('/');
    let second_slash = first_slash.and_then(|f| arg[f + 1..].find('/').map(|x| x + f + 1));
    let first_colon = arg.find(':');
    let first_space = arg.find(char::is_whitespace);
    let first_at = arg.find('@');
    let after_hash = |pos: Option<usize>| match (pos, first_hash) {
        (None, _) => true,
        (Some(p), Some(h)) => p > h,
        (Some(_), None) => false,
    };
    let not_end_slash = match first_hash {
        Some(h) => h == 0 || arg.as_bytes()[h - 1] != b'/',
        None => !arg.ends_with('/'),
    };
    after_hash(first_space)
        && first_slash.is_some_and(|f| f > 0)
        && not_end_slash
        && !arg.starts_with('.')
        && after_hash(first_at)
        && after_hash(first_colon)
        && after_hash(second_slash)
}

/// user/project of a shortcut (`github:user/repo#ref`, or the shorthand `user/repo`).
fn shortcut_parts(rest: &str) -> Option<(String, String)> {
    let path = rest.split(['#', '?']).next().unwrap_or("");
    let path = path.strip_prefix('/').unwrap_or(path);
    let path = match path.find('@') {
        Some(at) => &path[at + 1..],
        None => path,
    };
    let (user, project) = match path.rfind('/') {
        Some(i) => (&path[..i], &path[i + 1..]),
        None => ("", path),
    };
    let project = project.strip_suffix(".git").unwrap_or(project);
    Some((percent_decode(user)?, percent_decode(project)?))
}

pub(super) const HOST_SHORTCUTS: [&str; 5] =
    ["github:", "gitlab:", "bitbucket:", "gist:", "sourcehut:"];

/// hosted-git-info `fromUrl`: a repository on a known git host, as (user, project).
pub(super) fn hosted(spec: &str) -> Option<(String, String)> {
    if spec.is_empty() {
        return None;
    }
    if is_github_shorthand(spec) {
        return shortcut_parts(spec);
    }
    if let Some(sc) = HOST_SHORTCUTS.iter().find(|p| starts_with_ci(spec, p)) {
        return shortcut_parts(&spec[sc.len()..]);
    }
    let (scheme, rest) = spec.split_once("://")?;
    let proto = format!("{}:", scheme.to_ascii_lowercase());
    let rest = rest.split('#').next().unwrap_or("");
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, mut path) = (&rest[..auth_end], rest[auth_end..].to_string());
    let hostport = authority.rsplit('@').next().unwrap_or("");
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, ""));
    if !port.is_empty() && !port.bytes().all(|b| b.is_ascii_digit()) {
        // scp-style `host:user/repo`: the colon becomes a slash
        path = format!("/{port}{path}");
    }
    let path = path.split('?').next().unwrap_or("").to_string();
    let host = host.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host);
    let protos: &[&str] = match host {
        "github.com" => &["git:", "http:", "git+ssh:", "git+https:", "ssh:", "https:"],
        "gist.github.com" => &["git:", "git+ssh:", "git+https:", "ssh:", "https:"],
        "bitbucket.org" | "gitlab.com" => &["git+ssh:", "git+https:", "ssh:", "https:"],
        "git.sr.ht" => &["git+ssh:", "https:"],
        _ => return None,
    };
    if !protos.contains(&proto.as_str()) {
        return None;
    }
    let segs: Vec<&str> = path.split('/').collect();
    let seg = |i: usize| segs.get(i).copied().unwrap_or("");
    let strip = |p: &str| p.strip_suffix(".git").unwrap_or(p).to_string();
    let (user, project) = match host {
        "github.com" => {
            if !seg(3).is_empty() && seg(3) != "tree" {
                return None;
            }
            (seg(1).to_string(), strip(seg(2)))
        }
        "bitbucket.org" => {
            if seg(3) == "get" {
                return None;
            }
            (seg(1).to_string(), strip(seg(2)))
        }
        "gitlab.com" => {
            let p = path.get(1..).unwrap_or("");
            if p.contains("/-/") || p.contains("/archive.tar.gz") {
                return None;
            }
            let (u, pr) = p.rsplit_once('/').unwrap_or(("", p));
            (u.to_string(), strip(pr))
        }
        "gist.github.com" => {
            if seg(3) == "raw" {
                return None;
            }
            if seg(2).is_empty() {
                (String::new(), strip(seg(1)))
            } else {
                (seg(1).to_string(), strip(seg(2)))
            }
        }
        _ => {
            if seg(3) == "archive" {
                return None;
            }
            (seg(1).to_string(), strip(seg(2)))
        }
    };
    if project.is_empty() || (user.is_empty() && host != "gist.github.com") {
        return None;
    }
    Some((percent_decode(&user)?, percent_decode(&project)?))
}

/// WHATWG URL parsing of an http(s) URL succeeds (approximation: a usable host and port).
fn http_url_ok(spec: &str) -> bool {
    let Some((_, rest)) = spec.split_once(':') else {
        return false;
    };
    let rest = rest.trim_start_matches(['/', '\\']);
    let end = rest.find(['/', '\\', '?', '#']).unwrap_or(rest.len());
    let hostport = rest[..end].rsplit('@').next().unwrap_or("");
    if hostport.starts_with('[') {
        return hostport.contains(']');
    }
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, ""));
    !host.is_empty()
        && !host.contains(|c: char| c.is_control() || " #/:<>?@[\\]^|".contains(c))
        && port.bytes().all(|b| b.is_ascii_digit())
        && (port.is_empty() || port.parse::<u32>().is_ok_and(|p| p <= 65535))
}

/// npa's `fromURL`: which kind a URL spec is, or why npm rejects it.
fn url_type(spec: &str) -> Result<SpecType, String> {
    let proto = spec.split(':').next().unwrap_or("").to_ascii_lowercase();
    match proto.as_str() {
        "git" | "git+http" | "git+https" | "git+rsync" | "git+ftp" | "git+file" | "git+ssh" => {
            Ok(SpecType::Git)
        }
        "http" | "https" if http_url_ok(spec) => Ok(SpecType::Remote),
        "http" | "https" => Err(format!("Invalid URL: {spec}")),
        _ => Err(format!("Unsupported URL Type \"{proto}:\": {spec}")),
    }
}

/// One `x`, `X`, `*` or number of a loose semver.
fn xr(s: &str) -> bool {
    matches!(s, "x" | "X" | "*") || (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
}

/// A loose semver comparator like `>=1.2.x`, `^1`, `~1.2.3-beta.1+b`.
fn loose_comparator(tok: &str) -> bool {
    let t = tok.trim_start_matches(['<', '>', '=', '~', '^']);
    let t = t.trim_start_matches(['v', '=']);
    if t.is_empty() {
        return tok.is_empty();
    }
    let (main, extra) = match t.find(['-', '+']) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, ""),
    };
    // loose: a prerelease may follow the patch number without a dash (`1.2.3beta`)
    let mut parts: Vec<&str> = main.split('.').collect();
    let mut tail = extra.to_string();
    if parts.len() == 3 {
        let last = parts[2];
        let n = last.bytes().take_while(u8::is_ascii_digit).count();
        if n > 0 && n < last.len() {
            tail = format!("-{}{extra}", &last[n..]);
            parts[2] = &last[..n];
        }
    }
    if parts.is_empty() || parts.len() > 3 || !parts.iter().all(|p| xr(p)) {
        return false;
    }
    if tail.is_empty() {
        return true;
    }
    if parts.len() < 3 {
        return false;
    }
    let ident_ok = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let (pre, build) = match tail.split_once('+') {
        Some((p, b)) => (p.to_string(), Some(b.to_string())),
        None => (tail.clone(), None),
    };
    let pre = pre.strip_prefix('-').unwrap_or(&pre);
    (pre.is_empty() || ident_ok(pre)) && build.is_none_or(|b| ident_ok(&b))
}

/// node-semver `validRange(s, true) !== null` (loose mode drops unparseable comparators).
fn semver_range_loose(s: &str) -> bool {
    if s.len() > 256 {
        return false;
    }
    s.split("||").any(|set| {
        let mut toks: Vec<String> = Vec::new();
        let mut pending = String::new();
        for tok in set.split_whitespace() {
            if tok.bytes().all(|b| b"<>=~^".contains(&b)) && tok != "-" {
                pending.push_str(tok);
                continue;
            }
            toks.push(format!("{pending}{tok}"));
            pending.clear();
        }
        if toks.is_empty() && pending.is_empty() {
            return true;
        }
        toks.iter().any(|t| loose_comparator(t))
    })
}

/// `npa(arg)`.
pub(crate) fn npa(arg: &str) -> Result<Spec, String> {
    let name_ends_at = arg
        .char_indices()
        .skip(1)
        .find(|(_, c)| *c == '@')
        .map(|(i, _)| i);
    let name_part = name_ends_at.map_or(arg, |i| &arg[..i]);
    if is_url(arg) {
        return npa_resolve(None, arg, Some(arg));
    }
    if is_scp_git(arg) {
        return npa_resolve(None, &format!("git+ssh://{arg}"), Some(arg));
    }
    if !name_part.starts_with('@') && (name_part.contains('/') || is_file_type(name_part)) {
        return npa_resolve(None, arg, Some(arg));
    }
    if let Some(i) = name_ends_at {
        let spec = &arg[i + 1..];
        if spec.is_empty() {
            return npa_resolve(Some(name_part), "*", None);
        }
        return npa_resolve(Some(name_part), spec, Some(spec));
    }
    if valid_name(arg).is_ok() {
        return npa_resolve(Some(arg), "*", None);
    }
    npa_resolve(None, arg, Some(arg))
}

/// `npa.resolve(name, spec)`; `written` is what the user typed for the spec part.
pub(crate) fn npa_resolve(
    name: Option<&str>,
    spec: &str,
    written: Option<&str>,
) -> Result<Spec, String> {
    if let Some(n) = name {
        valid_name(n).map_err(|e| format!("Invalid package name \"{n}\": {e}"))?;
    }
    let mut out = Spec {
        ty: SpecType::Registry,
        name: name.map(str::to_string),
        written: written.filter(|w| !w.is_empty()).map(str::to_string),
        real: None,
        hosted: None,
    };
    let file_kind = |s: &str| {
        if is_file_type(s) {
            SpecType::File
        } else {
            SpecType::Directory
        }
    };
    if is_file_spec(spec) {
        out.ty = file_kind(spec);
    } else if starts_with_ci(spec, "npm:") {
        let sub = npa(&spec[4..])?;
        match sub.ty {
            SpecType::Alias => return Err("nested aliases not supported".into()),
            SpecType::Registry => {}
            _ => return Err("aliases only work for registry deps".into()),
        }
        let Some(real) = sub.name else {
            return Err("aliases must have a name".into());
        };
        out.ty = SpecType::Alias;
        out.real = Some((real, sub.written));
    } else if let Some(h) = hosted(spec) {
        out.ty = SpecType::Git;
        out.hosted = Some(h);
    } else if !spec.is_empty() && is_url(spec) {
        out.ty = url_type(spec)?;
    } else if spec.contains('/') || is_file_type(spec) {
        out.ty = file_kind(spec);
    } else {
        let t = js_trim(spec);
        if !uri_safe(t) && !semver_range_loose(t) {
            return Err(format!(
                "Invalid tag name \"{t}\": Tags may not have any characters that encodeURIComponent encodes."
            ));
        }
    }
    Ok(out)
}

/// node-semver's strict `parse` succeeds: `MAJOR.MINOR.PATCH[-pre][+build]`, no leading zeros.
pub(crate) fn is_semver(v: &str) -> bool {
    let v = v.strip_prefix(['v', '=']).unwrap_or(v);
    let (main, rest) = match v.find(['-', '+']) {
        Some(i) => (&v[..i], &v[i..]),
        None => (v, ""),
    };
    let num = |s: &str| {
        !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) && (s == "0" || !s.starts_with('0'))
    };
    let parts: Vec<&str> = main.split('.').collect();
    if parts.len() != 3 || !parts.iter().all(|p| num(p)) {
        return false;
    }
    let ident = |s: &str| {
        !s.is_empty()
            && s.split('.')
                .all(|i| !i.is_empty() && i.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    let (pre, build) = match rest.split_once('+') {
        Some((p, b)) => (p, Some(b)),
        None => (rest, None),
    };
    (pre.is_empty() || pre.strip_prefix('-').is_some_and(ident)) && build.is_none_or(ident)
}

/// The name and version a registry tarball URL carries, as arborist's `version-from-tgz`
/// reads them: `<registry>/<name>/-/<name>-<version>.tgz`, scoped
/// `<registry>/@scope/name/-/name-<version>.tgz` (or `@scope%2fname`). None for any other URL.
pub(crate) fn tarball_name_version(url: &str) -> Option<(String, String)> {
    let rest = ["https://", "http://"]
        .iter()
        .find(|p| starts_with_ci(url, p))
        .map(|p| &url[p.len()..])?;
    let path = &rest[rest.find('/')?..];
    let path = path.split(['?', '#']).next().unwrap_or("");
    let base = path.rsplit('/').next().unwrap_or("");
    let mut parts: Vec<&str> = path.get(1..)?.split("/-/").collect();
    if parts.len() < 2 || parts.pop() != Some(base) {
        return None;
    }
    let pre = parts.pop()?;
    let mut segs: Vec<&str> = Vec::new();
    let mut start = 0;
    let bytes = pre.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'/' {
            segs.push(&pre[start..i]);
            start = i + 1;
        } else if bytes[i..].len() >= 3 && bytes[i..i + 3].eq_ignore_ascii_case(b"%2f") {
            segs.push(&pre[start..i]);
            start = i + 3;
            i += 2;
        }
        i += 1;
    }
    segs.push(&pre[start..]);
    let project = segs.pop()?;
    let scope = segs.pop();
    let version = base
        .strip_prefix(project)?
        .strip_prefix('-')?
        .strip_suffix(".tgz")?;
    if project.is_empty() || !is_semver(version) {
        return None;
    }
    let version = version.strip_prefix(['v', '=']).unwrap_or(version);
    let name = match scope {
        Some(s) if s.starts_with('@') => format!("{s}/{project}"),
        _ => project.to_string(),
    };
    Some((name, version.to_string()))
}
