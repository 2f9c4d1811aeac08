//! yarn table tests.
use super::*;
