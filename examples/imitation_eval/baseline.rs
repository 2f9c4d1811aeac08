//! The baseline: the imitation check as it stood at commit 544c2e1 (deletion neighbourhoods of
//! popular skeletons, one keystroke slip, two in long names, eight filler words), kept here
//! unchanged in its rules so the evaluation can measure it on the same sets and the same
//! oracle as the current check. Its index lives in memory, built from the reference names the
//! evaluation gives it, as the old snapshot built it from the embedded lists. Not part of the
//! product: the evaluation's comparison point only.

use std::collections::HashMap;

use installguard::ecosystem::Ecosystem;

/// What the old check said: the imitated name, its rank and the kind (`typo`, `lookalike`,
/// `scope-confusion`, `combo`).
pub struct Hit {
    pub imitates: String,
    pub rank: u32,
    pub kind: &'static str,
}

const TYPO_TARGET_MAX_RANK: u32 = 5_000;
const ANY_EDIT_MAX_RANK: u32 = 300;
const COMBO_WORDS: &[&str] = &[
    "official", "secure", "latest", "fixed", "patched", "updated", "new", "real",
];
const LONG_NAME: usize = 10;

fn combo_words(eco: Ecosystem) -> impl Iterator<Item = (&'static str, bool)> {
    let own: &[(&str, bool)] = match eco {
        Ecosystem::Npm => &[("js", true)],
        Ecosystem::Pypi => &[("py", false)],
        Ecosystem::Brew => &[],
    };
    COMBO_WORDS
        .iter()
        .map(|w| (*w, true))
        .chain(own.iter().copied())
}

fn skeleton(name: &str) -> String {
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

fn typo_forms(skel: &str) -> Vec<&str> {
    let stripped = skel.trim_end_matches(|c: char| c.is_ascii_digit());
    if stripped != skel && stripped.chars().count() >= 5 {
        vec![skel, stripped]
    } else {
        vec![skel]
    }
}

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

/// The old snapshot's similarity index and popular map, for one ecosystem's list.
pub struct Baseline {
    eco: Ecosystem,
    rank: HashMap<String, u32>,
    skeletons: HashMap<String, Vec<(String, u32)>>,
    deletion: HashMap<String, Vec<(String, u32)>>,
}

impl Baseline {
    /// `reference`: normalised names, most popular first (rank = position + 1).
    pub fn new(eco: Ecosystem, reference: &[String]) -> Baseline {
        let mut b = Baseline {
            eco,
            rank: HashMap::new(),
            skeletons: HashMap::new(),
            deletion: HashMap::new(),
        };
        for (i, name) in reference.iter().enumerate() {
            let rank = i as u32 + 1;
            b.rank.entry(name.clone()).or_insert(rank);
            let skel = skeleton(name);
            if skel.chars().count() < 4 {
                continue;
            }
            b.skeletons
                .entry(skel.clone())
                .or_default()
                .push((name.clone(), rank));
            if rank <= TYPO_TARGET_MAX_RANK {
                let mut keys: Vec<String> = Vec::new();
                for form in typo_forms(&skel) {
                    for v in deletions(form) {
                        if !keys.contains(&v) {
                            keys.push(v);
                        }
                    }
                }
                for k in keys {
                    b.deletion.entry(k).or_default().push((name.clone(), rank));
                }
            }
        }
        b
    }

    /// The old `imitation::check`, rule for rule.
    pub fn check(&self, name: &str) -> Option<Hit> {
        if self.rank.contains_key(name) {
            return None;
        }
        let scope = npm_scope(name);
        let same_scope = |p: &str| scope.is_some() && npm_scope(p) == scope;
        let mut best: Option<(u8, Hit)> = None;
        let mut consider = |score: u8, imitates: &str, rank: u32, kind: &'static str| {
            let better = match &best {
                None => true,
                Some((s, b)) => (score, rank.wrapping_sub(1)) < (*s, b.rank.wrapping_sub(1)),
            };
            if better {
                best = Some((
                    score,
                    Hit {
                        imitates: imitates.to_string(),
                        rank,
                        kind,
                    },
                ));
            }
        };
        let empty = Vec::new();
        let skel = skeleton(name);
        if skel.chars().count() >= 4 {
            for (p, rank) in self.skeletons.get(&skel).unwrap_or(&empty) {
                if p == name || same_scope(p) {
                    continue;
                }
                let kind = if npm_scope(p).is_some() == scope.is_some() {
                    "lookalike"
                } else {
                    "scope-confusion"
                };
                consider(0, p, *rank, kind);
            }
        }
        for v in &deletions(&skel) {
            for (p, rank) in self.deletion.get(v).unwrap_or(&empty) {
                let rank = *rank;
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
                let two_slips_plausible = || {
                    let pb = p.as_bytes();
                    let at = first_difference(name.as_bytes(), pb).min(pb.len().saturating_sub(1));
                    !pb.iter().any(u8::is_ascii_digit) && segment_len(pb, at) >= 6
                };
                if let Some(score) = score
                    && (score < 2 || two_slips_plausible())
                {
                    consider(score, p, rank, "typo");
                }
            }
        }
        for core in combo_core(self.eco, name) {
            if let Some(&rank) = self.rank.get(core)
                && rank <= TYPO_TARGET_MAX_RANK
            {
                consider(2, core, rank, "combo");
            }
        }
        best.map(|(_, h)| h)
    }
}

fn osa_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
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

fn edit_in_short_segment(q: &str, p: &str) -> bool {
    let (qb, pb) = (q.as_bytes(), p.as_bytes());
    if pb.is_empty() || qb.len() != pb.len() {
        return false;
    }
    let at = first_difference(qb, pb).min(pb.len() - 1);
    segment_len(pb, at) <= 3
}

fn fork_suffix(q: &str, p: &str) -> bool {
    q.strip_prefix(p).is_some_and(|rest| {
        let mut c = rest.chars();
        matches!(c.next(), Some('-' | '_' | '.')) && c.count() == 1
    })
}

fn npm_scope(name: &str) -> Option<&str> {
    name.strip_prefix('@')?.split_once('/').map(|(s, _)| s)
}

fn typo(q: &str, p: &str, rank: u32) -> Option<u8> {
    let (qb, pb) = (q.as_bytes(), p.as_bytes());
    match osa_distance(qb, pb, 2) {
        Some(1) => {}
        Some(2) if pb.len() >= LONG_NAME && !digit_suffix_pair(q, p) => return Some(2),
        _ => return None,
    }
    let one_word = !pb.iter().any(|&c| is_separator(c as char));
    let any_edit = (rank != 0 && rank <= ANY_EDIT_MAX_RANK) || (pb.len() >= LONG_NAME && one_word);
    if digit_suffix_pair(q, p) {
        return None;
    }
    let at = first_difference(qb, pb);
    let digit = |b: Option<&u8>| b.is_some_and(u8::is_ascii_digit);
    if (digit(qb.get(at)) || digit(pb.get(at))) && collapse_runs(q) != collapse_runs(p) {
        return None;
    }
    let long_enough = pb.len() >= 6;
    let plural = p.strip_suffix('s') == Some(q);
    let first_letter = at == 0 && !(rank != 0 && rank <= ANY_EDIT_MAX_RANK) && pb.len() < 9;
    let at_end =
        plural || first_letter || ((at == 0 || at >= qb.len().min(pb.len())) && pb.len() < 7);
    match qb.len().cmp(&pb.len()) {
        std::cmp::Ordering::Less => {
            let doubled = at > 0 && pb.get(at) == pb.get(at - 1) || pb.get(at) == pb.get(at + 1);
            if doubled && pb.len() >= 4 {
                Some(0)
            } else {
                (long_enough && !at_end).then_some(1)
            }
        }
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

fn collapse_runs(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

fn digit_suffix_pair(q: &str, p: &str) -> bool {
    if collapse_runs(q) == collapse_runs(p) {
        return false;
    }
    let strip = |s: &str| s.trim_end_matches(|c: char| c.is_ascii_digit()).len();
    let (sq, sp) = (strip(q), strip(p));
    sq == sp && q[..sq] == p[..sp] && q != p
}

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
