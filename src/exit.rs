//! The one place where outcomes become process exit codes. The table is documented in the
//! README and asserted by the integration tests.

use crate::verdict::Verdict;

/// A guard command succeeded (`check`: allow).
pub const OK: i32 = 0;
/// `check` found warn-level findings.
pub const CHECK_WARN: i32 = 1;
/// Usage error, an input file installguard cannot read, or an invalid policy (installs are
/// blocked until it is fixed); nothing was run.
pub const USAGE: i32 = 2;
/// Blocked by policy or reputation; the real tool was not run.
pub const BLOCKED: i32 = 3;
/// Declined at the prompt, or a confirmation was needed and there was no terminal.
pub const DECLINED: i32 = 4;
/// Fail-closed data error: the reputation data cannot be used, or is older than the policy's
/// `[data] max-age` with `[rules] stale-data = "block"`.
pub const DATA: i32 = 5;
/// The install ran (the tool exited 0), and the watch saw it change a startup location or read
/// a credential store, with `[watch] on-finding = "fail"` (for CI).
pub const BEHAVIOUR: i32 = 6;
/// Interrupted at the prompt (Ctrl-C): nothing was installed; 128 + SIGINT, as a shell
/// reports a command that SIGINT ended.
pub const INTERRUPTED: i32 = 130;
/// The real tool exists but could not be executed.
pub const NOT_EXECUTABLE: i32 = 126;
/// The real tool is not installed.
pub const NOT_FOUND: i32 = 127;

/// `check`'s exit code for a verdict.
pub fn for_check(verdict: Verdict) -> i32 {
    match verdict {
        Verdict::Allow => OK,
        Verdict::Warn => CHECK_WARN,
        Verdict::Block => BLOCKED,
    }
}

/// Exit code when spawning or exec'ing the real tool failed.
pub fn for_spawn_error(e: &std::io::Error) -> i32 {
    match e.kind() {
        std::io::ErrorKind::NotFound => NOT_FOUND,
        _ => NOT_EXECUTABLE,
    }
}
