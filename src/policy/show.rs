//! `policy show`'s text: the effective policy as TOML, each value with a comment naming the
//! layer (and line) it came from; and the check for exceptions that can never match. Pure.

use std::fmt::Write as _;

use super::parse::SETTINGS;
use super::{Diagnostic, LayerKind, Policy, Set, Value};
use crate::ecosystem::Ecosystem;
use crate::reputation::Data;
use crate::reputation::imitation;

fn value(v: &Value) -> String {
    match v {
        Value::Action(a) => format!("\"{}\"", a.as_str()),
        Value::Choice(_, s) => format!("{s:?}"),
        Value::Bool(b) => b.to_string(),
        Value::Secs(_, s) | Value::Bytes(_, s) | Value::Text(s) => format!("{s:?}"),
        Value::List(l) => format!(
            "[{}]",
            l.iter()
                .map(|s| format!("{s:?}"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn from<T>(s: &Set<T>) -> String {
    origin(s.layer, &s.at)
}

fn origin(layer: LayerKind, at: &super::At) -> String {
    if layer == LayerKind::Default {
        "built-in".into()
    } else {
        format!("{}: {}", layer.label(), at.short())
    }
}

/// `[scripts] allow` and `projects`, each entry with its layer.
fn script_lists(out: &mut String, p: &Policy) {
    if p.script_allow.is_empty() {
        let _ = writeln!(out, "allow = []");
    } else {
        let _ = writeln!(out, "allow = [");
        for e in &p.script_allow {
            let line = format!("  {:?},", e.value.text);
            let _ = writeln!(out, "{line:<44} # {}", origin(e.layer, &e.at));
        }
        let _ = writeln!(out, "]");
    }
    if p.script_projects.is_empty() {
        let _ = writeln!(out, "projects = []");
        return;
    }
    let _ = writeln!(out, "projects = [");
    for e in &p.script_projects {
        let a = &e.value;
        let line = format!(
            "  {{ path = {:?}, scripts = {:?}, approved = {:?} }},",
            a.path, a.scripts, a.approved
        );
        let _ = writeln!(out, "{line:<44} # {}", origin(e.layer, &e.at));
    }
    let _ = writeln!(out, "]");
}

pub fn render(p: &Policy) -> String {
    let mut out = String::from("# The effective policy. Layers, lowest first:\n");
    for l in &p.layers {
        let state = if l.present { "" } else { " (not present)" };
        let _ = writeln!(out, "#   {:<13}{}{state}", l.kind.label(), l.name);
    }
    let mut section = "";
    for spec in SETTINGS {
        let (sec, key) = spec.key.split_once('.').expect("dotted");
        if sec != section {
            if section == "scripts" {
                script_lists(&mut out, p);
            }
            let _ = writeln!(out, "\n[{sec}]");
            section = sec;
        }
        let lock = p
            .locked(spec.key)
            .map(|l| format!("; locked by {}", l.at.short()))
            .unwrap_or_default();
        match p.get(spec.key) {
            Some(s) => {
                let line = format!("{key} = {}", value(&s.value));
                let _ = writeln!(out, "{line:<44} # {}{lock}", from(s));
            }
            None => {
                let _ = writeln!(out, "# {key} is not set{lock}");
            }
        }
    }
    if section == "scripts" {
        script_lists(&mut out, p);
    }
    let _ = writeln!(out, "\n[packages]");
    for (name, list) in [("deny", &p.deny), ("allow", &p.allow)] {
        if list.is_empty() {
            let _ = writeln!(out, "{name} = []");
            continue;
        }
        let _ = writeln!(out, "{name} = [");
        for e in list {
            let line = format!("  {:?},", e.value.text);
            let _ = writeln!(out, "{line:<44} # {}", origin(e.layer, &e.at));
        }
        let _ = writeln!(out, "]");
    }
    for e in &p.exceptions {
        let _ = writeln!(
            out,
            "\n[[exceptions]]                               # {}",
            origin(e.layer, &e.at)
        );
        let _ = writeln!(out, "package = {:?}", e.package.text);
        let _ = writeln!(out, "reason = {:?}", e.reason);
        let _ = writeln!(out, "expires = {}", e.expires);
    }
    if !p.locks.is_empty() {
        let _ = writeln!(out, "\n# locked by the machine policy:");
        for l in &p.locks {
            let _ = writeln!(out, "#   {} ({})", l.value, l.at.short());
        }
    }
    out
}

/// Exceptions that can never lift anything: an exact package name that the reputation data
/// neither reports nor finds imitating, while no rule that could flag any package is on.
pub fn idle_exceptions(p: &Policy, snap: &Data) -> Vec<Diagnostic> {
    use crate::verdict::Rule;
    let broad = [Rule::UnpinnedVersion, Rule::UncheckedSource]
        .iter()
        .any(|r| p.rule(*r) != super::Action::Allow);
    if broad {
        return Vec::new();
    }
    p.exceptions
        .iter()
        .filter(|e| e.package.is_exact_name())
        .filter(|e| {
            let (eco, name) = (e.package.ecosystem, e.package.name.as_str());
            let flagged = snap.malicious(eco, name).is_some()
                || (eco != Ecosystem::Brew || !name.contains('/'))
                    && imitation::check(snap.popular(), eco, name).is_some();
            !flagged
        })
        .map(|e| {
            Diagnostic::warning(
                &e.at,
                format!(
                    "the exception for `{}` never matches: the reputation data flags nothing by that name, so it lifts nothing; check the spelling or remove it",
                    e.package.text
                ),
            )
        })
        .collect()
}
