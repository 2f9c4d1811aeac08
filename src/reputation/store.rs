//! Chooses and opens the reputation data in effect: the snapshot embedded in the binary, plus
//! the updated-data file in the XDG data dir when it is present, a regular file within the size
//! cap, dated no later than now, and passes its integrity check. Never fails and never blocks:
//! unusable updated data is refused with a warning and the embedded data is used alone.
//!
//! The integrity check (a SHA-256 over the whole file, then every record) runs when the file
//! is new or changed; its result is kept in a stamp next to it, keyed on the file's device,
//! inode, size, mtime and ctime, and redone after [`REVERIFY_AFTER`]. A check with a current
//! stamp costs a `stat` and a 200-byte read instead of hashing the file. When the data dir
//! cannot hold the stamp (read-only), it is kept in the cache dir instead; the result is also
//! kept in memory for the rest of the process.

use std::borrow::Cow;
use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use super::data::{CLOCK_SKEW_SECS, Data};
use super::snapshot::Snapshot;
use super::updated::Updated;

/// The snapshot built from the project's `data/` sources at release time.
pub static EMBEDDED: &[u8] = include_bytes!("../../data/reputation.igrep");

pub const FILE_NAME: &str = "reputation.igrep";
/// The verification stamp of [`FILE_NAME`].
pub const STAMP_NAME: &str = "reputation.igrep.verified";
/// Largest updated-data file read (200,000 reports take about 17 MiB).
pub const MAX_FILE_BYTES: u64 = 256 << 20;
/// A stamp older than this (seconds) is not trusted: the file is hashed again, so damage
/// that changes no metadata (a failing disk) is found within a week.
pub const REVERIFY_AFTER: i64 = 7 * 86_400;
const MAX_STAMP_BYTES: u64 = 4096;
const STAMP_TAG: &str = "installguard-verified-1";

/// Where the data in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOrigin {
    Embedded,
    /// The embedded snapshot plus the reports of this updated-data file.
    Updated(PathBuf),
}

impl std::fmt::Display for DataOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataOrigin::Embedded => f.write_str("embedded snapshot"),
            DataOrigin::Updated(p) => write!(f, "embedded snapshot + {}", p.display()),
        }
    }
}

/// How the updated-data file in use was found intact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Integrity {
    /// The file's SHA-256 (hex), as stored in it and recomputed.
    pub sha256: String,
    /// When it was last hashed (Unix seconds).
    pub verified_at: i64,
    /// Hashed by this process (no current stamp), rather than vouched for by the stamp.
    pub hashed_now: bool,
    /// Where the stamp is kept when the data dir cannot hold it (the cache dir's copy).
    pub stamp_elsewhere: Option<PathBuf>,
    /// Why the stamp could be written nowhere, if so (then every run hashes the file).
    pub stamp_error: Option<String>,
}

impl Integrity {
    /// The once-a-day warning for a stamp that could be written nowhere: every check then
    /// hashes the whole file. `None` when there is nothing to say or it was said today.
    pub fn stamp_warning(&self, now: i64) -> Option<String> {
        let why = self.stamp_error.as_ref()?;
        reminder_due(STAMP_REMINDER_NAME, now).then(|| {
            format!(
                "WARNING: the reputation data's verification cannot be recorded ({why}), so \
                 every check hashes the whole file; make the data or cache dir writable \
                 (`installguard doctor` shows both; this reminder shows at most once a day)"
            )
        })
    }
}

pub struct Loaded {
    pub data: Data<'static>,
    pub origin: DataOrigin,
    /// Set when updated data exists but is refused: what is wrong and that the embedded data
    /// is used alone.
    pub warning: Option<String>,
    /// Set when updated data is in use.
    pub integrity: Option<Integrity>,
}

impl Loaded {
    /// When the data in effect was current (RFC 3339).
    pub fn newest_report(&self) -> &str {
        self.data.newest_report()
    }

    pub fn built(&self) -> &str {
        self.data.built()
    }
    /// What a check says about the data before anything else: refused updated data, and
    /// (at most once a day) a verification that could be recorded nowhere.
    pub fn notices(&self, now: i64) -> Vec<String> {
        let stamp = self.integrity.as_ref().and_then(|i| i.stamp_warning(now));
        self.warning.iter().cloned().chain(stamp).collect()
    }
}

/// The directory of updated data, if the data dir is known.
pub fn data_dir() -> Option<PathBuf> {
    crate::dirs::data_dir()
}

/// The path of updated data, if the data dir is known.
pub fn updated_path() -> Option<PathBuf> {
    data_dir().map(|d| d.join(FILE_NAME))
}

pub fn embedded() -> Snapshot<'static> {
    Snapshot::open(Cow::Borrowed(EMBEDDED)).expect("the embedded snapshot is valid (tested)")
}

/// The embedded data alone, as [`Data`].
pub fn embedded_data() -> Data<'static> {
    Data::new(embedded(), None)
}

/// Map `file` (`len` bytes) read-only for the rest of the process, so a check touches only
/// the pages its lookups need instead of reading the whole file. Never unmapped ([`Loaded`]
/// is `'static`); a process that loads the same file version again gets the same mapping, so
/// repeated loads do not pile up mappings. Safe against updates because `installguard update`
/// replaces the file by rename (a new inode); a mapped one stays as it was.
fn map_file(file: &File, id: &FileId, len: u64) -> std::io::Result<&'static [u8]> {
    static MAPPED: std::sync::Mutex<Vec<(FileId, &'static [u8])>> =
        std::sync::Mutex::new(Vec::new());
    let mut mapped = MAPPED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, bytes)) = mapped.iter().find(|(i, _)| i == id) {
        return Ok(bytes);
    }
    let bytes = map_new(file, len)?;
    mapped.push((id.clone(), bytes));
    Ok(bytes)
}

fn map_new(file: &File, len: u64) -> std::io::Result<&'static [u8]> {
    use std::os::fd::AsRawFd;
    let len = usize::try_from(len).map_err(|_| std::io::Error::other("file too large to map"))?;
    if len == 0 {
        return Ok(&[]);
    }
    // SAFETY: a private, read-only mapping of a regular file we hold open, checked for failure
    // below. Nothing writes through it and it is never unmapped, so the slice stays valid.
    let ptr = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            libc::PROT_READ,
            libc::MAP_PRIVATE,
            file.as_raw_fd(),
            0,
        )
    };
    if ptr == libc::MAP_FAILED {
        return Err(std::io::Error::last_os_error());
    }

    // SAFETY: `ptr` points to `len` readable bytes that live as long as the process.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    advise(bytes, libc::MADV_RANDOM);
    Ok(bytes)
}

/// Tell the kernel how a mapping from [`map_new`] will be read. `MADV_RANDOM` (lookups) keeps
/// it from mapping the neighbours of every page touched (fault-around, large folios), so a
/// check's memory grows by the pages it reads, not by the file's size; `MADV_SEQUENTIAL` for
/// the one pass of a verification. Advice only: failure changes nothing.
fn advise(bytes: &[u8], advice: libc::c_int) {
    if bytes.is_empty() {
        return;
    }
    // SAFETY: `bytes` is (part of) a live mapping from `map_new`, never unmapped; madvise
    // with these advices does not change its contents.
    unsafe { libc::madvise(bytes.as_ptr() as *mut libc::c_void, bytes.len(), advice) };
}

/// What identifies one version of a file without reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FileId(String);

impl FileId {
    fn of(meta: &Metadata) -> FileId {
        use std::os::unix::fs::MetadataExt;
        FileId(format!(
            "{} {} {} {}.{:09} {}.{:09}",
            meta.dev(),
            meta.ino(),
            meta.size(),
            meta.mtime(),
            meta.mtime_nsec(),
            meta.ctime(),
            meta.ctime_nsec()
        ))
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A stamp line: tag, file id (5 fields), sha256, verified-at.
fn stamp_line(id: &FileId, sha256: &str, verified_at: i64) -> String {
    format!("{STAMP_TAG} {} {sha256} {verified_at}\n", id.0)
}

/// The stamp's verification time, if the stamp vouches for exactly this file and checksum.
fn read_stamp(dir: &Path, id: &FileId, sha256: &str, now: i64) -> Option<i64> {
    let (mut file, _) =
        crate::files::open_regular(&dir.join(STAMP_NAME), MAX_STAMP_BYTES).ok()??;
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    let rest = text.strip_suffix('\n')?.strip_prefix(STAMP_TAG)?;
    let (head, verified_at) = rest.rsplit_once(' ')?;
    let verified_at: i64 = verified_at.parse().ok()?;
    let expected = format!(" {} {sha256}", id.0);
    (head == expected && verified_at <= now && now - verified_at < REVERIFY_AFTER)
        .then_some(verified_at)
}

/// Verifications done by this process, and where their stamps went.
static VERIFIED: std::sync::Mutex<Vec<(FileId, Integrity)>> = std::sync::Mutex::new(Vec::new());

/// This process's verification of exactly this file and checksum, if recent enough.
fn remembered(id: &FileId, sha256: &str, now: i64) -> Option<Integrity> {
    VERIFIED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .iter()
        .rev()
        .find(|(i, v)| i == id && v.sha256 == sha256)
        .map(|(_, v)| Integrity {
            hashed_now: false,
            ..v.clone()
        })
        .filter(|v| v.verified_at <= now && now - v.verified_at < REVERIFY_AFTER)
}

fn remember(id: &FileId, integrity: &Integrity) {
    VERIFIED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push((id.clone(), integrity.clone()));
}

/// Record that the file with `meta` was verified at `now`; atomic, best effort.
fn write_stamp(dir: &Path, meta: &Metadata, sha256: &str, now: i64) -> std::io::Result<()> {
    let tmp = dir.join(format!(".{STAMP_NAME}.{}.tmp", std::process::id()));
    let result = std::fs::write(&tmp, stamp_line(&FileId::of(meta), sha256, now))
        .and_then(|()| std::fs::rename(&tmp, dir.join(STAMP_NAME)));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// After `installguard update` installed a file it hashed itself: stamp it, so the first
/// check does not hash it again. Best effort.
pub fn stamp_installed(path: &Path, sha256: &[u8], now: i64) {
    if let (Some(dir), Ok(meta)) = (path.parent(), std::fs::metadata(path)) {
        let _ = write_stamp(dir, &meta, &hex(sha256), now);
    }
}

/// The file in the state dir whose mtime says when the stale-data reminder was last shown.
pub const REMINDER_NAME: &str = "stale-data-reminder";
/// The same for the reminder that the data's verification cannot be recorded.
pub const STAMP_REMINDER_NAME: &str = "data-stamp-reminder";

/// Whether to remind about stale data on an install that shows nothing else: at most once a
/// day (per user), so a clean `pip install` is not noisy. Records the reminder when due.
/// Without a state dir it is always due.
pub fn stale_reminder_due(now: i64) -> bool {
    reminder_due(REMINDER_NAME, now)
}

/// Whether the reminder recorded in the state dir's file `name` is due (at most once a day);
/// records it when it is. Without a state dir it is always due.
fn reminder_due(name: &str, now: i64) -> bool {
    use std::os::unix::fs::OpenOptionsExt;
    let Some(dir) = crate::dirs::state_dir() else {
        return true;
    };
    let path = dir.join(name);
    let last = std::fs::symlink_metadata(&path)
        .ok()
        .filter(Metadata::is_file)
        .and_then(|m| m.modified().ok())
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_secs() as i64);
    if last.is_some_and(|t| t <= now && now - t < 86_400) {
        return false;
    }
    let _ = std::fs::create_dir_all(&dir);
    if let Ok(f) = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOFOLLOW | libc::O_CLOEXEC)
        .open(&path)
    {
        let _ = f.set_modified(
            std::time::UNIX_EPOCH + std::time::Duration::from_secs(now.max(0) as u64),
        );
    }
    true
}

/// Open the data in effect.
pub fn load() -> Loaded {
    match data_dir() {
        Some(dir) => load_with(
            &dir,
            crate::dirs::cache_dir().as_deref(),
            crate::time::now_unix(),
        ),
        None => Loaded {
            data: embedded_data(),
            origin: DataOrigin::Embedded,
            warning: None,
            integrity: None,
        },
    }
}

/// [`load`] with the data dir and the time given, and no other place for the stamp.
pub fn load_from(dir: &Path, now: i64) -> Loaded {
    load_with(dir, None, now)
}

/// [`load`] with the data dir, the place for the stamp when the data dir cannot hold it
/// (the cache dir), and the time given.
pub fn load_with(dir: &Path, stamp_fallback: Option<&Path>, now: i64) -> Loaded {
    let path = dir.join(FILE_NAME);
    let (updated, warning, integrity) = match open_updated(dir, stamp_fallback, &path, now) {
        Ok(None) => (None, None, None),
        Ok(Some((u, integrity))) => (Some(u), None, Some(integrity)),
        Err(why) => (
            None,
            Some(format!(
                "the updated reputation data {} is refused: {why}. Using the embedded data only; \
                 run `installguard update` to replace it",
                path.display()
            )),
            None,
        ),
    };
    let origin = match &updated {
        Some(_) => DataOrigin::Updated(path),
        None => DataOrigin::Embedded,
    };
    Loaded {
        data: Data::new(embedded(), updated),
        origin,
        warning,
        integrity,
    }
}

/// The updated-data file at `path`, checked; `Ok(None)` when there is none.
fn open_updated(
    dir: &Path,
    stamp_fallback: Option<&Path>,
    path: &Path,
    now: i64,
) -> Result<Option<(Updated<'static>, Integrity)>, String> {
    let Some((file, meta)) =
        crate::files::open_regular(path, MAX_FILE_BYTES).map_err(|e| e.to_string())?
    else {
        return Ok(None);
    };
    let id = FileId::of(&meta);
    let bytes = map_file(&file, &id, meta.len()).map_err(|e| format!("cannot map it: {e}"))?;
    let u = Updated::open(bytes).map_err(|e| e.0)?;
    check_dates(u.meta(), now)?;
    let sha256 = hex(&u.checksum());
    let vouched = |at: i64, elsewhere: Option<&Path>| Integrity {
        sha256: sha256.clone(),
        verified_at: at,
        hashed_now: false,
        stamp_elsewhere: elsewhere.map(|d| d.join(STAMP_NAME)),
        stamp_error: None,
    };
    if let Some(at) = read_stamp(dir, &id, &sha256, now) {
        return Ok(Some((u, vouched(at, None))));
    }
    if let Some(at) = stamp_fallback.and_then(|f| read_stamp(f, &id, &sha256, now)) {
        return Ok(Some((u, vouched(at, stamp_fallback))));
    }
    // Verified by this process already (and the stamp could not be written, or is gone).
    if let Some(i) = remembered(&id, &sha256, now) {
        return Ok(Some((u, i)));
    }
    advise(bytes, libc::MADV_SEQUENTIAL);
    let verified = u.verify();
    advise(bytes, libc::MADV_RANDOM);
    verified.map_err(|e| e.0)?;
    let (stamp_elsewhere, stamp_error) = match write_stamp(dir, &meta, &sha256, now) {
        Ok(()) => (None, None),
        Err(e) => {
            let here = format!("{}: {e}", dir.join(STAMP_NAME).display());
            match stamp_fallback {
                Some(f) => match std::fs::create_dir_all(f)
                    .and_then(|()| write_stamp(f, &meta, &sha256, now))
                {
                    Ok(()) => (Some(f.join(STAMP_NAME)), None),
                    Err(e2) => (
                        None,
                        Some(format!("{here}; {}: {e2}", f.join(STAMP_NAME).display())),
                    ),
                },
                None => (None, Some(here)),
            }
        }
    };
    let integrity = Integrity {
        sha256,
        verified_at: now,
        hashed_now: true,
        stamp_elsewhere,
        stamp_error,
    };
    remember(&id, &integrity);
    Ok(Some((u, integrity)))
}

/// Updated data dated after now (beyond the clock-skew allowance) would look fresh forever.
fn check_dates(meta: &super::Meta, now: i64) -> Result<(), String> {
    let parse = |what: &str, s: &str| {
        crate::time::parse_rfc3339(s).ok_or_else(|| format!("its {what} date {s:?} is unreadable"))
    };
    let built = parse("build", &meta.built)?;
    if built > now + CLOCK_SKEW_SECS {
        return Err(format!(
            "it says it was built on {}, in the future (this machine's clock or the file is wrong)",
            &meta.built
        ));
    }
    if !meta.newest_report.is_empty() && parse("newest report", &meta.newest_report)? > built {
        return Err(format!(
            "its newest report ({}) is dated after the file was built ({})",
            meta.newest_report, meta.built
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ecosystem::Ecosystem;
    use crate::reputation::snapshot::{Meta, Report, key};
    use crate::reputation::updated;

    const NOW: i64 = 1_800_000_000; // 2027-01-15

    #[test]
    fn embedded_snapshot_opens_and_has_data() {
        let snap = super::embedded();
        assert!(snap.meta().malicious_count > 20_000);
        assert!(snap.meta().popular_count > 30_000);
    }

    fn updated_file(names: &[&str], built: i64) -> Vec<u8> {
        let mut map = BTreeMap::new();
        for n in names {
            map.insert(
                key(b'n', n),
                Report {
                    id: format!("MAL-{n}"),
                    published: crate::time::format_rfc3339(built - 86_400),
                    versions: None,
                    ranges: vec![],
                },
            );
        }
        let meta = Meta {
            format: updated::FORMAT,
            newest_report: crate::time::format_rfc3339(built - 86_400),
            built: crate::time::format_rfc3339(built),
            sources: vec![],
            malicious_count: map.len() as u64,
            popular_count: 0,
            feeds: vec![],
        };
        updated::write(&meta, &map).unwrap()
    }

    /// A name the embedded data reports for npm.
    fn embedded_npm_name() -> String {
        let snap = embedded();
        let (k, _) = snap
            .reports()
            .into_iter()
            .find(|(k, _)| k[0] == b'n')
            .unwrap();
        String::from_utf8(k[1..].to_vec()).unwrap()
    }

    fn blocks(l: &Loaded, name: &str) -> bool {
        l.data.malicious(Ecosystem::Npm, name).is_some()
    }

    #[test]
    fn a_valid_file_adds_reports_and_is_stamped_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(FILE_NAME),
            updated_file(&["igtest-new"], NOW),
        )
        .unwrap();
        let l = load_from(dir.path(), NOW);
        assert!(l.warning.is_none(), "{:?}", l.warning);
        assert!(blocks(&l, "igtest-new") && blocks(&l, &embedded_npm_name()));
        assert!(matches!(l.origin, DataOrigin::Updated(_)));
        let i = l.integrity.unwrap();
        assert!(i.hashed_now && i.stamp_error.is_none());
        // The stamp vouches for the same file next time, until it is a week old.
        let again = load_from(dir.path(), NOW + 60).integrity.unwrap();
        assert!(!again.hashed_now);
        assert_eq!(again.sha256, i.sha256);
        assert!(
            load_from(dir.path(), NOW + REVERIFY_AFTER)
                .integrity
                .unwrap()
                .hashed_now
        );
    }

    /// A data dir that cannot hold the stamp: read-only, and (so that root cannot write it
    /// either) a directory where the stamp would go.
    fn read_only_data_dir(parent: &Path, name: &str) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let data = parent.join(name);
        std::fs::create_dir(&data).unwrap();
        std::fs::write(data.join(FILE_NAME), updated_file(&["igtest-ro"], NOW)).unwrap();
        std::fs::create_dir_all(data.join(STAMP_NAME).join("x")).unwrap();
        std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o555)).unwrap();
        data
    }

    fn make_writable(dir: &Path) {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn a_read_only_data_dir_keeps_the_stamp_in_the_cache_dir() {
        let t = tempfile::tempdir().unwrap();
        let data = read_only_data_dir(t.path(), "data");
        let cache = t.path().join("cache/installguard");
        let first = load_with(&data, Some(&cache), NOW).integrity.unwrap();
        assert!(first.hashed_now, "{first:?}");
        assert_eq!(first.stamp_error, None);
        assert_eq!(first.stamp_elsewhere, Some(cache.join(STAMP_NAME)));
        // The next run reads the cache dir's stamp instead of hashing the file again.
        assert!(
            read_stamp(
                &cache,
                &FileId::of(&std::fs::metadata(data.join(FILE_NAME)).unwrap()),
                &first.sha256,
                NOW + 60
            )
            .is_some()
        );
        let again = load_with(&data, Some(&cache), NOW + 60).integrity.unwrap();
        assert!(
            !again.hashed_now && again.stamp_elsewhere.is_some() && again.stamp_error.is_none()
        );
        assert_eq!(first.stamp_warning(NOW), None, "nothing to warn about");
        make_writable(&data);
    }

    #[test]
    fn a_stamp_written_nowhere_is_said_and_remembered_for_the_process() {
        let t = tempfile::tempdir().unwrap();
        let data = read_only_data_dir(t.path(), "data");
        let cache = read_only_data_dir(t.path(), "cache");
        let first = load_with(&data, Some(&cache), NOW).integrity.unwrap();
        assert!(first.hashed_now);
        let why = first.stamp_error.clone().unwrap();
        assert!(
            why.contains(&data.join(STAMP_NAME).display().to_string())
                && why.contains(&cache.join(STAMP_NAME).display().to_string()),
            "{why}"
        );
        // Within this process the file is not hashed again, and the error still stands.
        let again = load_with(&data, Some(&cache), NOW + 60).integrity.unwrap();
        assert!(!again.hashed_now);
        assert_eq!(again.stamp_error, Some(why));
        assert!(
            load_with(&data, Some(&cache), NOW + REVERIFY_AFTER)
                .integrity
                .unwrap()
                .hashed_now
        );
        make_writable(&data);
        make_writable(&cache);
    }

    #[test]
    fn an_empty_file_keeps_every_embedded_report() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), updated_file(&[], NOW)).unwrap();
        let l = load_from(dir.path(), NOW);
        assert!(l.warning.is_none());
        assert!(blocks(&l, &embedded_npm_name()));
    }

    /// Each damaged file is refused with a reason, and the embedded reports still block.
    #[test]
    fn damaged_files_are_refused_and_the_embedded_data_used() {
        let good = updated_file(&["igtest-a", "igtest-b"], NOW);
        let record = good.windows(9).position(|w| w == b"nigtest-b").unwrap();
        let mut flipped = good.clone();
        flipped[record + 5] ^= 0x20; // igtest-b -> igTest-b
        let cases: Vec<(&str, Vec<u8>, &str)> = vec![
            (
                "flipped byte in a record",
                flipped,
                "checksum does not match",
            ),
            (
                "truncated",
                good[..good.len() - 40].to_vec(),
                "truncated file",
            ),
            ("garbage", b"\x00\x01garbage".repeat(100), "bad magic"),
            ("empty", Vec::new(), "bad magic"),
            (
                "an old full snapshot",
                EMBEDDED[..4096].to_vec(),
                "older installguard",
            ),
            (
                "dated in the future",
                updated_file(&["igtest-a"], NOW + 3 * 86_400),
                "in the future",
            ),
        ];
        for (name, bytes, why) in cases {
            let dir = tempfile::tempdir().unwrap();
            std::fs::write(dir.path().join(FILE_NAME), &bytes).unwrap();
            let l = load_from(dir.path(), NOW);
            let w = l.warning.as_deref().unwrap_or_else(|| panic!("{name}"));
            assert!(
                w.contains(why) && w.contains("embedded data only"),
                "{name}: {w}"
            );
            assert_eq!(l.origin, DataOrigin::Embedded, "{name}");
            assert!(blocks(&l, &embedded_npm_name()), "{name}");
            assert!(!blocks(&l, "igtest-a"), "{name}");
        }
    }

    #[test]
    fn a_stamp_for_another_file_does_not_vouch() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, updated_file(&["igtest-a"], NOW)).unwrap();
        assert!(load_from(dir.path(), NOW).warning.is_none());
        // One byte changed in place: same inode and size, but a new mtime and ctime.
        let bytes = std::fs::read(&path).unwrap();
        let at = bytes.windows(8).position(|w| w == b"nigtest-").unwrap();
        let f = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        std::os::unix::fs::FileExt::write_at(&f, b"I", (at + 1) as u64).unwrap();
        f.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(NOW as u64))
            .unwrap();
        let l = load_from(dir.path(), NOW + 1);
        assert!(
            l.warning.unwrap().contains("checksum does not match"),
            "a changed file must be hashed again"
        );
    }

    #[test]
    fn special_files_in_place_of_the_data_never_hang() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        // A FIFO with no writer: a blocking open would wait forever.
        let c = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let w = load_from(dir.path(), NOW).warning.unwrap();
        assert!(w.contains("a FIFO (named pipe), not a regular file"), "{w}");
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        let w = load_from(dir.path(), NOW).warning.unwrap();
        assert!(w.contains("a directory, not a regular file"), "{w}");
        std::fs::remove_dir(&path).unwrap();
        std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        let w = load_from(dir.path(), NOW).warning.unwrap();
        assert!(w.contains("character device"), "{w}");
        // A FIFO in place of the stamp is ignored: the file is hashed, the stamp replaced.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, updated_file(&["igtest-a"], NOW)).unwrap();
        let stamp = std::ffi::CString::new(dir.path().join(STAMP_NAME).to_str().unwrap()).unwrap();
        // SAFETY: as above.
        assert_eq!(unsafe { libc::mkfifo(stamp.as_ptr(), 0o600) }, 0);
        let l = load_from(dir.path(), NOW);
        assert!(l.warning.is_none() && l.integrity.unwrap().hashed_now);
        assert!(!load_from(dir.path(), NOW).integrity.unwrap().hashed_now);
    }

    #[test]
    fn an_oversized_file_is_refused_without_reading_it() {
        let dir = tempfile::tempdir().unwrap();
        let f = File::create(dir.path().join(FILE_NAME)).unwrap();
        f.set_len(MAX_FILE_BYTES + 1).unwrap(); // sparse
        let w = load_from(dir.path(), NOW).warning.unwrap();
        assert!(w.contains("limit"), "{w}");
    }
}
