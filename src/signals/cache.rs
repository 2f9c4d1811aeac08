//! Registry answers kept in `$XDG_CACHE_HOME/installguard/registry/`, one small JSON file per
//! (registry, package), written atomically. Facts are kept, never verdicts: ages are computed
//! again at every use, so a cached "published yesterday" becomes "8 days old" on its own and a
//! cached answer can never turn a bad answer into a good one. Failures are not cached, except
//! that a registry that did not answer at all is left alone for a few minutes (so an offline
//! machine pays the budget once, not on every install) — and that is reported, not hidden.
//! Unreadable or foreign files are ignored (the registry is asked again).

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::Answer;
use crate::ecosystem::Ecosystem;

/// A "found" answer is reused for an hour: a new version published since is missed for at most
/// that long.
pub const FOUND_TTL: i64 = 3600;
/// When every version asked about is in a "found" answer, it is reused for a day: a published
/// version's date never changes, and a package taken down since has its files removed, so the
/// install fails by itself.
pub const PINNED_TTL: i64 = 86_400;
/// "No such package" is reused for ten minutes: a name that appears is what an attacker does,
/// and then it must be seen as new.
pub const MISSING_TTL: i64 = 600;
/// A registry that did not answer (refused, timed out, no route) is not asked again for five
/// minutes.
pub const DOWN_TTL: i64 = 300;
/// Cache files untouched for this long are deleted (checked at most once a day).
const PRUNE_AFTER: i64 = 7 * 86_400;
/// Bumped when the file format changes; other versions are ignored.
const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub format: u32,
    pub ecosystem: Ecosystem,
    pub registry: String,
    pub name: String,
    /// The URL asked (no credentials: only such URLs are asked).
    pub url: String,
    pub fetched: i64,
    #[serde(flatten)]
    pub answer: Answer,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Down {
    pub format: u32,
    pub registry: String,
    pub since: i64,
    pub why: String,
}

impl Entry {
    pub fn new(
        ecosystem: Ecosystem,
        registry: &str,
        name: &str,
        url: &str,
        fetched: i64,
        answer: Answer,
    ) -> Entry {
        Entry {
            format: FORMAT,
            ecosystem,
            registry: registry.to_string(),
            name: name.to_string(),
            url: url.to_string(),
            fetched,
            answer,
        }
    }

    /// Whether this answer may stand in for asking again at `now`, for these versions
    /// (`None`: the version an unpinned install gets).
    pub fn fresh(&self, versions: &[Option<&str>], now: i64) -> bool {
        let age = now - self.fetched;
        if age < 0 {
            return false; // the clock went back: trust nothing
        }
        match &self.answer {
            Answer::Missing => age < MISSING_TTL,
            Answer::Found(f) => {
                let pinned = !versions.is_empty()
                    && versions
                        .iter()
                        .all(|v| v.is_some_and(|v| f.versions.contains_key(v)));
                age < FOUND_TTL || (pinned && age < PINNED_TTL)
            }
            Answer::Unavailable { .. } => false,
        }
    }
}

impl Down {
    pub fn until(&self) -> i64 {
        self.since + DOWN_TTL
    }
}

pub struct Cache {
    dir: PathBuf,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl Cache {
    /// The cache in the XDG cache dir, if there is one. Creates nothing until a write.
    pub fn open() -> Option<Cache> {
        crate::dirs::cache_dir().map(|d| Cache::at(d.join("registry")))
    }

    pub fn at(dir: PathBuf) -> Cache {
        Cache { dir }
    }

    fn file(&self, kind: &str, key: &str) -> PathBuf {
        let digest = Sha256::digest(key.as_bytes());
        self.dir.join(format!("{kind}-{}.json", hex(&digest[..16])))
    }

    fn entry_file(&self, eco: Ecosystem, registry: &str, name: &str) -> PathBuf {
        self.file(
            eco.as_str(),
            &format!("{}\n{}\n{}", eco, norm(registry), eco.normalize(name)),
        )
    }

    pub fn load(&self, eco: Ecosystem, registry: &str, name: &str) -> Option<Entry> {
        let bytes = std::fs::read(self.entry_file(eco, registry, name)).ok()?;
        let e: Entry = serde_json::from_slice(&bytes).ok()?;
        (e.format == FORMAT
            && e.ecosystem == eco
            && norm(&e.registry) == norm(registry)
            && eco.normalize(&e.name) == eco.normalize(name))
        .then_some(e)
    }

    /// Keep an answer (only "found" and "missing" ones are worth keeping).
    pub fn store(&self, entry: &Entry) {
        if matches!(entry.answer, Answer::Unavailable { .. }) {
            return;
        }
        let path = self.entry_file(entry.ecosystem, &entry.registry, &entry.name);
        if let Ok(bytes) = serde_json::to_vec(entry) {
            self.write(&path, &bytes);
        }
    }

    pub fn down(&self, registry: &str, now: i64) -> Option<Down> {
        let bytes = std::fs::read(self.file("down", &norm(registry))).ok()?;
        let d: Down = serde_json::from_slice(&bytes).ok()?;
        (d.format == FORMAT
            && norm(&d.registry) == norm(registry)
            && d.since <= now
            && now < d.until())
        .then_some(d)
    }

    pub fn mark_down(&self, registry: &str, why: &str, now: i64) {
        let d = Down {
            format: FORMAT,
            registry: registry.to_string(),
            since: now,
            why: why.to_string(),
        };
        if let Ok(bytes) = serde_json::to_vec(&d) {
            self.write(&self.file("down", &norm(registry)), &bytes);
        }
    }

    /// Forget that a registry was down (it answered).
    pub fn mark_up(&self, registry: &str) {
        let _ = std::fs::remove_file(self.file("down", &norm(registry)));
    }

    /// Write by rename, so a reader never sees half a file. Errors are ignored: a cache that
    /// cannot be written only costs a question next time.
    fn write(&self, path: &Path, bytes: &[u8]) {
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let tmp = self.dir.join(format!(
            ".{}.{}.tmp",
            path.file_name().and_then(|n| n.to_str()).unwrap_or("entry"),
            std::process::id()
        ));
        let ok = std::fs::File::create(&tmp)
            .and_then(|mut f| f.write_all(bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if ok.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// Delete files not written for [`PRUNE_AFTER`], at most once a day.
    pub fn prune(&self, now: i64) {
        let marker = self.dir.join(".pruned");
        let age = |p: &Path| -> Option<i64> {
            let m = std::fs::metadata(p).ok()?.modified().ok()?;
            let secs = m.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
            Some(now - i64::try_from(secs).ok()?)
        };
        if age(&marker).is_some_and(|a| a < 86_400) {
            return;
        }
        let Ok(dir) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for e in dir.flatten() {
            let p = e.path();
            if p != marker && age(&p).is_some_and(|a| a > PRUNE_AFTER) {
                let _ = std::fs::remove_file(&p);
            }
        }
        let _ = std::fs::write(marker, b"");
    }
}

/// Registry URLs compare without a trailing `/` and without case in the scheme and host.
fn norm(url: &str) -> String {
    let url = url.trim_end_matches('/');
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (host, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            format!(
                "{}://{}{path}",
                scheme.to_ascii_lowercase(),
                host.to_ascii_lowercase()
            )
        }
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signals::Facts;

    fn entry(answer: Answer, fetched: i64) -> Entry {
        Entry::new(
            Ecosystem::Npm,
            "https://registry.npmjs.org/",
            "left-pad",
            "https://registry.npmjs.org/left-pad",
            fetched,
            answer,
        )
    }

    #[test]
    fn freshness() {
        let mut f = Facts::default();
        f.versions.insert("1.0.0".into(), Some(0));
        let found = entry(Answer::Found(f), 1_000_000);
        let now = 1_000_000;
        assert!(found.fresh(&[None], now + FOUND_TTL - 1));
        assert!(!found.fresh(&[None], now + FOUND_TTL));
        assert!(found.fresh(&[Some("1.0.0")], now + PINNED_TTL - 1));
        assert!(!found.fresh(&[Some("1.0.0"), None], now + FOUND_TTL));
        // A version the cached answer does not know may have been published since.
        assert!(!found.fresh(&[Some("1.0.1")], now + FOUND_TTL));
        assert!(!found.fresh(&[None], now - 1));
        let missing = entry(Answer::Missing, now);
        assert!(missing.fresh(&[None], now + MISSING_TTL - 1));
        assert!(!missing.fresh(&[None], now + MISSING_TTL));
    }

    #[test]
    fn round_trip_and_foreign_files() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::at(dir.path().join("registry"));
        assert!(
            c.load(Ecosystem::Npm, "https://registry.npmjs.org", "left-pad")
                .is_none()
        );
        let e = entry(Answer::Missing, 5);
        c.store(&e);
        assert_eq!(
            c.load(Ecosystem::Npm, "https://REGISTRY.npmjs.org", "Left-Pad"),
            Some(e.clone())
        );
        c.store(&entry(Answer::Unavailable { why: "x".into() }, 6));
        assert_eq!(
            c.load(Ecosystem::Npm, "https://registry.npmjs.org/", "left-pad"),
            Some(e)
        );
        // Garbage in a cache file is a miss, not an answer.
        let path = c.entry_file(Ecosystem::Npm, "https://registry.npmjs.org/", "left-pad");
        std::fs::write(&path, b"{\"answer\":\"found\"").unwrap();
        assert!(
            c.load(Ecosystem::Npm, "https://registry.npmjs.org/", "left-pad")
                .is_none()
        );

        c.mark_down("http://127.0.0.1:9/", "refused", 100);
        assert!(c.down("http://127.0.0.1:9", 100 + DOWN_TTL - 1).is_some());
        assert!(c.down("http://127.0.0.1:9", 100 + DOWN_TTL).is_none());
        c.mark_up("http://127.0.0.1:9");
        assert!(c.down("http://127.0.0.1:9", 101).is_none());
    }
}
