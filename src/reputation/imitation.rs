//! Name-imitation detection: does a name that is not itself popular look like a popular name of
//! the same ecosystem? Pure. Lookups go through the snapshot's similarity index (deletion
//! neighbourhoods and look-alike skeletons of popular names), so a check costs a few dozen
//! index probes, not a scan. It never blocks by itself: callers give imitations warn severity.
//!
//! What counts (each finding names the imitated package and the kind):
//! - typos of one keystroke: omission, a doubled letter, insertion of a neighbouring key,
//!   substitution by a neighbouring key or a look-alike character, adjacent transposition;
//! - look-alikes: the same letters after folding case, separators and confusable characters
//!   (`python_dateutil`, `reque5ts`, `rnodule`), which also catches npm scope confusion
//!   (`hookform-resolvers` for `@hookform/resolvers`);
//! - combos: the popular name plus a filler word (`lodash-js`, `requests-python`).
//!
//! What does not, to keep false alarms rare: names that are popular themselves; edits inside a
//! segment of three characters or fewer (`client-sso` vs `client-sts`, `django-cms` vs
//! `django-csp` are different acronyms, not typos); names that differ only by trailing digits
//! (`listr2`, `types-boto3`); another package in the same npm scope (scopes are owned);
//! substitutions or insertions of unrelated keys, except against the very most popular names.

use serde::Serialize;

use super::snapshot::{PopularList, Snapshot};
use crate::ecosystem::Ecosystem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImitationKind {
    /// One slip of the keyboard: omission, doubled letter, neighbouring key, transposition.
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

/// Only names this popular are indexed as typo targets (Homebrew's unranked lists: all).
pub const TYPO_TARGET_MAX_RANK: u32 = 5_000;
/// Against names this popular, any one-character edit counts, not only keyboard slips.
const ANY_EDIT_MAX_RANK: u32 = 300;
/// Filler words attackers glue onto popular names: only words that add nothing but credibility.
/// `-cli`, `-core`, `-utils`, `-dev`, `node-` and the like are how real companion packages are
/// named, so they are not here; nor is `py` on PyPI, where `pyfoo` wrappers of `foo` abound.
const COMBO_WORDS: &[&str] = &[
    "official", "secure", "latest", "fixed", "patched", "updated", "new", "real",
];

/// The ecosystem's own language tag, a filler only where it is not the naming convention.
fn combo_words(eco: Ecosystem) -> impl Iterator<Item = (&'static str, bool)> {
    // (word, may also stand before the name)
    let own: &[(&str, bool)] = match eco {
        Ecosystem::Npm => &[("js", true)],
        // `foo-py` glued on a popular name is a squat shape; `pyfoo` is PyPI's naming habit.
        Ecosystem::Pypi => &[("py", false)],
        Ecosystem::Brew => &[],
    };
    COMBO_WORDS
        .iter()
        .map(|w| (*w, true))
        .chain(own.iter().copied())
}

const KIND_DELETION: u8 = b'd';
const KIND_SKELETON: u8 = b's';

/// Letters and digits with separators removed and look-alike characters folded: two names with
/// the same skeleton differ only in separators, case or confusable characters.
pub fn skeleton(name: &str) -> String {
    let lowered = name.to_lowercase().replace("rn", "m").replace("vv", "w");
    lowered
        .chars()
        .filter(|c| !is_separator(*c))
        .map(|c| match c {
            '0' => 'o',
            '1' | 'i' | '|' => 'l',
            '5' => 's',
            _ => c,
        })
        .collect()
}

fn is_separator(c: char) -> bool {
    matches!(c, '-' | '_' | '.' | '@' | '/')
}

/// The forms of a popular skeleton that typos are measured against: itself and, for names that
/// end in a version number (`beautifulsoup4`), the name without it.
fn typo_forms(skel: &str) -> Vec<&str> {
    let stripped = skel.trim_end_matches(|c: char| c.is_ascii_digit());
    if stripped != skel && stripped.chars().count() >= 5 {
        vec![skel, stripped]
    } else {
        vec![skel]
    }
}

/// The name and every string made by deleting one of its characters.
fn deletions(name: &str) -> Vec<String> {
    let mut out = vec![name.to_string()];
    for (i, c) in name.char_indices() {
        let mut v = String::with_capacity(name.len());
        v.push_str(&name[..i]);
        v.push_str(&name[i + c.len_utf8()..]);
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn index_key(kind: u8, list: PopularList, text: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + text.len());
    k.push(kind);
    k.push(list.tag());
    k.extend_from_slice(text.as_bytes());
    k
}

/// The similarity keys a popular name is filed under (used when building a snapshot).
pub fn index_keys(list: PopularList, normalized: &str, rank: u32) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let skel = skeleton(normalized);
    if skel.chars().count() >= 4 {
        keys.push(index_key(KIND_SKELETON, list, &skel));
    }
    if skel.chars().count() >= 4 && rank <= TYPO_TARGET_MAX_RANK {
        for form in typo_forms(&skel) {
            for v in deletions(form) {
                let k = index_key(KIND_DELETION, list, &v);
                if !keys.contains(&k) {
                    keys.push(k);
                }
            }
        }
    }
    keys
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

const KEYBOARD: [&[u8]; 4] = [b"1234567890-", b"qwertyuiop", b"asdfghjkl", b"zxcvbnm"];

/// Neighbouring keys on a QWERTY keyboard (same row or the rows above and below).
fn keyboard_adjacent(a: u8, b: u8) -> bool {
    let pos = |c: u8| {
        KEYBOARD.iter().enumerate().find_map(|(r, row)| {
            row.iter()
                .position(|&k| k == c)
                .map(|i| (r as i32, i as i32))
        })
    };
    match (pos(a), pos(b)) {
        (Some((ra, ia)), Some((rb, ib))) => {
            (ra - rb).abs() <= 1 && (ia - ib).abs() <= 1 && (ra, ia) != (rb, ib)
        }
        _ => false,
    }
}

fn lookalike_chars(a: u8, b: u8) -> bool {
    const PAIRS: &[(u8, u8)] = &[
        (b'0', b'o'),
        (b'1', b'l'),
        (b'1', b'i'),
        (b'l', b'i'),
        (b'5', b's'),
        (b'3', b'e'),
        (b'u', b'v'),
    ];
    PAIRS
        .iter()
        .any(|&(x, y)| (x, y) == (a, b) || (y, x) == (a, b))
}

/// The segment (between separators) of `s` that contains byte `at`, as its length.
fn segment_len(s: &[u8], at: usize) -> usize {
    let sep = |c: &u8| is_separator(*c as char);
    let start = s[..at.min(s.len())]
        .iter()
        .rposition(sep)
        .map_or(0, |p| p + 1);
    let end = s[at.min(s.len())..]
        .iter()
        .position(sep)
        .map_or(s.len(), |p| at + p);
    end.saturating_sub(start)
}

fn first_difference(a: &[u8], b: &[u8]) -> usize {
    a.iter()
        .zip(b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()))
}

/// Does the first difference between the written names fall inside a segment of three
/// characters or fewer (an acronym such as `sso`, `cms`)? Then the names mean different things.
fn edit_in_short_segment(q: &str, p: &str) -> bool {
    let (qb, pb) = (q.as_bytes(), p.as_bytes());
    // Only a changed letter makes another word; an added or dropped one (`discord-pyy`,
    // `discord-p`) is a slip even in a short segment.
    if pb.is_empty() || qb.len() != pb.len() {
        return false;
    }
    let at = first_difference(qb, pb).min(pb.len() - 1);
    segment_len(pb, at) <= 3
}

/// `foo-x` / `foo-2`-style forks: the popular name plus one more one-character segment.
fn fork_suffix(q: &str, p: &str) -> bool {
    q.strip_prefix(p).is_some_and(|rest| {
        let mut c = rest.chars();
        matches!(c.next(), Some('-' | '_' | '.')) && c.count() == 1
    })
}

fn npm_scope(name: &str) -> Option<&str> {
    name.strip_prefix('@')?.split_once('/').map(|(s, _)| s)
}

/// Is `q` one plausible keystroke slip away from the popular `p`? Returns a score (lower is a
/// likelier slip) or `None`.
fn typo(q: &str, p: &str, rank: u32) -> Option<u8> {
    let (qb, pb) = (q.as_bytes(), p.as_bytes());
    match osa_distance(qb, pb, 2) {
        Some(1) => {}
        // Two slips in a long name (`babel-trasveres`, `assretplus`): the index only offers
        // candidates that share a one-deletion form, so this stays a narrow net.
        Some(2) if pb.len() >= LONG_NAME && !digit_suffix_pair(q, p) => return Some(2),
        _ => return None,
    }
    // Any one-letter edit counts against the most popular names, and in long names, where a
    // single arbitrary change rarely makes another real name (`custvomtkinter`).
    let one_word = !pb.iter().any(|&c| is_separator(c as char));
    let any_edit = (rank != 0 && rank <= ANY_EDIT_MAX_RANK) || (pb.len() >= LONG_NAME && one_word);
    if digit_suffix_pair(q, p) {
        return None;
    }
    // First differing position.
    let at = first_difference(qb, pb);
    // A changed, added or dropped digit is a version or an architecture (`bootstrap4`/`5`,
    // `cuda13x`/`cuda12x`, `freebsd-64`/`x64`), unless it is a doubled one.
    let digit = |b: Option<&u8>| b.is_some_and(u8::is_ascii_digit);
    if (digit(qb.get(at)) || digit(pb.get(at))) && collapse_runs(q) != collapse_runs(p) {
        return None;
    }
    let long_enough = pb.len() >= 6;
    // A letter added or dropped at either end of a short name, or a plural `s`, is how related
    // names are made (`attr`/`attrs`, `prompt`/`prompts`, `yargs`/`args`): only a doubled
    // letter counts there. Longer names are squatted that way (`equests`, `coloramah`).
    // Dropping a plural `s` makes a related name (`websocket`/`websockets`); adding one to a
    // popular name is a slip (`coloramas`).
    let plural = p.strip_suffix('s') == Some(q);
    // At the first letter, related names are common too (`gpytorch`, `rignore`, `asyncer`):
    // only squats of the most popular or long names (`equests`, `ensorflow`) count there.
    let first_letter = at == 0 && !(rank != 0 && rank <= ANY_EDIT_MAX_RANK) && pb.len() < 9;
    let at_end =
        plural || first_letter || ((at == 0 || at >= qb.len().min(pb.len())) && pb.len() < 7);
    match qb.len().cmp(&pb.len()) {
        // Omission: one character of p left out; a dropped doubled letter is the likeliest.
        std::cmp::Ordering::Less => {
            let doubled = at > 0 && pb.get(at) == pb.get(at - 1) || pb.get(at) == pb.get(at + 1);
            if doubled && pb.len() >= 4 {
                Some(0)
            } else {
                (long_enough && !at_end).then_some(1)
            }
        }
        // Insertion: q has one extra character at `at`.
        std::cmp::Ordering::Greater => {
            let c = qb[at];
            let before = at.checked_sub(1).map(|i| qb[i]);
            let after = qb.get(at + 1).copied();
            let doubled = before == Some(c) || after == Some(c);
            if doubled && pb.len() >= 4 {
                return Some(0);
            }
            let neighbour = [before, after]
                .into_iter()
                .flatten()
                .any(|n| keyboard_adjacent(c, n));
            (long_enough && !at_end && (neighbour || any_edit)).then_some(1)
        }
        std::cmp::Ordering::Equal => {
            let transposed = qb.get(at + 1) == pb.get(at) && pb.get(at + 1) == qb.get(at);
            if transposed {
                return (pb.len() >= 5).then_some(1);
            }
            let (a, b) = (qb[at], pb[at]);
            let slip = keyboard_adjacent(a, b) || lookalike_chars(a, b);
            (long_enough && (slip || any_edit)).then_some(1)
        }
    }
}

/// Names this long (letters and digits) may carry two slips and still be recognised.
const LONG_NAME: usize = 10;

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

/// The two names differ only in a trailing version number (`listr`/`listr2`); a doubled last
/// digit (`progressbar22`) is a slip, not a version.
fn digit_suffix_pair(q: &str, p: &str) -> bool {
    if collapse_runs(q) == collapse_runs(p) {
        return false;
    }
    let strip = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (sq, sp) = (strip(q), strip(p));
    sq == sp && q[..sq] == p[..sp] && q != p
}

/// `name` = a popular name plus a filler word before or after it, joined by a separator.
fn combo_core(eco: Ecosystem, name: &str) -> Vec<&str> {
    let mut cores = Vec::new();
    for (w, before_too) in combo_words(eco) {
        for sep in ["-", "_", ".", ""] {
            if let Some(core) = name.strip_suffix(w).and_then(|r| r.strip_suffix(sep)) {
                cores.push(core);
            }
            if let Some(core) = name.strip_prefix(w).and_then(|r| r.strip_prefix(sep))
                && before_too
            {
                cores.push(core);
            }
        }
    }
    cores.retain(|c| c.len() >= 4);
    cores
}

/// Is `name` (normalised for `eco`) an imitation of a popular name? `None` when it is itself
/// popular or looks like nothing in particular.
pub fn check(snap: &Snapshot, eco: Ecosystem, name: &str) -> Option<Imitation> {
    let lists = PopularList::for_ecosystem(eco);
    if lists.iter().any(|&l| snap.popular_rank(l, name).is_some()) {
        return None;
    }
    let scope = npm_scope(name);
    let same_scope = |p: &str| scope.is_some() && npm_scope(p) == scope;
    let mut best: Option<(u8, Imitation)> = None;
    let mut consider = |score: u8, imitates: &str, rank: u32, kind: ImitationKind| {
        let better = match &best {
            None => true,
            Some((s, b)) => (score, rank.wrapping_sub(1)) < (*s, b.rank.wrapping_sub(1)),
        };
        if better {
            best = Some((
                score,
                Imitation {
                    imitates: imitates.to_string(),
                    rank,
                    kind,
                },
            ));
        }
    };
    let skel = skeleton(name);
    let variants = deletions(&skel);
    for &list in lists {
        if skel.chars().count() >= 4 {
            for (p, rank) in snap.similar(&index_key(KIND_SKELETON, list, &skel)) {
                if p == name || same_scope(p) {
                    continue;
                }
                let kind = if npm_scope(p).is_some() != scope.is_some() {
                    ImitationKind::ScopeConfusion
                } else {
                    ImitationKind::Lookalike
                };
                consider(0, p, rank, kind);
            }
        }
        for v in &variants {
            for (p, rank) in snap.similar(&index_key(KIND_DELETION, list, v)) {
                if p == name
                    || same_scope(p)
                    || edit_in_short_segment(name, p)
                    || fork_suffix(name, p)
                {
                    continue;
                }
                let pskel = skeleton(p);
                let score = typo_forms(&pskel)
                    .into_iter()
                    .filter_map(|form| typo(&skel, form, rank))
                    .min();
                // Two slips are believed only inside one long word of a name without version
                // numbers (`eslint-plugin-jsonc` is not two slips from `eslint-plugin-jsdoc`).
                let two_slips_plausible = || {
                    let pb = p.as_bytes();
                    let at = first_difference(name.as_bytes(), pb).min(pb.len().saturating_sub(1));
                    !pb.iter().any(u8::is_ascii_digit) && segment_len(pb, at) >= 6
                };
                if let Some(score) = score
                    && (score < 2 || two_slips_plausible())
                {
                    consider(score, p, rank, ImitationKind::Typo);
                }
            }
        }
        for core in combo_core(eco, name) {
            if let Some(rank) = snap.popular_rank(list, core)
                && rank <= TYPO_TARGET_MAX_RANK
            {
                consider(2, core, rank, ImitationKind::Combo);
            }
        }
    }
    best.map(|(_, i)| i)
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
    fn keystroke_slips() {
        for (q, p, rank, want) in [
            ("reqeusts", "requests", 1000, true),           // transposition
            ("requsts", "requests", 1000, true),            // omission
            ("requestss", "requests", 1000, true),          // doubled letter
            ("requeats", "requests", 1000, true),           // a is next to s
            ("requexts", "requests", 1000, true),           // x is next to s
            ("requbsts", "requests", 1000, false),          // b is nowhere near e
            ("requbsts", "requests", 10, true),             // ...but requests is top-300
            ("listr2", "listr", 10, false),                 // a trailing version digit
            ("attr", "attrs", 10, false),                   // a letter added at the end
            ("websocket", "websockets", 400, false),        // a dropped plural makes a related name
            ("coloramas", "colorama", 400, true),           // an added one is a slip
            ("bootstrap4", "bootstrap5", 10, false),        // versions differ by a digit
            ("progressbar22", "progressbar2", 400, true),   // a doubled digit is a slip
            ("gpytorch", "pytorch", 400, false), // first-letter edits of mid-ranked short names
            ("ensorflow", "tensorflow", 400, true), // ...but not of long ones
            ("custvomtkinter", "customtkinter", 400, true), // any edit in a long one-word name
            ("yargs", "args", 10, false),        // ...or at the start
        ] {
            assert_eq!(typo(q, p, rank).is_some(), want, "{q} vs {p}");
        }
        assert!(edit_in_short_segment("client-ses", "client-sts"));
        assert!(edit_in_short_segment("django-cms", "django-csp"));
        assert!(!edit_in_short_segment("reqeusts", "requests"));
        assert!(!edit_in_short_segment("discord-pyy", "discord-py"));
        assert!(fork_suffix(
            "eslint-plugin-import-x",
            "eslint-plugin-import"
        ));
        assert!(!fork_suffix("lodash-js", "lodash"));
    }

    #[test]
    fn real_data_examples() {
        let snap = crate::reputation::store::embedded();
        let check = |eco: Ecosystem, name: &str| {
            check(&snap, eco, &eco.normalize(name)).map(|i| (i.imitates, i.kind))
        };
        use ImitationKind::*;
        for (eco, name, want) in [
            (Ecosystem::Pypi, "reqeusts", Some(("requests", Typo))),
            (Ecosystem::Npm, "lodahs", Some(("lodash", Typo))),
            (Ecosystem::Pypi, "requests", None),
            (Ecosystem::Npm, "express", None),
            (Ecosystem::Pypi, "python_dateutil", None), // PEP 503 makes it the same name
            (
                Ecosystem::Npm,
                "hookform-resolvers",
                Some(("@hookform/resolvers", ScopeConfusion)),
            ),
            (Ecosystem::Npm, "lodash-js", Some(("lodash", Combo))),
            (Ecosystem::Npm, "@aws-sdk/client-sfn", None), // same scope: owned by one org
            // Repeated letters beat other one-edit neighbours (`wget2` is also one edit away).
            (Ecosystem::Brew, "wgett", Some(("wget", Typo))),
        ] {
            assert_eq!(
                check(eco, name),
                want.map(|(p, k)| (p.to_string(), k)),
                "{eco} {name}"
            );
        }
    }
}
