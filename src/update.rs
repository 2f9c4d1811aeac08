//! `installguard update`: fetch OSV bulk feeds (`<base>/npm/all.zip`, `<base>/PyPI/all.zip`)
//! from a URL or a local directory, validate them, merge their malicious reports into the
//! embedded snapshot's, and swap the result in atomically under a lock. The network and file
//! edge of the reputation data; a failed update leaves the previous data in use.

use std::fs::OpenOptions;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::ecosystem::Ecosystem;
use crate::exit;
use crate::reputation::import::Builder;
use crate::reputation::snapshot::{FeedInfo, Snapshot};
use crate::reputation::store;
use crate::reputation::{DataError, feed};

/// OSV's public bulk-download location.
pub const DEFAULT_FEED: &str = "https://osv-vulnerabilities.storage.googleapis.com";
/// Largest feed archive we download or read (OSV's npm archive is a few hundred MiB).
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;
/// A feed with fewer reports than this share of the previous import looks truncated.
const SANE_SHARE_PERCENT: u64 = 90;

pub struct Options {
    pub from: Option<String>,
    pub force: bool,
    pub allow_http: bool,
    pub max_bytes: u64,
}

fn fail<T>(msg: impl Into<String>) -> Result<T, DataError> {
    Err(DataError(msg.into()))
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

fn origin_of(from: &str, allow_http: bool) -> Result<Origin, DataError> {
    let lower = from.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("http://") {
        let host = rest.split(['/', '?']).next().unwrap_or("");
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

fn progress(label: &str, done: u64, total: Option<u64>) {
    let mib = |b: u64| b as f64 / (1 << 20) as f64;
    let text = match total {
        Some(t) => format!(
            "\rinstallguard: downloading {label}: {:.1} / {:.1} MiB",
            mib(done),
            mib(t)
        ),
        None => format!("\rinstallguard: downloading {label}: {:.1} MiB", mib(done)),
    };
    let _ = std::io::stderr().write_all(text.as_bytes());
}

fn read_capped(
    mut reader: impl Read,
    label: &str,
    max: u64,
    total: Option<u64>,
) -> Result<Vec<u8>, DataError> {
    let show = std::io::stderr().is_terminal();
    let mut out = Vec::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = reader
            .read(&mut buf)
            .map_err(|e| DataError(format!("{label}: download interrupted: {e}")))?;
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
        if out.len() as u64 > max {
            return fail(format!(
                "{label}: larger than the {max}-byte limit; refusing it"
            ));
        }
        if show {
            progress(label, out.len() as u64, total);
        }
    }
    if show {
        let _ = std::io::stderr().write_all(b"\n");
    }
    if let Some(t) = total
        && t != out.len() as u64
    {
        return fail(format!(
            "{label}: got {} of {t} bytes; the download was cut short",
            out.len()
        ));
    }
    Ok(out)
}

fn fetch(origin: &Origin, eco: Ecosystem, max: u64) -> Result<(String, Vec<u8>), DataError> {
    let dir_name = eco.osv_name().expect("only OSV ecosystems are fetched");
    let label = format!("{dir_name}/all.zip");
    match origin {
        Origin::Dir(dir) => {
            let path = dir.join(dir_name).join("all.zip");
            let file = std::fs::File::open(&path).map_err(|e| {
                DataError(format!(
                    "{}: cannot open ({e}); a feed directory holds npm/all.zip and PyPI/all.zip",
                    path.display()
                ))
            })?;
            let len = file.metadata().map(|m| m.len()).ok();
            if len.is_some_and(|l| l > max) {
                return fail(format!(
                    "{}: larger than the {max}-byte limit; refusing it",
                    path.display()
                ));
            }
            let bytes = read_capped(file, &path.display().to_string(), max, len)?;
            Ok((path.display().to_string(), bytes))
        }
        Origin::Url(base) => {
            let url = format!("{base}/{dir_name}/all.zip");
            let https_only = base.to_ascii_lowercase().starts_with("https://");
            let agent: ureq::Agent = ureq::Agent::config_builder()
                .timeout_connect(Some(Duration::from_secs(15)))
                .timeout_global(Some(Duration::from_secs(600)))
                .https_only(https_only)
                .tls_config(
                    ureq::tls::TlsConfig::builder()
                        .root_certs(ureq::tls::RootCerts::PlatformVerifier)
                        .build(),
                )
                .build()
                .into();
            let response = agent.get(&url).call().map_err(|e| match e {
                ureq::Error::StatusCode(404) => DataError(format!(
                    "{url}: not found (404); the feed location must hold npm/all.zip and PyPI/all.zip"
                )),
                other => DataError(format!("{url}: {other}")),
            })?;
            let total = response
                .headers()
                .get("content-length")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok());
            if total.is_some_and(|t| t > max) {
                return fail(format!(
                    "{url}: {} bytes is larger than the {max}-byte limit; refusing it",
                    total.unwrap_or(0)
                ));
            }
            let reader = response
                .into_body()
                .into_with_config()
                .limit(max + 1)
                .reader();
            let bytes = read_capped(reader, &label, max, total)?;
            Ok((url, bytes))
        }
    }
}

/// Fetch, validate, merge and install the feeds. Returns what was imported.
pub fn update(opts: &Options) -> Result<Vec<FeedInfo>, DataError> {
    let from = match &opts.from {
        Some(f) => f.clone(),
        None => {
            let loaded = crate::policy::load(&[]);
            if !loaded.is_valid() {
                return fail(
                    "the installguard policy is invalid, so its [data] feed cannot be trusted; fix it (installguard policy check) or pass --from",
                );
            }
            loaded.policy.feed().unwrap_or(DEFAULT_FEED).to_string()
        }
    };
    let origin = origin_of(&from, opts.allow_http)?;
    let current = store::load();
    let previous = current.snapshot.meta().feeds.clone();
    let mut feeds = Vec::new();
    let mut parsed_all = Vec::new();
    for eco in [Ecosystem::Npm, Ecosystem::Pypi] {
        let (source, bytes) = fetch(&origin, eco, opts.max_bytes)?;
        let label = format!("{}/all.zip", eco.osv_name().unwrap_or_default());
        let parsed = feed::parse_zip(eco, &label, &bytes)?;
        let info = FeedInfo {
            ecosystem: eco,
            source,
            sha256: format!("{:x}", Sha256::digest(&bytes)),
            bytes: bytes.len() as u64,
            malicious_reports: parsed.reports.len() as u64,
            newest_modified: parsed.newest_modified.clone(),
            imported: crate::time::now_rfc3339(),
        };
        if let Some(prev) = previous.iter().find(|f| f.ecosystem == eco)
            && !opts.force
        {
            if info.newest_modified < prev.newest_modified {
                return fail(format!(
                    "{label}: this feed is older than the data in use (newest report {} < {}); refusing to go backwards (use --force to accept it)",
                    info.newest_modified, prev.newest_modified
                ));
            }
            if info.malicious_reports * 100 < prev.malicious_reports * SANE_SHARE_PERCENT {
                return fail(format!(
                    "{label}: {} malicious reports, far fewer than the {} of the previous import; the feed looks truncated (use --force to accept it)",
                    info.malicious_reports, prev.malicious_reports
                ));
            }
        }
        if info.malicious_reports == 0 && !opts.force {
            return fail(format!(
                "{label}: holds no malicious-package (MAL-) reports; refusing an empty feed (use --force to accept it)"
            ));
        }
        feeds.push(info);
        parsed_all.push((eco, parsed));
    }
    let embedded = store::embedded();
    let mut builder = Builder::from_snapshot(&embedded);
    for (eco, parsed) in parsed_all {
        for (name, report) in parsed.reports {
            builder.add_report(eco, &name, report);
        }
        for name in parsed.withdrawn {
            builder.remove_report(eco, &name);
        }
    }
    for f in &feeds {
        builder.note_source(format!(
            "OSV feed {} ({} malicious reports, sha256 {})",
            f.source, f.malicious_reports, f.sha256
        ));
    }
    let bytes = builder.finish_with_feeds(crate::time::now_rfc3339(), feeds.clone())?;
    Snapshot::open(std::borrow::Cow::Borrowed(&bytes)).map_err(|e| {
        DataError(format!(
            "the merged data does not open ({e}); nothing was changed"
        ))
    })?;
    let path = store::updated_path()
        .ok_or_else(|| DataError("no data directory (HOME and XDG_DATA_HOME are unset)".into()))?;
    install(&path, &bytes)?;
    Ok(feeds)
}

/// Write `bytes` to a temporary file next to `path` and rename it over `path`, under a lock so
/// two updates never interleave.
fn install(path: &Path, bytes: &[u8]) -> Result<(), DataError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let io = |what: &str, e: std::io::Error| DataError(format!("{what} in {}: {e}", dir.display()));
    std::fs::create_dir_all(dir).map_err(|e| io("cannot create the data directory", e))?;
    let lock = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(dir.join("update.lock"))
        .map_err(|e| io("cannot open the update lock", e))?;
    lock.lock()
        .map_err(|e| io("cannot take the update lock", e))?;
    let tmp = dir.join(format!(".{}.{}.tmp", store::FILE_NAME, std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(|e| io("cannot write the new data", e))
}

/// The `update` command.
pub fn run(opts: &Options) -> i32 {
    match update(opts) {
        Ok(feeds) => {
            let loaded = store::load();
            let meta = loaded.snapshot.meta();
            for f in &feeds {
                crate::output::say!(
                    "imported {} ({} malicious reports, newest {}, sha256 {})",
                    f.source,
                    f.malicious_reports,
                    f.newest_modified,
                    f.sha256
                );
            }
            crate::output::say!(
                "reputation data updated: {} malicious reports in {}",
                meta.malicious_count,
                loaded.origin
            );
            exit::OK
        }
        Err(e) => {
            crate::output::say!("update failed: {e}");
            crate::output::say!("the previous reputation data stays in use");
            exit::DATA
        }
    }
}
