//! `installguard update`: fetch OSV bulk feeds (`<base>/npm/all.zip`, `<base>/PyPI/all.zip`)
//! from a URL or a local directory, validate them, and install their malicious reports as the
//! updated-data file, atomically and under a lock. The file holds the feeds' reports only; the
//! embedded snapshot is never copied or narrowed (see `reputation::data`). Also the opt-in
//! background refresh after an install (`[data] auto-update`) and its record for `doctor`.
//! The network and file edge of the reputation data; a failed update changes nothing.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use sha2::{Digest, Sha256};

use crate::ecosystem::Ecosystem;
use crate::exit;
use crate::output::say;
use crate::reputation::snapshot::{self, FeedInfo, Meta, Report};
use crate::reputation::store;
use crate::reputation::updated::{self, Updated};
use crate::reputation::{DataError, feed};

/// OSV's public bulk-download location.
pub const DEFAULT_FEED: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Largest feed archive we download or read (OSV's npm archive is a few hundred MiB).
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
/// A feed with fewer reports than this share of the previous import looks truncated.
const SANE_SHARE_PERCENT: u64 = 90;
/// The lock that serialises updates (manual and background) in the data dir.
pub const LOCK_NAME: &str = "update.lock";

/// Network limits for one feed download. Documented in the README ("Reliability").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Resolving the host name, and separately connecting to it.
    pub connect: Duration,
    /// Waiting for the response headers, and separately for each read of the body: a server
    /// that accepts and then says nothing is given up on after this long.
    pub read: Duration,
    /// Everything for one feed, from resolving to the last byte: a server that trickles
    /// bytes is given up on after this long (`--max-time`).
    pub budget: Duration,
}

impl Limits {
    pub const DEFAULT: Limits = Limits {
        connect: Duration::from_secs(10),
        read: Duration::from_secs(30),
        budget: Duration::from_secs(600),
    };
}

pub struct Options {
    pub from: Option<String>,
    pub force: bool,
    pub allow_http: bool,
    pub max_bytes: u64,
    pub limits: Limits,
    /// The background refresh: no progress bar, nothing on the terminal, a busy lock is no
    /// error, the outcome is recorded for `doctor`.
    pub auto: bool,
}

/// Why an update failed: a [`DataError`]'s message plus the kind of failure, which decides
/// what way forward the message suggests.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UpdateError {
    message: String,
    kind: Failure,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// The feed location could not be reached or did not answer in time.
    Network,
    /// Another update holds the lock.
    Busy,
    /// Anything else: a bad feed, a refused feed, a local file problem.
    Other,
}

/// A bad feed or file: its message, no network advice.
impl From<DataError> for UpdateError {
    fn from(e: DataError) -> UpdateError {
        UpdateError::new(e.0)
    }
}

impl UpdateError {
    fn new(message: impl Into<String>) -> UpdateError {
        UpdateError {
            message: message.into(),
            kind: Failure::Other,
        }
    }

    fn network(message: impl Into<String>) -> UpdateError {
        UpdateError {
            message: message.into(),
            kind: Failure::Network,
        }
    }
}

fn fail<T>(msg: impl Into<String>) -> Result<T, UpdateError> {
    Err(UpdateError::new(msg))
}

/// Where the feeds come from.
enum Origin {
    Url(String),
    Dir(PathBuf),
}

pub(crate) fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host == "localhost"
        || host == "::1"
        || host
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn origin_of(from: &str, allow_http: bool) -> Result<Origin, UpdateError> {
    let lower = from.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("http://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = authority.rsplit('@').next().unwrap_or(authority);
        let host = match host.rsplit_once(':') {
            Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
            _ => host,
        };
        if !is_loopback(host) && !allow_http {
            return fail(format!(
                "refusing plain http for {from}: feeds must come over HTTPS (use --allow-http only for a trusted internal mirror)"
            ));
        }
        return Ok(Origin::Url(from.trim_end_matches('/').to_string()));
    }
    if lower.starts_with("https://") {
        return Ok(Origin::Url(from.trim_end_matches('/').to_string()));
    }
    if lower.contains("://") {
        return fail(format!(
            "unsupported feed location {from}: use https://..., or a directory"
        ));
    }
    let dir = PathBuf::from(from);
    if !dir.is_dir() {
        return fail(format!(
            "{from}: not a directory (expected <dir>/npm/all.zip and <dir>/PyPI/all.zip)"
        ));
    }
    Ok(Origin::Dir(dir))
}

/// A progress bar for `feed` on stderr when `show` (stderr is a terminal and this is not the
/// background refresh), else a hidden one that draws nothing.
fn progress_bar(feed: &str, total: Option<u64>, show: bool) -> indicatif::ProgressBar {
    if !show {
        return indicatif::ProgressBar::hidden();
    }
    let bar = match total {
        Some(t) => indicatif::ProgressBar::new(t).with_style(
            indicatif::ProgressStyle::with_template(
                "installguard: {msg} [{wide_bar}] {bytes}/{total_bytes} {eta}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        ),
        None => indicatif::ProgressBar::new_spinner().with_style(
            indicatif::ProgressStyle::with_template(
                "installguard: {msg} {spinner} {bytes} {bytes_per_sec}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
        ),
    };
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
    bar.set_message(format!("downloading {feed}"));
    bar
}

/// Read all of `reader`, at most `max` bytes and `total` when it is known, stopping once
/// `deadline` has passed. `label` names the source in errors; `bar` shows the progress.
fn read_capped(
    mut reader: impl Read,
    label: &str,
    max: u64,
    total: Option<u64>,
    bar: indicatif::ProgressBar,
    deadline: Option<Instant>,
) -> Result<Vec<u8>, UpdateError> {
    let mut out = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            bar.abandon();
            let timed_out = e.kind() == std::io::ErrorKind::TimedOut
                || e.to_string().to_ascii_lowercase().contains("timeout");
            if timed_out {
                UpdateError::network(format!("{label}: the download timed out ({e})"))
            } else {
                UpdateError::network(format!("{label}: download interrupted: {e}"))
            }
        })?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        bar.set_position(out.len() as u64);
        if out.len() as u64 > max {
            bar.abandon();
            return fail(format!(
                "{label}: larger than the {max}-byte limit; refusing it"
            ));
        }
        if deadline.is_some_and(|d| Instant::now() > d) {
            bar.abandon();
            return Err(UpdateError::network(format!(
                "{label}: the download took longer than its time budget"
            )));
        }
    }
    bar.finish_and_clear();
    if let Some(t) = total
        && t != out.len() as u64
    {
        return Err(UpdateError::network(format!(
            "{label}: got {} of {t} bytes; the download was cut short",
            out.len()
        )));
    }
    Ok(out)
}

/// The ureq agent for feed downloads, with every limit of `limits`.
fn agent(limits: &Limits, https_only: bool) -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_resolve(Some(limits.connect))
        .timeout_connect(Some(limits.connect))
        .timeout_recv_response(Some(limits.read))
        .timeout_per_read(Some(limits.read))
        .timeout_global(Some(limits.budget))
        .https_only(https_only)
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                .build(),
        )
        .build()
        .into()
}

fn fetch(
    origin: &Origin,
    eco: Ecosystem,
    opts: &Options,
    show: bool,
) -> Result<(String, Vec<u8>), UpdateError> {
    let dir_name = eco.osv_name().expect("only OSV ecosystems are fetched");
    let label = format!("{dir_name}/all.zip");
    let max = opts.max_bytes;
    match origin {
        Origin::Dir(dir) => {
            let path = dir.join(dir_name).join("all.zip");
            let shown = path.display().to_string();
            let (file, meta) = crate::files::open_regular(&path, max)
                .map_err(|e| UpdateError::new(format!("{shown}: cannot use it: {e}")))?
                .ok_or_else(|| {
                    UpdateError::new(format!(
                        "{shown}: not found; a feed directory holds npm/all.zip and PyPI/all.zip"
                    ))
                })?;
            let bar = progress_bar(&label, Some(meta.len()), show);
            let bytes = read_capped(file, &shown, max, Some(meta.len()), bar, None)?;
            Ok((shown, bytes))
        }
        Origin::Url(base) => {
            let url = format!("{base}/{dir_name}/all.zip");
            #[cfg(debug_assertions)]
            {
                use crate::signals::ask;
                if ask::loopback_only() && !is_loopback(ask::host(&url)) {
                    return Err(UpdateError::network(format!(
                        "not fetching {url}: the test sandbox ({}=loopback) allows only loopback hosts",
                        ask::TEST_NETWORK_VAR
                    )));
                }
            }
            let https_only = base.to_ascii_lowercase().starts_with("https://");
            let deadline = Instant::now() + opts.limits.budget;
            let response = agent(&opts.limits, https_only)
                .get(&url)
                .call()
                .map_err(|e| match e {
                    ureq::Error::StatusCode(404) => UpdateError::new(format!(
                        "{url}: not found (404); the feed location must hold npm/all.zip and PyPI/all.zip"
                    )),
                    ureq::Error::StatusCode(code) => {
                        UpdateError::network(format!("{url}: the server answered HTTP {code}"))
                    }
                    ureq::Error::Timeout(t) => UpdateError::network(format!(
                        "{url}: no answer in time ({t} timed out)"
                    )),
                    other => UpdateError::network(format!("cannot reach {url}: {other}")),
                })?;
            let total = response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if let Some(t) = total.filter(|&t| t > max) {
                return fail(format!(
                    "{url}: {t} bytes is larger than the {max}-byte limit; refusing it"
                ));
            }
            let reader = response
                .into_body()
                .into_with_config()
                .limit(max + 1)
                .reader();
            let bar = progress_bar(&label, total, show);
            let bytes = read_capped(reader, &label, max, total, bar, Some(deadline))?;
            Ok((url, bytes))
        }
    }
}

/// What an update did.
pub struct Summary {
    pub feeds: Vec<FeedInfo>,
    pub path: PathBuf,
    /// Reports in the new updated-data file (merged per package).
    pub reports: u64,
    /// Withdrawn reports in the feeds, and how many of those the embedded data still holds.
    pub withdrawn: usize,
    pub withdrawn_but_embedded: usize,
}

/// The feed base to use and what chose it.
fn feed_location(opts: &Options) -> Result<(String, String), UpdateError> {
    if let Some(f) = &opts.from {
        return Ok((f.clone(), "--from".into()));
    }
    let loaded = crate::policy::load(&[]);
    if !loaded.is_valid() {
        return fail(
            "the installguard policy is invalid, so its [data] feed cannot be trusted; fix it (installguard policy check) or pass --from",
        );
    }
    match loaded.policy.get("data.feed") {
        Some(set) if loaded.policy.feed().is_some() => Ok((
            loaded.policy.feed().unwrap_or(DEFAULT_FEED).to_string(),
            format!(
                "[data] feed in the {} policy {}",
                set.layer.label(),
                set.at.short()
            ),
        )),
        _ => Ok((DEFAULT_FEED.to_string(), "the default feed".into())),
    }
}

/// Fetch, validate and install the feeds. Returns what was imported.
pub fn update(opts: &Options) -> Result<Summary, UpdateError> {
    let (from, _) = feed_location(opts)?;
    let origin = origin_of(&from, opts.allow_http)?;
    let path = store::updated_path()
        .ok_or_else(|| UpdateError::new("no data directory (HOME and XDG_DATA_HOME are unset)"))?;
    let _lock = lock(&path)?;
    let show = !opts.auto && std::io::stderr().is_terminal();
    let now = crate::time::now_unix();
    let current = store::load();
    let previous: Vec<FeedInfo> = current
        .data
        .updated()
        .map(|u| u.meta().feeds.clone())
        .unwrap_or_default();
    let mut feeds = Vec::new();
    let mut reports: BTreeMap<Vec<u8>, Report> = BTreeMap::new();
    let (mut withdrawn, mut withdrawn_but_embedded) = (0, 0);
    let mut newest = None;
    let embedded = store::embedded();
    for eco in [Ecosystem::Npm, Ecosystem::Pypi] {
        let (source, bytes) = fetch(&origin, eco, opts, show)?;
        let label = format!("{}/all.zip", eco.osv_name().unwrap_or_default());
        let parsed = feed::parse_zip(eco, &label, &bytes, now)?;
        if !parsed.future.is_empty() && !opts.force {
            let n = parsed.future.len();
            let shown: Vec<&str> = parsed.future.iter().take(3).map(String::as_str).collect();
            return fail(format!(
                "{label}: {n} report(s) dated in the future: {}{}. Either the feed or this machine's clock is wrong; \
                 refusing the feed (use --force to accept it: its dates then count as today)",
                shown.join(", "),
                if n > 3 { ", ..." } else { "" }
            ));
        }
        let info = FeedInfo {
            ecosystem: eco,
            // Stored in the data file and shown by doctor: never with credentials.
            source: crate::redact::text(&source),
            sha256: format!("{:x}", Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
            malicious_reports: parsed.reports.len() as u64,
            newest_modified: parsed.newest_modified.clone(),
            imported: crate::time::format_rfc3339(now),
        };
        if let Some(prev) = previous.iter().find(|f| f.ecosystem == eco)
            && !opts.force
        {
            refuse_going_backwards(&label, &info, prev)?;
        }
        if info.malicious_reports == 0 && !opts.force {
            return fail(format!(
                "{label}: holds no malicious-package (MAL-) reports; refusing an empty feed (use --force to accept it)"
            ));
        }
        newest = newest.max(crate::time::parse_rfc3339(&info.newest_modified));
        for (name, report) in parsed.reports {
            if let Some(p) = crate::time::parse_rfc3339(&report.published) {
                newest = newest.max(Some(p.min(now)));
            }
            let key = snapshot::key(snapshot::malicious_tag(eco), &eco.normalize(&name));
            match reports.get_mut(&key) {
                Some(existing) => existing.merge(report),
                None => {
                    reports.insert(key, report);
                }
            }
        }
        withdrawn += parsed.withdrawn.len();
        withdrawn_but_embedded += parsed
            .withdrawn
            .iter()
            .filter(|(name, id)| {
                embedded
                    .malicious(eco, &eco.normalize(name))
                    .is_some_and(|r| &r.id == id)
            })
            .count();
        feeds.push(info);
    }
    let meta = Meta {
        format: updated::FORMAT,
        newest_report: newest
            .map(|t| crate::time::format_rfc3339(t.min(now)))
            .unwrap_or_default(),
        built: crate::time::format_rfc3339(now),
        sources: feeds
            .iter()
            .map(|f| {
                format!(
                    "OSV feed {} ({} malicious reports, sha256 {})",
                    f.source, f.malicious_reports, f.sha256
                )
            })
            .collect(),
        malicious_count: reports.len() as u64,
        popular_count: 0,
        feeds: feeds.clone(),
    };
    let bytes = updated::write(&meta, &reports)?;
    let check = Updated::open(&bytes).and_then(|u| u.verify().map(|()| u.checksum()));
    let checksum = check.map_err(|e| {
        UpdateError::new(format!(
            "the new data does not verify ({e}); nothing was changed"
        ))
    })?;
    install(&path, &bytes)?;
    store::stamp_installed(&path, &checksum, now);
    Ok(Summary {
        feeds,
        path,
        reports: reports.len() as u64,
        withdrawn,
        withdrawn_but_embedded,
    })
}

/// A feed older than, or much smaller than, the previous import needs `--force`. The previous
/// feed's version counts no later than its import, so a feed dated in the future that was
/// forced in once cannot make every later genuine feed look older.
fn refuse_going_backwards(
    label: &str,
    info: &FeedInfo,
    prev: &FeedInfo,
) -> Result<(), UpdateError> {
    let t = |s: &str| crate::time::parse_rfc3339(s);
    let prev_version = match (t(&prev.newest_modified), t(&prev.imported)) {
        (Some(m), Some(i)) => Some(m.min(i)),
        (m, i) => m.or(i),
    };
    if let (Some(new), Some(old)) = (t(&info.newest_modified), prev_version)
        && new < old
    {
        return fail(format!(
            "{label}: this feed is older than the data in use (newest report {} < {}); refusing to go backwards (use --force to accept it)",
            info.newest_modified,
            crate::time::format_rfc3339(old)
        ));
    }
    if info.malicious_reports * 100 < prev.malicious_reports * SANE_SHARE_PERCENT {
        return fail(format!(
            "{label}: {} malicious reports, far fewer than the {} of the previous import; the feed looks truncated (use --force to accept it)",
            info.malicious_reports, prev.malicious_reports
        ));
    }
    Ok(())
}

/// Take the update lock in the data dir without waiting: a second update (manual or in the
/// background) never queues behind a slow download. Held until the returned file is dropped.
fn lock(path: &Path) -> Result<File, UpdateError> {
    use std::os::unix::fs::OpenOptionsExt;
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |what: &str, e: &dyn std::fmt::Display| {
        UpdateError::new(format!("{what} in {}: {e}", dir.display()))
    };
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create the data directory", &e))?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(dir.join(LOCK_NAME))
        .map_err(|e| io("cannot open the update lock", &e))?;
    let meta = lock
        .metadata()
        .map_err(|e| io("cannot read the update lock", &e))?;
    if !meta.is_file() {
        return Err(io(
            "cannot use the update lock",
            &format!("{LOCK_NAME} is not a regular file"),
        ));
    }
    match lock.try_lock() {
        Ok(()) => Ok(lock),
        Err(std::fs::TryLockError::WouldBlock) => Err(UpdateError {
            message: format!(
                "another installguard update is running (it holds {}); try again when it has finished",
                dir.join(LOCK_NAME).display()
            ),
            kind: Failure::Busy,
        }),
        Err(std::fs::TryLockError::Error(e)) => Err(io("cannot take the update lock", &e)),
    }
}

/// Write `bytes` to a temporary file next to `path` and rename it over `path` (the caller
/// holds the update lock).
fn install(path: &Path, bytes: &[u8]) -> Result<(), UpdateError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.{}.tmp", store::FILE_NAME, std::process::id()));
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e: std::io::Error| {
        UpdateError::new(format!(
            "cannot write the new data in {}: {e}",
            dir.display()
        ))
    })
}

/// What to do after a failure, by its kind: where else the feeds can come from.
fn way_forward(e: &UpdateError, chosen_by: &str) -> Option<String> {
    match e.kind {
        Failure::Network => Some(format!(
            "the feed location ({chosen_by}) could not be used from this machine. If it is offline or \
             behind a firewall: download npm/all.zip and PyPI/all.zip from {DEFAULT_FEED} where you can and run \
             `installguard update --from DIR`; use a mirror with `installguard update --from URL`; or set \
             `[data] feed = \"https://...\"` in the machine or user policy to your organisation's mirror"
        )),
        Failure::Busy | Failure::Other => None,
    }
}

/// The `update` command.
pub fn run(opts: &Options) -> i32 {
    if opts.auto {
        return run_background(opts);
    }
    let chosen_by = feed_location(opts).map(|(_, by)| by).unwrap_or_default();
    match update(opts) {
        Ok(s) => {
            for f in &s.feeds {
                say!(
                    "imported {} ({} malicious reports, newest {}, sha256 {})",
                    f.source,
                    f.malicious_reports,
                    f.newest_modified,
                    f.sha256
                );
            }
            if s.withdrawn > 0 {
                say!(
                    "{} withdrawn report(s) left out{}",
                    s.withdrawn,
                    if s.withdrawn_but_embedded > 0 {
                        format!(
                            "; {} of them are also in the embedded data and stay in effect until installguard is \
                             built from newer data (an [[exceptions]] entry lifts one)",
                            s.withdrawn_but_embedded
                        )
                    } else {
                        String::new()
                    }
                );
            }
            let loaded = store::load();
            if let Some(w) = &loaded.warning {
                say!("WARNING: {w}");
                return exit::DATA;
            }
            say!(
                "reputation data updated: {} reports from the feeds in {}, on top of the {} embedded ones; \
                 newest report {}",
                s.reports,
                s.path.display(),
                loaded.data.embedded().malicious_count,
                loaded.newest_report()
            );
            exit::OK
        }
        Err(e) => {
            say!("update failed: {e}");
            let loaded = store::load();
            say!(
                "the previous reputation data stays in use ({}, {})",
                loaded.origin,
                loaded.data.freshness(crate::time::now_unix()).describe()
            );
            if let Some(next) = way_forward(&e, &chosen_by) {
                say!("{next}");
            }
            exit::DATA
        }
    }
}

// ---- background refresh (`[data] auto-update`) ----

/// The record of the last background refresh, in the state dir.
pub const AUTO_STATE_NAME: &str = "auto-update.json";

#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AutoState {
    /// When the last background refresh started (RFC 3339).
    pub started: String,
    /// When it ended; empty while it runs (or if it was killed).
    #[serde(default)]
    pub finished: String,
    #[serde(default)]
    pub ok: bool,
    /// What happened, in one line.
    #[serde(default)]
    pub message: String,
}

fn auto_state_path() -> Option<PathBuf> {
    crate::dirs::state_dir().map(|d| d.join(AUTO_STATE_NAME))
}

/// The last background refresh, if one was recorded.
pub fn auto_state() -> Option<AutoState> {
    let (mut f, _) = crate::files::open_regular(&auto_state_path()?, 64 * 1024).ok()??;
    let mut text = String::new();
    f.read_to_string(&mut text).ok()?;
    serde_json::from_str(&text).ok()
}

fn write_auto_state(state: &AutoState) {
    let Some(path) = auto_state_path() else {
        return;
    };
    let Some(dir) = path.parent() else { return };
    let tmp = dir.join(format!(".{AUTO_STATE_NAME}.{}.tmp", std::process::id()));
    let text = serde_json::to_string(state).unwrap_or_default();
    let ok = std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, text))
        .and_then(|()| std::fs::rename(&tmp, &path));
    if ok.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
}

/// `installguard update --auto`, as started after an install: quiet, and a busy lock means
/// another refresh is already doing the work.
fn run_background(opts: &Options) -> i32 {
    let started = crate::time::now_rfc3339();
    let result = update(opts);
    if let Err(e) = &result
        && e.kind == Failure::Busy
    {
        return exit::OK;
    }
    let (ok, message) = match &result {
        Ok(s) => (
            true,
            format!(
                "updated: {} reports from {}",
                s.reports,
                s.feeds
                    .iter()
                    .map(|f| f.source.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ),
        Err(e) => (false, format!("failed: {e}")),
    };
    write_auto_state(&AutoState {
        started,
        finished: crate::time::now_rfc3339(),
        ok,
        message: crate::redact::text(&message),
    });
    if ok { exit::OK } else { exit::DATA }
}

/// Whether a background refresh is due at `now` with `interval` seconds between refreshes:
/// none started within the interval and the data in use was not built within it.
pub fn auto_update_due(
    interval: u64,
    last: Option<&AutoState>,
    data_built: Option<i64>,
    now: i64,
) -> bool {
    let interval = i64::try_from(interval).unwrap_or(i64::MAX);
    let recent = |t: Option<i64>| t.is_some_and(|t| t <= now && now - t < interval);
    let last_started = last.and_then(|s| crate::time::parse_rfc3339(&s.started));
    !recent(last_started) && !recent(data_built)
}

/// After an install: start `installguard update --auto` in the background when the policy's
/// `[data] auto-update` interval has passed. Never waits for it and never fails the install;
/// the child runs in its own session with no terminal, so it cannot delay or disturb anything.
pub fn after_install(policy: &crate::policy::Policy, loaded: &store::Loaded) {
    let Some(interval) = policy.auto_update() else {
        return;
    };
    let now = crate::time::now_unix();
    let built = loaded
        .data
        .updated()
        .and_then(|u| crate::time::parse_rfc3339(&u.meta().built));
    if !auto_update_due(interval, auto_state().as_ref(), built, now) {
        return;
    }
    // Record the start first, so the installs that follow within the interval do not start
    // another one; the child records how it ended.
    write_auto_state(&AutoState {
        started: crate::time::format_rfc3339(now),
        message: "started".into(),
        ..AutoState::default()
    });
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut cmd = std::process::Command::new(exe);
    cmd.args(["update", "--auto"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .env_remove(crate::shim::MARKER);
    detach(&mut cmd);
    if let Err(e) = cmd.spawn() {
        write_auto_state(&AutoState {
            started: crate::time::format_rfc3339(now),
            finished: crate::time::format_rfc3339(now),
            ok: false,
            message: format!("failed: cannot start the background update: {e}"),
        });
    }
}

/// Run the child in a session of its own: no controlling terminal, so the shell's Ctrl-C and
/// hang-up do not reach it, and it outlives the guard.
#[cfg(unix)]
fn detach(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
}

#[cfg(not(unix))]
fn detach(_cmd: &mut std::process::Command) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_for_loopback_hosts_whatever_the_userinfo_says() {
        assert!(origin_of("http://u:p@127.0.0.1:8080/osv", false).is_ok());
        assert!(origin_of("http://localhost/osv", false).is_ok());
        for bad in [
            "http://127.0.0.1@evil.example/osv",
            "http://evil.example/127.0.0.1",
            "http://evil.example?127.0.0.1",
        ] {
            let e = origin_of(bad, false).err().unwrap();
            assert!(e.message.contains("refusing plain http"), "{bad}: {e}");
        }
        assert!(origin_of("http://evil.example/osv", true).is_ok());
    }

    #[test]
    fn a_refresh_is_due_once_per_interval() {
        let day: i64 = 86_400;
        let now = 1_800_000_000;
        let at = |t: i64| AutoState {
            started: crate::time::format_rfc3339(t),
            ..AutoState::default()
        };
        assert!(auto_update_due(day as u64, None, None, now));
        assert!(!auto_update_due(
            day as u64,
            Some(&at(now - 3600)),
            None,
            now
        ));
        assert!(auto_update_due(day as u64, Some(&at(now - day)), None, now));
        // Data updated by hand an hour ago: not yet.
        assert!(!auto_update_due(day as u64, None, Some(now - 3600), now));
        // A start time in the future (a clock that jumped back) does not hold refreshes off.
        assert!(auto_update_due(
            day as u64,
            Some(&at(now + 10 * day)),
            None,
            now
        ));
    }

    #[test]
    fn a_feed_forced_in_from_the_future_does_not_block_later_ones() {
        let info = |newest: &str, imported: &str, n: u64| FeedInfo {
            ecosystem: Ecosystem::Npm,
            source: "x".into(),
            sha256: String::new(),
            bytes: 0,
            malicious_reports: n,
            newest_modified: newest.into(),
            imported: imported.into(),
        };
        let forced = info("9999-12-31T00:00:00Z", "2026-01-01T00:00:00Z", 100);
        let later = info("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z", 100);
        assert!(refuse_going_backwards("npm/all.zip", &later, &forced).is_ok());
        let older = info("2025-06-01T00:00:00Z", "2026-02-01T00:00:00Z", 100);
        let e = refuse_going_backwards("npm/all.zip", &older, &forced).unwrap_err();
        assert!(e.message.contains("older than the data in use"), "{e}");
        let small = info("2026-02-01T00:00:00Z", "2026-02-01T00:00:00Z", 10);
        let e = refuse_going_backwards("npm/all.zip", &small, &forced).unwrap_err();
        assert!(e.message.contains("looks truncated"), "{e}");
    }

    /// A server on 127.0.0.1 that accepts connections and then does what `serve` says.
    fn server(serve: fn(std::net::TcpStream)) -> String {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                std::thread::spawn(move || serve(s));
            }
        });
        url
    }

    fn opts(from: String, limits: Limits) -> Options {
        Options {
            from: Some(from),
            force: false,
            allow_http: false,
            max_bytes: DEFAULT_MAX_BYTES,
            limits,
            auto: true,
        }
    }

    /// The per-read limit, with the overall budget far away: a silent server is given up on
    /// after `read`, a trickling one only by the budget.
    #[test]
    fn silent_and_trickling_servers_hit_the_read_limit_and_the_budget() {
        let silent = server(|s| {
            std::thread::sleep(Duration::from_secs(30));
            drop(s);
        });
        let fetch_from = |url: &str, limits: Limits| {
            let origin = origin_of(url, false).unwrap();
            let e = fetch(&origin, Ecosystem::Npm, &opts(url.into(), limits), false).unwrap_err();
            assert_eq!(e.kind, Failure::Network, "{e}");
            e
        };
        let limits = Limits {
            connect: Duration::from_secs(2),
            read: Duration::from_millis(500),
            budget: Duration::from_secs(20),
        };
        let e = fetch_from(&silent, limits);
        assert!(e.message.contains("timed out"), "{e}");

        let trickle = server(|mut s| {
            let _ = s.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n");
            for _ in 0..300 {
                if s.write_all(b"x").is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        });
        let limits = Limits {
            budget: Duration::from_secs(2),
            ..limits
        };
        let e = fetch_from(&trickle, limits);
        assert!(
            e.message.contains("timed out") || e.message.contains("time budget"),
            "{e}"
        );
    }
}
