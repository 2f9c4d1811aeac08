//! Measures the name-imitation check on real data, the way a user would feel it:
//! recall on real malicious names that imitate a popular package, and false alarms on
//! legitimate but less popular packages.
//!
//! Hold-out design: the detector's reference list is ranks 1..=5000 of each popular list
//! (PyPI, npm); ranks 5001..=10000 are legitimate names the detector has never seen, i.e. the
//! "long tail" whose false-alarm rate we want. Malicious names come from the OpenSSF reports.
//! The oracle for "imitates a popular package" is deliberately broader than the detector:
//! optimal-string-alignment distance <= 2 to a reference name of 5+ characters, the same
//! separator/look-alike skeleton, or the reference name plus/minus a filler word.
//!
//! Usage: cargo run --release --example imitation_eval -- ../shared/data

use std::borrow::Cow;
use std::path::Path;
use std::time::Instant;

use installguard::ecosystem::Ecosystem;
use installguard::reputation::imitation::{self, osa_distance, skeleton};
use installguard::reputation::import::{Builder, add_malicious_jsonl};
use installguard::reputation::snapshot::{PopularList, Snapshot};

const REFERENCE: usize = 5_000;

/// Stop with a message naming what is missing, instead of a panic (the data directory is not
/// part of the repository).
fn missing(what: &dyn std::fmt::Display) -> ! {
    eprintln!(
        "imitation_eval: {what}\nusage: cargo run --release --example imitation_eval -- DATA_DIR \
         (a directory holding malicious/before-2025-01-01.jsonl and popular/{{pypi,npm}}.tsv)"
    );
    std::process::exit(2)
}

fn read_list(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| missing(&format_args!("{}: {e}", path.display())))
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .map(str::to_string)
        .collect()
}

/// Filler words for the oracle's combo category: broader than the detector's list.
const ORACLE_FILLERS: &[&str] = &[
    "js", "node", "nodejs", "py", "python", "python3", "dev", "lib", "official", "pkg", "package",
    "latest", "new", "secure", "fixed", "utils", "util", "sdk", "api", "cli", "core", "tool",
    "tools", "plus", "pro", "helper", "helpers", "next", "beta", "test", "update", "patch", "fix",
    "v2", "2", "3",
];

/// Which category of imitation the oracle sees, and the imitated name.
fn oracle(
    name: &str,
    reference: &[String],
    reference_set: &std::collections::HashSet<&str>,
) -> Option<(&'static str, String)> {
    let skel = skeleton(name);
    let mut combo = None;
    for w in ORACLE_FILLERS {
        for sep in ["-", "_", ".", ""] {
            let cores = [
                name.strip_suffix(w).and_then(|r| r.strip_suffix(sep)),
                name.strip_prefix(w).and_then(|r| r.strip_prefix(sep)),
            ];
            for core in cores.into_iter().flatten() {
                if core.len() >= 4 && reference_set.contains(core) {
                    combo = Some(core.to_string());
                }
            }
        }
    }
    let scope = |n: &str| {
        n.strip_prefix('@')
            .and_then(|r| r.split_once('/'))
            .map(|(s, _)| s.to_string())
    };
    let mut found: Option<(&'static str, String)> = None;
    for p in reference {
        if scope(p).is_some() && scope(p) == scope(name) {
            continue; // another package in an owned scope cannot be a third party's squat
        }
        let cat = if p.len() >= 4 && skeleton(p) == skel {
            Some("lookalike")
        } else if p.len() >= 5 && osa_distance(name.as_bytes(), p.as_bytes(), 1).is_some() {
            Some("one-edit")
        } else if p.len() >= 10 && osa_distance(name.as_bytes(), p.as_bytes(), 2).is_some() {
            Some("two-edits")
        } else if combo.as_deref() == Some(p.as_str()) {
            Some("combo")
        } else {
            None
        };
        if let Some(c) = cat
            && found
                .as_ref()
                .is_none_or(|(fc, _)| rank_cat(c) < rank_cat(fc))
        {
            found = Some((c, p.clone()));
        }
    }
    found
}

fn rank_cat(c: &str) -> u8 {
    match c {
        "lookalike" => 0,
        "one-edit" => 1,
        "combo" => 2,
        _ => 3,
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/data".into());
    let dir = Path::new(&dir);
    let mut builder = Builder::default();
    let mal_file = dir.join("malicious/before-2025-01-01.jsonl");
    if let Err(e) = add_malicious_jsonl(&mut builder, &mal_file) {
        missing(&e);
    }
    let lists = [
        (
            Ecosystem::Pypi,
            PopularList::Pypi,
            read_list(&dir.join("popular/pypi.tsv")),
        ),
        (
            Ecosystem::Npm,
            PopularList::Npm,
            read_list(&dir.join("popular/npm.tsv")),
        ),
    ];
    for (eco, list, names) in &lists {
        for (i, n) in names.iter().take(REFERENCE).enumerate() {
            let _ = eco;
            builder.add_popular(*list, n, i as u32 + 1);
        }
    }
    let bytes = builder.finish("eval".into()).unwrap();
    let snap = Snapshot::open(Cow::Owned(bytes)).unwrap();

    let malicious: Vec<(Ecosystem, String)> = std::fs::read_to_string(&mal_file)
        .unwrap_or_else(|e| missing(&format_args!("{}: {e}", mal_file.display())))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let eco = Ecosystem::from_osv_name(v["ecosystem"].as_str().unwrap()).unwrap();
            (eco, eco.normalize(v["name"].as_str().unwrap()))
        })
        .collect();

    println!(
        "reference: top {REFERENCE} names per ecosystem; legitimate hold-out: ranks {}..=10000",
        REFERENCE + 1
    );
    for (eco, _, names) in &lists {
        let reference: Vec<String> = names
            .iter()
            .take(REFERENCE)
            .map(|n| eco.normalize(n))
            .collect();
        // Recall on malicious names that imitate a reference name, per oracle category.
        let reference_set: std::collections::HashSet<&str> =
            reference.iter().map(String::as_str).collect();
        let (mut flagged_any, mut total) = (0, 0);
        let mut per_cat: std::collections::BTreeMap<&str, (usize, usize)> = Default::default();
        let mut missed = Vec::new();
        for (e, name) in malicious.iter().filter(|(e, _)| e == eco) {
            total += 1;
            let hit = imitation::check(&snap, *e, name);
            if hit.is_some() {
                flagged_any += 1;
            }
            if let Some((cat, target)) = oracle(name, &reference, &reference_set) {
                let c = per_cat.entry(cat).or_default();
                c.0 += 1;
                if hit.is_some() {
                    c.1 += 1;
                } else if missed.len() < 60 {
                    missed.push(format!("{name}~{target}({cat})"));
                }
            }
        }
        let positives: usize = per_cat.values().map(|c| c.0).sum();
        let found: usize = per_cat.values().map(|c| c.1).sum();
        // False alarms on the legitimate hold-out.
        let legit: Vec<String> = names
            .iter()
            .skip(REFERENCE)
            .map(|n| eco.normalize(n))
            .collect();
        let mut alarms = Vec::new();
        let mut alarm_kinds: std::collections::BTreeMap<String, usize> = Default::default();
        let mut blocks = 0;
        let start = Instant::now();
        for n in &legit {
            if let Some(i) = imitation::check(&snap, *eco, n) {
                *alarm_kinds.entry(format!("{:?}", i.kind)).or_default() += 1;
                alarms.push(format!("{n}~{}({:?}{})", i.imitates, i.kind, i.rank));
            }
        }
        let per_name = start.elapsed().as_secs_f64() * 1e6 / legit.len() as f64;
        for n in &legit {
            if snap.malicious(*eco, n).is_some_and(|r| r.all_versions()) {
                blocks += 1;
            }
        }
        println!("\n{eco}:");
        println!(
            "  recall      {found}/{positives} = {:.1}% of malicious names that imitate a top-{REFERENCE} name",
            100.0 * found as f64 / positives.max(1) as f64
        );
        for (cat, (n, f)) in &per_cat {
            println!(
                "    {cat:10} {f}/{n} = {:.1}%",
                100.0 * *f as f64 / *n as f64
            );
        }
        println!(
            "  flagged     {flagged_any}/{total} = {:.1}% of all malicious names",
            100.0 * flagged_any as f64 / total as f64
        );
        println!(
            "  false alarms {}/{} = {:.2}% of legitimate hold-out names; false blocks {blocks} ({:.2}%)",
            alarms.len(),
            legit.len(),
            100.0 * alarms.len() as f64 / legit.len() as f64,
            100.0 * blocks as f64 / legit.len() as f64
        );
        for (kind, n) in &alarm_kinds {
            println!("    {kind:14} {n}");
        }
        println!("  time        {per_name:.1} µs per name (imitation check)");
        println!("  missed e.g. {}", missed.join(" "));
        println!(
            "  alarms e.g. {}",
            alarms
                .iter()
                .take(100)
                .cloned()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}
