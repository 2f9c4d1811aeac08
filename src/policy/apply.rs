//! The effective policy applied to one request and its evaluation: rule actions turn the
//! reputation findings' severities, the policy adds its own findings (deny-list, unknown
//! registry, unpinned version, stale data), and allows and exceptions lift findings to info.
//! Pure: the time and the data's age are arguments. A deny is never lifted.

use super::parse::url_host_path;
use super::{Action, Policy, Value, default_action};
use crate::ecosystem::Ecosystem;
use crate::request::{Request, SourceKind, Target, TargetKind};
use crate::verdict::{self, Evaluation, Finding, Rule, Severity};

/// How old the reputation data is.
#[derive(Debug, Clone, Copy)]
pub struct DataAge {
    pub now: i64,
    /// The newest report's time (Unix seconds), when known.
    pub newest_report: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub evaluation: Evaluation,
    /// An exception lifted at least one warn- or block-level finding.
    pub by_exception: bool,
    /// Things a person should know (an exception that would have matched has expired, an
    /// allow that a machine lock keeps from lifting a finding).
    pub notes: Vec<String>,
    /// Every way this decision is looser than the built-in and earlier layers would have made
    /// it, and every loosening a machine lock refused: logged with the decision.
    pub loosened: Vec<Loosening>,
    /// What `[scripts]` made of the install-time code (`policy::scripts::judge`); its findings
    /// are among `evaluation`'s.
    pub scripts: super::scripts::Judged,
}

/// One loosening, with where it came from: the audit record's `loosened` entries.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Loosening {
    /// A finding's target (`reqeusts`), or the setting's key for a policy-wide loosening.
    pub target: String,
    /// The finding's rule, for a finding.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<&'static str>,
    /// Before and after: severities for a finding, values for a setting.
    pub from: String,
    pub to: String,
    /// What did it: `allow "pkg:npm/*"`, `exception "pkg:pypi/x" until 2026-06-30 (reason)`,
    /// `rules.imitation = "allow"`, `--yes`.
    pub by: String,
    /// The layer (`user`, `command line`, ...).
    pub layer: String,
    /// Where: `file:line`, `--set:1`, `INSTALLGUARD_POLICY_SET:1`, `env:INSTALLGUARD_YES`, `argv`.
    pub at: String,
    /// Set when it did not apply, saying why (the machine lock and its place).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refused: Option<String>,
}

fn severity_name(s: Severity) -> String {
    match s {
        Severity::Info => "info",
        Severity::Warn => "warn",
        Severity::Block => "block",
    }
    .to_string()
}

fn value_text(v: &Value) -> String {
    match v {
        Value::Action(a) => a.as_str().to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Secs(_, s) | Value::Bytes(_, s) | Value::Text(s) | Value::Choice(_, s) => s.clone(),
        Value::List(l) => format!("[{}]", l.join(", ")),
    }
}

fn severity(a: Action) -> Severity {
    match a {
        Action::Allow => Severity::Info,
        Action::Warn => Severity::Warn,
        Action::Block => Severity::Block,
    }
}

/// A policy that raises a rule above its built-in action lifts every finding of that rule to
/// at least the new action; one that lowers it caps them. Version-aware nuances (a pinned clean
/// release is info) survive a raise only where they are already as high.
fn shift(builtin: Severity, default: Action, policy: Action) -> Severity {
    let p = severity(policy);
    match policy.cmp(&default) {
        std::cmp::Ordering::Greater => builtin.max(p),
        std::cmp::Ordering::Less => builtin.min(p),
        std::cmp::Ordering::Equal => builtin,
    }
}

fn policy_finding(
    target: &str,
    ecosystem: Ecosystem,
    rule: Rule,
    action: Action,
    message: String,
    origin: String,
) -> Finding {
    Finding::new(
        target.to_string(),
        ecosystem,
        rule,
        severity(action),
        message,
        origin,
    )
}

fn is_package(t: &Target) -> bool {
    matches!(
        t.kind,
        TargetKind::Registry | TargetKind::Alias | TargetKind::Formula | TargetKind::Cask
    ) && t.name.is_some()
}

/// True when `url` is one of `allowed` or under one (host and path prefix; scheme and credentials
/// ignored).
pub fn url_allowed(url: &str, allowed: &[String]) -> bool {
    let Some(got) = url_host_path(url) else {
        return false;
    };
    allowed
        .iter()
        .filter_map(|a| url_host_path(a))
        .any(|a| got == a || got.strip_prefix(&a).is_some_and(|r| r.starts_with('/')))
}

fn tap_norm(tap: &str) -> String {
    let lower = tap.to_ascii_lowercase();
    match lower.split_once('/') {
        Some((user, repo)) => format!("{user}/{}", repo.strip_prefix("homebrew-").unwrap_or(repo)),
        None => lower,
    }
}

fn days(secs: i64) -> i64 {
    secs / 86_400
}

pub fn apply(policy: &Policy, request: &Request, evaluation: Evaluation, data: DataAge) -> Applied {
    let mut findings = evaluation.findings;
    let mut loosened: Vec<Loosening> = policy
        .loosened
        .iter()
        .map(|l| Loosening {
            target: l.key.clone(),
            rule: None,
            from: value_text(&l.from.value),
            to: value_text(&l.to.value),
            by: format!("{} = \"{}\"", l.key, value_text(&l.to.value)),
            layer: l.to.layer.label().to_string(),
            at: l.to.at.short(),
            refused: None,
        })
        .collect();
    // 1. Rule actions turn the reputation findings.
    for f in &mut findings {
        let was = f.severity;
        f.severity = shift(f.severity, default_action(f.rule), policy.rule(f.rule));
        if f.severity < was
            && let Some(set) = policy.get(&format!("rules.{}", f.rule.id()))
        {
            loosened.push(Loosening {
                target: f.target.clone(),
                rule: Some(f.rule.id()),
                from: severity_name(was),
                to: severity_name(f.severity),
                by: format!("rules.{} = \"{}\"", f.rule.id(), value_text(&set.value)),
                layer: set.layer.label().to_string(),
                at: set.at.short(),
                refused: None,
            });
        }
    }
    // 2. The policy's own findings.
    let add = |rule: Rule| Some(policy.rule(rule)).filter(|a| *a != Action::Allow);
    for t in request.targets.iter().filter(|t| is_package(t)) {
        let name = t.name.as_deref().unwrap_or_default();
        let pinned = t.pinned_version();
        if let Some(action) = add(Rule::DenyList)
            && let Some(d) = policy
                .deny
                .iter()
                .find(|d| d.value.matches(t.ecosystem, name, pinned.as_deref(), true))
        {
            let unpinned = if d.value.version.is_some() && pinned.is_none() {
                " (this install does not pin a version, so it may get a denied one)"
            } else {
                ""
            };
            findings.push(policy_finding(
                t.label(),
                t.ecosystem,
                Rule::DenyList,
                action,
                format!(
                    "`{name}` is denied by the {} policy (`{}`, {}){unpinned}. Choose another package, or ask whoever manages that policy",
                    d.layer.label(),
                    d.value.text,
                    d.at.short()
                ),
                t.origin.to_string(),
            ));
        }
        if let Some(action) = add(Rule::UnpinnedVersion)
            && pinned.is_none()
            && t.ecosystem != Ecosystem::Brew
        {
            let how = match t.ecosystem {
                Ecosystem::Pypi => format!("`{name}==X.Y.Z`"),
                _ => format!("`{name}@X.Y.Z`"),
            };
            findings.push(policy_finding(
                t.label(),
                t.ecosystem,
                Rule::UnpinnedVersion,
                action,
                format!("`{name}` is installed without an exact version; pin one, like {how}"),
                t.origin.to_string(),
            ));
        }
    }
    if let Some(action) = add(Rule::UnknownRegistry) {
        let mut check = |eco: Ecosystem,
                         key: &str,
                         what: &str,
                         location: &str,
                         origin: String,
                         ok: &dyn Fn(&[String]) -> bool| {
            let Some(set) = policy.sources(key) else {
                return;
            };
            let Value::List(list) = &set.value else {
                return;
            };
            if ok(list) {
                return;
            }
            let shown = crate::redact::text(location);
            findings.push(policy_finding(
                &shown,
                eco,
                Rule::UnknownRegistry,
                action,
                format!(
                    "{what} `{shown}` is not one the policy allows for {eco} ([sources] {key} = [{}], {} policy {}). Use an allowed one, or ask your security team to add it",
                    list.iter().map(|s| format!("\"{s}\"")).collect::<Vec<_>>().join(", "),
                    set.layer.label(),
                    set.at.short()
                ),
                origin,
            ));
        };
        for s in &request.sources {
            let what = match s.kind {
                SourceKind::Index => "the index",
                SourceKind::ExtraIndex => "the extra index",
                SourceKind::ScopedRegistry => "the scoped registry",
                SourceKind::FindLinks | SourceKind::Tap | SourceKind::NoIndex => continue,
            };
            check(
                s.ecosystem,
                s.ecosystem.as_str(),
                what,
                &s.location,
                s.origin.to_string(),
                &|l| url_allowed(&s.location, l),
            );
        }
        for t in &request.targets {
            let tap = match (t.kind, t.name.as_deref()) {
                (TargetKind::Tap, Some(n)) => n.to_string(),
                (TargetKind::Formula | TargetKind::Cask, Some(n))
                    if n.matches('/').count() == 2 =>
                {
                    n.rsplit_once('/')
                        .map(|(tap, _)| tap.to_string())
                        .unwrap_or_default()
                }
                _ => continue,
            };
            let norm = tap_norm(&tap);
            check(
                Ecosystem::Brew,
                "brew-taps",
                "the tap",
                &tap,
                t.origin.to_string(),
                &|l| l.iter().any(|a| tap_norm(a) == norm),
            );
        }
    }
    if let Some(action) = add(Rule::StaleData)
        && let Some((max, set)) = policy.max_age()
        && let Some(newest) = data.newest_report
        && data.now - newest > max as i64
    {
        let max_text = match &set.value {
            Value::Secs(_, s) => s.clone(),
            _ => String::new(),
        };
        findings.push(policy_finding(
            "reputation data",
            request.manager.ecosystem(),
            Rule::StaleData,
            action,
            format!(
                "the reputation data is {} days old (newest report {}), more than the policy's max-age of {max_text} ({} policy {}). Run `installguard update`",
                days(data.now - newest),
                &crate::time::format_rfc3339(newest)[..10],
                set.layer.label(),
                set.at.short()
            ),
            "policy".into(),
        ));
    }
    // 3. Allows and exceptions lift package findings (never a deny) to info.
    let mut by_exception = false;
    let mut notes = Vec::new();
    for f in &mut findings {
        if matches!(
            f.rule,
            Rule::DenyList | Rule::UnknownRegistry | Rule::StaleData
        ) || f.severity == Severity::Info
        {
            continue;
        }
        let Some(t) = request.targets.iter().find(|t| {
            t.label() == f.target && t.ecosystem == f.ecosystem && t.origin.to_string() == f.origin
        }) else {
            continue;
        };
        let Some(name) = t.name.as_deref() else {
            continue;
        };
        let pinned = t.pinned_version();
        let hit =
            |p: &super::PackagePattern| p.matches(t.ecosystem, name, pinned.as_deref(), false);
        // A rule the machine policy locks is lifted only by the machine policy's own allows
        // and exceptions: a lock is a lock.
        let rule_key = format!("rules.{}", f.rule.id());
        let lock = policy.locked(&rule_key);
        let mut lift = |f: &mut crate::verdict::Finding,
                        by: String,
                        layer: super::LayerKind,
                        at: &super::At|
         -> bool {
            let mut l = Loosening {
                target: f.target.clone(),
                rule: Some(f.rule.id()),
                from: severity_name(f.severity),
                to: severity_name(Severity::Info),
                by: by.clone(),
                layer: layer.label().to_string(),
                at: at.short(),
                refused: None,
            };
            if let Some(lock) = lock.filter(|_| layer > super::LayerKind::Machine) {
                let why = format!(
                    "`{rule_key}` is locked by the machine policy ({})",
                    lock.at.short()
                );
                notes.push(format!(
                    "{by} ({} policy {}) does not lift the {} finding for `{}`: {why}",
                    layer.label(),
                    at.short(),
                    f.rule.id(),
                    f.target
                ));
                l.refused = Some(why);
                loosened.push(l);
                return false;
            }
            f.severity = Severity::Info;
            loosened.push(l);
            true
        };
        if let Some(a) = policy.allow.iter().find(|a| hit(&a.value)) {
            let by = format!("allow `{}`", a.value.text);
            if lift(f, by, a.layer, &a.at) {
                f.allowed_by = Some(format!(
                    "allowed by `{}` in the {} policy ({})",
                    a.value.text,
                    a.layer.label(),
                    a.at.short()
                ));
                continue;
            }
        }
        let matching = policy.exceptions.iter().filter(|e| hit(&e.package));
        let mut expired = None;
        for e in matching {
            if e.ends_unix > data.now {
                let by = format!(
                    "exception for `{}` until {} ({})",
                    e.package.text, e.expires, e.reason
                );
                if lift(f, by, e.layer, &e.at) {
                    f.allowed_by = Some(format!(
                        "exception for `{}` until {} ({}; {} policy {})",
                        e.package.text,
                        e.expires,
                        e.reason,
                        e.layer.label(),
                        e.at.short()
                    ));
                    by_exception = true;
                }
                expired = None;
                break;
            }
            expired = Some(e);
        }
        if let Some(e) = expired {
            notes.push(format!(
                "the exception for `{}` ({}) expired on {}; renew it with a new date and reason if it is still needed",
                e.package.text,
                e.at.short(),
                e.expires
            ));
        }
    }
    notes.dedup();
    Applied {
        evaluation: Evaluation {
            verdict: verdict::verdict_of(&findings),
            findings,
        },
        by_exception,
        notes,
        loosened,
        scripts: super::scripts::Judged::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Manager;
    use crate::policy::{DEFAULT_POLICY, LayerKind, merge, parse};
    use crate::request::{Origin, Source};

    fn policy(user: &str) -> Policy {
        let (d, _) = parse(DEFAULT_POLICY, "default", LayerKind::Default);
        let (u, diags) = parse(user, "user.toml", LayerKind::User);
        assert!(!crate::policy::diag::has_errors(&diags), "{diags:?}");
        merge(vec![d, u], 0).0
    }

    fn run(
        user: &str,
        eco: Ecosystem,
        name: &str,
        spec: Option<&str>,
        sources: Vec<Source>,
    ) -> Applied {
        let req = Request {
            program: "t".into(),
            manager: match eco {
                Ecosystem::Pypi => Manager::Pip,
                Ecosystem::Npm => Manager::Npm,
                Ecosystem::Brew => Manager::Brew,
            },
            installs: true,
            targets: vec![Target::registry(eco, name, spec, Origin::Argv)],
            sources,
            grammar: None,
            scripts: Vec::new(),
        };
        let eval = verdict::evaluate(&req, &crate::reputation::store::embedded_data());
        let data = DataAge {
            now: 1_767_225_600,
            newest_report: Some(1_735_689_599),
        };
        apply(&policy(user), &req, eval, data)
    }

    /// Built-in, machine and user layers (both must be valid), applied to one pip install.
    fn with_machine(machine: &str, user: &str, name: &str) -> Applied {
        let layer = |text: &str, name: &str, kind| {
            let (l, d) = parse(text, name, kind);
            assert!(!crate::policy::diag::has_errors(&d), "{d:?}");
            l
        };
        let (p, d) = merge(
            vec![
                layer(DEFAULT_POLICY, "default", LayerKind::Default),
                layer(machine, "/etc/m.toml", LayerKind::Machine),
                layer(user, "u.toml", LayerKind::User),
            ],
            0,
        );
        assert!(!crate::policy::diag::has_errors(&d), "{d:?}");
        let req = Request {
            grammar: None,
            program: "pip".into(),
            manager: Manager::Pip,
            installs: true,
            targets: vec![Target::registry(Ecosystem::Pypi, name, None, Origin::Argv)],
            sources: vec![],
            scripts: Vec::new(),
        };
        let eval = verdict::evaluate(&req, &crate::reputation::store::embedded_data());
        let data = DataAge {
            now: 1_767_225_600,
            newest_report: Some(1_735_689_599),
        };
        apply(&p, &req, eval, data)
    }

    #[test]
    fn a_machine_lock_holds_against_later_allows_and_exceptions() {
        let bad = "1337test";
        let lock = "lock = [\"rules.malicious\"]\n";
        let exception = format!(
            "[[exceptions]]\npackage = \"pkg:pypi/{bad}\"\nreason = \"I know\"\nexpires = 2099-01-01\n"
        );
        for user in [
            "[packages]\nallow = [\"pkg:pypi/*\"]\n".to_string(),
            exception.clone(),
        ] {
            // Unlocked: the user's allow or exception lifts the block, and that is logged.
            let a = with_machine("", &user, bad);
            assert_eq!(a.evaluation.verdict, verdict::Verdict::Allow, "{user}");
            let l = &a.loosened[0];
            assert_eq!(
                (l.rule, l.from.as_str(), l.to.as_str()),
                (Some("malicious"), "block", "info")
            );
            assert_eq!((l.layer.as_str(), l.refused.as_deref()), ("user", None));
            assert!(l.at.starts_with("u.toml:"), "{l:?}");
            // Locked: it stays blocked; the note and the log name the lock and the attempt.
            let a = with_machine(lock, &user, bad);
            assert_eq!(a.evaluation.verdict, verdict::Verdict::Block, "{user}");
            assert!(a.notes[0].contains("user policy u.toml:"), "{:?}", a.notes);
            assert!(
                a.notes[0]
                    .contains("`rules.malicious` is locked by the machine policy (/etc/m.toml:1)"),
                "{:?}",
                a.notes
            );
            assert!(
                a.loosened.iter().all(|l| l.refused.is_some()),
                "{:?}",
                a.loosened
            );
        }
        // The machine policy's own allow still lifts what it locks.
        let a = with_machine(&format!("{lock}{exception}"), "", bad);
        assert_eq!(a.evaluation.verdict, verdict::Verdict::Allow);
        assert_eq!(a.loosened[0].layer, "machine");
        // Locking another rule does not stop the allow.
        let a = with_machine(
            "lock = [\"rules.imitation\"]\n",
            "[packages]\nallow = [\"pkg:pypi/*\"]\n",
            bad,
        );
        assert_eq!(a.evaluation.verdict, verdict::Verdict::Allow);
    }

    #[test]
    fn lowered_rules_are_logged_with_their_place() {
        let a = run(
            "[rules]\nimitation = \"allow\"",
            Ecosystem::Pypi,
            "reqeusts",
            None,
            vec![],
        );
        assert_eq!(a.evaluation.verdict, verdict::Verdict::Allow);
        let setting = a.loosened.iter().find(|l| l.rule.is_none()).unwrap();
        assert_eq!(
            (
                setting.target.as_str(),
                setting.from.as_str(),
                setting.to.as_str(),
                setting.at.as_str()
            ),
            ("rules.imitation", "warn", "allow", "user.toml:2")
        );
        let finding = a.loosened.iter().find(|l| l.rule.is_some()).unwrap();
        assert_eq!(
            (
                finding.target.as_str(),
                finding.from.as_str(),
                finding.to.as_str()
            ),
            ("reqeusts", "warn", "info")
        );
        assert_eq!(finding.by, "rules.imitation = \"allow\"");
        // Tightening logs nothing.
        let a = run(
            "[rules]\nimitation = \"block\"",
            Ecosystem::Pypi,
            "reqeusts",
            None,
            vec![],
        );
        assert!(a.loosened.is_empty(), "{:?}", a.loosened);
    }

    fn rules(a: &Applied) -> Vec<(Rule, Severity)> {
        a.evaluation
            .findings
            .iter()
            .map(|f| (f.rule, f.severity))
            .collect()
    }

    #[test]
    fn table() {
        use crate::verdict::Verdict::*;
        use Ecosystem::*;
        let idx = |url: &str, kind| {
            vec![Source {
                ecosystem: Pypi,
                kind,
                location: url.into(),
                scope: None,
                origin: Origin::Argv,
            }]
        };
        for (user, eco, name, spec, sources, want) in [
            ("", Pypi, "reqeusts", None, vec![], Warn),
            (
                "[rules]\nimitation = \"block\"",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Block,
            ),
            (
                "[rules]\nimitation = \"allow\"",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[rules]\nmalicious = \"warn\"",
                Pypi,
                "1337test",
                None,
                vec![],
                Warn,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts\"]",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts@1.0\"]",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Warn,
            ),
            (
                "[packages]\nallow = [\"pkg:pypi/reqeusts@1.*\"]",
                Pypi,
                "reqeusts",
                Some("==1.2"),
                vec![],
                Allow,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/left-*\"]",
                Npm,
                "left-pad",
                None,
                vec![],
                Block,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/left-pad\"]\nallow = [\"pkg:npm/left-pad\"]",
                Npm,
                "left-pad",
                None,
                vec![],
                Block,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/fsevents@<2\"]",
                Npm,
                "fsevents",
                Some("2.3.3"),
                vec![],
                Allow,
            ),
            (
                "[packages]\ndeny = [\"pkg:npm/fsevents@<2\"]",
                Npm,
                "fsevents",
                None,
                vec![],
                Block,
            ),
            (
                "[rules]\nunpinned-version = \"warn\"",
                Npm,
                "lodash",
                None,
                vec![],
                Warn,
            ),
            (
                "[rules]\nunpinned-version = \"warn\"",
                Npm,
                "lodash",
                Some("4.17.21"),
                vec![],
                Allow,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://user:pw@pypi.org/simple/", SourceKind::Index),
                Allow,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://evil.example/simple", SourceKind::ExtraIndex),
                Block,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("https://pypi.org/simplex", SourceKind::Index),
                Block,
            ),
            (
                "[sources]\npypi = [\"https://pypi.org/simple\"]",
                Pypi,
                "requests",
                None,
                idx("/tmp/wheels", SourceKind::FindLinks),
                Allow,
            ),
            (
                "",
                Pypi,
                "requests",
                None,
                idx("https://evil.example/simple", SourceKind::ExtraIndex),
                Allow,
            ),
            (
                "[data]\nmax-age = \"30d\"",
                Pypi,
                "requests",
                None,
                vec![],
                Warn,
            ),
            (
                "[data]\nmax-age = \"30d\"\n[rules]\nstale-data = \"block\"",
                Pypi,
                "requests",
                None,
                vec![],
                Block,
            ),
            (
                "[data]\nmax-age = \"1000d\"",
                Pypi,
                "requests",
                None,
                vec![],
                Allow,
            ),
            (
                "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"ok'd\"\nexpires = 2030-01-01",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Allow,
            ),
            (
                "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"ok'd\"\nexpires = 2025-01-01",
                Pypi,
                "reqeusts",
                None,
                vec![],
                Warn,
            ),
        ] {
            let a = run(user, eco, name, spec, sources);
            assert_eq!(
                a.evaluation.verdict,
                want,
                "{user:?} {name} {spec:?}: {:?}",
                rules(&a)
            );
        }
    }

    #[test]
    fn exceptions_say_so() {
        let user = "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"reviewed\"\nexpires = 2030-01-01";
        let a = run(user, Ecosystem::Pypi, "reqeusts", None, vec![]);
        assert!(a.by_exception);
        let by = a.evaluation.findings[0].allowed_by.as_deref().unwrap();
        assert!(
            by.contains("until 2030-01-01 (reviewed; user policy user.toml:1)"),
            "{by}"
        );
        let user = "[[exceptions]]\npackage = \"pkg:pypi/reqeusts\"\nreason = \"reviewed\"\nexpires = 2025-01-01";
        let a = run(user, Ecosystem::Pypi, "reqeusts", None, vec![]);
        assert!(!a.by_exception);
        assert!(
            a.notes[0].contains("expired on 2025-01-01"),
            "{:?}",
            a.notes
        );
    }
}
