//! How installguard is put in front of the tools, and whether it is: `shell-init` (PATH links
//! in the shim directory and a shell function per guarded name) and the part of `doctor` that
//! reports, per install command on PATH, whether it is guarded in this shell and for scripts.
//! Both read the one table of guarded names, [`crate::cmdline::GUARDED`]. Rendering the shell
//! text and judging what is guarded are pure; creating links and looking at PATH are edges.
//! Never runs a package manager.

use std::ffi::{OsStr, OsString};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::cmdline::{GUARDED, NOT_GUARDED, Program};
use crate::exit;
use crate::output::{out, say};
use crate::shim;

/// The shells `shell-init` writes for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
}

impl Shell {
    pub fn as_str(self) -> &'static str {
        match self {
            Shell::Bash => "bash",
            Shell::Zsh => "zsh",
            Shell::Fish => "fish",
        }
    }

    fn from_name(name: &str) -> Option<Shell> {
        [Shell::Bash, Shell::Zsh, Shell::Fish]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    /// The line to put in the shell's rc file.
    pub fn rc_line(self) -> &'static str {
        match self {
            Shell::Bash => "eval \"$(installguard shell-init bash)\"  in ~/.bashrc",
            Shell::Zsh => "eval \"$(installguard shell-init zsh)\"  in ~/.zshrc",
            Shell::Fish => "installguard shell-init fish | source  in ~/.config/fish/config.fish",
        }
    }

    /// The same, to run in the current shell.
    fn now_line(self) -> &'static str {
        match self {
            Shell::Bash => "eval \"$(installguard shell-init bash)\"",
            Shell::Zsh => "eval \"$(installguard shell-init zsh)\"",
            Shell::Fish => "installguard shell-init fish | source",
        }
    }
}

/// Exported by the `shell-init` text: `<shell>:<pid of that shell>:<name> <name> ...`, the
/// functions it defined. Children inherit the variable but not the functions, so `doctor`
/// believes it only when its parent process is that shell.
pub const FUNCTIONS_VAR: &str = "INSTALLGUARD_FUNCTIONS";

/// The directory of argv[0] shim links, kept in the data dir.
pub fn shim_dir() -> Option<PathBuf> {
    crate::dirs::data_dir().map(|d| d.join("shims"))
}

/// The guarded names: every row of the table, then each versioned name (`pip3.12`,
/// `python3.11`) of a real tool (not one of our shims) found in a directory of `path` other
/// than `skip`, sorted within each group.
pub fn guarded_names(path: Option<&OsStr>, skip: Option<&Path>) -> Vec<String> {
    let ours = shim::our_binaries();
    let mut names: Vec<String> = GUARDED.iter().map(|g| g.name.to_string()).collect();
    let mut found: Vec<String> = Vec::new();
    for d in std::env::split_paths(path.unwrap_or_default()) {
        if d.as_os_str().is_empty() || Some(d.as_path()) == skip {
            continue;
        }
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let Some(n) = e.file_name().to_str().map(str::to_string) else {
                continue;
            };
            if GUARDED.iter().any(|g| g.versioned && g.matches(&n))
                && !names.contains(&n)
                && !found.contains(&n)
                && !shim::is_shim(&e.path(), &ours)
            {
                found.push(n);
            }
        }
    }
    found.sort();
    names.extend(found);
    names
}

fn sh_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// The text `shell-init` prints: the shim directory first on PATH (when it is not on PATH
/// yet), one function per name calling `runner <name> args`, and [`FUNCTIONS_VAR`].
pub fn render(shell: Shell, shim_dir: &Path, runner: &str, names: &[String]) -> String {
    let d = sh_quote(&shim_dir.to_string_lossy());
    let list = names.join(" ");
    let mut t = String::from(
        "# installguard: check installs before they run. The shim directory first on PATH guards\n\
         # scripts, `sh -c` and make; these functions guard this shell even when a virtualenv,\n\
         # nvm, pyenv or conda puts its own tools in front of the shims.\n",
    );
    match shell {
        Shell::Bash | Shell::Zsh => {
            let _ = writeln!(
                t,
                "case \":$PATH:\" in *:{d}:*) ;; *) export PATH={d}\":$PATH\" ;; esac"
            );
            // `function NAME { ... }`: an alias of the same name is not expanded in the
            // definition (`pip() {` would break under `alias pip=pip3`).
            for n in names {
                let _ = writeln!(t, "function {n} {{ {runner} {n} \"$@\"; }}");
            }
            let _ = writeln!(
                t,
                "export {FUNCTIONS_VAR}={}\"$$\"{}",
                sh_quote(&format!("{}:", shell.as_str())),
                sh_quote(&format!(":{list}"))
            );
        }
        Shell::Fish => {
            let _ = writeln!(
                t,
                "if not contains -- {d} $PATH\n    set -gx PATH {d} $PATH\nend"
            );
            for n in names {
                let _ = writeln!(t, "function {n} --wraps {n}\n    {runner} {n} $argv\nend");
            }
            let _ = writeln!(
                t,
                "set -gx {FUNCTIONS_VAR} \"fish:$fish_pid:\"{}",
                sh_quote(&list)
            );
        }
    }
    t
}

/// Create or refresh the links in `dir` (each to `exe`) for every name whose real tool is on
/// `path` now, and remove our links for names that have none: a link for a missing tool would
/// make `command -v python` succeed where there is no python.
fn ensure_links(
    dir: &Path,
    exe: &Path,
    names: &[String],
    path: Option<&OsStr>,
) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    let ours = shim::our_binaries();
    for name in names {
        let link = dir.join(name);
        let mine = std::fs::symlink_metadata(&link).is_ok() && shim::is_shim(&link, &ours);
        if shim::find_real(OsStr::new(name), path).is_err() {
            if mine {
                let _ = std::fs::remove_file(&link);
            }
            continue;
        }
        if std::fs::read_link(&link).is_ok_and(|t| t == exe) {
            continue;
        }
        // Made aside and renamed into place: two shells starting at once never see a gap or
        // trip over each other's link.
        let tmp = dir.join(format!(".{name}.{}", std::process::id()));
        let _ = std::fs::remove_file(&tmp);
        std::os::unix::fs::symlink(exe, &tmp)?;
        std::fs::rename(&tmp, &link)?;
    }
    // Versioned names that are gone from PATH (an uninstalled python3.10) lose their link.
    for e in std::fs::read_dir(dir)?.flatten() {
        let n = e.file_name();
        if Program::from_name(&n).is_some()
            && !names.iter().any(|x| OsStr::new(x) == n)
            && shim::is_shim(&e.path(), &ours)
        {
            let _ = std::fs::remove_file(e.path());
        }
    }
    Ok(())
}

/// `installguard shell-init SHELL`.
pub fn shell_init(shell: Shell) -> i32 {
    let exe = match std::env::current_exe().and_then(|p| p.canonicalize()) {
        Ok(p) => p,
        Err(e) => {
            say!("cannot find my own executable: {e}");
            return exit::USAGE;
        }
    };
    let Some(dir) = shim_dir() else {
        say!("no data directory (HOME and XDG_DATA_HOME are unset)");
        return exit::USAGE;
    };
    // Links and functions go through the small pass-through binary when it is installed next
    // to us (called by its own name it takes the program as its first argument), else through
    // `installguard run`, which reads nothing of the tool's arguments either.
    let light = exe
        .parent()
        .map(|d| d.join(shim::LIGHT_BIN))
        .filter(|p| p.is_file())
        .and_then(|p| p.canonicalize().ok())
        .unwrap_or_else(|| exe.clone());
    let path = std::env::var_os("PATH");
    let names = guarded_names(path.as_deref(), Some(&dir));
    // Without links, scripts are not guarded, but the functions still guard this shell: say so
    // and print them anyway.
    if let Err(e) = ensure_links(&dir, &light, &names, path.as_deref()) {
        say!(
            "cannot create the shim links in {}: {e}; scripts, sh -c and make are NOT guarded \
             (the shell functions are); `installguard doctor` shows what is",
            dir.display()
        );
    }
    let runner = if light == exe {
        format!("{} run --", sh_quote(&exe.to_string_lossy()))
    } else {
        sh_quote(&light.to_string_lossy())
    };
    out(&render(shell, &dir, &runner, &names));
    exit::OK
}

/// What [`FUNCTIONS_VAR`] says, if it was set by the shell that started this process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Functions {
    pub shell: Shell,
    pub names: Vec<String>,
}

/// Read [`FUNCTIONS_VAR`]: `Ok(Some)` when it belongs to `parent_pid` (the shell that ran us),
/// `Err(shell)` when it is inherited from another shell (the functions do not exist here).
pub fn functions_from(value: Option<&OsStr>, parent_pid: u32) -> Result<Functions, Option<Shell>> {
    let value = value.and_then(OsStr::to_str).ok_or(None)?;
    let mut parts = value.splitn(3, ':');
    let (Some(shell), Some(pid), Some(list)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(None);
    };
    let shell = Shell::from_name(shell).ok_or(None)?;
    if pid.parse::<u32>().ok() != Some(parent_pid) {
        return Err(Some(shell));
    }
    Ok(Functions {
        shell,
        names: list.split_whitespace().map(str::to_string).collect(),
    })
}

/// How one install command stands, as `doctor` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    pub name: String,
    /// The real tool on PATH (shims skipped); None: not installed.
    pub real: Option<PathBuf>,
    /// installguard understands this command (a [`GUARDED`] name).
    pub handled: bool,
    /// A function for it is active in the shell that ran doctor.
    pub function: bool,
    /// The first `name` on PATH, and whether it is one of our links.
    pub first: Option<(PathBuf, bool)>,
}

impl Standing {
    /// Guarded when typed in the shell that ran doctor.
    pub fn in_shell(&self) -> bool {
        self.real.is_some() && self.handled && (self.function || self.for_scripts())
    }

    /// Guarded for scripts, `sh -c`, make and subprocesses: our link comes first on PATH.
    pub fn for_scripts(&self) -> bool {
        self.real.is_some() && self.handled && matches!(self.first, Some((_, true)))
    }
}

/// Look at PATH for each guarded name (table rows and versioned names found) and each
/// command of [`NOT_GUARDED`], given the functions active in the calling shell.
pub fn survey(
    path: Option<&OsStr>,
    shim_dir: Option<&Path>,
    functions: Option<&Functions>,
) -> Vec<Standing> {
    let ours = shim::our_binaries();
    let mut names = guarded_names(path, shim_dir);
    let handled = names.len();
    names.extend(NOT_GUARDED.iter().map(std::string::ToString::to_string));
    names
        .into_iter()
        .enumerate()
        .map(|(i, name)| {
            let first = std::env::split_paths(path.unwrap_or_default())
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| d.join(&name))
                .find(|c| is_executable(c))
                .map(|c| {
                    let ours = shim::is_shim(&c, &ours);
                    (c, ours)
                });
            Standing {
                real: shim::find_real(OsStr::new(&name), path).ok(),
                handled: i < handled,
                function: functions.is_some_and(|f| f.names.contains(&name)),
                first,
                name,
            }
        })
        .filter(|s| s.handled || s.real.is_some())
        .collect()
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// The "install commands" part of `doctor`: a line per command and the fixes that apply,
/// with the number of problems (guardable commands that are not guarded here).
pub fn report(
    standings: &[Standing],
    functions: Result<&Functions, Option<Shell>>,
    shim_dir: Option<&Path>,
) -> (String, usize) {
    let mut t = String::new();
    let shell = match functions {
        Ok(f) => Some(f.shell),
        Err(s) => s,
    };
    match functions {
        Ok(f) => {
            let _ = writeln!(
                t,
                "  shell functions: active in this {} ({} names)",
                f.shell.as_str(),
                f.names.len()
            );
        }
        Err(Some(s)) => {
            let _ = writeln!(
                t,
                "  shell functions: NOT active in this shell ({FUNCTIONS_VAR} was inherited from another {} process)",
                s.as_str()
            );
        }
        Err(None) => {
            let _ = writeln!(
                t,
                "  shell functions: NOT active in this shell (shell-init has not run in it)"
            );
        }
    }
    if let Some(d) = shim_dir {
        let _ = writeln!(t, "  shim links:      {}", d.display());
    }
    let _ = writeln!(
        t,
        "  {:<14} {:<24} {:<32} real tool",
        "command", "in this shell", "scripts, sh -c, make"
    );
    let mut problems = 0;
    let (mut no_function, mut shadowed, mut no_link, mut unhandled) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for s in standings {
        let Some(real) = &s.real else {
            let _ = writeln!(t, "  {:<14} not installed", s.name);
            continue;
        };
        if !s.handled {
            unhandled.push(s.name.as_str());
            let _ = writeln!(
                t,
                "  {:<14} {:<24} {:<32} {}",
                s.name,
                "NOT guarded",
                "NOT guarded (not handled yet)",
                real.display()
            );
            continue;
        }
        let here = if s.function {
            "guarded (function)"
        } else if s.for_scripts() {
            "guarded (link)"
        } else {
            "NOT guarded"
        };
        let scripts = match &s.first {
            Some((_, true)) => "guarded (link first on PATH)".to_string(),
            Some((p, false)) => format!("NOT guarded ({} first)", p.display()),
            None => "NOT guarded (no link)".to_string(),
        };
        let _ = writeln!(
            t,
            "  {:<14} {:<24} {:<32} {}",
            s.name,
            here,
            scripts,
            real.display()
        );
        if !s.in_shell() || !s.for_scripts() {
            problems += 1;
        }
        if !s.function {
            no_function.push(s.name.as_str());
        }
        match &s.first {
            Some((_, true)) => {}
            Some((_, false)) if shim_dir.is_some_and(|d| d.join(&s.name).exists()) => {
                shadowed.push(s.name.as_str());
            }
            _ => no_link.push(s.name.as_str()),
        }
    }
    let guess = shell.unwrap_or(Shell::Bash);
    if !no_function.is_empty() {
        let _ = writeln!(
            t,
            "  not guarded by a function here: {}",
            no_function.join(", ")
        );
        if functions.is_ok() {
            let _ = writeln!(
                t,
                "    fix: run  {}  again in this shell (it wraps the names it finds on PATH when it runs)",
                guess.now_line()
            );
        } else {
            let _ = writeln!(
                t,
                "    fix: put  {}  (after nvm/pyenv/conda setup), then open a new shell, or run  {}  in this one",
                guess.rc_line(),
                guess.now_line()
            );
        }
    }
    if !no_link.is_empty() {
        let _ = writeln!(t, "  no shim link on PATH for: {}", no_link.join(", "));
        let _ = writeln!(
            t,
            "    fix: run  {}  (it links every guarded name it finds on PATH{})",
            guess.now_line(),
            if shim_dir.is_some() {
                " and puts the shim directory on PATH"
            } else {
                ""
            }
        );
    }
    if !shadowed.is_empty() {
        let _ = writeln!(
            t,
            "  for scripts, another directory comes before the shims for: {}",
            shadowed.join(", ")
        );
        if let Some(d) = shim_dir {
            let line = match guess {
                Shell::Fish => format!("set -gx PATH {} $PATH", sh_quote(&d.to_string_lossy())),
                _ => format!("export PATH={}\":$PATH\"", sh_quote(&d.to_string_lossy())),
            };
            let _ = writeln!(
                t,
                "    fix: run  {line}  (again after activating a virtualenv: the guard then runs the virtualenv's own tools)"
            );
        }
    }
    if !unhandled.is_empty() {
        let _ = writeln!(
            t,
            "  installguard does not handle these yet; their installs are not checked: {}",
            unhandled.join(", ")
        );
    }
    (t, problems)
}

/// The parent process id (the shell, when doctor was typed in one).
pub fn parent_pid() -> u32 {
    // SAFETY: getppid has no preconditions and cannot fail.
    unsafe { libc::getppid() as u32 }
}

/// The "install commands" section of `doctor`, from the real environment.
pub fn doctor_section() -> (String, usize) {
    let path = std::env::var_os("PATH");
    let dir = shim_dir();
    let value: Option<OsString> = std::env::var_os(FUNCTIONS_VAR);
    let functions = functions_from(value.as_deref(), parent_pid());
    let standings = survey(path.as_deref(), dir.as_deref(), functions.as_ref().ok());
    report(
        &standings,
        functions.as_ref().map_err(|s| *s),
        dir.as_deref(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn functions_belong_to_the_shell_that_defined_them() {
        let v = OsStr::new("bash:4242:pip pip3 python3.11");
        let f = functions_from(Some(v), 4242).unwrap();
        assert_eq!(f.shell, Shell::Bash);
        assert_eq!(f.names, ["pip", "pip3", "python3.11"]);
        assert_eq!(functions_from(Some(v), 7), Err(Some(Shell::Bash)));
        assert_eq!(functions_from(None, 7), Err(None));
        assert_eq!(functions_from(Some(OsStr::new("tcsh:7:pip")), 7), Err(None));
        assert_eq!(functions_from(Some(OsStr::new("garbage")), 7), Err(None));
    }

    #[test]
    fn the_shell_text_wraps_every_name_and_says_which() {
        let names: Vec<String> = ["pip", "python3.11"].map(String::from).to_vec();
        let bash = render(Shell::Bash, Path::new("/s d"), "'/x/shim'", &names);
        assert!(
            bash.contains("function pip { '/x/shim' pip \"$@\"; }"),
            "{bash}"
        );
        assert!(bash.contains("function python3.11 { '/x/shim' python3.11 \"$@\"; }"));
        assert!(bash.contains("export INSTALLGUARD_FUNCTIONS='bash:'\"$$\"':pip python3.11'"));
        assert!(bash.contains("*:'/s d':*)"), "{bash}");
        let fish = render(Shell::Fish, Path::new("/s"), "'/x/shim'", &names);
        assert!(fish.contains("function pip --wraps pip\n    '/x/shim' pip $argv\nend"));
        assert!(
            fish.contains("set -gx INSTALLGUARD_FUNCTIONS \"fish:$fish_pid:\"'pip python3.11'")
        );
    }

    fn standing(
        name: &str,
        real: bool,
        handled: bool,
        function: bool,
        first: Option<bool>,
    ) -> Standing {
        Standing {
            name: name.into(),
            real: real.then(|| PathBuf::from(format!("/real/{name}"))),
            handled,
            function,
            first: first.map(|ours| {
                (
                    PathBuf::from(if ours {
                        format!("/s/{name}")
                    } else {
                        format!("/venv/{name}")
                    }),
                    ours,
                )
            }),
        }
    }

    #[test]
    fn nothing_missing_is_called_guarded_and_each_gap_has_its_fix() {
        let f = Functions {
            shell: Shell::Zsh,
            names: vec!["pip".into()],
        };
        let all = [
            standing("pip", true, true, true, Some(false)),
            standing("npm", true, true, false, Some(true)),
            standing("brew", false, true, true, Some(true)),
            standing("python3.12", true, true, false, None),
            standing("cargo", true, false, false, Some(false)),
        ];
        let (t, problems) = report(&all, Ok(&f), Some(Path::new("/nowhere")));
        assert!(t.contains("brew           not installed"), "{t}");
        assert!(
            !t.lines()
                .any(|l| l.contains("brew") && l.contains("guarded")),
            "{t}"
        );
        assert!(
            t.lines().any(|l| l.starts_with("  pip ")
                && l.contains("guarded (function)")
                && l.contains("NOT guarded (/venv/pip first)")),
            "{t}"
        );
        assert!(
            t.lines()
                .any(|l| l.starts_with("  npm ") && l.contains("guarded (link)")),
            "{t}"
        );
        assert!(t.contains("NOT guarded (not handled yet)"), "{t}");
        assert!(t.contains("not checked: cargo"), "{t}");
        assert!(
            t.contains("not guarded by a function here: npm, python3.12"),
            "{t}"
        );
        assert!(
            t.contains("run  eval \"$(installguard shell-init zsh)\"  again"),
            "{t}"
        );
        assert!(
            t.contains("no shim link on PATH for: pip, python3.12"),
            "{t}"
        );
        assert_eq!(
            problems, 2,
            "pip (scripts) and python3.12; npm is guarded both ways"
        );
    }
}
