//! Policy text → one [`Layer`] plus every diagnostic in it, each with line and column. Pure:
//! takes the text and a display name. Knows the schema (kebab-case keys; unknown keys are
//! errors, with a "did you mean"); does not know what other layers say (that is `merge`).

use toml_edit::{Document, Item, Key, TableLike};

use super::diag::{At, Diagnostic, hint};
use super::{
    Action, Exception, Layer, LayerKind, Set, Value, parse_date, parse_duration, parse_size, purl,
};

/// The shape of a setting's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `allow` | `warn` | `block`.
    Action,
    /// `block` | `allow`.
    NonInteractive,
    Bool,
    Duration,
    Size,
    Text,
    UrlList,
    TapList,
    /// One of these words, listed from the loosest to the strictest.
    Choice(&'static [&'static str]),
}

/// `[scripts] dependencies` and `project`: what install-time code not yet allowed gets.
pub const SCRIPT_MODES: &[&str] = &["allow", "warn", "off", "block"];
/// `[scripts] non-interactive`: script warnings without a terminal (no one to ask).
pub const SCRIPT_NON_INTERACTIVE: &[&str] = &["allow", "off", "block"];
/// `[watch] on-finding`.
pub const ON_FINDING: &[&str] = &["report", "fail"];

/// Which direction tightens a setting, for project files that may only tighten.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tight {
    /// A higher action (allow < warn < block), or a longer duration.
    Higher,
    /// A smaller number.
    Lower,
    /// `true` tightens.
    True,
    /// `false` tightens.
    False,
    /// A list that only removes entries from the one in effect.
    Subset,
    /// A project file may not set it at all.
    Never,
}

pub struct Spec {
    pub key: &'static str,
    pub kind: Kind,
    pub tight: Tight,
}

const fn spec(key: &'static str, kind: Kind, tight: Tight) -> Spec {
    Spec { key, kind, tight }
}

/// Every setting outside `[packages]`, `[[exceptions]]` and `lock`.
pub const SETTINGS: &[Spec] = &[
    spec("rules.malicious", Kind::Action, Tight::Higher),
    spec("rules.imitation", Kind::Action, Tight::Higher),
    spec("rules.unchecked-source", Kind::Action, Tight::Higher),
    spec("rules.deny-list", Kind::Action, Tight::Higher),
    spec("rules.unknown-registry", Kind::Action, Tight::Higher),
    spec("rules.unpinned-version", Kind::Action, Tight::Higher),
    spec("rules.stale-data", Kind::Action, Tight::Higher),
    spec("rules.new-package", Kind::Action, Tight::Higher),
    spec("rules.new-version", Kind::Action, Tight::Higher),
    spec("rules.unknown-package", Kind::Action, Tight::Higher),
    spec("rules.registry-flagged", Kind::Action, Tight::Higher),
    spec("rules.registry-unavailable", Kind::Action, Tight::Higher),
    spec("rules.hidden-dependencies", Kind::Action, Tight::Higher),
    spec("rules.lockfile-mismatch", Kind::Action, Tight::Higher),
    spec("rules.unresolved", Kind::Action, Tight::Higher),
    spec("rules.build-from-source", Kind::Action, Tight::Higher),
    spec("sources.pypi", Kind::UrlList, Tight::Subset),
    spec("sources.npm", Kind::UrlList, Tight::Subset),
    spec("sources.brew", Kind::UrlList, Tight::Subset),
    spec("sources.brew-taps", Kind::TapList, Tight::Subset),
    spec(
        "prompt.non-interactive",
        Kind::NonInteractive,
        Tight::Higher,
    ),
    spec("prompt.allow-exceptions", Kind::Bool, Tight::False),
    spec("prompt.allow-bypass", Kind::Bool, Tight::False),
    spec("data.max-age", Kind::Duration, Tight::Lower),
    spec("data.feed", Kind::Text, Tight::Never),
    spec("data.auto-update", Kind::Duration, Tight::Never),
    spec("audit.syslog", Kind::Text, Tight::Never),
    spec("audit.required", Kind::Bool, Tight::True),
    spec("audit.require-delivery", Kind::Bool, Tight::True),
    spec("audit.max-size", Kind::Size, Tight::Never),
    spec("signals.enabled", Kind::Bool, Tight::True),
    spec("signals.registries", Kind::UrlList, Tight::Never),
    spec("signals.new-package-age", Kind::Duration, Tight::Higher),
    spec("signals.new-version-age", Kind::Duration, Tight::Higher),
    spec("resolve.enabled", Kind::Bool, Tight::True),
    spec("resolve.timeout", Kind::Duration, Tight::Never),
    spec(
        "scripts.dependencies",
        Kind::Choice(SCRIPT_MODES),
        Tight::Higher,
    ),
    spec("scripts.project", Kind::Choice(SCRIPT_MODES), Tight::Higher),
    spec(
        "scripts.non-interactive",
        Kind::Choice(SCRIPT_NON_INTERACTIVE),
        Tight::Higher,
    ),
    spec("watch.enabled", Kind::Bool, Tight::True),
    spec("watch.on-finding", Kind::Choice(ON_FINDING), Tight::Higher),
];

/// Lists in `[scripts]` that add up across layers like `[packages] allow` (and, like it, may
/// not come from a project file, the environment or the command line).
pub const SCRIPT_LISTS: &[&str] = &["allow", "projects"];

pub fn spec_of(key: &str) -> Option<&'static Spec> {
    SETTINGS.iter().find(|s| s.key == key)
}

const TOP: &[&str] = &[
    "packages",
    "exceptions",
    "lock",
    "rules",
    "sources",
    "prompt",
    "data",
    "audit",
    "signals",
    "resolve",
    "scripts",
    "watch",
];
const SECTIONS: &[&str] = &[
    "rules", "sources", "prompt", "data", "audit", "signals", "resolve", "scripts", "watch",
];

/// Everything the machine policy can name in `lock`.
pub fn lockable() -> Vec<&'static str> {
    let mut v: Vec<&'static str> = vec![
        "packages",
        "packages.allow",
        "exceptions",
        "scripts.allow",
        "scripts.projects",
    ];
    v.extend_from_slice(SECTIONS);
    v.extend(SETTINGS.iter().map(|s| s.key));
    v
}

/// Byte offsets → lines and columns of one text.
struct Text<'a> {
    name: &'a str,
    src: &'a str,
    starts: Vec<usize>,
}

impl<'a> Text<'a> {
    fn new(name: &'a str, src: &'a str) -> Text<'a> {
        let mut starts = vec![0];
        starts.extend(src.match_indices('\n').map(|(i, _)| i + 1));
        Text { name, src, starts }
    }

    /// The largest char boundary at or below `i` (spans come from a third-party parser).
    fn floor(&self, i: usize) -> usize {
        let mut i = i.min(self.src.len());
        while !self.src.is_char_boundary(i) {
            i -= 1;
        }
        i
    }

    fn at(&self, span: Option<std::ops::Range<usize>>) -> At {
        let Some(span) = span else {
            return At::file(self.name);
        };
        let span = self.floor(span.start)..self.floor(span.end.max(span.start));
        let line = self.starts.partition_point(|&s| s <= span.start).max(1);
        let start = self.starts[line - 1];
        let end = self.src[start..]
            .find('\n')
            .map_or(self.src.len(), |i| start + i);
        let text = self.src[start..end].trim_end_matches('\r');
        let col = self.src[start..span.start.min(end)].chars().count() + 1;
        let len = self.src[span.start.min(end)..span.end.min(end).max(span.start.min(end))]
            .chars()
            .count();
        At {
            file: self.name.to_string(),
            line: line as u32,
            col: col as u32,
            len: len.max(1) as u32,
            text: text.to_string(),
        }
    }
}

fn type_name(item: &Item) -> &'static str {
    match item {
        Item::None => "nothing",
        Item::Table(_) => "a table",
        Item::ArrayOfTables(_) => "an array of tables",
        Item::Value(v) => match v {
            toml_edit::Value::String(_) => "a string",
            toml_edit::Value::Integer(_) => "an integer",
            toml_edit::Value::Float(_) => "a float",
            toml_edit::Value::Boolean(_) => "a boolean",
            toml_edit::Value::Datetime(_) => "a date",
            toml_edit::Value::Array(_) => "an array",
            toml_edit::Value::InlineTable(_) => "a table",
        },
    }
}

struct Parser<'a> {
    text: Text<'a>,
    layer: Layer,
    diags: Vec<Diagnostic>,
}

/// Parse one policy text. Every problem is reported; the layer holds what was valid.
pub fn parse(src: &str, name: &str, kind: LayerKind) -> (Layer, Vec<Diagnostic>) {
    let mut p = Parser {
        text: Text::new(name, src),
        layer: Layer::empty(kind, name),
        diags: Vec::new(),
    };
    // The TOML parser is third-party code on hostile input (a project file comes with any
    // cloned repository): a panic inside it is an error naming this file, never a crash.
    match crate::contain::contain(|| {
        #[cfg(test)]
        tests::panic_seam(src);
        Document::parse(src)
    }) {
        Ok(Ok(doc)) => p.root(doc.as_table()),
        Ok(Err(e)) => {
            let at = p.text.at(e.span());
            let msg = e.message().trim().replace('\n', "; ");
            p.diags
                .push(Diagnostic::error(&at, format!("not valid TOML: {msg}")));
        }
        Err(panic) => p.diags.push(Diagnostic::error(
            &At::file(name),
            format!(
                "cannot be read: the TOML parser failed on it ({panic}; a bug in installguard's \
                 TOML library, please report it with the file). Fix or remove the file"
            ),
        )),
    }
    (p.layer, p.diags)
}

/// Overrides from the environment or the command line: `key=value` entries, one per line of
/// the synthetic text (so diagnostics name the entry as its line). A value that is not TOML is
/// taken as a string: `rules.imitation=block`.
pub fn parse_overrides(
    entries: &[String],
    name: &str,
    kind: LayerKind,
) -> (Layer, Vec<Diagnostic>) {
    let lines: Vec<String> = entries
        .iter()
        .map(|e| {
            let e = e.trim();
            if crate::contain::contain(|| Document::parse(e).is_ok()).unwrap_or(false) {
                return e.to_string();
            }
            match e.split_once('=') {
                Some((k, v)) => format!(
                    "{k}=\"{}\"",
                    v.trim().replace('\\', "\\\\").replace('"', "\\\"")
                ),
                None => e.to_string(),
            }
        })
        .collect();
    parse(&lines.join("\n"), name, kind)
}

impl Parser<'_> {
    fn key_at(&self, key: Option<&Key>) -> At {
        self.text.at(key.and_then(Key::span))
    }

    fn item_at(&self, key: Option<&Key>, item: &Item) -> At {
        match item.span() {
            Some(s) => self.text.at(Some(s)),
            None => self.key_at(key),
        }
    }

    fn error(&mut self, at: &At, msg: impl Into<String>) {
        self.diags.push(Diagnostic::error(at, msg));
    }

    fn root(&mut self, root: &toml_edit::Table) {
        for (name, item) in root {
            let key = root.key(name);
            match name {
                "packages" => self.packages(key, item),
                "exceptions" => self.exceptions(key, item),
                "lock" => self.locks(key, item),
                s if SECTIONS.contains(&s) => self.section(s, key, item),
                other => {
                    let at = self.key_at(key);
                    self.error(
                        &at,
                        format!("unknown key `{other}` at the top level{}", hint(other, TOP)),
                    );
                }
            }
        }
    }

    fn table<'i>(
        &mut self,
        name: &str,
        key: Option<&Key>,
        item: &'i Item,
    ) -> Option<&'i dyn TableLike> {
        match item.as_table_like() {
            Some(t) => Some(t),
            None => {
                let at = self.item_at(key, item);
                self.error(
                    &at,
                    format!(
                        "`{name}` must be a table (`[{name}]`), not {}",
                        type_name(item)
                    ),
                );
                None
            }
        }
    }

    fn section(&mut self, section: &str, key: Option<&Key>, item: &Item) {
        let Some(t) = self.table(section, key, item) else {
            return;
        };
        let mut known: Vec<&str> = SETTINGS
            .iter()
            .filter_map(|s| s.key.strip_prefix(section)?.strip_prefix('.'))
            .collect();
        if section == "scripts" {
            known.extend(SCRIPT_LISTS);
        }
        for (name, item) in t.iter() {
            let (k, _) = t.get_key_value(name).expect("key of its own table");
            let full = format!("{section}.{name}");
            if section == "scripts" && name == "allow" {
                self.script_allow(k, item);
                continue;
            }
            if section == "scripts" && name == "projects" {
                self.script_projects(k, item);
                continue;
            }
            match spec_of(&full) {
                Some(spec) => {
                    if let Some(v) = self.value(&full, spec.kind, Some(k), item) {
                        let at = self.item_at(Some(k), item);
                        self.layer.settings.push((
                            full,
                            Set {
                                value: v,
                                at,
                                layer: self.layer.kind,
                            },
                        ));
                    }
                }
                None => {
                    let at = self.key_at(Some(k));
                    let list = known.join(", ");
                    self.error(
                        &at,
                        format!(
                            "unknown key `{name}` in [{section}] (expected one of: {list}){}",
                            hint(name, &known)
                        ),
                    );
                }
            }
        }
    }

    fn string<'i>(&mut self, what: &str, key: Option<&Key>, item: &'i Item) -> Option<&'i str> {
        match item.as_str() {
            Some(s) => Some(s),
            None => {
                let at = self.item_at(key, item);
                self.error(
                    &at,
                    format!("`{what}` must be a string, not {}", type_name(item)),
                );
                None
            }
        }
    }

    fn value(&mut self, full: &str, kind: Kind, key: Option<&Key>, item: &Item) -> Option<Value> {
        let at = self.item_at(key, item);
        match kind {
            Kind::Action | Kind::NonInteractive => {
                let choices: &[&str] = if kind == Kind::Action {
                    &["allow", "warn", "block"]
                } else {
                    &["block", "allow"]
                };
                let expected = if kind == Kind::Action {
                    "\"allow\", \"warn\" or \"block\""
                } else {
                    "\"block\" or \"allow\""
                };
                let Some(s) = item.as_str() else {
                    self.error(
                        &at,
                        format!("`{full}` must be {expected}, not {}", type_name(item)),
                    );
                    return None;
                };
                match s {
                    "allow" => Some(Value::Action(Action::Allow)),
                    "warn" if kind == Kind::Action => Some(Value::Action(Action::Warn)),
                    "block" => Some(Value::Action(Action::Block)),
                    other => {
                        self.error(
                            &at,
                            format!(
                                "`{full}` must be {expected}, not \"{other}\"{}",
                                hint(other, choices)
                            ),
                        );
                        None
                    }
                }
            }
            Kind::Choice(choices) => {
                let expected = match choices {
                    [a, b] => format!("\"{a}\" or \"{b}\""),
                    _ => {
                        let (last, rest) = choices.split_last().expect("choices");
                        format!(
                            "{} or \"{last}\"",
                            rest.iter()
                                .map(|c| format!("\"{c}\""))
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                    }
                };
                let Some(s) = item.as_str() else {
                    self.error(
                        &at,
                        format!("`{full}` must be {expected}, not {}", type_name(item)),
                    );
                    return None;
                };
                match choices.iter().position(|c| *c == s) {
                    Some(rank) => Some(Value::Choice(rank as u8, s.to_string())),
                    None => {
                        self.error(
                            &at,
                            format!(
                                "`{full}` must be {expected}, not \"{s}\"{}",
                                hint(s, choices)
                            ),
                        );
                        None
                    }
                }
            }
            Kind::Bool => match item.as_bool() {
                Some(b) => Some(Value::Bool(b)),
                None => {
                    self.error(
                        &at,
                        format!("`{full}` must be true or false, not {}", type_name(item)),
                    );
                    None
                }
            },
            Kind::Duration => {
                let s = self.string(full, key, item)?;
                match parse_duration(s) {
                    Some(n) if n > 0 => Some(Value::Secs(n, s.to_string())),
                    _ => {
                        self.error(
                            &at,
                            format!("`{full}` = \"{s}\" is not a duration: write a number and a unit, like \"30d\", \"12h\" or \"2w\""),
                        );
                        None
                    }
                }
            }
            Kind::Size => {
                if let Some(n) = item.as_integer() {
                    return match u64::try_from(n) {
                        Ok(b) if b > 0 => Some(Value::Bytes(b, n.to_string())),
                        _ => {
                            self.error(&at, format!("`{full}` must be a positive size"));
                            None
                        }
                    };
                }
                let s = self.string(full, key, item)?;
                match parse_size(s) {
                    Some(n) if n > 0 => Some(Value::Bytes(n, s.to_string())),
                    _ => {
                        self.error(
                            &at,
                            format!("`{full}` = \"{s}\" is not a size: write bytes or a number and a unit, like \"10MiB\""),
                        );
                        None
                    }
                }
            }
            Kind::Text => {
                let s = self.string(full, key, item)?;
                if full == "data.feed"
                    && !s.is_empty()
                    && !s.starts_with("https://")
                    && !s.starts_with("http://127.")
                    && !s.starts_with("http://localhost")
                {
                    self.error(
                        &at,
                        format!("`{full}` = \"{s}\" must be an https:// URL (plain http only for loopback)"),
                    );
                }
                if full == "audit.syslog"
                    && !s.is_empty()
                    && !["udp://", "tcp://", "unix://"]
                        .iter()
                        .any(|p| s.starts_with(p))
                {
                    self.error(
                        &at,
                        format!("`{full}` = \"{s}\" must start with udp://, tcp:// or unix:// (or be \"\" for off)"),
                    );
                    return None;
                }
                Some(Value::Text(s.to_string()))
            }
            Kind::UrlList | Kind::TapList => {
                let entries = self.strings(full, key, item)?;
                let mut out = Vec::new();
                for (s, at) in entries {
                    let ok = if kind == Kind::UrlList {
                        let lower = s.to_ascii_lowercase();
                        (lower.starts_with("https://") || lower.starts_with("http://"))
                            && url_host_path(&s).is_some_and(|h| !h.starts_with('/'))
                    } else {
                        let parts: Vec<&str> = s.split('/').collect();
                        parts.len() == 2 && parts.iter().all(|p| !p.is_empty())
                    };
                    if !ok {
                        let want = if kind == Kind::UrlList {
                            "an http(s) URL like \"https://pypi.org/simple\""
                        } else {
                            "a tap like \"homebrew/core\" (user/repo)"
                        };
                        self.error(&at, format!("`{full}`: \"{s}\" is not {want}"));
                        continue;
                    }
                    if out.contains(&s) {
                        self.diags.push(Diagnostic::warning(
                            &at,
                            format!("`{full}`: \"{s}\" is listed twice"),
                        ));
                        continue;
                    }
                    out.push(s);
                }
                Some(Value::List(out))
            }
        }
    }

    /// An array of strings, each with its place.
    fn strings(&mut self, what: &str, key: Option<&Key>, item: &Item) -> Option<Vec<(String, At)>> {
        let Some(arr) = item.as_array() else {
            let at = self.item_at(key, item);
            self.error(
                &at,
                format!(
                    "`{what}` must be an array of strings, not {}",
                    type_name(item)
                ),
            );
            return None;
        };
        let mut out = Vec::new();
        for v in arr {
            let at = self.text.at(v.span());
            match v.as_str() {
                Some(s) => out.push((s.to_string(), at)),
                None => self.error(
                    &at,
                    format!(
                        "`{what}` must hold strings only, not {}",
                        type_name(&Item::Value(v.clone()))
                    ),
                ),
            }
        }
        Some(out)
    }

    fn packages(&mut self, key: Option<&Key>, item: &Item) {
        let Some(t) = self.table("packages", key, item) else {
            return;
        };
        for (name, item) in t.iter() {
            let (k, _) = t.get_key_value(name).expect("own key");
            let deny = match name {
                "deny" => true,
                "allow" => false,
                other => {
                    let at = self.key_at(Some(k));
                    self.error(
                        &at,
                        format!(
                            "unknown key `{other}` in [packages] (expected deny or allow){}",
                            hint(other, &["deny", "allow"])
                        ),
                    );
                    continue;
                }
            };
            let Some(entries) = self.strings(&format!("packages.{name}"), Some(k), item) else {
                continue;
            };
            for (s, at) in entries {
                match purl::parse(&s) {
                    Ok(p) => {
                        let list = if deny {
                            &self.layer.deny
                        } else {
                            &self.layer.allow
                        };
                        if let Some(first) = list.iter().find(|e| same_pattern(&e.value, &p)) {
                            let msg = format!(
                                "`{s}` is listed twice in packages.{name} (first at line {})",
                                first.at.line
                            );
                            self.diags.push(Diagnostic::warning(&at, msg));
                            continue;
                        }
                        let other = if deny {
                            &self.layer.allow
                        } else {
                            &self.layer.deny
                        };
                        if let Some(o) = other.iter().find(|e| same_pattern(&e.value, &p)) {
                            let msg = format!(
                                "`{s}` is both denied and allowed in this file (other at line {}); the deny wins",
                                o.at.line
                            );
                            self.diags.push(Diagnostic::warning(&at, msg));
                        }
                        let set = Set {
                            value: p,
                            at,
                            layer: self.layer.kind,
                        };
                        if deny {
                            self.layer.deny.push(set);
                        } else {
                            self.layer.allow.push(set);
                        }
                    }
                    Err(e) => self.error(&at, e),
                }
            }
        }
    }

    /// `[scripts] allow`: purls whose install scripts may run.
    fn script_allow(&mut self, key: &Key, item: &Item) {
        let Some(entries) = self.strings("scripts.allow", Some(key), item) else {
            return;
        };
        for (s, at) in entries {
            match purl::parse(&s) {
                Ok(p) => {
                    if let Some(first) = self
                        .layer
                        .script_allow
                        .iter()
                        .find(|e| same_pattern(&e.value, &p))
                    {
                        let msg = format!(
                            "`{s}` is listed twice in scripts.allow (first at line {})",
                            first.at.line
                        );
                        self.diags.push(Diagnostic::warning(&at, msg));
                        continue;
                    }
                    self.layer.script_allow.push(Set {
                        value: p,
                        at,
                        layer: self.layer.kind,
                    });
                }
                Err(e) => self.error(&at, e),
            }
        }
    }

    /// `[scripts] projects`: projects whose own install-time code was approved, each
    /// `{ path = "/abs/dir", scripts = "<sha256 prefix>", approved = 2026-12-01 }`.
    fn script_projects(&mut self, key: &Key, item: &Item) {
        const KEYS: &[&str] = &["path", "scripts", "approved"];
        let Some(arr) = item.as_array() else {
            let at = self.item_at(Some(key), item);
            self.error(
                &at,
                format!(
                    "`scripts.projects` must be an array of {{ path, scripts, approved }} tables, not {}",
                    type_name(item)
                ),
            );
            return;
        };
        for v in arr {
            let at = self.text.at(v.span());
            let Some(t) = v.as_inline_table() else {
                self.error(&at, "each entry of `scripts.projects` must be a table { path = \"...\", scripts = \"...\", approved = 2026-12-01 }");
                continue;
            };
            let (mut path, mut scripts, mut approved) = (None, None, String::new());
            for (name, val) in t {
                match name {
                    "path" => match val.as_str() {
                        Some(p) if p.starts_with('/') => path = Some(p.to_string()),
                        _ => self.error(&at, "`scripts.projects`: `path` must be an absolute directory"),
                    },
                    "scripts" => match val.as_str() {
                        Some(h) if h.len() >= 16 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
                            scripts = Some(h.to_ascii_lowercase());
                        }
                        _ => self.error(&at, "`scripts.projects`: `scripts` must be the hex digest installguard wrote"),
                    },
                    "approved" => {
                        approved = match val {
                            toml_edit::Value::Datetime(d) => d.value().to_string(),
                            other => other.as_str().unwrap_or_default().to_string(),
                        }
                    }
                    other => self.error(
                        &at,
                        format!(
                            "unknown key `{other}` in a scripts.projects entry (expected path, scripts, approved){}",
                            hint(other, KEYS)
                        ),
                    ),
                }
            }
            if let (Some(path), Some(scripts)) = (path, scripts) {
                self.layer.script_projects.push(Set {
                    value: super::ProjectApproval {
                        path,
                        scripts,
                        approved,
                    },
                    at,
                    layer: self.layer.kind,
                });
            } else {
                self.error(
                    &at,
                    "a scripts.projects entry needs a path and a scripts digest",
                );
            }
        }
    }

    fn exceptions(&mut self, key: Option<&Key>, item: &Item) {
        let tables: Vec<(&dyn TableLike, Option<std::ops::Range<usize>>)> = match item {
            Item::ArrayOfTables(a) => a.iter().map(|t| (t as &dyn TableLike, t.span())).collect(),
            Item::Value(toml_edit::Value::Array(a)) => {
                let mut v = Vec::new();
                for e in a {
                    match e.as_inline_table() {
                        Some(t) => v.push((t as &dyn TableLike, e.span())),
                        None => {
                            let at = self.text.at(e.span());
                            self.error(
                                &at,
                                "each exception must be a table with package, reason and expires",
                            );
                        }
                    }
                }
                v
            }
            other => {
                let at = self.item_at(key, other);
                self.error(
                    &at,
                    format!(
                        "`exceptions` must be [[exceptions]] tables, not {}",
                        type_name(other)
                    ),
                );
                return;
            }
        };
        for (t, span) in tables {
            let head = match span {
                Some(s) => self.text.at(Some(s)),
                None => self.key_at(key),
            };
            self.exception(t, &head);
        }
    }

    fn exception(&mut self, t: &dyn TableLike, head: &At) {
        const KEYS: &[&str] = &["package", "reason", "expires"];
        let (mut package, mut reason, mut expires) = (None, None, None);
        for (name, item) in t.iter() {
            let (k, _) = t.get_key_value(name).expect("own key");
            let at = self.item_at(Some(k), item);
            match name {
                "package" => {
                    if let Some(s) = self.string("exceptions.package", Some(k), item) {
                        match purl::parse(s) {
                            Ok(p) => package = Some(p),
                            Err(e) => self.error(&at, e),
                        }
                    }
                }
                "reason" => {
                    if let Some(s) = self.string("exceptions.reason", Some(k), item) {
                        if s.trim().len() < 3 {
                            self.error(
                                &at,
                                "`exceptions.reason` must say why the exception is needed",
                            );
                        } else {
                            reason = Some(s.trim().to_string());
                        }
                    }
                }
                "expires" => {
                    let text = match item {
                        Item::Value(toml_edit::Value::Datetime(d)) => Some(d.value().to_string()),
                        _ => item.as_str().map(str::to_string),
                    };
                    match text {
                        Some(s) => match parse_date(&s) {
                            Some(t) => expires = Some((s, t + 86_400)),
                            None => self.error(
                                &at,
                                format!("`exceptions.expires` = {s} is not a date: write one like 2026-06-30"),
                            ),
                        },
                        None => self.error(
                            &at,
                            format!("`exceptions.expires` must be a date like 2026-06-30, not {}", type_name(item)),
                        ),
                    }
                }
                other => {
                    let at = self.key_at(Some(k));
                    self.error(
                        &at,
                        format!("unknown key `{other}` in [[exceptions]] (expected package, reason, expires){}", hint(other, KEYS)),
                    );
                }
            }
        }
        let missing: Vec<&str> = [
            ("package", package.is_none()),
            ("reason", reason.is_none()),
            ("expires", expires.is_none()),
        ]
        .iter()
        .filter(|(k, m)| *m && !t.contains_key(k))
        .map(|(k, _)| *k)
        .collect();
        if !missing.is_empty() {
            self.error(
                head,
                format!("this exception has no {}: every exception needs a package, a reason and an expiry date", missing.join(", ")),
            );
        }
        if let (Some(package), Some(reason), Some((expires, ends_unix))) =
            (package, reason, expires)
        {
            if let Some(first) = self
                .layer
                .exceptions
                .iter()
                .find(|e| same_pattern(&e.package, &package))
            {
                let msg = format!(
                    "a second exception for `{}` (first at line {})",
                    package.text, first.at.line
                );
                self.diags.push(Diagnostic::warning(head, msg));
            }
            self.layer.exceptions.push(Exception {
                package,
                reason,
                expires,
                ends_unix,
                at: head.clone(),
                layer: self.layer.kind,
            });
        }
    }

    fn locks(&mut self, key: Option<&Key>, item: &Item) {
        let Some(entries) = self.strings("lock", key, item) else {
            return;
        };
        let known = lockable();
        for (s, at) in entries {
            if !known.contains(&s.as_str()) {
                self.error(
                    &at,
                    format!("`lock`: unknown setting \"{s}\"{}", hint(&s, &known)),
                );
                continue;
            }
            self.layer.locks.push(Set {
                value: s,
                at,
                layer: self.layer.kind,
            });
        }
    }
}

fn same_pattern(a: &purl::PackagePattern, b: &purl::PackagePattern) -> bool {
    a.ecosystem == b.ecosystem && a.name == b.name && a.version == b.version
}

/// `host[:port]/path` of an http(s) URL, lowercased host, credentials stripped, no trailing `/`.
pub fn url_host_path(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, ""),
    };
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host.is_empty() {
        return None;
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    Some(format!(
        "{}{}",
        host.to_ascii_lowercase(),
        path.trim_end_matches('/')
    ))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// Text that makes the parser step panic, to prove the containment is wired in.
    pub const PANIC_TEXT: &str = "# installguard test: panic inside the TOML parser\n";

    pub fn panic_seam(src: &str) {
        assert!(src != PANIC_TEXT, "injected parser panic");
    }

    #[test]
    fn a_parser_panic_is_an_error_naming_the_file() {
        let (layer, diags) = parse(PANIC_TEXT, "repo/.installguard.toml", LayerKind::Project);
        assert!(layer.settings.is_empty());
        assert_eq!(diags.len(), 1, "{diags:?}");
        let d = &diags[0];
        assert_eq!(d.level, super::super::diag::Level::Error);
        assert_eq!(d.at.file, "repo/.installguard.toml");
        assert!(
            d.message
                .contains("the TOML parser failed on it (injected parser panic"),
            "{}",
            d.message
        );
    }

    /// The input that crashed toml_edit 0.23.10 (`all items have spans`), and its kin.
    #[test]
    fn former_parser_crashes_are_plain_errors() {
        for text in [
            "==\n.=",
            "==\n.a=1",
            "=\n.=",
            "a=1\n==\n.=",
            "[x]\n==\n.=\n",
        ] {
            let before = crate::contain::contained_count();
            let (_, diags) = parse(text, ".installguard.toml", LayerKind::Project);
            assert_eq!(
                crate::contain::contained_count(),
                before,
                "{text:?} panicked in the parser"
            );
            assert!(
                diags.iter().any(|d| d.message.starts_with("not valid TOML")
                    && d.at.file == ".installguard.toml"),
                "{text:?}: {diags:?}"
            );
        }
    }
}
