//! Registry answers → findings, with the rules' built-in severities and a message that tells
//! a developer what the registry said, why it matters and what to do. Pure: the time is an
//! argument, so a cached answer is judged by its facts at the moment of use.

use std::collections::BTreeMap;

use super::plan::{Plan, Skip};
use super::{Answer, Asked, Facts, STATUS_PLACEHOLDER, Settings, pypi};
use crate::ecosystem::Ecosystem;
use crate::request::{Request, Target};
use crate::verdict::{self, Finding, RegistryEvidence, Rule, Severity};

/// The findings for every planned package and every registry not asked or not answering.
pub fn judge(
    request: &Request,
    plan: &Plan,
    answers: &[Asked],
    settings: &Settings,
    now: i64,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // Registry-level notes: (ecosystem, registry shown, origin, why) → package names.
    let mut notes: BTreeMap<(Ecosystem, String, String, String), Vec<String>> = BTreeMap::new();
    let mut note = |eco: Ecosystem, registry: &str, origin: &str, why: String, name: &str| {
        let names = notes
            .entry((eco, shown(registry), origin.to_string(), why))
            .or_default();
        if !names.iter().any(|n| n == name) {
            names.push(name.to_string());
        }
    };
    for p in &plan.planned {
        let t = &request.targets[p.target];
        let name = t.name.as_deref().unwrap_or_default();
        let mut found = false;
        let mut unknown = p.partial;
        let mut missing: Vec<&str> = Vec::new();
        for &qi in &p.queries {
            let (q, a) = (&plan.queries[qi], &answers[qi]);
            match &a.answer {
                Answer::Found(f) => {
                    found = true;
                    // (A project with no files at all has nothing to date, or to install.)
                    if !f.dated() && !f.versions.is_empty() && !f.flagged() {
                        note(
                            t.ecosystem,
                            &q.registry,
                            &plan.origins[qi],
                            undated(t.ecosystem),
                            name,
                        );
                    }
                    out.extend(about_found(
                        t,
                        q.version.as_deref(),
                        &q.registry,
                        a,
                        f,
                        settings,
                        now,
                    ));
                }
                Answer::Missing => missing.push(&q.registry),
                Answer::Unavailable { why } => {
                    unknown = true;
                    note(
                        t.ecosystem,
                        &q.registry,
                        &plan.origins[qi],
                        why.clone(),
                        name,
                    );
                }
            }
        }
        if !found && !unknown && !missing.is_empty() {
            let a = &answers[p.queries[0]];
            out.push(unknown_package(t, &missing, a));
        }
    }
    for s in &plan.skipped {
        let why = match s.why {
            Skip::NotListed => {
                "not one of the registries installguard may ask ([signals] registries in the policy)"
            }
            Skip::Credentials => {
                "its URL carries credentials, and installguard never sends credentials anywhere"
            }
            Skip::NotHttp => "not an http(s) registry",
        };
        for &ti in &s.targets {
            let name = request.targets[ti].name.as_deref().unwrap_or_default();
            note(
                s.ecosystem,
                &s.registry.url,
                &s.registry.origin,
                format!("not asked: {why}"),
                name,
            );
        }
    }
    for ((eco, registry, origin, why), names) in notes {
        let message = format!(
            "no registry signals for {} from {registry}: {why}. {} age and existence there are unknown; the offline checks still apply",
            list(&names),
            if names.len() == 1 { "Its" } else { "Their" }
        );
        out.push(Finding {
            target: registry.clone(),
            ecosystem: eco,
            rule: Rule::RegistryUnavailable,
            severity: Severity::Info,
            message,
            report: None,
            imitates: None,
            imitation_kind: None,
            registry: Some(RegistryEvidence {
                url: crate::redact::text(&registry),
                fetched: crate::time::format_rfc3339(now),
                ..RegistryEvidence::default()
            }),
            origin,
            allowed_by: None,
        });
    }
    out
}

fn undated(eco: Ecosystem) -> String {
    match eco {
        Ecosystem::Npm => "its packuments have no `time`, so publication dates are unknown".into(),
        _ => "it does not publish upload times (PEP 691 JSON with PEP 700 `upload-time`), so publication dates are unknown".into(),
    }
}

/// A registry URL for people: credentials masked, no scheme, no trailing `/`.
fn shown(url: &str) -> String {
    let url = crate::redact::text(url);
    let bare = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    bare.trim_end_matches('/').to_string()
}

fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().take(5).map(|n| format!("`{n}`")).collect();
    let more = names.len().saturating_sub(5);
    match (quoted.len(), more) {
        (1, _) => quoted[0].clone(),
        (_, 0) => {
            let (last, rest) = quoted.split_last().expect("two or more");
            format!("{} and {last}", rest.join(", "))
        }
        _ => format!("{} and {more} more", quoted.join(", ")),
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

/// `5 minutes`, `17 hours`, `3 days`.
pub fn age(secs: i64) -> String {
    let secs = secs.max(0);
    if secs < 60 {
        "less than a minute".into()
    } else if secs < 3600 {
        plural(secs / 60, "minute")
    } else if secs < 2 * 86_400 {
        plural(secs / 3600, "hour")
    } else {
        plural(secs / 86_400, "day")
    }
}

fn date(unix: i64) -> String {
    crate::time::format_rfc3339(unix)[..10].to_string()
}

fn evidence(a: &Asked, f: &Facts) -> RegistryEvidence {
    RegistryEvidence {
        url: crate::redact::text(&a.url),
        fetched: crate::time::format_rfc3339(a.fetched),
        first_published: f.created.map(crate::time::format_rfc3339),
        version: None,
        version_published: None,
        status: f.status.clone(),
    }
}

fn finding(
    t: &Target,
    rule: Rule,
    severity: Severity,
    message: String,
    ev: RegistryEvidence,
) -> Finding {
    let mut f = verdict::finding(t, rule, severity, message);
    f.registry = Some(ev);
    f
}

/// The version the facts know under the name `v` (PyPI: `1.0` is `1.0.0`).
fn lookup<'f>(eco: Ecosystem, f: &'f Facts, v: &str) -> Option<(&'f str, Option<i64>)> {
    if let Some((k, t)) = f.versions.get_key_value(v) {
        return Some((k, *t));
    }
    if eco == Ecosystem::Pypi {
        let want = pypi::canonical(v);
        return f
            .versions
            .iter()
            .find(|(k, _)| pypi::canonical(k) == want)
            .map(|(k, t)| (k.as_str(), *t));
    }
    None
}

fn prerelease(eco: Ecosystem, v: &str) -> bool {
    match eco {
        Ecosystem::Npm => v.contains('-'),
        _ => pypi::canonical(v).contains(|c: char| c.is_ascii_alphabetic()),
    }
}

fn pin(eco: Ecosystem, name: &str, v: &str) -> String {
    match eco {
        Ecosystem::Pypi => format!("`{name}=={v}`"),
        _ => format!("`{name}@{v}`"),
    }
}

fn about_found(
    t: &Target,
    version: Option<&str>,
    registry: &str,
    a: &Asked,
    f: &Facts,
    settings: &Settings,
    now: i64,
) -> Vec<Finding> {
    let eco = t.ecosystem;
    let name = t.name.as_deref().unwrap_or_default();
    let at = shown(registry);
    let ev = evidence(a, f);
    if f.flagged() {
        let message = if f.status.as_deref() == Some(STATUS_PLACEHOLDER) {
            format!(
                "`{name}` was taken down by npm for security reasons: {at} now serves only the `{}` placeholder that npm leaves after removing malware. Do not install it, and check any machine where it was installed",
                super::npm::PLACEHOLDER_VERSION
            )
        } else {
            let reason = f
                .status_reason
                .as_deref()
                .map(|r| format!(": {r}"))
                .unwrap_or_default();
            format!(
                "{at} has quarantined `{name}` (PEP 792{reason}): the index considers it unsafe, usually because of malware, and serves none of its files. Do not install it, and check any machine where it was installed"
            )
        };
        return vec![finding(
            t,
            Rule::RegistryFlagged,
            Severity::Block,
            message,
            ev,
        )];
    }
    if let Some(when) = f.unpublished
        && f.versions.is_empty()
    {
        return vec![finding(
            t,
            Rule::UnknownPackage,
            Severity::Warn,
            format!(
                "every version of `{name}` was unpublished from {at} (on {}): nothing can be installed, and once the registry frees the name anyone can publish under it. Check that this is the name you meant",
                date(when)
            ),
            ev,
        )];
    }
    if let Some(created) = f.created
        && now - created < settings.new_package_age as i64
    {
        return vec![finding(
            t,
            Rule::NewPackage,
            Severity::Warn,
            format!(
                "`{name}` first appeared on {at} {} ago ({}). New packages are where malware shows up before any report lists it: make sure this is the package you meant (its homepage, repository and maintainers), or wait until it is {} old",
                age(now - created),
                date(created),
                age(settings.new_package_age as i64)
            ),
            ev,
        )];
    }
    let (v, when) = match version {
        Some(v) => match lookup(eco, f, v) {
            Some((k, t)) => (k, t),
            None => return Vec::new(), // not on the registry: the install fails by itself
        },
        None => match f.latest.as_deref().and_then(|l| lookup(eco, f, l)) {
            Some((k, t)) => (k, t),
            None => return Vec::new(),
        },
    };
    let Some(when) = when else {
        return Vec::new();
    };
    let cooldown = settings.new_version_age as i64;
    if now - when >= cooldown {
        return Vec::new();
    }
    let previous = f
        .versions
        .iter()
        .filter(|(k, t)| {
            k.as_str() != v
                && !prerelease(eco, k)
                && t.is_some_and(|t| now - t >= cooldown && t < when)
        })
        .max_by_key(|(_, t)| *t)
        .map(|(k, _)| k.as_str());
    let what = if version.is_some() {
        format!("`{name}` {v}")
    } else {
        format!(
            "`{name}` {v}, its newest release (what an install that does not pin a version may get),"
        )
    };
    let instead = match previous {
        Some(p) => format!("pin the previous release ({})", pin(eco, name, p)),
        None => "review it first".into(),
    };
    let mut ev = ev;
    ev.version = Some(v.to_string());
    ev.version_published = Some(crate::time::format_rfc3339(when));
    vec![finding(
        t,
        Rule::NewVersion,
        Severity::Info,
        format!(
            "{what} was published on {at} {} ago ({}). Hijacked releases are usually found and pulled within days: {instead}, or wait until it is {} old",
            age(now - when),
            date(when),
            age(cooldown)
        ),
        ev,
    )]
}

fn unknown_package(t: &Target, missing: &[&str], a: &Asked) -> Finding {
    let name = t.name.as_deref().unwrap_or_default();
    let at: Vec<String> = missing.iter().map(|r| shown(r)).collect();
    let where_ = at.join(" or ");
    let ev = RegistryEvidence {
        url: crate::redact::text(&a.url),
        fetched: crate::time::format_rfc3339(a.fetched),
        ..RegistryEvidence::default()
    };
    let scope = (t.ecosystem == Ecosystem::Npm)
        .then(|| name.split_once('/').map(|(s, _)| s))
        .flatten()
        .filter(|s| s.starts_with('@'));
    match scope {
        // npm serves private packages (always scoped) only with credentials, which are never
        // sent: a missing scoped name may well be private. And nobody outside a scope can
        // publish under it, so it is not a name an attacker can register.
        Some(scope) => finding(
            t,
            Rule::UnknownPackage,
            Severity::Info,
            format!(
                "`{name}` is not visible on {where_} without credentials: it is private, or it does not exist (only the owners of `{scope}` can publish under that scope)"
            ),
            ev,
        ),
        None => finding(
            t,
            Rule::UnknownPackage,
            Severity::Warn,
            format!(
                "`{name}` does not exist on {where_}. AI assistants sometimes invent package names, and attackers register such names to catch the installs (\"slopsquatting\"): check the exact name in the project's own documentation"
            ),
            ev,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::{Origin, Source, SourceKind};
    use crate::signals::{NPM_REGISTRY, PYPI_INDEX, plan};

    const NOW: i64 = 1_796_082_049; // 2026-11-30T23:40:49Z
    const DAY: i64 = 86_400;

    fn settings() -> Settings {
        Settings {
            enabled: true,
            registries: vec![
                NPM_REGISTRY.into(),
                PYPI_INDEX.into(),
                "https://mirror/simple".into(),
            ],
            new_package_age: 7 * DAY as u64,
            new_version_age: 2 * DAY as u64,
        }
    }

    fn facts(created_days_ago: i64, versions: &[(&str, i64)], latest: &str) -> Facts {
        Facts {
            created: Some(NOW - created_days_ago * DAY),
            versions: versions
                .iter()
                .map(|(v, d)| (v.to_string(), Some(NOW - d * DAY)))
                .collect(),
            latest: Some(latest.into()),
            ..Facts::default()
        }
    }

    /// Judge one package (`name spec`) whose registries answer `answers` (one per registry
    /// the plan asks, in order).
    fn run(
        eco: Ecosystem,
        target: &str,
        sources: Vec<Source>,
        answers: Vec<Answer>,
    ) -> Vec<Finding> {
        let request = plan::tests::req(eco, &[target], sources);
        let data = crate::reputation::store::embedded_data();
        let eval = verdict::evaluate(&request, &data);
        let plan = plan::plan(&request, &settings(), data.popular(), &eval);
        assert_eq!(plan.queries.len(), answers.len(), "{plan:?}");
        let asked: Vec<Asked> = plan
            .queries
            .iter()
            .zip(answers)
            .map(|(q, answer)| Asked {
                url: format!("{}{}", q.registry, q.name),
                fetched: NOW - 60,
                answer,
            })
            .collect();
        judge(&request, &plan, &asked, &settings(), NOW)
    }

    fn rules(f: &[Finding]) -> Vec<(Rule, Severity)> {
        f.iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    #[rustfmt::skip]
    fn table() {
        use Ecosystem::*;
        use Rule::*;
        use Severity::*;
        let old = || Answer::Found(facts(3000, &[("1.0.0", 3000), ("1.1.0", 400)], "1.1.0"));
        let fresh_release =
            || Answer::Found(facts(3000, &[("1.0.0", 3000), ("1.0.1", 300), ("1.1.0", 1)], "1.1.0"));
        let placeholder = Facts {
            status: Some(STATUS_PLACEHOLDER.into()),
            ..facts(30, &[("0.0.1-security", 1)], "0.0.1-security")
        };
        let quarantined = Facts { status: Some("quarantined".into()), ..Facts::default() };
        let undated = Facts { versions: [("1.0.0".to_string(), None)].into(), ..Facts::default() };
        let refused = || Answer::Unavailable { why: "connection refused".into() };
        let extra = |url: &str| {
            vec![Source { ecosystem: Pypi, kind: SourceKind::ExtraIndex, location: url.into(), scope: None, origin: Origin::Argv }]
        };
        let mirror = || extra("https://mirror/simple");
        for (eco, target, sources, answers, want) in [
            (Npm, "unpopular-thing", vec![], vec![old()], vec![]),
            (Npm, "unpopular-thing", vec![], vec![Answer::Found(facts(2, &[("1.0.0", 2)], "1.0.0"))], vec![(NewPackage, Warn)]),
            (Npm, "unpopular-thing", vec![], vec![fresh_release()], vec![(NewVersion, Info)]),
            (Npm, "unpopular-thing 1.0.1", vec![], vec![fresh_release()], vec![]),
            (Npm, "unpopular-thing 1.1.0", vec![], vec![fresh_release()], vec![(NewVersion, Info)]),
            // A version the registry does not have: the install fails by itself.
            (Npm, "unpopular-thing 9.9.9", vec![], vec![fresh_release()], vec![]),
            (Npm, "unpopular-thing", vec![], vec![Answer::Missing], vec![(UnknownPackage, Warn)]),
            (Npm, "@someone/unpopular-thing", vec![], vec![Answer::Missing], vec![(UnknownPackage, Info)]),
            (Npm, "unpopular-thing", vec![], vec![Answer::Found(placeholder)], vec![(RegistryFlagged, Block)]),
            (Pypi, "unpopular-thing", vec![], vec![Answer::Found(quarantined)], vec![(RegistryFlagged, Block)]),
            (Npm, "unpopular-thing", vec![], vec![refused()], vec![(RegistryUnavailable, Info)]),
            (Npm, "unpopular-thing", vec![], vec![Answer::Found(undated)], vec![(RegistryUnavailable, Info)]),
            (Pypi, "unpopular-thing", vec![], vec![Answer::Found(Facts::default())], vec![]),
            // pip asks every index; a name one of them lacks is fine if another has it...
            (Pypi, "unpopular-thing", mirror(), vec![Answer::Missing, old()], vec![]),
            // ...and new on one of them is enough (a public name shadowing an internal one).
            (Pypi, "unpopular-thing", mirror(), vec![Answer::Found(facts(1, &[("9.0", 1)], "9.0")), old()], vec![(NewPackage, Warn)]),
            (Pypi, "unpopular-thing", mirror(), vec![Answer::Missing, Answer::Missing], vec![(UnknownPackage, Warn)]),
            (Pypi, "unpopular-thing", mirror(), vec![Answer::Missing, refused()], vec![(RegistryUnavailable, Info)]),
            // An index that was not asked might have it.
            (Pypi, "unpopular-thing", extra("https://elsewhere/simple"), vec![Answer::Missing], vec![(RegistryUnavailable, Info)]),
            (Pypi, "unpopular-thing ==1.0", vec![], vec![Answer::Found(facts(3000, &[("1.0.0", 1)], "1.0.0"))], vec![(NewVersion, Info)]),
        ] {
            let got = run(eco, target, sources, answers);
            assert_eq!(rules(&got), want, "{eco} {target}: {got:#?}");
        }
    }

    #[test]
    fn messages_teach_and_carry_evidence() {
        let f = run(
            Ecosystem::Npm,
            "unpopular-thing",
            vec![],
            vec![Answer::Found(facts(2, &[("1.0.0", 2)], "1.0.0"))],
        );
        let m = &f[0].message;
        assert!(
            m.contains("first appeared on registry.npmjs.org 2 days ago"),
            "{m}"
        );
        assert!(m.contains("wait until it is 7 days old"), "{m}");
        let ev = f[0].registry.as_ref().unwrap();
        assert_eq!(ev.url, "https://registry.npmjs.org/unpopular-thing");
        assert_eq!(ev.first_published.as_deref(), Some("2026-11-28T23:40:49Z"));

        let f = run(
            Ecosystem::Pypi,
            "unpopular-thing",
            vec![],
            vec![Answer::Found(facts(
                3000,
                &[("1.0", 3000), ("1.1rc1", 10), ("1.2", 5), ("2.0", 0)],
                "2.0",
            ))],
        );
        let m = &f[0].message;
        assert!(
            m.contains("2.0, its newest release (what an install that does not pin"),
            "{m}"
        );
        assert!(
            m.contains("pin the previous release (`unpopular-thing==1.2`)"),
            "{m}"
        );

        let f = run(
            Ecosystem::Pypi,
            "unpopular-thing",
            vec![],
            vec![Answer::Missing],
        );
        assert!(f[0].message.contains("slopsquatting"), "{}", f[0].message);
        let f = run(
            Ecosystem::Npm,
            "unpopular-thing",
            vec![Source {
                ecosystem: Ecosystem::Npm,
                kind: SourceKind::Index,
                location: "https://user:secret@npm.corp.example/".into(),
                scope: None,
                origin: Origin::Env("npm_config_registry".into()),
            }],
            vec![],
        );
        assert_eq!(rules(&f), [(Rule::RegistryUnavailable, Severity::Info)]);
        assert!(
            !f[0].message.contains("secret") && !f[0].target.contains("secret"),
            "{f:?}"
        );
        assert!(
            f[0].message.contains("never sends credentials"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].origin, "env:npm_config_registry");
    }

    #[test]
    fn ages_read_well() {
        assert_eq!(age(59), "less than a minute");
        assert_eq!(age(61), "1 minute");
        assert_eq!(age(3600), "1 hour");
        assert_eq!(age(47 * 3600), "47 hours");
        assert_eq!(age(7 * DAY), "7 days");
    }
}
