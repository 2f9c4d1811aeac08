//! npm's option parsing: nopt 9 with @npmcli/config's types and shorthands (tables copied from
//! npm 11.19.1), and npx-cli.js's argv rewrite. Pure; knows nothing about what commands do.

/// nopt type of a config key.
#[derive(Clone, Copy)]
enum OptType {
    Bool,
    Str,
    /// path, url, Number, Date, semver, Umask: always consumes the next token.
    Other,
    /// A list of allowed types/values.
    AnyOf(&'static [TypeItem]),
}

/// One element of a type list.
#[derive(Clone, Copy, PartialEq)]
enum TypeItem {
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
pub(super) enum OptValue {
    Bool(bool),
    Null,
    Str(String),
}

/// What nopt produced: positionals and every key it set, in order.
#[derive(Debug, Default)]
pub(super) struct ParsedArgs {
    pub(super) positionals: Vec<String>,
    /// Where each positional is in the input (same order as `positionals`).
    pub(super) positional_at: Vec<usize>,
    pub(super) settings: Vec<(String, OptValue)>,
    /// For each setting (same order), the first and last input arguments it was read from
    /// (`--package=x`: one; `--package x`: two).
    pub(super) spans: Vec<(usize, usize)>,
}

impl ParsedArgs {
    pub(super) fn last(&self, key: &str) -> Option<&OptValue> {
        self.settings
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    pub(super) fn flag(&self, key: &str) -> Option<bool> {
        match self.last(key)? {
            OptValue::Bool(b) => Some(*b),
            OptValue::Null => Some(false),
            OptValue::Str(s) => match s.as_str() {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
        }
    }

    pub(super) fn string(&self, key: &str) -> Option<&str> {
        match self.last(key)? {
            OptValue::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(super) fn strings(&self, key: &str) -> Vec<String> {
        self.settings
            .iter()
            .filter(|(k, _)| k == key)
            .filter_map(|(_, v)| match v {
                OptValue::Str(s) => Some(s.clone()),
                _ => None,
            })
            .collect()
    }
}

fn type_of(key: &str) -> Option<OptType> {
    TYPES.iter().find(|(k, _)| *k == key).map(|(_, t)| *t)
}

pub(super) fn shorthand(key: &str) -> Option<&'static [&'static str]> {
    SHORTHANDS.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

/// `abbrev` lookup: the word itself, or the only word it is a prefix of.
pub(super) fn abbrev<'a>(words: impl Iterator<Item = &'a str>, s: &str) -> Option<&'a str> {
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
    v.iter().map(std::string::ToString::to_string).collect()
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
    let digits = mant.chars().filter(char::is_ascii_digit).count();
    let dots = mant.chars().filter(|c| *c == '.').count();
    let mant_ok = digits > 0 && dots <= 1 && mant.chars().all(|c| c.is_ascii_digit() || c == '.');
    let exp_ok = exp.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    mant_ok && exp_ok
}

/// nopt's `parse`, for npm's definitions. Never fails: unknown options are booleans.
pub(super) fn nopt(input: &[String]) -> ParsedArgs {
    let mut args: Vec<String> = input.to_vec();
    // Where each (possibly split or expanded) argument came from in `input`.
    let mut from: Vec<usize> = (0..input.len()).collect();
    let mut cli = ParsedArgs::default();
    let mut i = 0usize;
    let mut budget = 64 * (input.len() + 4);
    while i < args.len() {
        budget = budget.saturating_sub(1);
        if budget == 0 {
            break;
        }
        let mut arg = args[i].clone();
        if is_dashes_only(&arg) {
            cli.positionals.extend(args[i + 1..].iter().cloned());
            cli.positional_at.extend(from[i + 1..].iter().copied());
            break;
        }
        if !(arg.starts_with('-') && arg.len() > 1) {
            cli.positionals.push(arg);
            cli.positional_at.push(from[i]);
            i += 1;
            continue;
        }
        let mut had_eq = false;
        if let Some(at) = arg.find('=') {
            had_eq = true;
            let v = arg[at + 1..].to_string();
            arg.truncate(at);
            args.splice(i..=i, [arg.clone(), v]);
            from.insert(i, from[i]);
        }
        if let Some(exp) = resolve_short(&arg) {
            let n = exp.len();
            args.splice(i..=i, exp);
            let at = from[i];
            from.splice(i..=i, std::iter::repeat_n(at, n));
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
        let start = from[i];
        let ty = type_of(&name);
        let arr: &[TypeItem] = match ty {
            Some(OptType::AnyOf(a)) => a,
            _ => &[],
        };
        let la = args.get(i + 1).cloned();
        let is_bool = no.is_some()
            || matches!(ty, Some(OptType::Bool))
            || arr.contains(&TypeItem::Bool)
            || (ty.is_none() && !had_eq)
            || (la.as_deref() == Some("false") && arr.contains(&TypeItem::Null));
        if is_bool {
            let mut val = OptValue::Bool(no != Some(true));
            let mut la = la;
            if let Some(l) = la.as_deref()
                && (l == "true" || l == "false")
            {
                val = OptValue::Bool((l == "true") != (no == Some(true)));
                la = None;
                i += 1;
            }
            if let Some(l) = la.filter(|l| !l.is_empty())
                && !arr.is_empty()
            {
                let d = leading_dashes(&l);
                if arr.iter().any(|e| matches!(e, TypeItem::Lit(s) if *s == l)) {
                    val = OptValue::Str(l);
                    i += 1;
                } else if l == "null" && arr.contains(&TypeItem::Null) {
                    val = OptValue::Null;
                    i += 1;
                } else if (!(d >= 2 && l.len() > d)
                    && js_numeric(&l)
                    && arr.contains(&TypeItem::Num))
                    || (!(d == 1 && l.len() > 1) && arr.contains(&TypeItem::Str))
                {
                    val = OptValue::Str(l);
                    i += 1;
                }
            }
            cli.settings.push((name, val));
            cli.spans.push((start, from[i.min(from.len() - 1)]));
            i += 1;
            continue;
        }
        let mut la = la;
        let mut consumed = true;
        if matches!(ty, Some(OptType::Str)) {
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
        let val = la.map_or(OptValue::Bool(true), OptValue::Str);
        let end = if consumed {
            from.get(i + 1).copied().unwrap_or(start)
        } else {
            start
        };
        cli.settings.push((name, val));
        cli.spans.push((start, end));
        i += if consumed { 2 } else { 1 };
    }
    cli
}

/// npx-cli.js: turn `npx ARGS` into the argv `npm exec` sees (without the leading `exec`).
pub(super) fn npx_rewrite(input: &[String]) -> Vec<String> {
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
            || matches!(type_of(k), Some(OptType::Bool))
            || matches!(type_of(k), Some(OptType::AnyOf(a)) if a.contains(&TypeItem::Bool))
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
// Tables copied from npm 11.19.1 (@npmcli/config definitions and shorthands, lib/utils/cmd-list.js)
// ---------------------------------------------------------------------------------------------

const TYPES: &[(&str, OptType)] = &[
    ("_auth", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    (
        "access",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("restricted"),
            TypeItem::Lit("public"),
            TypeItem::Lit("private"),
        ]),
    ),
    ("all", OptType::Bool),
    (
        "allow-directory",
        OptType::AnyOf(&[
            TypeItem::Lit("all"),
            TypeItem::Lit("none"),
            TypeItem::Lit("root"),
        ]),
    ),
    (
        "allow-file",
        OptType::AnyOf(&[
            TypeItem::Lit("all"),
            TypeItem::Lit("none"),
            TypeItem::Lit("root"),
        ]),
    ),
    (
        "allow-git",
        OptType::AnyOf(&[
            TypeItem::Lit("all"),
            TypeItem::Lit("none"),
            TypeItem::Lit("root"),
        ]),
    ),
    (
        "allow-remote",
        OptType::AnyOf(&[
            TypeItem::Lit("all"),
            TypeItem::Lit("none"),
            TypeItem::Lit("root"),
        ]),
    ),
    ("allow-same-version", OptType::Bool),
    (
        "allow-scripts",
        OptType::AnyOf(&[TypeItem::Str, TypeItem::Array]),
    ),
    ("allow-scripts-pending", OptType::Bool),
    ("allow-scripts-pin", OptType::Bool),
    (
        "also",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("dev"),
            TypeItem::Lit("development"),
        ]),
    ),
    ("audit", OptType::Bool),
    (
        "audit-level",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("info"),
            TypeItem::Lit("low"),
            TypeItem::Lit("moderate"),
            TypeItem::Lit("high"),
            TypeItem::Lit("critical"),
            TypeItem::Lit("none"),
        ]),
    ),
    (
        "auth-type",
        OptType::AnyOf(&[TypeItem::Lit("legacy"), TypeItem::Lit("web")]),
    ),
    ("before", OptType::AnyOf(&[TypeItem::Null, TypeItem::Other])),
    ("bin-links", OptType::Bool),
    (
        "browser",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool, TypeItem::Str]),
    ),
    ("bypass-2fa", OptType::Bool),
    (
        "ca",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str, TypeItem::Array]),
    ),
    ("cache", OptType::Other),
    ("cache-max", OptType::Other),
    ("cache-min", OptType::Other),
    ("cafile", OptType::Other),
    ("call", OptType::Str),
    ("cert", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    (
        "cidr",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str, TypeItem::Array]),
    ),
    (
        "color",
        OptType::AnyOf(&[TypeItem::Lit("always"), TypeItem::Bool]),
    ),
    ("commit-hooks", OptType::Bool),
    ("cpu", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("dangerously-allow-all-scripts", OptType::Bool),
    ("depth", OptType::AnyOf(&[TypeItem::Null, TypeItem::Num])),
    ("description", OptType::Bool),
    ("dev", OptType::Bool),
    ("diff", OptType::AnyOf(&[TypeItem::Str, TypeItem::Array])),
    ("diff-dst-prefix", OptType::Str),
    ("diff-ignore-all-space", OptType::Bool),
    ("diff-name-only", OptType::Bool),
    ("diff-no-prefix", OptType::Bool),
    ("diff-src-prefix", OptType::Str),
    ("diff-text", OptType::Bool),
    ("diff-unified", OptType::Other),
    ("dry-run", OptType::Bool),
    ("editor", OptType::Str),
    ("engine-strict", OptType::Bool),
    (
        "expect-result-count",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Num]),
    ),
    (
        "expect-results",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool]),
    ),
    ("expires", OptType::AnyOf(&[TypeItem::Null, TypeItem::Num])),
    ("fetch-retries", OptType::Other),
    ("fetch-retry-factor", OptType::Other),
    ("fetch-retry-maxtimeout", OptType::Other),
    ("fetch-retry-mintimeout", OptType::Other),
    ("fetch-timeout", OptType::Other),
    ("force", OptType::Bool),
    ("foreground-scripts", OptType::Bool),
    ("format-package-lock", OptType::Bool),
    ("fund", OptType::Bool),
    ("git", OptType::Str),
    ("git-tag-version", OptType::Bool),
    ("global", OptType::Bool),
    ("global-style", OptType::Bool),
    ("globalconfig", OptType::Other),
    ("heading", OptType::Str),
    (
        "https-proxy",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Other]),
    ),
    ("if-present", OptType::Bool),
    ("ignore-scripts", OptType::Bool),
    (
        "include",
        OptType::AnyOf(&[
            TypeItem::Array,
            TypeItem::Lit("prod"),
            TypeItem::Lit("dev"),
            TypeItem::Lit("optional"),
            TypeItem::Lit("peer"),
        ]),
    ),
    ("include-attestations", OptType::Bool),
    ("include-staged", OptType::Bool),
    ("include-workspace-root", OptType::Bool),
    ("init-author-email", OptType::Str),
    ("init-author-name", OptType::Str),
    (
        "init-author-url",
        OptType::AnyOf(&[TypeItem::Lit(""), TypeItem::Other]),
    ),
    ("init-license", OptType::Str),
    ("init-module", OptType::Other),
    ("init-private", OptType::Bool),
    ("init-type", OptType::Str),
    ("init-version", OptType::Other),
    ("init.author.email", OptType::Str),
    ("init.author.name", OptType::Str),
    (
        "init.author.url",
        OptType::AnyOf(&[TypeItem::Lit(""), TypeItem::Other]),
    ),
    ("init.license", OptType::Str),
    ("init.module", OptType::Other),
    ("init.version", OptType::Other),
    ("install-links", OptType::Bool),
    (
        "install-strategy",
        OptType::AnyOf(&[
            TypeItem::Lit("hoisted"),
            TypeItem::Lit("nested"),
            TypeItem::Lit("shallow"),
            TypeItem::Lit("linked"),
        ]),
    ),
    ("json", OptType::Bool),
    ("key", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("legacy-bundling", OptType::Bool),
    ("legacy-peer-deps", OptType::Bool),
    ("libc", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("link", OptType::Bool),
    (
        "local-address",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("127.0.0.1"),
            TypeItem::Lit("::1"),
            TypeItem::Lit("192.0.2.2"),
            TypeItem::Lit("fd00::2"),
            TypeItem::Lit("fe80::fc:ff:fe00:1"),
        ]),
    ),
    (
        "location",
        OptType::AnyOf(&[
            TypeItem::Lit("global"),
            TypeItem::Lit("user"),
            TypeItem::Lit("project"),
        ]),
    ),
    (
        "lockfile-version",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Other,
            TypeItem::Other,
            TypeItem::Other,
            TypeItem::Lit("1"),
            TypeItem::Lit("2"),
            TypeItem::Lit("3"),
        ]),
    ),
    (
        "loglevel",
        OptType::AnyOf(&[
            TypeItem::Lit("silent"),
            TypeItem::Lit("error"),
            TypeItem::Lit("warn"),
            TypeItem::Lit("notice"),
            TypeItem::Lit("http"),
            TypeItem::Lit("info"),
            TypeItem::Lit("verbose"),
            TypeItem::Lit("silly"),
        ]),
    ),
    (
        "logs-dir",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Other]),
    ),
    ("logs-max", OptType::Other),
    ("long", OptType::Bool),
    ("maxsockets", OptType::Other),
    ("message", OptType::Str),
    (
        "min-release-age",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Num]),
    ),
    (
        "min-release-age-exclude",
        OptType::AnyOf(&[TypeItem::Array, TypeItem::Str]),
    ),
    ("name", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("node-gyp", OptType::Other),
    (
        "node-options",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str]),
    ),
    ("noproxy", OptType::AnyOf(&[TypeItem::Str, TypeItem::Array])),
    ("offline", OptType::Bool),
    (
        "omit",
        OptType::AnyOf(&[
            TypeItem::Array,
            TypeItem::Lit("dev"),
            TypeItem::Lit("optional"),
            TypeItem::Lit("peer"),
        ]),
    ),
    ("omit-lockfile-registry-resolved", OptType::Bool),
    (
        "only",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("prod"),
            TypeItem::Lit("production"),
        ]),
    ),
    (
        "optional",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool]),
    ),
    (
        "orgs",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str, TypeItem::Array]),
    ),
    (
        "orgs-permission",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("read-only"),
            TypeItem::Lit("read-write"),
            TypeItem::Lit("no-access"),
        ]),
    ),
    ("os", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("otp", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("pack-destination", OptType::Str),
    ("package", OptType::AnyOf(&[TypeItem::Str, TypeItem::Array])),
    ("package-lock", OptType::Bool),
    ("package-lock-only", OptType::Bool),
    (
        "packages",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str, TypeItem::Array]),
    ),
    ("packages-all", OptType::Bool),
    (
        "packages-and-scopes-permission",
        OptType::AnyOf(&[
            TypeItem::Null,
            TypeItem::Lit("read-only"),
            TypeItem::Lit("read-write"),
            TypeItem::Lit("no-access"),
        ]),
    ),
    ("parseable", OptType::Bool),
    ("password", OptType::AnyOf(&[TypeItem::Null, TypeItem::Str])),
    ("prefer-dedupe", OptType::Bool),
    ("prefer-offline", OptType::Bool),
    ("prefer-online", OptType::Bool),
    ("prefix", OptType::Other),
    ("preid", OptType::Str),
    (
        "production",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool]),
    ),
    ("progress", OptType::Bool),
    ("provenance", OptType::Bool),
    ("provenance-file", OptType::Other),
    (
        "proxy",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Other, TypeItem::Other]),
    ),
    ("read-only", OptType::Bool),
    ("rebuild-bundle", OptType::Bool),
    ("registry", OptType::Other),
    (
        "replace-registry-host",
        OptType::AnyOf(&[
            TypeItem::Lit("npmjs"),
            TypeItem::Lit("never"),
            TypeItem::Lit("always"),
            TypeItem::Str,
        ]),
    ),
    ("save", OptType::Bool),
    ("save-bundle", OptType::Bool),
    ("save-dev", OptType::Bool),
    ("save-exact", OptType::Bool),
    ("save-optional", OptType::Bool),
    ("save-peer", OptType::Bool),
    ("save-prefix", OptType::Str),
    ("save-prod", OptType::Bool),
    (
        "sbom-format",
        OptType::AnyOf(&[TypeItem::Lit("cyclonedx"), TypeItem::Lit("spdx")]),
    ),
    (
        "sbom-type",
        OptType::AnyOf(&[
            TypeItem::Lit("library"),
            TypeItem::Lit("application"),
            TypeItem::Lit("framework"),
        ]),
    ),
    ("scope", OptType::Str),
    (
        "scopes",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str, TypeItem::Array]),
    ),
    (
        "script-shell",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str]),
    ),
    ("searchexclude", OptType::Str),
    ("searchlimit", OptType::Other),
    ("searchopts", OptType::Str),
    ("searchstaleness", OptType::Other),
    ("shell", OptType::Str),
    ("shrinkwrap", OptType::Bool),
    ("sign-git-commit", OptType::Bool),
    ("sign-git-tag", OptType::Bool),
    ("strict-allow-scripts", OptType::Bool),
    ("strict-peer-deps", OptType::Bool),
    ("strict-ssl", OptType::Bool),
    ("tag", OptType::Str),
    ("tag-version-prefix", OptType::Str),
    ("timing", OptType::Bool),
    (
        "token-description",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Str]),
    ),
    ("umask", OptType::Other),
    ("unicode", OptType::Bool),
    ("update-notifier", OptType::Bool),
    ("usage", OptType::Bool),
    ("user-agent", OptType::Str),
    ("userconfig", OptType::Other),
    ("version", OptType::Bool),
    ("versions", OptType::Bool),
    ("viewer", OptType::Str),
    ("which", OptType::AnyOf(&[TypeItem::Null, TypeItem::Num])),
    (
        "workspace",
        OptType::AnyOf(&[TypeItem::Str, TypeItem::Array]),
    ),
    (
        "workspaces",
        OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool]),
    ),
    ("workspaces-update", OptType::Bool),
    ("yes", OptType::AnyOf(&[TypeItem::Null, TypeItem::Bool])),
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
