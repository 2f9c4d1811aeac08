//! Organisation policy: layered TOML files (built-in → machine → user → project →
//! environment → command line), merged with locks and project-only-tightens, then applied to
//! an evaluation. The core (`parse`, `merge`, `apply`) is pure and table-tested; reading files
//! and checking the machine file's ownership is `load`'s job, and writing a prompt's exception
//! is `edit`'s. Does not prompt, run tools or write the audit log.

pub mod apply;
pub mod diag;
pub mod edit;
pub mod load;
pub mod merge;
pub mod parse;
pub mod purl;
pub mod scripts;
pub mod show;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod fuzz;

use std::collections::BTreeMap;

pub use apply::{Applied, DataAge, Loosening, apply};
pub use diag::{At, Diagnostic};
pub use load::{Loaded, load};
pub use merge::merge;
pub use parse::{parse, parse_overrides};
pub use purl::PackagePattern;

use crate::verdict::Rule;

/// The built-in defaults: the lowest layer, embedded in the binary.
pub const DEFAULT_POLICY: &str = include_str!("../../config/default-policy.toml");

/// The layers, lowest first; a later layer overrides an earlier one within the rules of merging.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum LayerKind {
    Default,
    Machine,
    User,
    Project,
    Env,
    CommandLine,
}

impl LayerKind {
    pub fn label(self) -> &'static str {
        match self {
            LayerKind::Default => "built-in",
            LayerKind::Machine => "machine",
            LayerKind::User => "user",
            LayerKind::Project => "project",
            LayerKind::Env => "environment",
            LayerKind::CommandLine => "command line",
        }
    }
}

/// What a rule does with its findings. Ordered: allow < warn < block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Action {
    Allow,
    Warn,
    Block,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Allow => "allow",
            Action::Warn => "warn",
            Action::Block => "block",
        }
    }
}

/// A setting's value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    Action(Action),
    Bool(bool),
    /// A duration in seconds (`30d`), with the text as written.
    Secs(u64, String),
    /// A size in bytes (`10MiB`), with the text as written.
    Bytes(u64, String),
    Text(String),
    List(Vec<String>),
    /// One word of a `Kind::Choice`, with its rank (0: the loosest).
    Choice(u8, String),
}

/// A project whose own install-time code a person approved at the prompt: the directory and a
/// digest of exactly what was approved (new or changed scripts ask again).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectApproval {
    pub path: String,
    pub scripts: String,
    /// When (`YYYY-MM-DD`), for people; not checked.
    pub approved: String,
}

/// A value and the place (and layer) that set it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set<T> {
    pub value: T,
    pub at: At,
    pub layer: LayerKind,
}

/// A dated, reasoned allow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    pub package: PackagePattern,
    pub reason: String,
    /// `YYYY-MM-DD`: the exception holds through the end of that day (UTC).
    pub expires: String,
    /// The first second after the exception ends.
    pub ends_unix: i64,
    pub at: At,
    pub layer: LayerKind,
}

/// One parsed policy file (or override set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layer {
    pub kind: LayerKind,
    pub name: String,
    /// Dotted keys (`rules.imitation`) in file order.
    pub settings: Vec<(String, Set<Value>)>,
    pub deny: Vec<Set<PackagePattern>>,
    pub allow: Vec<Set<PackagePattern>>,
    pub exceptions: Vec<Exception>,
    pub locks: Vec<Set<String>>,
    /// `[scripts] allow`.
    pub script_allow: Vec<Set<PackagePattern>>,
    /// `[scripts] projects`.
    pub script_projects: Vec<Set<ProjectApproval>>,
}

impl Layer {
    pub fn empty(kind: LayerKind, name: &str) -> Layer {
        Layer {
            kind,
            name: name.to_string(),
            settings: Vec::new(),
            deny: Vec::new(),
            allow: Vec::new(),
            exceptions: Vec::new(),
            locks: Vec::new(),
            script_allow: Vec::new(),
            script_projects: Vec::new(),
        }
    }
}

/// Where a layer came from, for `policy show` and `doctor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerInfo {
    pub kind: LayerKind,
    pub name: String,
    /// False when the file does not exist (or the override is not set).
    pub present: bool,
}

/// A setting a later layer made looser than an earlier layer (or the built-in default) had it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loosened {
    pub key: String,
    pub from: Set<Value>,
    pub to: Set<Value>,
}

/// The effective policy: every layer merged.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Policy {
    pub settings: BTreeMap<String, Set<Value>>,
    pub deny: Vec<Set<PackagePattern>>,
    pub allow: Vec<Set<PackagePattern>>,
    pub exceptions: Vec<Exception>,
    pub locks: Vec<Set<String>>,
    pub layers: Vec<LayerInfo>,
    /// Every loosening, in layer order (what `apply` logs with each decision).
    pub loosened: Vec<Loosened>,
    /// `[scripts] allow` of every layer that may set it.
    pub script_allow: Vec<Set<PackagePattern>>,
    /// `[scripts] projects` of every layer that may set it.
    pub script_projects: Vec<Set<ProjectApproval>>,
}

impl Policy {
    pub fn get(&self, key: &str) -> Option<&Set<Value>> {
        self.settings.get(key)
    }

    /// The action for a rule (built-in defaults always set one). The script rules take theirs
    /// from `[scripts]`: `off` is `allow` here (nothing to confirm: the code does not run).
    pub fn rule(&self, rule: Rule) -> Action {
        if matches!(rule, Rule::InstallScript | Rule::ProjectScript) {
            return match self.choice(&rule_key(rule)) {
                "allow" | "off" => Action::Allow,
                "block" => Action::Block,
                _ => Action::Warn,
            };
        }
        match self.settings.get(&rule_key(rule)) {
            Some(Set {
                value: Value::Action(a),
                ..
            }) => *a,
            _ => default_action(rule),
        }
    }

    /// `[prompt] non-interactive`: what warn-level findings get without a terminal.
    pub fn non_interactive(&self) -> Action {
        match self.settings.get("prompt.non-interactive") {
            Some(Set {
                value: Value::Action(a),
                ..
            }) => *a,
            _ => Action::Block,
        }
    }

    fn flag(&self, key: &str, default: bool) -> bool {
        match self.settings.get(key) {
            Some(Set {
                value: Value::Bool(b),
                ..
            }) => *b,
            _ => default,
        }
    }

    /// `[prompt] allow-exceptions`: whether the prompt may offer a dated exception.
    pub fn allow_exceptions(&self) -> bool {
        self.flag("prompt.allow-exceptions", true)
    }

    /// `[prompt] allow-bypass`: whether `installguard bypass` may run a command past the
    /// guard's decision. With the setting, where it was set (for the refusal message).
    pub fn allow_bypass(&self) -> (bool, Option<&Set<Value>>) {
        (
            self.flag("prompt.allow-bypass", true),
            self.get("prompt.allow-bypass"),
        )
    }

    /// `[data] max-age` in seconds, when set.
    pub fn max_age(&self) -> Option<(u64, &Set<Value>)> {
        match self.settings.get("data.max-age") {
            Some(
                s @ Set {
                    value: Value::Secs(n, _),
                    ..
                },
            ) => Some((*n, s)),
            _ => None,
        }
    }

    /// `[data] auto-update` in seconds: refresh the data in the background after an install
    /// when it has not been refreshed for this long. Off when unset.
    pub fn auto_update(&self) -> Option<u64> {
        match self.get("data.auto-update").map(|s| &s.value) {
            Some(Value::Secs(n, _)) => Some(*n),
            _ => None,
        }
    }

    /// The allowed sources for a `[sources]` key (`pypi`, `npm`, `brew`, `brew-taps`).
    pub fn sources(&self, key: &str) -> Option<&Set<Value>> {
        self.settings
            .get(&format!("sources.{key}"))
            .filter(|s| matches!(s.value, Value::List(_)))
    }

    /// True when the machine policy locks `key` (or a table containing it).
    pub fn locked(&self, key: &str) -> Option<&Set<String>> {
        self.locks.iter().find(|l| merge::covers(&l.value, key))
    }

    /// `[data] feed`: the base URL `installguard update` fetches OSV feeds from (a mirror).
    pub fn feed(&self) -> Option<&str> {
        match self.get("data.feed").map(|s| &s.value) {
            Some(Value::Text(t)) if !t.is_empty() => Some(t),
            _ => None,
        }
    }

    /// A `Kind::Choice` setting's word (`scripts.dependencies` → `"warn"`), with the built-in
    /// default when unset.
    pub fn choice(&self, key: &str) -> &str {
        match self.get(key).map(|s| &s.value) {
            Some(Value::Choice(_, w)) => w,
            _ => match key {
                "scripts.dependencies" | "scripts.project" => "warn",
                "scripts.non-interactive" => "allow",
                "watch.on-finding" => "report",
                _ => "",
            },
        }
    }

    /// `[watch] enabled`.
    pub fn watch_enabled(&self) -> bool {
        self.flag("watch.enabled", true)
    }

    /// The `[audit]` settings in the form the audit log takes.
    pub fn audit_settings(&self) -> crate::audit::AuditSettings {
        let mut s = crate::audit::AuditSettings::default();
        if let Some(Value::Text(t)) = self.get("audit.syslog").map(|s| &s.value) {
            s.syslog = (!t.is_empty()).then(|| t.clone());
        }
        s.required = self.flag("audit.required", s.required);
        s.require_delivery = self.flag("audit.require-delivery", s.require_delivery);
        if let Some(Value::Bytes(n, _)) = self.get("audit.max-size").map(|s| &s.value) {
            s.max_bytes = *n;
        }
        s
    }
}

/// The setting that holds a rule's action: `rules.<id>`, or for the script rules
/// `scripts.dependencies` / `scripts.project`.
pub fn rule_key(rule: Rule) -> String {
    match rule {
        Rule::InstallScript => "scripts.dependencies".into(),
        Rule::ProjectScript => "scripts.project".into(),
        _ => format!("rules.{}", rule.id()),
    }
}

/// The built-in action of each rule, which `apply` measures a policy's setting against.
pub fn default_action(rule: Rule) -> Action {
    match rule {
        Rule::Malicious
        | Rule::DenyList
        | Rule::UnknownRegistry
        | Rule::RegistryFlagged
        | Rule::LockfileMismatch => Action::Block,
        Rule::Imitation
        | Rule::StaleData
        | Rule::NewPackage
        | Rule::UnknownPackage
        | Rule::HiddenDependencies
        | Rule::BuildFromSource
        | Rule::InstallScript
        | Rule::ProjectScript => Action::Warn,
        Rule::UncheckedSource
        | Rule::UnpinnedVersion
        | Rule::NewVersion
        | Rule::RegistryUnavailable
        | Rule::Unresolved => Action::Allow,
    }
}

/// Parse a duration: a number and a unit (`90s`, `30m`, `12h`, `30d`, `2w`).
pub fn parse_duration(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let n: u64 = s[..split].parse().ok()?;
    let unit = match s[split..].trim() {
        "s" => 1,
        "m" | "min" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// Parse a size: bytes, or a number and a unit (`512KiB`, `10MiB`, `1GiB`, `10MB`).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let n: u64 = s[..split].parse().ok()?;
    let unit: u64 = match s[split..].trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        "KB" | "kB" => 1000,
        "MB" => 1_000_000,
        "GB" => 1_000_000_000,
        _ => return None,
    };
    n.checked_mul(unit)
}

/// Parse `YYYY-MM-DD` into the Unix time of its midnight (UTC); rejects impossible dates.
pub fn parse_date(s: &str) -> Option<i64> {
    if s.len() != 10 {
        return None;
    }
    let t = crate::time::parse_rfc3339(&format!("{s}T00:00:00Z"))?;
    crate::time::format_rfc3339(t).starts_with(s).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units() {
        assert_eq!(parse_duration("30d"), Some(30 * 86_400));
        assert_eq!(parse_duration("12h"), Some(12 * 3600));
        assert_eq!(parse_duration("30"), None);
        assert_eq!(parse_duration("3 days"), None);
        assert_eq!(parse_size("10MiB"), Some(10 << 20));
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("10 mb"), None);
        assert!(parse_date("2026-02-28").is_some());
        assert!(parse_date("2026-02-30").is_none());
        assert!(parse_date("2026-13-01").is_none());
        assert!(parse_date("26-1-1").is_none());
    }

    #[test]
    fn the_builtin_policy_is_valid_and_quiet() {
        let (layer, diags) = parse(DEFAULT_POLICY, "default", LayerKind::Default);
        assert!(diags.is_empty(), "{}", diag::render_all(&diags));
        let p = merge(vec![layer], 0).0;
        for rule in Rule::ALL {
            assert_eq!(p.rule(rule), default_action(rule), "{rule:?}");
        }
        assert_eq!(p.non_interactive(), Action::Block);
        assert!(p.allow_exceptions());
        assert!(p.allow_bypass().0);
        assert!(p.max_age().is_none());
        assert!(p.sources("pypi").is_none());
        assert_eq!(p.audit_settings(), crate::audit::AuditSettings::default());
    }
}
