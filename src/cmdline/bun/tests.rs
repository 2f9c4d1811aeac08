//! bun table tests.
use super::*;
