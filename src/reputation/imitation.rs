//! Name-imitation detection: does a name that is not itself popular look like a popular name of
//! the same ecosystem? Pure. It never blocks by itself: callers give imitations warn severity.
//!
//! How candidates are found, at a cost linear in the name's length:
//! - look-alikes: the snapshot files every popular name under its skeleton (case, separators
//!   and confusable characters folded), so `reque5ts`, `rnodule`, `l0dash` and a scope dropped
//!   or flattened (`sentrybrowser` for `@sentry/browser`) are one exact probe;
//! - slips: the snapshot's scan table groups the typo targets (ranks 1–5,000, names of 4+
//!   letters, and names ending in a version also without it: `beautifulsoup`) by the length of
//!   their compared form (letters and digits). A check reads only the lengths within its edit
//!   budget (1 edit under 8 letters, 2 under 15, 3 from 15), drops every name whose letter
//!   counts already differ too much, and aligns the few that remain (a banded alignment);
//! - a scoped name copied without its scope (`core-rest-pipeline`), combos (the name minus a
//!   filler word such as `-install`, `-latest`, `python-`, `-js` is a popular name) and
//!   version tags (minus a major version: `httpxv2`, `redis-v4`, `react18`): exact probes;
//! - a slip with a version number put on it (`reqyest3`): the scan again on the name without
//!   the number, kept against names of rank 2,000 or better only.
//!
//! Which alignments count is decided edit by edit. One edit: a doubled or undoubled letter,
//! two letters swapped, a neighbouring key (at the last letter too from 5 letters: `mygens`),
//! a look-alike character, a vowel for a vowel inside a name of 7+ letters (`pycripto`), a lost
//! letter (`tensorflo`: a long name cut short; the last of 6 or 7: `recas`), and any letter
//! against a name popular enough for its length (rank 30 at 4 letters, doubling per letter).
//! Several edits (names of 8+ letters): each slip has a cost (doubled letter and look-alike
//! less, an unrelated letter or a vowel more, one that leaves letters side by side that at
//! most two popular names have less: `pzugin`), and their sum must fit a budget that grows
//! with the length and, a little, with the popular name's popularity; slips that all fall in
//! the first two letters rewrite the name's start (`lmcache`) and do not count.
//!
//! What does not count, to keep false alarms rare: names that are popular themselves; names
//! that differ only in separators (`git-python`, `mem-fs`: established pairs abound); a word
//! replaced by another word that popular names of any ecosystem use (`jsdoc` for `jsdom`); a
//! changed letter in a word of three letters or fewer (`client-sso`/`client-sts`); versions
//! and architectures (`bootstrap4`/`5`, `listr2`, `freebsd-x64`); a dropped plural `s`; whole
//! words or affixes added or dropped (`pre-commit-uv`, `lodash.pickby`, `dynamo-json`); another
//! package in the same npm scope, or any name in a new scope (scopes are owned: `@acme/react`
//! reads as a private fork, which offline data cannot tell from a squat); the pre-scope
//! spelling of a scoped name in a family popular names still use (`babel-plugin-syntax-flow`);
//! `-x` forks.
//!
//! Names longer than [`MAX_NAME_LEN`] (npm's limit) are answered at once: no popular name is
//! within reach of them (the longest is far shorter), and no person reads 215 characters as
//! a popular name, so the answer is exact, not a skip.

use serde::Serialize;

use super::snapshot::{
    MAX_SCAN_LEN, PopularList, SCAN_COUNTS, ScanForm, Snapshot, present_buckets,
};
use crate::ecosystem::Ecosystem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImitationKind {
    /// One slip of the keyboard: a neighbouring key, a lost or added letter, two letters swapped.
    Typo,
    /// A doubled letter, or one of a double dropped (`requestss`, `colorma`).
    DoubledLetter,
    /// A long name cut short by one or two letters (`tensorflo`).
    Truncation,
    /// Several slips spread over a long name (`babel-pzugin-transform-es2015-modues-commonjs`).
    Garble,
    /// A confusable character (`l`/`1`, `0`/`o`, `rn`/`m`), separators moved or not (`l0dash`).
    Lookalike,
    /// An npm scoped name copied without its scope (`core-auth` for `@azure/core-auth`).
    ScopeConfusion,
    /// The popular name plus a filler word (`-js`, `python-`, `-install`, ...).
    Combo,
    /// The popular name plus a version tag (`httpxv2`, `redis-v4`, `react18`).
    VersionTag,
}

impl ImitationKind {
    /// Stable id, as in JSON (`doubled-letter`).
    pub fn id(self) -> &'static str {
        match self {
            ImitationKind::Typo => "typo",
            ImitationKind::DoubledLetter => "doubled-letter",
            ImitationKind::Truncation => "truncation",
            ImitationKind::Garble => "garble",
            ImitationKind::Lookalike => "lookalike",
            ImitationKind::ScopeConfusion => "scope-confusion",
            ImitationKind::Combo => "combo",
            ImitationKind::VersionTag => "version-tag",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Imitation {
    /// The popular package the name imitates.
    pub imitates: String,
    /// Its popularity rank in its list (1 = most popular; 0 = the list has no ranking).
    pub rank: u32,
    pub kind: ImitationKind,
}

/// Only names this popular are typo targets (Homebrew's unranked lists: all).
pub const TYPO_TARGET_MAX_RANK: u32 = 5_000;
/// Against names this popular, two letters swapped count at the first letter or in a name of
/// four letters: a swap keeps every letter, the likeliest slip of all.
const SWAP_ANY_MAX_RANK: u32 = 300;
/// How popular a name of 4 letters must be for any one-character edit of it to count, not only
/// a keyboard slip; the rank allowed doubles with each letter more (see [`any_edit_rank`]).
const ANY_EDIT_RANK_AT_4: u32 = 30;
/// A letter triple in at most this many typo-target names is rare (see `EditInfo::rare`).
const RARE_TRIGRAM: u8 = 2;
/// npm's limit on a package name's length; longer names are answered without looking.
pub const MAX_NAME_LEN: usize = 214;
/// Compared forms shorter than this are not typo targets: too many real names are one letter
/// away from `vue` or `ws`.
const MIN_TARGET_LEN: usize = 4;

/// A popular name of this many letters or more, cut short by its last letter, is a truncation
/// (under eight letters only when that letter is not a repeat: see [`judge`]).
const MIN_CUT_SHORT_LEN: usize = 6;
/// A slip with a version number put on it (`reqyest3`) counts only against names this popular:
/// two signals on a less popular name are too often a real package (`django-q2`).
const VERSIONED_SLIP_MAX_RANK: u32 = 2_000;

/// Several slips all within this many first letters of the popular name rewrite its start
/// (see [`judge`]).
const START_LEN: usize = 2;

/// A name must be this long for a dropped scope to count.
const MIN_SCOPED_BARE: usize = 5;

/// How many edits a compared form of `len` letters may carry and still be recognised.
fn edit_budget(len: usize) -> usize {
    match len {
        0..=7 => 1,
        8..=14 => 2,
        _ => 3,
    }
}

/// Filler words attackers glue onto popular names: words that add nothing but credibility, a
/// vague promise or an install step. `-cli`, `-core`, `-utils`, `-client`, `-ext`, `-next`,
/// `node-` and the like are how real companion packages are named, so they are not here; nor
/// are `-lite`, `-data`, `-api`, `-kit`, `-dev`, `-pro`: measured on the tuning set, legitimate
/// companions (`btoa-lite`, `braintrust-api`, `textual-dev`) outnumber the squats they find,
/// against the top 300, 1,000 or 5,000 names alike (popularity does not separate them).
const COMBO_WORDS: &[&str] = &[
    "official",
    "secure",
    "latest",
    "fixed",
    "patched",
    "updated",
    "update",
    "upgrade",
    "install",
    "installer",
    "new",
    "real",
    "beta",
    "helper",
    "main",
    "plus",
    "lib",
    "libs",
    "library",
    "package",
];

/// The ecosystem's own language words, fillers only where they are not the naming convention.
fn combo_words(eco: Ecosystem) -> impl Iterator<Item = (&'static str, bool)> {
    // (word, may also stand before the name)
    COMBO_WORDS
        .iter()
        .map(|w| (*w, true))
        .chain(own_words(eco).iter().copied())
}

/// The ecosystem's own language words: (word, may also stand before the name).
fn own_words(eco: Ecosystem) -> &'static [(&'static str, bool)] {
    match eco {
        Ecosystem::Npm => &[("js", true), ("nodejs", true), ("node", false)],
        // `foo-py` glued on a popular name is a squat shape; `pyfoo` is PyPI's naming habit.
        Ecosystem::Pypi => &[("py", false), ("python", true)],
        Ecosystem::Brew => &[],
    }
}

const KIND_SKELETON: u8 = b's';
const KIND_WORD: u8 = b'w';
const KIND_BARE: u8 = b'b';
const KIND_FAMILY: u8 = b'f';

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

/// The form slips are measured on: the name's bytes without separators (already lowercase
/// once normalised), with, for each, its position in the name.
struct Compared {
    bytes: Vec<u8>,
    at: Vec<usize>,
}

fn compared(name: &str) -> Compared {
    let mut c = Compared {
        bytes: Vec::with_capacity(name.len()),
        at: Vec::with_capacity(name.len()),
    };
    for (i, b) in name.bytes().enumerate() {
        if !is_separator(b as char) {
            c.bytes.push(b.to_ascii_lowercase());
            c.at.push(i);
        }
    }
    c
}

/// Letter counts of a compared form in [`SCAN_COUNTS`] buckets (digits share six buckets,
/// anything else one): each edit changes them by at most 2, so a count distance over twice
/// the edit budget rules a name out without aligning it.
fn letter_counts(form: &[u8]) -> [u8; SCAN_COUNTS] {
    let mut counts = [0u8; SCAN_COUNTS];
    for &b in form {
        let bucket = match b {
            b'a'..=b'z' => usize::from(b - b'a'),
            b'0'..=b'9' => 26 + usize::from(b - b'0') * 6 / 10,
            _ => SCAN_COUNTS - 1,
        };
        counts[bucket] = counts[bucket].saturating_add(1);
    }
    counts
}

fn count_distance(a: &[u8; SCAN_COUNTS], b: &[u8; SCAN_COUNTS]) -> usize {
    a.iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum::<u32>() as usize
}

fn trigram_code(t: &[u8]) -> usize {
    let digit = |b: u8| match b {
        b'a'..=b'z' => usize::from(b - b'a'),
        b'0'..=b'9' => 26 + usize::from(b - b'0'),
        _ => 36,
    };
    t.iter().fold(0, |code, &b| code * 37 + digit(b))
}

/// The distinct letter-triple codes a popular name adds to the snapshot's counts (used when
/// building): only typo targets count, so the evaluation, which holds ranks 1–5,000, sees the
/// same counts as the product, which also holds ranks 5,001–10,000.
pub fn trigrams(normalized: &str, rank: u32) -> Vec<usize> {
    if rank > TYPO_TARGET_MAX_RANK {
        return Vec::new();
    }
    let mut codes: Vec<usize> = compared(normalized)
        .bytes
        .windows(3)
        .map(trigram_code)
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// A scan handle with this bit set stands for the name without its trailing version number.
const UNVERSIONED: u32 = 1 << 31;

fn trailing_digits(form: &[u8]) -> usize {
    form.iter().rev().take_while(|b| b.is_ascii_digit()).count()
}

/// The scan-table entries of a popular name, if it is a typo target (used when building): its
/// compared form and, for names that end in a version number (`beautifulsoup4`, `urllib3`),
/// the form without it, which is how people misremember them.
pub fn scan_forms(normalized: &str, rank: u32) -> Vec<ScanForm> {
    let form = compared(normalized).bytes;
    let mut out = Vec::new();
    if rank > TYPO_TARGET_MAX_RANK || form.len() > MAX_SCAN_LEN {
        return out;
    }
    if form.len() >= MIN_TARGET_LEN {
        out.push(ScanForm {
            len: form.len(),
            counts: letter_counts(&form),
            tag: 0,
        });
    }
    let stripped = &form[..form.len() - trailing_digits(&form)];
    if stripped.len() < form.len() && stripped.len() >= 5 {
        out.push(ScanForm {
            len: stripped.len(),
            counts: letter_counts(stripped),
            tag: UNVERSIONED,
        });
    }
    out
}

/// The query is the popular name without its final plural `s` (`websocket`/`websockets`).
fn plural_dropped(q: &[u8], p: &[u8]) -> bool {
    p.len() > 4 && p.strip_suffix(b"s") == Some(q)
}

fn index_key(kind: u8, list: PopularList, text: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(2 + text.len());
    k.push(kind);
    k.push(list.tag());
    k.extend_from_slice(text.as_bytes());
    k
}

/// The words (segments between separators) of a name.
fn words(name: &str) -> impl Iterator<Item = &str> {
    name.split(|c: char| is_separator(c))
        .filter(|w| !w.is_empty())
}

fn plain_key(kind: u8, text: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + text.len());
    k.push(kind);
    k.extend_from_slice(text.as_bytes());
    k
}

/// The similarity keys a popular name is filed under (used when building a snapshot): its
/// skeleton; for typo targets (ranks 1–5,000 and Homebrew's lists), each of its words of three
/// letters or more, in every ecosystem's shared word list, so a check can tell a word that
/// popular names use (`dom`, `gpu`, `next`) from a slip, and for an unscoped name of several
/// words, its first word (a naming family such as `babel-*`); for a scoped npm name, its
/// unscoped part (to catch the scope dropped). Words and families come from the typo targets
/// only, so the evaluation (which holds ranks 1–5,000) measures the product's rules.
pub fn index_keys(list: PopularList, normalized: &str, rank: u32) -> Vec<Vec<u8>> {
    let mut keys = Vec::new();
    let skel = skeleton(normalized);
    if skel.chars().count() >= 4 {
        keys.push(index_key(KIND_SKELETON, list, &skel));
    }
    let target = rank <= TYPO_TARGET_MAX_RANK;
    for w in words(normalized).filter(|_| target) {
        let k = plain_key(KIND_WORD, w);
        if w.len() >= 3 && !keys.contains(&k) {
            keys.push(k);
        }
    }
    if let Some((_, bare)) = normalized.strip_prefix('@').and_then(|r| r.split_once('/')) {
        keys.push(index_key(KIND_BARE, list, bare));
    } else if let Some((first, _)) = normalized.split_once(|c: char| is_separator(c))
        && target
    {
        keys.push(plain_key(KIND_FAMILY, first));
    }
    keys
}

/// Is `word` a word of some typo target (of any ecosystem)?
fn known_word(snap: &Snapshot, word: &str) -> bool {
    word.len() >= 3 && snap.has_similar(&plain_key(KIND_WORD, word))
}

/// Is `q` the pre-scope spelling of the scoped `p` (`babel-plugin-syntax-flow` for
/// `@babel/plugin-syntax-flow`) in a family that popular unscoped names still use
/// (`babel-*`)? Projects that moved to a scope left those packages behind; a copy of a scope
/// nobody used that way (`azure-identity` for `@azure/identity`) still counts.
fn legacy_family(snap: &Snapshot, q: &str, p: &str) -> bool {
    let Some(scope) = npm_scope(p) else {
        return false;
    };
    npm_scope(q).is_none()
        && words(q).next() == Some(scope)
        && snap.has_similar(&plain_key(KIND_FAMILY, scope))
}

/// What one edit does to the popular form to make the query form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Op {
    /// A letter of the query stands where one of the popular name was.
    Sub,
    /// The query has an extra letter.
    Ins,
    /// A letter of the popular name is missing.
    Del,
    /// Two neighbouring letters are swapped.
    Swap,
}

/// One edit, with where it falls in the query form (`q`) and in the popular form (`p`): for an
/// insertion `p` is the letter it comes before, for a deletion `q` is the letter that follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edit {
    pub op: Op,
    pub q: usize,
    pub p: usize,
}

/// Optimal-string-alignment distance (Damerau–Levenshtein without repeated edits of one
/// substring) with the edits, or `None` once it exceeds `max`. Only the band of width
/// `2·max+1` is computed: the cost is linear in the length. `d` is scratch space.
pub fn align(q: &[u8], p: &[u8], max: usize, d: &mut Vec<u8>) -> Option<Vec<Edit>> {
    const INF: u8 = 100;
    let (n, m) = (q.len(), p.len());
    if n.abs_diff(m) > max || max >= usize::from(INF) {
        return None;
    }
    let w = m + 1;
    d.clear();
    d.resize((n + 1) * w, INF);
    for (j, cell) in d.iter_mut().enumerate().take(m.min(max) + 1) {
        *cell = j as u8;
    }
    for i in 1..=n {
        let (lo, hi) = (i.saturating_sub(max), (i + max).min(m));
        let mut row_min = INF;
        if lo == 0 {
            d[i * w] = i as u8;
            row_min = i as u8;
        }
        for j in lo.max(1)..=hi {
            let cost = u8::from(q[i - 1] != p[j - 1]);
            let mut v = (d[(i - 1) * w + j - 1] + cost)
                .min(d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1);
            if i > 1 && j > 1 && q[i - 1] == p[j - 2] && q[i - 2] == p[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            let v = v.min(INF);
            d[i * w + j] = v;
            row_min = row_min.min(v);
        }
        if usize::from(row_min) > max {
            return None;
        }
    }
    if usize::from(d[n * w + m]) > max {
        return None;
    }
    let mut edits = Vec::new();
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        let here = d[i * w + j];
        if i > 0 && j > 0 && q[i - 1] == p[j - 1] && here == d[(i - 1) * w + j - 1] {
            (i, j) = (i - 1, j - 1);
        } else if i > 1
            && j > 1
            && q[i - 1] == p[j - 2]
            && q[i - 2] == p[j - 1]
            && here == d[(i - 2) * w + j - 2] + 1
        {
            edits.push(Edit {
                op: Op::Swap,
                q: i - 2,
                p: j - 2,
            });
            (i, j) = (i - 2, j - 2);
        } else if i > 0 && j > 0 && here == d[(i - 1) * w + j - 1] + 1 {
            edits.push(Edit {
                op: Op::Sub,
                q: i - 1,
                p: j - 1,
            });
            (i, j) = (i - 1, j - 1);
        } else if i > 0 && here == d[(i - 1) * w + j] + 1 {
            edits.push(Edit {
                op: Op::Ins,
                q: i - 1,
                p: j,
            });
            i -= 1;
        } else {
            edits.push(Edit {
                op: Op::Del,
                q: i,
                p: j - 1,
            });
            j -= 1;
        }
    }
    edits.reverse();
    Some(edits)
}

/// Optimal-string-alignment distance, or `None` once it exceeds `max`.
pub fn osa_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    align(a, b, max, &mut Vec::new()).map(|e| e.len())
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

/// What kind of slip one edit is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Slip {
    /// A letter doubled, or one of a double dropped.
    Doubled,
    /// Two neighbouring letters swapped.
    Swap,
    /// A neighbouring key pressed instead of, or next to, the right one.
    Neighbour,
    /// A look-alike character (`0`/`o`, `1`/`l`).
    Lookalike,
    /// A letter left out.
    Omission,
    /// A vowel for another vowel (`pycripto`, `colaroma`): spelt by ear.
    Vowel,
    /// An unrelated letter typed in or instead.
    Other,
}

fn vowel(c: u8) -> bool {
    matches!(c, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn slip(e: Edit, q: &[u8], p: &[u8]) -> Slip {
    let near = |c: u8, around: [Option<&u8>; 2]| around.into_iter().flatten().any(|&n| n == c);
    let (i, j) = (e.q, e.p);
    match e.op {
        Op::Swap => Slip::Swap,
        Op::Del => {
            if near(
                p[j],
                [j.checked_sub(1).and_then(|k| p.get(k)), p.get(j + 1)],
            ) {
                Slip::Doubled
            } else {
                Slip::Omission
            }
        }
        Op::Ins => {
            let around = [i.checked_sub(1).and_then(|k| q.get(k)), q.get(i + 1)];
            if near(q[i], around) {
                Slip::Doubled
            } else if around
                .into_iter()
                .flatten()
                .any(|&n| keyboard_adjacent(q[i], n))
            {
                Slip::Neighbour
            } else {
                Slip::Other
            }
        }
        Op::Sub => {
            if keyboard_adjacent(q[i], p[j]) {
                Slip::Neighbour
            } else if lookalike_chars(q[i], p[j]) {
                Slip::Lookalike
            } else if vowel(q[i]) && vowel(p[j]) && j + 1 < p.len() {
                // Not at the end, where another vowel makes another word form
                // (`schedula`/`schedule`).
                Slip::Vowel
            } else {
                Slip::Other
            }
        }
    }
}

/// What the rules know about one edit.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct EditInfo {
    pub op: Op,
    pub slip: Slip,
    /// Where it falls in the query's and the popular name's compared forms (see [`Edit`]).
    pub q: usize,
    pub p: usize,
    /// At the first or the last letter of the popular name's compared form.
    pub first: bool,
    pub last: bool,
    /// The popular name's word (segment between separators) the edit falls in: where it
    /// starts in the name, and how long it is.
    pub word_start: usize,
    pub word_len: usize,
    /// Length of the query's word the edit falls in.
    pub q_word_len: usize,
    /// The query's word at the edit is another word that popular names use (`dom`, `gpu`).
    pub known_word: bool,
    /// A digit is added, dropped or changed next to a digit or at a word's end: a version or
    /// an architecture (`bootstrap4`/`5`, `freebsd-64`/`x64`), not a slip.
    pub version: bool,
    /// The edit leaves letters side by side that at most [`RARE_TRIGRAM`] typo targets have
    /// (`handleqazs`, `jsoescheam`): the mark of a slip or a garble, where a related name is
    /// made of real words.
    pub rare: bool,
}

/// Everything the rules look at for one aligned candidate. Public so the evaluation can show
/// why a name was or was not flagged.
#[derive(Debug, Clone, Serialize)]
pub struct Candidate<'s> {
    pub imitates: &'s str,
    pub rank: u32,
    /// Length of the popular name's compared form (without a trailing version number when
    /// `unversioned`).
    pub target_len: usize,
    pub unversioned: bool,
    pub edits: Vec<EditInfo>,
    /// `Ok` when the rules accept the candidate, with its score (lower = likelier) and kind;
    /// else the rule that turned it down.
    pub verdict: Result<(u8, ImitationKind), &'static str>,
}

/// The segment (between separators) of `s` that contains byte `at`, as a range.
fn segment(s: &[u8], at: usize) -> std::ops::Range<usize> {
    let sep = |c: &u8| is_separator(*c as char);
    let at = at.min(s.len());
    let start = s[..at].iter().rposition(sep).map_or(0, |p| p + 1);
    let end = s[at..].iter().position(sep).map_or(s.len(), |p| at + p);
    start..end.max(start)
}

fn npm_scope(name: &str) -> Option<&str> {
    name.strip_prefix('@')?.split_once('/').map(|(s, _)| s)
}

/// `foo-x` / `foo-2`-style forks: the popular name plus one more one-character segment.
fn fork_suffix(q: &str, p: &str) -> bool {
    q.strip_prefix(p).is_some_and(|rest| {
        let mut c = rest.chars();
        matches!(c.next(), Some('-' | '_' | '.')) && c.count() == 1
    })
}

/// Is the character at `at` part of a version or an architecture: a digit next to a digit or
/// ending its word (`bootstrap4`, `es2015`), or a lone letter tied to digits (`x64`, `v2`)?
fn versionish(name: &[u8], at: usize) -> bool {
    let before = at.checked_sub(1).and_then(|i| name.get(i)).copied();
    let after = name.get(at + 1).copied();
    let digit = |b: Option<u8>| b.is_some_and(|b| b.is_ascii_digit());
    let boundary = |b: Option<u8>| b.is_none_or(|b| is_separator(b as char));
    if digit(name.get(at).copied()) {
        digit(before) || digit(after) || boundary(after)
    } else {
        (digit(before) && boundary(after)) || (boundary(before) && digit(after))
    }
}

/// Describe each edit of an alignment of the query `q` with the popular `p` (normalised names
/// and their compared forms).
fn describe(
    snap: &Snapshot,
    q: &str,
    p: &str,
    fq: &Compared,
    fp: &Compared,
    edits: &[Edit],
) -> Vec<EditInfo> {
    let (qb, pb) = (&fq.bytes[..], &fp.bytes[..]);
    let (q_name, p_name) = (q.as_bytes(), p.as_bytes());
    // Position in the name of a compared-form letter (clamped to the last letter).
    let p_pos = |j: usize| {
        fp.at
            .get(j.min(pb.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    let q_pos = |i: usize| {
        fq.at
            .get(i.min(qb.len().saturating_sub(1)))
            .copied()
            .unwrap_or(0)
    };
    edits
        .iter()
        .map(|&e| {
            // The words the edit falls in. A letter dropped inside a word is read with the
            // letter before the gap (`discor-webhook`: in `discor`, not `webhook`); a letter
            // added after a word's first letter, with the word before it.
            let inserted_mid_word =
                e.op == Op::Ins && q_pos(e.q) > segment(q_name, q_pos(e.q)).start;
            let pj = match e.op {
                Op::Ins if e.p > 0 && (e.p >= pb.len() || inserted_mid_word) => e.p - 1,
                _ => e.p,
            };
            // Only what is compared counts: the word `iso` of `python-iso639` compared
            // without its version number is three letters long, not six.
            let pword = segment(p_name, p_pos(pj));
            let compared_end = fp.at.last().map_or(pword.end, |&at| at + 1);
            let pword = pword.start..pword.end.min(compared_end).max(pword.start);
            let qi = match e.op {
                Op::Del if e.q > 0 && p_pos(e.p) > pword.start => e.q - 1,
                _ => e.q,
            };
            let qword = segment(q_name, q_pos(qi));
            let qw = &q[qword.clone()];
            let known_word = qw != &p[pword.clone()] && known_word(snap, qw);
            let version = match e.op {
                Op::Swap => false,
                Op::Sub if lookalike_chars(qb[e.q], pb[e.p]) => false,
                Op::Sub => {
                    versionish(q_name, q_pos(e.q))
                        || (pb[e.p].is_ascii_digit() && versionish(p_name, p_pos(e.p)))
                }
                Op::Ins => versionish(q_name, q_pos(e.q)),
                Op::Del => versionish(p_name, p_pos(e.p)),
            };
            // Letter triples of the query around the edit.
            let (from, to) = match e.op {
                Op::Sub | Op::Ins => (e.q.saturating_sub(2), e.q + 3),
                Op::Swap => (e.q.saturating_sub(2), e.q + 4),
                Op::Del => (e.q.saturating_sub(2), e.q + 2),
            };
            let rare = qb[from..to.min(qb.len())]
                .windows(3)
                .any(|t| snap.trigram_count(trigram_code(t)) <= RARE_TRIGRAM);
            EditInfo {
                op: e.op,
                slip: slip(e, qb, pb),
                q: e.q,
                p: e.p,
                rare,
                first: e.p == 0,
                last: e.p + 1 >= pb.len(),
                word_start: pword.start,
                word_len: pword.len(),
                q_word_len: qword.len(),
                known_word,
                version,
            }
        })
        .collect()
}

/// Are the edits whole words added to the popular name (`pre-commit-uv`, `p-tqdm`) or dropped
/// from it? That makes a related name or a combo, never a slip.
fn whole_words(q: &str, p: &str, fq: &Compared, fp: &Compared, edits: &[Edit]) -> bool {
    let covers = |name: &str, form: &Compared, op: Op| {
        let at: Vec<usize> = edits
            .iter()
            .map(|e| form.at[if op == Op::Ins { e.q } else { e.p }])
            .collect();
        at.iter().all(|&i| {
            let word = segment(name.as_bytes(), i);
            word.clone().all(|k| at.contains(&k))
        })
    };
    if edits.iter().all(|e| e.op == Op::Ins) {
        covers(q, fq, Op::Ins)
    } else if edits.iter().all(|e| e.op == Op::Del) {
        covers(p, fp, Op::Del)
    } else {
        false
    }
}

/// What one slip costs in a name with several edits (tenths): the likelier the slip, the less.
fn slip_cost(s: Slip) -> u32 {
    match s {
        Slip::Doubled | Slip::Lookalike => 5,
        Slip::Swap | Slip::Neighbour | Slip::Omission => 10,
        // A vowel spelt by ear is a likely slip on its own, but among several slips it is
        // no likelier than any letter: priced lower, it let real names through as garbles
        // (`fifolock` for `filelock`) on the tuning slices.
        Slip::Vowel | Slip::Other => 20,
    }
}

/// How much slip cost (tenths) a name with several edits may carry, by the length of the
/// popular name's compared form.
fn cost_budget(len: usize) -> u32 {
    match len {
        0..=7 => 0,
        8..=14 => 25,
        _ => 45,
    }
}

/// Extra slip cost (tenths) allowed against a more popular name: 5 per tenfold popularity
/// over rank 5,000 (rank 1: 18, rank 100: 8, rank 1,000: 3). Squats aim at the most popular
/// names, while legitimate names fall near popular names of any rank. Unranked lists: none.
fn rank_allowance(rank: u32) -> u32 {
    if rank == 0 || rank >= TYPO_TARGET_MAX_RANK {
        return 0;
    }
    (5.0 * (f64::from(TYPO_TARGET_MAX_RANK) / f64::from(rank)).log10()) as u32
}

/// The least popular rank against which any one-character edit of a name of `len` letters
/// counts: 30 at 4 letters, doubling with each letter (120 at 6, 960 at 9, every target from
/// 12). A short name has many real names one edit away (`pytz`/`pytd`, `yarl`/`yaql`), so only
/// the very most popular short names may be matched that loosely.
fn any_edit_rank(len: usize) -> u32 {
    let doublings = len.saturating_sub(4).min(16) as u32;
    ANY_EDIT_RANK_AT_4.saturating_mul(1 << doublings)
}

/// Several letters added or dropped in one run at the start or end of a word
/// (`lodash.pickby`, `google-reauth`, `dynamo-json`): an affix makes a related word, not a
/// slip. A run dropped from the end of the whole name is a truncation, not an affix.
fn affix(q: &str, p: &str, fq: &Compared, fp: &Compared, edits: &[EditInfo]) -> bool {
    // A run of one repeated letter (`pycparserrr`) is a slip, however long.
    if edits.len() < 2 || edits.iter().all(|e| e.slip == Slip::Doubled) {
        return false;
    }
    // Word by word: one word of the query is the popular one's plus letters at its start or
    // end, or the popular one's minus letters at its start or end, not at the name's end.
    let (qw, pw): (Vec<&str>, Vec<&str>) = (words(q).collect(), words(p).collect());
    if qw.len() == pw.len() {
        let differ: Vec<(usize, &str, &str)> = qw
            .iter()
            .zip(&pw)
            .enumerate()
            .filter(|(_, (a, b))| a != b)
            .map(|(i, (a, b))| (i, *a, *b))
            .collect();
        if let [(i, a, b)] = differ[..] {
            let (long, short) = if a.len() > b.len() { (a, b) } else { (b, a) };
            let dropped_at_end = long == b && i + 1 == pw.len() && long.starts_with(short);
            if long.len() >= short.len() + 2
                && (long.starts_with(short) || long.ends_with(short))
                && !dropped_at_end
            {
                return true;
            }
        }
    }
    // Edit by edit: one run of added or dropped letters at a word's start or end.
    let run = |op: Op, at: &dyn Fn(&EditInfo) -> usize| {
        edits.iter().all(|e| e.op == op) && edits.windows(2).all(|w| at(&w[1]) == at(&w[0]) + 1)
    };
    let at_boundary = |name: &str, form: &Compared, first: usize, last: usize| {
        let word = segment(name.as_bytes(), form.at[first]);
        form.at[first] == word.start || form.at[last] + 1 == word.end
    };
    let (first, last) = (edits[0], edits[edits.len() - 1]);
    if run(Op::Ins, &|e| e.q) {
        at_boundary(q, fq, first.q, last.q)
    } else if run(Op::Del, &|e| e.p) {
        last.p + 1 < fp.bytes.len() && at_boundary(p, fp, first.p, last.p)
    } else {
        false
    }
}

/// The rules: is the query a slip of the popular name, given the described edits?
fn judge(len: usize, rank: u32, edits: &[EditInfo]) -> Result<(u8, ImitationKind), &'static str> {
    let n = edits.len();
    if n == 0 {
        // Same letters, different separators: the skeleton probe decides those.
        return Err("same letters");
    }
    if edits.iter().any(|e| e.version && e.slip != Slip::Doubled) {
        return Err("version");
    }
    // Slips in more than one word of the name: a garble, not a word changed.
    let spread = edits.iter().any(|e| e.word_start != edits[0].word_start);
    for e in edits {
        // A changed letter inside a short word makes another acronym (`sso`/`sts`), unless
        // it is one of several garbling slips spread over the name (`7np-webpack-pugin`) or the
        // word is glued to another in the query (`nodeglp` for `node-gyp`).
        let short = e.op == Op::Sub && e.q_word_len <= 3;
        if short && e.slip != Slip::Lookalike && !(spread && e.rare) {
            return Err("short word");
        }
        // Another word popular names use (`jsdoc` for `jsdom`); two letters swapped are a slip
        // even when they make a word (`per-commit`).
        if e.known_word && e.slip != Slip::Swap {
            return Err("known word");
        }
    }
    if n == 1 {
        let e = edits[0];
        // Popular enough that any slip counts, not only a likely one.
        let top = if e.slip == Slip::Swap {
            rank != 0 && rank <= SWAP_ANY_MAX_RANK
        } else {
            rank != 0 && rank <= any_edit_rank(len)
        };
        if e.slip == Slip::Doubled {
            return Ok((0, ImitationKind::DoubledLetter));
        }
        // The last letter lost: a long name cut short, or a name of six or seven letters
        // whose last letter is not a repeat (`recast`/`recas`; `pypdf`/`pypd` and
        // `roman`/`roma` are words and names of their own).
        let cut_short = e.op == Op::Del
            && e.last
            && (len >= 8 || (len >= MIN_CUT_SHORT_LEN && e.slip == Slip::Omission));
        if cut_short {
            return Ok((1, ImitationKind::Truncation));
        }
        // Letters added or dropped at the ends of short names make related names
        // (`attr`/`attrs`, `yargs`/`args`).
        // A neighbouring key for the last letter is a slip from five letters on
        // (`mygene`/`mygens`).
        let end_slip = e.slip == Slip::Neighbour && e.op == Op::Sub && len >= 5;
        let at_end = e.last && e.op != Op::Swap && !end_slip;
        if (at_end || e.first) && len < 7 && !top {
            return Err("end of a short name");
        }
        if e.first && len < 9 && !top {
            return Err("first letter");
        }
        let likely = match e.slip {
            Slip::Swap => len >= 5 || top,
            Slip::Neighbour | Slip::Lookalike => len >= 6 || top,
            Slip::Omission => len >= 5,
            Slip::Vowel => len >= 7 || top,
            Slip::Other => top || len >= 10,
            Slip::Doubled => true,
        };
        return if likely {
            Ok((1, ImitationKind::Typo))
        } else {
            Err("unlikely slip")
        };
    }
    // Several edits: a long name cut short, or slips spread over a long name.
    if edits.iter().all(|e| e.op == Op::Del) && edits.last().is_some_and(|e| e.last) && len >= 10 {
        return Ok((2, ImitationKind::Truncation));
    }
    let cost: u32 = edits
        .iter()
        .map(|e| {
            let first = if e.first && e.slip != Slip::Doubled {
                5
            } else {
                0
            };
            // Letters side by side that popular names hardly have mark a slip, not another
            // word.
            (slip_cost(e.slip) + first).saturating_sub(if e.rare { 10 } else { 0 })
        })
        .sum();
    if cost > cost_budget(len) + rank_allowance(rank) {
        return Err("too many or too unlikely slips");
    }
    // Every slip in the first two letters: another start put on the same stem (`lmcache`
    // for `memcache`, `tkcalendar` for `icalendar`), the first thing a reader sees changed,
    // which is how related names are made, not how a squat hides.
    if edits
        .iter()
        .all(|e| e.p < START_LEN && e.slip != Slip::Doubled)
    {
        return Err("the start rewritten");
    }
    // Several edits in one short word rewrite it (`python-ldap`/`python-nmap`), unless each
    // leaves letters side by side that popular names hardly have.
    let all_rare = edits.iter().all(|e| e.rare);
    for e in edits {
        let in_word = edits
            .iter()
            .filter(|o| o.word_start == e.word_start)
            .count();
        if in_word * 3 > e.word_len + 1 && !(all_rare && e.word_len >= 5) {
            return Err("a word rewritten");
        }
    }
    Ok((2, ImitationKind::Garble))
}

/// `name` = a popular name plus a filler word before or after it, joined by a separator (or
/// glued on, for words of four letters or more: `requestsplus`, `pythonhttpx`).
fn combo_core(eco: Ecosystem, name: &str) -> Vec<&str> {
    let mut cores = Vec::new();
    for (w, before_too) in combo_words(eco) {
        // The ecosystem's own language word glued on after the name (`stripepy`, `ethersjs`).
        let own = own_words(eco).iter().any(|(o, _)| *o == w);
        let glued: &[&str] = if w.len() >= 4 || own { &[""] } else { &[] };
        for sep in ["-", "_", "."].iter().chain(glued) {
            if let Some(core) = name.strip_suffix(w).and_then(|r| r.strip_suffix(sep)) {
                cores.push(core);
            }
            if let Some(core) = name.strip_prefix(w).and_then(|r| r.strip_prefix(sep))
                && before_too
                && (w.len() >= 4 || !sep.is_empty())
            {
                cores.push(core);
            }
        }
    }
    cores.retain(|c| c.len() >= 4);
    cores
}

/// `name` = a popular name plus a major version: `v` and one or two digits, or two digits,
/// with or without a separator (`httpxv2`, `redis-v4`, `react18`, `vue-loader-v15`). One bare
/// digit (`foo2`, `foo-2`) is how forks and companions number themselves, so it does not
/// count; nor do longer numbers (`versioneer-518`: a PEP), bit widths (`base64`), or a name
/// whose rest ends in a digit (`es6`), where the split is a guess.
fn version_cores(name: &str) -> impl Iterator<Item = &str> {
    let rest = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let number = &name[rest.len()..];
    let major = matches!(number.len(), 1..=2) && !matches!(number, "32" | "64");
    let tagged = rest.strip_suffix('v').filter(|_| major);
    let bare = Some(rest).filter(|_| major && number.len() == 2);
    tagged
        .into_iter()
        .chain(bare)
        .flat_map(|r| [Some(r), r.strip_suffix(['-', '_', '.'])])
        .flatten()
        .filter(|core| {
            core.len() >= 4 && !core.ends_with(|c: char| c.is_ascii_digit() || is_separator(c))
        })
}

/// `name` without a version number at its end (one or two digits, optionally after `v` or a
/// separator; not a bit width), if enough is left to compare (`reqyest3` → `reqyest`).
fn versioned_rest(name: &str) -> Option<&str> {
    let rest = name.trim_end_matches(|c: char| c.is_ascii_digit());
    let number = &name[rest.len()..];
    if !matches!(number.len(), 1..=2) || matches!(number, "32" | "64") {
        return None;
    }
    let rest = rest.strip_suffix('v').unwrap_or(rest);
    let rest = rest.trim_end_matches(['-', '_', '.']);
    (compared(rest).bytes.len() >= 5 && !rest.ends_with(|c: char| c.is_ascii_digit()))
        .then_some(rest)
}

/// Every popular name within the edit budget of `name`, with the alignment and the rules'
/// verdict on it (the evaluation shows these; [`check`] keeps the best accepted one).
pub fn candidates<'s>(snap: &'s Snapshot, eco: Ecosystem, name: &str) -> Vec<Candidate<'s>> {
    let mut out = Vec::new();
    if name.len() > MAX_NAME_LEN {
        return out;
    }
    let scope = npm_scope(name);
    let fq = compared(name);
    let counts = letter_counts(&fq.bytes);
    let qpresent = present_buckets(&counts);
    let lq = fq.bytes.len();
    let mut scratch = Vec::new();
    for &list in PopularList::for_ecosystem(eco) {
        for lp in lq.saturating_sub(3).max(MIN_TARGET_LEN)..=lq + 3 {
            let budget = edit_budget(lp);
            let length_gap = lp.abs_diff(lq);
            if length_gap > budget {
                continue;
            }
            for (present, pcounts, handle) in snap.scan(list, lp) {
                // Each edit changes whether at most two buckets are empty: a cheap first cut.
                if (present ^ qpresent).count_ones() as usize > 2 * budget
                    || count_distance(&counts, pcounts) + length_gap > 2 * budget
                {
                    continue;
                }
                let Some((p, rank)) = snap.scanned_name(handle) else {
                    continue;
                };
                if p == name || (scope.is_some() && npm_scope(p) == scope) || fork_suffix(name, p) {
                    continue;
                }
                let unversioned = handle & UNVERSIONED != 0;
                let mut fp = compared(p);
                if unversioned {
                    let keep = fp.bytes.len() - trailing_digits(&fp.bytes);
                    fp.bytes.truncate(keep);
                    fp.at.truncate(keep);
                }
                let Some(edits) = align(&fq.bytes, &fp.bytes, budget, &mut scratch) else {
                    continue;
                };
                let words_only = !edits.is_empty() && whole_words(name, p, &fq, &fp, &edits);
                let edits = describe(snap, name, p, &fq, &fp, &edits);
                let affixed = affix(name, p, &fq, &fp, &edits);
                let verdict = if plural_dropped(&fq.bytes, &fp.bytes) {
                    Err("plural")
                } else if words_only {
                    Err("a word added or dropped")
                } else if affixed {
                    Err("an affix")
                } else {
                    judge(fp.bytes.len(), rank, &edits)
                };
                out.push(Candidate {
                    imitates: p,
                    rank,
                    target_len: fp.bytes.len(),
                    unversioned,
                    edits,
                    verdict,
                });
            }
        }
    }
    out
}

/// Is `name` (normalised for `eco`) an imitation of a popular name? `None` when it is itself
/// popular or looks like nothing in particular.
pub fn check(snap: &Snapshot, eco: Ecosystem, name: &str) -> Option<Imitation> {
    if name.len() > MAX_NAME_LEN {
        return None;
    }
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
    for &list in lists {
        if skel.chars().count() >= 4 {
            for (p, rank) in snap.similar(&index_key(KIND_SKELETON, list, &skel)) {
                if p == name || same_scope(p) || legacy_family(snap, name, p) {
                    continue;
                }
                let kind = match (scope, npm_scope(p)) {
                    // A scope dropped or flattened into the name (`sentrybrowser`).
                    (None, Some(_)) => ImitationKind::ScopeConfusion,
                    // A scope put on a popular name: scopes are owned, so that reads as
                    // somebody's own package (`@ethereumjs/util`), like any scoped fork.
                    (Some(_), None) => continue,
                    // Only separators differ (`git-python`, `mem-fs`): established pairs like
                    // these abound; only a confusable character makes a look-alike.
                    _ if compared(name).bytes == compared(p).bytes => continue,
                    _ => ImitationKind::Lookalike,
                };
                consider(0, p, rank, kind);
            }
        }
        // A scoped popular name copied without its scope (`core-auth` for `@azure/core-auth`).
        // Single words (`watch`, `delegate`) are names many packages hold independently, and
        // `@types/x` is typings for the real `x`.
        if scope.is_none() && name.len() >= MIN_SCOPED_BARE && name.contains(['-', '_', '.']) {
            for (p, rank) in snap.similar(&index_key(KIND_BARE, list, name)) {
                if rank <= TYPO_TARGET_MAX_RANK && npm_scope(p) != Some("types") {
                    consider(1, p, rank, ImitationKind::ScopeConfusion);
                }
            }
        }
        for core in combo_core(eco, name) {
            if let Some(rank) = snap.popular_rank(list, core)
                && rank <= TYPO_TARGET_MAX_RANK
                && !same_scope(core)
            {
                consider(2, core, rank, ImitationKind::Combo);
            }
        }
        for core in version_cores(name) {
            if let Some(rank) = snap.popular_rank(list, core)
                && rank <= TYPO_TARGET_MAX_RANK
                && !same_scope(core)
            {
                consider(2, core, rank, ImitationKind::VersionTag);
            }
        }
    }
    for c in candidates(snap, eco, name) {
        if let Ok((score, kind)) = c.verdict {
            consider(score, c.imitates, c.rank, kind);
        }
    }
    // A slip with a version number put on it (`reqyest3`, `tiktok4`): the slip is judged on
    // the name without the number, against popular names that carry none themselves.
    if let Some(rest) = versioned_rest(name) {
        for c in candidates(snap, eco, rest) {
            if let Ok((score, kind)) = c.verdict
                && !c.imitates.ends_with(|ch: char| ch.is_ascii_digit())
                && c.rank <= VERSIONED_SLIP_MAX_RANK
            {
                consider(score + 1, c.imitates, c.rank, kind);
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
            ("tornado", "tonrado", 1, Some(1)),
        ] {
            assert_eq!(
                osa_distance(a.as_bytes(), b.as_bytes(), max),
                want,
                "{a} {b}"
            );
        }
    }

    #[test]
    fn alignments_name_the_edits() {
        let al = |q: &str, p: &str| align(q.as_bytes(), p.as_bytes(), 3, &mut Vec::new());
        let e = |op, q, p| Some(vec![Edit { op, q, p }]);
        assert_eq!(al("reqeusts", "requests"), e(Op::Swap, 3, 3));
        assert_eq!(al("requestss", "requests"), e(Op::Ins, 7, 7));
        assert_eq!(al("tensorflo", "tensorflow"), e(Op::Del, 9, 9));
        assert_eq!(al("requexts", "requests"), e(Op::Sub, 5, 5));
        assert_eq!(al("abcdefgh", "stuvwxyz"), None);
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
    fn long_names_cost_little_and_match_nothing() {
        let snap = crate::reputation::store::embedded();
        let long = "a".repeat(10_000);
        assert_eq!(check(&snap, Ecosystem::Npm, &long), None);
        assert!(candidates(&snap, Ecosystem::Npm, &long).is_empty());
        // Up to the bound, names are compared; a popular name padded with separators is still
        // recognised as long as the whole name is within it.
        let padded = format!("l0das{}h", "-".repeat(MAX_NAME_LEN - 6));
        assert_eq!(padded.len(), MAX_NAME_LEN);
        assert!(check(&snap, Ecosystem::Npm, &padded).is_some());
        let over = format!("l0das{}h", "-".repeat(MAX_NAME_LEN - 5));
        assert_eq!(check(&snap, Ecosystem::Npm, &over), None);
        // The alignment is banded: a long pair costs its length times the band, not its square.
        let a = "ab".repeat(100);
        let mut b = a.clone();
        b.insert(100, 'x');
        assert_eq!(osa_distance(a.as_bytes(), b.as_bytes(), 3), Some(1));
    }

    fn edit(op: Op, slip: Slip, rare: bool) -> EditInfo {
        EditInfo {
            op,
            slip,
            q: 3,
            p: 3,
            first: false,
            last: false,
            word_start: 0,
            word_len: 9,
            q_word_len: 9,
            known_word: false,
            version: false,
            rare,
        }
    }

    #[test]
    fn popularity_widens_what_counts() {
        assert_eq!(
            [4, 5, 6, 9, 12].map(any_edit_rank),
            [30, 60, 120, 960, 7_680]
        );
        assert_eq!(any_edit_rank(10_000), ANY_EDIT_RANK_AT_4 << 16);
        assert_eq!(
            [0, 1, 13, 100, 1_000, 4_999, 5_000, u32::MAX].map(rank_allowance),
            [0, 18, 12, 8, 3, 0, 0, 0]
        );
        // Two unrelated letters, one leaving a rare triple, in a name of 9 letters: a garble
        // of a top-20 name, a coincidence near a name of rank 4,000.
        let two = [
            edit(Op::Sub, Slip::Other, true),
            edit(Op::Sub, Slip::Other, false),
        ];
        assert_eq!(judge(9, 13, &two), Ok((2, ImitationKind::Garble)));
        assert!(judge(9, 4_000, &two).is_err());
        // One unrelated letter in a name of 6: only against the 120 most popular.
        let one = [edit(Op::Sub, Slip::Other, false)];
        assert!(judge(6, 120, &one).is_ok());
        assert!(judge(6, 121, &one).is_err());
        // Swaps keep the top-300 allowance at the first letter.
        let mut swap = edit(Op::Swap, Slip::Swap, false);
        swap.first = true;
        assert!(judge(6, 300, &[swap]).is_ok());
        assert!(judge(6, 301, &[swap]).is_err());
    }

    #[test]
    fn a_vowel_is_a_slip_alone_and_any_letter_among_several() {
        // Alone, inside a name of 7+ letters: spelt by ear (`pycripto`).
        assert_eq!(
            judge(8, 1_390, &[edit(Op::Sub, Slip::Vowel, false)]),
            Ok((1, ImitationKind::Typo))
        );
        // Among several slips it costs what an unrelated letter costs (`fifolock`): too
        // much, with another unrelated letter, for a name of eight letters of rank 4,000.
        let vowel_and_other = [
            edit(Op::Sub, Slip::Vowel, false),
            edit(Op::Sub, Slip::Other, true),
        ];
        assert_eq!(
            judge(8, 4_000, &vowel_and_other),
            Err("too many or too unlikely slips")
        );
        let neighbour_and_other = [
            edit(Op::Sub, Slip::Neighbour, false),
            edit(Op::Sub, Slip::Other, true),
        ];
        assert!(judge(8, 4_000, &neighbour_and_other).is_ok());
    }

    #[test]
    fn slips_that_only_rewrite_the_start_are_another_name() {
        let at = |p: usize, slip: Slip| {
            let mut e = edit(Op::Sub, slip, true);
            (e.p, e.q, e.first) = (p, p, p == 0);
            e
        };
        // `tkcalendar`/`icalendar`, `lmcache`/`memcache`: the first two letters changed.
        let start = [at(0, Slip::Other), at(1, Slip::Neighbour)];
        assert_eq!(judge(9, 13, &start), Err("the start rewritten"));
        // The same slips further in are a garble.
        let inside = [at(2, Slip::Other), at(4, Slip::Neighbour)];
        assert_eq!(judge(9, 13, &inside), Ok((2, ImitationKind::Garble)));
        // Letters doubled at the start rewrite nothing.
        let doubled = [at(0, Slip::Doubled), at(1, Slip::Doubled)];
        assert!(judge(9, 13, &doubled).is_ok());
    }

    #[test]
    fn a_word_is_as_long_as_what_is_compared_of_it() {
        // `python-iso639` is compared without its version number: its word `iso` has three
        // letters, so two slips in it rewrite it (`python-miio`), they do not garble it.
        let snap = crate::reputation::store::embedded();
        let c = candidates(&snap, Ecosystem::Pypi, "python-miio")
            .into_iter()
            .find(|c| c.imitates == "python-iso639" && c.unversioned)
            .expect("python-iso639 is a typo target");
        assert!(c.edits.iter().all(|e| e.word_len == 3), "{:?}", c.edits);
        assert_eq!(c.verdict, Err("a word rewritten"));
    }

    #[test]
    fn a_short_word_is_judged_as_the_query_spells_it() {
        let mut e = edit(Op::Sub, Slip::Other, false);
        e.word_len = 3; // `gyp` in `node-gyp`
        e.q_word_len = 7; // `nodeglp`: one word, not another acronym
        assert_ne!(judge(7, 10, &[e]), Err("short word"));
        e.q_word_len = 3; // `node-glp`
        assert_eq!(judge(7, 10, &[e]), Err("short word"));
    }

    #[test]
    fn version_tags() {
        fn cores(n: &str) -> Vec<&str> {
            version_cores(n).collect()
        }
        assert_eq!(cores("httpxv2"), ["httpx"]);
        assert_eq!(cores("redis-v4"), ["redis"]);
        assert_eq!(cores("glob10"), ["glob"]);
        assert_eq!(cores("vue-loader-v15"), ["vue-loader", "vue-loader-v"]);
        // `cliv12`: the rest `cli` is too short, but `cliv` is a name of its own.
        assert_eq!(cores("cliv12"), ["cliv"]);
        for none in [
            "redis2",
            "redis-2",
            "redis-518",
            "base64",
            "es6-10",
            "v10",
            "",
        ] {
            assert!(cores(none).is_empty(), "{none}");
        }
    }

    #[test]
    fn forks() {
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
            // A major version put on a popular name; not a fork's digit, a long number or a
            // bit width.
            (Ecosystem::Pypi, "httpxv2", Some(("httpx", VersionTag))),
            (Ecosystem::Npm, "redis-v4", Some(("redis", VersionTag))),
            (Ecosystem::Npm, "react18", Some(("react", VersionTag))),
            (
                Ecosystem::Npm,
                "react-dom-16",
                Some(("react-dom", VersionTag)),
            ),
            (Ecosystem::Pypi, "requests-518", None),
            (Ecosystem::Pypi, "requests64", None),
            (Ecosystem::Pypi, "requests-2", None),
            (Ecosystem::Npm, "@aws-sdk/client-sfn", None), // same scope: owned by one org
            // Repeated letters beat other one-edit neighbours (`wget2` is also one edit away).
            (Ecosystem::Brew, "wgett", Some(("wget", DoubledLetter))),
            // Swaps next to an `rn`, once hidden by the look-alike folding `rn` → `m`.
            (Ecosystem::Pypi, "tonrado", Some(("tornado", Typo))),
            (Ecosystem::Pypi, "uvicron", Some(("uvicorn", Typo))),
            (
                Ecosystem::Pypi,
                "trnasformers",
                Some(("transformers", Typo)),
            ),
            (Ecosystem::Pypi, "keyrnig", Some(("keyring", Typo))),
            (
                Ecosystem::Pypi,
                "tensorflo",
                Some(("tensorflow", Truncation)),
            ),
            (
                Ecosystem::Pypi,
                "requestss",
                Some(("requests", DoubledLetter)),
            ),
            (
                Ecosystem::Pypi,
                "beautifulsop",
                Some(("beautifulsoup4", Typo)),
            ),
            (
                Ecosystem::Pypi,
                "requests-install",
                Some(("requests", Combo)),
            ),
            (Ecosystem::Pypi, "pythonhttpx", Some(("httpx", Combo))),
            (
                Ecosystem::Npm,
                "babel-pzugin-transform-es2015-modues-commonjs",
                Some(("babel-plugin-transform-es2015-modules-commonjs", Garble)),
            ),
            (
                Ecosystem::Npm,
                "core-rest-pipeline",
                Some(("@azure/core-rest-pipeline", ScopeConfusion)),
            ),
            (Ecosystem::Npm, "l0dash", Some(("lodash", Lookalike))),
            // Letters side by side that hardly any popular name has make two unrelated letters
            // a garble; against a very popular name a garble may carry more.
            (Ecosystem::Pypi, "requesxt", Some(("requests", Garble))),
            (
                Ecosystem::Npm,
                "quewynstring",
                Some(("querystring", Garble)),
            ),
            (Ecosystem::Npm, "lru-cahle", Some(("lru-cache", Garble))),
            // A letter changed in a short name counts against the very most popular only:
            // `pytz` (rank 50) has real names one letter away.
            (Ecosystem::Pypi, "pytd", None),
            (Ecosystem::Pypi, "yaql", None),
            // A slip with a version number put on it, judged without the number.
            (Ecosystem::Pypi, "reqeusts2", Some(("requests", Typo))),
            // A vowel for a vowel inside a name of 7+ letters (spelt by ear); not at its end,
            // where it makes another word form.
            (Ecosystem::Pypi, "pycripto", Some(("pycrypto", Typo))),
            (Ecosystem::Pypi, "schedula", None),
            // The last letter lost from a name of six letters, a neighbouring key at the end
            // of one of five or more.
            (Ecosystem::Pypi, "pytes", Some(("pytest", Truncation))),
            (Ecosystem::Pypi, "pandad", Some(("pandas", Typo))),
            // The ecosystem's language word glued on after the name.
            (Ecosystem::Pypi, "requestspy", Some(("requests", Combo))),
            (Ecosystem::Npm, "expressjs", Some(("express", Combo))),
            // Not imitations: separators only, versions, another word, an affix, a new scope,
            // a pre-scope family, a companion word.
            (Ecosystem::Pypi, "git-python", None),
            (Ecosystem::Pypi, "bootstrap4", None),
            (Ecosystem::Pypi, "elasticsearch9", None),
            (Ecosystem::Npm, "jsdom-x", None),
            (Ecosystem::Npm, "lodash.pickby", None),
            (Ecosystem::Npm, "@acme/react", None),
            (Ecosystem::Npm, "babel-plugin-syntax-flow", None),
            (Ecosystem::Npm, "lodash-utils", None),
        ] {
            assert_eq!(
                check(eco, name),
                want.map(|(p, k)| (p.to_string(), k)),
                "{eco} {name}"
            );
        }
    }
}

#[cfg(test)]
mod swap_regression {
    use super::*;

    /// Every swap of two neighbouring letters in the 300 most popular names of each ecosystem
    /// is flagged, unless it makes another popular name or stays in the name's npm scope. The
    /// `rn` → `m` folding of look-alikes once hid swaps next to an `rn` (`tonrado`,
    /// `kuberentes`, `uvicron`).
    #[test]
    fn every_adjacent_swap_of_a_top_300_name_is_flagged() {
        let snap = crate::reputation::store::embedded();
        for (eco, list) in [
            (Ecosystem::Pypi, PopularList::Pypi),
            (Ecosystem::Npm, PopularList::Npm),
        ] {
            let mut top: Vec<(u32, String)> = snap
                .popular_entries()
                .into_iter()
                .filter(|(tag, _, rank)| *tag == list.tag() && (1..=300).contains(rank))
                .map(|(_, name, rank)| (rank, name))
                .collect();
            top.sort();
            assert_eq!(top.len(), 300, "{eco}");
            let (mut tried, mut missed) = (0, Vec::new());
            // Names of three letters or fewer are not typo targets: too many real names are a
            // swap away from them (`ras`, `ppi`).
            for (_, name) in top
                .iter()
                .filter(|(_, n)| compared(n).bytes.len() >= MIN_TARGET_LEN)
            {
                let b = name.as_bytes();
                for i in 0..b.len().saturating_sub(1) {
                    let (x, y) = (b[i], b[i + 1]);
                    if x == y || !x.is_ascii_alphanumeric() || !y.is_ascii_alphanumeric() {
                        continue;
                    }
                    let mut s = b.to_vec();
                    s.swap(i, i + 1);
                    let swapped = String::from_utf8(s).unwrap();
                    // A name in the same npm scope can only come from the scope's owner.
                    if snap.popular_rank(list, &swapped).is_some()
                        || npm_scope(&swapped).is_some_and(|s| npm_scope(name) == Some(s))
                    {
                        continue;
                    }
                    tried += 1;
                    if check(&snap, eco, &swapped).is_none() {
                        missed.push(format!("{swapped} ({name})"));
                    }
                }
            }
            assert!(tried > 1_000, "{eco}: {tried}");
            assert!(
                missed.is_empty(),
                "{eco}: {} of {tried} missed: {missed:?}",
                missed.len()
            );
        }
    }
}

#[cfg(test)]
mod no_panic {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// Any string, popular-looking or not, ASCII or not, gets an answer without a panic.
        #[test]
        fn check_never_panics(
            parts in proptest::collection::vec(
                prop_oneof![
                    proptest::sample::select(vec![
                        "lodash", "requests", "@babel/", "react", "-", ".", "_", "/", "@", "0",
                        "1", "rn", "py", "js", "é", "\u{0}", "beautifulsoup4",
                    ])
                    .prop_map(str::to_string),
                    proptest::collection::vec(any::<char>(), 0..6)
                        .prop_map(|v| v.into_iter().collect::<String>()),
                ],
                0..12,
            )
        ) {
            let snap = crate::reputation::store::embedded();
            let name: String = parts.concat();
            for eco in [Ecosystem::Pypi, Ecosystem::Npm, Ecosystem::Brew] {
                let _ = check(&snap, eco, &name);
                let _ = check(&snap, eco, &eco.normalize(&name));
            }
        }
    }
}
