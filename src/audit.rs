//! The audit log: one JSON line per guarded install decision, appended under an exclusive lock
//! with a single write, in `$XDG_STATE_HOME/installguard/audit.jsonl`. Append-only: nothing
//! here rewrites or deletes a record.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub const FILE_NAME: &str = "audit.jsonl";

/// Who decided that the install goes ahead or not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DecidedBy {
    /// No findings above info, or a block rule.
    Policy,
    /// The user answered the prompt.
    User,
    /// `--yes` / `INSTALLGUARD_YES=1` accepted warn-level findings.
    Yes,
    /// A prompt was needed but there was no terminal.
    NoTerminal,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    Allowed,
    Blocked,
    Declined,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub time: String,
    pub user: String,
    pub host: String,
    pub pid: u32,
    pub cwd: String,
    pub program: String,
    pub argv: Vec<String>,
    pub targets: serde_json::Value,
    pub findings: serde_json::Value,
    pub verdict: String,
    pub decision: Decision,
    pub decided_by: DecidedBy,
    /// The real tool's exit code; absent when it was not run.
    pub exit_code: Option<i32>,
    pub version: String,
}

pub fn log_path() -> Option<PathBuf> {
    crate::dirs::state_dir().map(|d| d.join(FILE_NAME))
}

/// Append one record: built in memory, written with one `write_all` under an exclusive lock.
pub fn append(path: &Path, record: &Record) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut line = serde_json::to_vec(record).map_err(std::io::Error::other)?;
    line.push(b'\n');
    let mut file = OpenOptions::new().create(true).append(true).open(path)?;
    file.lock()?;
    let result = file.write_all(&line);
    let _ = file.unlock();
    result
}

/// A line of the log that is not a valid record (a torn write, an edit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadLine {
    pub line: usize,
    pub error: String,
}

/// Every record of the log in order, and the lines that could not be read.
pub fn read(path: &Path) -> std::io::Result<(Vec<Record>, Vec<BadLine>)> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((Vec::new(), Vec::new())),
        Err(e) => return Err(e),
    };
    let mut records = Vec::new();
    let mut bad = Vec::new();
    let ends_clean = text.is_empty() || text.ends_with(b"\n");
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let count = lines.len() - usize::from(ends_clean);
    for (i, raw) in lines.into_iter().take(count).enumerate() {
        match serde_json::from_slice::<Record>(raw) {
            Ok(r) => records.push(r),
            Err(e) => bad.push(BadLine {
                line: i + 1,
                error: if i + 1 == count && !ends_clean {
                    format!("torn last line (no newline; a write was interrupted): {e}")
                } else {
                    e.to_string()
                },
            }),
        }
    }
    Ok((records, bad))
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
mod tests {
    use super::*;

    fn record(n: i32) -> Record {
        Record {
            time: "2026-11-28T00:00:00Z".into(),
            user: "u".into(),
            host: "h".into(),
            pid: 1,
            cwd: "/".into(),
            program: "pip".into(),
            argv: vec!["install".into(), "x".into()],
            targets: serde_json::json!([]),
            findings: serde_json::json!([]),
            verdict: "allow".into(),
            decision: Decision::Allowed,
            decided_by: DecidedBy::Policy,
            exit_code: Some(n),
            version: "0".into(),
        }
    }

    #[test]
    fn append_and_read_back_and_torn_line_is_reported() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("state/audit.jsonl");
        append(&p, &record(0)).unwrap();
        append(&p, &record(1)).unwrap();
        let (recs, bad) = read(&p).unwrap();
        assert_eq!(recs.len(), 2);
        assert!(bad.is_empty());
        std::fs::OpenOptions::new()
            .append(true)
            .open(&p)
            .unwrap()
            .write_all(b"{\"time\":\"20")
            .unwrap();
        let (recs, bad) = read(&p).unwrap();
        assert_eq!(recs.len(), 2);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, 3);
        assert!(bad[0].error.contains("torn"));
    }
}
