//! bun (placeholder).
use super::{Error, World};
use crate::request::Request;
pub fn parse(_args: &[String], _world: &dyn World) -> Result<Request, Error> {
    Err(Error::usage("bun: not yet"))
}
pub fn parse_bunx(_args: &[String], _world: &dyn World) -> Result<Request, Error> {
    Err(Error::usage("bunx: not yet"))
}
