//! Reading OSV bulk feeds (`<base>/<Ecosystem>/all.zip`, one OSV JSON report per entry) into
//! malicious-package reports. Pure: takes the zip's bytes and the time, returns reports or an
//! error that names the bad entry. `MAL-` reports are kept; other advisories are only counted.
//! Entries dated in the future are listed for the caller to refuse; withdrawn reports are
//! listed, not applied (what a withdrawal means for stored data is `update`'s decision).

use std::io::Read;

use serde::Deserialize;

use super::DataError;
use super::data::CLOCK_SKEW_SECS;
use super::snapshot::{self, Report};
use super::updated;
use crate::ecosystem::Ecosystem;

/// Largest single report we accept (real ones are a few KiB).
pub const MAX_ENTRY_BYTES: u64 = 4 << 20;

/// What one feed contained.
#[derive(Debug, Default)]
pub struct Parsed {
    /// (package name as written, report) for every `MAL-` report that is not withdrawn.
    pub reports: Vec<(String, Report)>,
    /// (package name, report id) of withdrawn `MAL-` reports.
    pub withdrawn: Vec<(String, String)>,
    /// Other advisories (GHSA, PYSEC, ...), not used for blocking.
    pub other_advisories: usize,
    /// The newest `modified` time in the feed (RFC 3339), never later than `now`: the feed's
    /// version. Empty when no entry has a readable one.
    pub newest_modified: String,
    /// Entries dated (modified or published) more than [`CLOCK_SKEW_SECS`] after `now`:
    /// `"MAL-2099-1 (modified 2099-01-02T00:00:00Z)"`.
    pub future: Vec<String>,
}

#[derive(Deserialize)]
struct Osv {
    id: String,
    #[serde(default)]
    modified: String,
    #[serde(default)]
    published: String,
    #[serde(default)]
    withdrawn: Option<String>,
    #[serde(default)]
    affected: Vec<Affected>,
}

#[derive(Deserialize)]
struct Affected {
    package: Option<Package>,
    #[serde(default)]
    ranges: Vec<Range>,
    #[serde(default)]
    versions: Vec<String>,
}

#[derive(Deserialize)]
struct Package {
    ecosystem: String,
    name: String,
}

#[derive(Deserialize)]
struct Range {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    events: Vec<serde_json::Map<String, serde_json::Value>>,
}

/// Turn OSV range events into our `>=A <B` / `>=A <=B` / `>=A` strings. `None` means the range
/// covers every version (introduced "0" with no end).
fn ranges_of(range: &Range) -> Result<Option<Vec<String>>, String> {
    let mut out = Vec::new();
    let mut open: Option<String> = None;
    let mut all = false;
    for ev in &range.events {
        let (k, v) = ev.iter().next().ok_or("empty range event")?;
        let v = v
            .as_str()
            .ok_or_else(|| format!("range event {k} is not a string"))?;
        match k.as_str() {
            "introduced" => {
                if let Some(start) = open.take() {
                    out.push(format!(">={start}"));
                }
                open = Some(v.to_string());
            }
            "fixed" | "limit" => {
                let start = open
                    .take()
                    .ok_or_else(|| format!("`{k}` without `introduced`"))?;
                out.push(if start == "0" {
                    format!("<{v}")
                } else {
                    format!(">={start} <{v}")
                });
            }
            "last_affected" => {
                let start = open.take().ok_or("`last_affected` without `introduced`")?;
                out.push(if start == "0" {
                    format!("<={v}")
                } else {
                    format!(">={start} <={v}")
                });
            }
            other => return Err(format!("unknown range event `{other}`")),
        }
    }
    if let Some(start) = open {
        if start == "0" {
            all = true;
        } else {
            out.push(format!(">={start}"));
        }
    }
    Ok(if all { None } else { Some(out) })
}

fn report_of(osv: &Osv, affected: &Affected) -> Result<Report, String> {
    let mut ranges = Vec::new();
    let mut all = false;
    for r in &affected.ranges {
        if r.kind == "GIT" {
            continue;
        }
        match ranges_of(r)? {
            None => all = true,
            Some(rs) => ranges.extend(rs),
        }
    }
    let versions = if all || (affected.versions.is_empty() && ranges.is_empty()) {
        None
    } else {
        Some(affected.versions.clone())
    };
    Ok(Report {
        id: osv.id.clone(),
        published: if osv.published.is_empty() {
            osv.modified.clone()
        } else {
            osv.published.clone()
        },
        ranges: if versions.is_none() {
            Vec::new()
        } else {
            ranges
        },
        versions,
    })
}

/// Parse one `all.zip` of `eco` at time `now` (Unix seconds). `label` names the feed in errors
/// (`npm/all.zip`).
pub fn parse_zip(eco: Ecosystem, label: &str, bytes: &[u8], now: i64) -> Result<Parsed, DataError> {
    let err = |what: String| DataError(format!("{label}: {what}"));
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
        err(format!(
            "not a valid zip archive ({e}); the download may be truncated"
        ))
    })?;
    let osv_eco = eco
        .osv_name()
        .ok_or_else(|| err(format!("{eco} has no OSV feed")))?;
    let mut parsed = Parsed::default();
    let mut newest: Option<i64> = None;
    if archive.is_empty() {
        return Err(err("the archive is empty".into()));
    }
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| err(format!("entry #{i}: cannot read ({e})")))?;
        let name = entry
            .name()
            .map(std::borrow::Cow::into_owned)
            .map_err(|e| err(format!("entry #{i}: bad file name ({e})")))?;
        if entry.is_dir() {
            continue;
        }
        let at = |what: String| err(format!("{name}: {what}"));
        if name.contains('/') || !name.ends_with(".json") {
            return Err(at(
                "unexpected entry: an OSV all.zip holds `<ID>.json` files at the top level".into(),
            ));
        }
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(at(format!(
                "{} bytes is more than the {MAX_ENTRY_BYTES}-byte limit for one report",
                entry.size()
            )));
        }
        let mut text = Vec::with_capacity(entry.size() as usize);
        (&mut entry)
            .take(MAX_ENTRY_BYTES + 1)
            .read_to_end(&mut text)
            .map_err(|e| at(format!("cannot decompress ({e})")))?;
        let osv: Osv =
            serde_json::from_slice(&text).map_err(|e| at(format!("invalid OSV JSON: {e}")))?;
        if osv.id.is_empty() || name.trim_end_matches(".json") != osv.id {
            return Err(at(format!(
                "the report's id `{}` does not match its file name",
                osv.id
            )));
        }
        if let Some(m) = crate::time::parse_rfc3339(&osv.modified) {
            newest = newest.max(Some(m.min(now)));
        }
        for (what, date) in [("modified", &osv.modified), ("published", &osv.published)] {
            if crate::time::parse_rfc3339(date).is_some_and(|t| t > now + CLOCK_SKEW_SECS) {
                parsed.future.push(format!("{} ({what} {date})", osv.id));
                break;
            }
        }
        if !osv.id.starts_with("MAL-") {
            parsed.other_advisories += 1;
            continue;
        }
        for affected in &osv.affected {
            let Some(pkg) = &affected.package else {
                continue;
            };
            if pkg.ecosystem != osv_eco {
                return Err(at(format!(
                    "package ecosystem `{}` in the {osv_eco} feed",
                    pkg.ecosystem
                )));
            }
            if osv.withdrawn.is_some() {
                parsed.withdrawn.push((pkg.name.clone(), osv.id.clone()));
                continue;
            }
            let report = report_of(&osv, affected).map_err(&at)?;
            let key = snapshot::key(snapshot::malicious_tag(eco), &eco.normalize(&pkg.name));
            updated::storable(&key, &report).map_err(&at)?;
            parsed.reports.push((pkg.name.clone(), report));
        }
    }
    parsed.newest_modified = newest.map(crate::time::format_rfc3339).unwrap_or_default();
    Ok(parsed)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000; // 2027-01-15

    fn events(json: &str) -> Option<Vec<String>> {
        let r: Range = serde_json::from_str(json).unwrap();
        ranges_of(&r).unwrap()
    }

    #[test]
    fn osv_ranges() {
        assert_eq!(
            events(r#"{"type":"SEMVER","events":[{"introduced":"0"}]}"#),
            None
        );
        assert_eq!(
            events(r#"{"type":"SEMVER","events":[{"introduced":"1.95.6"},{"fixed":"1.95.8"}]}"#),
            Some(vec![">=1.95.6 <1.95.8".to_string()])
        );
        assert_eq!(
            events(
                r#"{"type":"ECOSYSTEM","events":[{"introduced":"1.1.5"},{"last_affected":"1.1.7"}]}"#
            ),
            Some(vec![">=1.1.5 <=1.1.7".to_string()])
        );
        assert_eq!(
            events(r#"{"type":"SEMVER","events":[{"introduced":"2.0"}]}"#),
            Some(vec![">=2.0".to_string()])
        );
    }

    #[test]
    fn real_sample_feed() {
        let bytes = include_bytes!("../../tests/fixtures/osv/npm/all.zip");
        let parsed = parse_zip(Ecosystem::Npm, "npm/all.zip", bytes, NOW).unwrap();
        assert_eq!(parsed.reports.len(), 122);
        let (_, solana) = parsed
            .reports
            .iter()
            .find(|(n, _)| n == "@solana/web3.js")
            .unwrap();
        assert_eq!(solana.ranges, [">=1.95.6 <1.95.8"]);
        assert!(parsed.newest_modified.starts_with("20"));
    }

    #[test]
    fn truncated_zip_is_an_error_naming_the_feed() {
        let bytes = include_bytes!("../../tests/fixtures/osv/npm/all.zip");
        let e = parse_zip(
            Ecosystem::Npm,
            "npm/all.zip",
            &bytes[..bytes.len() / 2],
            NOW,
        )
        .unwrap_err();
        assert!(e.0.starts_with("npm/all.zip: not a valid zip"), "{e}");
    }

    /// A zip of OSV entries `(id, json)`.
    pub(crate) fn zip_of(entries: &[(String, String)]) -> Vec<u8> {
        use std::io::Write;
        let mut out = Vec::new();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
        for (id, json) in entries {
            z.start_file(
                format!("{id}.json"),
                zip::write::SimpleFileOptions::default(),
            )
            .unwrap();
            z.write_all(json.as_bytes()).unwrap();
        }
        z.finish().unwrap();
        out
    }

    pub(crate) fn osv(id: &str, name: &str, modified: &str, withdrawn: bool) -> (String, String) {
        let w = if withdrawn {
            format!(r#","withdrawn":"{modified}""#)
        } else {
            String::new()
        };
        (
            id.to_string(),
            format!(
                r#"{{"id":"{id}","modified":"{modified}","published":"{modified}"{w},
                "affected":[{{"package":{{"ecosystem":"npm","name":"{name}"}},
                "ranges":[{{"type":"SEMVER","events":[{{"introduced":"0"}}]}}]}}]}}"#
            ),
        )
    }

    #[test]
    fn future_dates_are_listed_and_the_feed_version_is_capped_at_now() {
        let bytes = zip_of(&[
            osv("MAL-1", "a", "2026-01-01T00:00:00Z", false),
            osv("MAL-2", "b", "9999-12-31T00:00:00Z", false),
            // Within the clock-skew allowance: fine.
            osv(
                "MAL-3",
                "c",
                &crate::time::format_rfc3339(NOW + 3600),
                false,
            ),
        ]);
        let p = parse_zip(Ecosystem::Npm, "npm/all.zip", &bytes, NOW).unwrap();
        assert_eq!(p.future, ["MAL-2 (modified 9999-12-31T00:00:00Z)"]);
        assert_eq!(p.newest_modified, crate::time::format_rfc3339(NOW));
        assert_eq!(p.reports.len(), 3);
    }

    #[test]
    fn withdrawn_reports_are_listed_with_their_ids_not_dropped_by_name() {
        let bytes = zip_of(&[
            osv("MAL-1", "twice", "2026-01-01T00:00:00Z", true),
            osv("MAL-2", "twice", "2026-01-02T00:00:00Z", false),
        ]);
        let p = parse_zip(Ecosystem::Npm, "npm/all.zip", &bytes, NOW).unwrap();
        assert_eq!(p.withdrawn, [("twice".to_string(), "MAL-1".to_string())]);
        assert_eq!(p.reports.len(), 1);
        assert_eq!(p.reports[0].1.id, "MAL-2");
    }

    #[test]
    fn a_name_with_control_characters_is_an_error_naming_the_entry() {
        let bytes = zip_of(&[osv("MAL-1", "a\\tb", "2026-01-01T00:00:00Z", false)]);
        let e = parse_zip(Ecosystem::Npm, "npm/all.zip", &bytes, NOW).unwrap_err();
        assert!(
            e.0.starts_with("npm/all.zip: MAL-1.json: package name"),
            "{e}"
        );
    }
}
