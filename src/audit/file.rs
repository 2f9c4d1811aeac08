//! The log files: locked single-write appends that extend the hash chain, rotation by size
//! (a rename under the lock; the chain continues in the new file), and reading records back.
//! The lock is taken on a sibling `<log>.lock` file that is never renamed, so a writer waiting
//! for the lock while another rotates cannot end up appending to the rotated file. The log,
//! its lock and its directory are opened through `files`: never through a symbolic link, never
//! a FIFO or device, 0600 files in a 0700 directory. A record is written whole or not at all:
//! free space (and `RLIMIT_FSIZE`) is checked first, and a write that fails half-way is cut
//! back under the lock.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::chain::{self, GENESIS};
use super::{Event, Record};
use crate::files::{self, Access};

/// Where a record went and its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appended {
    pub path: PathBuf,
    pub seq: u64,
    pub hash: String,
    /// The file was rotated before this record was written.
    pub rotated_to: Option<PathBuf>,
    /// This record follows a torn line (reported, kept in place).
    pub after_torn_line: Option<usize>,
}

fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".lock");
    PathBuf::from(s)
}

/// `audit.jsonl` → (`audit`, `.jsonl`): rotated files are `audit.N.jsonl`.
fn stem_ext(path: &Path) -> (String, String) {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    match name.rfind('.') {
        Some(i) if i > 0 => (name[..i].to_string(), name[i..].to_string()),
        _ => (name, String::new()),
    }
}

/// The rotated files of `path`, oldest first, with their numbers.
pub fn rotated_files(path: &Path) -> std::io::Result<Vec<(u64, PathBuf)>> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let (stem, ext) = stem_ext(path);
    let prefix = format!("{stem}.");
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(e),
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if let Some(num) = n
            .strip_prefix(&prefix)
            .and_then(|r| r.strip_suffix(&ext))
            .and_then(|r| r.parse::<u64>().ok())
        {
            out.push((num, e.path()));
        }
    }
    out.sort();
    Ok(out)
}

/// Create the log's directory (0700), open its lock file (0600, not through a link) and take
/// the exclusive lock (released when the returned file is unlocked or dropped).
fn take_lock(path: &Path) -> std::io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        files::private_dir(dir)?;
    }
    let lock_file = lock_path(path);
    let lock =
        files::open_private(&lock_file, Access::Append).map_err(|e| with_name(&lock_file, e))?;
    lock.lock()?;
    Ok(lock)
}

/// The error with the file's name in front (the lock file is not the path callers print).
fn with_name(path: &Path, e: std::io::Error) -> std::io::Error {
    std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// Open a log file to read: a missing file is `None`; a link, FIFO or device is an error.
fn open_read(path: &Path) -> std::io::Result<Option<File>> {
    match files::open_private(path, Access::Read) {
        Ok(f) => Ok(Some(f)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// The chain head found at the end of a file: the last intact record, and whether the file
/// ends in a torn line.
struct Tail {
    head: Option<(u64, String)>,
    torn: bool,
}

#[derive(serde::Deserialize)]
struct Link {
    #[serde(default)]
    seq: u64,
    #[serde(default)]
    hash: String,
}

/// Read backwards in growing chunks until the last two lines are whole (or the start is hit).
fn tail(file: &mut File) -> std::io::Result<Tail> {
    let size = file.seek(SeekFrom::End(0))?;
    if size == 0 {
        return Ok(Tail {
            head: None,
            torn: false,
        });
    }
    let mut chunk = 64 * 1024u64;
    loop {
        let start = size.saturating_sub(chunk);
        file.seek(SeekFrom::Start(start))?;
        let mut buf = Vec::with_capacity((size - start) as usize);
        Read::take(&mut *file, size - start).read_to_end(&mut buf)?;
        let torn = !buf.ends_with(b"\n");
        let body = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let mut parts: Vec<&[u8]> = body.split(|&b| b == b'\n').collect();
        if start > 0 {
            parts.remove(0); // may be a partial line
        }
        let whole = parts.len();
        for line in parts.into_iter().rev().skip(usize::from(torn)) {
            if let Ok(l) = serde_json::from_slice::<Link>(line)
                && !l.hash.is_empty()
            {
                return Ok(Tail {
                    head: Some((l.seq, l.hash)),
                    torn,
                });
            }
        }
        if start == 0 || whole >= 8 {
            return Ok(Tail { head: None, torn });
        }
        chunk *= 4;
    }
}

fn count_lines(file: &mut File) -> std::io::Result<usize> {
    file.seek(SeekFrom::Start(0))?;
    let mut buf = Vec::new();
    file.read_to_end(&mut buf)?;
    Ok(buf.iter().filter(|&&b| b == b'\n').count() + 1)
}

/// Append one record: under the lock, find the chain head, rotate if the file would pass
/// `max_bytes`, fill in `seq`/`prev`/`hash`, and write the line with one `write_all`.
pub fn append(path: &Path, max_bytes: u64, record: &mut Record) -> std::io::Result<Appended> {
    let lock = take_lock(path)?;
    let result = append_locked(path, max_bytes, record);
    let _ = lock.unlock();
    result
}

fn append_locked(path: &Path, max_bytes: u64, record: &mut Record) -> std::io::Result<Appended> {
    let mut file = files::open_private(path, Access::Append)?;
    let mut t = tail(&mut file)?;
    let mut size = file.seek(SeekFrom::End(0))?;
    let rotated = rotated_files(path)?;
    if size == 0
        && let Some((_, newest)) = rotated.last()
        && let Some(mut f) = open_read(newest).map_err(|e| with_name(newest, e))?
    {
        t.head = tail(&mut f)?.head;
    }
    let (seq, prev) = t
        .head
        .clone()
        .map_or((1, GENESIS.to_string()), |(s, h)| (s + 1, h));
    record.seq = seq;
    record.prev.clone_from(&prev);
    record.hash.clear();
    record.after_torn_line = None;
    let mut rotated_to = None;
    // Rotate before a record that would take the file past the limit (never to an empty file).
    let estimate = record.body().len() as u64 + 80;
    if size > 0 && size + estimate > max_bytes {
        let next = rotated.last().map_or(1, |(n, _)| n + 1);
        let (stem, ext) = stem_ext(path);
        let dest = path.with_file_name(format!("{stem}.{next}{ext}"));
        std::fs::rename(path, &dest)?;
        file = files::open_private(path, Access::Append)?;
        size = 0;
        rotated_to = Some(dest);
        t.torn = false;
    }
    if t.torn {
        record.after_torn_line = Some(count_lines(&mut file)?);
    }
    let body = record.body();
    record.hash = chain::hash(&prev, &body);
    let mut line = Vec::with_capacity(body.len() + 80);
    if t.torn {
        // Keep the torn fragment as its own line (evidence), never glue this record onto it.
        line.push(b'\n');
    }
    line.extend_from_slice(&body[..body.len() - 1]);
    line.extend_from_slice(format!(",\"hash\":\"{}\"}}\n", record.hash).as_bytes());
    // A `starting` record also needs room for its `finished` record after the tool runs.
    let reserve = if record.event == Event::Starting {
        line.len() as u64 + 4096
    } else {
        0
    };
    ensure_room(&file, size, line.len() as u64, reserve)?;
    write_whole(&mut file, &line, size, Write::write_all)?;
    file.sync_data()?;
    Ok(Appended {
        path: path.to_path_buf(),
        seq,
        hash: record.hash.clone(),
        rotated_to,
        after_torn_line: record.after_torn_line,
    })
}

/// Refuse before writing when the record (plus `reserve` bytes for what must follow it) would
/// not fit: the file system's free space for unprivileged users, and the process's file-size
/// limit (`RLIMIT_FSIZE`).
fn ensure_room(file: &File, size: u64, len: u64, reserve: u64) -> std::io::Result<()> {
    use std::os::fd::AsRawFd;
    let need = len + reserve;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: a valid open descriptor and a zeroed out-parameter of the right type.
    if unsafe { libc::fstatvfs(file.as_raw_fd(), &raw mut st) } == 0 {
        let free = (st.f_bavail as u64).saturating_mul(st.f_frsize as u64);
        if free < need + 4096 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::StorageFull,
                format!(
                    "the disk is full: {free} bytes free, and this record needs {len}{}",
                    if reserve > 0 {
                        format!(" plus {reserve} for the outcome record")
                    } else {
                        String::new()
                    }
                ),
            ));
        }
    }
    let mut lim: libc::rlimit = unsafe { std::mem::zeroed() };
    // SAFETY: a zeroed out-parameter of the right type.
    if unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &raw mut lim) } == 0
        && lim.rlim_cur != libc::RLIM_INFINITY
        && size + need > lim.rlim_cur as u64
    {
        return Err(std::io::Error::new(
            std::io::ErrorKind::FileTooLarge,
            format!(
                "the file-size limit (ulimit -f: {} bytes) leaves no room for this record ({len} bytes at offset {size})",
                lim.rlim_cur
            ),
        ));
    }
    Ok(())
}

/// Write `line` at the end of a file of `size` bytes; if the write fails part-way, cut the
/// file back to `size` (we hold the lock: the partial bytes are ours) so no record is torn.
fn write_whole(
    file: &mut File,
    line: &[u8],
    size: u64,
    write: impl FnOnce(&mut File, &[u8]) -> std::io::Result<()>,
) -> std::io::Result<()> {
    match write(file, line) {
        Ok(()) => Ok(()),
        Err(e) => {
            let undone = match file.set_len(size) {
                Ok(()) => "nothing was kept".to_string(),
                Err(t) => format!("and cutting the partial record off failed too: {t}"),
            };
            Err(std::io::Error::new(
                e.kind(),
                format!("writing the record failed ({e}); {undone}"),
            ))
        }
    }
}

/// A line of the log that is not a valid record (a torn write, an edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub file: PathBuf,
    pub line: usize,
    pub error: String,
}

/// The bytes of one log file, `None` when it does not exist. The log itself (and its rotated
/// files) must be a regular file, not a link; `follow` reads a copy named on the command line
/// through a link. Never blocks on a FIFO.
pub fn read_file(path: &Path, follow: bool) -> std::io::Result<Option<Vec<u8>>> {
    let r = if follow {
        files::read_regular(path, 4 << 30).map(Some)
    } else {
        open_read(path).and_then(|f| {
            f.map(|mut f| {
                let mut buf = Vec::new();
                f.read_to_end(&mut buf).map(|_| buf)
            })
            .transpose()
        })
    };
    match r {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(with_name(path, e)),
        ok => ok,
    }
}

/// Every record of the log (rotated files first, oldest first) and the lines that could not be
/// read.
pub fn read(path: &Path) -> std::io::Result<(Vec<Record>, Vec<BadLine>)> {
    let mut files: Vec<PathBuf> = rotated_files(path)?.into_iter().map(|(_, p)| p).collect();
    files.push(path.to_path_buf());
    let mut records = Vec::new();
    let mut bad = Vec::new();
    for file in files {
        let Some(text) = read_file(&file, false)? else {
            continue;
        };
        let ends_clean = text.is_empty() || text.ends_with(b"\n");
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let count = lines.len() - usize::from(ends_clean);
        for (i, raw) in lines.into_iter().take(count).enumerate() {
            let raw = raw.strip_prefix("\u{feff}".as_bytes()).unwrap_or(raw);
            match serde_json::from_slice::<Record>(raw) {
                Ok(r) => records.push(r),
                Err(e) => bad.push(BadLine {
                    file: file.clone(),
                    line: i + 1,
                    error: if i + 1 == count && !ends_clean {
                        format!("torn last line (no newline; a write was interrupted): {e}")
                    } else {
                        e.to_string()
                    },
                }),
            }
        }
    }
    Ok((records, bad))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audit::{test_record, verify};
    use std::fs::OpenOptions;

    #[test]
    fn append_and_read_back_and_torn_line_is_reported_then_chained_past() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("state/audit.jsonl");
        let a = append(&p, u64::MAX, &mut test_record(0)).unwrap();
        assert_eq!(a.seq, 1);
        append(&p, u64::MAX, &mut test_record(1)).unwrap();
        let (recs, bad) = read(&p).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(recs[1].prev, recs[0].hash);
        assert!(bad.is_empty());
        OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"time\":\"20")
            .unwrap();
        let (recs, bad) = read(&p).unwrap();
        assert_eq!((recs.len(), bad.len(), bad[0].line), (2, 1, 3));
        assert!(bad[0].error.contains("torn"));
        // The next append keeps the fragment on its own line and chains from record 2.
        let a = append(&p, u64::MAX, &mut test_record(2)).unwrap();
        assert_eq!((a.seq, a.after_torn_line), (3, Some(3)));
        let v = verify(&p, None, false).unwrap();
        assert_eq!(v.problems.len(), 1, "{:?}", v.problems);
        assert_eq!(v.problems[0].line, 3);
        assert_eq!(v.last_seq, Some(3));
    }

    #[test]
    fn rotation_keeps_the_chain_continuous() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("audit.jsonl");
        for i in 0..7 {
            append(&p, 1200, &mut test_record(i)).unwrap();
        }
        let rotated = rotated_files(&p).unwrap();
        assert!(rotated.len() >= 2, "{rotated:?}");
        let v = verify(&p, None, false).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!((v.records, v.last_seq), (7, Some(7)));
        assert_eq!(read(&p).unwrap().0.len(), 7);
    }

    #[test]
    fn a_write_that_fails_half_way_leaves_no_torn_record() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("audit.jsonl");
        append(&p, u64::MAX, &mut test_record(0)).unwrap();
        let before = std::fs::read(&p).unwrap();
        let mut f = files::open_private(&p, Access::Append).unwrap();
        let e = write_whole(
            &mut f,
            b"{\"half\":\"of a record\"}\n",
            before.len() as u64,
            |f, l| {
                f.write_all(&l[..10])?;
                Err(std::io::Error::new(
                    std::io::ErrorKind::StorageFull,
                    "No space left on device",
                ))
            },
        )
        .unwrap_err();
        assert!(e.to_string().contains("nothing was kept"), "{e}");
        assert_eq!(std::fs::read(&p).unwrap(), before);
        assert!(verify(&p, None, false).unwrap().problems.is_empty());
    }

    #[test]
    fn the_log_and_its_lock_are_never_reached_through_a_link_or_a_fifo() {
        let t = tempfile::tempdir().unwrap();
        let dir = t.path().join("state");
        std::fs::create_dir(&dir).unwrap();
        let bashrc = t.path().join("bashrc");
        std::fs::write(&bashrc, "keep\n").unwrap();
        let p = dir.join("audit.jsonl");
        std::os::unix::fs::symlink(&bashrc, &p).unwrap();
        let e = append(&p, u64::MAX, &mut test_record(0)).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&bashrc).unwrap(), "keep\n");
        let v = verify(&p, None, false).unwrap();
        assert!(
            v.problems[0].what.starts_with("redirected"),
            "{:?}",
            v.problems
        );
        assert!(read(&p).is_err());
        std::fs::remove_file(&p).unwrap();
        // A FIFO as the lock: refused at once, nothing hangs.
        let lock = lock_path(&p);
        let _ = std::fs::remove_file(&lock);
        let c = std::ffi::CString::new(lock.as_os_str().as_encoded_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = append(&p, u64::MAX, &mut test_record(0)).unwrap_err();
        assert!(e.to_string().contains("FIFO"), "{e}");
        std::fs::remove_file(&lock).unwrap();
        append(&p, u64::MAX, &mut test_record(0)).unwrap();
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!((mode(&p), mode(&lock), mode(&dir)), (0o600, 0o600, 0o700));
    }

    #[test]
    fn a_starting_record_without_its_finished_one_is_incomplete_not_broken() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("audit.jsonl");
        let mut a = test_record(0);
        a.invocation = "inv-a".into();
        a.event = Event::Starting;
        append(&p, u64::MAX, &mut a.clone()).unwrap();
        let mut b = test_record(0);
        b.invocation = "inv-b".into();
        b.event = Event::Starting;
        append(&p, u64::MAX, &mut b.clone()).unwrap();
        append(&p, u64::MAX, &mut a.finished(Some(0))).unwrap();
        let v = verify(&p, None, false).unwrap();
        assert!(v.problems.is_empty(), "{:?}", v.problems);
        assert_eq!(v.records, 3);
        assert_eq!(v.incomplete.len(), 1);
        assert_eq!(
            (v.incomplete[0].invocation.as_str(), v.incomplete[0].line),
            ("inv-b", 2)
        );
    }
}
