//! Reputation data: known-malicious reports and popular names per ecosystem, in an indexed
//! snapshot that opens without parsing (fst maps over the raw bytes). Lookups are pure;
//! reading the snapshot from disk is `store`'s job, building one is `import`'s.

pub mod feed;
pub mod imitation;
pub mod import;
pub mod snapshot;
pub mod store;

pub use snapshot::{Meta, Report, Snapshot};

/// Why reputation data could not be read, parsed, built or updated (a snapshot, a feed, the
/// source files, a download). The message names the file, URL or record; nothing matches on
/// the kind, so one type serves them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DataError(pub String);
