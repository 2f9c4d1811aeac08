//! The watch around an install (the real tool and everything it starts): a snapshot of the
//! startup and persistence locations before and after, and on Linux the opening of credential
//! stores while it runs, turned into `behaviour` findings (what, which path, created /
//! modified / deleted / read, ATT&CK technique) for the terminal, the audit record and syslog.
//! Cheap by construction: `stat` and hashes of small files, watches only on stores that exist,
//! nothing at all for commands that install nothing. Never undoes or stops anything: a problem
//! while looking is recorded as incomplete detection. Decides nothing: the guard turns findings
//! into an exit code when the policy says so (`[watch] on-finding = "fail"`).

pub mod catalog;
pub mod reads;
pub mod snapshot;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

pub use catalog::{Category, Context};

/// One thing the watch saw: the record's `behaviour` entries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Behaviour {
    /// `persistence` (a startup location created or changed) or `credential-read`.
    pub what: String,
    /// [`Category::id`]: `shell-startup`, `ssh-private-key`, ...
    pub category: String,
    /// The path, `~/` for the home directory (`crontab -l` for the crontab).
    pub path: String,
    /// `created`, `modified`, `deleted` or `read`.
    pub change: String,
    /// The MITRE ATT&CK technique id (`T1546.004`).
    pub technique: String,
    /// Lines added, link target, mode; for reads, the caveat that any process may have read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Behaviour {
    /// The category, parsed back from the record (None for one this version does not know).
    pub fn category(&self) -> Option<Category> {
        ALL_CATEGORIES
            .iter()
            .copied()
            .find(|c| c.id() == self.category)
    }

    /// One line for people: `modified ~/.bashrc (shell startup file, T1546.004): 1 line added: …`.
    pub fn line(&self) -> String {
        let label = match self.category() {
            Some(c) => c.label(),
            None => self.category.as_str(),
        };
        let detail = self
            .detail
            .as_deref()
            .map(|d| format!(": {d}"))
            .unwrap_or_default();
        format!(
            "{} {} ({label}, {}){detail}",
            self.change, self.path, self.technique
        )
    }
}

const ALL_CATEGORIES: [Category; 24] = [
    Category::ShellStartup,
    Category::XdgAutostart,
    Category::SystemdUnit,
    Category::Crontab,
    Category::SshAuthorizedKeys,
    Category::SshConfig,
    Category::GitConfig,
    Category::GitHooks,
    Category::LaunchAgent,
    Category::LaunchDaemon,
    Category::LoginItem,
    Category::Preload,
    Category::GuardConfig,
    Category::SshPrivateKey,
    Category::CloudCredentials,
    Category::ContainerCredentials,
    Category::GitCredentials,
    Category::Netrc,
    Category::PackageCredentials,
    Category::BrowserCookies,
    Category::BrowserLogins,
    Category::BrowserWallet,
    Category::DesktopWallet,
    Category::Keychain,
];

/// How much the watch could see: the record's `watch` member.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// False when something could not be looked at (`problems` says what).
    pub complete: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
    /// Persistence files and directories compared.
    pub files: usize,
    /// Credential stores watched for reads.
    pub watched: usize,
    /// Set when reads are not watched on this system, saying why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reads: Option<String>,
    /// Credential categories left out for this install because the tool reads them itself.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expected: Vec<String>,
    /// Time the watch added to the install (both snapshots, setting up and draining).
    pub ms: u64,
}

/// What the watch reports after the install.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub behaviour: Vec<Behaviour>,
    pub coverage: Coverage,
}

/// A watch in progress.
pub struct Watch {
    home: PathBuf,
    catalog: catalog::Catalog,
    before: snapshot::Snapshot,
    reads: reads::Reads,
    spent: Duration,
}

/// `~/rest` for paths under the home directory.
pub fn show_path(path: &Path, home: &Path) -> String {
    match path.strip_prefix(home) {
        Ok(rest) if !home.as_os_str().is_empty() && home != Path::new("/") => {
            format!("~/{}", rest.display())
        }
        _ => path.display().to_string(),
    }
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

/// Start watching (before the real tool is spawned). `ctx` says which tool runs and whether it
/// fetches git dependencies, so its own reads are not reported.
pub fn start(ctx: Context) -> Watch {
    let t = Instant::now();
    let Some(home) = home() else {
        return Watch {
            home: PathBuf::new(),
            catalog: catalog::Catalog::default(),
            before: snapshot::Snapshot {
                problems: vec!["no home directory (HOME is unset): nothing was watched".into()],
                ..Default::default()
            },
            reads: reads::start(&[], &[]),
            spent: t.elapsed(),
        };
    };
    let env = |k: &str| std::env::var(k).ok();
    let mut git_dirs = Vec::new();
    let config = env("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| home.join(".config"));
    for f in [home.join(".gitconfig"), config.join("git/config")] {
        if let Ok(b) = crate::files::read_regular(&f, snapshot::HASH_LIMIT) {
            for d in catalog::git_hook_dirs(&String::from_utf8_lossy(&b), &home) {
                if !git_dirs.contains(&d) {
                    git_dirs.push(d);
                }
            }
        }
    }
    let guard_config = crate::policy::load::user_path();
    let shims = crate::dirs::data_dir().map(|d| d.join("shims"));
    let catalog = catalog::catalog(
        &home,
        &env,
        catalog::Os::current(),
        ctx,
        &git_dirs,
        guard_config.as_deref(),
        shims.as_deref(),
    );
    let before = snapshot::take(&catalog.spots, catalog.crontab, None);
    let reads = reads::start(&catalog.stores, &catalog.browsers);
    Watch {
        home,
        catalog,
        before,
        reads,
        spent: t.elapsed(),
    }
}

impl Watch {
    /// Stop watching (after the real tool ended) and say what was seen.
    pub fn finish(self) -> Report {
        let t = Instant::now();
        let watched = self.reads.watched;
        let unsupported = self.reads.unsupported;
        let (opened, mut problems) = self.reads.finish();
        let after = snapshot::take(
            &self.catalog.spots,
            self.catalog.crontab,
            Some(&self.before),
        );
        let mut behaviour: Vec<Behaviour> = snapshot::diff(&self.before, &after)
            .into_iter()
            .map(|c| Behaviour {
                what: "persistence".into(),
                category: c.category.id().into(),
                path: if c.category == Category::Crontab && c.path == Path::new("crontab -l") {
                    "crontab -l".into()
                } else {
                    show_path(&c.path, &self.home)
                },
                change: c.change.into(),
                technique: c.category.technique().0.into(),
                detail: c.detail,
            })
            .collect();
        behaviour.extend(opened.into_iter().map(|o| Behaviour {
            what: "credential-read".into(),
            category: o.category.id().into(),
            path: show_path(&o.path, &self.home),
            change: "read".into(),
            technique: o.category.technique().0.into(),
            detail: Some(
                "opened while the install ran (the kernel does not say by which process)".into(),
            ),
        }));
        for p in self.before.problems.iter().chain(&after.problems) {
            if !problems.contains(p) {
                problems.push(p.clone());
            }
        }
        let spent = self.spent + t.elapsed();
        Report {
            behaviour,
            coverage: Coverage {
                complete: problems.is_empty() && unsupported.is_none(),
                problems,
                files: after.looked_at.max(self.before.looked_at),
                watched,
                reads: unsupported.map(str::to_string),
                expected: self
                    .catalog
                    .expected
                    .iter()
                    .map(|(c, why)| format!("{} not watched ({why})", c.id()))
                    .collect(),
                ms: u64::try_from(spent.as_millis()).unwrap_or(u64::MAX),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaviour_lines_read_well_and_categories_round_trip() {
        let b = Behaviour {
            what: "persistence".into(),
            category: "shell-startup".into(),
            path: "~/.bashrc".into(),
            change: "modified".into(),
            technique: "T1546.004".into(),
            detail: Some("1 line added: echo hi".into()),
        };
        assert_eq!(
            b.line(),
            "modified ~/.bashrc (shell startup file, T1546.004): 1 line added: echo hi"
        );
        for c in ALL_CATEGORIES {
            let b = Behaviour {
                category: c.id().into(),
                ..b.clone()
            };
            assert_eq!(b.category(), Some(c));
        }
        assert_eq!(
            show_path(Path::new("/h/u/.ssh/id_rsa"), Path::new("/h/u")),
            "~/.ssh/id_rsa"
        );
        assert_eq!(
            show_path(Path::new("/etc/profile"), Path::new("/h/u")),
            "/etc/profile"
        );
    }
}
