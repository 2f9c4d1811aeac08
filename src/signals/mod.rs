//! Registry signals: what the registry or index a command will use knows about a package that
//! no feed lists yet — when the name and the version to be installed were first published,
//! whether the name exists at all, whether the registry has taken the package down. Asked only
//! for names that are not on the popular lists, in parallel, within a total budget
//! ([`BUDGET`]), with answers cached in the XDG cache dir; never with credentials.
//!
//! The pieces: `plan` (request → queries; pure), `ask` (queries → answers: the cache and the
//! network, the only I/O), `npm`/`pypi` (each registry's URL and answer format; pure), `judge`
//! (answers → findings with the rules' built-in severities; pure). Does not change what gets
//! installed, and never decides on its own: the policy turns the findings into a verdict.

pub mod ask;
pub mod cache;
pub mod judge;
pub mod npm;
pub mod plan;
pub mod pypi;

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::ecosystem::Ecosystem;
use crate::policy::{Policy, Value};
use crate::reputation::snapshot::Snapshot;
use crate::request::Request;
use crate::verdict::{self, Evaluation};

pub use ask::ask;

/// The whole time registry signals may add to a command, however many packages are asked
/// about: past it, the packages still unanswered are reported as not checked and the offline
/// verdict stands.
pub const BUDGET: Duration = Duration::from_secs(2);

/// The public registries asked by default (`[signals] registries`).
pub const NPM_REGISTRY: &str = "https://registry.npmjs.org/";
pub const PYPI_INDEX: &str = "https://pypi.org/simple/";

/// One question for a registry: what it knows about `name` (and `version`, when the version to
/// be installed is known exactly). The registry URL is the one the package manager will use.
/// The API for every caller: the guard asks about the names on the command line; a resolver
/// can ask about every resolved (transitive) version the same way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Query {
    pub ecosystem: Ecosystem,
    /// The name as the package manager asks for it (npm: as written; PyPI: any spelling).
    pub name: String,
    /// The exact version to be installed, when known (pinned or resolved).
    pub version: Option<String>,
    /// The registry or index base URL (`https://registry.npmjs.org/`, `https://pypi.org/simple/`),
    /// without credentials: [`plan`] never produces a query for a URL that carries any.
    pub registry: String,
}

/// What a registry knows about one package.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// When the name first appeared (npm `time.created`; PyPI: the earliest upload), Unix s.
    pub created: Option<i64>,
    /// Every version with its publish time (npm `time[v]`; PyPI: the version's first upload),
    /// `None` where the registry does not say.
    pub versions: BTreeMap<String, Option<i64>>,
    /// The version an install without a pinned version gets: npm `dist-tags.latest`; PyPI:
    /// the most recently released version with a file that is not yanked.
    pub latest: Option<String>,
    /// Set when the registry has taken the package down or marked it: `security-placeholder`
    /// (npm), or a PEP 792 status other than `active` (`quarantined`, `archived`, ...).
    pub status: Option<String>,
    /// The registry's reason for the status (PEP 792 `reason`), if it gives one.
    pub status_reason: Option<String>,
    /// When npm says every version was unpublished (the name exists but has no versions).
    pub unpublished: Option<i64>,
}

impl Facts {
    /// The registry itself marks the package as malicious or unsafe.
    pub fn flagged(&self) -> bool {
        matches!(
            self.status.as_deref(),
            Some(STATUS_PLACEHOLDER | STATUS_QUARANTINED)
        )
    }

    /// Whether the registry says when anything was published.
    pub fn dated(&self) -> bool {
        self.created.is_some() || self.versions.values().any(Option::is_some)
    }
}

pub const STATUS_PLACEHOLDER: &str = "security-placeholder";
pub const STATUS_QUARANTINED: &str = "quarantined";

/// A registry's answer to one package question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "answer")]
pub enum Answer {
    Found(Facts),
    /// The registry does not know the name (HTTP 404 or 410).
    Missing,
    /// No usable answer: why (timeout, connection refused, HTTP 401, an unreadable document).
    Unavailable {
        why: String,
    },
}

/// An answer with where and when it was obtained.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Asked {
    /// The URL asked (the packument or project page), credentials removed.
    pub url: String,
    /// When the answer was fetched (Unix s); earlier than now when it came from the cache.
    pub fetched: i64,
    pub answer: Answer,
}

/// The `[signals]` settings of the effective policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub enabled: bool,
    /// Registries that may be asked (host and path prefix, as in `[sources]`).
    pub registries: Vec<String>,
    /// `[signals] new-package-age` in seconds.
    pub new_package_age: u64,
    /// `[signals] new-version-age` in seconds.
    pub new_version_age: u64,
}

impl Settings {
    pub fn from_policy(policy: &Policy) -> Settings {
        let secs = |key: &str, default: u64| match policy.get(key).map(|s| &s.value) {
            Some(Value::Secs(n, _)) => *n,
            _ => default,
        };
        Settings {
            enabled: !matches!(
                policy.get("signals.enabled").map(|s| &s.value),
                Some(Value::Bool(false))
            ),
            registries: match policy.get("signals.registries").map(|s| &s.value) {
                Some(Value::List(l)) => l.clone(),
                _ => vec![NPM_REGISTRY.into(), PYPI_INDEX.into()],
            },
            new_package_age: secs("signals.new-package-age", 7 * 86_400),
            new_version_age: secs("signals.new-version-age", 2 * 86_400),
        }
    }
}

/// Ask the registries about the request's packages and add what they say to `evaluation`
/// (findings with the rules' built-in severities; `policy::apply` turns them). Costs nothing
/// when signals are off or every package is popular, at most [`BUDGET`] otherwise.
pub fn check(request: &Request, policy: &Policy, snap: &Snapshot, evaluation: &mut Evaluation) {
    let settings = Settings::from_policy(policy);
    if !settings.enabled {
        return;
    }
    let plan = plan::plan(request, &settings, snap, evaluation);
    if plan.is_empty() {
        return;
    }
    let answers = ask(&plan.queries, &ask::Options::default());
    let now = crate::time::now_unix();
    evaluation
        .findings
        .extend(judge::judge(request, &plan, &answers, &settings, now));
    evaluation.verdict = verdict::verdict_of(&evaluation.findings);
}
