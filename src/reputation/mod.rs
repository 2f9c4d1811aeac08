//! Reputation data: known-malicious reports and popular names per ecosystem, in an indexed
//! snapshot embedded in the binary that opens without parsing (fst maps over the raw bytes),
//! plus the reports `installguard update` adds in a separate, checksummed file (`updated`),
//! looked up together as a union (`data`). Lookups are pure; reading files is `store`'s job,
//! building a snapshot is `import`'s.

pub mod data;
pub mod feed;
pub mod imitation;
pub mod import;
pub mod snapshot;
pub mod store;
pub mod updated;

pub use data::Data;
pub use snapshot::{Meta, Report, Snapshot};

/// Why reputation data could not be read, parsed, built or updated (a snapshot, a feed, the
/// source files, a download). The message names the file, URL or record; nothing matches on
/// the kind, so one type serves them all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct DataError(pub String);
