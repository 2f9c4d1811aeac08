//! Running third-party code on hostile input where its panics cannot take the guard down: a
//! panic inside [`contain`] comes back as an `Err` with the panic's message, which the caller
//! turns into an error naming the file. Also the process's panic hook: a contained panic prints
//! nothing, any other panic prints one redacted line (credentials never reach stderr through a
//! panic message). Needs `panic = "unwind"`, which is why the release profile sets it. Does not
//! catch aborts, stack overflows or loops: inputs are bounded in size before they get here.

use std::cell::Cell;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    /// How many `contain` calls are running on this thread.
    static DEPTH: Cell<u32> = const { Cell::new(0) };
    /// How many panics `contain` has caught on this thread.
    static CONTAINED: Cell<usize> = const { Cell::new(0) };
}

static HOOK: Once = Once::new();

/// How many panics `contain` has caught on this thread (the fuzz tests report them; per
/// thread so that tests running side by side do not see each other's).
pub fn contained_count() -> usize {
    CONTAINED.with(Cell::get)
}

/// Install the panic hook (once per process): silent inside [`contain`], else one redacted
/// line naming the place, plus the backtrace when `RUST_BACKTRACE` asks for it.
pub fn install_hook() {
    HOOK.call_once(|| {
        panic::set_hook(Box::new(|info| {
            if DEPTH.with(Cell::get) > 0 {
                return;
            }
            let msg = payload_text(info.payload());
            let place = info
                .location()
                .map(|l| format!(" at {}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let bt = std::backtrace::Backtrace::capture();
            let bt = match bt.status() {
                std::backtrace::BacktraceStatus::Captured => format!("\n{bt}"),
                _ => String::new(),
            };
            eprintln!(
                "installguard: internal error (a bug in installguard; please report it): {}{place}{}",
                crate::redact::text(&msg),
                crate::redact::text(&bt)
            );
        }));
    });
}

fn payload_text(p: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = p.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = p.downcast_ref::<String>() {
        s.clone()
    } else {
        "(no message)".to_string()
    }
}

/// Run `f`; a panic inside it becomes `Err(message)` (redacted) instead of ending the process.
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    install_hook();
    DEPTH.with(|d| d.set(d.get() + 1));
    let r = panic::catch_unwind(AssertUnwindSafe(f));
    DEPTH.with(|d| d.set(d.get() - 1));
    r.map_err(|p| {
        CONTAINED.with(|c| c.set(c.get() + 1));
        crate::redact::text(&payload_text(p.as_ref()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_an_error_and_the_count_goes_up() {
        let before = contained_count();
        assert_eq!(contain(|| 7), Ok(7));
        let e = contain(|| -> u8 { panic!("boom token=abc123secret") }).unwrap_err();
        assert_eq!(e, "boom token=***");
        assert_eq!(contained_count(), before + 1);
        // Nested and repeated use leaves the thread in a clean state.
        let outer = contain(|| contain(|| -> u8 { panic!("inner") }).is_err());
        assert_eq!(outer, Ok(true));
        assert_eq!(DEPTH.with(Cell::get), 0);
    }

    /// `contain` only works when panics unwind: a release build with `panic = "abort"` would
    /// turn every contained parser panic back into a crash (exit 134, no audit record).
    #[test]
    fn the_release_profile_unwinds() {
        let manifest =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml")).unwrap();
        let release = manifest
            .split("[profile.release]")
            .nth(1)
            .unwrap_or_default();
        let release = release.split("\n[").next().unwrap_or_default();
        assert!(
            !release.contains("panic = \"abort\""),
            "[profile.release] must not set panic = \"abort\": contain() needs unwinding"
        );
    }
}
