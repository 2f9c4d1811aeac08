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
}

impl Manager {
    pub fn as_str(self) -> &'static str {
        match self {
            Manager::Pip => "pip",
            Manager::Npm => "npm",
            Manager::Brew => "brew",
        }
    }

    pub fn ecosystem(self) -> Ecosystem {
        match self {
            Manager::Pip => Ecosystem::Pypi,
            Manager::Npm => Ecosystem::Npm,
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
    fn npm_and_brew_lowercase() {
        assert_eq!(
            Ecosystem::Npm.normalize("@Scope/Left_Pad"),
            "@scope/left_pad"
        );
        assert_eq!(Ecosystem::Brew.normalize("Node@20"), "node@20");
    }
}
