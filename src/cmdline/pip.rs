//! pip's command line (placeholder, being written).
use super::{Error, World};
use crate::request::Request;

pub fn parse(_args: &[String], _world: &dyn World) -> Result<Request, Error> {
    todo!()
}
