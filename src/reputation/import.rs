//! Builds a snapshot from the project's source data: OpenSSF malicious-package reports
//! (JSON Lines, one merged report per package) and popular-name lists. Reads only the
//! directory it is given; every bad line is an error naming the file and line.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;

use super::snapshot::{self, Meta, PopularEntry, PopularList, Report, key, malicious_tag};
use super::{DataError, imitation};
use crate::ecosystem::Ecosystem;

/// One line of `malicious/*.jsonl`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MaliciousLine {
    id: String,
    ecosystem: String,
    name: String,
    versions: Versions,
    published: String,
    #[allow(dead_code)]
    modified: String,
    #[allow(dead_code)]
    summary: String,
    #[serde(default)]
    ranges: Vec<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Versions {
    All(String),
    Some(Vec<String>),
}

/// Accumulates reports and popular names, merging duplicates, then writes a snapshot.
#[derive(Default)]
pub struct Builder {
    malicious: BTreeMap<Vec<u8>, Report>,
    /// Popular names by key: (list, normalised name, rank).
    popular: BTreeMap<Vec<u8>, (PopularList, String, u32)>,
    sources: Vec<String>,
    newest: String,
}

impl Builder {
    pub fn add_report(&mut self, eco: Ecosystem, name: &str, report: Report) {
        if report.published > self.newest {
            self.newest.clone_from(&report.published);
        }
        let k = key(malicious_tag(eco), &eco.normalize(name));
        match self.malicious.get_mut(&k) {
            None => {
                self.malicious.insert(k, report);
            }
            Some(existing) => existing.merge(report),
        }
    }

    pub fn add_popular(&mut self, list: PopularList, name: &str, rank: u32) {
        let normalized = list.ecosystem().normalize(name);
        let k = key(list.tag(), &normalized);
        let entry = self.popular.entry(k).or_insert((list, normalized, rank));
        entry.2 = entry.2.min(rank);
    }

    pub fn note_source(&mut self, description: String) {
        self.sources.push(description);
    }

    pub fn finish(self, built: String) -> Result<Vec<u8>, DataError> {
        let meta = Meta {
            feeds: Vec::new(),
            format: snapshot::FORMAT,
            newest_report: self.newest,
            built,
            sources: self.sources,
            malicious_count: self.malicious.len() as u64,
            popular_count: self.popular.len() as u64,
        };
        let malicious: Vec<_> = self.malicious.into_iter().collect();
        let popular: Vec<PopularEntry> = self
            .popular
            .into_iter()
            .map(|(key, (list, name, rank))| PopularEntry {
                key,
                index_keys: imitation::index_keys(list, &name, rank),
                scan: imitation::scan_forms(&name, rank),
                trigrams: imitation::trigrams(&name, rank),
                name,
                rank,
            })
            .collect();
        snapshot::write(&meta, &malicious, &popular)
    }
}

fn read(path: &Path) -> Result<String, DataError> {
    std::fs::read_to_string(path)
        .map_err(|e| DataError(format!("{}: cannot read: {e}", path.display())))
}

/// Read `malicious/*.jsonl` lines into the builder.
pub fn add_malicious_jsonl(b: &mut Builder, path: &Path) -> Result<usize, DataError> {
    let text = read(path)?;
    let mut count = 0;
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = || format!("{}:{}", path.display(), i + 1);
        let rec: MaliciousLine = serde_json::from_str(line)
            .map_err(|e| DataError(format!("{}: invalid report: {e}", at())))?;
        let Some(eco) = Ecosystem::from_osv_name(&rec.ecosystem) else {
            return Err(DataError(format!(
                "{}: unknown ecosystem {:?} (expected npm or PyPI)",
                at(),
                rec.ecosystem
            )));
        };
        if rec.name.is_empty() || !rec.id.starts_with("MAL-") {
            return Err(DataError(format!(
                "{}: report needs a name and a MAL- id",
                at()
            )));
        }
        let versions = match rec.versions {
            Versions::All(s) if s == "all" => None,
            Versions::All(s) => {
                return Err(DataError(format!(
                    "{}: versions must be \"all\" or a list, got {s:?}",
                    at()
                )));
            }
            Versions::Some(v) if v.is_empty() && rec.ranges.is_empty() => None,
            Versions::Some(v) => Some(v),
        };
        b.add_report(
            eco,
            &rec.name,
            Report {
                id: rec.id,
                published: rec.published,
                versions,
                ranges: rec.ranges,
            },
        );
        count += 1;
    }
    Ok(count)
}

/// A popular list: TSV with a header (`name` first column) or one name per line. Rank is the
/// line order (1 = most popular), or 0 for lists without an order (Homebrew's).
pub fn add_popular_list(
    b: &mut Builder,
    list: PopularList,
    path: &Path,
) -> Result<usize, DataError> {
    let text = read(path)?;
    let tsv = path.extension().is_some_and(|e| e == "tsv");
    let mut rank = 0;
    for (i, line) in text.lines().enumerate() {
        if tsv && i == 0 {
            if !line.starts_with("name\t") {
                return Err(DataError(format!(
                    "{}:1: expected a header starting with `name<TAB>`",
                    path.display()
                )));
            }
            continue;
        }
        let name = line.split('\t').next().unwrap_or("").trim();
        if name.is_empty() {
            continue;
        }
        if name.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(DataError(format!(
                "{}:{}: invalid package name {name:?}",
                path.display(),
                i + 1
            )));
        }
        rank += 1;
        // Homebrew's lists are alphabetical, not ranked: store 0 ("unranked").
        let stored = if list.ecosystem() == Ecosystem::Brew {
            0
        } else {
            rank
        };
        b.add_popular(list, name, stored);
    }
    Ok(rank as usize)
}

/// Build the embedded snapshot from a data directory laid out as `data build` describes it
/// (malicious/*.jsonl, popular/{pypi,npm}.tsv, popular/brew-{formulae,casks}.txt).
pub fn build_from_dir(dir: &Path, built: String) -> Result<Vec<u8>, DataError> {
    let mut b = Builder::default();
    let mal_dir = dir.join("malicious");
    let mut files: Vec<_> = std::fs::read_dir(&mal_dir)
        .map_err(|e| DataError(format!("{}: cannot list: {e}", mal_dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(DataError(format!(
            "{}: no *.jsonl report files",
            mal_dir.display()
        )));
    }
    for f in &files {
        let n = add_malicious_jsonl(&mut b, f)?;
        b.note_source(format!(
            "OpenSSF Malicious Packages: {} ({n} reports)",
            f.file_name().unwrap().to_string_lossy()
        ));
    }
    for (list, file) in [
        (PopularList::Pypi, "pypi.tsv"),
        (PopularList::Npm, "npm.tsv"),
        (PopularList::BrewFormula, "brew-formulae.txt"),
        (PopularList::BrewCask, "brew-casks.txt"),
    ] {
        let n = add_popular_list(&mut b, list, &dir.join("popular").join(file))?;
        b.note_source(format!("popular/{file} ({n} names)"));
    }
    b.finish(built)
}
