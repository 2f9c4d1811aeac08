//! pnpm table tests.
use super::*;
