//! yarn command lines (placeholder while the grammar lands).
pub(crate) mod lockfile;
pub(crate) mod syml;

use super::Error;
