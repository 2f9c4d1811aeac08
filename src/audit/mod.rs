//! The audit log: one hash-chained JSON line per guarded install decision, appended under an
//! exclusive lock with a single write in `$XDG_STATE_HOME/installguard/audit.jsonl`, rotated by
//! size, optionally forwarded to syslog. Append-only: nothing here rewrites or deletes a record.
//! Decides nothing about safety; it only records, verifies and reports whether recording worked
//! ([`preflight`], [`commit`]) so the guard can fail closed when the policy asks for it.

mod chain;
mod cmd;
mod file;
pub mod ocsf;
mod query;
pub mod syslog;

use std::path::PathBuf;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::names::serde_by_name;
use crate::redact::{Redacted, RedactedJson};

pub use chain::verify;
pub use cmd::{guard_running, verify_command};
pub use file::{Appended, append, read, rotated_files};
pub use query::{LogFormat, Query, parse_decision, parse_when};

pub const FILE_NAME: &str = "audit.jsonl";

/// The `[audit]` part of the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditSettings {
    /// `udp://host:port`, `tcp://host:port` or `unix:///dev/log`: forward each record there.
    pub syslog: Option<String>,
    /// Block installs when the record cannot be written.
    pub required: bool,
    /// Block installs when the record cannot be delivered to `syslog`.
    pub require_delivery: bool,
    /// Rotate the log file when it would grow past this many bytes.
    pub max_bytes: u64,
}

impl Default for AuditSettings {
    fn default() -> Self {
        AuditSettings {
            syslog: None,
            required: false,
            require_delivery: false,
            max_bytes: 10 * 1024 * 1024,
        }
    }
}

/// Who decided that the install goes ahead or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DecidedBy {
    /// No findings above info, or a block rule.
    Policy,
    /// A policy exception allowed what would otherwise be warned about or blocked.
    Exception,
    /// The user answered the prompt.
    User,
    /// The prompt was interrupted (Ctrl-C): declined, nothing installed.
    Interrupt,
    /// `--yes` / `INSTALLGUARD_YES=1` accepted warn-level findings.
    Yes,
    /// A prompt was needed but there was no terminal.
    NoTerminal,
    /// The policy requires the audit record (or its delivery) and that failed: fail closed.
    Audit,
    /// `installguard bypass --reason TEXT`: the real tool ran whatever the findings; the
    /// reason is in the record.
    Bypass,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Blocked,
    Declined,
}

impl DecidedBy {
    pub const ALL: [DecidedBy; 8] = [
        DecidedBy::Policy,
        DecidedBy::Exception,
        DecidedBy::User,
        DecidedBy::Interrupt,
        DecidedBy::Yes,
        DecidedBy::NoTerminal,
        DecidedBy::Audit,
        DecidedBy::Bypass,
    ];

    /// The name in the log, syslog and OCSF (`no-terminal`).
    pub fn as_str(self) -> &'static str {
        match self {
            DecidedBy::Policy => "policy",
            DecidedBy::Exception => "exception",
            DecidedBy::User => "user",
            DecidedBy::Interrupt => "interrupt",
            DecidedBy::Yes => "yes",
            DecidedBy::NoTerminal => "no-terminal",
            DecidedBy::Audit => "audit",
            DecidedBy::Bypass => "bypass",
        }
    }
}

serde_by_name!(DecidedBy, as_str, deserialize);

impl Decision {
    pub const ALL: [Decision; 3] = [Decision::Allowed, Decision::Blocked, Decision::Declined];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allowed => "allowed",
            Decision::Blocked => "blocked",
            Decision::Declined => "declined",
        }
    }
}

serde_by_name!(Decision, as_str, deserialize);
/// What a record stands for. An install that goes ahead has two records with the same
/// `invocation`: `starting`, written (and, with `[audit] required`, known to be on disk) before
/// the real tool runs, and `finished` after it, with its exit code. A `starting` record with no
/// `finished` one is an incomplete invocation: the guard was killed (or is still running) while
/// the tool ran; `audit verify` and `log` report it. Anything not run has one `decided` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Event {
    /// A decision on its own: blocked, declined, or a record from before events existed.
    #[default]
    Decided,
    /// Allowed; written before the real tool runs.
    Starting,
    /// The real tool's outcome (or an install stopped after `starting` by the audit layer).
    Finished,
}

impl Event {
    pub const ALL: [Event; 3] = [Event::Decided, Event::Starting, Event::Finished];

    pub fn as_str(self) -> &'static str {
        match self {
            Event::Decided => "decided",
            Event::Starting => "starting",
            Event::Finished => "finished",
        }
    }
}

serde_by_name!(Event, as_str, deserialize);

/// A new invocation id: UUIDv7 layout (48-bit Unix milliseconds, then random bits), so ids
/// sort by time and never repeat across processes or hosts.
pub fn invocation_id() -> String {
    use sha2::{Digest, Sha256};
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    // RandomState is seeded from the operating system's randomness.
    let mut random = std::collections::hash_map::RandomState::new().build_hasher();
    random.write_u128(now.as_nanos());
    let mut h = Sha256::new();
    h.update(random.finish().to_le_bytes());
    h.update(now.as_nanos().to_le_bytes());
    h.update(std::process::id().to_le_bytes());
    h.update(host_name().as_bytes());
    let r = h.finalize();
    let ms = (now.as_millis() as u64).to_be_bytes();
    let mut b = [0u8; 16];
    b[..6].copy_from_slice(&ms[2..]);
    b[6..].copy_from_slice(&r[..10]);
    b[6] = 0x70 | (b[6] & 0x0f);
    b[8] = 0x80 | (b[8] & 0x3f);
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// Where a nested install ran: inside which guarded install (its `invocation`), how deep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nested {
    pub depth: u32,
    /// The outer install's `invocation`; absent when the marker did not name one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// The marker was set by hand (not in installguard's format).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub foreign: bool,
}

/// Which reputation data made the verdict, and how old it was.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DataInfo {
    pub origin: String,
    pub built: String,
    pub newest_report: String,
    /// Days between the newest report and this decision.
    pub age_days: Option<i64>,
}

/// One install decision. Field order is the stored order; `hash` is always last on disk.
/// Every free-text field that could carry a credential is a redacted type.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// Position in the chain, from 1, continuous across rotated files.
    #[serde(default)]
    pub seq: u64,
    /// The previous record's `hash` ([`GENESIS`] for the first).
    #[serde(default)]
    pub prev: String,
    pub time: String,
    /// One id per guarded command: a `starting` record and its `finished` record share it,
    /// and a nested install's `nested.parent` names it.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub invocation: String,
    /// What this record stands for ([`Event`]).
    #[serde(default)]
    pub event: Event,
    pub host: String,
    pub user: String,
    pub pid: u32,
    pub cwd: Redacted,
    pub program: String,
    pub argv: Vec<Redacted>,
    /// Each target with the findings about it.
    pub targets: RedactedJson,
    /// Indexes, registries and taps the command points to.
    #[serde(default)]
    pub sources: RedactedJson,
    /// Every finding, flat (also nested under their targets).
    pub findings: RedactedJson,
    /// What resolving the whole tree came to: the tool, `resolved` or `unresolved` (and why),
    /// how many packages (direct, transitive), whether the install was pinned to the checked
    /// tree and whether what it left matches it (`verified`, `drift`). Each checked package
    /// is a target with its `resolved` version and integrity.
    #[serde(default, skip_serializing_if = "RedactedJson::is_empty")]
    pub resolution: RedactedJson,
    pub verdict: String,
    pub decision: Decision,
    pub decided_by: DecidedBy,
    /// Why the audit layer blocked the install, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<Redacted>,
    /// Every loosening that shaped this decision (a finding lifted by an allow or exception,
    /// a rule or setting lowered by a later layer, `--yes`) and every one a machine lock
    /// refused, each with its layer and place (`policy::Loosening`).
    #[serde(default, skip_serializing_if = "RedactedJson::is_empty")]
    pub loosened: RedactedJson,
    /// Set when this install was started inside another guarded one (a lifecycle script, a
    /// build step): its depth and the outer install's `invocation`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<Nested>,
    /// The install-time code the command runs (lifecycle scripts, dependencies' install
    /// scripts, builds, `.pth` files), each with what the `[scripts]` policy made of it.
    #[serde(default, skip_serializing_if = "RedactedJson::is_empty")]
    pub scripts: RedactedJson,
    /// Arguments installguard added to the real tool's command line (`--ignore-scripts`), so
    /// what ran is on the record next to what was typed (`argv`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub added_args: Vec<Redacted>,
    /// The real tool's exit code; absent when it was not run.
    pub exit_code: Option<i32>,
    /// How long the real tool ran, in milliseconds; absent when it was not run.
    #[serde(default)]
    pub duration_ms: Option<u64>,
    /// What the watch saw while the real tool ran (`finished` records): startup and
    /// persistence locations created, modified or deleted, and credential stores read
    /// (`watch::Behaviour`: what, category, path, change, technique, detail).
    #[serde(default, skip_serializing_if = "RedactedJson::is_empty")]
    pub behaviour: RedactedJson,
    /// How much the watch could see (`watch::Coverage`: complete, problems, reads, ms);
    /// absent when nothing was watched.
    #[serde(default, skip_serializing_if = "RedactedJson::is_empty")]
    pub watch: RedactedJson,
    pub version: String,
    #[serde(default)]
    pub data: DataInfo,
    /// Set when this record follows a torn (interrupted) line, which stays in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub after_torn_line: Option<usize>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub hash: String,
    /// When the decision was made (for `duration_ms`); never stored.
    #[serde(skip)]
    pub started: Option<Instant>,
}

impl Record {
    /// A record of one decision, with everything that could hold a credential redacted.
    pub fn new(
        request: &crate::request::Request,
        args: &[std::ffi::OsString],
        evaluation: &crate::verdict::Evaluation,
        loaded: &crate::reputation::store::Loaded,
        decision: Decision,
        decided_by: DecidedBy,
    ) -> Record {
        let targets: Vec<serde_json::Value> = request
            .targets
            .iter()
            .map(|t| {
                let mut v = serde_json::to_value(t).unwrap_or_default();
                let origin = t.origin.to_string();
                let own: Vec<&crate::verdict::Finding> = evaluation
                    .findings
                    .iter()
                    .filter(|f| f.target == t.label() && f.origin == origin)
                    .collect();
                if let Some(o) = v.as_object_mut() {
                    o.insert(
                        "findings".into(),
                        serde_json::to_value(own).unwrap_or_default(),
                    );
                }
                v
            })
            .collect();
        let secrets = crate::redact::argv_secrets(args);
        let now = crate::time::now_unix();
        Record {
            seq: 0,
            prev: String::new(),
            time: crate::time::format_rfc3339(now),
            invocation: invocation_id(),
            event: Event::Decided,
            host: host_name(),
            user: user_name(),
            pid: std::process::id(),
            cwd: Redacted::new(
                &std::env::current_dir()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default(),
            ),
            program: request.program.clone(),
            argv: crate::redact::argv(args)
                .iter()
                .map(|a| Redacted::new(a))
                .collect(),
            targets: RedactedJson::from_serialize_masking(&targets, &secrets),
            sources: RedactedJson::from_serialize_masking(&request.sources, &secrets),
            findings: RedactedJson::from_serialize_masking(&evaluation.findings, &secrets),
            resolution: RedactedJson::default(),
            verdict: evaluation.verdict.as_str().to_string(),
            decision,
            decided_by,
            reason: None,
            loosened: RedactedJson::default(),
            nested: None,
            scripts: RedactedJson::default(),
            added_args: Vec::new(),
            exit_code: None,
            duration_ms: None,
            behaviour: RedactedJson::default(),
            watch: RedactedJson::default(),
            version: env!("CARGO_PKG_VERSION").into(),
            data: DataInfo {
                origin: crate::redact::text(&loaded.origin.to_string()),
                built: loaded.built().to_string(),
                newest_report: loaded.newest_report().to_string(),
                age_days: loaded.data.freshness(now).age_days,
            },
            after_torn_line: None,
            hash: String::new(),
            started: Some(Instant::now()),
        }
    }

    /// The `finished` record that follows this `starting` one (same invocation), with the
    /// real tool's exit code (`None`: the tool was not run after all) and the time now.
    pub fn finished(&self, exit_code: Option<i32>) -> Record {
        let mut r = self.clone();
        r.event = Event::Finished;
        r.time = crate::time::format_rfc3339(crate::time::now_unix());
        r.exit_code = exit_code;
        r.duration_ms = exit_code.and(self.started.map(|t| t.elapsed().as_millis() as u64));
        r.after_torn_line = None;
        r.hash.clear();
        r
    }

    /// The behaviour findings, read back (entries this version cannot read are skipped).
    pub fn behaviour(&self) -> Vec<crate::watch::Behaviour> {
        self.behaviour
            .value()
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|b| serde_json::from_value(b.clone()).ok())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The watch's coverage, read back; None when nothing was watched.
    pub fn coverage(&self) -> Option<crate::watch::Coverage> {
        serde_json::from_value(self.watch.value().clone()).ok()
    }

    /// The record as stored, without its trailing `hash` member: the bytes the hash covers.
    pub fn body(&self) -> Vec<u8> {
        let mut copy = self.clone();
        copy.hash.clear();
        serde_json::to_vec(&copy).unwrap_or_default()
    }

    /// The stored line (without newline), `hash` included.
    pub fn line(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub fn log_path() -> Option<PathBuf> {
    crate::dirs::state_dir().map(|d| d.join(FILE_NAME))
}

/// Why the audit layer refuses an install (the policy requires what failed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditError {
    /// `[audit] required = true` and the record cannot be written.
    NotWritten(String),
    /// `[audit] require_delivery = true` and the record cannot be delivered to syslog.
    NotDelivered(String),
}

impl std::fmt::Display for AuditError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AuditError::NotWritten(e) => write!(
                f,
                "the audit log is required by policy and cannot be written: {e}"
            ),
            AuditError::NotDelivered(e) => write!(
                f,
                "audit delivery to syslog is required by policy and failed: {e}"
            ),
        }
    }
}

/// What happened to a committed record.
#[derive(Debug, Clone, Default)]
pub struct CommitReport {
    /// Where it was written, with its chain position; `None` when it was not written.
    pub appended: Option<Appended>,
    /// True when it was handed to syslog.
    pub exported: bool,
    /// Failures the policy tolerates, for the guard to print (already redacted).
    pub warnings: Vec<String>,
    /// A failure of what the policy requires (`[audit] required`, `require-delivery`): the
    /// guard fails closed on it (before the tool runs, for a `starting` record).
    pub failure: Option<AuditError>,
}

/// Record a decision: append it to the chain (one locked write, rotating by size; refused
/// whole rather than torn when the disk is full), then forward it to syslog when configured.
/// For a `starting` record the write is checked to be on disk (and room left for the
/// `finished` one) before this returns, so the guard knows before the real tool runs.
pub fn commit(settings: &AuditSettings, mut record: Record) -> CommitReport {
    let mut report = CommitReport::default();
    match log_path() {
        None => {
            let e = "no state directory (HOME and XDG_STATE_HOME are unset)".to_string();
            report
                .warnings
                .push(format!("this decision was not logged: {e}"));
            if settings.required {
                report.failure = Some(AuditError::NotWritten(e));
            }
        }
        Some(path) => match append(&path, settings.max_bytes, &mut record) {
            Ok(a) => {
                if let Some(line) = a.after_torn_line {
                    report.warnings.push(format!(
                        "{}:{line}: a torn record (an interrupted write) precedes this one; \
                         it is kept and `installguard audit verify` reports it",
                        a.path.display()
                    ));
                }
                report.appended = Some(a);
            }
            Err(e) => {
                let e = format!("{}: {e}", path.display());
                report
                    .warnings
                    .push(format!("could not write the audit log {e}"));
                if settings.required {
                    report.failure = Some(AuditError::NotWritten(e));
                }
            }
        },
    }
    if report.failure.is_some() {
        return report;
    }
    if let Some(url) = &settings.syslog {
        match syslog::send_record(url, &record) {
            Ok(()) => report.exported = true,
            Err(e) => {
                let e = crate::redact::text(&format!("{url}: {e}"));
                if settings.require_delivery {
                    report.failure = Some(AuditError::NotDelivered(e));
                } else {
                    report
                        .warnings
                        .push(format!("could not forward the audit record to syslog {e}"));
                }
            }
        }
    } else if settings.require_delivery {
        report.failure = Some(AuditError::NotDelivered(
            "delivery is required but no syslog destination is set".into(),
        ));
    }
    report
}

/// The user name: `$USER`, else the password database.
pub fn user_name() -> String {
    if let Some(u) = std::env::var_os("USER").filter(|u| !u.is_empty()) {
        return u.to_string_lossy().into_owned();
    }
    // SAFETY: getpwuid returns a pointer into static storage or null; we copy out at once.
    unsafe {
        let pw = libc::getpwuid(libc::getuid());
        if !pw.is_null() && !(*pw).pw_name.is_null() {
            return std::ffi::CStr::from_ptr((*pw).pw_name)
                .to_string_lossy()
                .into_owned();
        }
        format!("uid:{}", libc::getuid())
    }
}

pub fn host_name() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates within it or
    // truncates, and we stop at the first NUL.
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

#[cfg(test)]
pub(crate) fn test_record(n: i32) -> Record {
    Record {
        seq: 0,
        prev: String::new(),
        time: "2026-11-28T00:00:00Z".into(),
        invocation: String::new(),
        event: Event::Decided,
        user: "u".into(),
        host: "h".into(),
        pid: 1,
        cwd: Redacted::new("/"),
        program: "pip".into(),
        argv: vec![Redacted::new("install"), Redacted::new("x")],
        targets: RedactedJson::from_value(serde_json::json!([{"name": "x", "findings": []}])),
        sources: RedactedJson::from_value(serde_json::json!([])),
        findings: RedactedJson::from_value(serde_json::json!([])),
        resolution: RedactedJson::default(),
        verdict: "allow".into(),
        decision: Decision::Allowed,
        decided_by: DecidedBy::Policy,
        reason: None,
        loosened: RedactedJson::default(),
        nested: None,
        scripts: RedactedJson::default(),
        added_args: Vec::new(),
        exit_code: Some(n),
        duration_ms: Some(1),
        behaviour: RedactedJson::default(),
        watch: RedactedJson::default(),
        version: "0".into(),
        data: DataInfo::default(),
        after_torn_line: None,
        hash: String::new(),
        started: None,
    }
}
