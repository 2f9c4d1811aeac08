//! What `installguard log` filters on (`--since`, `--until`, `--program`, `--package`,
//! `--decision`) and how it prints. Pure: matching a record reads nothing.

use super::{Decision, Record};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// For people.
    Text,
    /// The records as stored (JSON Lines).
    Json,
    /// OCSF 1.8 Application Lifecycle events, one JSON object per line.
    Ocsf,
}

impl std::str::FromStr for LogFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "text" => Ok(LogFormat::Text),
            "json" => Ok(LogFormat::Json),
            "ocsf" => Ok(LogFormat::Ocsf),
            _ => Err(format!("unknown format `{s}` (text, json, ocsf)")),
        }
    }
}

/// A filter over records; empty fields match everything.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// Unix seconds, inclusive.
    pub since: Option<i64>,
    /// Unix seconds, exclusive.
    pub until: Option<i64>,
    pub program: Option<String>,
    pub package: Option<String>,
    pub decision: Option<Decision>,
    /// Only invocations whose watch saw something (behaviour findings).
    pub behaviour: bool,
}

/// `2026-11-28T10:00:00Z`, `2026-11-28` (midnight UTC), or an age: `90s`, `30m`, `24h`, `7d`.
pub fn parse_when(s: &str, now: i64) -> Result<i64, String> {
    if let Some(t) = crate::time::parse_rfc3339(s) {
        return Ok(t);
    }
    if s.len() == 10
        && let Some(t) = crate::time::parse_rfc3339(&format!("{s}T00:00:00Z"))
    {
        return Ok(t);
    }
    let (num, unit) = s.split_at(s.len().saturating_sub(1));
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => 0,
    };
    match num.parse::<i64>() {
        Ok(n) if mult > 0 && n >= 0 => Ok(now - n * mult),
        _ => Err(format!(
            "`{s}` is not a time: use 2026-11-28T10:00:00Z, 2026-11-28, or an age like 24h or 7d"
        )),
    }
}

pub fn parse_decision(s: &str) -> Result<Decision, String> {
    match s {
        "allowed" | "allow" => Ok(Decision::Allowed),
        "blocked" | "block" => Ok(Decision::Blocked),
        "declined" | "decline" => Ok(Decision::Declined),
        _ => Err(format!(
            "unknown decision `{s}` (allowed, blocked, declined)"
        )),
    }
}

/// `pip` matches `pip`, `pip3` and `pip3.12`; anything else matches exactly.
fn program_matches(want: &str, got: &str) -> bool {
    got == want
        || got
            .strip_prefix(want)
            .is_some_and(|rest| rest.chars().all(|c| c.is_ascii_digit() || c == '.'))
}

/// `--package NAME[@VERSION]`: a target of that name (case-insensitive; a scoped npm name
/// keeps its `@`), and with a version, one installed at exactly that version (the resolved
/// version, else the pinned spec); without one, a spec that mentions the name also matches
/// (a URL or path install).
fn package_matches(pkg: &str, r: &Record) -> bool {
    let pkg = pkg.to_ascii_lowercase();
    let (name, version) = match pkg.rfind('@') {
        Some(at) if at > 0 => (&pkg[..at], Some(&pkg[at + 1..])),
        _ => (pkg.as_str(), None),
    };
    let empty = Vec::new();
    r.targets
        .value()
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .any(|t| {
            let named = t["name"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(name));
            match version {
                None => {
                    named
                        || t["spec"]
                            .as_str()
                            .is_some_and(|s| s.to_ascii_lowercase().contains(name))
                }
                Some(v) => {
                    let exact = t["resolved"]["version"]
                        .as_str()
                        .or_else(|| t["spec"].as_str().map(|s| s.trim_start_matches(['=', 'v'])));
                    named && exact.is_some_and(|e| e.eq_ignore_ascii_case(v))
                }
            }
        })
}

impl Query {
    pub fn matches(&self, r: &Record) -> bool {
        let t = crate::time::parse_rfc3339(&r.time);
        if let Some(since) = self.since
            && t.is_none_or(|t| t < since)
        {
            return false;
        }
        if let Some(until) = self.until
            && t.is_none_or(|t| t >= until)
        {
            return false;
        }
        if let Some(p) = &self.program
            && !program_matches(p, &r.program)
        {
            return false;
        }
        if let Some(d) = self.decision
            && r.decision != d
        {
            return false;
        }
        if self.behaviour && r.behaviour.is_empty() {
            return false;
        }
        if let Some(pkg) = &self.package
            && !package_matches(pkg, r)
        {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let r = crate::audit::test_record(0);
        let t = crate::time::parse_rfc3339(&r.time).unwrap();
        assert!(Query::default().matches(&r));
        let q = |f: &dyn Fn(&mut Query)| {
            let mut q = Query::default();
            f(&mut q);
            q.matches(&r)
        };
        assert!(q(&|q| q.since = Some(t)));
        assert!(!q(&|q| q.since = Some(t + 1)));
        assert!(!q(&|q| q.until = Some(t)));
        assert!(q(&|q| q.program = Some("pip".into())));
        assert!(!q(&|q| q.program = Some("npm".into())));
        assert!(q(&|q| q.package = Some("X".into())));
        assert!(!q(&|q| q.package = Some("y".into())));
        assert!(!q(&|q| q.package = Some("x@1.0.0".into())));
        assert!(!q(&|q| q.decision = Some(Decision::Blocked)));
        assert!(!q(&|q| q.behaviour = true));
        let mut with = r.clone();
        with.behaviour = crate::redact::RedactedJson::from_value(serde_json::json!([{
            "what": "persistence", "category": "shell-startup", "path": "~/.bashrc",
            "change": "modified", "technique": "T1546.004"
        }]));
        let q = Query {
            behaviour: true,
            ..Query::default()
        };
        assert!(q.matches(&with));
        assert_eq!(with.behaviour()[0].path, "~/.bashrc");
        assert_eq!(parse_when("2d", 200_000), Ok(200_000 - 172_800));
        assert_eq!(parse_when("2026-11-28", 0), Ok(t));
        assert!(parse_when("soon", 0).is_err());
        assert!(program_matches("pip", "pip3.12") && !program_matches("pip", "pipx"));
    }

    #[test]
    fn package_at_version_matches_the_resolved_tree() {
        let mut r = crate::audit::test_record(0);
        r.targets = crate::redact::RedactedJson::from_value(serde_json::json!([
            {"name": "clean", "spec": null, "resolved": {"version": "1.0.0", "direct": true}},
            {"name": "@scope/evil", "spec": "1.2.3-rc.1", "resolved": {"version": "1.2.3-rc.1", "direct": false}},
            {"name": "pinned", "spec": "==2.0"}
        ]));
        let m = |p: &str| {
            Query {
                package: Some(p.into()),
                ..Query::default()
            }
            .matches(&r)
        };
        assert!(m("clean@1.0.0") && m("clean") && !m("clean@1.0.1"));
        assert!(m("@scope/evil@1.2.3-rc.1") && m("@scope/evil") && !m("@scope/evil@1.2.3"));
        assert!(m("pinned@2.0") && !m("pinned@2.1"));
    }
}
