//! The network edge of registry signals: answer a list of [`Query`]s from the cache where it
//! still holds, else from the registries, in parallel threads under one deadline. Sends a plain
//! GET of the package's public page — no cookies, no `Authorization`, no credentials of any
//! kind — and never waits past the budget: whatever has not answered by then is reported as
//! unanswered while its thread finishes (or times out) on its own.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use super::cache::{Cache, Entry};
use super::{Answer, Asked, BUDGET, Query, npm, pypi};
use crate::ecosystem::Ecosystem;

/// Largest answer read (a packument with thousands of versions is a few MiB).
const MAX_BODY: u64 = 32 << 20;
/// Requests in flight at once.
const WORKERS: usize = 16;
/// A question is only sent with at least this much of the budget left (or a quarter of the
/// budget, when that is less).
const MIN_LEFT: Duration = Duration::from_millis(50);
/// Debug builds (the test binary) only: `loopback` refuses every host but 127.0.0.1/::1, so no
/// test can reach the internet, whatever its policy says.
#[cfg(debug_assertions)]
pub const TEST_NETWORK_VAR: &str = "INSTALLGUARD_TEST_NETWORK";

pub struct Options {
    /// The total time the questions may take.
    pub budget: Duration,
    /// Where answers are kept between runs (`None`: always ask).
    pub cache: Option<Cache>,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            budget: BUDGET,
            cache: Cache::open(),
        }
    }
}

/// One package page to fetch, and the queries it answers.
struct Fetch {
    ecosystem: Ecosystem,
    registry: String,
    name: String,
    url: String,
    queries: Vec<usize>,
}

/// Answer every query (same order). Never takes much longer than `opts.budget`.
pub fn ask(queries: &[Query], opts: &Options) -> Vec<Asked> {
    let start = Instant::now();
    let deadline = start + opts.budget;
    let now = crate::time::now_unix();
    let mut fetches: Vec<Fetch> = Vec::new();
    // The fetch that answers each query.
    let mut owner: Vec<usize> = Vec::with_capacity(queries.len());
    let mut by_page: HashMap<(Ecosystem, &str, String), usize> = HashMap::new();
    for (i, q) in queries.iter().enumerate() {
        let key = (
            q.ecosystem,
            q.registry.trim_end_matches('/'),
            q.ecosystem.normalize(&q.name),
        );
        match by_page.get(&key) {
            Some(&fi) => {
                fetches[fi].queries.push(i);
                owner.push(fi);
            }
            None => {
                owner.push(fetches.len());
                by_page.insert(key, fetches.len());
                fetches.push(Fetch {
                    ecosystem: q.ecosystem,
                    registry: q.registry.clone(),
                    name: q.name.clone(),
                    url: page_url(q),
                    queries: vec![i],
                });
            }
        }
    }
    let mut answers: Vec<Option<Asked>> = vec![None; fetches.len()];
    let mut todo: Vec<usize> = Vec::new();
    for (fi, f) in fetches.iter().enumerate() {
        let cache = opts.cache.as_ref();
        let versions: Vec<Option<&str>> = f
            .queries
            .iter()
            .map(|&qi| queries[qi].version.as_deref())
            .collect();
        if let Some(e) = cache.and_then(|c| c.load(f.ecosystem, &f.registry, &f.name))
            && e.fresh(&versions, now)
        {
            answers[fi] = Some(Asked {
                url: e.url,
                fetched: e.fetched,
                answer: e.answer,
            });
        } else if let Some(d) = cache.and_then(|c| c.down(&f.registry, now)) {
            answers[fi] = Some(Asked {
                url: f.url.clone(),
                fetched: d.since,
                answer: Answer::Unavailable {
                    why: format!(
                        "{}; not asked again until {} UTC",
                        d.why,
                        &crate::time::format_rfc3339(d.until())[11..16]
                    ),
                },
            });
        } else {
            todo.push(fi);
        }
    }
    if !todo.is_empty() {
        let got = fetch_all(&fetches, &todo, deadline, opts.budget);
        // Per registry: (it answered something, something could not reach it).
        let mut seen: HashMap<&str, (bool, bool)> = HashMap::new();
        for (fi, answer) in got {
            let f = &fetches[fi];
            let e = seen.entry(f.registry.as_str()).or_default();
            e.0 |= matches!(answer, Fetched::Reached(_));
            e.1 |= matches!(answer, Fetched::Unreached(_));
            let answer = answer.into_answer();
            if let Some(c) = &opts.cache {
                c.store(&Entry::new(
                    f.ecosystem,
                    &f.registry,
                    &f.name,
                    &f.url,
                    now,
                    answer.clone(),
                ));
            }
            answers[fi] = Some(Asked {
                url: f.url.clone(),
                fetched: now,
                answer,
            });
        }
        if let Some(c) = &opts.cache {
            for (registry, (reached, unreached)) in seen {
                if reached {
                    c.mark_up(registry);
                } else if unreached
                    && let Some(why) = fetches
                        .iter()
                        .zip(&answers)
                        .filter(|(f, _)| f.registry == registry)
                        .find_map(|(_, a)| match a.as_ref().map(|a| &a.answer) {
                            Some(Answer::Unavailable { why }) => Some(why.clone()),
                            _ => None,
                        })
                {
                    c.mark_down(registry, &why, now);
                }
            }
            c.prune(now);
        }
    }
    owner
        .into_iter()
        .map(|fi| {
            answers[fi].clone().unwrap_or_else(|| Asked {
                url: fetches[fi].url.clone(),
                fetched: now,
                answer: Answer::Unavailable {
                    why: "not asked".into(),
                },
            })
        })
        .collect()
}

fn page_url(q: &Query) -> String {
    match q.ecosystem {
        Ecosystem::Npm => npm::url(&q.registry, &q.name),
        _ => pypi::url(&q.registry, &q.name),
    }
}

/// What one fetch came to.
enum Fetched {
    /// The registry answered (found, missing, or an HTTP status we cannot use).
    Reached(Answer),
    /// It could not be reached at all (refused, no route, DNS, timeout): why.
    Unreached(String),
    /// Not sent, for a reason that says nothing about the registry (the budget ran out first,
    /// the test sandbox): why.
    NotSent(String),
}

impl Fetched {
    fn into_answer(self) -> Answer {
        match self {
            Fetched::Reached(a) => a,
            Fetched::Unreached(why) | Fetched::NotSent(why) => Answer::Unavailable { why },
        }
    }
}

fn budget_text(budget: Duration) -> String {
    let ms = budget.as_millis();
    if ms.is_multiple_of(1000) {
        format!("{} s", ms / 1000)
    } else {
        format!("{ms} ms")
    }
}

/// Fetch `todo` in parallel until `deadline`; every entry of `todo` gets a result.
fn fetch_all(
    fetches: &[Fetch],
    todo: &[usize],
    deadline: Instant,
    budget: Duration,
) -> Vec<(usize, Fetched)> {
    let agent = agent();
    let jobs: Arc<Mutex<VecDeque<Job>>> = Arc::new(Mutex::new(
        todo.iter()
            .map(|&fi| {
                let f = &fetches[fi];
                Job {
                    fetch: fi,
                    url: f.url.clone(),
                    registry: f.registry.clone(),
                    ecosystem: f.ecosystem,
                    name: f.name.clone(),
                }
            })
            .collect(),
    ));
    // Registries found unreachable in this run: the rest of their questions are not sent.
    let unreachable: Arc<Mutex<HashMap<String, String>>> = Arc::default();
    // The questions whose request actually went out: only those can say the registry did not
    // answer; the rest were never sent, whenever their worker got to them.
    let sent: Arc<Mutex<std::collections::HashSet<usize>>> = Arc::default();
    let (tx, rx) = mpsc::channel();
    for _ in 0..todo.len().min(WORKERS) {
        let (jobs, unreachable, sent, tx, agent) = (
            Arc::clone(&jobs),
            Arc::clone(&unreachable),
            Arc::clone(&sent),
            tx.clone(),
            agent.clone(),
        );
        let spawned = std::thread::Builder::new()
            .name("installguard-signals".into())
            .spawn(move || {
                while let Some(job) = next(&jobs) {
                    let known = unreachable
                        .lock()
                        .ok()
                        .and_then(|u| u.get(&job.registry).cloned());
                    let result = match known {
                        Some(why) => Fetched::Unreached(why),
                        None => {
                            let r = fetch_one(&agent, &job, deadline, budget, &sent);
                            if let Fetched::Unreached(why) = &r
                                && let Ok(mut u) = unreachable.lock()
                            {
                                u.insert(job.registry.clone(), why.clone());
                            }
                            r
                        }
                    };
                    if tx.send((job.fetch, result)).is_err() {
                        break;
                    }
                }
            });
        if spawned.is_err() {
            break; // fewer workers; whatever is left is reported as unanswered
        }
    }
    drop(tx);
    let mut out: Vec<(usize, Fetched)> = Vec::new();
    while out.len() < todo.len() {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(r) => out.push(r),
            Err(_) => break,
        }
    }
    // Questions whose request never went out (still queued, or taken by a worker too late)
    // say nothing about their registry.
    if let Ok(mut j) = jobs.lock() {
        j.clear();
    }
    let sent: std::collections::HashSet<usize> = sent.lock().map(|s| s.clone()).unwrap_or_default();
    let answered: std::collections::HashSet<usize> = out.iter().map(|(i, _)| *i).collect();
    for &fi in todo {
        if answered.contains(&fi) {
            continue;
        }
        let result = if sent.contains(&fi) {
            Fetched::Unreached(format!(
                "no answer within the {} budget",
                budget_text(budget)
            ))
        } else {
            Fetched::NotSent(format!(
                "not asked: the {} budget ran out first",
                budget_text(budget)
            ))
        };
        out.push((fi, result));
    }
    out
}

fn agent() -> ureq::Agent {
    let config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(3)
        .user_agent(concat!("installguard/", env!("CARGO_PKG_VERSION")))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        );
    #[cfg(debug_assertions)]
    let config = if loopback_only() {
        config.max_redirects(0)
    } else {
        config
    };
    config.build().into()
}

#[cfg(debug_assertions)]
pub(crate) fn loopback_only() -> bool {
    std::env::var_os(TEST_NETWORK_VAR).is_some_and(|v| v == "loopback")
}

/// The host of an http(s) URL, without port or brackets.
#[cfg(debug_assertions)]
pub(crate) fn host(url: &str) -> &str {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or("");
    }
    authority.split(':').next().unwrap_or("")
}

/// One page to fetch, as a worker takes it.
struct Job {
    fetch: usize,
    url: String,
    registry: String,
    ecosystem: Ecosystem,
    name: String,
}

/// The next job, holding the queue's lock only while taking it.
fn next(jobs: &Mutex<VecDeque<Job>>) -> Option<Job> {
    jobs.lock().ok()?.pop_front()
}

/// Fetch one page before `deadline`; `sent` gets the job's fetch index once its request
/// goes out.
fn fetch_one(
    agent: &ureq::Agent,
    job: &Job,
    deadline: Instant,
    budget: Duration,
    sent: &Mutex<std::collections::HashSet<usize>>,
) -> Fetched {
    let (url, eco, name) = (job.url.as_str(), job.ecosystem, job.name.as_str());
    #[cfg(debug_assertions)]
    if loopback_only() && !crate::update::is_loopback(host(url)) {
        return Fetched::NotSent(format!(
            "not asked: the test sandbox ({TEST_NETWORK_VAR}=loopback) allows only loopback hosts"
        ));
    }
    let left = deadline.saturating_duration_since(Instant::now());
    // A request with almost no time left cannot be answered: it is not sent, so the
    // registry is not blamed for the budget's end.
    if left < MIN_LEFT.min(budget / 4) {
        return Fetched::NotSent(format!(
            "not asked: the {} budget ran out first",
            budget_text(budget)
        ));
    }
    let accept = match eco {
        Ecosystem::Npm => npm::ACCEPT,
        _ => pypi::ACCEPT,
    };
    if let Ok(mut s) = sent.lock() {
        s.insert(job.fetch);
    }
    let result = agent
        .get(url)
        .header("Accept", accept)
        .config()
        .timeout_global(Some(left))
        .build()
        .call();
    let mut response = match result {
        Ok(r) => r,
        Err(ureq::Error::Timeout(_)) => {
            return Fetched::Unreached(format!(
                "no answer within the {} budget",
                budget_text(budget)
            ));
        }
        Err(ureq::Error::Io(e)) => return Fetched::Unreached(e.to_string()),
        Err(e) => return Fetched::Unreached(e.to_string()),
    };
    let status = response.status().as_u16();
    let answer = match status {
        200 => {
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = match response
                .body_mut()
                .with_config()
                .limit(MAX_BODY)
                .read_to_vec()
            {
                Ok(b) => b,
                Err(ureq::Error::Timeout(_)) => {
                    return Fetched::Reached(Answer::Unavailable {
                        why: format!(
                            "the answer did not arrive within the {} budget",
                            budget_text(budget)
                        ),
                    });
                }
                Err(e) => {
                    return Fetched::Reached(Answer::Unavailable {
                        why: format!("the answer could not be read ({e})"),
                    });
                }
            };
            let facts = match eco {
                Ecosystem::Npm => npm::parse(&body),
                _ => pypi::parse(&body, content_type.as_deref(), name),
            };
            match facts {
                Ok(f) => Answer::Found(f),
                Err(why) => Answer::Unavailable { why },
            }
        }
        404 | 410 => Answer::Missing,
        401 | 403 => Answer::Unavailable {
            why: format!(
                "HTTP {status}: the registry wants credentials, and installguard never sends any"
            ),
        },
        other => Answer::Unavailable {
            why: format!("HTTP {other}"),
        },
    };
    Fetched::Reached(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_silent_registry_costs_the_budget_and_is_then_left_alone() {
        // Connections complete in the kernel's backlog; nothing ever answers.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let registry = format!("http://{}/", listener.local_addr().unwrap());
        let queries: Vec<Query> = ["a", "b", "c"]
            .iter()
            .map(|n| Query {
                ecosystem: Ecosystem::Npm,
                name: n.to_string(),
                version: None,
                registry: registry.clone(),
            })
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let opts = Options {
            budget: Duration::from_millis(300),
            cache: Some(Cache::at(dir.path().to_path_buf())),
        };
        let start = Instant::now();
        let got = ask(&queries, &opts);
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "{:?}",
            start.elapsed()
        );
        assert_eq!(got.len(), 3);
        for a in &got {
            assert!(
                matches!(&a.answer, Answer::Unavailable { why } if why.contains("300 ms budget")),
                "{a:?}"
            );
        }
        assert_eq!(got[1].url, format!("{registry}b"));
        let start = Instant::now();
        let again = ask(&queries, &opts);
        assert!(start.elapsed() < Duration::from_millis(100));
        assert!(
            matches!(&again[0].answer, Answer::Unavailable { why } if why.contains("not asked again until")),
            "{again:?}"
        );
        drop(listener);
    }

    #[test]
    fn questions_the_budget_never_sent_say_nothing_about_the_registry() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let registry = format!("http://{}/", listener.local_addr().unwrap());
        let queries: Vec<Query> = (0..WORKERS + 4)
            .map(|n| Query {
                ecosystem: Ecosystem::Pypi,
                name: format!("p{n}"),
                version: Some("1.0".into()),
                registry: registry.clone(),
            })
            .collect();
        let opts = Options {
            budget: Duration::from_millis(200),
            cache: None,
        };
        let got = ask(&queries, &opts);
        let why = |a: &Asked| match &a.answer {
            Answer::Unavailable { why } => why.clone(),
            other => panic!("{other:?}"),
        };
        let timed_out = got
            .iter()
            .filter(|a| why(a).contains("no answer within"))
            .count();
        let not_sent = got
            .iter()
            .filter(|a| why(a).contains("ran out first"))
            .count();
        // At most one request per worker goes out (the registry never answers it, and the
        // budget is spent by then), so at least 4 were never sent; every one is one or the
        // other, whatever the machine's load decides about how many workers started in time.
        assert_eq!(timed_out + not_sent, WORKERS + 4);
        assert!(timed_out <= WORKERS, "{timed_out} timed out");
        assert!(not_sent >= 4, "{not_sent} not sent");
        assert_eq!(got[0].url, format!("{registry}p0/"));
        drop(listener);
    }

    #[test]
    #[cfg(debug_assertions)]
    fn hosts() {
        assert_eq!(host("https://registry.npmjs.org/x"), "registry.npmjs.org");
        assert_eq!(host("http://127.0.0.1:8080/simple/"), "127.0.0.1");
        assert_eq!(host("http://[::1]:80/"), "::1");
        assert_eq!(host("https://u:p@h:1/"), "h");
    }
}
