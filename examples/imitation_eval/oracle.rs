//! The evaluation's ground truth: is a malicious name a real look-alike of a top-5,000 name?
//! Written apart from the detector on purpose (it calls nothing of `imitation`: its own
//! flattening and look-alike table, strsim's unrestricted Damerau–Levenshtein distance, its own
//! filler words) and broader than the detector in every direction, so the detector cannot
//! score well by agreeing with itself. It does not decide anything for the product.
//!
//! A name `m` imitates a reference name `p` when, with both flattened (lowercase, `-_.@/`
//! removed):
//! - look-alike: they are equal after folding `0→o 1→l i→l 3→e 4→a 5→s 7→t 8→b 9→g $→s`,
//!   `rn→m`, `vv→w` (`p` of 3+ letters); "scope" when exactly one of the two is npm-scoped;
//! - scope dropped: `m` is exactly `x` (5+ letters) for a scoped `p` = `@s/x`. A scope added
//!   to a popular name (`@acme/react`) is not counted: scopes are owned, so that is how
//!   dependency-confusion attacks on a company's private packages look, not a look-alike of
//!   the public package, and legitimate scoped forks (`@xyflow/react`) look the same;
//! - edits: their Damerau–Levenshtein distance is at most 1 (`p` of 4–7 letters), 2 (8–14)
//!   or 3 (15+), named by shape: truncation (`m` is `p` cut short), doubled letter, swap,
//!   omission, insertion, substitution (one edit), several edits;
//! - combo: `m` is `p` plus one word of [`FILLERS`] or a version (`v2`, `3`) before or after it,
//!   with or without a separator (`p` of 4+ letters).
//!
//! When several reference names qualify, the closest kind wins (look-alike, scope, edits by
//! distance, combo), then the more popular name.

use std::collections::HashMap;

/// Generic words glued onto names, chosen before looking at any result: credibility, vague
/// promises, platform and companion words. Much longer than the detector's list.
pub const FILLERS: &[&str] = &[
    "js",
    "ts",
    "node",
    "nodejs",
    "npm",
    "py",
    "python",
    "python3",
    "py3",
    "pypi",
    "lib",
    "libs",
    "library",
    "pkg",
    "package",
    "sdk",
    "api",
    "cli",
    "core",
    "tool",
    "tools",
    "toolkit",
    "kit",
    "util",
    "utils",
    "helper",
    "helpers",
    "plus",
    "pro",
    "lite",
    "light",
    "mini",
    "data",
    "dev",
    "beta",
    "alpha",
    "next",
    "new",
    "latest",
    "official",
    "secure",
    "security",
    "safe",
    "fixed",
    "fix",
    "patch",
    "patched",
    "update",
    "updated",
    "updater",
    "upgrade",
    "install",
    "installer",
    "setup",
    "test",
    "tests",
    "client",
    "server",
    "web",
    "app",
    "wrapper",
    "extra",
    "extras",
    "ext",
    "plugin",
    "addon",
    "module",
    "mod",
    "master",
    "main",
    "fast",
    "async",
    "real",
    "free",
    "ai",
    "bot",
    "tool",
    "x",
    "ng",
    "dl",
    "get",
    "my",
    "the",
];

/// What the oracle saw.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    Lookalike,
    LookalikeScope,
    Scope,
    Truncation,
    Doubled,
    Swap,
    Omission,
    Insertion,
    Substitution,
    SeveralEdits,
    Combo,
}

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::Lookalike => "look-alike (separators, characters)",
            Category::LookalikeScope => "look-alike across a scope",
            Category::Scope => "scope dropped",
            Category::Truncation => "cut short",
            Category::Doubled => "one letter doubled or undoubled",
            Category::Swap => "two letters swapped",
            Category::Omission => "one letter left out",
            Category::Insertion => "one letter inserted",
            Category::Substitution => "one letter replaced",
            Category::SeveralEdits => "several edits",
            Category::Combo => "popular name + generic word",
        }
    }
}

fn flat(name: &str) -> String {
    name.chars()
        .filter(|c| !matches!(c, '-' | '_' | '.' | '@' | '/'))
        .flat_map(char::to_lowercase)
        .collect()
}

fn folded(flat: &str) -> String {
    let mapped: String = flat
        .chars()
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' => 'l',
            '3' => 'e',
            '4' => 'a',
            '5' | '$' => 's',
            '7' => 't',
            '8' => 'b',
            '9' => 'g',
            c => c,
        })
        .collect();
    mapped.replace("rn", "m").replace("vv", "w")
}

fn scope_split(name: &str) -> Option<(&str, &str)> {
    name.strip_prefix('@')?.split_once('/')
}

fn budget(len: usize) -> usize {
    match len {
        0..=3 => 0,
        4..=7 => 1,
        8..=14 => 2,
        _ => 3,
    }
}

fn histogram(s: &str) -> [u8; 64] {
    let mut h = [0u8; 64];
    for b in s.bytes() {
        h[usize::from(b) & 63] = h[usize::from(b) & 63].saturating_add(1);
    }
    h
}

fn collapse(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

struct Entry {
    name: String,
    flat: String,
    hist: [u8; 64],
}

pub struct Oracle {
    reference: Vec<Entry>,
    by_name: HashMap<String, usize>,
    by_folded: HashMap<String, Vec<usize>>,
}

impl Oracle {
    /// `reference`: normalised names, most popular first.
    pub fn new(reference: &[String]) -> Oracle {
        let mut o = Oracle {
            reference: Vec::new(),
            by_name: HashMap::new(),
            by_folded: HashMap::new(),
        };
        for (i, n) in reference.iter().enumerate() {
            let f = flat(n);
            let g = folded(&f);
            o.by_name.insert(n.clone(), i);
            o.by_folded.entry(g.clone()).or_default().push(i);
            o.reference.push(Entry {
                name: n.clone(),
                hist: histogram(&f),
                flat: f,
            });
        }
        o
    }

    /// Is `m` a scope put on a reference name (`@acme/react`)? Counted apart, not as a
    /// look-alike (see the module notes).
    pub fn scope_added(&self, m: &str) -> bool {
        scope_split(m).is_some_and(|(_, bare)| bare.len() >= 5 && self.by_name.contains_key(bare))
    }

    /// The kind of imitation and the imitated name, if `m` (normalised) imitates one.
    pub fn judge(&self, m: &str) -> Option<(Category, String)> {
        let mf = flat(m);
        let mg = folded(&mf);
        let scoped = |n: &str| scope_split(n).is_some();
        // Look-alikes.
        if let Some(ids) = self.by_folded.get(&mg) {
            for &i in ids {
                let p = &self.reference[i];
                if p.name != m && p.flat.len() >= 3 {
                    let cat = if scoped(&p.name) == scoped(m) {
                        Category::Lookalike
                    } else {
                        Category::LookalikeScope
                    };
                    return Some((cat, p.name.clone()));
                }
            }
        }
        // Scope dropped.
        if !scoped(m) && m.len() >= 5 {
            for p in &self.reference {
                if scope_split(&p.name).is_some_and(|(_, bare)| bare == m) {
                    return Some((Category::Scope, p.name.clone()));
                }
            }
        }
        // Edits.
        let mh = histogram(&mf);
        let mut best: Option<(usize, usize)> = None; // (distance, index)
        for (i, p) in self.reference.iter().enumerate() {
            let k = budget(p.flat.len());
            if k == 0 || p.name == m || mf.len().abs_diff(p.flat.len()) > k {
                continue;
            }
            let l1: usize = mh
                .iter()
                .zip(&p.hist)
                .map(|(a, b)| usize::from(a.abs_diff(*b)))
                .sum();
            if l1 > 2 * k {
                continue;
            }
            let d = strsim::damerau_levenshtein(&mf, &p.flat);
            if d <= k && best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, i));
            }
        }
        if let Some((d, i)) = best {
            let p = &self.reference[i];
            let cat = if d == 0 {
                Category::Lookalike
            } else if p.flat.starts_with(&mf) {
                Category::Truncation
            } else if d >= 2 {
                Category::SeveralEdits
            } else if collapse(&mf) == collapse(&p.flat) {
                Category::Doubled
            } else if mf.len() < p.flat.len() {
                Category::Omission
            } else if mf.len() > p.flat.len() {
                Category::Insertion
            } else {
                let mut a: Vec<char> = mf.chars().collect();
                let mut b: Vec<char> = p.flat.chars().collect();
                a.sort_unstable();
                b.sort_unstable();
                if a == b {
                    Category::Swap
                } else {
                    Category::Substitution
                }
            };
            return Some((cat, p.name.clone()));
        }
        // Combos.
        let mut combo: Option<usize> = None;
        let is_version = |w: &str| {
            let digits = w.strip_prefix('v').unwrap_or(w);
            !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())
        };
        let mut consider = |core: &str, word: &str, with_sep: bool| {
            if !(FILLERS.contains(&word) || is_version(word)) || (!with_sep && word.len() < 2) {
                return;
            }
            if let Some(&i) = self.by_name.get(core)
                && flat(core).len() >= 4
                && combo.is_none_or(|c| i < c)
            {
                combo = Some(i);
            }
        };
        for (at, c) in m.char_indices() {
            if matches!(c, '-' | '_' | '.') {
                consider(&m[..at], &m[at + 1..], true);
                consider(&m[at + 1..], &m[..at], true);
            }
        }
        let unversioned = m.trim_end_matches(|c: char| c.is_ascii_digit());
        if unversioned.len() < m.len() {
            let core = unversioned.strip_suffix('v').unwrap_or(unversioned);
            consider(core, &m[core.len()..], false);
        }
        for w in FILLERS {
            if let Some(core) = m.strip_suffix(w) {
                consider(core, w, false);
            }
            if let Some(core) = m.strip_prefix(w) {
                consider(core, w, false);
            }
        }
        combo.map(|i| (Category::Combo, self.reference[i].name.clone()))
    }
}
