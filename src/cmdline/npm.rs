//! npm's command line (placeholder, being written).
use super::{Error, World};
use crate::request::Request;

pub fn parse(_args: &[String], _world: &dyn World) -> Result<Request, Error> {
    todo!()
}

pub fn parse_npx(_args: &[String], _world: &dyn World) -> Result<Request, Error> {
    todo!()
}
