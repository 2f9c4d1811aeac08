//! In-process benchmarks of the hot paths (criterion): understanding a command line, opening the
//! reputation data, one name lookup, the imitation check for 1 name (typo, popular, garble,
//! 214 and 10,000 letters) and 1,000 names, and evaluating a request. Inputs are built in memory with the library API; the name lists are the committed
//! `bench/names/*.txt` (the top of the popular lists the embedded data is built from).
//!
//! Run: `cargo bench --bench hot_paths` (all), or `cargo bench --bench hot_paths -- imitation`.
//! The whole-process figures (process start, shim pass-through, peak memory) are `bench/run.sh`.

use std::collections::HashMap;
use std::ffi::{OsStr, OsString};
use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};

use installguard::cmdline::{self, World};
use installguard::ecosystem::Ecosystem;
use installguard::reputation::snapshot::{self, Meta, PopularList, Report};
use installguard::reputation::updated::{self, Updated};
use installguard::reputation::{imitation, store};
use installguard::verdict;

const NPM_TOP: &str = include_str!("../bench/names/npm-top1000.txt");
const PYPI_TOP: &str = include_str!("../bench/names/pypi-top500.txt");

/// A small in-memory [`World`]: files by absolute path, no environment, cwd `/work`.
struct BenchWorld {
    cwd: PathBuf,
    files: HashMap<PathBuf, Vec<u8>>,
}

impl BenchWorld {
    fn new() -> BenchWorld {
        BenchWorld {
            cwd: PathBuf::from("/work"),
            files: HashMap::new(),
        }
    }

    fn with_file(mut self, rel: &str, content: String) -> BenchWorld {
        self.files.insert(self.cwd.join(rel), content.into_bytes());
        self
    }
}

impl World for BenchWorld {
    fn read_file(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        self.files
            .get(&self.cwd.join(path))
            .cloned()
            .ok_or_else(|| std::io::Error::from(std::io::ErrorKind::NotFound))
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.cwd.join(path) == self.cwd
    }
    fn is_file(&self, path: &Path) -> bool {
        self.files.contains_key(&self.cwd.join(path))
    }
    fn env(&self, _key: &str) -> Option<OsString> {
        None
    }
    fn cwd(&self) -> &Path {
        &self.cwd
    }
    fn home(&self) -> Option<PathBuf> {
        Some(PathBuf::from("/home/bench"))
    }
    fn list_dir(&self, _path: &Path) -> std::io::Result<Vec<String>> {
        Err(std::io::Error::from(std::io::ErrorKind::NotFound))
    }
}

fn names(list: &str) -> Vec<&str> {
    list.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect()
}

fn args(words: &[&str]) -> Vec<OsString> {
    words.iter().map(OsString::from).collect()
}

/// `pip install -r requirements.txt` input: 500 lines, mixed pins, comments and blanks.
fn requirements_500() -> String {
    let mut out = String::from("# generated for the benchmark\n");
    for (i, n) in names(PYPI_TOP).iter().enumerate() {
        match i % 4 {
            0 => out.push_str(&format!("{n}=={}.{}.0\n", i % 7, i % 11)),
            1 => out.push_str(&format!("{n}>=1.0\n")),
            2 => out.push_str(&format!("{n}  # unpinned\n")),
            _ => out.push_str(&format!("{n}[extra]~=2.1\n")),
        }
    }
    out
}

/// One-edit typos of popular names: names that are not popular, so every check runs in full.
fn typos(list: &[&str], n: usize) -> Vec<String> {
    list.iter()
        .cycle()
        .take(n)
        .enumerate()
        .map(|(i, name)| {
            let mut b = name.as_bytes().to_vec();
            let at = 1 + i % (b.len().max(3) - 2);
            if at + 1 < b.len() && i % 2 == 0 {
                b.swap(at, at + 1);
            } else {
                b.insert(at.min(b.len()), b'x');
            }
            String::from_utf8(b).unwrap()
        })
        .collect()
}

/// A synthetic updated-data file (what `installguard update` writes): `reports` unique
/// malicious names.
fn synthetic_updated(reports: usize) -> Vec<u8> {
    let mut map = std::collections::BTreeMap::new();
    for i in 0..reports {
        let eco = if i % 2 == 0 {
            Ecosystem::Npm
        } else {
            Ecosystem::Pypi
        };
        map.insert(
            snapshot::key(
                snapshot::malicious_tag(eco),
                &format!("bench-malware-{i:06}"),
            ),
            Report {
                id: format!("MAL-2026-{i}"),
                published: "2026-01-01T00:00:00Z".into(),
                versions: None,
                ranges: Vec::new(),
            },
        );
    }
    let meta = Meta {
        format: updated::FORMAT,
        newest_report: "2026-01-01T00:00:00Z".into(),
        built: "2026-01-01T00:00:00Z".into(),
        sources: vec!["bench".into()],
        malicious_count: map.len() as u64,
        popular_count: 0,
        feeds: vec![],
    };
    updated::write(&meta, &map).unwrap()
}

fn bench_understand(c: &mut Criterion) {
    let mut g = c.benchmark_group("understand");
    let plain = BenchWorld::new();
    let cases: [(&str, &str, &[&str]); 4] = [
        ("npm --version (pass-through)", "npm", &["--version"]),
        ("npm install lodash", "npm", &["install", "lodash"]),
        (
            "pip install requests flask==3.0",
            "pip",
            &["install", "requests", "flask==3.0"],
        ),
        ("brew install wget", "brew", &["install", "wget"]),
    ];
    for (label, prog, words) in cases {
        let a = args(words);
        g.bench_function(label, |b| {
            b.iter(|| cmdline::understand(OsStr::new(prog), black_box(&a), &plain).unwrap());
        });
    }
    let npm1000: Vec<&str> = std::iter::once("install").chain(names(NPM_TOP)).collect();
    let a = args(&npm1000);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("npm install <1000 names>", |b| {
        b.iter(|| cmdline::understand(OsStr::new("npm"), black_box(&a), &plain).unwrap());
    });
    let world = BenchWorld::new().with_file("requirements.txt", requirements_500());
    let a = args(&["install", "-r", "requirements.txt"]);
    g.throughput(Throughput::Elements(500));
    g.bench_function("pip install -r <500 lines>", |b| {
        b.iter(|| cmdline::understand(OsStr::new("pip"), black_box(&a), &world).unwrap());
    });
    g.finish();
}

fn bench_open(c: &mut Criterion) {
    let mut g = c.benchmark_group("open");
    g.bench_function("embedded", |b| b.iter(store::embedded));
    // What the guard does when no updated data exists: XDG lookup, a failed open, embedded.
    let tmp = std::env::temp_dir().join(format!("installguard-bench-{}", std::process::id()));
    // SAFETY: single-threaded at this point; criterion runs benchmarks on this thread.
    unsafe { std::env::set_var("XDG_DATA_HOME", &tmp) };
    g.bench_function("load (no updated data)", |b| b.iter(store::load));
    // Updated data: a 200,000-report file mapped and opened, as the guard does; its
    // integrity vouched for by the stamp (the usual case), or hashed and walked in full
    // (the first run after the file changed).
    let bytes = synthetic_updated(200_000);
    let dir = tmp.join("installguard");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join(store::FILE_NAME), &bytes).unwrap();
    // The first load verifies the file and writes the stamp.
    let first = store::load();
    assert!(first.warning.is_none(), "{:?}", first.warning);
    g.bench_function("load (200k-report updated data, stamp current)", |b| {
        b.iter(|| {
            let l = store::load();
            assert!(
                l.warning.is_none() && l.integrity.as_ref().is_some_and(|i| !i.hashed_now),
                "{:?} {:?}",
                l.warning,
                l.integrity
            );
            l
        });
    });
    g.sample_size(20);
    g.bench_function(
        "load (200k-report updated data, no stamp: full check)",
        |b| {
            b.iter_batched(
                || {
                    let _ = std::fs::remove_file(dir.join(store::STAMP_NAME));
                },
                |()| {
                    let l = store::load();
                    assert!(l.integrity.as_ref().is_some_and(|i| i.hashed_now));
                    l
                },
                BatchSize::PerIteration,
            );
        },
    );
    g.bench_function("verify 200k in memory (sha256 + every record)", |b| {
        b.iter(|| Updated::open(black_box(&bytes)).unwrap().verify().unwrap());
    });
    let _ = std::fs::remove_dir_all(&tmp);
    // SAFETY: as above.
    unsafe { std::env::remove_var("XDG_DATA_HOME") };
    g.finish();
}

fn bench_lookup(c: &mut Criterion) {
    let mut g = c.benchmark_group("lookup");
    let snap = store::embedded();
    g.bench_function("malicious hit", |b| {
        b.iter(|| snap.malicious(Ecosystem::Pypi, black_box("123bla")));
    });
    g.bench_function("malicious miss", |b| {
        b.iter(|| snap.malicious(Ecosystem::Npm, black_box("lodash")));
    });
    g.bench_function("popular rank", |b| {
        b.iter(|| snap.popular_rank(PopularList::Npm, black_box("lodash")));
    });
    let big = synthetic_updated(200_000);
    let big = Updated::open(&big).unwrap();
    g.bench_function("malicious hit (200k updated)", |b| {
        b.iter(|| big.malicious(Ecosystem::Npm, black_box("bench-malware-123456")));
    });
    g.bench_function("malicious miss (200k updated)", |b| {
        b.iter(|| big.malicious(Ecosystem::Npm, black_box("lodash")));
    });
    g.finish();
}

fn bench_imitation(c: &mut Criterion) {
    let mut g = c.benchmark_group("imitation");
    let snap = store::embedded();
    g.bench_function("1 name (typo: lodahs)", |b| {
        b.iter(|| imitation::check(&snap, Ecosystem::Npm, black_box("lodahs")));
    });
    g.bench_function("1 name (popular: lodash)", |b| {
        b.iter(|| imitation::check(&snap, Ecosystem::Npm, black_box("lodash")));
    });
    let garble = "babel-pzugin-transform-es2015-modues-commonjs";
    g.bench_function("1 name (garble of a long name)", |b| {
        b.iter(|| imitation::check(&snap, Ecosystem::Npm, black_box(garble)));
    });
    let at_bound = "a".repeat(imitation::MAX_NAME_LEN);
    g.bench_function("1 name (214 letters, npm's limit)", |b| {
        b.iter(|| imitation::check(&snap, Ecosystem::Npm, black_box(&at_bound)));
    });
    let huge = "a".repeat(10_000);
    g.bench_function("1 name (10,000 letters)", |b| {
        b.iter(|| imitation::check(&snap, Ecosystem::Pypi, black_box(&huge)));
    });
    let popular = names(NPM_TOP);
    let unknown = typos(&popular, 1000);
    g.throughput(Throughput::Elements(1000));
    g.bench_function("1000 names (popular)", |b| {
        b.iter(|| {
            popular
                .iter()
                .filter_map(|n| imitation::check(&snap, Ecosystem::Npm, n))
                .count()
        });
    });
    g.bench_function("1000 names (one-edit typos)", |b| {
        b.iter(|| {
            unknown
                .iter()
                .filter_map(|n| imitation::check(&snap, Ecosystem::Npm, n))
                .count()
        });
    });
    g.finish();
}

fn bench_evaluate(c: &mut Criterion) {
    let mut g = c.benchmark_group("evaluate");
    let snap = store::embedded_data();
    let world = BenchWorld::new().with_file("requirements.txt", requirements_500());
    let one =
        cmdline::understand(OsStr::new("npm"), &args(&["install", "lodash"]), &world).unwrap();
    g.bench_function("npm install lodash", |b| {
        b.iter(|| verdict::evaluate(black_box(&one), &snap));
    });
    let npm1000: Vec<&str> = std::iter::once("install").chain(names(NPM_TOP)).collect();
    let many = cmdline::understand(OsStr::new("npm"), &args(&npm1000), &world).unwrap();
    g.throughput(Throughput::Elements(1000));
    g.bench_function("npm install <1000 popular>", |b| {
        b.iter(|| verdict::evaluate(black_box(&many), &snap));
    });
    let req = cmdline::understand(
        OsStr::new("pip"),
        &args(&["install", "-r", "requirements.txt"]),
        &world,
    )
    .unwrap();
    g.throughput(Throughput::Elements(500));
    g.bench_function("pip install -r <500 lines>", |b| {
        b.iter(|| verdict::evaluate(black_box(&req), &snap));
    });
    g.finish();
}

criterion_group!(
    benches,
    bench_understand,
    bench_open,
    bench_lookup,
    bench_imitation,
    bench_evaluate
);
criterion_main!(benches);
