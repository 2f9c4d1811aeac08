//! Layers → the effective [`Policy`]. Pure. The rules: later layers override settings; denies,
//! allows and exceptions add up, and a deny always beats an allow (that is `apply`'s job);
//! the machine policy's `lock` freezes settings against every later layer; a project file
//! (attacker-controlled: it comes with a cloned repository) may only tighten.

use super::diag::{At, Diagnostic};
use super::parse::{Tight, spec_of};
use super::{Layer, LayerKind, Policy, Set, Value};

/// True when lock `lock` covers setting `key` (`rules` covers `rules.imitation`).
pub fn covers(lock: &str, key: &str) -> bool {
    key == lock || key.strip_prefix(lock).is_some_and(|r| r.starts_with('.'))
}

fn show(v: &Value) -> String {
    match v {
        Value::Action(a) => format!("\"{}\"", a.as_str()),
        Value::Bool(b) => b.to_string(),
        Value::Secs(_, s) | Value::Bytes(_, s) => format!("\"{s}\""),
        Value::Text(s) => format!("\"{s}\""),
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

/// Why a project value would loosen the policy in effect, or None when it tightens (or keeps).
fn loosens(key: &str, old: Option<&Set<Value>>, new: &Value) -> Option<String> {
    let spec = spec_of(key)?;
    let old_v = old.map(|o| &o.value);
    let was = || match old {
        Some(o) => format!("{} (set by {})", show(&o.value), origin(o)),
        None => "unset".into(),
    };
    match (spec.tight, old_v, new) {
        (Tight::Never, _, _) => Some(format!("a project file cannot set `{key}`")),
        (Tight::Higher, Some(Value::Action(o)), Value::Action(n)) if n < o => Some(format!(
            "`{key}` = {} would lower it from {}",
            show(new),
            was()
        )),
        (Tight::Higher, Some(Value::Secs(o, _)), Value::Secs(n, _)) if n < o => Some(format!(
            "`{key}` = {} would shorten it from {}",
            show(new),
            was()
        )),
        (Tight::Lower, Some(Value::Secs(o, _)), Value::Secs(n, _)) if n > o => Some(format!(
            "`{key}` = {} would raise it from {}",
            show(new),
            was()
        )),
        (Tight::True, Some(Value::Bool(true)), Value::Bool(false))
        | (Tight::False, Some(Value::Bool(false)), Value::Bool(true)) => Some(format!(
            "`{key}` = {} would loosen it from {}",
            show(new),
            was()
        )),
        (Tight::True, None, Value::Bool(false)) | (Tight::False, None, Value::Bool(true)) => None,
        (Tight::Subset, Some(Value::List(o)), Value::List(n)) => {
            let added: Vec<&String> = n.iter().filter(|s| !o.contains(s)).collect();
            (!added.is_empty()).then(|| {
                format!(
                    "`{key}` would add {} to the allowed sources {}",
                    added
                        .iter()
                        .map(|s| format!("\"{s}\""))
                        .collect::<Vec<_>>()
                        .join(", "),
                    was()
                )
            })
        }
        _ => None,
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
        for (key, set) in layer.settings {
            if let Some(lock) = locked_by(&p, &key) {
                diags.push(lock_error(&set.at, &key, &lock));
                continue;
            }
            if kind == LayerKind::Project
                && let Some(why) = loosens(&key, p.settings.get(&key), &set.value)
            {
                diags.push(Diagnostic::error(&set.at, format!("{why}: {PROJECT_NOTE}")));
                continue;
            }
            p.settings.insert(key, set);
        }
        p.deny.extend(layer.deny);
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
}
