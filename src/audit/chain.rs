//! The hash chain: each record's `hash` is SHA-256 over a domain tag, the previous record's hash
//! and the record's stored bytes without its `hash` member; [`verify`] walks the rotated files
//! and the current one and names every broken line. Reads only; repairs nothing. A chain whose
//! newest records were cut off cleanly looks intact on its own: compare its head with an
//! off-host copy (syslog carries the head) through `verify`'s `anchor`.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// Domain separation: these hashes mean nothing outside installguard's audit chain.
const DOMAIN: &[u8] = b"installguard-audit-chain-v1\0";

/// The `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const HASH_KEY: &str = ",\"hash\":\"";

/// SHA-256(domain ‖ prev ‖ '\n' ‖ body), lowercase hex.
pub fn hash(prev: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(DOMAIN);
    h.update(prev.as_bytes());
    h.update(b"\n");
    h.update(body);
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Split a stored line into the hashed body (the line with `,"hash":"…"` removed) and the
/// claimed hash. `None` when the line does not end with a hash member.
pub fn split_line(line: &[u8]) -> Option<(Vec<u8>, String)> {
    let tail = HASH_KEY.len() + 64 + 2;
    if line.len() < tail + 1 || !line.ends_with(b"\"}") {
        return None;
    }
    let cut = line.len() - tail;
    if &line[cut..cut + HASH_KEY.len()] != HASH_KEY.as_bytes() {
        return None;
    }
    let claimed = std::str::from_utf8(&line[cut + HASH_KEY.len()..line.len() - 2]).ok()?;
    if !claimed.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let mut body = line[..cut].to_vec();
    body.push(b'}');
    Some((body, claimed.to_string()))
}

/// One broken place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: PathBuf,
    /// 1-based line in `file`.
    pub line: usize,
    pub what: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Line 0: the problem is the file as a whole (redirected), not one of its lines.
        if self.line == 0 {
            write!(f, "{}: {}", self.file.display(), self.what)
        } else {
            write!(f, "{}:{}: {}", self.file.display(), self.line, self.what)
        }
    }
}

/// The outcome of walking the chain.
#[derive(Debug, Clone, Default)]
pub struct Verified {
    pub files: Vec<PathBuf>,
    pub records: usize,
    /// Records written before the log was chained (older installguard), at the very start.
    pub unchained: usize,
    pub first_seq: Option<u64>,
    pub last_seq: Option<u64>,
    /// The newest record's hash: what an off-host copy should hold.
    pub head: Option<String>,
    /// In order; the first one is the first broken record.
    pub problems: Vec<Problem>,
    /// `starting` records with no `finished` record of the same invocation after them: the
    /// guard was killed while the real tool ran (or is still running). Not a broken chain.
    pub incomplete: Vec<Incomplete>,
}

/// An invocation that recorded its intent to run the real tool and never its outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    pub file: PathBuf,
    pub line: usize,
    pub seq: u64,
    pub invocation: String,
    pub time: String,
    pub program: String,
    /// The guard's process id and host, as recorded.
    pub pid: u32,
    pub host: String,
    /// Whether that process still exists (known only on the host that wrote the record;
    /// filled in by the caller, which may look at processes: `verify` itself does not).
    pub running: Option<bool>,
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.running {
            Some(true) => format!(
                "pid {} is still running on this host (the install is in progress, or a later \
                 process reused the pid)",
                self.pid
            ),
            Some(false) => format!(
                "pid {} is gone: the guard was killed while the tool ran",
                self.pid
            ),
            None => "the guard was killed while the tool ran, or it is still running".to_string(),
        };
        write!(
            f,
            "{}:{}: seq {}: `{}` started at {} (invocation {}) and has no outcome record: {why}",
            self.file.display(),
            self.line,
            self.seq,
            self.program,
            self.time,
            self.invocation
        )
    }
}

#[derive(serde::Deserialize)]
struct Link {
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    prev: String,
    #[serde(default)]
    hash: String,
    #[serde(default)]
    event: super::Event,
    #[serde(default)]
    invocation: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    program: String,
    #[serde(default)]
    pid: u32,
    #[serde(default)]
    host: String,
}

/// Walk `path`'s rotated files (oldest first) and then `path` itself. `anchor`: a record hash
/// known from elsewhere (an off-host copy) that must be in the chain. `follow`: `path` is a
/// copy named by the user, which may be reached through a symbolic link; the log itself may
/// not (a log that is a link, a FIFO or a device is a problem: it was redirected).
pub fn verify(path: &Path, anchor: Option<&str>, follow: bool) -> std::io::Result<Verified> {
    let mut files: Vec<PathBuf> = super::rotated_files(path)?
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    if path.exists() || files.is_empty() {
        files.push(path.to_path_buf());
    }
    let mut v = Verified {
        files: files.clone(),
        ..Verified::default()
    };
    let mut expect_prev = GENESIS.to_string();
    let mut expect_seq = 1u64;
    let mut chained = false;
    let mut anchor_found = false;
    let mut open: Vec<Incomplete> = Vec::new();
    // Where the chain ends (the newest record's file and line): an anchor that is missing
    // was expected at or before it.
    let mut end: Option<(PathBuf, usize)> = None;
    for file in &files {
        let bytes = match super::file::read_file(file, follow && file == path) {
            Ok(b) => b.unwrap_or_default(),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
                v.problems.push(Problem {
                    file: file.clone(),
                    line: 0,
                    what: format!("redirected or replaced: {e}"),
                });
                continue;
            }
            Err(e) => return Err(e),
        };
        let ends_clean = bytes.is_empty() || bytes.ends_with(b"\n");
        let lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
        let count = lines.len() - usize::from(ends_clean);
        macro_rules! problem {
            ($line:expr, $what:expr $(,)?) => {
                v.problems.push(Problem {
                    file: file.clone(),
                    line: $line,
                    what: $what,
                })
            };
        }
        for (i, raw) in lines.into_iter().take(count).enumerate() {
            // A copy collected through syslog may keep the message's BOM.
            let raw = raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw);
            let n = i + 1;
            let last = n == count;
            if last && !ends_clean {
                problem!(
                    n,
                    "truncated: the last record is torn (no newline; a write was interrupted \
                     or the file was cut)"
                        .into(),
                );
                continue;
            }
            let link: Link = match serde_json::from_slice(raw) {
                Ok(l) => l,
                Err(e) => {
                    problem!(
                        n,
                        format!("not a valid record (edited, or torn by a crash): {e}"),
                    );
                    continue;
                }
            };
            if link.hash.is_empty() {
                if chained {
                    problem!(
                        n,
                        "a record without a hash inside the chain (inserted)".into(),
                    );
                } else {
                    v.unchained += 1;
                }
                continue;
            }
            let Some((body, claimed)) = split_line(raw) else {
                problem!(
                    n,
                    "edited: the hash is not where installguard writes it".into(),
                );
                continue;
            };
            v.records += 1;
            if claimed != link.hash || hash(&link.prev, &body) != claimed {
                problem!(
                    n,
                    format!("edited: record seq {} does not match its hash", link.seq),
                );
            } else if link.prev != expect_prev || link.seq != expect_seq {
                let what = if !chained && v.problems.is_empty() && link.seq > 1 {
                    format!(
                        "deleted: the chain starts at seq {} (records 1..{} or their rotated \
                         files are missing)",
                        link.seq,
                        link.seq - 1
                    )
                } else if link.seq > expect_seq {
                    format!(
                        "deleted: expected seq {expect_seq}, found {} (records are missing before this line)",
                        link.seq
                    )
                } else if link.seq < expect_seq {
                    format!(
                        "reordered: seq {} comes after seq {} (moved, replayed or duplicated)",
                        link.seq,
                        expect_seq - 1
                    )
                } else {
                    format!(
                        "chain broken: seq {} does not follow the previous record's hash \
                         (replaced or reordered)",
                        link.seq
                    )
                };
                problem!(n, what);
            }
            chained = true;
            match link.event {
                super::Event::Starting => open.push(Incomplete {
                    file: file.clone(),
                    line: n,
                    seq: link.seq,
                    invocation: link.invocation.clone(),
                    time: link.time.clone(),
                    program: link.program.clone(),
                    pid: link.pid,
                    host: link.host.clone(),
                    running: None,
                }),
                super::Event::Finished => open.retain(|o| o.invocation != link.invocation),
                super::Event::Decided => {}
            }
            if anchor.is_some_and(|a| a.eq_ignore_ascii_case(&claimed)) {
                anchor_found = true;
            }
            v.first_seq.get_or_insert(link.seq);
            v.last_seq = Some(link.seq);
            v.head = Some(claimed.clone());
            end = Some((file.clone(), n));
            // Resynchronise on this record so one break is reported once.
            expect_prev = claimed;
            expect_seq = link.seq + 1;
        }
    }
    v.incomplete = open;
    if let Some(a) = anchor
        && !anchor_found
    {
        let (file, line) = end.unwrap_or_else(|| (files.last().cloned().unwrap_or_default(), 0));
        v.problems.push(Problem {
            file,
            line,
            what: format!(
                "truncated or replaced: the chain ends here (seq {}) without the anchor {a} (a head recorded off-host)",
                v.last_seq.map_or_else(|| "none".to_string(), |s| s.to_string())
            ),
        });
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{append, test_record};

    fn write(n: usize) -> (tempfile::TempDir, PathBuf) {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("audit.jsonl");
        for i in 0..n {
            append(&p, u64::MAX, &mut test_record(i as i32)).unwrap();
        }
        (t, p)
    }

    fn lines(p: &Path) -> Vec<String> {
        std::fs::read_to_string(p)
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn put(p: &Path, lines: &[String]) {
        std::fs::write(p, lines.join("\n") + "\n").unwrap();
    }

    #[test]
    fn intact_chain_verifies() {
        let (_t, p) = write(3);
        let v = verify(&p, None, false).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!((v.records, v.first_seq, v.last_seq), (3, Some(1), Some(3)));
        let head = v.head.clone().unwrap();
        assert!(verify(&p, Some(&head), false).unwrap().problems.is_empty());
        assert_eq!(verify(&p, Some(GENESIS), false).unwrap().problems.len(), 1);
    }

    #[test]
    fn each_kind_of_tampering_names_its_line() {
        let (_t, p) = write(4);
        let orig = lines(&p);
        let first = |l: &[String]| {
            put(&p, l);
            let v = verify(&p, None, false).unwrap();
            let f = v.problems.first().cloned().expect("a problem");
            (f.line, f.what)
        };
        let mut edited = orig.clone();
        edited[1] = edited[1].replace("\"pip\"", "\"npm\"");
        let (line, what) = first(&edited);
        assert_eq!(line, 2);
        assert!(what.starts_with("edited"), "{what}");

        let mut deleted = orig.clone();
        deleted.remove(1);
        let (line, what) = first(&deleted);
        assert_eq!(line, 2);
        assert!(what.starts_with("deleted"), "{what}");

        let mut reordered = orig.clone();
        reordered.swap(1, 2);
        let (line, what) = first(&reordered);
        assert_eq!(line, 2);
        assert!(
            what.starts_with("deleted") || what.starts_with("reordered"),
            "{what}"
        );

        let mut first_gone = orig.clone();
        first_gone.remove(0);
        let (line, what) = first(&first_gone);
        assert_eq!(line, 1);
        assert!(what.starts_with("deleted"), "{what}");

        let mut torn = orig.join("\n") + "\n";
        torn.truncate(torn.len() - 10);
        std::fs::write(&p, torn).unwrap();
        let v = verify(&p, None, false).unwrap();
        assert_eq!(v.problems[0].line, 4);
        assert!(v.problems[0].what.starts_with("truncated"));
    }
}
