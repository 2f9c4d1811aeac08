//! Which registries to ask about which packages: for each package of a request that is not on
//! the popular lists (and not already blocked offline), the registry or indexes its package
//! manager will use — worked out from the request's `sources` with that manager's precedence —
//! and whether installguard may ask them (`[signals] registries`, no credentials in the URL).
//! Pure. Does not ask anything, and does not judge the answers.

use crate::ecosystem::Ecosystem;
use crate::policy::apply::url_allowed;
use crate::reputation::snapshot::Snapshot;
use crate::request::{Origin, Request, Source, SourceKind, Target, TargetKind};
use crate::verdict::{self, Evaluation, Severity};

use super::{NPM_REGISTRY, PYPI_INDEX, Query, Settings};

/// Why a registry the command uses is not asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// Not among `[signals] registries`.
    NotListed,
    /// The URL carries credentials (`user:pass@`); installguard never sends credentials.
    Credentials,
    /// Not an http(s) URL.
    NotHttp,
}

/// A registry the command uses, with where that choice comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registry {
    /// As configured (may carry credentials: shown only through redaction).
    pub url: String,
    /// `argv`, `env:VAR`, `file:line`, or `default`.
    pub origin: String,
}

/// One package asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Planned {
    /// Index into the request's targets.
    pub target: usize,
    /// Indexes into [`Plan::queries`]: one per registry asked (pip: the index and extra indexes).
    pub queries: Vec<usize>,
    /// Some registry the tool also uses is not asked, so "no registry has it" cannot be said.
    pub partial: bool,
}

/// A registry that is not asked, and the packages it would have been asked about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub ecosystem: Ecosystem,
    pub registry: Registry,
    pub why: Skip,
    pub targets: Vec<usize>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub queries: Vec<Query>,
    /// Where each query's registry was configured (same order as `queries`).
    pub origins: Vec<String>,
    pub planned: Vec<Planned>,
    pub skipped: Vec<Skipped>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.queries.is_empty() && self.skipped.is_empty()
    }

    fn query(&mut self, q: Query, origin: &str) -> usize {
        if let Some(i) = self.queries.iter().position(|x| *x == q) {
            return i;
        }
        self.queries.push(q);
        self.origins.push(origin.to_string());
        self.queries.len() - 1
    }

    fn skip(&mut self, eco: Ecosystem, registry: &Registry, why: Skip, target: usize) {
        match self
            .skipped
            .iter_mut()
            .find(|s| s.ecosystem == eco && s.registry.url == registry.url && s.why == why)
        {
            Some(s) => {
                if !s.targets.contains(&target) {
                    s.targets.push(target);
                }
            }
            None => self.skipped.push(Skipped {
                ecosystem: eco,
                registry: registry.clone(),
                why,
                targets: vec![target],
            }),
        }
    }
}

/// The packages to ask about and where. `evaluation` is the offline one: a package it already
/// blocks is not asked about.
pub fn plan(
    request: &Request,
    settings: &Settings,
    snap: &Snapshot,
    evaluation: &Evaluation,
) -> Plan {
    let mut plan = Plan::default();
    for (i, t) in request.targets.iter().enumerate() {
        let Some(name) = t.name.as_deref() else {
            continue;
        };
        if !matches!(t.kind, TargetKind::Registry | TargetKind::Alias)
            || !matches!(t.ecosystem, Ecosystem::Npm | Ecosystem::Pypi)
            || verdict::is_popular(snap, t.ecosystem, &t.ecosystem.normalize(name))
            || blocked(t, evaluation)
            || already_in_project(t)
        {
            continue;
        }
        let registries = registries_for(request, t);
        if registries.is_empty() {
            continue; // pip --no-index: nothing comes from an index
        }
        let version = t.pinned_version();
        let mut planned = Planned {
            target: i,
            queries: Vec::new(),
            partial: false,
        };
        for r in &registries {
            match may_ask(&r.url, settings) {
                Ok(()) => {
                    let q = Query {
                        ecosystem: t.ecosystem,
                        name: name.to_string(),
                        version: version.clone(),
                        registry: r.url.clone(),
                    };
                    let qi = plan.query(q, &r.origin);
                    planned.queries.push(qi);
                }
                Err(why) => {
                    planned.partial = true;
                    plan.skip(t.ecosystem, r, why, i);
                }
            }
        }
        if !planned.queries.is_empty() {
            plan.planned.push(planned);
        }
    }
    plan
}

/// A resolved dependency the project's lockfile already had at the same version: the registry
/// was asked when it came in; asking on every install would spend the budget on old news.
fn already_in_project(t: &Target) -> bool {
    matches!(t.origin, Origin::Resolved { .. })
        && t.resolved.as_ref().is_some_and(|r| r.change == "unchanged")
}

/// True when an offline finding already blocks this target.
fn blocked(t: &Target, evaluation: &Evaluation) -> bool {
    let origin = t.origin.to_string();
    evaluation.findings.iter().any(|f| {
        f.severity == Severity::Block
            && f.target == t.label()
            && f.ecosystem == t.ecosystem
            && f.origin == origin
    })
}

fn may_ask(url: &str, settings: &Settings) -> Result<(), Skip> {
    let lower = url.to_ascii_lowercase();
    let Some(rest) = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
    else {
        return Err(Skip::NotHttp);
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err(Skip::Credentials);
    }
    if !url_allowed(url, &settings.registries) {
        return Err(Skip::NotListed);
    }
    Ok(())
}

fn registry(s: &Source) -> Registry {
    Registry {
        url: s.location.clone(),
        origin: s.origin.to_string(),
    }
}

fn default_registry(url: &str) -> Registry {
    Registry {
        url: url.to_string(),
        origin: "default".into(),
    }
}

/// The registries the target's package manager will fetch it from.
pub fn registries_for(request: &Request, t: &Target) -> Vec<Registry> {
    let sources = request
        .sources
        .iter()
        .filter(|s| s.ecosystem == t.ecosystem);
    match t.ecosystem {
        Ecosystem::Npm => {
            let name = t.name.as_deref().unwrap_or_default();
            let scope = name
                .starts_with('@')
                .then(|| name.split_once('/').map(|(s, _)| s.to_ascii_lowercase()))
                .flatten();
            let scoped = scope.as_deref().and_then(|scope| {
                npm_effective(sources.clone().filter(|s| {
                    s.kind == SourceKind::ScopedRegistry
                        && s.scope.as_deref().map(str::to_ascii_lowercase).as_deref() == Some(scope)
                }))
            });
            let chosen = scoped
                .or_else(|| npm_effective(sources.filter(|s| s.kind == SourceKind::Index)))
                .map_or_else(|| default_registry(NPM_REGISTRY), registry);
            vec![chosen]
        }
        Ecosystem::Pypi => {
            let sources: Vec<&Source> = sources.collect();
            if sources.iter().any(|s| s.kind == SourceKind::NoIndex) {
                return Vec::new();
            }
            // pip: the last --index-url wins (a requirements file's overrides the command
            // line's, which overrides the configuration's); every extra index is used too.
            let mut out = vec![
                sources
                    .iter()
                    .rev()
                    .find(|s| s.kind == SourceKind::Index)
                    .map_or_else(|| default_registry(PYPI_INDEX), |s| registry(s)),
            ];
            for s in sources.iter().filter(|s| s.kind == SourceKind::ExtraIndex) {
                if !out.iter().any(|r| same_url(&r.url, &s.location)) {
                    out.push(registry(s));
                }
            }
            out
        }
        Ecosystem::Brew => Vec::new(),
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

/// npm's precedence: the command line, then the environment, then the project, user and global
/// npmrc (in the order the request lists them); within one of those, the last setting wins.
fn npm_effective<'a>(sources: impl Iterator<Item = &'a Source>) -> Option<&'a Source> {
    let mut files: Vec<&str> = Vec::new();
    let mut best: Option<(usize, &Source)> = None;
    for s in sources {
        let rank = match &s.origin {
            Origin::Argv => 0,
            Origin::Env(_) => 1,
            // Sources come from the command, its environment and files, never a resolution.
            Origin::Resolved { .. } => usize::MAX,
            Origin::File { path, .. } => {
                let at = files.iter().position(|p| p == path).unwrap_or_else(|| {
                    files.push(path);
                    files.len() - 1
                });
                2 + at
            }
        };
        if best.is_none_or(|(r, _)| rank <= r) {
            best = Some((rank, s));
        }
    }
    best.map(|(_, s)| s)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::ecosystem::Manager;

    fn src(
        eco: Ecosystem,
        kind: SourceKind,
        url: &str,
        scope: Option<&str>,
        origin: Origin,
    ) -> Source {
        Source {
            ecosystem: eco,
            kind,
            location: url.into(),
            scope: scope.map(str::to_string),
            origin,
        }
    }

    fn file(path: &str, line: u32) -> Origin {
        Origin::File {
            path: path.into(),
            line,
        }
    }

    /// A request for `names` (`name` or `name spec`) with `sources`.
    pub(crate) fn req(eco: Ecosystem, names: &[&str], sources: Vec<Source>) -> Request {
        Request {
            program: "t".into(),
            manager: if eco == Ecosystem::Npm {
                Manager::Npm
            } else {
                Manager::Pip
            },
            installs: true,
            targets: names
                .iter()
                .map(|n| {
                    let (n, spec) = match n.split_once(' ') {
                        Some((n, s)) => (n, Some(s)),
                        None => (*n, None),
                    };
                    Target::registry(eco, n, spec, Origin::Argv)
                })
                .collect(),
            sources,
            grammar: None,
            scripts: Vec::new(),
        }
    }

    fn urls(r: &Request, i: usize) -> Vec<String> {
        registries_for(r, &r.targets[i])
            .into_iter()
            .map(|r| format!("{}@{}", r.url, r.origin))
            .collect()
    }

    #[test]
    fn npm_precedence() {
        use Ecosystem::Npm;
        use SourceKind::*;
        let r = req(Npm, &["x", "@corp/y", "@other/z"], vec![]);
        assert_eq!(urls(&r, 0), ["https://registry.npmjs.org/@default"]);
        let sources = vec![
            src(Npm, Index, "https://argv/", None, Origin::Argv),
            src(
                Npm,
                Index,
                "https://env/",
                None,
                Origin::Env("npm_config_registry".into()),
            ),
            src(
                Npm,
                ScopedRegistry,
                "https://corp-env/",
                Some("@corp"),
                Origin::Env("npm_config_@corp:registry".into()),
            ),
            src(Npm, Index, "https://proj1/", None, file(".npmrc", 1)),
            src(Npm, Index, "https://proj2/", None, file(".npmrc", 2)),
            src(
                Npm,
                ScopedRegistry,
                "https://corp-user/",
                Some("@corp"),
                file("~/.npmrc", 1),
            ),
            src(
                Npm,
                ScopedRegistry,
                "https://other-user/",
                Some("@Other"),
                file("~/.npmrc", 2),
            ),
        ];
        let r = req(Npm, &["x", "@corp/y", "@other/z"], sources.clone());
        assert_eq!(urls(&r, 0), ["https://argv/@argv"]);
        assert_eq!(
            urls(&r, 1),
            ["https://corp-env/@env:npm_config_@corp:registry"]
        );
        assert_eq!(urls(&r, 2), ["https://other-user/@~/.npmrc:2"]);
        // Without argv and env, the project file wins over the user file, its last line first.
        let r = req(Npm, &["x"], sources[3..].to_vec());
        assert_eq!(urls(&r, 0), ["https://proj2/@.npmrc:2"]);
    }

    #[test]
    fn pip_indexes() {
        use Ecosystem::Pypi;
        use SourceKind::*;
        let r = req(Pypi, &["x"], vec![]);
        assert_eq!(urls(&r, 0), ["https://pypi.org/simple/@default"]);
        let r = req(
            Pypi,
            &["x"],
            vec![
                src(Pypi, Index, "https://cli/simple", None, Origin::Argv),
                src(Pypi, ExtraIndex, "https://extra/simple", None, Origin::Argv),
                src(Pypi, FindLinks, "./wheels", None, Origin::Argv),
                src(Pypi, Index, "https://file/simple", None, file("r.txt", 1)),
                src(
                    Pypi,
                    ExtraIndex,
                    "https://extra/simple/",
                    None,
                    file("r.txt", 2),
                ),
            ],
        );
        assert_eq!(
            urls(&r, 0),
            ["https://file/simple@r.txt:1", "https://extra/simple@argv"]
        );
        let r = req(
            Pypi,
            &["x"],
            vec![src(
                Pypi,
                NoIndex,
                "--no-index",
                None,
                Origin::Env("PIP_NO_INDEX".into()),
            )],
        );
        assert!(urls(&r, 0).is_empty());
    }

    #[test]
    fn only_unpopular_names_on_allowed_registries_without_credentials() {
        use Ecosystem::*;
        use SourceKind::*;
        let data = crate::reputation::store::embedded_data();
        let snap = data.popular();
        let settings = Settings {
            enabled: true,
            registries: vec![
                NPM_REGISTRY.into(),
                PYPI_INDEX.into(),
                "https://mirror/simple".into(),
            ],
            new_package_age: 1,
            new_version_age: 1,
        };
        let r = req(
            Pypi,
            &["requests", "some-unpopular-name ==1.2", "1337test"],
            vec![
                src(
                    Pypi,
                    ExtraIndex,
                    "https://u:p@private/simple",
                    None,
                    Origin::Argv,
                ),
                src(
                    Pypi,
                    ExtraIndex,
                    "https://mirror/simple",
                    None,
                    Origin::Argv,
                ),
                src(
                    Pypi,
                    ExtraIndex,
                    "https://elsewhere/simple",
                    None,
                    Origin::Argv,
                ),
            ],
        );
        let eval = verdict::evaluate(&r, &data);
        let p = plan(&r, &settings, snap, &eval);
        // `requests` is popular, `1337test` is already blocked as malicious.
        assert_eq!(p.planned.len(), 1);
        assert_eq!(p.planned[0].target, 1);
        assert!(p.planned[0].partial);
        let asked: Vec<(&str, Option<&str>)> = p
            .queries
            .iter()
            .map(|q| (q.registry.as_str(), q.version.as_deref()))
            .collect();
        assert_eq!(
            asked,
            [
                ("https://pypi.org/simple/", Some("1.2")),
                ("https://mirror/simple", Some("1.2"))
            ]
        );
        let skipped: Vec<(&str, Skip)> = p
            .skipped
            .iter()
            .map(|s| (s.registry.url.as_str(), s.why))
            .collect();
        assert_eq!(
            skipped,
            [
                ("https://u:p@private/simple", Skip::Credentials),
                ("https://elsewhere/simple", Skip::NotListed)
            ]
        );
        let r = req(
            Npm,
            &["lodash", "some-unpopular-name"],
            vec![src(Npm, Index, "file:///srv/registry", None, Origin::Argv)],
        );
        let p = plan(&r, &settings, snap, &verdict::evaluate(&r, &data));
        assert!(p.queries.is_empty());
        assert_eq!(p.skipped[0].why, Skip::NotHttp);
        assert_eq!(p.skipped[0].targets, [1]);
    }
}
