//! The real [`World`](crate::cmdline::World): the file system and process environment.
//! The only place the command-line parsers' file and environment reads actually happen.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::cmdline::World;

pub struct OsWorld {
    cwd: PathBuf,
}

impl OsWorld {
    pub fn new() -> std::io::Result<OsWorld> {
        Ok(OsWorld {
            cwd: std::env::current_dir()?,
        })
    }

    fn abs(&self, p: &Path) -> PathBuf {
        self.cwd.join(p)
    }
}

impl World for OsWorld {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        std::fs::read(self.abs(path))
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.abs(path).is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        self.abs(path).is_file()
    }
    fn env(&self, key: &str) -> Option<OsString> {
        std::env::var_os(key)
    }
    fn cwd(&self) -> &Path {
        &self.cwd
    }
    fn home(&self) -> Option<PathBuf> {
        std::env::var_os("HOME").map(PathBuf::from)
    }
}
