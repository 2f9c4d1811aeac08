//! Time-split evaluation of the name-imitation check on real data, per ecosystem (PyPI, npm):
//! recall on real malicious look-alikes, false alarms and false blocks on legitimate names,
//! what each kind of rule contributes, and the time per name. Prints figures; changes nothing.
//!
//! Design (see the README section "How well the imitation check works"):
//! - The detector sees only ranks 1–5,000 of each popular list (a snapshot built here from
//!   those, Homebrew's lists and every malicious report, as the product embeds them). Ranks 5,001–10,000 are legitimate names it has never
//!   seen; they are split by the FNV-1a hash of the name: even → tuning half, odd → reporting
//!   half.
//! - Malicious names are split by the report's `published` date: before the cut → tuning set,
//!   from the cut on → reporting set. Names on the popular list themselves (compromised
//!   packages, not imitations) are left out.
//! - Ground truth comes from `oracle.rs`: independent of the detector and broader than it.
//! - Rules were tuned looking only at the tuning sets (`--set tune --show N`); the figures to
//!   quote are the reporting sets'.
//!
//! Usage: `cargo run --release --example imitation_eval -- DATA_DIR [--cut YYYY-MM-DD]
//! [--show N] [--set tune|report]` where DATA_DIR is laid out like the project's shared data
//! (`malicious/*.jsonl`, `popular/pypi.tsv`, `popular/npm.tsv`).

mod oracle;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use installguard::ecosystem::{Ecosystem, Manager};
use installguard::reputation::Data;
use installguard::reputation::imitation::{self, ImitationKind};
use installguard::reputation::import::{Builder, add_malicious_jsonl, add_popular_list};
use installguard::reputation::snapshot::{PopularList, Snapshot};
use installguard::request::{Origin, Request, Target};
use installguard::verdict::{self, Verdict};

use oracle::{Category, Oracle};

const REFERENCE: usize = 5_000;
const LEGIT_END: usize = 10_000;

struct Args {
    dir: PathBuf,
    cut: String,
    show: usize,
    sets: Vec<Set>,
    /// Write every candidate of the tuning sets as JSON lines here (for studying the rules).
    dump: Option<PathBuf>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Set {
    Tune,
    Report,
}

impl Set {
    fn label(self) -> &'static str {
        match self {
            Set::Tune => "tune",
            Set::Report => "report",
        }
    }
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::new(),
        cut: "2024-07-01".into(),
        show: 0,
        sets: vec![Set::Tune, Set::Report],
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().ok_or(format!("{a} needs {what}"));
        match a.as_str() {
            "--cut" => args.cut = value("a date (YYYY-MM-DD)")?,
            "--dump" => args.dump = Some(PathBuf::from(value("a file")?)),
            "--show" => {
                args.show = value("a number")?
                    .parse()
                    .map_err(|e| format!("--show: {e}"))?
            }
            "--set" => {
                args.sets = match value("tune or report")?.as_str() {
                    "tune" => vec![Set::Tune],
                    "report" => vec![Set::Report],
                    other => return Err(format!("--set: expected tune or report, got {other}")),
                }
            }
            _ if a.starts_with('-') => return Err(format!("unknown option {a}")),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a}")),
        }
    }
    args.dir = dir.ok_or(
        "usage: imitation_eval DATA_DIR [--cut YYYY-MM-DD] [--show N] [--set tune|report]",
    )?;
    if args.cut.len() != 10 || !args.cut.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
        return Err(format!("--cut: expected YYYY-MM-DD, got {}", args.cut));
    }
    Ok(args)
}

fn read_list(path: &Path) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(text
        .lines()
        .skip(1)
        .filter_map(|l| l.split('\t').next())
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect())
}

/// FNV-1a, 32 bits: a stable split that anyone can recompute.
fn fnv1a(s: &str) -> u32 {
    s.bytes().fold(0x811c_9dc5, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    })
}

/// Wilson score interval (95 %) for `k` of `n`, in percent.
fn wilson(k: usize, n: usize) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let (k, n, z) = (k as f64, n as f64, 1.96f64);
    let p = k / n;
    let centre = p + z * z / (2.0 * n);
    let spread = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt();
    let denom = 1.0 + z * z / n;
    (
        100.0 * (centre - spread) / denom,
        100.0 * (centre + spread) / denom,
    )
}

fn rate(k: usize, n: usize) -> String {
    let (lo, hi) = wilson(k, n);
    format!(
        "{k}/{n} = {:.1}% [{lo:.1}–{hi:.1}]",
        100.0 * k as f64 / n.max(1) as f64
    )
}

#[derive(Default)]
struct Figures {
    malicious: usize,
    positives: usize,
    found: usize,
    /// oracle category → (positives, found)
    by_category: BTreeMap<Category, (usize, usize)>,
    /// detector kind → found positives
    found_by_kind: BTreeMap<ImitationKind, usize>,
    /// malicious names flagged that the oracle does not count
    flagged_other: usize,
    /// malicious names that put a new scope on a reference name (not counted as look-alikes)
    scope_added: usize,
    legit: usize,
    alarms: usize,
    alarms_by_kind: BTreeMap<ImitationKind, usize>,
    blocks: usize,
    misses: BTreeMap<Category, Vec<String>>,
    alarm_list: Vec<String>,
    times_ns: Vec<u64>,
}

fn timed<T>(times: &mut Vec<u64>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    times.push(start.elapsed().as_nanos() as u64);
    out
}

fn blocked(data: &Data, eco: Ecosystem, name: &str) -> bool {
    let manager = match eco {
        Ecosystem::Pypi => Manager::Pip,
        Ecosystem::Npm => Manager::Npm,
        Ecosystem::Brew => Manager::Brew,
    };
    let request = Request {
        grammar: None,
        program: manager.as_str().into(),
        manager,
        installs: true,
        targets: vec![Target::registry(eco, name, None, Origin::Argv)],
        sources: Vec::new(),
        scripts: Vec::new(),
    };
    verdict::evaluate(&request, data).verdict == Verdict::Block
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imitation_eval: {e}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let dir = &args.dir;
    let mal_dir = dir.join("malicious");
    let mut mal_files: Vec<PathBuf> = std::fs::read_dir(&mal_dir)
        .map_err(|e| {
            format!(
                "{}: {e} (give the shared data directory)",
                mal_dir.display()
            )
        })?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    mal_files.sort();
    let mut builder = Builder::default();
    let mut malicious: Vec<(Ecosystem, String, String)> = Vec::new(); // (eco, name, published)
    for f in &mal_files {
        add_malicious_jsonl(&mut builder, f).map_err(|e| e.0)?;
        let text = std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?;
        for (i, line) in text.lines().enumerate() {
            let v: serde_json::Value = serde_json::from_str(line)
                .map_err(|e| format!("{}:{}: {e}", f.display(), i + 1))?;
            let field = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            if let Some(eco) = Ecosystem::from_osv_name(&field("ecosystem")) {
                malicious.push((eco, eco.normalize(&field("name")), field("published")));
            }
        }
    }
    let lists = [
        (Ecosystem::Pypi, PopularList::Pypi, "pypi.tsv"),
        (Ecosystem::Npm, PopularList::Npm, "npm.tsv"),
    ];
    let mut popular = Vec::new();
    for (eco, list, file) in lists {
        let names: Vec<String> = read_list(&dir.join("popular").join(file))?
            .iter()
            .map(|n| eco.normalize(n))
            .collect();
        if names.len() < LEGIT_END {
            return Err(format!("popular/{file}: expected {LEGIT_END} names"));
        }
        for (i, n) in names.iter().take(REFERENCE).enumerate() {
            builder.add_popular(list, n, i as u32 + 1);
        }
        popular.push((eco, names));
    }
    // Homebrew's lists are embedded in the product too (their words count as known words).
    for (list, file) in [
        (PopularList::BrewFormula, "brew-formulae.txt"),
        (PopularList::BrewCask, "brew-casks.txt"),
    ] {
        add_popular_list(&mut builder, list, &dir.join("popular").join(file)).map_err(|e| e.0)?;
    }
    let bytes = builder.finish("eval".into()).map_err(|e| e.0)?;
    let data = Data::new(Snapshot::open(Cow::Owned(bytes)).map_err(|e| e.0)?, None);
    let snap = data.popular();

    println!("Imitation check: time-split evaluation");
    println!(
        "cut {}: tune on reports published before it, report on those published from it",
        args.cut
    );
    println!(
        "reference (what the detector knows): ranks 1–{REFERENCE} of each popular list; legitimate: ranks {}–{LEGIT_END}, split by FNV-1a of the name (even: tune, odd: report)",
        REFERENCE + 1
    );
    println!("rates: found/total = rate [95% Wilson interval]");

    let mut all_times = Vec::new();
    let mut dump = Vec::new();
    for (eco, names) in &popular {
        let known: HashSet<&str> = names.iter().map(String::as_str).collect();
        let oracle = Oracle::new(&names[..REFERENCE]);
        for &set in &args.sets {
            let mut f = Figures::default();
            let in_set = |published: &str| (published < args.cut.as_str()) == (set == Set::Tune);
            for (_, name, _) in malicious
                .iter()
                .filter(|(e, n, p)| e == eco && in_set(p) && !known.contains(n.as_str()))
            {
                f.malicious += 1;
                let hit = timed(&mut f.times_ns, || imitation::check(snap, *eco, name));
                let truth = oracle.judge(name);
                if args.dump.is_some() && set == Set::Tune && truth.is_some() {
                    dump.push(dump_line(snap, *eco, name, "look-alike", &truth, &hit));
                }
                match truth {
                    Some((cat, target)) => {
                        f.positives += 1;
                        let c = f.by_category.entry(cat).or_default();
                        c.0 += 1;
                        match &hit {
                            Some(h) => {
                                f.found += 1;
                                c.1 += 1;
                                *f.found_by_kind.entry(h.kind).or_default() += 1;
                            }
                            None => {
                                let why = imitation::candidates(snap, *eco, name)
                                    .into_iter()
                                    .find(|c| c.imitates == target)
                                    .map_or("not a candidate".to_string(), |c| {
                                        format!(
                                            "{:?} {:?}",
                                            c.verdict,
                                            c.edits.iter().map(|e| e.slip).collect::<Vec<_>>()
                                        )
                                    });
                                f.misses
                                    .entry(cat)
                                    .or_default()
                                    .push(format!("{name} ~ {target}: {why}"))
                            }
                        }
                    }
                    None => {
                        f.flagged_other += usize::from(hit.is_some());
                        f.scope_added += usize::from(oracle.scope_added(name));
                    }
                }
            }
            let legit = names[REFERENCE..LEGIT_END]
                .iter()
                .filter(|n| fnv1a(n).is_multiple_of(2) == (set == Set::Tune));
            for n in legit {
                f.legit += 1;
                let hit = timed(&mut f.times_ns, || imitation::check(snap, *eco, n));
                if args.dump.is_some() && set == Set::Tune {
                    dump.push(dump_line(snap, *eco, n, "legitimate", &None, &hit));
                }
                if let Some(h) = hit {
                    f.alarms += 1;
                    *f.alarms_by_kind.entry(h.kind).or_default() += 1;
                    f.alarm_list.push(format!(
                        "{n} ~ {} ({}, #{})",
                        h.imitates,
                        h.kind.id(),
                        h.rank
                    ));
                }
                f.blocks += usize::from(blocked(&data, *eco, n));
            }
            all_times.extend_from_slice(&f.times_ns);
            print_figures(*eco, set, &f, args.show);
        }
    }
    if let Some(path) = &args.dump {
        std::fs::write(path, dump.join("\n")).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    all_times.sort_unstable();
    if !all_times.is_empty() {
        let pick = |q: f64| all_times[((all_times.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
        let mean = all_times.iter().sum::<u64>() as f64 / all_times.len() as f64 / 1000.0;
        println!(
            "\ntime per name ({} checks, this machine, release build): mean {mean:.1} µs, median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            all_times.len(),
            pick(0.5),
            pick(0.99),
            pick(1.0)
        );
    }
    Ok(())
}

fn print_figures(eco: Ecosystem, set: Set, f: &Figures, show: usize) {
    println!(
        "\n== {eco} ({} set): {} malicious names, {} of them look-alikes of a top-{REFERENCE} name by the oracle",
        set.label(),
        f.malicious,
        f.positives
    );
    println!("  recall        {}", rate(f.found, f.positives));
    for (cat, (n, k)) in &f.by_category {
        println!("    {:40} {}", cat.label(), rate(*k, *n));
    }
    println!(
        "  false alarms  {}   of legitimate names",
        rate(f.alarms, f.legit)
    );
    println!(
        "  false blocks  {}   of legitimate names",
        rate(f.blocks, f.legit)
    );
    println!("  by detector rule: look-alikes found / false alarms");
    let kinds: HashSet<ImitationKind> = f
        .found_by_kind
        .keys()
        .chain(f.alarms_by_kind.keys())
        .copied()
        .collect();
    let mut kinds: Vec<_> = kinds.into_iter().collect();
    kinds.sort();
    for k in kinds {
        println!(
            "    {:16} {:5} / {}",
            k.id(),
            f.found_by_kind.get(&k).copied().unwrap_or(0),
            f.alarms_by_kind.get(&k).copied().unwrap_or(0)
        );
    }
    println!(
        "  also flagged: {} malicious names the oracle does not count as look-alikes",
        f.flagged_other
    );
    if f.scope_added > 0 {
        println!(
            "  not counted: {} malicious names that put a new scope on a top-{REFERENCE} name (`@acme/react`)",
            f.scope_added
        );
    }
    if show > 0 {
        for (cat, list) in &f.misses {
            println!("  missed, {}:", cat.label());
            for m in list.iter().take(show) {
                println!("    {m}");
            }
        }
        println!(
            "  alarms: {}",
            f.alarm_list
                .iter()
                .take(show)
                .cloned()
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
}

fn dump_line(
    snap: &Snapshot,
    eco: Ecosystem,
    name: &str,
    label: &str,
    truth: &Option<(Category, String)>,
    hit: &Option<imitation::Imitation>,
) -> String {
    serde_json::json!({
        "ecosystem": eco.as_str(),
        "label": label,
        "name": name,
        "oracle": truth.as_ref().map(|(c, t)| serde_json::json!({"category": format!("{c:?}"), "imitates": t})),
        "flagged": hit,
        "candidates": imitation::candidates(snap, eco, name),
    })
    .to_string()
}
