//! Integration tests: the real binary, through its shims, in front of the real pip and npm of
//! this machine (installing packages the tests build and serve themselves on 127.0.0.1), a
//! recording stand-in for brew, and a real pseudo-terminal for the prompt. Nothing here
//! reaches the internet.

mod audit;
mod brew;
mod cli;
mod http;
mod inputs;
mod js;
mod log_safety;
mod npm;
mod pip;
mod policy;
mod pty;
mod python_tools;
mod readme;
mod registry;
mod resolve;
mod sandbox;
mod scripts;
mod shims;
mod signals;
mod tools;
mod update;
mod words;
