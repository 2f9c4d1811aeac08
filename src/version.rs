//! Exact versions compared the way each ecosystem compares them: PEP 440 for PyPI (`pep440_rs`,
//! the parser uv uses: `1.0 == 1.0.0`, `1.0rc1 < 1.0 < 1.0.post1`, epochs, local versions) and
//! SemVer 2.0 for npm (`semver`: `1.0.0-beta.2 < 1.0.0-beta.11 < 1.0.0`, build metadata
//! ignored for equality, as npm does). Pure. Does not read npm ranges (`^1.2`) or PEP 440
//! specifier sets: only exact versions and the simple `op version` bounds of reports and purls.
//! A version an ecosystem cannot parse (Homebrew's, or garbage) falls back to comparing its
//! numeric release parts, so a comparison never fails.

use std::cmp::Ordering;

use crate::ecosystem::Ecosystem;

/// An npm version as npm's `semver.clean` accepts it: surrounding spaces, a leading `=` or `v`.
pub fn npm(v: &str) -> Option<semver::Version> {
    let v = v.trim();
    let v = v.strip_prefix('=').unwrap_or(v).trim_start();
    let v = v
        .strip_prefix('v')
        .or_else(|| v.strip_prefix('V'))
        .unwrap_or(v);
    semver::Version::parse(v).ok()
}

/// A PyPI version (PEP 440, with its normalisations: `1.0-RC1` is `1.0rc1`).
pub fn pypi(v: &str) -> Option<pep440_rs::Version> {
    v.trim().parse().ok()
}

/// True when `v` is one exact version in `eco`'s grammar (not a range, tag or wildcard).
pub fn is_exact(eco: Ecosystem, v: &str) -> bool {
    match eco {
        Ecosystem::Npm => npm(v).is_some(),
        Ecosystem::Pypi => !v.contains('*') && pypi(v).is_some(),
        Ecosystem::Brew => false,
    }
}

/// The canonical spelling of an exact version (`v1.2.3` → `1.2.3`, `1.0-RC1` → `1.0rc1`), or
/// the text as it is when it does not parse.
pub fn canonical(eco: Ecosystem, v: &str) -> String {
    match eco {
        Ecosystem::Npm => npm(v).map_or_else(|| v.trim().to_string(), |p| p.to_string()),
        Ecosystem::Pypi => pypi(v).map_or_else(|| v.trim().to_string(), |p| p.to_string()),
        Ecosystem::Brew => v.trim().to_string(),
    }
}

/// Order two versions of one ecosystem. npm: SemVer precedence (build metadata ignored);
/// PyPI: PEP 440. When either side does not parse, both are compared by release numbers.
pub fn compare(eco: Ecosystem, a: &str, b: &str) -> Ordering {
    match eco {
        Ecosystem::Npm => {
            if let (Some(x), Some(y)) = (npm(a), npm(b)) {
                return x.cmp_precedence(&y);
            }
        }
        Ecosystem::Pypi => {
            if let (Some(x), Some(y)) = (pypi(a), pypi(b)) {
                return x.cmp(&y);
            }
        }
        Ecosystem::Brew => {}
    }
    release(a).cmp(&release(b))
}

/// Whether `v` satisfies every `op version` bound of `range` (space- or comma-separated, as in
/// the reports' ranges `>=1.95.6 <1.95.8` and purl ranges `>=1.0,<2.0`). An operator it does
/// not know counts as satisfied: a report's range errs towards "affected".
pub fn in_range(eco: Ecosystem, v: &str, range: &str) -> bool {
    range
        .split([' ', ','])
        .filter(|b| !b.is_empty())
        .all(|bound| {
            let at = bound
                .find(|c: char| c.is_ascii_alphanumeric())
                .unwrap_or(bound.len());
            let (op, ver) = bound.split_at(at);
            let c = compare(eco, v, ver);
            match op {
                ">=" => c.is_ge(),
                ">" => c.is_gt(),
                "<" => c.is_lt(),
                "<=" => c.is_le(),
                "=" | "==" | "" => c.is_eq(),
                "!=" => c.is_ne(),
                _ => true,
            }
        })
}

/// Numeric release components, trailing zeros dropped (`1.0.0` == `1.0` == `1`): the fallback
/// for versions neither grammar reads.
fn release(v: &str) -> Vec<u64> {
    let core = v.split(['-', '+']).next().unwrap_or(v);
    let mut parts: Vec<u64> = core
        .split('.')
        .map(|p| {
            p.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .unwrap_or(0)
        })
        .collect();
    while parts.len() > 1 && parts.last() == Some(&0) {
        parts.pop();
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use Ecosystem::*;
    use Ordering::*;

    #[test]
    fn orders_like_each_ecosystem() {
        for (eco, a, b, want) in [
            (Npm, "1.0.0-beta.2", "1.0.0-beta.11", Less),
            (Npm, "1.0.0-beta.11", "1.0.0", Less),
            (Npm, "1.0.0-alpha", "1.0.0-alpha.1", Less),
            (Npm, "1.0.0+build.1", "1.0.0+build.2", Equal),
            (Npm, "v1.2.3", "=1.2.3", Equal),
            (Npm, "1.10.0", "1.9.0", Greater),
            (Pypi, "1.0", "1.0.0", Equal),
            (Pypi, "1.0rc1", "1.0", Less),
            (Pypi, "1.0", "1.0.post1", Less),
            (Pypi, "1.0.dev1", "1.0a1", Less),
            (Pypi, "1!0.1", "2.0", Greater),
            (Pypi, "1.0-RC1", "1.0rc1", Equal),
            (Pypi, "1.0+local", "1.0", Greater),
            (Brew, "1.2_1", "1.2", Equal),
            (Npm, "not a version", "0", Equal),
        ] {
            assert_eq!(compare(eco, a, b), want, "{eco} {a} vs {b}");
        }
    }

    #[test]
    fn exact_versions_and_their_spelling() {
        assert!(is_exact(Npm, "1.0.0-rc.1+sha.5"));
        assert!(!is_exact(Npm, "^1.0.0"));
        assert!(!is_exact(Npm, "1.0"));
        assert!(is_exact(Pypi, "2024.1.post3"));
        assert!(!is_exact(Pypi, "1.*"));
        assert!(!is_exact(Brew, "1.0"));
        assert_eq!(canonical(Npm, "v1.2.3"), "1.2.3");
        assert_eq!(canonical(Pypi, "1.0-RC1"), "1.0rc1");
    }

    #[test]
    fn ranges() {
        assert!(in_range(Npm, "1.95.6", ">=1.95.6 <1.95.8"));
        assert!(in_range(Npm, "1.95.7", ">=1.95.6 <1.95.8"));
        assert!(!in_range(Npm, "1.95.8", ">=1.95.6 <1.95.8"));
        // A pre-release of the fixed version is before it: still affected.
        assert!(in_range(Npm, "1.95.8-beta.1", ">=1.95.6 <1.95.8"));
        assert!(in_range(Pypi, "2.0rc1", ">=1.0,<2.0"));
        assert!(!in_range(Pypi, "2.0", ">=1.0,<2.0"));
        assert!(in_range(Pypi, "1.5", "!=1.4"));
    }
}
