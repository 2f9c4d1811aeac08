//! The snapshot format: a small JSON header, then fst maps and a record blob, all read in place.
//! Opening costs a header parse of a few hundred bytes; lookups touch only the keys they need.
//! Does not read files or decide severities.
//!
//! Layout (all integers little-endian):
//! `MAGIC` (8 bytes) | header length u32 | header JSON | 3 × (section length u64 | section bytes)
//! Sections: malicious map (key → offset into records), records blob, popular map (key → rank).
//! Keys are one ecosystem tag byte followed by the normalised name.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::ecosystem::Ecosystem;

pub const MAGIC: &[u8; 8] = b"IGREP01\n";

/// What the header says about a snapshot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Meta {
    pub format: u32,
    /// When the newest input record was published (RFC 3339): the data's real age.
    pub newest_report: String,
    /// When this snapshot was built (RFC 3339).
    pub built: String,
    /// Human-readable description of the inputs.
    pub sources: Vec<String>,
    pub malicious_count: u64,
    pub popular_count: u64,
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

    fn decode(line: &str) -> Option<Report> {
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
}

/// Why bytes are not a valid snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatError(pub String);

impl std::fmt::Display for FormatError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FormatError {}

struct Reader<'b> {
    bytes: &'b [u8],
    pos: usize,
}

impl<'b> Reader<'b> {
    fn take(&mut self, n: usize, what: &str) -> Result<std::ops::Range<usize>, FormatError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| FormatError(format!("truncated snapshot: {what} runs past the end")))?;
        let range = self.pos..end;
        self.pos = end;
        Ok(range)
    }

    fn u32(&mut self, what: &str) -> Result<u32, FormatError> {
        let r = self.take(4, what)?;
        Ok(u32::from_le_bytes(self.bytes[r].try_into().unwrap()))
    }

    fn u64(&mut self, what: &str) -> Result<u64, FormatError> {
        let r = self.take(8, what)?;
        Ok(u64::from_le_bytes(self.bytes[r].try_into().unwrap()))
    }

    fn section(&mut self, what: &str) -> Result<std::ops::Range<usize>, FormatError> {
        let len = self.u64(what)?;
        let len = usize::try_from(len).map_err(|_| FormatError(format!("{what} too large")))?;
        self.take(len, what)
    }
}

impl<'a> Snapshot<'a> {
    /// Open a snapshot over borrowed bytes (the embedded one) or owned bytes (a file).
    pub fn open(bytes: Cow<'a, [u8]>) -> Result<Snapshot<'a>, FormatError> {
        let mut r = Reader {
            bytes: &bytes,
            pos: 0,
        };
        let magic = r.take(MAGIC.len(), "magic")?;
        if &bytes[magic] != MAGIC {
            return Err(FormatError(
                "not an installguard reputation snapshot (bad magic)".into(),
            ));
        }
        let header_len = r.u32("header length")? as usize;
        let header = r.take(header_len, "header")?;
        let meta: Meta = serde_json::from_slice(&bytes[header])
            .map_err(|e| FormatError(format!("bad snapshot header: {e}")))?;
        if meta.format != 1 {
            return Err(FormatError(format!(
                "snapshot format {} is not supported (expected 1)",
                meta.format
            )));
        }
        let mal = r.section("malicious index")?;
        let rec = r.section("records")?;
        let pop = r.section("popular index")?;
        if r.pos != bytes.len() {
            return Err(FormatError("trailing bytes after the last section".into()));
        }
        let slice = |range: std::ops::Range<usize>| -> Cow<'a, [u8]> {
            match &bytes {
                Cow::Borrowed(b) => Cow::Borrowed(&b[range]),
                Cow::Owned(v) => Cow::Owned(v[range].to_vec()),
            }
        };
        let malicious = fst::Map::new(slice(mal))
            .map_err(|e| FormatError(format!("bad malicious index: {e}")))?;
        let popular = fst::Map::new(slice(pop))
            .map_err(|e| FormatError(format!("bad popular index: {e}")))?;
        let records = slice(rec);
        Ok(Snapshot {
            meta,
            malicious,
            records,
            popular,
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

    /// Every name of one popular list with its rank, in byte order of the name.
    pub fn popular_names(&self, list: PopularList) -> Vec<(String, u32)> {
        use fst::{IntoStreamer, Streamer};
        let tag = list.tag();
        let mut stream = self.popular.range().ge([tag]).lt([tag + 1]).into_stream();
        let mut out = Vec::new();
        while let Some((k, v)) = stream.next() {
            out.push((String::from_utf8_lossy(&k[1..]).into_owned(), v as u32));
        }
        out
    }
}

pub fn key(tag: u8, normalized: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + normalized.len());
    k.push(tag);
    k.extend_from_slice(normalized.as_bytes());
    k
}

/// Serialise a snapshot. `malicious` and `popular` need not be sorted; keys must be unique.
pub fn write(
    meta: &Meta,
    malicious: &[(Vec<u8>, Report)],
    popular: &[(Vec<u8>, u32)],
) -> Result<Vec<u8>, FormatError> {
    let mut mal: Vec<&(Vec<u8>, Report)> = malicious.iter().collect();
    mal.sort_by(|a, b| a.0.cmp(&b.0));
    let mut records = Vec::new();
    let mut mal_builder = fst::MapBuilder::memory();
    for (k, report) in mal {
        mal_builder
            .insert(k, records.len() as u64)
            .map_err(|e| FormatError(format!("malicious index: {e}")))?;
        records.extend_from_slice(report.encode().as_bytes());
    }
    let mut pop: Vec<&(Vec<u8>, u32)> = popular.iter().collect();
    pop.sort_by(|a, b| a.0.cmp(&b.0));
    let mut pop_builder = fst::MapBuilder::memory();
    for (k, rank) in pop {
        pop_builder
            .insert(k, u64::from(*rank))
            .map_err(|e| FormatError(format!("popular index: {e}")))?;
    }
    let header = serde_json::to_vec(meta).map_err(|e| FormatError(e.to_string()))?;
    let mut out = Vec::new();
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    for section in [
        mal_builder
            .into_inner()
            .map_err(|e| FormatError(e.to_string()))?,
        records,
        pop_builder
            .into_inner()
            .map_err(|e| FormatError(e.to_string()))?,
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
            format: 1,
            newest_report: "2024-12-31T00:00:00Z".into(),
            built: "2026-11-28T00:00:00Z".into(),
            sources: vec!["test".into()],
            malicious_count: 2,
            popular_count: 2,
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
        let popular = vec![(key(b'p', "requests"), 3), (key(b'n', "lodash"), 7)];
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
        assert_eq!(
            snap.popular_names(PopularList::Npm),
            vec![("lodash".to_string(), 7)]
        );
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
