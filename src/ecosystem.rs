//! Package ecosystems and package managers, and the name normalisation each ecosystem uses.
//! Pure: no I/O. Does not decide whether a name is valid for a registry, only how to compare names.

use crate::names::serde_by_name;

/// Where a package comes from: the namespace its name lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Ecosystem {
    Pypi,
    Npm,
    Brew,
}

impl Ecosystem {
    pub const ALL: [Ecosystem; 3] = [Ecosystem::Pypi, Ecosystem::Npm, Ecosystem::Brew];

    pub fn as_str(self) -> &'static str {
        match self {
            Ecosystem::Pypi => "pypi",
            Ecosystem::Npm => "npm",
            Ecosystem::Brew => "brew",
        }
    }

    /// The spelling OSV uses in its `ecosystem` fields and bulk-download paths.
    pub fn osv_name(self) -> Option<&'static str> {
        match self {
            Ecosystem::Pypi => Some("PyPI"),
            Ecosystem::Npm => Some("npm"),
            Ecosystem::Brew => None,
        }
    }

    pub fn from_osv_name(s: &str) -> Option<Ecosystem> {
        match s {
            "PyPI" => Some(Ecosystem::Pypi),
            "npm" => Some(Ecosystem::Npm),
            _ => None,
        }
    }

    /// The canonical form of a package name, used for every comparison.
    /// PyPI: PEP 503 (lowercase, runs of `-`, `_`, `.` become one `-`).
    /// npm and Homebrew: lowercase (npm registry names are lowercase; legacy
    /// upper-case names resolve case-insensitively for our purposes).
    pub fn normalize(self, name: &str) -> String {
        match self {
            Ecosystem::Pypi => pep503(name),
            Ecosystem::Npm | Ecosystem::Brew => name.to_ascii_lowercase(),
        }
    }
}

serde_by_name!(Ecosystem, as_str, deserialize);

impl std::fmt::Display for Ecosystem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The tool that was invoked; it decides how the command line is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Manager {
    Pip,
    Npm,
    Brew,
    /// uv and uvx (PyPI).
    Uv,
    /// pipx (PyPI).
    Pipx,
    /// poetry (PyPI).
    Poetry,
    /// yarn 1 (classic) and yarn ≥ 2 (berry); `Request::grammar` says which was applied.
    Yarn,
    Pnpm,
    Bun,
}

impl Manager {
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Brew => "brew",
            Manager::Uv => "uv",
            Manager::Pipx => "pipx",
            Manager::Poetry => "poetry",
            Manager::Yarn => "yarn",
            Manager::Pnpm => "pnpm",
            Manager::Bun => "bun",
        }
    }

    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Manager::Pip | Manager::Uv | Manager::Pipx | Manager::Poetry => Ecosystem::Pypi,
            Manager::Npm | Manager::Yarn | Manager::Pnpm | Manager::Bun => Ecosystem::Npm,
            Manager::Brew => Ecosystem::Brew,
        }
    }
}

serde_by_name!(Manager, as_str);

/// PEP 503 normalisation: lowercase, and every run of `-`, `_`, `.` becomes a single `-`.
pub fn pep503(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(c.to_lowercase());
            in_sep = false;
        }
    }
    out
}

/// Archive suffixes pip and uv accept for a distribution file (sdists and wheels).
pub const PYPI_ARCHIVE_EXTENSIONS: &[&str] = &[
    ".whl",
    ".zip",
    ".tar.bz2",
    ".tbz",
    ".tar.gz",
    ".tgz",
    ".tar",
    ".tar.xz",
    ".txz",
    ".tlz",
    ".tar.lz",
    ".tar.lzma",
];

/// A valid PyPI project name (PEP 508: letters, digits, `.`, `_`, `-`; alphanumeric at both ends).
pub fn valid_pypi_name(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'))
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
}

/// The (name, version) a PyPI distribution file name carries: a wheel
/// `name-version[-build]-python-abi-platform.whl` (PEP 427; `_` stands for `-`), or an sdist
/// `name-version.tar.gz` (and the other archive suffixes), split at the last `-` before a digit.
/// The name is what the file claims; the metadata inside it is only read when it is built.
pub fn pypi_archive(file: &str) -> Option<(String, String)> {
    let lower = file.to_ascii_lowercase();
    if lower.ends_with(".whl") {
        let stem = &file[..file.len() - 4];
        let parts: Vec<&str> = stem.split('-').collect();
        if !(parts.len() == 5 || parts.len() == 6) || parts.iter().any(|p| p.is_empty()) {
            return None;
        }
        return (valid_pypi_name(parts[0]) && parts[1].starts_with(|c: char| c.is_ascii_digit()))
            .then(|| (parts[0].replace('_', "-"), parts[1].replace('_', "-")));
    }
    let ext = PYPI_ARCHIVE_EXTENSIONS
        .iter()
        .find(|ext| lower.ends_with(*ext))?;
    let stem = &file[..file.len() - ext.len()];
    let (name, version) = stem.rsplit_once('-')?;
    (version.starts_with(|c: char| c.is_ascii_digit()) && valid_pypi_name(name))
        .then(|| (name.to_string(), version.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_cases() {
        for (input, want) in [
            ("Requests", "requests"),
            ("FOO_bar.Baz", "foo-bar-baz"),
            ("a--__..b", "a-b"),
            ("zope.interface", "zope-interface"),
            ("plain", "plain"),
        ] {
            assert_eq!(pep503(input), want, "{input}");
        }
    }

    #[test]
    fn archive_names() {
        for (file, want) in [
            ("pkg-1.0-py3-none-any.whl", Some(("pkg", "1.0"))),
            (
                "My_Pkg-2.0.1-1-cp311-cp311-linux_x86_64.whl",
                Some(("My-Pkg", "2.0.1")),
            ),
            ("pkg-1.0.tar.gz", Some(("pkg", "1.0"))),
            (
                "python-dateutil-2.9.0.zip",
                Some(("python-dateutil", "2.9.0")),
            ),
            ("pkg-py3-none-any.whl", None),
            ("pkg.tar.gz", None),
            ("pkg-dev.tar.gz", None),
            ("-1.0.tar.gz", None),
            ("notes.txt", None),
        ] {
            let got = pypi_archive(file);
            let got = got.as_ref().map(|(n, v)| (n.as_str(), v.as_str()));
            assert_eq!(got, want, "{file}");
        }
    }

    #[test]
    fn npm_and_brew_lowercase() {
        assert_eq!(
            Ecosystem::Npm.normalize("@Scope/Left_Pad"),
            "@scope/left_pad"
        );
        assert_eq!(Ecosystem::Brew.normalize("Node@20"), "node@20");
    }
}
