//! The updated-data file that `installguard update` writes: the feeds' own malicious reports
//! (never popular names, never a copy of the embedded data) in a sorted table, closed by a
//! SHA-256 over the whole file. Every read is bounds-checked safe code, so damaged bytes give
//! an error or a miss, never a panic; these bytes are never handed to `fst`. Does not read
//! files (`store`), fetch feeds (`update`) or decide what a report means (`verdict`).
//!
//! Layout (integers little-endian):
//! `MAGIC` (8 bytes) | header length u32 | header JSON ([`Meta`]) | record count u64 |
//! filter length u64 | filter | count × u32 record offsets | records length u64 | records |
//! SHA-256 of all bytes before it.
//! A record is `key \t id \t published \t versions \t ranges \n` (the key is the list tag byte
//! and the normalised name, see [`snapshot::key`]); records are sorted by key, keys unique.
//! The filter is a Bloom filter of the keys (a power-of-two number of bytes, about 10 bits per
//! key, [`FILTER_PROBES`] probes): a name that is not reported, the usual case, is answered from
//! it without touching the table, so a check of many names maps a few pages of the file, not
//! all of it.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use sha2::{Digest, Sha256};

use super::DataError;
use super::snapshot::{self, Meta, Report};
use crate::ecosystem::Ecosystem;

pub const MAGIC: &[u8; 8] = b"IGUPD01\n";
/// The `format` in the header of an updated-data file.
pub const FORMAT: u32 = 1;
/// Length of the closing checksum.
pub const CHECKSUM_BYTES: usize = 32;
/// The header is a few hundred bytes; anything near this is not ours.
const MAX_HEADER_BYTES: usize = 1 << 20;
/// Longest key we store (a tag byte and a package name).
const MAX_KEY_BYTES: usize = 1024;
/// Bits the filter sets (and tests) per key.
pub const FILTER_PROBES: u64 = 7;

/// FNV-1a over the key, then two words mixed from it (splitmix64): the filter's probes are
/// `h1 + i·h2`. Part of the file format: never change it without a new `MAGIC`.
fn filter_hashes(key: &[u8]) -> (u64, u64) {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mix = |mut z: u64| {
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    };
    let h1 = mix(h);
    (h1, mix(h1 ^ 0x9e37_79b9_7f4a_7c15) | 1)
}

/// The bit positions of `key` in a filter of `bits` bits (a power of two).
fn filter_bits(key: &[u8], bits: u64) -> impl Iterator<Item = u64> {
    let (h1, h2) = filter_hashes(key);
    (0..FILTER_PROBES).map(move |i| h1.wrapping_add(i.wrapping_mul(h2)) & (bits - 1))
}

/// A filter for `count` keys: about 10 bits per key, at least 8 bytes, a power of two.
fn filter_len(count: usize) -> usize {
    (count.saturating_mul(10) / 8).next_power_of_two().max(8)
}

fn filter_has(filter: &[u8], key: &[u8]) -> bool {
    let bits = (filter.len() as u64) * 8;
    filter_bits(key, bits).all(|b| {
        filter
            .get((b / 8) as usize)
            .is_some_and(|byte| byte & (1 << (b % 8)) != 0)
    })
}

/// An opened updated-data file. Opening checks the frame (magic, header, section lengths,
/// checksum position); [`Updated::verify`] checks every byte.
#[derive(Debug)]
pub struct Updated<'a> {
    meta: Meta,
    bytes: &'a [u8],
    count: usize,
    filter: std::ops::Range<usize>,
    /// Where the offsets table starts.
    offsets_at: usize,
    records: std::ops::Range<usize>,
}

fn err<T>(msg: impl Into<String>) -> Result<T, DataError> {
    Err(DataError(msg.into()))
}

/// Bytes `at..at+n` of `bytes`, or an error naming what ran past the end.
fn take<'b>(bytes: &'b [u8], at: usize, n: usize, what: &str) -> Result<&'b [u8], DataError> {
    at.checked_add(n)
        .and_then(|end| bytes.get(at..end))
        .ok_or_else(|| DataError(format!("truncated file: {what} runs past the end")))
}

fn u32_at(bytes: &[u8], at: usize, what: &str) -> Result<u32, DataError> {
    let b = take(bytes, at, 4, what)?;
    Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

fn u64_at(bytes: &[u8], at: usize, what: &str) -> Result<u64, DataError> {
    let b = take(bytes, at, 8, what)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(b);
    Ok(u64::from_le_bytes(a))
}

/// Whether UTF-8 `bytes` hold a control character (C0, DEL or C1), byte by byte: verification
/// runs this over every field of every record.
fn has_control(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        b < b' '
            || b == 0x7f
            || (b == 0xc2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9f).contains(n)))
    })
}

/// Whether a report can be stored without changing its meaning: no field may hold the
/// separators of the record line.
pub fn storable(key: &[u8], report: &Report) -> Result<(), String> {
    let bad = |s: &str| has_control(s.as_bytes());
    if key.len() < 2 || key.len() > MAX_KEY_BYTES || has_control(key) {
        return Err(format!(
            "package name {:?} is empty, too long or holds control characters",
            String::from_utf8_lossy(key.get(1..).unwrap_or_default())
        ));
    }
    if report.id.is_empty() || bad(&report.id) || bad(&report.published) {
        return Err(format!(
            "report id {:?} or its date holds control characters",
            report.id
        ));
    }
    if let Some(v) = &report.versions
        && v.iter().any(|v| v.is_empty() || bad(v) || v.contains(','))
    {
        return Err(format!(
            "{}: a version is empty or holds a comma or control characters",
            report.id
        ));
    }
    if report.ranges.iter().any(|r| bad(r) || r.contains(';')) {
        return Err(format!(
            "{}: a range holds a `;` or control characters",
            report.id
        ));
    }
    Ok(())
}

/// Serialise an updated-data file (the checksum included). Every report must be
/// [`storable`].
pub fn write(meta: &Meta, reports: &BTreeMap<Vec<u8>, Report>) -> Result<Vec<u8>, DataError> {
    let header = serde_json::to_vec(meta).map_err(|e| DataError(e.to_string()))?;
    let mut offsets = Vec::with_capacity(reports.len() * 4);
    let mut records = Vec::new();
    let mut filter = vec![0u8; filter_len(reports.len())];
    let bits = filter.len() as u64 * 8;
    for (key, report) in reports {
        storable(key, report).map_err(DataError)?;
        for b in filter_bits(key, bits) {
            filter[(b / 8) as usize] |= 1 << (b % 8);
        }
        let at = u32::try_from(records.len())
            .map_err(|_| DataError("more than 4 GiB of reports".into()))?;
        offsets.extend_from_slice(&at.to_le_bytes());
        records.extend_from_slice(key);
        records.push(b'\t');
        records.extend_from_slice(report.encode().as_bytes());
    }
    let mut out = Vec::with_capacity(64 + header.len() + offsets.len() + records.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&(header.len() as u32).to_le_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&(reports.len() as u64).to_le_bytes());
    out.extend_from_slice(&(filter.len() as u64).to_le_bytes());
    out.extend_from_slice(&filter);
    out.extend_from_slice(&offsets);
    out.extend_from_slice(&(records.len() as u64).to_le_bytes());
    out.extend_from_slice(&records);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    Ok(out)
}

/// Whether `bytes` start like an embedded-format snapshot (which an older installguard wrote
/// to the updated-data location).
pub fn is_old_snapshot(bytes: &[u8]) -> bool {
    bytes.starts_with(&snapshot::MAGIC[..5])
}

impl<'a> Updated<'a> {
    /// Check the frame: magic, header, the offsets table and records in bounds, the checksum
    /// exactly at the end. Cheap (no pass over the records); see [`Updated::verify`].
    pub fn open(bytes: &'a [u8]) -> Result<Updated<'a>, DataError> {
        if !bytes.starts_with(MAGIC) {
            if is_old_snapshot(bytes) {
                return err(
                    "written by an older installguard in a format this one no longer reads as updated data",
                );
            }
            return err("not an installguard updated-data file (bad magic)");
        }
        let mut at = MAGIC.len();
        let header_len = u32_at(bytes, at, "header length")? as usize;
        at += 4;
        if header_len > MAX_HEADER_BYTES {
            return err(format!("header of {header_len} bytes is implausibly large"));
        }
        let header = take(bytes, at, header_len, "header")?;
        at += header_len;
        let meta: Meta =
            serde_json::from_slice(header).map_err(|e| DataError(format!("bad header: {e}")))?;
        if meta.format != FORMAT {
            return err(format!(
                "format {} is not supported (expected {FORMAT})",
                meta.format
            ));
        }
        let count = u64_at(bytes, at, "record count")?;
        at += 8;
        let filter_len = u64_at(bytes, at, "filter length")?;
        at += 8;
        let filter_len = usize::try_from(filter_len)
            .ok()
            .filter(|&n| n >= 8 && n.is_power_of_two())
            .ok_or_else(|| DataError("the filter length is not a power of two".into()))?;
        take(bytes, at, filter_len, "filter")?;
        let filter = at..at + filter_len;
        at += filter_len;
        let table = usize::try_from(count)
            .ok()
            .and_then(|c| c.checked_mul(4))
            .ok_or_else(|| DataError("record count too large".into()))?;
        let offsets_at = at;
        take(bytes, at, table, "record offsets")?;
        at += table;
        let records_len = u64_at(bytes, at, "records length")?;
        at += 8;
        let records_len =
            usize::try_from(records_len).map_err(|_| DataError("records too large".into()))?;
        take(bytes, at, records_len, "records")?;
        let records = at..at + records_len;
        at += records_len;
        take(bytes, at, CHECKSUM_BYTES, "checksum")?;
        if at + CHECKSUM_BYTES != bytes.len() {
            return err("trailing bytes after the checksum");
        }
        if meta.malicious_count != count {
            return err(format!(
                "the header counts {} reports but the table holds {count}",
                meta.malicious_count
            ));
        }
        Ok(Updated {
            meta,
            bytes,
            count: count as usize,
            filter,
            offsets_at,
            records,
        })
    }

    /// Check every byte: the SHA-256 over the file, then every record (offsets ascending and
    /// in bounds, each a decodable line, keys strictly ascending). Costs a pass over the file.
    pub fn verify(&self) -> Result<(), DataError> {
        let body = &self.bytes[..self.bytes.len() - CHECKSUM_BYTES];
        if Sha256::digest(body)[..] != self.checksum()[..] {
            return err(
                "its SHA-256 checksum does not match its contents (the file is damaged or was altered)",
            );
        }
        let mut previous: Option<&[u8]> = None;
        let mut expected_start = 0usize;
        for i in 0..self.count {
            let (start, record) = self
                .record_with_start(i)
                .ok_or_else(|| DataError(format!("record #{i} is out of bounds")))?;
            if start != expected_start {
                return err(format!("record #{i} does not follow the previous one"));
            }
            expected_start = start + record.len() + 1;
            let tab = record
                .iter()
                .position(|&b| b == b'\t')
                .ok_or_else(|| DataError(format!("record #{i} has no key")))?;
            let (key, rest) = (&record[..tab], &record[tab + 1..]);
            let rest = std::str::from_utf8(rest)
                .ok()
                .filter(|_| std::str::from_utf8(key).is_ok())
                .ok_or_else(|| DataError(format!("record #{i} is not UTF-8")))?;
            if key.len() < 2 || tag_ecosystem(key[0]).is_none() {
                return err(format!("record #{i} has an unknown key {key:?}"));
            }
            let report = Report::decode(rest)
                .ok_or_else(|| DataError(format!("record #{i} is not a report")))?;
            storable(key, &report).map_err(|e| DataError(format!("record #{i}: {e}")))?;
            if !filter_has(&self.bytes[self.filter.clone()], key) {
                return err(format!("record #{i} is missing from the filter"));
            }
            if previous.is_some_and(|p| p >= key) {
                return err(format!("record #{i} is out of order"));
            }
            previous = Some(key);
        }
        if expected_start != self.records.len() {
            return err("bytes after the last record");
        }
        Ok(())
    }

    /// The checksum stored at the end of the file.
    pub fn checksum(&self) -> [u8; CHECKSUM_BYTES] {
        let mut sum = [0u8; CHECKSUM_BYTES];
        sum.copy_from_slice(&self.bytes[self.bytes.len() - CHECKSUM_BYTES..]);
        sum
    }

    pub fn meta(&self) -> &Meta {
        &self.meta
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Where record `i` starts in the records blob, and the blob from there on.
    fn record_from(&self, i: usize) -> Option<(usize, &'a [u8])> {
        let records = self.bytes.get(self.records.clone())?;
        let at = self.offsets_at.checked_add(i.checked_mul(4)?)?;
        let start = u32_at(self.bytes, at, "offset").ok()? as usize;
        Some((start, records.get(start..)?))
    }

    /// Record `i` without its newline, and where it starts in the records blob.
    fn record_with_start(&self, i: usize) -> Option<(usize, &'a [u8])> {
        let (start, rest) = self.record_from(i)?;
        let end = rest.iter().position(|&b| b == b'\n')?;
        Some((start, &rest[..end]))
    }

    /// The report that marks `normalized` malicious in `eco`, if any: a binary search over
    /// the sorted table. Each probe compares the record's first bytes with the key and a tab:
    /// keys hold no byte below a space, so that orders records exactly as their keys.
    pub fn malicious(&self, eco: Ecosystem, normalized: &str) -> Option<Report> {
        let mut want = snapshot::key(snapshot::malicious_tag(eco), normalized);
        if !filter_has(self.bytes.get(self.filter.clone())?, &want) {
            return None;
        }
        want.push(b'\t');
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            let (_, rest) = self.record_from(mid)?;
            match rest[..rest.len().min(want.len())].cmp(&want[..]) {
                Ordering::Less => lo = mid + 1,
                Ordering::Greater => hi = mid,
                Ordering::Equal => {
                    let (_, record) = self.record_with_start(mid)?;
                    let line = std::str::from_utf8(record.get(want.len()..)?).ok()?;
                    return Report::decode(line);
                }
            }
        }
        None
    }
}

fn tag_ecosystem(tag: u8) -> Option<Ecosystem> {
    [Ecosystem::Npm, Ecosystem::Pypi, Ecosystem::Brew]
        .into_iter()
        .find(|&e| snapshot::malicious_tag(e) == tag)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn meta(count: u64) -> Meta {
        Meta {
            format: FORMAT,
            newest_report: "2026-01-02T00:00:00Z".into(),
            built: "2026-01-03T00:00:00Z".into(),
            sources: vec!["test feed".into()],
            malicious_count: count,
            popular_count: 0,
            feeds: vec![],
        }
    }

    /// A report for the tests: `versions` or every version, published 2026-01-01.
    pub(crate) fn report(id: &str, versions: Option<&[&str]>) -> Report {
        Report {
            id: id.into(),
            published: "2026-01-01T00:00:00Z".into(),
            versions: versions.map(|v| v.iter().map(std::string::ToString::to_string).collect()),
            ranges: vec![],
        }
    }

    pub(crate) fn sample() -> Vec<u8> {
        let mut reports = BTreeMap::new();
        for (eco, name, id) in [
            (Ecosystem::Npm, "evil", "MAL-1"),
            (Ecosystem::Npm, "evil-two", "MAL-2"),
            (Ecosystem::Pypi, "evil", "MAL-3"),
            (Ecosystem::Npm, "@scope/x", "MAL-4"),
        ] {
            reports.insert(
                snapshot::key(snapshot::malicious_tag(eco), name),
                report(id, None),
            );
        }
        reports.insert(
            snapshot::key(b'n', "half"),
            report("MAL-5", Some(&["1.0.0", "1.0.1"])),
        );
        write(&meta(reports.len() as u64), &reports).unwrap()
    }

    #[test]
    fn round_trip_and_lookups() {
        let bytes = sample();
        let u = Updated::open(&bytes).unwrap();
        u.verify().unwrap();
        assert_eq!(u.len(), 5);
        assert_eq!(u.malicious(Ecosystem::Npm, "evil").unwrap().id, "MAL-1");
        assert_eq!(u.malicious(Ecosystem::Pypi, "evil").unwrap().id, "MAL-3");
        assert_eq!(u.malicious(Ecosystem::Npm, "@scope/x").unwrap().id, "MAL-4");
        let half = u.malicious(Ecosystem::Npm, "half").unwrap();
        assert_eq!(half.versions.unwrap(), ["1.0.0", "1.0.1"]);
        for miss in [
            "",
            "a",
            "evi",
            "evil-",
            "evil-three",
            "zzz",
            "evil\n",
            "evil\t",
            "\u{0}",
        ] {
            assert!(u.malicious(Ecosystem::Npm, miss).is_none(), "{miss}");
        }
        assert!(u.malicious(Ecosystem::Brew, "evil").is_none());
    }

    #[test]
    fn an_empty_file_is_valid_and_finds_nothing() {
        let bytes = write(&meta(0), &BTreeMap::new()).unwrap();
        let u = Updated::open(&bytes).unwrap();
        u.verify().unwrap();
        assert!(u.is_empty());
        assert!(u.malicious(Ecosystem::Npm, "evil").is_none());
    }

    #[test]
    fn every_flipped_byte_fails_verification_and_never_panics() {
        let bytes = sample();
        for i in 0..bytes.len() {
            for bit in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= bit;
                // Opening may succeed (the frame can still be sound) but verification may not,
                // and lookups on unverified bytes must not panic either.
                if let Ok(u) = Updated::open(&bad) {
                    assert!(u.verify().is_err(), "byte {i} bit {bit:#x}");
                    for name in ["evil", "half", "evil-two", "@scope/x", "nothing"] {
                        let _ = u.malicious(Ecosystem::Npm, name);
                    }
                }
            }
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample();
        for len in 0..bytes.len() {
            assert!(Updated::open(&bytes[..len]).is_err(), "{len}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(Updated::open(&longer).is_err());
    }

    #[test]
    fn garbage_and_old_snapshots_are_refused_with_a_reason() {
        assert!(
            Updated::open(b"hello world, not a file of ours")
                .unwrap_err()
                .0
                .contains("bad magic")
        );
        let old = crate::reputation::store::EMBEDDED;
        assert!(
            Updated::open(old)
                .unwrap_err()
                .0
                .contains("older installguard")
        );
        // A well-framed file whose records were rewritten (checksum recomputed) out of order.
        let mut reports = BTreeMap::new();
        reports.insert(snapshot::key(b'n', "b"), report("MAL-1", None));
        reports.insert(snapshot::key(b'n', "a"), report("MAL-2", None));
        let bytes = write(&meta(2), &reports).unwrap();
        let mut swapped = bytes.clone();
        let i = swapped.windows(3).position(|w| w == b"na\t").unwrap();
        let j = swapped.windows(3).position(|w| w == b"nb\t").unwrap();
        swapped[i + 1] = b'b';
        swapped[j + 1] = b'a';
        let n = swapped.len() - CHECKSUM_BYTES;
        let sum = Sha256::digest(&swapped[..n]);
        swapped[n..].copy_from_slice(&sum);
        let u = Updated::open(&swapped).unwrap();
        assert!(u.verify().unwrap_err().0.contains("out of order"));
    }

    #[test]
    fn the_filter_holds_every_key_and_rarely_anything_else() {
        let mut reports = BTreeMap::new();
        for i in 0..10_000 {
            reports.insert(
                snapshot::key(b'n', &format!("bad-{i}")),
                report("MAL-1", None),
            );
        }
        let bytes = write(&meta(10_000), &reports).unwrap();
        let u = Updated::open(&bytes).unwrap();
        u.verify().unwrap();
        let filter = &bytes[u.filter.clone()];
        assert_eq!(filter.len(), 16_384);
        let false_positives = (0..10_000)
            .filter(|i| filter_has(filter, &snapshot::key(b'n', &format!("good-{i}"))))
            .count();
        assert!(false_positives < 300, "{false_positives} of 10,000");
        // A filter that lost its bits (checksum recomputed) fails verification.
        let mut cleared = bytes.clone();
        cleared[u.filter.clone()].fill(0);
        let n = cleared.len() - CHECKSUM_BYTES;
        let sum = Sha256::digest(&cleared[..n]);
        cleared[n..].copy_from_slice(&sum);
        let e = Updated::open(&cleared).unwrap().verify().unwrap_err();
        assert!(e.0.contains("missing from the filter"), "{e}");
    }

    #[test]
    fn control_characters_byte_by_byte_match_char_is_control() {
        for c in (0u32..0x3000).filter_map(char::from_u32) {
            let s = format!("a{c}b");
            assert_eq!(has_control(s.as_bytes()), c.is_control(), "{c:?}");
        }
    }

    #[test]
    fn reports_that_would_change_meaning_are_not_storable() {
        let k = snapshot::key(b'n', "x");
        assert!(storable(&k, &report("MAL-1\tX", None)).is_err());
        assert!(storable(&k, &report("MAL-1", Some(&["1,2"]))).is_err());
        assert!(storable(&snapshot::key(b'n', "a\nb"), &report("MAL-1", None)).is_err());
        let mut r = report("MAL-1", Some(&["1"]));
        r.ranges = vec![">=1;<2".into()];
        assert!(storable(&k, &r).is_err());
        assert!(storable(&k, &report("MAL-1", Some(&["1.0"]))).is_ok());
    }
}
