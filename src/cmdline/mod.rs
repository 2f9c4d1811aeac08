//! Understanding pip, uv/uvx, pipx, poetry, npm/npx, yarn, pnpm/pnpx, bun/bunx and brew command lines: which packages an invocation would install.
//! Pure: every file or environment lookup goes through [`World`], so tests run on in-memory worlds.
//! Never uses clap on the wrapped tool's argv; never decides whether a package is safe.

pub(crate) mod argtable;
pub mod brew;
pub mod bun;
#[cfg(test)]
pub(crate) mod cases;
pub mod npm;
pub mod passage;
pub mod pip;
pub mod pipx;
pub mod pnpm;
pub mod poetry;
pub(crate) mod pylock;
pub(crate) mod pyproject;
pub mod python;
pub mod uv;
#[cfg(test)]
mod words;
pub(crate) mod yaml;
pub mod yarn;

use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};

use crate::ecosystem::Manager;
use crate::request::Request;

/// The outside world as the parsers see it: files, environment, working directory.
pub trait World {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>>;
    fn is_dir(&self, path: &Path) -> bool;
    fn is_file(&self, path: &Path) -> bool;
    fn env(&self, key: &str) -> Option<OsString>;
    fn cwd(&self) -> &Path;
    /// The user's home directory, for `~/...` paths and per-user config files.
    fn home(&self) -> Option<PathBuf>;
    /// The names of a directory's entries, sorted (workspace globs like `packages/*`).
    /// At most [`MAX_DIR_ENTRIES`]: a larger directory is an error, never a partial answer.
    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<String>>;
}

/// A [`World`] seen from another working directory (`uv --directory`, `poetry -C`).
pub(crate) struct Moved<'a> {
    inner: &'a dyn World,
    cwd: PathBuf,
}

impl<'a> Moved<'a> {
    pub(crate) fn new(inner: &'a dyn World, dir: &str) -> Moved<'a> {
        Moved {
            inner,
            cwd: inner.cwd().join(dir),
        }
    }

    /// At exactly `cwd` (an absolute, normalised directory: a workspace member).
    pub(crate) fn at(inner: &'a dyn World, cwd: PathBuf) -> Moved<'a> {
        Moved { inner, cwd }
    }

    /// At `--cwd DIR` (resolved lexically against the current directory) when given.
    pub(crate) fn to(inner: &'a dyn World, dir: Option<&str>) -> Moved<'a> {
        let cwd = match dir {
            Some(d) => npm::files::resolve_path(inner.cwd(), d),
            None => inner.cwd().to_path_buf(),
        };
        Moved { inner, cwd }
    }
}

impl World for Moved<'_> {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.inner.read_file(&self.cwd.join(path))
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.inner.is_dir(&self.cwd.join(path))
    }
    fn is_file(&self, path: &Path) -> bool {
        self.inner.is_file(&self.cwd.join(path))
    }
    fn env(&self, key: &str) -> Option<OsString> {
        self.inner.env(key)
    }
    fn cwd(&self) -> &Path {
        &self.cwd
    }
    fn home(&self) -> Option<PathBuf> {
        self.inner.home()
    }
    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
        self.inner.list_dir(&self.cwd.join(path))
    }
}
/// How many entries [`World::list_dir`] reads before it gives up on a directory.
pub const MAX_DIR_ENTRIES: usize = 100_000;

/// Why a command line could not be understood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The command line itself is malformed (the real tool would reject it too).
    Usage,
    /// A file the command reads (requirements, package.json, Brewfile) is missing or malformed.
    /// The message names the file and line.
    BadFile,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::Usage,
            message: message.into(),
        }
    }

    pub fn bad_file(message: impl Into<String>) -> Error {
        Error {
            kind: ErrorKind::BadFile,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

/// Which manager a program name belongs to, and whether it needs the python `-m pip` check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Program {
    Pip,
    Python,
    Npm,
    Npx,
    Brew,
    Uv,
    Uvx,
    Pipx,
    Poetry,
    /// `yarn`, `yarnpkg`: classic or berry, decided per project.
    Yarn,
    /// `pnpm`, `pn`.
    Pnpm,
    /// `pnpx`, `pnx`: `pnpm dlx`.
    Pnpx,
    Bun,
    /// `bunx`: `bun x`.
    Bunx,
}

/// One guarded command name. [`GUARDED`] is the one table every part of installguard reads:
/// the shims dispatch on it, `shell-init` makes a PATH link and a shell function for each
/// name, `doctor` reports each one. A new package manager plugs in by adding its `Program`
/// variant, a row here, and its parser in [`understand`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Guarded {
    /// The command name (`pip`, `npm`): always wrapped by a shell function, linked when found.
    pub name: &'static str,
    pub program: Program,
    /// `name` followed by a version (`pip3.12`, `python3.11`, `python2.7`) is the same program;
    /// `shell-init` links and wraps each such name it finds on PATH.
    pub versioned: bool,
}

const fn row(name: &'static str, program: Program, versioned: bool) -> Guarded {
    Guarded {
        name,
        program,
        versioned,
    }
}

/// Every guarded command name (see [`Guarded`]).
pub const GUARDED: &[Guarded] = &[
    row("pip", Program::Pip, true),
    row("pip3", Program::Pip, false),
    row("python", Program::Python, true),
    row("python3", Program::Python, false),
    row("uv", Program::Uv, false),
    row("uvx", Program::Uvx, false),
    row("pipx", Program::Pipx, false),
    row("poetry", Program::Poetry, false),
    row("npm", Program::Npm, false),
    row("npx", Program::Npx, false),
    row("yarn", Program::Yarn, false),
    row("yarnpkg", Program::Yarn, false),
    row("pnpm", Program::Pnpm, false),
    row("pn", Program::Pnpm, false),
    row("pnpx", Program::Pnpx, false),
    row("pnx", Program::Pnpx, false),
    row("bun", Program::Bun, false),
    row("bunx", Program::Bunx, false),
    row("brew", Program::Brew, false),
];

/// Commands that install packages but that installguard does not understand yet: `doctor`
/// names each one it finds on PATH as not guarded. Remove a name when it gets a [`GUARDED`] row.
pub const NOT_GUARDED: &[&str] = &[
    "pdm",
    "pipenv",
    "hatch",
    "easy_install",
    "conda",
    "mamba",
    "micromamba",
    "deno",
    "corepack",
    "gem",
    "bundle",
    "cargo",
    "go",
    "composer",
    "cpanm",
];

/// The guarded names for messages: `pip, pip3, ..., brew (and pipX.Y, pythonX.Y)`.
pub fn guarded_list() -> String {
    let names: Vec<&str> = GUARDED.iter().map(|g| g.name).collect();
    let versioned: Vec<String> = GUARDED
        .iter()
        .filter(|g| g.versioned)
        .map(|g| format!("{}X.Y", g.name))
        .collect();
    format!("{} (and {})", names.join(", "), versioned.join(", "))
}

impl Guarded {
    /// Is `name` (a file name) this row's command: the name itself, or for a versioned row the
    /// name followed by digits and dots (`pip3.12`; not `pip3.`, `pipx`, `python3-config`).
    pub fn matches(&self, name: &str) -> bool {
        match name.strip_prefix(self.name) {
            Some("") => true,
            Some(rest) => {
                self.versioned
                    && rest.starts_with(|c: char| c.is_ascii_digit())
                    && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
                    && !rest.ends_with('.')
            }
            None => false,
        }
    }
}

impl Program {
    /// Classify what the user typed (a bare name or a path; only the file name counts)
    /// against [`GUARDED`]: `pip`, `pip3`, `pip3.12`; `python`, `python3`, `python3.12`; `uv`;
    /// `uvx`; `pipx`; `poetry`; `npm`; `npx`; `yarn`, `yarnpkg`; `pnpm`, `pn`; `pnpx`, `pnx`;
    /// `bun`; `bunx`; `brew`.
    pub fn from_name(program: &OsStr) -> Option<Program> {
        let name = Path::new(program).file_name()?.to_str()?;
        GUARDED.iter().find(|g| g.matches(name)).map(|g| g.program)
    }

    pub fn manager(self) -> Manager {
        match self {
            Program::Pip | Program::Python => Manager::Pip,
            Program::Npm | Program::Npx => Manager::Npm,
            Program::Brew => Manager::Brew,
            Program::Uv | Program::Uvx => Manager::Uv,
            Program::Pipx => Manager::Pipx,
            Program::Poetry => Manager::Poetry,
            Program::Yarn => Manager::Yarn,
            Program::Pnpm | Program::Pnpx => Manager::Pnpm,
            Program::Bun | Program::Bunx => Manager::Bun,
        }
    }
}

/// Read a command line: `program` is what the user typed, `args` everything after it.
/// Non-UTF-8 arguments are read lossily for understanding; the real tool still gets the bytes.
pub fn understand(program: &OsStr, args: &[OsString], world: &dyn World) -> Result<Request, Error> {
    let Some(kind) = Program::from_name(program) else {
        return Err(Error::usage(format!(
            "installguard does not guard `{}`: expected {}",
            program.to_string_lossy(),
            guarded_list()
        )));
    };
    let name = Path::new(program)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut request = match kind {
        Program::Pip => pip::parse(&args, world)?,
        Program::Python => match python::pip_args(&args) {
            Some(rest) => pip::parse(rest, world)?,
            None => Request::pass_through(&name, Manager::Pip),
        },
        Program::Npm => npm::parse(&args, world)?,
        Program::Npx => npm::parse_npx(&args, world)?,
        Program::Brew => brew::parse(&args, world)?,
        Program::Uv => uv::parse(&args, world)?,
        Program::Uvx => uv::parse_uvx(&args, world)?,
        Program::Pipx => pipx::parse(&args, world)?,
        Program::Poetry => poetry::parse(&args, world)?,
        Program::Yarn => yarn::parse(&args, world)?,
        Program::Pnpm => pnpm::parse(&args, world)?,
        Program::Pnpx => pnpm::parse_pnpx(&args, world)?,
        Program::Bun => bun::parse(&args, world)?,
        Program::Bunx => bun::parse_bunx(&args, world)?,
    };
    request.program = name;
    Ok(request)
}

/// Complete `request.scripts` with what only the guard needs: the Python managers' builds and
/// the `.pth` files of local wheels (which means opening them, so the pass-through shim never
/// does this). npm's parser fills its own lifecycle and lockfile scripts as it reads the files.
pub fn install_time_code(request: &mut Request, world: &dyn World) {
    if request.installs && request.manager.ecosystem() == crate::ecosystem::Ecosystem::Pypi {
        request
            .scripts
            .extend(pip::scripts::install_time_code(world, &request.targets));
    }
}

pub(crate) mod testworld {
    //! An in-memory [`World`] for table tests and the fuzz targets (`crate::fuzzing`).
    use super::World;
    use std::collections::HashMap;
    use std::ffi::OsString;
    use std::path::{Path, PathBuf};

    #[derive(Default)]
    pub struct MemWorld {
        pub files: HashMap<PathBuf, Vec<u8>>,
        pub dirs: Vec<PathBuf>,
        pub env: HashMap<String, String>,
        pub cwd: PathBuf,
    }

    impl MemWorld {
        pub fn new() -> MemWorld {
            MemWorld {
                cwd: PathBuf::from("/project"),
                ..Default::default()
            }
        }

        fn abs(&self, p: &Path) -> PathBuf {
            self.cwd.join(p)
        }

        pub fn file(mut self, path: &str, content: &str) -> MemWorld {
            let p = self.abs(Path::new(path));
            self.files.insert(p, content.as_bytes().to_vec());
            self
        }

        pub fn dir(mut self, path: &str) -> MemWorld {
            let p = self.abs(Path::new(path));
            self.dirs.push(p);
            self
        }

        pub fn env(mut self, key: &str, value: &str) -> MemWorld {
            self.env.insert(key.to_string(), value.to_string());
            self
        }
    }

    impl World for MemWorld {
        fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
            self.files
                .get(&self.abs(path))
                .cloned()
                .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
        }
        fn is_dir(&self, path: &Path) -> bool {
            let p = self.abs(path);
            self.dirs.contains(&p)
        }
        fn is_file(&self, path: &Path) -> bool {
            self.files.contains_key(&self.abs(path))
        }
        fn env(&self, key: &str) -> Option<OsString> {
            self.env.get(key).map(OsString::from)
        }
        fn cwd(&self) -> &Path {
            &self.cwd
        }
        fn home(&self) -> Option<PathBuf> {
            Some(PathBuf::from("/home/user"))
        }
        fn list_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
            let dir = self.abs(path);
            let mut names: Vec<String> = self
                .files
                .keys()
                .chain(self.dirs.iter())
                .filter_map(|p| {
                    let rest = p.strip_prefix(&dir).ok()?;
                    let first = rest.components().next()?;
                    Some(first.as_os_str().to_string_lossy().into_owned())
                })
                .collect();
            if names.is_empty() && !self.is_dir(path) {
                return Err(std::io::Error::from(std::io::ErrorKind::NotFound));
            }
            names.sort();
            names.dedup();
            Ok(names)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names() {
        for (name, want) in [
            ("pip", Some(Program::Pip)),
            ("pip3", Some(Program::Pip)),
            ("pip3.12", Some(Program::Pip)),
            ("/usr/bin/pip3.11", Some(Program::Pip)),
            ("pip3.", None),
            ("pipx", Some(Program::Pipx)),
            ("uv", Some(Program::Uv)),
            ("/opt/bin/uvx", Some(Program::Uvx)),
            ("poetry", Some(Program::Poetry)),
            ("uv2", None),
            ("python", Some(Program::Python)),
            ("python3.12", Some(Program::Python)),
            ("python3-config", None),
            ("npm", Some(Program::Npm)),
            ("npx", Some(Program::Npx)),
            ("brew", Some(Program::Brew)),
            ("python2.7", Some(Program::Python)),
            ("python3.6m", None),
            ("pip3.12.", None),
            ("yarn", Some(Program::Yarn)),
            ("yarnpkg", Some(Program::Yarn)),
            ("pnpm", Some(Program::Pnpm)),
            ("pn", Some(Program::Pnpm)),
            ("pnpx", Some(Program::Pnpx)),
            ("pnx", Some(Program::Pnpx)),
            ("bun", Some(Program::Bun)),
            ("bunx", Some(Program::Bunx)),
            ("bunny", None),
        ] {
            assert_eq!(Program::from_name(OsStr::new(name)), want, "{name}");
        }
    }

    #[test]
    fn a_name_is_either_guarded_or_listed_as_not_guarded() {
        for n in NOT_GUARDED {
            assert_eq!(Program::from_name(OsStr::new(n)), None, "{n}");
        }
        for g in GUARDED {
            assert_eq!(Program::from_name(OsStr::new(g.name)), Some(g.program));
        }
    }
}
