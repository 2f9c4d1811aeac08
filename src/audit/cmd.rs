//! `installguard audit verify`: walks the hash chain of the log (or a copy of it) and prints
//! the first broken record by file and line. Prints and returns an exit code; writes nothing.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::exit;
use crate::output::say;

/// Exit 0 when the chain is intact (and holds `anchor`, if given), 5 when it is broken, 2 when
/// there is no log to read.
pub fn verify_command(file: Option<PathBuf>, anchor: Option<&str>) -> i32 {
    let explicit = file.is_some();
    let Some(path) = file.or_else(super::log_path) else {
        say!("no state directory (HOME and XDG_STATE_HOME are unset)");
        return exit::USAGE;
    };
    let v = match super::verify(&path, anchor, explicit) {
        Ok(v) => v,
        Err(e) => {
            say!("cannot read {}: {e}", path.display());
            return exit::USAGE;
        }
    };
    let files: Vec<String> = v.files.iter().map(|f| f.display().to_string()).collect();
    let mut text = String::new();
    if let Some(first) = v.problems.first() {
        let _ = writeln!(text, "audit log BROKEN: first broken record at {first}");
        for p in &v.problems[1..] {
            let _ = writeln!(text, "  also {p}");
        }
        let _ = writeln!(
            text,
            "checked {} record(s) in {}",
            v.records,
            files.join(", ")
        );
        crate::output::err(&text);
        return exit::DATA;
    }
    match (v.first_seq, v.last_seq, &v.head) {
        (Some(a), Some(b), Some(h)) => {
            let _ = writeln!(
                text,
                "audit log OK: {} record(s), seq {a}..{b}, in {}\nhead {h}",
                v.records,
                files.join(", ")
            );
        }
        _ => {
            let _ = writeln!(text, "audit log OK: no records yet ({})", files.join(", "));
        }
    }
    if !v.incomplete.is_empty() {
        let _ = writeln!(
            text,
            "{} incomplete invocation(s) (the chain is intact; the tool's outcome was never recorded):",
            v.incomplete.len()
        );
        for i in &v.incomplete {
            let mut i = i.clone();
            i.running = guard_running(&i.host, i.pid);
            let _ = writeln!(text, "  incomplete: {i}");
        }
    }
    if v.unchained > 0 {
        let _ = writeln!(
            text,
            "note: {} older record(s) at the start predate the hash chain and are not verified",
            v.unchained
        );
    }
    crate::output::out_text(&text);
    exit::OK
}

/// Whether the guard that wrote an incomplete invocation (`host`, `pid`) still runs: known
/// only on the host that wrote it.
pub fn guard_running(host: &str, pid: u32) -> Option<bool> {
    (pid > 0 && host == super::host_name()).then(|| process_exists(pid))
}

/// Whether a process with this id exists (signal 0 checks without sending anything; EPERM
/// means it exists but belongs to someone else).
fn process_exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: kill(2) with signal 0 sends nothing.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}
