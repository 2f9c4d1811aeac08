//! npm and npx command lines (npm 11.19.1): which packages `install`, `ci`, `update`, `exec`/`npx`, `init <x>`, `link`, `dedupe` and `audit fix` would fetch, and which registries they use.
//! Emulates nopt option parsing, cmd-list `deref`, npm-package-arg and npx's argv rewrite; reads package.json, lockfiles and
//! `.npmrc` only through [`World`]. Does not resolve versions, walk transitive dependencies, expand workspaces or judge packages.

use std::collections::{HashMap, HashSet};
use std::path::{Component, Path, PathBuf};

use super::{Error, World};
use crate::ecosystem::{Ecosystem, Manager};
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};

const ECO: Ecosystem = Ecosystem::Npm;

/// The default registry; lockfile `resolved` URLs under it are registry packages.
const DEFAULT_REGISTRY: &str = "https://registry.npmjs.org/";

/// Parse the arguments after `npm`.
pub fn parse(args: &[String], world: &dyn World) -> Result<Request, Error> {
    parse_as("npm", args, world)
}

/// Parse the arguments after `npx`: apply npx-cli.js's rewrite, then read it as `npm exec`.
pub fn parse_npx(args: &[String], world: &dyn World) -> Result<Request, Error> {
    let mut argv = vec!["exec".to_string()];
    argv.extend(npx_rewrite(args));
    parse_as("npx", &argv, world)
}

// ---------------------------------------------------------------------------------------------
// Option parsing (nopt 9 with @npmcli/config's types and shorthands)
// ---------------------------------------------------------------------------------------------

/// nopt type of a config key.
#[derive(Clone, Copy)]
enum T {
    Bool,
    Str,
    /// path, url, Number, Date, semver, Umask: always consumes the next token.
    Other,
    /// A list of allowed types/values.
    Arr(&'static [E]),
}

/// One element of a type list.
#[derive(Clone, Copy, PartialEq)]
enum E {
    Null,
    Bool,
    Str,
    Num,
    Array,
    Other,
    Lit(&'static str),
}

/// A value nopt stored for a key.
#[derive(Debug, Clone, PartialEq)]
enum Val {
    Bool(bool),
    Null,
    Str(String),
}

/// What nopt produced: positionals and every key it set, in order.
#[derive(Debug, Default)]
struct Cli {
    remain: Vec<String>,
    set: Vec<(String, Val)>,
}

impl Cli {
    fn last(&self, key: &str) -> Option<&Val> {
        self.set
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    fn flag(&self, key: &str) -> Option<bool> {
        match self.last(key)? {
            Val::Bool(b) => Some(*b),
            Val::Null => Some(false),
            Val::Str(s) => match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }

    fn string(&self, key: &str) -> Option<&str> {
        match self.last(key)? {
            Val::Str(s) => Some(s),
            _ => None,
        }
    }

    fn strings(&self, key: &str) -> Vec<String> {
        self.set
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| match v {
                Val::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

fn type_of(key: &str) -> Option<T> {
    TYPES.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

fn shorthand(key: &str) -> Option<&'static [&'static str]> {
    SHORTHANDS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// `abbrev` lookup: the word itself, or the only word it is a prefix of.
fn abbrev<'a>(words: impl Iterator<Item = &'a str>, s: &str) -> Option<&'a str> {
    let mut found = None;
    for w in words {
        if w == s {
            return Some(w);
        }
        if w.starts_with(s) {
            if found.is_some() {
                found = Some("");
            } else {
                found = Some(w);
            }
        }
    }
    found.filter(|w| !w.is_empty() && !s.is_empty())
}

fn long_abbrev(s: &str) -> Option<&'static str> {
    abbrev(TYPES.iter().map(|(k, _)| *k), s)
}

fn short_abbrev(s: &str) -> Option<&'static str> {
    abbrev(SHORTHANDS.iter().map(|(k, _)| *k), s)
}

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// nopt's `resolveShort`: the expansion of a shorthand (or cluster), if the token is one.
fn resolve_short(arg: &str) -> Option<Vec<String>> {
    let a = arg.trim_start_matches('-');
    if type_of(a).is_some() {
        return None;
    }
    if let Some(x) = shorthand(a) {
        return Some(owned(x));
    }
    let single = |c: char| {
        let mut b = [0u8; 4];
        shorthand(c.encode_utf8(&mut b)).is_some()
    };
    if a.chars().all(single) {
        let mut out = Vec::new();
        for c in a.chars() {
            let mut b = [0u8; 4];
            out.extend(owned(shorthand(c.encode_utf8(&mut b)).unwrap_or(&[])));
        }
        return Some(out);
    }
    if long_abbrev(a).is_some() {
        return None;
    }
    let a = short_abbrev(a).unwrap_or(a);
    shorthand(a).map(owned)
}

fn leading_dashes(s: &str) -> usize {
    s.bytes().take_while(|b| *b == b'-').count()
}

/// `/^-{1,2}[^-]+/`
fn looks_like_option(s: &str) -> bool {
    let d = leading_dashes(s);
    (1..=2).contains(&d) && s.len() > d
}

/// `/^-{2,}$/`
fn is_dashes_only(s: &str) -> bool {
    let d = leading_dashes(s);
    d >= 2 && d == s.len()
}

/// JavaScript `!isNaN(s)` for a string.
fn js_numeric(s: &str) -> bool {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return true;
    }
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    if unsigned == "Infinity" {
        return true;
    }
    for (p, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(rest) = t.strip_prefix(p) {
            return !rest.is_empty() && rest.chars().all(|c| c.is_digit(radix));
        }
    }
    let (mant, exp) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let digits = mant.chars().filter(|c| c.is_ascii_digit()).count();
    let dots = mant.chars().filter(|c| *c == '.').count();
    let mant_ok = digits > 0 && dots <= 1 && mant.chars().all(|c| c.is_ascii_digit() || c == '.');
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok
}

/// nopt's `parse`, for npm's definitions. Never fails: unknown options are booleans.
fn nopt(input: &[String]) -> Cli {
    let mut args: Vec<String> = input.to_vec();
    let mut cli = Cli::default();
    let mut i = 0usize;
    let mut budget = 64 * (input.len() + 4);
    while i < args.len() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let mut arg = args[i].clone();
        if is_dashes_only(&arg) {
            cli.remain.extend(args[i + 1..].iter().cloned());
            break;
        }
        if !(arg.starts_with('-') && arg.len() > 1) {
            cli.remain.push(arg);
            i += 1;
            continue;
        }
        let mut had_eq = false;
        if let Some(at) = arg.find('=') {
            had_eq = true;
            let v = arg[at + 1..].to_string();
            arg.truncate(at);
            args.splice(i..=i, [arg.clone(), v]);
        }
        if let Some(exp) = resolve_short(&arg) {
            args.splice(i..=i, exp);
            continue;
        }
        let mut name = arg.trim_start_matches('-').to_string();
        let mut no: Option<bool> = None;
        while name.get(..3).is_some_and(|p| p.eq_ignore_ascii_case("no-")) {
            no = Some(!no.unwrap_or(false));
            name = name[3..].to_string();
        }
        if let Some(full) = long_abbrev(&name) {
            name = full.to_string();
        }
        let ty = type_of(&name);
        let arr: &[E] = match ty {
            Some(T::Arr(a)) => a,
            _ => &[],
        };
        let la = args.get(i + 1).cloned();
        let is_bool = no.is_some()
            || matches!(ty, Some(T::Bool))
            || arr.contains(&E::Bool)
            || (ty.is_none() && !had_eq)
            || (la.as_deref() == Some("false") && arr.contains(&E::Null));
        if is_bool {
            let mut val = Val::Bool(no != Some(true));
            let mut la = la;
            if let Some(l) = la.as_deref()
                && (l == "true" || l == "false")
            {
                val = Val::Bool((l == "true") != (no == Some(true)));
                la = None;
                i += 1;
            }
            if let Some(l) = la.filter(|l| !l.is_empty())
                && !arr.is_empty()
            {
                let d = leading_dashes(&l);
                if arr.iter().any(|e| matches!(e, E::Lit(s) if *s == l)) {
                    val = Val::Str(l);
                    i += 1;
                } else if l == "null" && arr.contains(&E::Null) {
                    val = Val::Null;
                    i += 1;
                } else if (!(d >= 2 && l.len() > d) && js_numeric(&l) && arr.contains(&E::Num))
                    || (!(d == 1 && l.len() > 1) && arr.contains(&E::Str))
                {
                    val = Val::Str(l);
                    i += 1;
                }
            }
            cli.set.push((name, val));
            i += 1;
            continue;
        }
        let mut la = la;
        let mut consumed = true;
        if matches!(ty, Some(T::Str)) {
            match la.as_deref() {
                None => la = Some(String::new()),
                Some(l) if looks_like_option(l) => {
                    la = Some(String::new());
                    consumed = false;
                }
                _ => {}
            }
        }
        if la.as_deref().is_some_and(is_dashes_only) {
            la = None;
            consumed = false;
        }
        let val = la.map(Val::Str).unwrap_or(Val::Bool(true));
        cli.set.push((name, val));
        i += if consumed { 2 } else { 1 };
    }
    cli
}

/// npx-cli.js: turn `npx ARGS` into the argv `npm exec` sees (without the leading `exec`).
fn npx_rewrite(input: &[String]) -> Vec<String> {
    const REMOVED_SWITCHES: [&str; 3] = ["always-spawn", "ignore-existing", "shell-auto-fallback"];
    const REMOVED_OPTS: [&str; 3] = ["npm", "node-arg", "n"];
    const EXTRA_SWITCHES: [&str; 7] = ["no-install", "quiet", "q", "version", "v", "help", "h"];
    const OPTS: [&str; 10] = [
        "npm",
        "node-arg",
        "n",
        "package",
        "p",
        "cache",
        "userconfig",
        "call",
        "c",
        "shell",
    ];
    let removed = |k: &str| REMOVED_SWITCHES.contains(&k) || REMOVED_OPTS.contains(&k);
    let is_switch = |k: &str| {
        REMOVED_SWITCHES.contains(&k)
            || EXTRA_SWITCHES.contains(&k)
            || matches!(type_of(k), Some(T::Bool))
            || matches!(type_of(k), Some(T::Arr(a)) if a.contains(&E::Bool))
    };
    let mut argv: Vec<String> = input.to_vec();
    let mut i: isize = 0;
    let mut budget = 64 * (input.len() + 4);
    while (i as usize) < argv.len() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let idx = i as usize;
        let arg = argv[idx].clone();
        if arg == "--" {
            break;
        }
        if !arg.starts_with('-') {
            argv.insert(idx, "--".to_string());
            break;
        }
        let stripped = arg.trim_start_matches('-');
        let mut parts = stripped.split('=');
        let key = parts.next().unwrap_or("").to_string();
        let v: Vec<&str> = parts.collect();
        let join = |head: &str| {
            let mut all = vec![head];
            all.extend(v.iter().copied());
            all.join("=")
        };
        match key.as_str() {
            "p" => argv[idx] = join("--package"),
            "shell" => argv[idx] = join("--script-shell"),
            "no-install" => argv[idx] = "--yes=false".to_string(),
            _ => {
                if let Some(sh) = shorthand(&key)
                    && !removed(&key)
                {
                    let mut a = owned(sh);
                    if !v.is_empty() {
                        a.push(v.join("="));
                    }
                    argv.splice(idx..=idx, a);
                    continue;
                }
            }
        }
        if removed(&key) {
            argv.remove(i as usize);
            i -= 1;
        }
        let next_is_dash = argv
            .get((i + 1) as usize)
            .is_some_and(|n| n.starts_with('-'));
        if v.is_empty() && !is_switch(&key) && (OPTS.contains(&key.as_str()) || !next_is_dash) {
            if removed(&key) {
                if ((i + 1) as usize) < argv.len() {
                    argv.remove((i + 1) as usize);
                }
            } else {
                i += 1;
            }
        }
        i += 1;
    }
    argv
}

// ---------------------------------------------------------------------------------------------
// Command lookup (lib/utils/cmd-list.js)
// ---------------------------------------------------------------------------------------------

fn alias_target(c: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(a, _)| *a == c).map(|(_, t)| *t)
}

/// npm's `deref`: the canonical command name for what the user typed.
fn deref(c: &str) -> Option<&'static str> {
    if c.is_empty() {
        return None;
    }
    let mut dashed = String::with_capacity(c.len() + 4);
    for ch in c.chars() {
        if ch.is_ascii_uppercase() {
            dashed.push('-');
            dashed.push(ch.to_ascii_lowercase());
        } else {
            dashed.push(ch);
        }
    }
    if let Some(cmd) = COMMANDS.iter().find(|k| **k == dashed) {
        return Some(cmd);
    }
    if let Some(t) = alias_target(&dashed) {
        return Some(t);
    }
    let words = COMMANDS
        .iter()
        .copied()
        .chain(ALIASES.iter().map(|(a, _)| *a));
    let mut a = abbrev(words, &dashed)?;
    for _ in 0..4 {
        match alias_target(a) {
            Some(t) => a = t,
            None => break,
        }
    }
    Some(a)
}

// ---------------------------------------------------------------------------------------------
// Package specs (npm-package-arg 13)
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SpecType {
    Registry,
    Alias,
    Git,
    Remote,
    File,
    Directory,
}

/// What `npa` made of one spec.
#[derive(Debug, Clone)]
struct Spec {
    ty: SpecType,
    /// The name written by the user (for an alias: the alias).
    name: Option<String>,
    /// The part after `name@` as written; None when left out (`foo`, `foo@`).
    written: Option<String>,
    /// Aliases: the real package and its spec.
    real: Option<(String, Option<String>)>,
    /// Hosted git: user and project.
    hosted: Option<(String, String)>,
}

impl Spec {
    fn target(&self, origin: Origin) -> Target {
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
            SpecType::Remote => (TargetKind::Url, self.name.clone(), self.written.clone()),
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

fn starts_with_ci(s: &str, prefix: &str) -> bool {
    let (b, x) = (s.as_bytes(), prefix.as_bytes());
    b.len() >= x.len() && b[..x.len()].eq_ignore_ascii_case(x)
}

/// `/[.](?:tgz|tar\.gz|tar)$/i`
fn is_file_type(s: &str) -> bool {
    ends_with_ci(s, ".tgz") || ends_with_ci(s, ".tar.gz") || ends_with_ci(s, ".tar")
}

/// `/^(?:git[+])?[a-z]+:/i`
fn is_url(s: &str) -> bool {
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

const HOST_SHORTCUTS: [&str; 5] = ["github:", "gitlab:", "bitbucket:", "gist:", "sourcehut:"];

/// hosted-git-info `fromUrl`: a repository on a known git host, as (user, project).
fn hosted(spec: &str) -> Option<(String, String)> {
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
fn npa(arg: &str) -> Result<Spec, String> {
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
fn npa_resolve(name: Option<&str>, spec: &str, written: Option<&str>) -> Result<Spec, String> {
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

// ---------------------------------------------------------------------------------------------
// Files: package.json, lockfiles, .npmrc
// ---------------------------------------------------------------------------------------------

/// Lexical `path.resolve(base, p)`.
fn resolve_path(base: &Path, p: &str) -> PathBuf {
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

fn show(p: &Path) -> String {
    p.display().to_string()
}

/// Line (1-based) of every object key in a JSON text, by its path of keys (`[]` for array items).
struct KeyLines(HashMap<Vec<String>, u32>);

impl KeyLines {
    fn new(text: &str) -> KeyLines {
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

    fn line(&self, path: &[&str]) -> u32 {
        let key: Vec<String> = path.iter().map(|s| s.to_string()).collect();
        self.0.get(&key).copied().unwrap_or(1)
    }
}

struct Scan<'a> {
    text: &'a str,
    pos: usize,
    line: u32,
    path: Vec<String>,
    out: HashMap<Vec<String>, u32>,
}

impl Scan<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn ws(&mut self) {
        while let Some(b) = self.peek() {
            match b {
                b'\n' => self.line += 1,
                b' ' | b'\t' | b'\r' => {}
                _ => break,
            }
            self.pos += 1;
        }
    }

    fn string(&mut self) -> Option<String> {
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

    fn value(&mut self, depth: usize) {
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
struct JsonFile {
    path: String,
    value: serde_json::Value,
    lines: KeyLines,
}

/// Read and parse a JSON file; Ok(None) if it does not exist.
fn read_json(world: &dyn World, path: &Path) -> Result<Option<JsonFile>, Error> {
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
struct RcLine {
    key: String,
    value: String,
    line: u32,
}

/// ini's `unsafe`: unquote, or cut at an unescaped `;`/`#`.
fn ini_unsafe(val: &str) -> String {
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
fn env_replace(s: &str, world: &dyn World) -> String {
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

/// The top-level `key=value` lines of an npmrc (keys inside `[sections]` are not config).
fn read_npmrc(world: &dyn World, path: &Path) -> Vec<RcLine> {
    let Ok(bytes) = world.read_file(path) else {
        return Vec::new();
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
    out
}

/// `@scope:registry` → `@scope`.
fn scoped_registry_key(key: &str) -> Option<&str> {
    let scope = key.strip_suffix(":registry")?;
    (scope.starts_with('@') && scope.len() > 1).then_some(scope)
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

/// What the project files are read for.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `install`/`install-test` without specs: the lockfile if any, plus manifest deps it lacks.
    Install,
    /// `ci`/`install-ci-test`: exactly the lockfile.
    Ci,
    /// `update` without names: the manifest ranges.
    Update,
    /// `dedupe`, `audit fix`: re-resolve the whole tree.
    Refresh,
}

struct Ctx<'a> {
    world: &'a dyn World,
    cli: Cli,
    cwd: PathBuf,
    global: bool,
    cli_prefix: Option<PathBuf>,
    local_prefix: PathBuf,
    omit: HashSet<&'static str>,
}

/// An env var of npm's config (`npm_config_KEY`, matched case-insensitively in a few spellings).
fn npm_env(world: &dyn World, key: &str) -> Option<(String, String)> {
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

fn pass(program: &str) -> Request {
    Request::pass_through(program, Manager::Npm)
}

fn parse_as(program: &str, args: &[String], world: &dyn World) -> Result<Request, Error> {
    let cli = nopt(args);
    if cli.flag("versions") == Some(true) {
        return Ok(pass(program));
    }
    let Some(cmd) = cli.remain.first().and_then(|c| deref(c)) else {
        return Ok(pass(program));
    };
    if cli.flag("version") == Some(true) || cli.flag("usage") == Some(true) {
        return Ok(pass(program));
    }
    let cwd = world.cwd().to_path_buf();
    let env_flag = |k: &str| npm_env(world, k).map(|(_, v)| v);
    let global = match (cli.flag("global"), cli.string("location")) {
        (_, Some("global")) | (Some(true), _) => true,
        (Some(false), _) | (_, Some("user" | "project")) => false,
        (None, _) => {
            env_flag("global").is_some_and(|v| v == "true")
                || env_flag("location").is_some_and(|v| v == "global")
        }
    };
    let cli_prefix = cli.string("prefix").map(|p| resolve_path(&cwd, p));
    let local_prefix = match &cli_prefix {
        Some(p) => p.clone(),
        None => cwd
            .ancestors()
            .find(|d| {
                world.is_file(&d.join("package.json")) || world.is_dir(&d.join("node_modules"))
            })
            .unwrap_or(&cwd)
            .to_path_buf(),
    };
    let omit = omit_set(&cli, world);
    let ctx = Ctx {
        world,
        cli,
        cwd,
        global,
        cli_prefix,
        local_prefix,
        omit,
    };
    let rest: Vec<String> = ctx.cli.remain[1..].to_vec();
    let targets = match cmd {
        "install" | "install-test" => ctx.install(&rest)?,
        "ci" | "install-ci-test" => {
            if ctx.global {
                return Err(Error::usage("`npm ci` does not work for global packages"));
            }
            ctx.project(Mode::Ci)?
        }
        "update" => ctx.update(&rest)?,
        "dedupe" => ctx.refresh()?,
        "audit" if rest.first().map(String::as_str) == Some("fix") => ctx.refresh()?,
        "exec" => match ctx.exec(&rest)? {
            Some(t) => t,
            None => return Ok(pass(program)),
        },
        "init" if !rest.is_empty() => {
            let mut args = rest.clone();
            args[0] = create_package(&rest[0])?;
            match ctx.exec(&args)? {
                Some(t) => t,
                None => return Ok(pass(program)),
            }
        }
        "link" => ctx.link(&rest)?,
        _ => return Ok(pass(program)),
    };
    let sources = ctx.sources(&targets);
    Ok(Request {
        program: program.to_string(),
        manager: Manager::Npm,
        installs: true,
        targets,
        sources,
    })
}

/// Dependency types left out (`--omit`, `--production`, `NODE_ENV=production`, ...).
fn omit_set(cli: &Cli, world: &dyn World) -> HashSet<&'static str> {
    const TYPES_: [&str; 3] = ["dev", "optional", "peer"];
    let pick = |v: &str| TYPES_.iter().find(|t| **t == v).copied();
    let mut omit: Vec<&'static str> = cli.strings("omit").iter().filter_map(|v| pick(v)).collect();
    if !cli.set.iter().any(|(k, _)| k == "omit") {
        match npm_env(world, "omit") {
            Some((_, v)) => omit.extend(v.split([',', ' ', '\n']).filter_map(pick)),
            None => {
                if world.env("NODE_ENV").is_some_and(|v| v == "production") {
                    omit.push("dev");
                }
            }
        }
    }
    let mut include: Vec<&'static str> = cli
        .strings("include")
        .iter()
        .filter_map(|v| pick(v))
        .collect();
    let only = cli.string("only").unwrap_or("");
    if only == "prod" || only == "production" || cli.flag("production") == Some(true) {
        omit.push("dev");
    } else if cli.flag("production") == Some(false) {
        include.push("dev");
    }
    if cli.string("also").is_some_and(|a| a.starts_with("dev")) || cli.flag("dev") == Some(true) {
        include.push("dev");
    }
    match cli.flag("optional") {
        Some(false) => omit.push("optional"),
        Some(true) => include.push("optional"),
        None => {}
    }
    omit.into_iter().filter(|t| !include.contains(t)).collect()
}

/// `npm init <x>` / `npm create <x>`: the create-package that gets run.
fn create_package(initer: &str) -> Result<String, Error> {
    if let Some(rest) = initer.strip_prefix('@')
        && !rest.is_empty()
        && !rest.contains('/')
    {
        let mut parts = rest.split('@');
        let scope = parts.next().unwrap_or("");
        return Ok(match parts.next() {
            Some(v) if !v.is_empty() => format!("@{scope}/create@{v}"),
            _ => format!("@{scope}/create"),
        });
    }
    let spec = npa(initer).map_err(|e| Error::usage(format!("npm init {initer}: {e}")))?;
    match spec.ty {
        SpecType::Git if spec.hosted.is_some() => {
            let (user, project) = spec.hosted.unwrap_or_default();
            Ok(initer.replacen(
                &format!("{user}/{project}"),
                &format!("{user}/create-{project}"),
                1,
            ))
        }
        SpecType::Registry | SpecType::Alias if spec.name.is_some() => {
            let name = spec.name.unwrap_or_default();
            let created = match name.split_once('/') {
                Some((scope, n)) if name.starts_with('@') => format!("{scope}/create-{n}"),
                _ => format!("create-{name}"),
            };
            Ok(match &spec.written {
                Some(w) => format!("{created}@{w}"),
                None => created,
            })
        }
        _ => Err(Error::usage(format!("Unrecognized initializer: {initer}"))),
    }
}

impl Ctx<'_> {
    /// A spec from the command line as a target; npm rejects what npa rejects.
    fn spec_target(&self, arg: &str) -> Result<Target, Error> {
        let spec =
            npa(arg).map_err(|e| Error::usage(format!("invalid package spec `{arg}`: {e}")))?;
        if spec.ty == SpecType::Registry && spec.name.is_none() {
            return Err(Error::usage(format!(
                "invalid package spec `{arg}`: not a package name"
            )));
        }
        Ok(spec.target(Origin::Argv))
    }

    /// The prefix positionals are compared against (`args.filter(a => resolve(a) !== npm.prefix)`).
    fn is_prefix(&self, arg: &str) -> bool {
        let prefix = if self.global {
            self.cli_prefix.as_ref()
        } else {
            Some(&self.local_prefix)
        };
        prefix.is_some_and(|p| resolve_path(&self.cwd, arg) == *p)
    }

    fn dot(&self) -> Target {
        Target::unnamed(ECO, TargetKind::Path, ".", Origin::Argv)
    }

    fn install(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        let specs: Vec<&String> = rest.iter().filter(|a| !self.is_prefix(a)).collect();
        if specs.is_empty() {
            return if self.global {
                Ok(vec![self.dot()])
            } else {
                self.project(Mode::Install)
            };
        }
        if self.global && specs.iter().any(|s| s.is_empty()) {
            return Err(Error::usage("npm install -g \"\": empty package spec"));
        }
        specs.iter().map(|s| self.spec_target(s)).collect()
    }

    fn update(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        if rest.is_empty() {
            return if self.global {
                Ok(vec![Target {
                    ecosystem: ECO,
                    kind: TargetKind::AllOutdated,
                    name: None,
                    spec: None,
                    origin: Origin::Argv,
                }])
            } else {
                self.project(Mode::Update)
            };
        }
        Ok(rest
            .iter()
            .map(|n| {
                let name = match npa(n) {
                    Ok(Spec {
                        name: Some(name), ..
                    }) => name,
                    _ => n.clone(),
                };
                Target::registry(ECO, &name, None, Origin::Argv)
            })
            .collect())
    }

    fn refresh(&self) -> Result<Vec<Target>, Error> {
        if self.global {
            return self.update(&[]);
        }
        self.project(Mode::Refresh)
    }

    fn link(&self, rest: &[String]) -> Result<Vec<Target>, Error> {
        let specs: Vec<&String> = rest.iter().filter(|a| !self.is_prefix(a)).collect();
        if specs.is_empty() {
            return Ok(vec![self.dot()]);
        }
        specs.iter().map(|s| self.spec_target(s)).collect()
    }

    /// `npm exec`: the `--package` values, else the first positional. None: nothing is fetched.
    fn exec(&self, rest: &[String]) -> Result<Option<Vec<Target>>, Error> {
        let mut packages = self.cli.strings("package");
        if packages.is_empty()
            && !self.cli.set.iter().any(|(k, _)| k == "package")
            && let Some((_, v)) = npm_env(self.world, "package")
        {
            packages.push(v);
        }
        let call = self.cli.string("call").filter(|c| !c.is_empty());
        if call.is_some() && !rest.is_empty() {
            return Err(Error::usage(
                "npm exec: --call cannot be combined with positional arguments",
            ));
        }
        if !packages.is_empty() {
            return packages
                .iter()
                .map(|p| self.spec_target(p))
                .collect::<Result<_, _>>()
                .map(Some);
        }
        match rest.first() {
            Some(first) if call.is_none() => Ok(Some(vec![self.spec_target(first)?])),
            _ => Ok(None),
        }
    }

    /// The manifest/lockfile of the local prefix and what it installs.
    fn project(&self, mode: Mode) -> Result<Vec<Target>, Error> {
        let prefix = &self.local_prefix;
        let pj_path = prefix.join("package.json");
        let Some(pj) = read_json(self.world, &pj_path)? else {
            // No project here: npm writes an empty package.json and installs nothing (npm ci
            // refuses by itself). Nothing to check, so nothing to refuse.
            return Ok(Vec::new());
        };
        let mut targets = vec![Target::unnamed(
            ECO,
            TargetKind::Manifest,
            &pj.path,
            Origin::Argv,
        )];
        let use_lock = self.cli.flag("package-lock") != Some(false) && mode != Mode::Update;
        let mut lock = None;
        if use_lock {
            for name in ["npm-shrinkwrap.json", "package-lock.json"] {
                if let Some(f) = read_json(self.world, &prefix.join(name))? {
                    lock = Some(f);
                    break;
                }
            }
        }
        let manifest = self.manifest_deps(&pj)?;
        match lock {
            Some(lock) => {
                targets.push(Target::unnamed(
                    ECO,
                    TargetKind::Lockfile,
                    &lock.path,
                    Origin::Argv,
                ));
                let (entries, top) = self.lock_entries(&lock);
                targets.extend(entries);
                if mode != Mode::Ci {
                    targets.extend(
                        manifest
                            .into_iter()
                            .filter(|(dep, _)| !top.contains(dep))
                            .map(|(_, t)| t),
                    );
                }
            }
            None if mode == Mode::Ci => {
                return Err(Error::bad_file(format!(
                    "{}: not found (npm ci installs exactly package-lock.json or npm-shrinkwrap.json)",
                    show(&prefix.join("package-lock.json"))
                )));
            }
            None => targets.extend(manifest.into_iter().map(|(_, t)| t)),
        }
        Ok(targets)
    }

    /// The dependencies package.json declares, with the dependency's key name.
    fn manifest_deps(&self, pj: &JsonFile) -> Result<Vec<(String, Target)>, Error> {
        let mut out: Vec<(String, Target)> = Vec::new();
        for (section, ty) in [
            ("dependencies", ""),
            ("devDependencies", "dev"),
            ("optionalDependencies", "optional"),
            ("peerDependencies", "peer"),
        ] {
            if self.omit.contains(ty) {
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
                if !out
                    .iter()
                    .any(|(_, o)| o.kind == t.kind && o.name == t.name && o.spec == t.spec)
                {
                    out.push((name.clone(), t));
                }
            }
        }
        out.sort_by_key(|(_, t)| line_of(&t.origin));
        Ok(out)
    }

    /// URL prefixes whose tarballs count as registry packages: npmjs and every configured registry.
    fn registries(&self) -> Vec<String> {
        let mut regs = vec![
            DEFAULT_REGISTRY.to_string(),
            "http://registry.npmjs.org/".to_string(),
        ];
        for s in self.sources(&[]) {
            let mut l = s.location.clone();
            if !l.ends_with('/') {
                l.push('/');
            }
            regs.push(l);
        }
        regs
    }

    /// Lockfile entries as targets, and the top-level dependency names it pins.
    fn lock_entries(&self, lock: &JsonFile) -> (Vec<Target>, HashSet<String>) {
        let mut out = Vec::new();
        let mut top = HashSet::new();
        let regs = self.registries();
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
                if self.omitted(entry) {
                    continue;
                }
                let origin = Origin::File {
                    path: lock.path.clone(),
                    line: lock.lines.line(&["packages", key]),
                };
                out.push(self.lock_target(folder, entry, false, &regs, origin));
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
                    if !self.omitted(entry) {
                        let refs: Vec<&str> = p.iter().map(String::as_str).collect();
                        let origin = Origin::File {
                            path: lock.path.clone(),
                            line: lock.lines.line(&refs),
                        };
                        out.push(self.lock_target(name, entry, true, &regs, origin));
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
        (out, top)
    }

    fn omitted(&self, entry: &serde_json::Value) -> bool {
        let flag = |k: &str| entry.get(k).and_then(|v| v.as_bool()) == Some(true);
        (flag("dev") && self.omit.contains("dev"))
            || (flag("optional") && self.omit.contains("optional"))
            || (flag("peer") && self.omit.contains("peer"))
            || (flag("devOptional") && self.omit.contains("dev") && self.omit.contains("optional"))
    }

    fn lock_target(
        &self,
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
        };
        if entry.get("link").and_then(|v| v.as_bool()) == Some(true) {
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
            }
            return t;
        }
        let registry = |name: String| {
            if name != folder {
                mk(TargetKind::Alias, Some(name), version.clone())
            } else {
                mk(TargetKind::Registry, Some(name), version.clone())
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

    /// Registries named on the command line, in the environment and in npmrc files.
    fn sources(&self, targets: &[Target]) -> Vec<Source> {
        let mut out = Vec::new();
        let src = |kind, location: &str, scope: Option<&str>, origin| Source {
            ecosystem: ECO,
            kind,
            location: location.to_string(),
            scope: scope.map(str::to_string),
            origin,
        };
        for (k, v) in &self.cli.set {
            let Val::Str(url) = v else { continue };
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
        if let Some((var, url)) = npm_env(self.world, "registry") {
            out.push(src(SourceKind::Index, &url, None, Origin::Env(var)));
        }
        let mut files: Vec<(PathBuf, Vec<RcLine>)> = Vec::new();
        let home = self
            .world
            .env("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .or_else(|| self.world.home());
        let userconfig = match self.cli.string("userconfig") {
            Some(u) => Some(resolve_path(&self.cwd, u)),
            None => match npm_env(self.world, "userconfig") {
                Some((_, u)) => Some(resolve_path(&self.cwd, &u)),
                None => home.map(|h| h.join(".npmrc")),
            },
        };
        let project = self.local_prefix.join(".npmrc");
        if !self.global && userconfig.as_ref() != Some(&project) {
            files.push((project.clone(), read_npmrc(self.world, &project)));
        }
        if let Some(u) = &userconfig {
            files.push((u.clone(), read_npmrc(self.world, u)));
        }
        let globalconfig = match self.cli.string("globalconfig") {
            Some(g) => Some(resolve_path(&self.cwd, g)),
            None => npm_env(self.world, "globalconfig").map(|(_, g)| resolve_path(&self.cwd, &g)),
        };
        if let Some(g) = globalconfig {
            let lines = read_npmrc(self.world, &g);
            files.push((g, lines));
        }
        // Scoped registries in the environment can only be probed for scopes we know of.
        let mut scopes: Vec<String> = Vec::new();
        let mut note_scope = |s: &str| {
            let s = s.to_lowercase();
            if !scopes.contains(&s) {
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
            if let Some((var, url)) = npm_env(self.world, &format!("{scope}:registry")) {
                out.push(src(
                    SourceKind::ScopedRegistry,
                    &url,
                    Some(scope),
                    Origin::Env(var),
                ));
            }
        }
        for (path, lines) in files {
            for l in lines {
                let origin = Origin::File {
                    path: show(&path),
                    line: l.line,
                };
                if l.key == "registry" {
                    out.push(src(SourceKind::Index, &l.value, None, origin));
                } else if let Some(scope) = scoped_registry_key(&l.key) {
                    out.push(src(
                        SourceKind::ScopedRegistry,
                        &l.value,
                        Some(scope),
                        origin,
                    ));
                }
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Tables copied from npm 11.19.1 (@npmcli/config definitions and shorthands, lib/utils/cmd-list.js)
// ---------------------------------------------------------------------------------------------

const TYPES: &[(&str, T)] = &[
    ("_auth", T::Arr(&[E::Null, E::Str])),
    (
        "access",
        T::Arr(&[
            E::Null,
            E::Lit("restricted"),
            E::Lit("public"),
            E::Lit("private"),
        ]),
    ),
    ("all", T::Bool),
    (
        "allow-directory",
        T::Arr(&[E::Lit("all"), E::Lit("none"), E::Lit("root")]),
    ),
    (
        "allow-file",
        T::Arr(&[E::Lit("all"), E::Lit("none"), E::Lit("root")]),
    ),
    (
        "allow-git",
        T::Arr(&[E::Lit("all"), E::Lit("none"), E::Lit("root")]),
    ),
    (
        "allow-remote",
        T::Arr(&[E::Lit("all"), E::Lit("none"), E::Lit("root")]),
    ),
    ("allow-same-version", T::Bool),
    ("allow-scripts", T::Arr(&[E::Str, E::Array])),
    ("allow-scripts-pending", T::Bool),
    ("allow-scripts-pin", T::Bool),
    (
        "also",
        T::Arr(&[E::Null, E::Lit("dev"), E::Lit("development")]),
    ),
    ("audit", T::Bool),
    (
        "audit-level",
        T::Arr(&[
            E::Null,
            E::Lit("info"),
            E::Lit("low"),
            E::Lit("moderate"),
            E::Lit("high"),
            E::Lit("critical"),
            E::Lit("none"),
        ]),
    ),
    ("auth-type", T::Arr(&[E::Lit("legacy"), E::Lit("web")])),
    ("before", T::Arr(&[E::Null, E::Other])),
    ("bin-links", T::Bool),
    ("browser", T::Arr(&[E::Null, E::Bool, E::Str])),
    ("bypass-2fa", T::Bool),
    ("ca", T::Arr(&[E::Null, E::Str, E::Array])),
    ("cache", T::Other),
    ("cache-max", T::Other),
    ("cache-min", T::Other),
    ("cafile", T::Other),
    ("call", T::Str),
    ("cert", T::Arr(&[E::Null, E::Str])),
    ("cidr", T::Arr(&[E::Null, E::Str, E::Array])),
    ("color", T::Arr(&[E::Lit("always"), E::Bool])),
    ("commit-hooks", T::Bool),
    ("cpu", T::Arr(&[E::Null, E::Str])),
    ("dangerously-allow-all-scripts", T::Bool),
    ("depth", T::Arr(&[E::Null, E::Num])),
    ("description", T::Bool),
    ("dev", T::Bool),
    ("diff", T::Arr(&[E::Str, E::Array])),
    ("diff-dst-prefix", T::Str),
    ("diff-ignore-all-space", T::Bool),
    ("diff-name-only", T::Bool),
    ("diff-no-prefix", T::Bool),
    ("diff-src-prefix", T::Str),
    ("diff-text", T::Bool),
    ("diff-unified", T::Other),
    ("dry-run", T::Bool),
    ("editor", T::Str),
    ("engine-strict", T::Bool),
    ("expect-result-count", T::Arr(&[E::Null, E::Num])),
    ("expect-results", T::Arr(&[E::Null, E::Bool])),
    ("expires", T::Arr(&[E::Null, E::Num])),
    ("fetch-retries", T::Other),
    ("fetch-retry-factor", T::Other),
    ("fetch-retry-maxtimeout", T::Other),
    ("fetch-retry-mintimeout", T::Other),
    ("fetch-timeout", T::Other),
    ("force", T::Bool),
    ("foreground-scripts", T::Bool),
    ("format-package-lock", T::Bool),
    ("fund", T::Bool),
    ("git", T::Str),
    ("git-tag-version", T::Bool),
    ("global", T::Bool),
    ("global-style", T::Bool),
    ("globalconfig", T::Other),
    ("heading", T::Str),
    ("https-proxy", T::Arr(&[E::Null, E::Other])),
    ("if-present", T::Bool),
    ("ignore-scripts", T::Bool),
    (
        "include",
        T::Arr(&[
            E::Array,
            E::Lit("prod"),
            E::Lit("dev"),
            E::Lit("optional"),
            E::Lit("peer"),
        ]),
    ),
    ("include-attestations", T::Bool),
    ("include-staged", T::Bool),
    ("include-workspace-root", T::Bool),
    ("init-author-email", T::Str),
    ("init-author-name", T::Str),
    ("init-author-url", T::Arr(&[E::Lit(""), E::Other])),
    ("init-license", T::Str),
    ("init-module", T::Other),
    ("init-private", T::Bool),
    ("init-type", T::Str),
    ("init-version", T::Other),
    ("init.author.email", T::Str),
    ("init.author.name", T::Str),
    ("init.author.url", T::Arr(&[E::Lit(""), E::Other])),
    ("init.license", T::Str),
    ("init.module", T::Other),
    ("init.version", T::Other),
    ("install-links", T::Bool),
    (
        "install-strategy",
        T::Arr(&[
            E::Lit("hoisted"),
            E::Lit("nested"),
            E::Lit("shallow"),
            E::Lit("linked"),
        ]),
    ),
    ("json", T::Bool),
    ("key", T::Arr(&[E::Null, E::Str])),
    ("legacy-bundling", T::Bool),
    ("legacy-peer-deps", T::Bool),
    ("libc", T::Arr(&[E::Null, E::Str])),
    ("link", T::Bool),
    (
        "local-address",
        T::Arr(&[
            E::Null,
            E::Lit("127.0.0.1"),
            E::Lit("::1"),
            E::Lit("192.0.2.2"),
            E::Lit("fd00::2"),
            E::Lit("fe80::fc:ff:fe00:1"),
        ]),
    ),
    (
        "location",
        T::Arr(&[E::Lit("global"), E::Lit("user"), E::Lit("project")]),
    ),
    (
        "lockfile-version",
        T::Arr(&[
            E::Null,
            E::Other,
            E::Other,
            E::Other,
            E::Lit("1"),
            E::Lit("2"),
            E::Lit("3"),
        ]),
    ),
    (
        "loglevel",
        T::Arr(&[
            E::Lit("silent"),
            E::Lit("error"),
            E::Lit("warn"),
            E::Lit("notice"),
            E::Lit("http"),
            E::Lit("info"),
            E::Lit("verbose"),
            E::Lit("silly"),
        ]),
    ),
    ("logs-dir", T::Arr(&[E::Null, E::Other])),
    ("logs-max", T::Other),
    ("long", T::Bool),
    ("maxsockets", T::Other),
    ("message", T::Str),
    ("min-release-age", T::Arr(&[E::Null, E::Num])),
    ("min-release-age-exclude", T::Arr(&[E::Array, E::Str])),
    ("name", T::Arr(&[E::Null, E::Str])),
    ("node-gyp", T::Other),
    ("node-options", T::Arr(&[E::Null, E::Str])),
    ("noproxy", T::Arr(&[E::Str, E::Array])),
    ("offline", T::Bool),
    (
        "omit",
        T::Arr(&[E::Array, E::Lit("dev"), E::Lit("optional"), E::Lit("peer")]),
    ),
    ("omit-lockfile-registry-resolved", T::Bool),
    (
        "only",
        T::Arr(&[E::Null, E::Lit("prod"), E::Lit("production")]),
    ),
    ("optional", T::Arr(&[E::Null, E::Bool])),
    ("orgs", T::Arr(&[E::Null, E::Str, E::Array])),
    (
        "orgs-permission",
        T::Arr(&[
            E::Null,
            E::Lit("read-only"),
            E::Lit("read-write"),
            E::Lit("no-access"),
        ]),
    ),
    ("os", T::Arr(&[E::Null, E::Str])),
    ("otp", T::Arr(&[E::Null, E::Str])),
    ("pack-destination", T::Str),
    ("package", T::Arr(&[E::Str, E::Array])),
    ("package-lock", T::Bool),
    ("package-lock-only", T::Bool),
    ("packages", T::Arr(&[E::Null, E::Str, E::Array])),
    ("packages-all", T::Bool),
    (
        "packages-and-scopes-permission",
        T::Arr(&[
            E::Null,
            E::Lit("read-only"),
            E::Lit("read-write"),
            E::Lit("no-access"),
        ]),
    ),
    ("parseable", T::Bool),
    ("password", T::Arr(&[E::Null, E::Str])),
    ("prefer-dedupe", T::Bool),
    ("prefer-offline", T::Bool),
    ("prefer-online", T::Bool),
    ("prefix", T::Other),
    ("preid", T::Str),
    ("production", T::Arr(&[E::Null, E::Bool])),
    ("progress", T::Bool),
    ("provenance", T::Bool),
    ("provenance-file", T::Other),
    ("proxy", T::Arr(&[E::Null, E::Other, E::Other])),
    ("read-only", T::Bool),
    ("rebuild-bundle", T::Bool),
    ("registry", T::Other),
    (
        "replace-registry-host",
        T::Arr(&[E::Lit("npmjs"), E::Lit("never"), E::Lit("always"), E::Str]),
    ),
    ("save", T::Bool),
    ("save-bundle", T::Bool),
    ("save-dev", T::Bool),
    ("save-exact", T::Bool),
    ("save-optional", T::Bool),
    ("save-peer", T::Bool),
    ("save-prefix", T::Str),
    ("save-prod", T::Bool),
    (
        "sbom-format",
        T::Arr(&[E::Lit("cyclonedx"), E::Lit("spdx")]),
    ),
    (
        "sbom-type",
        T::Arr(&[
            E::Lit("library"),
            E::Lit("application"),
            E::Lit("framework"),
        ]),
    ),
    ("scope", T::Str),
    ("scopes", T::Arr(&[E::Null, E::Str, E::Array])),
    ("script-shell", T::Arr(&[E::Null, E::Str])),
    ("searchexclude", T::Str),
    ("searchlimit", T::Other),
    ("searchopts", T::Str),
    ("searchstaleness", T::Other),
    ("shell", T::Str),
    ("shrinkwrap", T::Bool),
    ("sign-git-commit", T::Bool),
    ("sign-git-tag", T::Bool),
    ("strict-allow-scripts", T::Bool),
    ("strict-peer-deps", T::Bool),
    ("strict-ssl", T::Bool),
    ("tag", T::Str),
    ("tag-version-prefix", T::Str),
    ("timing", T::Bool),
    ("token-description", T::Arr(&[E::Null, E::Str])),
    ("umask", T::Other),
    ("unicode", T::Bool),
    ("update-notifier", T::Bool),
    ("usage", T::Bool),
    ("user-agent", T::Str),
    ("userconfig", T::Other),
    ("version", T::Bool),
    ("versions", T::Bool),
    ("viewer", T::Str),
    ("which", T::Arr(&[E::Null, E::Num])),
    ("workspace", T::Arr(&[E::Str, E::Array])),
    ("workspaces", T::Arr(&[E::Null, E::Bool])),
    ("workspaces-update", T::Bool),
    ("yes", T::Arr(&[E::Null, E::Bool])),
];

const SHORTHANDS: &[(&str, &[&str])] = &[
    ("?", &["--usage"]),
    ("B", &["--save-bundle"]),
    ("C", &["--prefix"]),
    ("D", &["--save-dev"]),
    ("E", &["--save-exact"]),
    ("H", &["--usage"]),
    ("L", &["--location"]),
    ("O", &["--save-optional"]),
    ("P", &["--save-prod"]),
    ("S", &["--save"]),
    ("a", &["--all"]),
    ("c", &["--call"]),
    ("d", &["--loglevel", "info"]),
    ("dd", &["--loglevel", "verbose"]),
    ("ddd", &["--loglevel", "silly"]),
    ("desc", &["--description"]),
    ("enjoy-by", &["--before"]),
    ("f", &["--force"]),
    ("g", &["--global"]),
    ("h", &["--usage"]),
    ("help", &["--usage"]),
    ("iwr", &["--include-workspace-root"]),
    ("l", &["--long"]),
    ("local", &["--no-global"]),
    ("m", &["--message"]),
    ("n", &["--no-yes"]),
    ("no", &["--no-yes"]),
    ("p", &["--parseable"]),
    ("porcelain", &["--parseable"]),
    ("q", &["--loglevel", "warn"]),
    ("quiet", &["--loglevel", "warn"]),
    ("readonly", &["--read-only"]),
    ("reg", &["--registry"]),
    ("s", &["--loglevel", "silent"]),
    ("silent", &["--loglevel", "silent"]),
    ("v", &["--version"]),
    ("verbose", &["--loglevel", "verbose"]),
    ("w", &["--workspace"]),
    ("ws", &["--workspaces"]),
    ("y", &["--yes"]),
];

const COMMANDS: &[&str] = &[
    "access",
    "adduser",
    "approve-scripts",
    "audit",
    "bugs",
    "cache",
    "ci",
    "completion",
    "config",
    "dedupe",
    "deny-scripts",
    "deprecate",
    "diff",
    "dist-tag",
    "docs",
    "doctor",
    "edit",
    "exec",
    "explain",
    "explore",
    "find-dupes",
    "fund",
    "get",
    "help",
    "help-search",
    "init",
    "install",
    "install-ci-test",
    "install-scripts",
    "install-test",
    "link",
    "ll",
    "login",
    "logout",
    "ls",
    "org",
    "outdated",
    "owner",
    "pack",
    "ping",
    "pkg",
    "prefix",
    "profile",
    "prune",
    "publish",
    "query",
    "rebuild",
    "repo",
    "restart",
    "root",
    "run",
    "sbom",
    "search",
    "set",
    "shrinkwrap",
    "stage",
    "star",
    "stars",
    "start",
    "stop",
    "team",
    "test",
    "token",
    "trust",
    "undeprecate",
    "uninstall",
    "unpublish",
    "unstar",
    "update",
    "version",
    "view",
    "whoami",
];

const ALIASES: &[(&str, &str)] = &[
    ("add", "install"),
    ("add-user", "adduser"),
    ("author", "owner"),
    ("c", "config"),
    ("cit", "install-ci-test"),
    ("clean-install", "ci"),
    ("clean-install-test", "install-ci-test"),
    ("create", "init"),
    ("ddp", "dedupe"),
    ("dist-tags", "dist-tag"),
    ("find", "search"),
    ("hlep", "help"),
    ("home", "docs"),
    ("i", "install"),
    ("ic", "ci"),
    ("in", "install"),
    ("info", "view"),
    ("innit", "init"),
    ("ins", "install"),
    ("inst", "install"),
    ("insta", "install"),
    ("instal", "install"),
    ("install-clean", "ci"),
    ("isnt", "install"),
    ("isnta", "install"),
    ("isntal", "install"),
    ("isntall", "install"),
    ("isntall-clean", "ci"),
    ("issues", "bugs"),
    ("it", "install-test"),
    ("la", "ll"),
    ("list", "ls"),
    ("ln", "link"),
    ("ogr", "org"),
    ("r", "uninstall"),
    ("rb", "rebuild"),
    ("remove", "uninstall"),
    ("rm", "uninstall"),
    ("rum", "run"),
    ("run-script", "run"),
    ("s", "search"),
    ("se", "search"),
    ("show", "view"),
    ("sit", "install-ci-test"),
    ("t", "test"),
    ("tst", "test"),
    ("u", "update"),
    ("udpate", "update"),
    ("un", "uninstall"),
    ("unlink", "uninstall"),
    ("up", "update"),
    ("upgrade", "update"),
    ("urn", "run"),
    ("v", "view"),
    ("verison", "version"),
    ("why", "explain"),
    ("x", "exec"),
];

#[cfg(test)]
mod tests {
    //! Expectations were checked against npm 11.19.1's own nopt, cmd-list, npm-package-arg and npx-cli.js.
    use super::*;
    use crate::cmdline::ErrorKind;
    use crate::cmdline::cases::{argv, check, matches, render};
    use crate::cmdline::testworld::MemWorld;
    use proptest::prelude::*;

    // ORACLE:npm — command lines with no project files (cwd /project).
    const NPM_ARGV: &[(&str, &str)] = &[
        ("i foo", "foo"),
        ("install foo@1.2.3", "foo 1.2.3"),
        ("add foo@^1", "foo ^1"),
        ("i foo@latest 'bar@>=1 <2'", "foo latest | bar >=1 <2"),
        ("in @scope/pkg@2", "@scope/pkg 2"),
        ("i @scope/pkg", "@scope/pkg"),
        ("i Express", "Express"),
        ("i foo@", "foo"),
        ("i foo@1.x", "foo 1.x"),
        ("i 'foo@1 || 2'", "foo 1 || 2"),
        ("i foo@>=1.2.3-beta.1", "foo >=1.2.3-beta.1"),
        ("i 'foo@<1 x'", "foo <1 x"),
        ("i lodash@npm:evil@1", "alias:evil 1"),
        ("i x@npm:@s/real", "alias:@s/real"),
        ("i npm:real@1", "alias:real 1"),
        ("i bar@npm:foo", "alias:foo"),
        ("i user/repo", "git:user/repo"),
        ("i user/repo#semver:^1", "git:user/repo#semver:^1"),
        ("i github:user/repo", "git:github:user/repo"),
        ("i gitlab:u/r", "git:gitlab:u/r"),
        (
            "i git+https://example.com/r.git",
            "git:git+https://example.com/r.git",
        ),
        (
            "i git@github.com:user/repo.git",
            "git:git@github.com:user/repo.git",
        ),
        ("i git://github.com/u/r", "git:git://github.com/u/r"),
        (
            "i git+ssh://git@host.org:u/r.git",
            "git:git+ssh://git@host.org:u/r.git",
        ),
        (
            "i ssh://git@github.com/u/r.git",
            "git:ssh://git@github.com/u/r.git",
        ),
        (
            "i https://github.com/user/repo",
            "git:https://github.com/user/repo",
        ),
        ("i https://gitlab.com/u/r", "git:https://gitlab.com/u/r"),
        (
            "i https://example.com/x.tgz",
            "url:https://example.com/x.tgz",
        ),
        (
            "i https://github.com/u/r/archive/main.tar.gz",
            "url:https://github.com/u/r/archive/main.tar.gz",
        ),
        (
            "i https://bitbucket.org/u/r/get/x.tgz",
            "url:https://bitbucket.org/u/r/get/x.tgz",
        ),
        ("i ./dir", "path:./dir"),
        ("i ../dir", "path:../dir"),
        ("i /abs/dir", "path:/abs/dir"),
        ("i ~/dir", "path:~/dir"),
        ("i foo/bar/baz", "path:foo/bar/baz"),
        ("i x.tgz", "path:x.tgz"),
        ("i file:../dir", "path:file:../dir"),
        ("i c:/foo", "path:c:/foo"),
        ("i .foo", "path:.foo"),
        ("i foo@file:../foo", "path:foo file:../foo"),
        ("i foo@github:u/r", "git:foo github:u/r"),
        ("i foo@https://x.org/f.tgz", "url:foo https://x.org/f.tgz"),
        ("i ftp://x.org/f.tgz", "!usage: *"),
        ("i ssh://git@example.com/r.git", "!usage: *"),
        ("i foo:bar", "!usage: *"),
        ("i http://", "!usage: *"),
        ("i foo@latest@1", "!usage: *"),
        ("i foo@%20x", "!usage: *"),
        ("i 'foo bar'", "!usage: *"),
        ("i a@npm:b@npm:c", "!usage: *"),
        ("i a@npm:github:u/r", "!usage: *"),
        ("i _foo", "!usage: *"),
        ("i node_modules", "!usage: *"),
        ("i @scope", "!usage: *"),
        ("i .", "(none)"),
        ("i ./", "(none)"),
        ("i . foo", "foo"),
        ("i ../project", "(none)"),
        ("i", "(none)"),
        ("i -g", "path:."),
        ("i -g true", "path:."),
        ("i -g false foo", "foo"),
        ("i -w -g foo", "foo"),
        ("i -w -g", "(none)"),
        ("i --prefix -g", "(none)"),
        ("--prefix install foo", "PASS"),
        ("-g install foo", "foo"),
        ("--registry http://r install foo", "foo || index:http://r"),
        ("i --save-dev foo", "foo"),
        ("i -D foo", "foo"),
        ("i --save-dev false foo", "foo"),
        ("i --save-dev true", "(none)"),
        ("i --foo bar", "bar"),
        ("i --foo=bar", "(none)"),
        ("i --tag beta foo", "foo"),
        ("i --tag -D foo", "foo"),
        ("i --tag", "(none)"),
        ("i --tag --", "(none)"),
        ("i --registry -- foo", "foo"),
        ("i --omit foo", "(none)"),
        ("i --omit=dev foo", "foo"),
        ("i --otp -D foo", "foo"),
        ("i -gD foo", "foo"),
        ("i -DSE foo", "foo"),
        ("i --gl", "path:."),
        ("i --glo", "(none)"),
        ("i --sav foo", "PASS"),
        ("i -v foo", "PASS"),
        ("i --versions", "PASS"),
        ("i -h", "PASS"),
        ("i -? foo", "PASS"),
        ("i -H", "PASS"),
        ("i --help", "PASS"),
        ("i --usage false foo", "foo"),
        ("i -- --foo", "!usage: *"),
        ("i --regi http://x foo", "foo || index:http://x"),
        ("i -registry http://x foo", "foo || index:http://x"),
        ("i ---save-dev foo", "foo"),
        ("i --reg http://x foo", "foo || index:http://x"),
        ("i --ca foo bar", "bar"),
        ("i --browser foo bar", "bar"),
        ("i --yes null foo", "foo"),
        ("i --color always foo", "foo"),
        ("i --workspaces false foo", "foo"),
        ("i --no-save foo", "foo"),
        ("i --no-registry foo", "foo"),
        ("i --no-workspace foo bar", "bar"),
        ("i --no-no-save foo", "foo"),
        ("i --no-tag foo", "foo"),
        ("i -wpkg-a foo", "foo"),
        ("i -gfoo", "(none)"),
        ("i —save-dev", "!usage: *"),
        ("i --Save-Dev foo", "foo"),
        ("i --global=foo", "foo"),
        ("i -g=foo", "foo"),
        ("i --=bar", "bar"),
        ("i -w=pkg", "(none)"),
        ("i --location=global", "path:."),
        ("i --location global", "path:."),
        ("i -L global", "path:."),
        ("i --local", "(none)"),
        ("i -g ''", "!usage: *"),
        ("i -g --prefix /p /p", "path:."),
        (
            "i --@corp:registry=http://x foo",
            "foo || scoped-registry:@corp http://x",
        ),
        ("i --@corp:registry http://x", "url:http://x"),
        ("i --dd foo", "foo"),
        ("i -dd foo", "foo"),
        ("i --iwr foo", "foo"),
        ("i --ws foo", "foo"),
        ("i --no foo", "foo"),
        ("i -n foo", "foo"),
        ("i --depth foo bar", "bar"),
        ("i --package-lock false foo", "foo"),
        ("i foo --save-prefix ~ bar", "foo | bar"),
        ("i --before 2020-01-01 foo", "foo"),
        ("isntall foo", "foo"),
        ("insta foo", "foo"),
        ("installTest foo", "foo"),
        ("it foo", "foo"),
        ("Install foo", "PASS"),
        ("install-s foo", "PASS"),
        ("ci", "(none)"),
        ("ci -g", "!usage: *"),
        ("ci foo", "(none)"),
        ("clean-install", "(none)"),
        ("install-cl", "(none)"),
        ("cit", "(none)"),
        ("sit", "(none)"),
        ("update foo", "foo"),
        ("up foo@2", "foo"),
        ("u -g", "all-outdated:"),
        ("udpate", "(none)"),
        ("upg -g", "all-outdated:"),
        ("dedupe", "(none)"),
        ("ddp -g", "all-outdated:"),
        ("audit", "PASS"),
        ("audit fix", "(none)"),
        ("aud fix -g", "all-outdated:"),
        ("exec cowsay hi", "cowsay"),
        ("x cowsay", "cowsay"),
        ("exec --package foo -- bar", "foo"),
        ("exec --package=foo --package bar baz", "foo | bar"),
        ("exec -p cowsay", "cowsay"),
        ("exec -c ls", "PASS"),
        ("exec -c ls foo", "!usage: *"),
        ("exec --package foo -c ls", "foo"),
        ("exec", "PASS"),
        ("exec --yes cowsay", "cowsay"),
        ("exec -- cowsay --package x", "cowsay"),
        ("init", "PASS"),
        ("init foo", "create-foo"),
        ("create foo@1", "create-foo 1"),
        ("init @s", "@s/create"),
        ("init @s@2", "@s/create 2"),
        ("init @s/x", "@s/create-x"),
        ("init user/repo", "git:user/create-repo"),
        ("init ./dir", "!usage: *"),
        ("innit react-app", "create-react-app"),
        ("cr vite", "create-vite"),
        ("link", "path:."),
        ("link foo", "foo"),
        ("ln ../lib", "path:../lib"),
        ("ls foo", "PASS"),
        ("uninstall foo", "PASS"),
        ("rebuild", "PASS"),
        ("run build", "PASS"),
        ("test", "PASS"),
        ("help install", "PASS"),
        ("", "PASS"),
        ("--foo", "PASS"),
    ];

    // ORACLE:npx
    const NPX_ARGV: &[(&str, &str)] = &[
        ("cowsay hi", "cowsay"),
        ("-p foo bar", "foo"),
        ("--package=foo bar", "foo"),
        ("-p foo -p bar baz", "foo | bar"),
        ("--foo bar baz", "bar"),
        ("--save-dev false cowsay", "false"),
        ("-y cowsay", "cowsay"),
        ("--yes cowsay", "cowsay"),
        ("--no-install cowsay", "cowsay"),
        ("-c ls", "PASS"),
        ("-p foo -c ls", "foo"),
        ("--shell bash cowsay", "cowsay"),
        ("-n foo cowsay", "cowsay"),
        ("--ignore-existing cowsay", "cowsay"),
        ("", "PASS"),
        ("-v", "PASS"),
        ("-h cowsay", "PASS"),
        ("--registry http://x cowsay", "cowsay || index:http://x"),
        ("cowsay --package x", "cowsay"),
        ("-- cowsay -p x", "cowsay"),
        ("-gD cowsay", "cowsay"),
        ("--call=ls", "PASS"),
        ("create-react-app my-app", "create-react-app"),
        ("-q cowsay", "cowsay"),
        ("--userconfig /x cowsay", "cowsay"),
        ("lodash@npm:evil@1", "alias:evil 1"),
        ("github:u/r", "git:github:u/r"),
        ("--prefix /x foo", "foo"),
        ("-w ws foo", "foo"),
        ("--yes=false cowsay", "cowsay"),
        ("-y=true cowsay", "true"),
    ];

    // ORACLE:deref
    const DEREF: &[(&str, &str)] = &[
        ("install", "install"),
        ("i", "install"),
        ("isnta", "install"),
        ("installTest", "install-test"),
        ("install-te", "install-test"),
        ("install-cl", "ci"),
        ("isntall-clean", "ci"),
        ("clean-install-", "install-ci-test"),
        ("install-ci", "install-ci-test"),
        ("upd", "update"),
        ("upgr", "update"),
        ("ud", "update"),
        ("u", "update"),
        ("exe", "exec"),
        ("cre", "init"),
        ("ini", "init"),
        ("ded", "dedupe"),
        ("aud", "audit"),
        ("lin", "link"),
        ("install-s", "install-scripts"),
        ("ins", "install"),
        ("inst", "install"),
        ("run-s", "run"),
        ("Install", "-"),
        ("e", "-"),
        ("", "-"),
    ];

    #[test]
    fn npm_command_lines() {
        check(NPM_ARGV, |a| parse(a, &MemWorld::new()));
    }

    #[test]
    fn npx_command_lines() {
        check(NPX_ARGV, |a| parse_npx(a, &MemWorld::new()));
    }

    #[test]
    fn deref_spellings() {
        for (typed, want) in DEREF {
            assert_eq!(deref(typed).unwrap_or("-"), *want, "{typed}");
        }
    }

    const PJ: &str = r#"{
  "name": "app",
  "dependencies": {
    "lodash": "^4.17.0",
    "evil": "npm:real@1",
    "gh": "user/repo"
  },
  "devDependencies": {
    "jest": "29"
  },
  "optionalDependencies": { "fsevents": "" },
  "peerDependencies": { "react": ">=18" }
}"#;

    const LOCK: &str = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": { "name": "app", "dependencies": { "lodash": "^4.17.0" } },
    "node_modules/lodash": {
      "version": "4.17.21",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"
    },
    "node_modules/evil": {
      "name": "real",
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/real/-/real-1.0.0.tgz"
    },
    "node_modules/gh": { "version": "1.0.0", "resolved": "git+ssh://git@github.com/user/repo.git#abc" },
    "node_modules/tb": { "version": "2.0.0", "resolved": "https://evil.example/tb-2.0.0.tgz" },
    "node_modules/jest": { "version": "29.0.0", "dev": true },
    "node_modules/a/node_modules/@s/b": { "version": "3.0.0", "resolved": "https://registry.npmjs.org/@s/b/-/b-3.0.0.tgz" },
    "node_modules/loc": { "resolved": "../loc", "link": true },
    "node_modules/mirror": { "version": "1.0.0", "resolved": "http://mirror.local/mirror/-/mirror-1.0.0.tgz" },
    "packages/ws": { "version": "1.0.0" }
  }
}"#;

    const LOCK_V1: &str = r#"{
  "lockfileVersion": 1,
  "dependencies": {
    "a": {
      "version": "1.0.0",
      "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
      "dependencies": {
        "b": { "version": "2.0.0" }
      }
    },
    "c": { "version": "npm:real@3.0.0" },
    "d": { "version": "github:u/d#abc", "dev": true }
  }
}"#;

    fn fixture(name: &str) -> MemWorld {
        let w = MemWorld::new();
        match name {
            "none" => w,
            "pj" => w.file("/project/package.json", PJ),
            "pj+lock" => w
                .file("/project/package.json", PJ)
                .file("/project/package-lock.json", LOCK),
            "pj+sw" => w
                .file("/project/package.json", PJ)
                .file("/project/package-lock.json", LOCK)
                .file("/project/npm-shrinkwrap.json", LOCK_V1),
            "pj+v1" => w
                .file("/project/package.json", PJ)
                .file("/project/package-lock.json", LOCK_V1),
            "other" => w.file("/other/package.json", r#"{"dependencies":{"x":"1"}}"#),
            "bad-json" => w.file(
                "/project/package.json",
                "{\n  \"dependencies\": {\n    \"a\": \"1\",\n  }\n}",
            ),
            "bad-spec" => w.file(
                "/project/package.json",
                "{\n  \"dependencies\": {\n    \"a\": \"ftp://x\"\n  }\n}",
            ),
            "not-string" => w.file(
                "/project/package.json",
                "{\n  \"dependencies\": {\n    \"a\": 1\n  }\n}",
            ),
            "array" => w.file("/project/package.json", "[]"),
            "prod" => w
                .file("/project/package.json", PJ)
                .env("NODE_ENV", "production"),
            "sub" => {
                let mut w = w.file("/project/package.json", r#"{"dependencies":{"up":"1"}}"#);
                w.cwd = PathBuf::from("/project/sub");
                w
            }
            "nm-only" => {
                let mut w = w
                    .file("/project/package.json", r#"{"dependencies":{"up":"1"}}"#)
                    .dir("/project/sub/node_modules");
                w.cwd = PathBuf::from("/project/sub");
                w
            }
            other => panic!("no fixture {other}"),
        }
    }

    /// (fixture, argv, expected outcome in the `cmdline::cases` notation)
    #[rustfmt::skip]
    const PROJECT: &[(&str, &str, &str)] = &[
        ("pj", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "i --omit=dev", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "i --omit dev --omit optional --omit peer", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6>"),
        ("pj", "i --production", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "i --omit=dev --include=dev --no-optional", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | react >=18 </project/package.json:12>"),
        ("prod", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("prod", "i --production=false", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "it", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "update", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "ci", "!file: *"),
        ("pj", "i -g", "path:."),
        ("pj", "i foo", "foo"),
        ("pj+lock", "ci", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
        ("pj+lock", "ci --omit=dev foo", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
        ("pj+lock", "ci --registry http://mirror.local/", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | mirror 1.0.0 </project/package-lock.json:20> || index:http://mirror.local/"),
        ("pj+lock", "i", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj+lock", "i --no-package-lock", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj+lock", "cit", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
        ("pj+sw", "ci", "manifest:/project/package.json | lockfile:/project/npm-shrinkwrap.json | a 1.0.0 </project/npm-shrinkwrap.json:4> | b 2.0.0 </project/npm-shrinkwrap.json:8> | alias:real 3.0.0 </project/npm-shrinkwrap.json:11> | git:d github:u/d#abc </project/npm-shrinkwrap.json:12>"),
        ("pj+v1", "ci --omit=dev", "manifest:/project/package.json | lockfile:/project/package-lock.json | a 1.0.0 </project/package-lock.json:4> | b 2.0.0 </project/package-lock.json:8> | alias:real 3.0.0 </project/package-lock.json:11>"),
        ("other", "i --prefix /other", "manifest:/other/package.json | x 1 </other/package.json:1>"),
        ("other", "i -C /other", "manifest:/other/package.json | x 1 </other/package.json:1>"),
        ("sub", "i", "manifest:/project/package.json | up 1 </project/package.json:1>"),
        ("sub", "i .", "path:."),
        ("sub", "i ..", "manifest:/project/package.json | up 1 </project/package.json:1>"),
        ("nm-only", "i", "(none)"),
        ("none", "i", "(none)"),
        ("bad-json", "i", "!file: *"),
        ("bad-spec", "i", "!file: *"),
        ("not-string", "i", "!file: *"),
        ("array", "i", "!file: *"),
        ("pj", "dedupe", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
        ("pj", "audit fix --omit dev", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ];

    #[test]
    fn project_files() {
        let bad: Vec<String> = PROJECT
            .iter()
            .filter_map(|(fx, a, want)| {
                let got = render(&parse(&argv(a), &fixture(fx)));
                (!matches(&got, want))
                    .then(|| format!("[{fx}] `{a}`:\n  got  `{got}`\n  want `{want}`"))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    #[test]
    fn bad_file_messages() {
        for (fx, want) in [
            ("bad-json", "/project/package.json:4:3: trailing comma"),
            (
                "bad-spec",
                "/project/package.json:3: a: Unsupported URL Type",
            ),
            (
                "not-string",
                "/project/package.json:3: dependencies.a is not a string",
            ),
            ("array", "/project/package.json:1:1: not a JSON object"),
        ] {
            let err = parse(&argv("i"), &fixture(fx)).unwrap_err();
            assert_eq!(err.kind, ErrorKind::BadFile, "{fx}");
            assert!(err.message.starts_with(want), "{fx}: {}", err.message);
        }
        let err = parse(&argv("ci"), &fixture("pj")).unwrap_err();
        assert!(
            err.message
                .starts_with("/project/package-lock.json: not found"),
            "{}",
            err.message
        );
        // No package.json at all: nothing would be installed.
        assert!(
            parse(&argv("i"), &fixture("none"))
                .unwrap()
                .targets
                .is_empty()
        );
        let err = parse(&argv("i foo@%20x"), &fixture("none")).unwrap_err();
        assert!(err.message.contains("foo@%20x"), "{}", err.message);
    }

    /// (extra files/env as `file:PATH=CONTENT` or `env:K=V`, separated by ` | `; argv; expected outcome)
    #[rustfmt::skip]
    const SOURCES: &[(&str, &str, &str)] = &[
        ("", "i foo --registry http://r", "foo || index:http://r"),
        ("", "--reg=http://r i foo", "foo || index:http://r"),
        ("", "--@corp:registry=http://c i @corp/x", "@corp/x || scoped-registry:@corp http://c"),
        ("env:npm_config_registry=http://e", "i foo", "foo || index:http://e <env:npm_config_registry>"),
        ("env:NPM_CONFIG_REGISTRY=http://e", "i foo", "foo || index:http://e <env:NPM_CONFIG_REGISTRY>"),
        ("env:npm_config_@corp:registry=http://s", "i @corp/x", "@corp/x || scoped-registry:@corp http://s <env:npm_config_@corp:registry>"),
        ("env:npm_config_@corp:registry=http://s", "i foo", "foo"),
        ("file:/project/.npmrc=; c\nregistry=${REG}/npm/\n@a:registry = \"http://a\"\n[sec]\nregistry=http://no | env:REG=http://x", "i foo", "foo || index:http://x/npm/ </project/.npmrc:2> | scoped-registry:@a http://a </project/.npmrc:3>"),
        ("file:/project/.npmrc=registry=${NOPE}\n@b:registry=${NOPE?}x", "i foo", "foo || index:${NOPE} </project/.npmrc:1> | scoped-registry:@b x </project/.npmrc:2>"),
        ("file:/project/.npmrc=registry=http://p # comment", "i -g foo", "foo"),
        ("file:/project/.npmrc=registry=http://p # comment", "i foo", "foo || index:http://p </project/.npmrc:1>"),
        ("file:/home/user/.npmrc=registry=http://u", "i -g foo", "foo || index:http://u </home/user/.npmrc:1>"),
        ("file:/x/rc=registry=http://u", "i foo --userconfig /x/rc", "foo || index:http://u </x/rc:1>"),
        ("file:/x/rc=registry=http://u | env:npm_config_userconfig=/x/rc", "i foo", "foo || index:http://u </x/rc:1>"),
        ("file:/g/npmrc=@g:registry=http://g", "i foo --globalconfig /g/npmrc", "foo || scoped-registry:@g http://g </g/npmrc:1>"),
        ("", "ls --registry http://r", "PASS"),
        ("", "exec --registry=http://r cowsay", "cowsay || index:http://r"),
    ];

    #[test]
    fn sources() {
        let bad: Vec<String> = SOURCES
            .iter()
            .filter_map(|(setup, a, want)| {
                let mut w = MemWorld::new();
                for item in setup.split(" | ").filter(|s| !s.is_empty()) {
                    if let Some(rest) = item.strip_prefix("file:") {
                        let (p, c) = rest.split_once('=').unwrap();
                        w = w.file(p, c);
                    } else if let Some(rest) = item.strip_prefix("env:") {
                        let (k, v) = rest.split_once('=').unwrap();
                        w = w.env(k, v);
                    }
                }
                let got = render(&parse(&argv(a), &w));
                (!matches(&got, want))
                    .then(|| format!("[{setup}] `{a}`:\n  got  `{got}`\n  want `{want}`"))
            })
            .collect();
        assert!(
            bad.is_empty(),
            "{} mismatches:\n{}",
            bad.len(),
            bad.join("\n")
        );
    }

    #[test]
    fn request_shape() {
        let r = parse_npx(&argv("cowsay"), &MemWorld::new()).unwrap();
        assert_eq!(
            (r.program.as_str(), r.manager, r.installs),
            ("npx", Manager::Npm, true)
        );
        assert_eq!(r.targets[0].origin, Origin::Argv);
        let r = parse(&argv("ls"), &MemWorld::new()).unwrap();
        assert_eq!(r, Request::pass_through("npm", Manager::Npm));
    }

    const TRICKY: &[&str] = &[
        "-",
        "--",
        "---",
        "-=",
        "--=",
        "=",
        "-g",
        "-w",
        "--prefix",
        "--registry",
        "--no-",
        "--no-no-",
        "i",
        "install",
        "ci",
        "exec",
        "x",
        "init",
        "link",
        "update",
        "audit",
        "fix",
        "-p",
        "-c",
        "--package",
        "npm:",
        "@",
        "@/",
        "a@npm:",
        "git+ssh://",
        "github:",
        "é",
        "—",
        "-é",
        "${",
        "\\${X}",
        "true",
        "false",
        "null",
        "'",
        "--constructor",
        "--__proto__",
        "user/",
        "/",
        "~",
        "file:",
        ".",
        "..",
        "#",
        "%",
        "%zz",
    ];

    proptest! {
        #[test]
        fn never_panics(
            toks in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(TRICKY).prop_map(str::to_string),
                    proptest::collection::vec(any::<char>(), 0..8).prop_map(|v| v.into_iter().collect::<String>()),
                ],
                0..8,
            )
        ) {
            let w = MemWorld::new()
                .file("/project/package.json", PJ)
                .file("/project/package-lock.json", LOCK)
                .file("/project/.npmrc", "registry=${R}\n@a:registry=x");
            let _ = parse(&toks, &w);
            let _ = parse_npx(&toks, &w);
            for t in &toks {
                let _ = npa(t);
                let _ = env_replace(t, &w);
                let _ = ini_unsafe(t);
            }
        }
    }
}
