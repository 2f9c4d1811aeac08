//! Chooses and opens the reputation data in effect: an updated snapshot in the XDG data dir
//! when present and valid, else the snapshot embedded in the binary. Never fails: a broken
//! update falls back to the embedded data and says so.

use std::borrow::Cow;
use std::path::PathBuf;

use super::snapshot::Snapshot;

/// The snapshot built from the project's `data/` sources at release time.
pub static EMBEDDED: &[u8] = include_bytes!("../../data/reputation.igrep");

pub const FILE_NAME: &str = "reputation.igrep";

/// Where the data in use came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataOrigin {
    Embedded,
    Updated(PathBuf),
}

impl std::fmt::Display for DataOrigin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            DataOrigin::Embedded => f.write_str("embedded snapshot"),
            DataOrigin::Updated(p) => write!(f, "{}", p.display()),
        }
    }
}

pub struct Loaded {
    pub snapshot: Snapshot<'static>,
    pub origin: DataOrigin,
    /// Set when updated data exists but could not be used.
    pub warning: Option<String>,
}

/// The path of updated data, if the data dir is known.
pub fn updated_path() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.join(FILE_NAME))
}

pub fn embedded() -> Snapshot<'static> {
    Snapshot::open(Cow::Borrowed(EMBEDDED)).expect("the embedded snapshot is valid (tested)")
}

/// Map `path` read-only for the rest of the process, so a check touches only the pages its
/// lookups need instead of reading and copying the whole file (14 MiB for 200,000 reports).
/// Never unmapped: the process is short-lived and [`Loaded`] is `'static`. Safe against
/// updates because `installguard update` replaces the file by rename (a new inode); the
/// mapped one stays as it was.
fn map_file(path: &std::path::Path) -> std::io::Result<&'static [u8]> {
    use std::os::fd::AsRawFd;
    let file = std::fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len())
        .map_err(|_| std::io::Error::other("file too large to map"))?;
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
    Ok(unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Open the data in effect.
pub fn load() -> Loaded {
    let mut warning = None;
    if let Some(path) = updated_path() {
        match map_file(&path) {
            Ok(bytes) => match Snapshot::open(Cow::Borrowed(bytes)) {
                Ok(snapshot) => {
                    return Loaded {
                        snapshot,
                        origin: DataOrigin::Updated(path),
                        warning: None,
                    };
                }
                Err(e) => {
                    warning = Some(format!(
                        "updated reputation data {} is unusable ({e}); using the embedded snapshot",
                        path.display()
                    ))
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                warning = Some(format!(
                    "cannot read updated reputation data {} ({e}); using the embedded snapshot",
                    path.display()
                ))
            }
        }
    }
    Loaded {
        snapshot: embedded(),
        origin: DataOrigin::Embedded,
        warning,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn embedded_snapshot_opens_and_has_data() {
        let snap = super::embedded();
        assert!(snap.meta().malicious_count > 20_000);
        assert!(snap.meta().popular_count > 30_000);
    }
}
