//! Name-imitation detection: does a name that is not itself popular look like a popular name of
//! the same ecosystem (typo, separator or homoglyph game, npm scope confusion, combo with a
//! filler word)? Pure. It never blocks by itself: callers give imitations warn severity.

use serde::Serialize;

use super::snapshot::{PopularList, Snapshot};
use crate::ecosystem::Ecosystem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImitationKind {
    /// One or two typing mistakes: omission, insertion, substitution, transposition.
    Typo,
    /// Same letters, different separators, case or look-alike characters (`l`/`1`, `rn`/`m`).
    Lookalike,
    /// An npm scoped name copied without its scope, or a scope added to an unscoped name.
    ScopeConfusion,
    /// The popular name plus a filler word (`-js`, `python-`, `-dev`, ...).
    Combo,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imitation {
    /// The popular package the name imitates.
    pub imitates: String,
    /// Its popularity rank in its list (1 = most popular; 0 = the list has no ranking).
    pub rank: u32,
    pub kind: ImitationKind,
}

/// Only names this popular are worth imitating for typos and combos.
const TYPO_TARGET_MAX_RANK: u32 = 5_000;
/// Filler words attackers glue onto popular names.
const COMBO_WORDS: &[&str] = &[
    "js", "node", "py", "python", "python3", "dev", "lib", "official", "pkg", "package", "latest",
    "new", "secure", "fixed", "tool", "tools",
];

/// Letters, digits and look-alike folding with separators removed: the "skeleton" two names
/// share when they differ only in separators, case or confusable characters.
pub fn skeleton(name: &str) -> String {
    let lowered = name.to_lowercase().replace("rn", "m").replace("vv", "w");
    lowered
        .chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '@' | '/'))
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            '5' => 's',
            _ => c,
        })
        .collect()
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of one
/// substring), or `None` once it exceeds `max`.
pub fn osa_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let n = b.len();
    let mut prev2 = vec![0usize; n + 1];
    let mut prev: Vec<usize> = (0..=n).collect();
    let mut cur = vec![0usize; n + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=n {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(prev2[j - 2] + 1);
            }
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    (prev[n] <= max).then_some(prev[n])
}

/// How many typing mistakes a name of this length may contain and still count as an imitation.
/// Short names are left alone: at 4 letters one edit reaches too many real packages.
fn typo_budget(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=9 => 1,
        _ => 2,
    }
}

/// Is `name` (normalised for `eco`) an imitation of a popular name? `None` when it is itself
/// popular or looks like nothing in particular.
pub fn check(snap: &Snapshot, eco: Ecosystem, name: &str) -> Option<Imitation> {
    let lists = PopularList::for_ecosystem(eco);
    if lists.iter().any(|&l| snap.popular_rank(l, name).is_some()) {
        return None;
    }
    let skel = skeleton(name);
    let mut best: Option<(usize, Imitation)> = None;
    let mut consider = |score: usize, imitation: Imitation| {
        let better = match &best {
            None => true,
            Some((s, b)) => (score, imitation.rank) < (*s, b.rank),
        };
        if better {
            best = Some((score, imitation));
        }
    };
    for &list in lists {
        for (popular, rank) in snap.popular_names(list) {
            if popular == name {
                continue;
            }
            let pskel = skeleton(&popular);
            if pskel.len() >= 4 && pskel == skel {
                let kind = if eco == Ecosystem::Npm
                    && (popular.starts_with('@') != name.starts_with('@'))
                {
                    ImitationKind::ScopeConfusion
                } else {
                    ImitationKind::Lookalike
                };
                consider(
                    0,
                    Imitation {
                        imitates: popular,
                        rank,
                        kind,
                    },
                );
                continue;
            }
            if rank > TYPO_TARGET_MAX_RANK {
                continue;
            }
            // A doubled or dropped repeated letter (`wgett`, `pilow`) is the likeliest slip
            // of all, even in short names: it ranks before other one-edit neighbours (`wget2`).
            if popular.len() >= 3 && collapse_runs(name) == collapse_runs(&popular) {
                consider(
                    0,
                    Imitation {
                        imitates: popular,
                        rank,
                        kind: ImitationKind::Typo,
                    },
                );
                continue;
            }
            let budget = typo_budget(popular.len());
            if budget > 0
                && let Some(d) = osa_distance(name.as_bytes(), popular.as_bytes(), budget)
            {
                consider(
                    d,
                    Imitation {
                        imitates: popular.clone(),
                        rank,
                        kind: ImitationKind::Typo,
                    },
                );
                continue;
            }
            if popular.len() >= 4 && is_combo(name, &popular) {
                consider(
                    3,
                    Imitation {
                        imitates: popular,
                        rank,
                        kind: ImitationKind::Combo,
                    },
                );
            }
        }
    }
    best.map(|(_, i)| i)
}

/// The name with every run of one repeated character shortened to one (`wgett` → `wget`).
fn collapse_runs(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// `name` = `popular` plus a filler word before or after it, joined by a separator or not.
fn is_combo(name: &str, popular: &str) -> bool {
    let strip_sep = |s: &str| s.trim_matches(|c| matches!(c, '-' | '_' | '.')).to_string();
    if let Some(rest) = name.strip_prefix(popular) {
        return COMBO_WORDS.contains(&strip_sep(rest).as_str()) && !rest.is_empty();
    }
    if let Some(rest) = name.strip_suffix(popular) {
        return COMBO_WORDS.contains(&strip_sep(rest).as_str()) && !rest.is_empty();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances() {
        for (a, b, max, want) in [
            ("requests", "reqeusts", 2, Some(1)),
            ("requests", "requets", 2, Some(1)),
            ("requests", "rrequests", 2, Some(1)),
            ("requests", "requezts", 2, Some(1)),
            ("lodash", "lodahs", 1, Some(1)),
            ("lodash", "ldoahs", 1, None),
            ("abc", "abcdef", 2, None),
        ] {
            assert_eq!(
                osa_distance(a.as_bytes(), b.as_bytes(), max),
                want,
                "{a} {b}"
            );
        }
    }

    #[test]
    fn skeletons() {
        assert_eq!(skeleton("python-dateutil"), skeleton("python_dateutil"));
        assert_eq!(skeleton("reque5ts"), skeleton("requests"));
        assert_eq!(
            skeleton("@hookform/resolvers"),
            skeleton("hookform-resolvers")
        );
        assert_eq!(skeleton("rnodule"), skeleton("module"));
    }

    #[test]
    fn real_data_examples() {
        let snap = crate::reputation::store::embedded();
        let check = |eco: Ecosystem, name: &str| {
            check(&snap, eco, &eco.normalize(name)).map(|i| (i.imitates, i.kind))
        };
        assert_eq!(
            check(Ecosystem::Pypi, "reqeusts"),
            Some(("requests".into(), ImitationKind::Typo))
        );
        assert_eq!(
            check(Ecosystem::Npm, "lodahs"),
            Some(("lodash".into(), ImitationKind::Typo))
        );
        assert_eq!(check(Ecosystem::Pypi, "requests"), None);
        // Repeated letters beat other one-edit neighbours (`wget2` is also one edit away).
        assert_eq!(
            check(Ecosystem::Brew, "wgett"),
            Some(("wget".into(), ImitationKind::Typo))
        );
        assert_eq!(check(Ecosystem::Npm, "express"), None);
        assert_eq!(
            check(Ecosystem::Npm, "hookform-resolvers"),
            Some(("@hookform/resolvers".into(), ImitationKind::ScopeConfusion))
        );
        // Closest wins: `lodash-js` is one letter away from `lodash-es`.
        assert_eq!(
            check(Ecosystem::Npm, "lodash-js"),
            Some(("lodash-es".into(), ImitationKind::Typo))
        );
        assert_eq!(
            check(Ecosystem::Pypi, "python-requests"),
            Some(("requests".into(), ImitationKind::Combo))
        );
        assert_eq!(
            check(Ecosystem::Npm, "express-dev"),
            Some(("express".into(), ImitationKind::Combo))
        );
    }
}
