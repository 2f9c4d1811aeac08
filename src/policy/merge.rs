//! Layers → the effective [`Policy`]. Pure. The rules: later layers override settings; denies,
//! allows and exceptions add up, and a deny always beats an allow (that is `apply`'s job);
//! the machine policy's `lock` freezes settings against every later layer; a project file
//! (attacker-controlled: it comes with a cloned repository) may only tighten.

use super::diag::{At, Diagnostic};
use super::parse::{Tight, spec_of};
use super::{Action, Layer, LayerKind, Loosened, Policy, Set, Value};

/// True when lock `lock` covers setting `key` (`rules` covers `rules.imitation`).
pub fn covers(lock: &str, key: &str) -> bool {
    key == lock || key.strip_prefix(lock).is_some_and(|r| r.starts_with('.'))
}

fn show(v: &Value) -> String {
    match v {
        Value::Action(a) => format!("\"{}\"", a.as_str()),
        Value::Bool(b) => b.to_string(),
        Value::Secs(_, s) | Value::Bytes(_, s) => format!("\"{s}\""),
        Value::Text(s) | Value::Choice(_, s) => format!("\"{s}\""),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn origin(set: &Set<Value>) -> String {
    if set.layer == LayerKind::Default {
        "the built-in default".into()
    } else {
        format!("the {} policy, {}", set.layer.label(), set.at.short())
    }
}

/// Whether `new` is looser than `old` for `key`, judged by the direction that tightens it
/// (`Tight`). A key a project may not set at all (`Tight::Never`: the feed, the syslog
/// destination, the log size) counts as loosened when a later layer changes what an earlier,
/// non-default layer set.
pub fn looser(key: &str, old: Option<&Set<Value>>, new: &Value) -> bool {
    let Some(spec) = spec_of(key) else {
        return false;
    };
    let Some(old) = old else {
        return false;
    };
    match (spec.tight, &old.value, new) {
        (Tight::Higher, Value::Action(o), Value::Action(n)) => n < o,
        (Tight::Higher, Value::Choice(o, _), Value::Choice(n, _)) => n < o,
        (Tight::Higher, Value::Secs(o, _), Value::Secs(n, _)) => n < o,
        (Tight::Lower, Value::Secs(o, _), Value::Secs(n, _)) => n > o,
        (Tight::True, Value::Bool(true), Value::Bool(false))
        | (Tight::False, Value::Bool(false), Value::Bool(true)) => true,
        (Tight::Subset, Value::List(o), Value::List(n)) => n.iter().any(|s| !o.contains(s)),
        (Tight::Never, o, n) => old.layer != LayerKind::Default && o != n,
        _ => false,
    }
}

/// Why a project value would loosen the policy in effect, or None when it tightens (or keeps).
fn loosens(key: &str, old: Option<&Set<Value>>, new: &Value) -> Option<String> {
    let spec = spec_of(key)?;
    let was = || match old {
        Some(o) => format!("{} (set by {})", show(&o.value), origin(o)),
        None => "unset".into(),
    };
    if spec.tight == Tight::Never {
        return Some(format!("a project file cannot set `{key}`"));
    }
    if !looser(key, old, new) {
        return None;
    }
    Some(match (spec.tight, old.map(|o| &o.value), new) {
        (Tight::Subset, Some(Value::List(o)), Value::List(n)) => format!(
            "`{key}` would add {} to the allowed sources {}",
            n.iter()
                .filter(|s| !o.contains(s))
                .map(|s| format!("\"{s}\""))
                .collect::<Vec<_>>()
                .join(", "),
            was()
        ),
        (Tight::Higher, _, Value::Secs(..)) => {
            format!("`{key}` = {} would shorten it from {}", show(new), was())
        }
        (Tight::Higher, ..) => format!("`{key}` = {} would lower it from {}", show(new), was()),
        (Tight::Lower, ..) => format!("`{key}` = {} would raise it from {}", show(new), was()),
        _ => format!("`{key}` = {} would loosen it from {}", show(new), was()),
    })
}

/// A rule at `block`, or a `[scripts]` setting at `block`: what the environment and the
/// command line may not lower.
fn is_block(v: &Value) -> bool {
    match v {
        Value::Action(a) => *a == Action::Block,
        Value::Choice(_, w) => w == "block",
        _ => false,
    }
}

const PROJECT_NOTE: &str =
    "a project file may only tighten the policy (a cloned repository must not weaken the guard)";

/// Merge layers (lowest first) into the effective policy. `now` (Unix seconds) dates
/// exceptions: expired ones are reported as warnings and stay in the policy, inert.
pub fn merge(layers: Vec<Layer>, now: i64) -> (Policy, Vec<Diagnostic>) {
    let mut p = Policy::default();
    let mut diags = Vec::new();
    for layer in layers {
        let kind = layer.kind;
        let label = kind.label();
        let locked_by = |p: &Policy, key: &str| -> Option<At> {
            if kind <= LayerKind::Machine {
                return None;
            }
            p.locks
                .iter()
                .find(|l| covers(&l.value, key))
                .map(|l| l.at.clone())
        };
        let lock_error = |at: &At, key: &str, lock: &At| {
            Diagnostic::error(
                at,
                format!(
                    "`{key}` is locked by the machine policy ({}); this {label} setting is not allowed — remove it",
                    lock.short()
                ),
            )
        };
        if kind == LayerKind::Machine || kind == LayerKind::Default {
            p.locks.extend(layer.locks);
        } else if let Some(l) = layer.locks.first() {
            diags.push(Diagnostic::error(
                &l.at,
                format!("only the machine policy can lock settings; `lock` is not allowed in a {label} policy"),
            ));
        }
        let overrides = kind >= LayerKind::Env;
        for (key, set) in layer.settings {
            if let Some(lock) = locked_by(&p, &key) {
                diags.push(lock_error(&set.at, &key, &lock));
                continue;
            }
            let old = p.settings.get(&key);
            if kind == LayerKind::Project
                && let Some(why) = loosens(&key, old, &set.value)
            {
                diags.push(Diagnostic::error(&set.at, format!("{why}: {PROJECT_NOTE}")));
                continue;
            }
            if overrides
                && (key.starts_with("rules.") || key.starts_with("scripts."))
                && let Some(o) = old.filter(|o| is_block(&o.value))
                && set.value != o.value
            {
                diags.push(Diagnostic::error(
                    &set.at,
                    format!(
                        "`{key}` = {} would lower a block set by {}: nothing in the environment or on the command line overrides a block. To lower it, set it in your user policy (where it has a file and line, and every install it affects is logged){}",
                        show(&set.value),
                        origin(o),
                        if o.layer == LayerKind::Machine { ", if the machine policy does not lock it" } else { "" }
                    ),
                ));
                continue;
            }
            if kind > LayerKind::Default && looser(&key, old, &set.value) {
                let from = old.cloned().expect("looser implies a previous value");
                p.loosened.push(Loosened {
                    key: key.clone(),
                    from,
                    to: set.clone(),
                });
            }
            p.settings.insert(key, set);
        }
        p.deny.extend(layer.deny);
        if overrides {
            for at in layer
                .allow
                .iter()
                .map(|a| &a.at)
                .chain(layer.exceptions.iter().map(|e| &e.at))
                .chain(layer.script_allow.iter().map(|a| &a.at))
                .chain(layer.script_projects.iter().map(|a| &a.at))
            {
                diags.push(Diagnostic::error(
                    at,
                    format!("allows and exceptions cannot come from the {label}: write them in a policy file (exceptions need a reason and an expiry date there)"),
                ));
            }
            continue;
        }
        for (list, value) in [
            (
                "scripts.allow",
                layer.script_allow.iter().map(|a| &a.at).collect::<Vec<_>>(),
            ),
            (
                "scripts.projects",
                layer.script_projects.iter().map(|a| &a.at).collect(),
            ),
        ] {
            for at in value {
                if kind == LayerKind::Project {
                    diags.push(Diagnostic::error(
                        at,
                        format!("`{list}` cannot be set here: {PROJECT_NOTE}"),
                    ));
                } else if let Some(lock) = locked_by(&p, list) {
                    diags.push(lock_error(at, list, &lock));
                }
            }
        }
        if kind != LayerKind::Project {
            if locked_by(&p, "scripts.allow").is_none() {
                p.script_allow.extend(layer.script_allow);
            }
            if locked_by(&p, "scripts.projects").is_none() {
                p.script_projects.extend(layer.script_projects);
            }
        }
        for a in layer.allow {
            if kind == LayerKind::Project {
                diags.push(Diagnostic::error(
                    &a.at,
                    format!("`packages.allow` cannot be set here: {PROJECT_NOTE}"),
                ));
            } else if let Some(lock) = locked_by(&p, "packages.allow") {
                diags.push(lock_error(&a.at, "packages.allow", &lock));
            } else {
                p.allow.push(a);
            }
        }
        for e in layer.exceptions {
            if e.ends_unix <= now && kind != LayerKind::Project {
                diags.push(Diagnostic::warning(
                    &e.at,
                    format!(
                        "the exception for `{}` expired on {}; it no longer applies: renew it with a new date and reason, or remove it",
                        e.package.text, e.expires
                    ),
                ));
            }
            if kind == LayerKind::Project {
                diags.push(Diagnostic::error(
                    &e.at,
                    format!("exceptions cannot be set here: {PROJECT_NOTE}"),
                ));
            } else if let Some(lock) = locked_by(&p, "exceptions") {
                diags.push(lock_error(&e.at, "exceptions", &lock));
            } else {
                p.exceptions.push(e);
            }
        }
    }
    (p, diags)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Action, DEFAULT_POLICY, parse};

    fn layer(kind: LayerKind, text: &str) -> Layer {
        let (l, d) = parse(text, kind.label(), kind);
        assert!(d.is_empty(), "{d:?}");
        l
    }

    /// Each layer against each later one: the later value wins, unless the earlier is the
    /// machine policy and locks it, or the later is a project that would loosen it.
    #[test]
    fn precedence_table() {
        use LayerKind::*;
        let kinds = [Machine, User, Project, Env, CommandLine];
        for (i, &lower) in kinds.iter().enumerate() {
            for &higher in &kinds[i + 1..] {
                for (low, high, locked, want, errors) in [
                    // later raises: wins everywhere
                    ("warn", "block", false, Action::Block, 0),
                    // later lowers: wins, except from a project
                    (
                        "warn",
                        "allow",
                        false,
                        if higher == Project {
                            Action::Warn
                        } else {
                            Action::Allow
                        },
                        usize::from(higher == Project),
                    ),
                    // machine lock: nothing later may set it
                    (
                        "warn",
                        "block",
                        true,
                        if lower == Machine {
                            Action::Warn
                        } else {
                            Action::Block
                        },
                        usize::from(lower == Machine),
                    ),
                ] {
                    let lock = if locked {
                        "lock = [\"rules.imitation\"]\n"
                    } else {
                        ""
                    };
                    let lower_text = if lower == Machine {
                        format!("{lock}[rules]\nimitation = \"{low}\"\n")
                    } else {
                        format!("[rules]\nimitation = \"{low}\"\n")
                    };
                    if locked && lower != Machine {
                        // only the machine file can lock; covered by the fixtures
                        continue;
                    }
                    let layers = vec![
                        layer(Default, DEFAULT_POLICY),
                        layer(lower, &lower_text),
                        layer(higher, &format!("[rules]\nimitation = \"{high}\"\n")),
                    ];
                    let (p, d) = merge(layers, 0);
                    assert_eq!(
                        (p.rule(crate::verdict::Rule::Imitation), d.len()),
                        (want, errors),
                        "{lower:?} {low} (locked {locked}) vs {higher:?} {high}: {d:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn lists_add_up_and_project_rules() {
        use LayerKind::*;
        let (p, d) = merge(
            vec![
                layer(
                    Machine,
                    "lock = [\"packages.allow\"]\n[packages]\ndeny = [\"pkg:npm/a\"]\n[sources]\nnpm = [\"https://r.example/\"]\n[data]\nmax-age = \"30d\"\n",
                ),
                layer(
                    User,
                    "[packages]\ndeny = [\"pkg:npm/b\"]\nallow = [\"pkg:npm/c\"]\n",
                ),
                layer(
                    Project,
                    "[packages]\ndeny = [\"pkg:npm/d\"]\n[sources]\nnpm = [\"https://r.example/\", \"https://evil.example/\"]\n[data]\nmax-age = \"60d\"\n",
                ),
            ],
            0,
        );
        assert_eq!(p.deny.len(), 3);
        assert!(p.allow.is_empty());
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(msgs.len(), 3, "{msgs:?}");
        assert!(
            msgs[0].contains("locked by the machine policy (machine:1)"),
            "{msgs:?}"
        );
        assert!(
            msgs[1].contains("would add \"https://evil.example/\""),
            "{msgs:?}"
        );
        assert!(msgs[2].contains("would raise it from \"30d\""), "{msgs:?}");
        // A project may narrow: a smaller max-age, fewer sources.
        let (p, d) = merge(
            vec![
                layer(
                    User,
                    "[sources]\nnpm = [\"https://r.example/\", \"https://s.example/\"]\n",
                ),
                layer(
                    Project,
                    "[sources]\nnpm = [\"https://r.example/\"]\n[data]\nmax-age = \"1d\"\n[prompt]\nallow-exceptions = false\n",
                ),
            ],
            0,
        );
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(p.max_age().map(|m| m.0), Some(86_400));
        assert!(!p.allow_exceptions());
    }

    /// The environment and the command line may raise anything, lower what is not a block,
    /// and carry no allows or exceptions: nothing there overrides a block.
    #[test]
    fn overrides_never_lower_a_block_nor_allow_packages() {
        use LayerKind::*;
        for kind in [Env, CommandLine] {
            let over = |entries: &[&str]| {
                let entries: Vec<String> = entries
                    .iter()
                    .map(std::string::ToString::to_string)
                    .collect();
                let (l, d) = crate::policy::parse_overrides(&entries, "--set", kind);
                assert!(d.is_empty(), "{d:?}");
                merge(vec![layer(Default, DEFAULT_POLICY), l], 0)
            };
            let (p, d) = over(&["rules.malicious=allow"]);
            assert_eq!(d.len(), 1, "{d:?}");
            assert!(
                d[0].message.contains(
                    "nothing in the environment or on the command line overrides a block"
                ),
                "{}",
                d[0].message
            );
            assert_eq!(p.rule(crate::verdict::Rule::Malicious), Action::Block);
            for entry in [
                "packages.allow=[\"pkg:npm/*\"]",
                "exceptions=[{package=\"pkg:npm/x\", reason=\"why not\", expires=2099-01-01}]",
            ] {
                let (p, d) = over(&[entry]);
                assert_eq!(d.len(), 1, "{entry}: {d:?}");
                assert!(
                    d[0].message
                        .contains("allows and exceptions cannot come from"),
                    "{}",
                    d[0].message
                );
                assert!(p.allow.is_empty() && p.exceptions.is_empty());
            }
            // Lowering a warn is allowed, and remembered with its place.
            let (p, d) = over(&["rules.imitation=allow", "rules.stale-data=block"]);
            assert!(d.is_empty(), "{d:?}");
            assert_eq!(p.loosened.len(), 1, "{:?}", p.loosened);
            assert_eq!(p.loosened[0].key, "rules.imitation");
            assert_eq!(p.loosened[0].to.at.short(), "--set:1");
            assert_eq!(p.loosened[0].from.layer, Default);
        }
        // A user file may lower a block (logged); a later override may not lower it again.
        let (p, d) = merge(
            vec![
                layer(Default, DEFAULT_POLICY),
                layer(User, "[rules]\nmalicious = \"warn\"\n"),
            ],
            0,
        );
        assert!(d.is_empty());
        assert_eq!(p.loosened[0].key, "rules.malicious");
    }
}
