//! The snapshot format: a small JSON header, then fst maps and a record blob, all read in place.
//! Opening costs a header parse of a few hundred bytes; lookups touch only the keys they need.
//! Does not read files or decide severities.
//!
//! Layout (all integers little-endian):
//! `MAGIC` (8 bytes) | header length u32 | header JSON | 7 × (section length u64 | section bytes)
//! Sections: malicious map (key → offset into records), records blob, popular map (key → rank),
//! similarity map (key → offset into postings, or with the top bit set the names-blob offset
//! of the key's only name), postings blob (u8 count, then count × u32
//! offsets into the names blob), names blob (`name \t rank \n` per popular name), scan table.
//! Malicious and popular keys are one list tag byte followed by the normalised name; similarity
//! keys are whatever [`crate::reputation::imitation::index_keys`] derives from a popular name.
//!
//! The scan table holds the typo targets grouped by the length of their compared form (see
//! [`crate::reputation::imitation::scan_forms`]): a directory of `4 × (MAX_SCAN_LEN + 2)` u32
//! entry indexes (per list in [`PopularList::ALL`] order, where each length's entries start),
//! in how many typo-target names each letter triple occurs (`TRIGRAM_CODES` 2-bit counts,
//! 0 to 3 meaning "3 or more", four to a byte, lowest bits first), then
//! 40-byte entries: a u32 with bit `i` set when bucket `i` of the counts is not zero, the
//! form's letter counts (`SCAN_COUNTS` bytes) and a u32 handle (the names-blob offset of the
//! name; the top bit is a tag of the entry). A check reads only the
//! lengths within its edit budget.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use super::DataError;
use crate::ecosystem::Ecosystem;

pub const MAGIC: &[u8; 8] = b"IGREP04\n";
pub const FORMAT: u32 = 4;

/// Letter-count buckets per scan entry.
pub const SCAN_COUNTS: usize = 32;
/// Compared forms longer than this are not in the scan table (no popular name comes close).
pub const MAX_SCAN_LEN: usize = 255;
const SCAN_DIR_SLOTS: usize = MAX_SCAN_LEN + 2;
const SCAN_DIR_BYTES: usize = 4 * SCAN_DIR_SLOTS * 4;
/// Letter triples are coded in base 37 (a–z, 0–9, anything else): a 2-bit count per triple.
pub const TRIGRAM_CODES: usize = 37 * 37 * 37;
/// Trigram counts saturate here: the check only asks whether a triple is rare.
pub const TRIGRAM_COUNT_MAX: u8 = 3;
const TRIGRAM_BYTES: usize = TRIGRAM_CODES.div_ceil(4);
const SCAN_HEAD: usize = SCAN_DIR_BYTES + TRIGRAM_BYTES;
const SCAN_ENTRY: usize = 4 + SCAN_COUNTS + 4;

/// What the header says about a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Meta {
    pub format: u32,
    /// When the newest input record was published (RFC 3339): the data's real age. In an
    /// updated-data file: the newest report or feed entry, never later than `built`.
    pub newest_report: String,
    /// When this snapshot was built (RFC 3339).
    pub built: String,
    /// Human-readable description of the inputs.
    pub sources: Vec<String>,
    pub malicious_count: u64,
    pub popular_count: u64,
    /// The OSV feeds imported by `installguard update` (empty for the embedded snapshot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feeds: Vec<FeedInfo>,
}

/// One imported feed file, so an update can refuse to go backwards and an audit can trace it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct FeedInfo {
    pub ecosystem: Ecosystem,
    /// Where it came from (URL or path).
    pub source: String,
    pub sha256: String,
    pub bytes: u64,
    pub malicious_reports: u64,
    /// The newest `modified` time in the feed: its version.
    pub newest_modified: String,
    pub imported: String,
}

/// Which list a popular name comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopularList {
    Pypi,
    Npm,
    BrewFormula,
    BrewCask,
}

impl PopularList {
    pub const ALL: [PopularList; 4] = [
        PopularList::Pypi,
        PopularList::Npm,
        PopularList::BrewFormula,
        PopularList::BrewCask,
    ];

    fn index(self) -> usize {
        self as usize
    }

    pub fn tag(self) -> u8 {
        match self {
            PopularList::Pypi => b'p',
            PopularList::Npm => b'n',
            PopularList::BrewFormula => b'f',
            PopularList::BrewCask => b'c',
        }
    }

    pub fn ecosystem(self) -> Ecosystem {
        match self {
            PopularList::Pypi => Ecosystem::Pypi,
            PopularList::Npm => Ecosystem::Npm,
            PopularList::BrewFormula | PopularList::BrewCask => Ecosystem::Brew,
        }
    }

    pub fn from_tag(tag: u8) -> Option<PopularList> {
        PopularList::ALL.into_iter().find(|l| l.tag() == tag)
    }

    pub fn for_ecosystem(eco: Ecosystem) -> &'static [PopularList] {
        match eco {
            Ecosystem::Pypi => &[PopularList::Pypi],
            Ecosystem::Npm => &[PopularList::Npm],
            Ecosystem::Brew => &[PopularList::BrewFormula, PopularList::BrewCask],
        }
    }
}

pub fn malicious_tag(eco: Ecosystem) -> u8 {
    match eco {
        Ecosystem::Pypi => b'p',
        Ecosystem::Npm => b'n',
        Ecosystem::Brew => b'b',
    }
}

/// One malicious-package report, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub id: String,
    pub published: String,
    /// `None`: every version is affected. `Some`: only these exact versions…
    pub versions: Option<Vec<String>>,
    /// …and these OSV ranges (`>=A`, `>=A <B`, `>=A <=B`).
    pub ranges: Vec<String>,
}

impl Report {
    pub fn all_versions(&self) -> bool {
        self.versions.is_none()
    }

    /// Two reports for one normalised name: afterwards `self` marks the union of what both
    /// mark (every version if either does), under the smaller id.
    pub fn merge(&mut self, other: Report) {
        match (&mut self.versions, other.versions) {
            (None, _) => {}
            (_, None) => self.versions = None,
            (Some(a), Some(b)) => {
                for v in b {
                    if !a.contains(&v) {
                        a.push(v);
                    }
                }
            }
        }
        if self.versions.is_none() {
            self.ranges.clear();
        } else {
            for r in other.ranges {
                if !self.ranges.contains(&r) {
                    self.ranges.push(r);
                }
            }
        }
        if other.id < self.id {
            self.id = other.id;
            self.published = other.published;
        }
    }

    /// The stored line: `id \t published \t versions \t ranges`.
    pub fn encode(&self) -> String {
        let versions = match &self.versions {
            None => "*".to_string(),
            Some(v) => v.join(","),
        };
        format!(
            "{}\t{}\t{}\t{}\n",
            self.id,
            self.published,
            versions,
            self.ranges.join(";")
        )
    }

    /// Parse a stored line (without its newline); `None` when it is not one.
    pub(crate) fn decode(line: &str) -> Option<Report> {
        let mut f = line.split('\t');
        let id = f.next()?.to_string();
        let published = f.next()?.to_string();
        let versions = match f.next()? {
            "*" => None,
            "" => Some(Vec::new()),
            v => Some(v.split(',').map(str::to_string).collect()),
        };
        let ranges = match f.next()? {
            "" => Vec::new(),
            r => r.split(';').map(str::to_string).collect(),
        };
        Some(Report {
            id,
            published,
            versions,
            ranges,
        })
    }
}

/// An opened snapshot. Borrows or owns its bytes; never copies the indexes.
pub struct Snapshot<'a> {
    meta: Meta,
    malicious: fst::Map<Cow<'a, [u8]>>,
    records: Cow<'a, [u8]>,
    popular: fst::Map<Cow<'a, [u8]>>,
    similar: fst::Map<Cow<'a, [u8]>>,
    postings: Cow<'a, [u8]>,
    names: Cow<'a, [u8]>,
    scan: Cow<'a, [u8]>,
}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl Reader<'_> {
    fn take(&mut self, n: usize, what: &str) -> Result<std::ops::Range<usize>, DataError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| DataError(format!("truncated snapshot: {what} runs past the end")))?;
        let range = self.pos..end;
        self.pos = end;
        Ok(range)
    }

    fn u32(&mut self, what: &str) -> Result<u32, DataError> {
        let r = self.take(4, what)?;
        Ok(u32::from_le_bytes(self.bytes[r].try_into().unwrap()))
    }

    fn u64(&mut self, what: &str) -> Result<u64, DataError> {
        let r = self.take(8, what)?;
        Ok(u64::from_le_bytes(self.bytes[r].try_into().unwrap()))
    }

    fn section(&mut self, what: &str) -> Result<std::ops::Range<usize>, DataError> {
        let len = self.u64(what)?;
        let len = usize::try_from(len).map_err(|_| DataError(format!("{what} too large")))?;
        self.take(len, what)
    }
}

impl<'a> Snapshot<'a> {
    /// Open a snapshot over borrowed bytes (the embedded one) or owned bytes (a file).
    pub fn open(bytes: Cow<'a, [u8]>) -> Result<Snapshot<'a>, DataError> {
        let mut r = Reader {
            bytes: &bytes,
            pos: 0,
        };
        let magic = r.take(MAGIC.len(), "magic")?;
        if &bytes[magic] != MAGIC {
            return Err(DataError(
                "not an installguard reputation snapshot (bad magic)".into(),
            ));
        }
        let header_len = r.u32("header length")? as usize;
        let header = r.take(header_len, "header")?;
        let meta: Meta = serde_json::from_slice(&bytes[header])
            .map_err(|e| DataError(format!("bad snapshot header: {e}")))?;
        if meta.format != FORMAT {
            return Err(DataError(format!(
                "snapshot format {} is not supported (expected {FORMAT})",
                meta.format
            )));
        }
        let mal = r.section("malicious index")?;
        let rec = r.section("records")?;
        let pop = r.section("popular index")?;
        let sim = r.section("similarity index")?;
        let post = r.section("postings")?;
        let nam = r.section("names")?;
        let scan = r.section("scan table")?;
        check_scan(&bytes[scan.clone()])?;
        if r.pos != bytes.len() {
            return Err(DataError("trailing bytes after the last section".into()));
        }
        let slice = |range: std::ops::Range<usize>| -> Cow<'a, [u8]> {
            match &bytes {
                Cow::Borrowed(b) => Cow::Borrowed(&b[range]),
                Cow::Owned(v) => Cow::Owned(v[range].to_vec()),
            }
        };
        let malicious = fst::Map::new(slice(mal))
            .map_err(|e| DataError(format!("bad malicious index: {e}")))?;
        let popular =
            fst::Map::new(slice(pop)).map_err(|e| DataError(format!("bad popular index: {e}")))?;
        let similar = fst::Map::new(slice(sim))
            .map_err(|e| DataError(format!("bad similarity index: {e}")))?;
        Ok(Snapshot {
            meta,
            malicious,
            records: slice(rec),
            popular,
            similar,
            postings: slice(post),
            names: slice(nam),
            scan: slice(scan),
        })
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    /// The report that marks `name` (normalised) malicious in `eco`, if any.
    pub fn malicious(&self, eco: Ecosystem, normalized: &str) -> Option<Report> {
        let key = key(malicious_tag(eco), normalized);
        let offset = self.malicious.get(&key)? as usize;
        let rest = self.records.get(offset..)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        Report::decode(std::str::from_utf8(&rest[..end]).ok()?)
    }

    /// The rank (1 = most popular) of `name` in one popular list.
    pub fn popular_rank(&self, list: PopularList, normalized: &str) -> Option<u32> {
        self.popular
            .get(key(list.tag(), normalized))
            .map(|r| r as u32)
    }

    /// Is anything filed under this similarity key?
    pub fn has_similar(&self, key: &[u8]) -> bool {
        self.similar.contains_key(key)
    }

    /// The popular names filed under one similarity key, with their ranks. Malformed postings
    /// yield nothing rather than a panic.
    pub fn similar(&self, key: &[u8]) -> Vec<(&str, u32)> {
        let Some(offset) = self.similar.get(key) else {
            return Vec::new();
        };
        if offset & DIRECT != 0 {
            return self
                .name_entry((offset & !DIRECT) as usize)
                .into_iter()
                .collect();
        }
        let post = &self.postings[..];
        let offset = offset as usize;
        let Some(&count) = post.get(offset) else {
            return Vec::new();
        };
        let mut out = Vec::with_capacity(usize::from(count));
        for i in 0..usize::from(count) {
            let at = offset + 1 + 4 * i;
            let Some(bytes) = post.get(at..at + 4) else {
                break;
            };
            let name_at = u32::from_le_bytes(bytes.try_into().unwrap()) as usize;
            if let Some(entry) = self.name_entry(name_at) {
                out.push(entry);
            }
        }
        out
    }

    /// Every malicious report with its key (for carrying data over into an update).
    pub fn reports(&self) -> Vec<(Vec<u8>, Report)> {
        use fst::Streamer;
        let mut out = Vec::new();
        let mut stream = self.malicious.stream();
        while let Some((k, offset)) = stream.next() {
            let rest = self.records.get(offset as usize..).unwrap_or_default();
            let end = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            if let Some(r) = std::str::from_utf8(&rest[..end])
                .ok()
                .and_then(Report::decode)
            {
                out.push((k.to_vec(), r));
            }
        }
        out
    }

    /// Every popular name: (list tag, normalised name, rank).
    pub fn popular_entries(&self) -> Vec<(u8, String, u32)> {
        use fst::Streamer;
        let mut out = Vec::new();
        let mut stream = self.popular.stream();
        while let Some((k, rank)) = stream.next() {
            if let Some((&tag, name)) = k.split_first() {
                out.push((tag, String::from_utf8_lossy(name).into_owned(), rank as u32));
            }
        }
        out
    }

    /// The typo targets of `list` whose compared form is `len` bytes long: which count buckets
    /// are not zero (a bit each), their letter counts and a handle for
    /// [`Snapshot::scanned_name`]. Empty for lengths the table does not hold.
    pub fn scan(
        &self,
        list: PopularList,
        len: usize,
    ) -> impl Iterator<Item = (u32, &[u8; SCAN_COUNTS], u32)> + '_ {
        let dir = |slot: usize| {
            let at = 4 * (list.index() * SCAN_DIR_SLOTS + slot);
            u32::from_le_bytes(self.scan[at..at + 4].try_into().unwrap()) as usize
        };
        let (start, end) = if len <= MAX_SCAN_LEN {
            (dir(len), dir(len + 1))
        } else {
            (0, 0)
        };
        self.scan[SCAN_HEAD + start * SCAN_ENTRY..SCAN_HEAD + end * SCAN_ENTRY]
            .chunks_exact(SCAN_ENTRY)
            .map(|e| {
                let (present, rest) = e.split_at(4);
                let (counts, at) = rest.split_at(SCAN_COUNTS);
                (
                    u32::from_le_bytes(present.try_into().unwrap()),
                    counts.try_into().unwrap(),
                    u32::from_le_bytes(at.try_into().unwrap()),
                )
            })
    }

    /// In how many typo-target names the letter triple `code` occurs (see
    /// [`TRIGRAM_CODES`]), up to [`TRIGRAM_COUNT_MAX`] ("that many or more").
    pub fn trigram_count(&self, code: usize) -> u8 {
        if code >= TRIGRAM_CODES {
            return 0;
        }
        (self.scan[SCAN_DIR_BYTES + code / 4] >> (2 * (code % 4))) & TRIGRAM_COUNT_MAX
    }

    /// The name and rank behind a handle from [`Snapshot::scan`] (its top bit is the entry's
    /// tag, not part of the offset).
    pub fn scanned_name(&self, handle: u32) -> Option<(&str, u32)> {
        self.name_entry((handle & !(1 << 31)) as usize)
    }

    fn name_entry(&self, at: usize) -> Option<(&str, u32)> {
        let rest = self.names.get(at..)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        let line = std::str::from_utf8(&rest[..end]).ok()?;
        let (name, rank) = line.split_once('\t')?;
        Some((name, rank.parse().ok()?))
    }
}

pub fn key(tag: u8, normalized: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + normalized.len());
    k.push(tag);
    k.extend_from_slice(normalized.as_bytes());
    k
}

/// The directory of a scan table must be ordered and point inside it: checked once at open so
/// [`Snapshot::scan`] can slice without further checks.
fn check_scan(scan: &[u8]) -> Result<(), DataError> {
    let bad = |why: &str| Err(DataError(format!("bad scan table: {why}")));
    if scan.len() < SCAN_HEAD || !(scan.len() - SCAN_HEAD).is_multiple_of(SCAN_ENTRY) {
        return bad("wrong size");
    }
    let entries = (scan.len() - SCAN_HEAD) / SCAN_ENTRY;
    let dir: Vec<usize> = scan[..SCAN_DIR_BYTES]
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()) as usize)
        .collect();
    if dir.windows(2).any(|w| w[0] > w[1]) || dir.last().is_some_and(|&l| l > entries) {
        return bad("directory out of order or out of range");
    }
    Ok(())
}

/// One bit per letter-count bucket that is not zero.
pub fn present_buckets(counts: &[u8; SCAN_COUNTS]) -> u32 {
    counts
        .iter()
        .enumerate()
        .filter(|(_, c)| **c > 0)
        .fold(0, |bits, (i, _)| bits | 1 << i)
}

/// How a typo target is filed in the scan table (computed by the imitation check's rules).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanForm {
    /// Length of the compared form, at most [`MAX_SCAN_LEN`].
    pub len: usize,
    pub counts: [u8; SCAN_COUNTS],
    /// Bits or-ed into the entry's handle (the top bit only: offsets stay below 2^31).
    pub tag: u32,
}

/// A popular name as the writer receives it.
pub struct PopularEntry {
    pub key: Vec<u8>,
    pub name: String,
    pub rank: u32,
    /// Similarity keys under which this name is filed.
    pub index_keys: Vec<Vec<u8>>,
    /// Its scan-table entries (none unless it is a typo target).
    pub scan: Vec<ScanForm>,
    /// The distinct letter triples its name adds to the counts (codes below
    /// [`TRIGRAM_CODES`]; the imitation rules decide which names count).
    pub trigrams: Vec<usize>,
}

/// A similarity value with this bit set is the names-blob offset of the only name for its key.
const DIRECT: u64 = 1 << 63;

/// Postings longer than this are cut: a key shared by hundreds of names points nowhere useful.
const MAX_POSTINGS: usize = 255;

/// Scan entries by (list index, compared-form length): letter counts and handle.
type ScanGroups<'a> = std::collections::BTreeMap<(usize, usize), Vec<(&'a [u8; SCAN_COUNTS], u32)>>;

/// Serialise a snapshot. Inputs need not be sorted; malicious and popular keys must be unique.
pub fn write(
    meta: &Meta,
    malicious: &[(Vec<u8>, Report)],
    popular: &[PopularEntry],
) -> Result<Vec<u8>, DataError> {
    let err = |what: &str, e: fst::Error| DataError(format!("{what}: {e}"));
    let mut mal: Vec<&(Vec<u8>, Report)> = malicious.iter().collect();
    mal.sort_by(|a, b| a.0.cmp(&b.0));
    let mut records = Vec::new();
    let mut mal_builder = fst::MapBuilder::memory();
    for (k, report) in mal {
        mal_builder
            .insert(k, records.len() as u64)
            .map_err(|e| err("malicious index", e))?;
        records.extend_from_slice(report.encode().as_bytes());
    }
    let mut pop: Vec<&PopularEntry> = popular.iter().collect();
    pop.sort_by(|a, b| a.key.cmp(&b.key));
    let mut pop_builder = fst::MapBuilder::memory();
    let mut names = Vec::new();
    let mut by_key: std::collections::BTreeMap<&[u8], Vec<u32>> =
        std::collections::BTreeMap::default();
    let mut trigrams = vec![0u8; TRIGRAM_BYTES];
    // (list, length) → scan entries.
    let mut scan_groups = ScanGroups::default();
    for entry in pop {
        pop_builder
            .insert(&entry.key, u64::from(entry.rank))
            .map_err(|e| err("popular index", e))?;
        let at = names.len() as u32;
        names.extend_from_slice(format!("{}\t{}\n", entry.name, entry.rank).as_bytes());
        if at >= 1 << 31 {
            return Err(DataError("names blob over 2 GiB".into()));
        }
        for &code in entry.trigrams.iter().filter(|&&c| c < TRIGRAM_CODES) {
            let (byte, shift) = (code / 4, 2 * (code % 4));
            if (trigrams[byte] >> shift) & TRIGRAM_COUNT_MAX < TRIGRAM_COUNT_MAX {
                trigrams[byte] += 1 << shift;
            }
        }
        let list = entry.key.first().copied().and_then(PopularList::from_tag);
        for form in &entry.scan {
            if let Some(list) = list
                && form.len <= MAX_SCAN_LEN
            {
                scan_groups
                    .entry((list.index(), form.len))
                    .or_default()
                    .push((&form.counts, at | (form.tag & (1 << 31))));
            }
        }
        for k in &entry.index_keys {
            let list = by_key.entry(k.as_slice()).or_default();
            if !list.contains(&at) {
                list.push(at);
            }
        }
    }
    let mut postings = Vec::new();
    let mut sim_builder = fst::MapBuilder::memory();
    for (k, list) in by_key {
        if let [only] = list[..] {
            // Most keys lead to one name: point at it directly, no postings entry.
            sim_builder
                .insert(k, DIRECT | u64::from(only))
                .map_err(|e| err("similarity index", e))?;
            continue;
        }
        sim_builder
            .insert(k, postings.len() as u64)
            .map_err(|e| err("similarity index", e))?;
        let list = &list[..list.len().min(MAX_POSTINGS)];
        postings.push(list.len() as u8);
        for at in list {
            postings.extend_from_slice(&at.to_le_bytes());
        }
    }
    let mut scan_dir = Vec::with_capacity(SCAN_DIR_BYTES);
    let mut scan_entries = Vec::new();
    let mut count = 0u32;
    for list in 0..4 {
        for len in 0..SCAN_DIR_SLOTS {
            scan_dir.extend_from_slice(&count.to_le_bytes());
            for (counts, at) in scan_groups.get(&(list, len)).into_iter().flatten() {
                let present = present_buckets(counts);
                scan_entries.extend_from_slice(&present.to_le_bytes());
                scan_entries.extend_from_slice(&counts[..]);
                scan_entries.extend_from_slice(&at.to_le_bytes());
                count += 1;
            }
        }
    }
    scan_dir.extend_from_slice(&trigrams);
    scan_dir.extend_from_slice(&scan_entries);
    let header = serde_json::to_vec(meta).map_err(|e| DataError(e.to_string()))?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    let finish = |b: fst::MapBuilder<Vec<u8>>, what: &str| b.into_inner().map_err(|e| err(what, e));
    for section in [
        finish(mal_builder, "malicious index")?,
        records,
        finish(pop_builder, "popular index")?,
        finish(sim_builder, "similarity index")?,
        postings,
        names,
        scan_dir,
    ] {
        out.extend_from_slice(&(section.len() as u64).to_le_bytes());
        out.extend_from_slice(&section);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let meta = Meta {
            format: FORMAT,
            newest_report: "2024-12-31T00:00:00Z".into(),
            built: "2026-11-28T00:00:00Z".into(),
            sources: vec!["test".into()],
            malicious_count: 2,
            popular_count: 2,
            feeds: vec![],
        };
        let reports = vec![
            (
                key(b'n', "evil"),
                Report {
                    id: "MAL-1".into(),
                    published: "2024-01-01T00:00:00Z".into(),
                    versions: None,
                    ranges: vec![],
                },
            ),
            (
                key(b'p', "half-evil"),
                Report {
                    id: "MAL-2".into(),
                    published: "2024-01-02T00:00:00Z".into(),
                    versions: Some(vec!["1.0".into(), "1.1".into()]),
                    ranges: vec![">=2.0 <2.1".into()],
                },
            ),
        ];
        let entry = |tag: u8, name: &str, rank: u32, keys: &[&str]| PopularEntry {
            key: key(tag, name),
            name: name.into(),
            rank,
            index_keys: keys.iter().map(|k| k.as_bytes().to_vec()).collect(),
            scan: vec![ScanForm {
                len: name.len(),
                counts: [rank as u8; SCAN_COUNTS],
                tag: 0,
            }],
            trigrams: vec![rank as usize],
        };
        let mut popular = vec![
            entry(b'p', "requests", 3, &["k1", "shared"]),
            entry(b'n', "lodash", 7, &["shared"]),
        ];
        // Triple 7 is in four names: its count stops at 3.
        popular[0].trigrams = vec![3, 7];
        for name in ["a", "b"] {
            let mut e = entry(b'c', name, 0, &[]);
            e.trigrams = vec![7];
            e.scan.clear();
            popular.push(e);
        }
        write(&meta, &reports, &popular).unwrap()
    }

    #[test]
    fn round_trip() {
        let bytes = sample();
        let snap = Snapshot::open(Cow::Borrowed(&bytes)).unwrap();
        assert_eq!(snap.meta().malicious_count, 2);
        let evil = snap.malicious(Ecosystem::Npm, "evil").unwrap();
        assert!(evil.all_versions());
        let half = snap.malicious(Ecosystem::Pypi, "half-evil").unwrap();
        assert_eq!(half.versions.as_deref().unwrap(), ["1.0", "1.1"]);
        assert_eq!(half.ranges, [">=2.0 <2.1"]);
        assert!(snap.malicious(Ecosystem::Pypi, "evil").is_none());
        assert_eq!(snap.popular_rank(PopularList::Pypi, "requests"), Some(3));
        assert_eq!(snap.popular_rank(PopularList::Npm, "requests"), None);
        assert_eq!(snap.similar(b"k1"), vec![("requests", 3)]);
        let mut shared = snap.similar(b"shared");
        shared.sort_unstable();
        assert_eq!(shared, vec![("lodash", 7), ("requests", 3)]);
        assert!(snap.similar(b"nothing").is_empty());
        assert_eq!(snap.reports().len(), 2);
        assert_eq!(snap.popular_entries().len(), 4);
        let scanned: Vec<_> = snap
            .scan(PopularList::Pypi, 8)
            .map(|(present, counts, h)| (present, counts[0], snap.scanned_name(h)))
            .collect();
        assert_eq!(scanned, vec![(u32::MAX, 3, Some(("requests", 3)))]);
        assert_eq!(snap.scan(PopularList::Npm, 8).count(), 0);
        assert_eq!(snap.scan(PopularList::Npm, 6).count(), 1);
        assert_eq!(snap.scan(PopularList::Npm, MAX_SCAN_LEN + 1).count(), 0);
        let counts: Vec<u8> = [3, 4, 7, TRIGRAM_CODES - 1, TRIGRAM_CODES]
            .iter()
            .map(|&c| snap.trigram_count(c))
            .collect();
        assert_eq!(counts, [1, 0, TRIGRAM_COUNT_MAX, 0, 0]);
    }

    #[test]
    fn every_truncation_is_an_error_not_a_panic() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(
                Snapshot::open(Cow::Borrowed(&bytes[..len])).is_err(),
                "{len}"
            );
        }
        let mut bad = bytes.clone();
        bad[0] = b'X';
        assert!(Snapshot::open(Cow::Owned(bad)).is_err());
    }
}
