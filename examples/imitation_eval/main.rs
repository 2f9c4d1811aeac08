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
//! - Inside the tuning period, reports before `--validate-from` (2024-01-01) and legitimate
//!   names with `h % 4 == 0` are the *fit* slice, where rules are shaped; the rest of the
//!   period (`h % 4 == 2`) is the *validate* slice, which checks that they carry over.
//! - Rules are tuned looking only at the tuning sets (`--set fit,validate --show N`); the
//!   figures to quote are the reporting sets'. The check of commit 544c2e1 (`baseline.rs`) is
//!   measured next to the product's on the same sets.
//!
//! Usage: `cargo run --release --example imitation_eval -- DATA_DIR [--cut YYYY-MM-DD]
//! [--show N] [--set tune|report]` where DATA_DIR is laid out like the project's shared data
//! (`malicious/*.jsonl`, `popular/pypi.tsv`, `popular/npm.tsv`).

mod baseline;
mod oracle;

use std::borrow::Cow;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use installguard::ecosystem::{Ecosystem, Manager};
use installguard::reputation::Data;
use installguard::reputation::imitation;
use installguard::reputation::import::{Builder, add_malicious_jsonl, add_popular_list};
use installguard::reputation::snapshot::{PopularList, Snapshot};
use installguard::request::{Origin, Request, Target};
use installguard::verdict::{self, Verdict};

use baseline::Baseline;
use oracle::{Category, Oracle};

const REFERENCE: usize = 5_000;
const LEGIT_END: usize = 10_000;

struct Args {
    dir: PathBuf,
    cut: String,
    validate_from: String,
    show: usize,
    sets: Vec<Set>,
    detectors: Vec<Detector>,
    /// Write every candidate of the chosen sets as JSON lines here (for studying the rules;
    /// refused for the report set).
    dump: Option<PathBuf>,
}

/// Which names a figure is about. Malicious names by the report's `published` date, legitimate
/// names by the FNV-1a hash of the name (`h`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Set {
    /// Rules are fitted here: reports before `validate_from`; legitimate names with `h % 4 == 0`.
    Fit,
    /// Held out from fitting, inside the tuning period: reports from `validate_from` to the
    /// cut; legitimate names with `h % 4 == 2`. Checks that what was fitted generalises.
    Validate,
    /// Fit and validate together (everything before the cut; `h` even).
    Tune,
    /// The figures to quote: reports from the cut on; legitimate names with `h` odd.
    Report,
}

impl Set {
    fn label(self) -> &'static str {
        match self {
            Set::Fit => "fit",
            Set::Validate => "validate",
            Set::Tune => "tune",
            Set::Report => "report",
        }
    }

    fn parse(s: &str) -> Result<Set, String> {
        Ok(match s {
            "fit" => Set::Fit,
            "validate" => Set::Validate,
            "tune" => Set::Tune,
            "report" => Set::Report,
            other => {
                return Err(format!(
                    "--set: expected fit, validate, tune or report, got {other}"
                ));
            }
        })
    }

    fn has_report(self, published: &str, a: &Args) -> bool {
        let (v, c) = (a.validate_from.as_str(), a.cut.as_str());
        match self {
            Set::Fit => published < v,
            Set::Validate => v <= published && published < c,
            Set::Tune => published < c,
            Set::Report => c <= published,
        }
    }

    fn has_legit(self, name: &str) -> bool {
        let h = fnv1a(name);
        match self {
            Set::Fit => h.is_multiple_of(4),
            Set::Validate => h % 4 == 2,
            Set::Tune => h.is_multiple_of(2),
            Set::Report => h % 2 == 1,
        }
    }
}

/// Which imitation check is measured.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Detector {
    /// The product's `imitation::check`.
    Current,
    /// The check as of commit 544c2e1 (`baseline.rs`).
    Baseline,
}

impl Detector {
    fn label(self) -> &'static str {
        match self {
            Detector::Current => "current",
            Detector::Baseline => "baseline (544c2e1)",
        }
    }
}

/// One finding of either detector.
struct Hit {
    imitates: String,
    rank: u32,
    kind: &'static str,
}

const USAGE: &str = "usage: imitation_eval DATA_DIR [--cut YYYY-MM-DD] [--validate-from YYYY-MM-DD] \
[--set fit,validate,tune,report] [--detector current|baseline|both] [--show N] [--dump FILE]";

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: PathBuf::new(),
        cut: "2024-07-01".into(),
        validate_from: "2024-01-01".into(),
        show: 0,
        sets: vec![Set::Fit, Set::Validate, Set::Tune, Set::Report],
        detectors: vec![Detector::Current, Detector::Baseline],
        dump: None,
    };
    let mut it = std::env::args().skip(1);
    let mut dir = None;
    while let Some(a) = it.next() {
        let mut value = |what: &str| it.next().ok_or(format!("{a} needs {what}"));
        match a.as_str() {
            "--cut" => args.cut = value("a date (YYYY-MM-DD)")?,
            "--validate-from" => args.validate_from = value("a date (YYYY-MM-DD)")?,
            "--dump" => args.dump = Some(PathBuf::from(value("a file")?)),
            "--show" => {
                args.show = value("a number")?
                    .parse()
                    .map_err(|e| format!("--show: {e}"))?;
            }
            "--set" => {
                args.sets = value("a list of sets")?
                    .split(',')
                    .map(Set::parse)
                    .collect::<Result<_, _>>()?;
            }
            "--detector" => {
                args.detectors = match value("current, baseline or both")?.as_str() {
                    "current" => vec![Detector::Current],
                    "baseline" => vec![Detector::Baseline],
                    "both" => vec![Detector::Current, Detector::Baseline],
                    other => {
                        return Err(format!(
                            "--detector: expected current, baseline or both, got {other}"
                        ));
                    }
                }
            }
            _ if a.starts_with('-') => return Err(format!("unknown option {a}\n{USAGE}")),
            _ if dir.is_none() => dir = Some(PathBuf::from(a)),
            _ => return Err(format!("unexpected argument {a}\n{USAGE}")),
        }
    }
    args.dir = dir.ok_or(USAGE)?;
    for (opt, date) in [
        ("--cut", &args.cut),
        ("--validate-from", &args.validate_from),
    ] {
        if date.len() != 10 || !date.bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            return Err(format!("{opt}: expected YYYY-MM-DD, got {date}"));
        }
    }
    if args.validate_from > args.cut {
        return Err("--validate-from must not be after --cut".into());
    }
    if args.dump.is_some() && args.sets.contains(&Set::Report) {
        return Err("--dump studies the tuning sets: give --set without report".into());
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
    found_by_kind: BTreeMap<&'static str, usize>,
    /// malicious names flagged that the oracle does not count
    flagged_other: usize,
    /// malicious names that put a new scope on a reference name (not counted as look-alikes)
    scope_added: usize,
    legit: usize,
    alarms: usize,
    alarms_by_kind: BTreeMap<&'static str, usize>,
    /// legitimate names the oracle would call look-alikes, by category
    legit_lookalike: BTreeMap<Category, usize>,
    blocks: usize,
    misses: BTreeMap<Category, Vec<String>>,
    alarm_list: Vec<String>,
    times_ns: Vec<u64>,
}

impl Figures {
    fn recall_without_scope(&self) -> (usize, usize) {
        let (n, k) = self
            .by_category
            .get(&Category::Scope)
            .copied()
            .unwrap_or_default();
        (self.found - k, self.positives - n)
    }
}

fn timed<T>(times: &mut Vec<u64>, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    times.push(start.elapsed().as_nanos() as u64);
    out
}

fn blocked(data: &Data<'_>, eco: Ecosystem, name: &str) -> bool {
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

/// Everything one ecosystem's evaluation needs.
struct Ecosys<'a> {
    eco: Ecosystem,
    snap: &'a Snapshot<'a>,
    data: &'a Data<'a>,
    /// The whole popular list, normalised, most popular first.
    names: &'a [String],
    /// Malicious (name, published) of this ecosystem, not on its popular list.
    malicious: Vec<(&'a str, &'a str)>,
    oracle: Oracle,
    baseline: Baseline,
}

impl Ecosys<'_> {
    fn detect(&self, d: Detector, name: &str) -> Option<Hit> {
        match d {
            Detector::Current => imitation::check(self.snap, self.eco, name).map(|h| Hit {
                imitates: h.imitates,
                rank: h.rank,
                kind: h.kind.id(),
            }),
            Detector::Baseline => self.baseline.check(name).map(|h| Hit {
                imitates: h.imitates,
                rank: h.rank,
                kind: h.kind,
            }),
        }
    }

    /// Why the current check did not flag `name` as an imitation of `target`.
    fn why_missed(&self, d: Detector, name: &str, target: &str) -> String {
        if d != Detector::Current {
            return String::new();
        }
        let why = imitation::candidates(self.snap, self.eco, name)
            .into_iter()
            .find(|c| c.imitates == target)
            .map_or("not a candidate".to_string(), |c| {
                format!(
                    "{:?} {:?}",
                    c.verdict,
                    c.edits.iter().map(|e| e.slip).collect::<Vec<_>>()
                )
            });
        format!(": {why}")
    }

    fn evaluate(&self, set: Set, d: Detector, args: &Args, dump: &mut Vec<String>) -> Figures {
        let mut f = Figures::default();
        let dumping = args.dump.is_some() && d == Detector::Current;
        for &(name, _) in self
            .malicious
            .iter()
            .filter(|(_, p)| set.has_report(p, args))
        {
            f.malicious += 1;
            let hit = timed(&mut f.times_ns, || self.detect(d, name));
            let truth = self.oracle.judge(name);
            if dumping && truth.is_some() {
                dump.push(dump_line(
                    self.snap,
                    self.eco,
                    name,
                    "look-alike",
                    truth.as_ref(),
                ));
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
                        None => f.misses.entry(cat).or_default().push(format!(
                            "{name} ~ {target}{}",
                            self.why_missed(d, name, &target)
                        )),
                    }
                }
                None => {
                    f.flagged_other += usize::from(hit.is_some());
                    f.scope_added += usize::from(self.oracle.scope_added(name));
                }
            }
        }
        for n in self.names[REFERENCE..LEGIT_END]
            .iter()
            .filter(|n| set.has_legit(n))
        {
            f.legit += 1;
            let hit = timed(&mut f.times_ns, || self.detect(d, n));
            let shape = self.oracle.judge(n);
            if let Some((cat, _)) = &shape {
                *f.legit_lookalike.entry(*cat).or_default() += 1;
            }
            if dumping {
                dump.push(dump_line(
                    self.snap,
                    self.eco,
                    n,
                    "legitimate",
                    shape.as_ref(),
                ));
            }
            if let Some(h) = hit {
                f.alarms += 1;
                *f.alarms_by_kind.entry(h.kind).or_default() += 1;
                f.alarm_list
                    .push(format!("{n} ~ {} ({}, #{})", h.imitates, h.kind, h.rank));
            }
            f.blocks += usize::from(blocked(self.data, self.eco, n));
        }
        f
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
        "reports: fit < {} ≤ validate < {} ≤ report (by `published`); tune = fit + validate",
        args.validate_from, args.cut
    );
    println!(
        "reference (what the detector knows): ranks 1–{REFERENCE} of each popular list; legitimate: ranks {}–{LEGIT_END}, split by h = FNV-1a of the name (fit: h % 4 = 0, validate: h % 4 = 2, tune: h even, report: h odd)",
        REFERENCE + 1
    );
    println!("rates: found/total = rate [95% Wilson interval]");

    let mut all_times = Vec::new();
    let mut dump = Vec::new();
    let mut summary = Vec::new();
    for (eco, names) in &popular {
        let known: HashSet<&str> = names.iter().map(String::as_str).collect();
        let e = Ecosys {
            eco: *eco,
            snap,
            data: &data,
            names,
            malicious: malicious
                .iter()
                .filter(|(e, n, _)| e == eco && !known.contains(n.as_str()))
                .map(|(_, n, p)| (n.as_str(), p.as_str()))
                .collect(),
            oracle: Oracle::new(&names[..REFERENCE]),
            baseline: Baseline::new(*eco, &names[..REFERENCE]),
        };
        for &set in &args.sets {
            for &d in &args.detectors {
                let f = e.evaluate(set, d, &args, &mut dump);
                if d == Detector::Current {
                    all_times.extend_from_slice(&f.times_ns);
                }
                print_figures(*eco, set, d, &f, args.show);
                summary.push(summary_line(*eco, set, d, &f));
            }
        }
    }
    if let Some(path) = &args.dump {
        std::fs::write(path, dump.join("\n")).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    println!("\nSummary: recall (without scope-dropped) | false alarms | false blocks");
    for line in summary {
        println!("{line}");
    }
    all_times.sort_unstable();
    if !all_times.is_empty() {
        let pick = |q: f64| all_times[((all_times.len() - 1) as f64 * q) as usize] as f64 / 1000.0;
        let mean = all_times.iter().sum::<u64>() as f64 / all_times.len() as f64 / 1000.0;
        println!(
            "\ntime per name, current check ({} checks, this machine, release build): mean {mean:.1} µs, median {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            all_times.len(),
            pick(0.5),
            pick(0.99),
            pick(1.0)
        );
    }
    Ok(())
}

fn pct(k: usize, n: usize) -> String {
    format!("{:.1}% ({k}/{n})", 100.0 * k as f64 / n.max(1) as f64)
}

fn summary_line(eco: Ecosystem, set: Set, d: Detector, f: &Figures) -> String {
    let (k, n) = f.recall_without_scope();
    format!(
        "  {:5} {:8} {:19} recall {:20} ({:18}) | alarms {:18} | blocks {}",
        eco.as_str(),
        set.label(),
        d.label(),
        pct(f.found, f.positives),
        pct(k, n),
        pct(f.alarms, f.legit),
        pct(f.blocks, f.legit)
    )
}

fn print_figures(eco: Ecosystem, set: Set, d: Detector, f: &Figures, show: usize) {
    println!(
        "\n== {eco} ({} set, {} check): {} malicious names, {} of them look-alikes of a top-{REFERENCE} name by the oracle",
        set.label(),
        d.label(),
        f.malicious,
        f.positives
    );
    println!("  recall        {}", rate(f.found, f.positives));
    let (k, n) = f.recall_without_scope();
    if n != f.positives {
        println!("    without the scope-dropped names      {}", rate(k, n));
    }
    for (cat, (n, k)) in &f.by_category {
        println!("    {:40} {}", cat.label(), rate(*k, *n));
    }
    println!(
        "  false alarms  {}   of legitimate names",
        rate(f.alarms, f.legit)
    );
    let shapes: usize = f.legit_lookalike.values().sum();
    println!(
        "    legitimate names the oracle would call look-alikes: {} ({})",
        rate(shapes, f.legit),
        f.legit_lookalike
            .iter()
            .map(|(c, n)| format!("{}: {n}", c.label()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!(
        "  false blocks  {}   of legitimate names",
        rate(f.blocks, f.legit)
    );
    println!("  by detector rule: look-alikes found / false alarms");
    let mut kinds: Vec<&str> = f
        .found_by_kind
        .keys()
        .chain(f.alarms_by_kind.keys())
        .copied()
        .collect::<HashSet<_>>()
        .into_iter()
        .collect();
    kinds.sort_unstable();
    for k in kinds {
        println!(
            "    {:16} {:5} / {}",
            k,
            f.found_by_kind.get(k).copied().unwrap_or(0),
            f.alarms_by_kind.get(k).copied().unwrap_or(0)
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
    truth: Option<&(Category, String)>,
) -> String {
    serde_json::json!({
        "ecosystem": eco.as_str(),
        "label": label,
        "name": name,
        "oracle": truth.map(|(c, t)| serde_json::json!({"category": format!("{c:?}"), "imitates": t})),
        "flagged": imitation::check(snap, eco, name),
        "candidates": imitation::candidates(snap, eco, name),
    })
    .to_string()
}
