//! The shim edge: find the real pip/npm/brew on PATH with installguard's own shims skipped,
//! then either hand over (`exec`, for commands that install nothing) or spawn, forward
//! SIGINT/SIGTERM/SIGHUP, wait, and report the child's status. Decides nothing about safety.

use std::ffi::{OsStr, OsString};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;
use which::sys::{RealSys, Sys};

/// Set on the real tool's environment when the guard runs it: an install that sees it was
/// started inside a guarded one (an npm lifecycle script, a build step, a wrapper calling pip
/// again). It only ever says "nested under invocation N, at depth d": the nested install is
/// checked, decided and logged like any other, with no prompt (see [`Nesting`]).
pub const MARKER: &str = "INSTALLGUARD_ACTIVE";

/// Deeper than this, a nested install is refused: guarded installs starting each other without
/// end are a loop (or an attack), not a build.
pub const MAX_DEPTH: u32 = 16;

/// What the recursion marker says about the command being guarded. It never turns a check
/// off: whoever sets the variable (to anything, even empty) gets the same checks, without a
/// prompt (nested installs run unattended: the non-interactive policy decides).
///
/// The rule for the guard's own runs of a real tool (e.g. a resolve-only run): they call the
/// tool by absolute path, so no shim sees them; the marker they carry has `internal` set,
/// which only says "do not start another resolve-only run from here" (so the guard cannot
/// recurse into itself). An install that any code inside such a run starts through a shim is
/// still checked and logged: the marker has no value that skips a check.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Nesting {
    /// 0: not inside a guarded install.
    pub depth: u32,
    /// The invocation id of the guarded install this one runs inside, when the marker names one.
    pub parent: Option<String>,
    /// Inside one of the guard's own runs of a real tool (see above).
    pub internal: bool,
    /// The marker is set but not in installguard's format (someone set it by hand): treated as
    /// nested at depth 1 with no known parent.
    pub foreign: bool,
}

impl Nesting {
    /// Read the marker's value (`depth=1;parent=<id>[;internal]`).
    pub fn from_marker(value: Option<&OsStr>) -> Nesting {
        let Some(value) = value else {
            return Nesting::default();
        };
        let text = value.to_string_lossy();
        let mut n = Nesting {
            depth: 0,
            ..Nesting::default()
        };
        let mut ok = false;
        for part in text.split(';') {
            match part.split_once('=') {
                Some(("depth", d)) => match d.parse::<u32>() {
                    Ok(d) if d > 0 => {
                        n.depth = d;
                        ok = true;
                    }
                    _ => ok = false,
                },
                Some(("parent", p))
                    if !p.is_empty()
                        && p.len() <= 64
                        && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
                {
                    n.parent = Some(p.to_string());
                }
                None if part == "internal" => n.internal = true,
                _ => {
                    ok = false;
                    break;
                }
            }
        }
        if !ok {
            return Nesting {
                depth: 1,
                parent: None,
                internal: false,
                foreign: true,
            };
        }
        n
    }

    /// The marker value for a tool run inside invocation `invocation` of this command.
    pub fn child_marker(&self, invocation: &str, internal: bool) -> OsString {
        let mut v = format!("depth={};parent={invocation}", self.depth.saturating_add(1));
        if internal || self.internal {
            v.push_str(";internal");
        }
        OsString::from(v)
    }
}

/// Written into every script shim; a file that contains it is never taken for the real tool.
pub const SCRIPT_SHIM_TAG: &[u8] = b"installguard-shim";

#[derive(Debug)]
pub enum LookupError {
    /// No executable of that name on PATH, shims aside.
    NotFound {
        program: String,
        shims_seen: Vec<PathBuf>,
    },
}

impl std::fmt::Display for LookupError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LookupError::NotFound {
                program,
                shims_seen,
            } if shims_seen.is_empty() => {
                write!(
                    f,
                    "`{program}` is not installed: no `{program}` found on PATH"
                )
            }
            LookupError::NotFound {
                program,
                shims_seen,
            } => write!(
                f,
                "`{program}` is not installed: the only `{program}` on PATH is installguard's own shim ({}); install the real {program} or put its directory on PATH",
                shims_seen
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    }
}

/// The file name of the small pass-through binary that shim links point to.
pub const LIGHT_BIN: &str = "installguard-shim";
/// The file name of the full binary.
pub const FULL_BIN: &str = "installguard";

/// Our own executables: this one and its siblings `installguard` / `installguard-shim`, all
/// canonical. A PATH entry that resolves to one of them is a shim, never the real tool.
pub fn our_binaries() -> Vec<PathBuf> {
    let Some(me) = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
    else {
        return Vec::new();
    };
    let mut ours = vec![me.clone()];
    if let Some(dir) = me.parent() {
        for name in [FULL_BIN, LIGHT_BIN] {
            if let Ok(p) = dir.join(name).canonicalize()
                && !ours.contains(&p)
            {
                ours.push(p);
            }
        }
    }
    ours
}

/// Is `candidate` one of our shims: a link to one of our binaries, or a script carrying our tag?
pub fn is_shim(candidate: &Path, ours: &[PathBuf]) -> bool {
    if let Ok(target) = candidate.canonicalize()
        && ours.contains(&target)
    {
        return true;
    }
    let Ok(mut file) = std::fs::File::open(candidate) else {
        return false;
    };
    let mut head = [0u8; 512];
    let n = file.read(&mut head).unwrap_or(0);
    head[..n].starts_with(b"#!")
        && head[..n]
            .windows(SCRIPT_SHIM_TAG.len())
            .any(|w| w == SCRIPT_SHIM_TAG)
}

/// The real `program` on `path_var`, skipping every shim. `program` may also be a path
/// (`/usr/bin/pip3`), which is used as it is.
pub fn find_real(program: &OsStr, path_var: Option<&OsStr>) -> Result<PathBuf, LookupError> {
    let name = Path::new(program);
    if name.components().count() > 1 {
        return Ok(name.to_path_buf());
    }
    let ours = our_binaries();
    let mut shims_seen = Vec::new();
    // Empty PATH entries mean "the current directory" to a shell; a guard must not run a
    // `pip` that happens to sit in the directory being worked on, so they are dropped.
    let dirs: Vec<PathBuf> = std::env::split_paths(path_var.unwrap_or_default())
        .filter(|d| !d.as_os_str().is_empty())
        .collect();
    let search = std::env::join_paths(&dirs).unwrap_or_default();
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/"));
    let home = std::env::var_os("HOME").map(PathBuf::from);
    if let Ok(candidates) = on_path(name, search, cwd, home) {
        for candidate in candidates {
            if is_shim(&candidate, &ours) {
                shims_seen.push(candidate);
                continue;
            }
            return Ok(candidate);
        }
    }
    Err(LookupError::NotFound {
        program: program.to_string_lossy().into_owned(),
        shims_seen,
    })
}

/// Every executable `name` in the PATH list `search` (relative entries taken from `cwd`), in
/// order: `which`'s search, with a `~` entry expanded from `home` ($HOME) only. `which`'s
/// own expansion falls back to the password database (`getpwuid_r`), which a statically
/// linked glibc program cannot use reliably (NSS loads shared modules), and the light shim is
/// linked statically on Linux (build.rs): no such lookup may be linked into it.
fn on_path(
    name: &Path,
    search: OsString,
    cwd: PathBuf,
    home: Option<PathBuf>,
) -> which::Result<impl Iterator<Item = PathBuf>> {
    which::WhichConfig::new_with_sys(HomeFromEnv(home))
        .binary_name(name.as_os_str().to_os_string())
        .custom_path_list(search)
        .custom_cwd(cwd)
        .all_results()
}

/// `which`'s view of the system: the real one, except that the home directory is what $HOME
/// says (empty or unset: none), never the password database.
struct HomeFromEnv(Option<PathBuf>);

impl Sys for HomeFromEnv {
    type ReadDirEntry = <RealSys as Sys>::ReadDirEntry;
    type Metadata = <RealSys as Sys>::Metadata;

    fn is_windows(&self) -> bool {
        RealSys.is_windows()
    }
    fn current_dir(&self) -> std::io::Result<PathBuf> {
        RealSys.current_dir()
    }
    fn home_dir(&self) -> Option<PathBuf> {
        self.0.clone().filter(|h| !h.as_os_str().is_empty())
    }
    fn env_split_paths(&self, paths: &OsStr) -> Vec<PathBuf> {
        RealSys.env_split_paths(paths)
    }
    fn env_path(&self) -> Option<OsString> {
        RealSys.env_path()
    }
    fn env_path_ext(&self) -> Option<OsString> {
        RealSys.env_path_ext()
    }
    fn metadata(&self, path: &Path) -> std::io::Result<Self::Metadata> {
        RealSys.metadata(path)
    }
    fn symlink_metadata(&self, path: &Path) -> std::io::Result<Self::Metadata> {
        RealSys.symlink_metadata(path)
    }
    fn read_dir(
        &self,
        path: &Path,
    ) -> std::io::Result<Box<dyn Iterator<Item = std::io::Result<Self::ReadDirEntry>>>> {
        RealSys.read_dir(path)
    }
    fn is_valid_executable(&self, path: &Path) -> std::io::Result<bool> {
        RealSys.is_valid_executable(path)
    }
}

/// The whole job of the small `installguard-shim` binary that shim links and shell functions
/// point to: a command that installs nothing is handed to the real tool at once (`exec`);
/// anything else, or anything not understood, goes to the full `installguard` binary by
/// argv[0] dispatch (its argv[0] is the program name, the arguments follow untouched, so no
/// option of the tool is ever taken for installguard's own). The decision is
/// [`crate::cmdline::passage`]'s, from argv alone: no file, pipe or setting is read, so it
/// links only the argv grammars, not the file readers.
pub fn light_main() -> i32 {
    let mut argv = std::env::args_os();
    let argv0 = argv.next().unwrap_or_default();
    let mut name = Path::new(&argv0)
        .file_name()
        .unwrap_or(&argv0)
        .to_os_string();
    // Called by its own name (the shell functions): the program comes first.
    if name == LIGHT_BIN {
        let Some(program) = argv.next() else {
            crate::output::say!("usage: {LIGHT_BIN} <program> [arguments...]");
            return crate::exit::USAGE;
        };
        name = program;
    }
    let args: Vec<OsString> = argv.collect();
    if crate::cmdline::Program::from_name(&name).is_none() {
        crate::output::say!(
            "{LIGHT_BIN} does not guard `{}`: expected {}; nothing was run",
            name.to_string_lossy(),
            crate::cmdline::guarded_list()
        );
        return crate::exit::USAGE;
    }
    let Ok(real) = find_real(&name, std::env::var_os("PATH").as_deref()) else {
        // The full binary says why in its own words.
        return delegate(&name, &args);
    };
    // Nothing to install, from argv alone: straight through, no file read. Nested or not,
    // anything that may install goes to the guard.
    if crate::cmdline::passage::passage(&name, &args) == crate::cmdline::passage::Passage::Guard {
        return delegate(&name, &args);
    }
    let args = without_auto_install(&name, &args);
    let e = exec(&real, &real_argv0(&name, &real), &args, &[]);
    crate::output::say!("cannot run {}: {e}", real.display());
    crate::exit::for_spawn_error(&e)
}

/// bun's runtime auto-installs the packages the code it runs imports when no `node_modules`
/// is found above it (or with `--install=force`): fetched at run time, unchecked
/// ([`crate::cmdline::bun::runs_code`]). Such a command runs with `--no-install` (a missing import
/// then fails with bun's "Cannot find package"), and the guard says so when auto-install
/// would have been on. Any other command is left as it is. Both the light shim and the
/// guard hand commands that install nothing over through here.
pub fn without_auto_install(program: &OsStr, args: &[OsString]) -> Vec<OsString> {
    let text: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    if crate::cmdline::Program::from_name(program) != Some(crate::cmdline::Program::Bun)
        || !crate::cmdline::bun::runs_code(&text)
        || text.iter().any(|a| a == "--no-install")
    {
        return args.to_vec();
    }
    let asked = text
        .iter()
        .any(|a| a == "-i" || a == "--install" || a.starts_with("--install="));
    let found = std::env::current_dir()
        .is_ok_and(|d| d.ancestors().any(|a| a.join("node_modules").is_dir()));
    if asked || !found {
        crate::output::say!(
            "bun runs this with --no-install: its runtime auto-install would fetch the packages \
             the code imports unchecked; add them with `bun add` (checked) first"
        );
    }
    let mut out = vec![OsString::from("--no-install")];
    out.extend_from_slice(args);
    out
}

/// Hand `name args` to the full `installguard` binary next to this one, as if it had been
/// called through a link named `name` (argv[0] dispatch: no option parsing of ours).
fn delegate(name: &OsStr, args: &[OsString]) -> i32 {
    use std::os::unix::process::CommandExt;
    let full = std::env::current_exe()
        .ok()
        .and_then(|p| p.canonicalize().ok())
        .and_then(|p| p.parent().map(|d| d.join(FULL_BIN)));
    let Some(full) = full else {
        crate::output::say!(
            "cannot find the installguard binary next to {LIGHT_BIN}; nothing was run"
        );
        return crate::exit::NOT_FOUND;
    };
    let e = Command::new(&full).arg0(name).args(args).exec();
    crate::output::say!("cannot run {}: {e}; nothing was run", full.display());
    crate::exit::NOT_FOUND
}

/// The argv[0] the real tool gets. An interpreter gets the absolute path it was found at:
/// CPython derives `sys.executable` (and so venvs, `-m venv`, subprocesses) from argv[0], and
/// a bare `python3` would be looked up on PATH again and found as our own link. Every other
/// tool gets the name that was typed, as a shell would pass it.
pub fn real_argv0(name: &OsStr, real: &Path) -> OsString {
    match crate::cmdline::Program::from_name(name) {
        Some(crate::cmdline::Program::Python) => real.as_os_str().to_os_string(),
        _ => Path::new(name).file_name().unwrap_or(name).to_os_string(),
    }
}

/// How the real tool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChildEnd {
    Exited(i32),
    Signaled(i32),
}

/// A pipe whose ends are closed on exec (read end first): the guard hands one to a child
/// explicitly, at the descriptor it names.
pub(crate) fn cloexec_pipe() -> std::io::Result<(std::fs::File, std::fs::File)> {
    handover::cloexec_pipe()
}

impl ChildEnd {
    /// How a child the guard waited for ended.
    pub fn of(status: std::process::ExitStatus) -> ChildEnd {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(c), _) => ChildEnd::Exited(c),
            (None, Some(s)) => ChildEnd::Signaled(s),
            (None, None) => ChildEnd::Exited(1),
        }
    }

    /// The exit code a shell would report: the child's code, or 128 + signal.
    pub fn code(self) -> i32 {
        match self {
            ChildEnd::Exited(c) => c,
            ChildEnd::Signaled(s) => 128 + s,
        }
    }
}

fn command(real: &Path, argv0: &OsStr, args: &[OsString], env: &[(&str, OsString)]) -> Command {
    use std::os::unix::process::CommandExt;
    let mut cmd = Command::new(real);
    cmd.arg0(argv0).args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// Replace this process with the real tool (pass-through), with `env` added to its
/// environment. Returns only on failure.
pub fn exec(
    real: &Path,
    argv0: &OsStr,
    args: &[OsString],
    env: &[(&str, OsString)],
) -> std::io::Error {
    use std::os::unix::process::CommandExt;
    command(real, argv0, args, env).exec()
}

/// Run the real tool to completion, with `env` added to its environment, forwarding
/// termination signals sent to us. Each pipe the guard read for it (`handovers`) is given to
/// it again: a fresh pipe at the same descriptor, fed the same bytes.
pub fn spawn_and_wait(
    real: &Path,
    argv0: &OsStr,
    args: &[OsString],
    env: &[(&str, OsString)],
    handovers: &[crate::world::Handover],
) -> std::io::Result<ChildEnd> {
    let mut cmd = command(real, argv0, args, env);
    let feeds = handover::prepare(&mut cmd, handovers)?;
    let child = spawn_forwarded(&mut cmd);
    // The read ends now live in the child (or nowhere): the writers see EPIPE if it stops
    // reading, instead of waiting for ever.
    let writers = handover::start(feeds);
    let mut child = child?;
    drop(writers);
    let status = child.wait();
    stop_forwarding();
    Ok(ChildEnd::of(status?))
}

mod handover {
    //! Giving the real tool a pipe the guard has already read: a new pipe whose read end the
    //! child gets at the original descriptor number, and a thread that writes the bytes in.
    use std::fs::File;
    use std::io::Write;
    use std::os::fd::{FromRawFd, RawFd};
    use std::os::unix::process::CommandExt;
    use std::process::Command;

    use crate::world::Handover;

    pub struct Feed {
        read: File,
        write: File,
        bytes: Vec<u8>,
    }

    pub fn cloexec_pipe() -> std::io::Result<(File, File)> {
        let mut fds = [0 as RawFd; 2];
        // SAFETY: pipe into a two-element array; each end is owned by one File below.
        if unsafe { libc::pipe(fds.as_mut_ptr()) } != 0 {
            return Err(std::io::Error::last_os_error());
        }
        for fd in fds {
            unsafe { libc::fcntl(fd, libc::F_SETFD, libc::FD_CLOEXEC) };
        }
        Ok(unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) })
    }

    /// Make the pipes and have the child put each read end at its descriptor.
    pub fn prepare(cmd: &mut Command, handovers: &[Handover]) -> std::io::Result<Vec<Feed>> {
        let mut feeds = Vec::new();
        let mut moves: Vec<(RawFd, RawFd)> = Vec::new();
        for h in handovers {
            let (read, write) = cloexec_pipe()?;
            moves.push((std::os::fd::AsRawFd::as_raw_fd(&read), h.fd));
            feeds.push(Feed {
                read,
                write,
                bytes: h.bytes.clone(),
            });
        }
        if !moves.is_empty() {
            // SAFETY: only async-signal-safe calls (dup2, fcntl) between fork and exec.
            unsafe {
                cmd.pre_exec(move || {
                    for &(from, to) in &moves {
                        if from == to {
                            libc::fcntl(to, libc::F_SETFD, 0);
                        } else if libc::dup2(from, to) < 0 {
                            return Err(std::io::Error::last_os_error());
                        }
                    }
                    Ok(())
                });
            }
        }
        Ok(feeds)
    }

    /// Close our read ends and write each pipe's bytes from a thread of its own (a pipe holds
    /// only so much until the tool reads). The threads end when written or refused.
    pub fn start(feeds: Vec<Feed>) -> Vec<std::thread::JoinHandle<()>> {
        feeds
            .into_iter()
            .map(|f| {
                drop(f.read);
                let (mut write, bytes) = (f.write, f.bytes);
                std::thread::spawn(move || {
                    let _ = write.write_all(&bytes);
                })
            })
            .collect()
    }
}

/// Start `cmd` with termination signals sent to the guard forwarded to it until
/// [`stop_forwarding`]; the guard itself stays alive to log what happened. The only way the
/// guard starts a child it waits for (resolve-only runs, `npm config get`, the real tool): the
/// handlers are in place before the child exists, and a signal that arrives before the child
/// is registered is held and delivered to it at registration, so none is lost in between.
pub fn spawn_forwarded(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    signals::arm();
    let child = cmd.spawn()?;
    #[cfg(debug_assertions)]
    signals::test_hook();
    signals::forward_to(child.id() as libc::pid_t);
    Ok(child)
}

/// Stop forwarding to the child registered by [`spawn_forwarded`]. Returns the termination
/// signal it was sent on the guard's behalf (forwarded, or the terminal's, which it got
/// directly), if any: the child may have caught it and exited with a code of its own.
pub fn stop_forwarding() -> Option<i32> {
    signals::stop_forwarding()
}

/// Take a termination signal that reached the guard while no child ran (while it checked or
/// asked): the guard was told to stop, so it must not start the tool afterwards.
pub fn take_held_signal() -> Option<i32> {
    #[cfg(debug_assertions)]
    signals::test_signal_before_tool();
    signals::take_held()
}

mod signals {
    //! Forwarding SIGINT/SIGTERM/SIGHUP/SIGQUIT to the child. A signal the terminal sent to the
    //! whole foreground process group already reached the child, so only signals sent to us
    //! by another process (`kill`) are forwarded; either way we stay alive to log the outcome.
    //!
    //! No signal is lost: the handlers are installed (once, for good) before the first child
    //! is spawned, and a signal that arrives while no child is registered (just after a spawn,
    //! or between two runs) is held in `PENDING` and sent to the next child when it is
    //! registered. Both the handler and the registration take `PENDING` with an atomic
    //! read-modify-write after publishing their side, so exactly one of them delivers it.
    //! A terminal signal held that way may reach a child twice (the terminal's, if the child
    //! existed by then, and ours): both mean "stop".
    use std::sync::Once;
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The registered child (0: none).
    static CHILD: AtomicI32 = AtomicI32::new(0);
    /// A signal received that no child has been sent yet (0: none).
    static PENDING: AtomicI32 = AtomicI32::new(0);
    /// The signal the registered child was sent on our behalf (0: none).
    static SENT: AtomicI32 = AtomicI32::new(0);
    static ARMED: Once = Once::new();
    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    /// Signals generated by `kill(2)`/`sigqueue(3)` rather than by the terminal driver.
    fn sent_by_process(code: libc::c_int) -> bool {
        #[cfg(target_os = "linux")]
        {
            code == libc::SI_USER || code == libc::SI_QUEUE || code == libc::SI_TKILL
        }
        #[cfg(not(target_os = "linux"))]
        {
            code == libc::SI_USER || code == libc::SI_QUEUE
        }
    }

    extern "C" fn handler(sig: libc::c_int, info: *mut libc::siginfo_t, _: *mut libc::c_void) {
        // SAFETY: the kernel passes a valid siginfo_t for SA_SIGINFO handlers.
        let code = if info.is_null() {
            libc::SI_USER
        } else {
            unsafe { (*info).si_code }
        };
        // Only atomics and kill(2): async-signal-safe.
        PENDING.store(sig, Ordering::SeqCst);
        let pid = CHILD.load(Ordering::SeqCst);
        if pid > 0
            && PENDING
                .compare_exchange(sig, 0, Ordering::SeqCst, Ordering::SeqCst)
                .is_ok()
        {
            SENT.store(sig, Ordering::SeqCst);
            if sent_by_process(code) {
                // SAFETY: kill on our registered, not yet reaped child.
                unsafe {
                    libc::kill(pid, sig);
                }
            }
        }
    }

    /// Install the handlers, once; they stay for the life of the process.
    pub fn arm() {
        ARMED.call_once(|| {
            for sig in SIGNALS {
                // SAFETY: installing a handler that only uses atomics and kill.
                unsafe {
                    let mut action: libc::sigaction = std::mem::zeroed();
                    action.sa_sigaction = handler as *const () as usize;
                    action.sa_flags = libc::SA_SIGINFO | libc::SA_RESTART;
                    libc::sigemptyset(&raw mut action.sa_mask);
                    // No handler runs inside another: a SIGINT landing in the SIGTERM
                    // handler between its store and its take of PENDING would take the
                    // slot, and the SIGTERM would never be forwarded.
                    for other in SIGNALS {
                        libc::sigaddset(&raw mut action.sa_mask, other);
                    }
                    libc::sigaction(sig, &raw const action, std::ptr::null_mut());
                }
            }
        });
    }

    /// Register `pid` and send it any signal that arrived while none was registered.
    pub fn forward_to(pid: libc::pid_t) {
        SENT.store(0, Ordering::SeqCst);
        CHILD.store(pid, Ordering::SeqCst);
        let held = PENDING.swap(0, Ordering::SeqCst);
        if held != 0 {
            SENT.store(held, Ordering::SeqCst);
            // SAFETY: kill on the child just spawned, not yet reaped.
            unsafe {
                libc::kill(pid, held);
            }
        }
    }

    /// The signal held while no child was registered, if any, taken.
    pub fn take_held() -> Option<i32> {
        match PENDING.swap(0, Ordering::SeqCst) {
            0 => None,
            sig => Some(sig),
        }
    }

    pub fn stop_forwarding() -> Option<i32> {
        CHILD.store(0, Ordering::SeqCst);
        match SENT.swap(0, Ordering::SeqCst) {
            0 => None,
            sig => Some(sig),
        }
    }

    /// Debug builds only: `INSTALLGUARD_TEST_SIGNAL_BEFORE_TOOL=<TERM|INT>` sends the guard
    /// that signal after it has decided and before it starts the tool (no child registered):
    /// the window of a `kill` that lands while the guard checks or asks.
    #[cfg(debug_assertions)]
    pub fn test_signal_before_tool() {
        let sig = match std::env::var_os("INSTALLGUARD_TEST_SIGNAL_BEFORE_TOOL") {
            Some(v) if v == "TERM" => libc::SIGTERM,
            Some(v) if v == "INT" => libc::SIGINT,
            _ => return,
        };
        // SAFETY: kill(2) of our own process.
        unsafe {
            libc::kill(libc::getpid(), sig);
        }
    }

    /// Debug builds (the test binary) only: `INSTALLGUARD_TEST_SIGNAL_AT_SPAWN=<n>:<TERM|INT>`
    /// sends the guard that signal right after its nth child is spawned, before it is
    /// registered: the window a real `kill` can hit by chance.
    #[cfg(debug_assertions)]
    pub fn test_hook() {
        use std::sync::atomic::AtomicU32;
        static SPAWNED: AtomicU32 = AtomicU32::new(0);
        let n = SPAWNED.fetch_add(1, Ordering::SeqCst) + 1;
        let Some(value) = std::env::var_os("INSTALLGUARD_TEST_SIGNAL_AT_SPAWN") else {
            return;
        };
        let sig = match value.to_string_lossy().split_once(':') {
            Some((at, "TERM")) if at.parse() == Ok(n) => libc::SIGTERM,
            Some((at, "INT")) if at.parse() == Ok(n) => libc::SIGINT,
            _ => return,
        };
        // SAFETY: kill(2) of our own process, whose handlers are installed.
        unsafe {
            libc::kill(libc::getpid(), sig);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_marker_says_where_a_command_is_nested_and_never_less_than_nested() {
        let read = |v: Option<&str>| Nesting::from_marker(v.map(OsStr::new));
        assert_eq!(read(None), Nesting::default());
        let n = read(Some("depth=2;parent=0190a1b2-c3d4"));
        assert_eq!(
            (n.depth, n.parent.as_deref(), n.foreign),
            (2, Some("0190a1b2-c3d4"), false)
        );
        assert_eq!(
            n.child_marker("abc", false),
            OsString::from("depth=3;parent=abc")
        );
        assert!(read(Some("depth=1;parent=x;internal")).internal);
        assert_eq!(
            read(Some("depth=1;internal")).child_marker("p", false),
            OsString::from("depth=2;parent=p;internal")
        );
        // Set by hand to anything else (the old "pip", "1", empty, garbage): nested, unknown parent.
        for v in [
            "",
            "1",
            "pip",
            "depth=0",
            "depth=x",
            "depth=1;parent=a b",
            "depth=1;skip=1",
        ] {
            let n = read(Some(v));
            assert_eq!((n.depth, n.parent, n.foreign), (1, None, true), "{v:?}");
        }
    }

    fn write_exec(path: &Path, body: &str) {
        std::fs::write(path, body).unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }

    #[test]
    fn script_shims_are_skipped_and_the_next_tool_is_found() {
        let t = tempfile::tempdir().unwrap();
        let (shims, real) = (t.path().join("shims"), t.path().join("bin"));
        std::fs::create_dir_all(&shims).unwrap();
        std::fs::create_dir_all(&real).unwrap();
        write_exec(
            &shims.join("pip"),
            "#!/bin/sh\n# installguard-shim\nexec installguard run pip \"$@\"\n",
        );
        write_exec(&real.join("pip"), "#!/bin/sh\necho real\n");
        std::fs::write(real.join("npm"), "not executable").unwrap();
        let path = std::env::join_paths([&shims, &real]).unwrap();
        assert_eq!(
            find_real(OsStr::new("pip"), Some(&path)).unwrap(),
            real.join("pip")
        );
        let err = find_real(OsStr::new("npm"), Some(&path)).unwrap_err();
        assert!(err.to_string().contains("not installed"), "{err}");
        let only_shims = std::env::join_paths([&shims]).unwrap();
        let err = find_real(OsStr::new("pip"), Some(&only_shims)).unwrap_err();
        assert!(err.to_string().contains("installguard's own shim"), "{err}");
    }

    #[test]
    fn a_tilde_path_entry_is_the_home_that_home_names_and_nothing_else() {
        let t = tempfile::tempdir().unwrap();
        let (home, elsewhere) = (t.path().join("home"), t.path().join("cwd"));
        std::fs::create_dir_all(home.join("bin")).unwrap();
        std::fs::create_dir_all(&elsewhere).unwrap();
        write_exec(&home.join("bin/pip"), "#!/bin/sh\necho real\n");
        let search = OsString::from("~/bin");
        let found: Vec<PathBuf> = on_path(
            Path::new("pip"),
            search.clone(),
            elsewhere.clone(),
            Some(home.clone()),
        )
        .unwrap()
        .collect();
        assert_eq!(found, [home.join("bin/pip")]);
        // No $HOME (or an empty one): `~` is not expanded from anywhere else.
        for none in [None, Some(PathBuf::new())] {
            let found = on_path(Path::new("pip"), search.clone(), elsewhere.clone(), none);
            assert!(found.map_or(0, Iterator::count) == 0);
        }
    }
}
