//! The reputation data in effect: the snapshot embedded in the binary plus, when there is a
//! usable one, the updated-data file's reports, looked up as a union. An update can only add:
//! whatever the file holds (nothing, a truncated feed, withdrawals), every embedded report
//! and every popular name stay. Also how old the data is, and when that deserves a hint.
//! Pure; choosing and opening the files is `store`'s job.

use super::snapshot::{Meta, PopularList, Report, Snapshot};
use super::updated::Updated;
use crate::ecosystem::Ecosystem;

/// Data whose newest report is older than this many days gets a "run `installguard update`"
/// hint in `check`, the prompt and `doctor`.
pub const STALE_AFTER_DAYS: i64 = 7;

/// How far in the future a date may lie before data carrying it is refused: clocks disagree,
/// but a report or a file dated tomorrow would make the data look fresh for that long.
pub const CLOCK_SKEW_SECS: i64 = 86_400;

pub struct Data<'a> {
    embedded: Snapshot<'a>,
    updated: Option<Updated<'a>>,
}

impl<'a> Data<'a> {
    pub fn new(embedded: Snapshot<'a>, updated: Option<Updated<'a>>) -> Data<'a> {
        Data { embedded, updated }
    }

    /// The report that marks `normalized` malicious in `eco`: the embedded one and the
    /// updated one merged (the union of the versions they mark), or whichever exists.
    pub fn malicious(&self, eco: Ecosystem, normalized: &str) -> Option<Report> {
        let embedded = self.embedded.malicious(eco, normalized);
        let updated = self
            .updated
            .as_ref()
            .and_then(|u| u.malicious(eco, normalized));
        match (embedded, updated) {
            (Some(mut a), Some(b)) => {
                a.merge(b);
                Some(a)
            }
            (a, b) => a.or(b),
        }
    }

    /// The popular names and their similarity index: the embedded snapshot's only.
    pub fn popular(&self) -> &Snapshot<'a> {
        &self.embedded
    }

    pub fn popular_rank(&self, list: PopularList, normalized: &str) -> Option<u32> {
        self.embedded.popular_rank(list, normalized)
    }

    pub fn embedded(&self) -> &Meta {
        self.embedded.meta()
    }

    pub fn updated(&self) -> Option<&Updated<'a>> {
        self.updated.as_ref()
    }

    /// When the data in effect was current (RFC 3339): the later of the embedded snapshot's
    /// newest report and the updated file's (which `update` caps at its import time).
    pub fn newest_report(&self) -> &str {
        let embedded = &self.embedded().newest_report;
        match &self.updated {
            Some(u)
                if crate::time::parse_rfc3339(&u.meta().newest_report)
                    > crate::time::parse_rfc3339(embedded) =>
            {
                &u.meta().newest_report
            }
            _ => embedded,
        }
    }

    /// When the newest part of the data was built: the updated file's, else the embedded one's.
    pub fn built(&self) -> &str {
        match &self.updated {
            Some(u) => &u.meta().built,
            None => &self.embedded().built,
        }
    }

    /// How old the data is at `now` (Unix seconds).
    pub fn freshness(&self, now: i64) -> Freshness {
        let newest = crate::time::parse_rfc3339(self.newest_report()).map(|t| t.min(now));
        Freshness::at(newest, now)
    }
}

/// The age of the data in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Freshness {
    /// The newest report (Unix seconds, never later than now); `None` when unknown.
    pub newest_report: Option<i64>,
    pub age_days: Option<i64>,
    /// Older than [`STALE_AFTER_DAYS`] (or of unknown age).
    pub stale: bool,
}

impl Freshness {
    pub fn at(newest_report: Option<i64>, now: i64) -> Freshness {
        let age_days = newest_report.map(|t| (now - t).max(0) / 86_400);
        Freshness {
            newest_report,
            age_days,
            stale: age_days.is_none_or(|d| d > STALE_AFTER_DAYS),
        }
    }

    /// "698 days old (newest report 2024-12-31)".
    pub fn describe(&self) -> String {
        match (self.age_days, self.newest_report) {
            (Some(d), Some(t)) => format!(
                "{d} day{} old (newest report {})",
                if d == 1 { "" } else { "s" },
                &crate::time::format_rfc3339(t)[..10]
            ),
            _ => "of unknown age".to_string(),
        }
    }

    /// The one-line hint shown once the data is stale, else `None`.
    pub fn hint(&self) -> Option<String> {
        self.stale.then(|| {
            format!(
                "the reputation data is {}; refresh it with `installguard update`",
                self.describe()
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::collections::BTreeMap;

    use super::*;
    use crate::reputation::snapshot::{key, malicious_tag};
    use crate::reputation::updated::tests::report;
    use crate::reputation::{store, updated};

    fn file(reports: &[(Ecosystem, &str, Report)], newest: &str) -> Vec<u8> {
        let mut map = BTreeMap::new();
        for (eco, name, r) in reports {
            map.insert(key(malicious_tag(*eco), name), r.clone());
        }
        let meta = Meta {
            format: updated::FORMAT,
            newest_report: newest.into(),
            built: newest.into(),
            sources: vec![],
            malicious_count: map.len() as u64,
            popular_count: 0,
            feeds: vec![],
        };
        updated::write(&meta, &map).unwrap()
    }

    fn data(bytes: &[u8]) -> Data<'_> {
        Data::new(
            Snapshot::open(Cow::Borrowed(store::EMBEDDED)).unwrap(),
            Some(Updated::open(bytes).unwrap()),
        )
    }

    /// A PyPI name the embedded data reports for every version.
    fn embedded_bad() -> String {
        let snap = Snapshot::open(Cow::Borrowed(store::EMBEDDED)).unwrap();
        let (k, _) = snap
            .reports()
            .into_iter()
            .find(|(k, r)| k[0] == b'p' && r.all_versions())
            .unwrap();
        String::from_utf8(k[1..].to_vec()).unwrap()
    }

    #[test]
    fn an_empty_update_removes_nothing() {
        let bytes = file(&[], "2026-01-01T00:00:00Z");
        let d = data(&bytes);
        assert!(d.malicious(Ecosystem::Pypi, &embedded_bad()).is_some());
        assert_eq!(d.popular_rank(PopularList::Pypi, "requests"), Some(7));
    }

    #[test]
    fn updated_reports_add_and_merge_with_embedded_ones() {
        let bad = embedded_bad();
        let bytes = file(
            &[
                (Ecosystem::Npm, "igtest-new", report("MAL-9", None)),
                (
                    Ecosystem::Pypi,
                    bad.as_str(),
                    report("MAL-0000-1", Some(&["9.9"])),
                ),
            ],
            "2026-01-01T00:00:00Z",
        );
        let d = data(&bytes);
        assert_eq!(
            d.malicious(Ecosystem::Npm, "igtest-new").unwrap().id,
            "MAL-9"
        );
        // The embedded report marks every version; a version-specific update cannot narrow it.
        let merged = d.malicious(Ecosystem::Pypi, &bad).unwrap();
        assert!(merged.all_versions(), "{merged:?}");
        assert_eq!(merged.id, "MAL-0000-1");
        assert!(d.malicious(Ecosystem::Npm, "lodash").is_none());
    }

    #[test]
    fn age_is_the_newer_of_both_and_never_in_the_future() {
        let bytes = file(&[], "2026-01-01T00:00:00Z");
        let d = data(&bytes);
        assert_eq!(d.newest_report(), "2026-01-01T00:00:00Z");
        let now = crate::time::parse_rfc3339("2026-01-03T00:00:00Z").unwrap();
        let f = d.freshness(now);
        assert_eq!((f.age_days, f.stale), (Some(2), false));
        assert_eq!(f.hint(), None);
        let f = d.freshness(now + 30 * 86_400);
        assert!(f.stale);
        assert!(
            f.hint()
                .unwrap()
                .contains("32 days old (newest report 2026-01-01)")
        );
        // An old updated file does not make the data look older than the embedded snapshot.
        let old = file(&[], "2001-01-01T00:00:00Z");
        let d = data(&old);
        assert_eq!(d.newest_report(), d.embedded().newest_report);
        let before = crate::time::parse_rfc3339("2025-12-31T00:00:00Z").unwrap();
        assert_eq!(data(&bytes).freshness(before).age_days, Some(0));
    }
}
