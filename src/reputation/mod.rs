//! Reputation data: known-malicious reports and popular names per ecosystem, in an indexed
//! snapshot that opens without parsing (fst maps over the raw bytes). Lookups are pure;
//! reading the snapshot from disk is `store`'s job, building one is `import`'s.

pub mod feed;
pub mod imitation;
pub mod import;
pub mod snapshot;
pub mod store;

pub use snapshot::{Meta, Report, Snapshot};
