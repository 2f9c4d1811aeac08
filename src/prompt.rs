//! The terminal edge: whether a person can be asked, and asking them (a dialoguer menu whose
//! default is Cancel). Never waits for input that cannot come: without a terminal (or in CI)
//! the caller decides by policy instead. Explaining the findings is the guard's job. Two
//! menus: warn-level findings (install, cancel, a dated exception) and install-time code (run
//! once, approve and remember, install with it off, cancel).

use std::io::IsTerminal;

/// True when stdin and stderr are terminals and we are not in CI.
pub fn interactive() -> bool {
    std::io::stdin().is_terminal() && std::io::stderr().is_terminal() && !in_ci()
}

/// Why no prompt is shown although stdin and stderr are terminals (`CI` is set), for the
/// message that says a confirmation was needed; None otherwise.
pub fn why_not_asked() -> Option<String> {
    let terminals = std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    (terminals && in_ci()).then(|| {
        format!(
            "CI={} is set, which means an unattended run: no prompt is shown even on a terminal \
             (unset CI to be asked)",
            std::env::var_os("CI").unwrap_or_default().to_string_lossy()
        )
    })
}

fn in_ci() -> bool {
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false" && v != "0")
}

/// What the person chose at the warn-level prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    Cancel,
    Install,
    /// Add a dated exception to the user policy, then install.
    Exception,
    /// Ctrl-C (or a SIGINT from elsewhere) while the menu was shown: nothing is installed,
    /// and the guard exits 130 as a shell expects of an interrupted command.
    Interrupted,
}

/// While it lives, SIGINT does not kill the process: the menu's read returns `Interrupted`
/// (console raises SIGINT itself when it reads Ctrl-C in raw mode), so the guard can show the
/// cursor again, log the decision and exit 130. The previous action comes back on drop.
struct CatchInterrupt {
    previous: libc::sigaction,
}

extern "C" fn on_interrupt(_: libc::c_int) {}

impl CatchInterrupt {
    fn new() -> CatchInterrupt {
        // SAFETY: plain sigaction calls with a handler that does nothing (async-signal-safe);
        // no SA_RESTART, so a blocked read returns EINTR.
        unsafe {
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_interrupt as *const () as usize;
            libc::sigemptyset(&raw mut action.sa_mask);
            let mut previous: libc::sigaction = std::mem::zeroed();
            libc::sigaction(libc::SIGINT, &raw const action, &raw mut previous);
            CatchInterrupt { previous }
        }
    }
}

impl Drop for CatchInterrupt {
    fn drop(&mut self) {
        // SAFETY: restores the action saved in `new`.
        unsafe {
            libc::sigaction(libc::SIGINT, &raw const self.previous, std::ptr::null_mut());
        }
    }
}

/// What a menu returned: an item, a cancel (Esc or q), or an interrupt (Ctrl-C).
enum Picked {
    Item(usize),
    Cancelled,
    Interrupted,
}

/// A menu on stderr whose default is the first item. Ctrl-C (or a SIGINT from elsewhere)
/// comes back as `Interrupted` with the cursor shown again, instead of killing the process
/// with the cursor hidden and nothing logged.
fn select(prompt: &str, items: &[String]) -> std::io::Result<Picked> {
    let term = dialoguer::console::Term::stderr();
    let picked = {
        let _catch = CatchInterrupt::new();
        dialoguer::Select::new()
            .with_prompt(prompt)
            .items(items)
            .default(0)
            .interact_on_opt(&term)
    };
    match picked {
        Ok(Some(i)) => Ok(Picked::Item(i)),
        Ok(None) => Ok(Picked::Cancelled),
        Err(dialoguer::Error::IO(e)) => {
            // dialoguer hid the cursor and returns before showing it again.
            let _ = term.show_cursor();
            if e.kind() == std::io::ErrorKind::Interrupted {
                let _ = term.write_line("");
                Ok(Picked::Interrupted)
            } else {
                Err(e)
            }
        }
    }
}

/// The warn-level menu on stderr: Cancel (the default), Install anyway, and, when
/// `offer_exception`, an exception for `days` days. Esc or q also cancels.
pub fn choose(offer_exception: bool, days: u32) -> std::io::Result<Choice> {
    let mut items = vec![
        "Cancel: install nothing".to_string(),
        "Install anyway (logged as your decision)".to_string(),
    ];
    if offer_exception {
        items.push(format!(
            "Add an exception for {days} days to your policy, then install"
        ));
    }
    Ok(
        match select(
            "Install anyway? (arrow keys or j/k, Enter to choose)",
            &items,
        )? {
            Picked::Item(1) => Choice::Install,
            Picked::Item(2) => Choice::Exception,
            Picked::Interrupted => Choice::Interrupted,
            Picked::Item(_) | Picked::Cancelled => Choice::Cancel,
        },
    )
}

/// What the person chose about install-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScriptChoice {
    Cancel,
    /// Run it this time.
    Once,
    /// Remember the approval in the user policy, then install.
    Approve,
    /// Install with the tool's scripts-off flag.
    Off,
    /// Ctrl-C at the menu: nothing is installed, exit 130.
    Interrupted,
}

/// The install-time code menu on stderr: Cancel (the default), run it this once, approve and
/// remember it (when `offer_approve`), install with it off (when the tool has `off_flag`).
pub fn choose_scripts(
    offer_approve: bool,
    off_flag: Option<&str>,
) -> std::io::Result<ScriptChoice> {
    let mut items = vec![
        ("Cancel: install nothing".to_string(), ScriptChoice::Cancel),
        (
            "Run it this once (logged as your decision)".to_string(),
            ScriptChoice::Once,
        ),
    ];
    if offer_approve {
        items.push((
            "Approve it (remembered in your policy), then install".to_string(),
            ScriptChoice::Approve,
        ));
    }
    if let Some(flag) = off_flag {
        items.push((
            format!("Install without running it ({flag})"),
            ScriptChoice::Off,
        ));
    }
    let labels: Vec<String> = items.iter().map(|(l, _)| l.clone()).collect();
    Ok(
        match select(
            "Run this install-time code? (arrow keys or j/k, Enter to choose)",
            &labels,
        )? {
            Picked::Item(i) => items.get(i).map_or(ScriptChoice::Cancel, |(_, c)| *c),
            Picked::Cancelled => ScriptChoice::Cancel,
            Picked::Interrupted => ScriptChoice::Interrupted,
        },
    )
}
