//! The stable fuzz harness: every target of `installguard::fuzzing` runs on its committed
//! corpus (`fuzz/corpus/<target>/`) and then on mutations of it (bit flips, byte and chunk
//! inserts, deletions, duplications, splices between corpus files, interesting bytes) for a
//! bounded time, on stable Rust. A panic, or one input taking longer than `SLOW`, fails the
//! test with the input written to `fuzz-crashes/` in the target directory's tmp dir and
//! printed in hex; each such input becomes a corpus file (a regression test) once fixed. Long runs use the cargo-fuzz crate in
//! `fuzz/` on nightly. It does not reach the network or the user's files.
//!
//! `INSTALLGUARD_FUZZ_SECS` (default 0.2): seconds per target; `INSTALLGUARD_FUZZ_SEED`: the
//! random seed (default: from the clock, printed). `.ci/run` runs it for 1 s per target.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use installguard::fuzzing::{TARGETS, Target};

/// One input taking longer than this is a failure (the readers are linear; debug builds are
/// slow, and the machine may be shared).
const SLOW: Duration = Duration::from_secs(5);
/// Mutated inputs are cut at this size.
const MAX_LEN: usize = 64 * 1024;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

/// Bytes that matter to the formats: separators, quotes, brackets, escapes, NUL, UTF-8 lead
/// bytes, and the characters of options and version specifiers.
const INTERESTING: &[u8] =
    b"\0\n\r\t \"'`\\[]{}()<>=!~^@:/.,;#-_*?$%&|+0129azAZ\xc3\xa9\xe2\x80\xff\x7f";
/// Snippets worth splicing in.
const TOKENS: &[&[u8]] = &[
    b"install",
    b"--",
    b"-r",
    b"-e",
    b"git+https://",
    b"file:",
    b"npm:",
    b"workspace:",
    b"${HOME}",
    b"[[",
    b"]]",
    b"\"\"\"",
    b"&a",
    b"*a",
    b"!!",
    b"\\u0000",
    b"%00",
    b"https://user:pass@host/",
    b"token=abc",
    b"99999999999999999999",
    b"-1",
];

fn mutate(rng: &mut Rng, input: &[u8], corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut d = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = d.len();
        match rng.below(9) {
            0 if len > 0 => {
                let i = rng.below(len);
                d[i] ^= 1 << rng.below(8);
            }
            1 => {
                let i = rng.below(len + 1);
                d.insert(i, INTERESTING[rng.below(INTERESTING.len())]);
            }
            2 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(64));
                d.drain(i..i + n);
            }
            3 if len > 0 => {
                let i = rng.below(len);
                let n = 1 + rng.below((len - i).min(256));
                let chunk = d[i..i + n].to_vec();
                let at = rng.below(len + 1);
                let times = 1 + rng.below(8);
                for _ in 0..times {
                    d.splice(at..at, chunk.iter().copied());
                }
            }
            4 if !corpus.is_empty() => {
                let other = &corpus[rng.below(corpus.len())];
                if !other.is_empty() {
                    let i = rng.below(other.len());
                    let n = 1 + rng.below((other.len() - i).min(512));
                    let at = rng.below(len + 1);
                    d.splice(at..at, other[i..i + n].iter().copied());
                }
            }
            5 => {
                let t = TOKENS[rng.below(TOKENS.len())];
                let at = rng.below(len + 1);
                d.splice(at..at, t.iter().copied());
            }
            6 if len > 0 => {
                let i = rng.below(len);
                d[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            7 if len > 0 => {
                d.truncate(rng.below(len));
            }
            _ => {
                // Swap two chunks' order by rotating a range.
                if len > 2 {
                    let a = rng.below(len - 1);
                    let b = a + 1 + rng.below(len - a - 1);
                    d[a..=b].rotate_left(1 + rng.below(b - a));
                }
            }
        }
    }
    d.truncate(MAX_LEN);
    d
}

fn corpus_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(name)
}

fn load_corpus(name: &str) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir(name))
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| std::fs::read(p).ok()).collect()
}

/// The input in hex (the first 1,024 bytes): printed as text, a panic message would pass
/// through redaction and show `***` where the input had a secret-looking value.
fn escaped(d: &[u8]) -> String {
    let hex: String = d.iter().take(1024).map(|b| format!("{b:02x}")).collect();
    if d.len() > 1024 {
        format!("{hex}...")
    } else {
        hex
    }
}

/// What one target's run found.
struct Report {
    name: &'static str,
    corpus: usize,
    inputs: u64,
    contained: usize,
    failure: Option<String>,
}

fn run_one(t: &Target, budget: Duration, seed: u64) -> Report {
    let corpus = load_corpus(t.name);
    let mut rng = Rng(seed ^ fxhash(t.name.as_bytes()) | 1);
    let contained_before = installguard::contain::contained_count();
    let mut report = Report {
        name: t.name,
        corpus: corpus.len(),
        inputs: 0,
        contained: 0,
        failure: None,
    };
    let start = Instant::now();
    let mut i = 0usize;
    loop {
        // The corpus itself first, whole, then mutations until the budget is spent.
        let input = if i < corpus.len() {
            corpus[i].clone()
        } else if corpus.is_empty() {
            let n = rng.below(256);
            (0..n).map(|_| rng.next() as u8).collect()
        } else {
            let base = &corpus[rng.below(corpus.len())];
            mutate(&mut rng, base, &corpus)
        };
        i += 1;
        let t0 = Instant::now();
        let outcome = catch_unwind(AssertUnwindSafe(|| (t.run)(&input)));
        let took = t0.elapsed();
        report.inputs += 1;
        let failure = match outcome {
            Err(p) => Some(format!(
                "panicked: {}",
                p.downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_string()))
                    .unwrap_or_default()
            )),
            Ok(()) if took > SLOW => Some(format!("took {took:?} (more than {SLOW:?})")),
            Ok(()) => None,
        };
        if let Some(why) = failure {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-crashes");
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join(format!("{}-{:016x}", t.name, fxhash(&input)));
            let _ = std::fs::write(&file, &input);
            report.failure = Some(format!(
                "{}: {why}\n  input ({} bytes, saved to {}), hex: {}",
                t.name,
                input.len(),
                file.display(),
                escaped(&input)
            ));
            break;
        }
        if i >= corpus.len() && start.elapsed() >= budget {
            break;
        }
    }
    report.contained = installguard::contain::contained_count() - contained_before;
    report
}

fn fxhash(b: &[u8]) -> u64 {
    b.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &x| {
        (h ^ u64::from(x)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[test]
fn every_target_survives_its_corpus_and_mutations() {
    let secs: f64 = std::env::var("INSTALLGUARD_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0.2);
    let seed: u64 = std::env::var("INSTALLGUARD_FUZZ_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    let budget = Duration::from_secs_f64(secs);
    installguard::contain::install_hook();
    // Two workers (CI has two cores), each taking the next target.
    let next = std::sync::atomic::AtomicUsize::new(0);
    let reports = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                loop {
                    let k = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(t) = TARGETS.get(k) else { break };
                    let r = run_one(t, budget, seed);
                    reports.lock().unwrap().push(r);
                }
            });
        }
    });
    let mut reports = reports.into_inner().unwrap();
    reports.sort_by_key(|r| r.name);
    println!("fuzz seed {seed} (INSTALLGUARD_FUZZ_SEED), {secs} s per target:");
    for r in &reports {
        println!(
            "  {:<20} {:>3} corpus files, {:>8} inputs, {} contained third-party panic(s){}",
            r.name,
            r.corpus,
            r.inputs,
            r.contained,
            if r.failure.is_some() { "  FAILED" } else { "" }
        );
    }
    let missing: Vec<&str> = reports
        .iter()
        .filter(|r| r.corpus == 0)
        .map(|r| r.name)
        .collect();
    let failures: Vec<&String> = reports.iter().filter_map(|r| r.failure.as_ref()).collect();
    assert!(
        failures.is_empty(),
        "{} target(s) failed (seed {seed}):\n{}",
        failures.len(),
        failures
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(
        missing.is_empty(),
        "targets without a seed corpus: {missing:?}"
    );
}
