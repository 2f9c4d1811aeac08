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

/// Open the data in effect.
pub fn load() -> Loaded {
    let mut warning = None;
    if let Some(path) = updated_path() {
        match std::fs::read(&path) {
            Ok(bytes) => match Snapshot::open(Cow::Owned(bytes)) {
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
