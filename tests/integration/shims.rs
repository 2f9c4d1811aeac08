//! The side doors: every way a person, a script or a tool can reach pip, python and npm goes
//! through the guard. Real bash with `shell-init` and an activated virtualenv, the interpreter
//! links (`python3`, `python3.X`) under `sh -c`, make and shebang scripts, the real pip
//! installing local wheels, the real npm against a registry served on 127.0.0.1 (or a dead
//! one), nested installs from a postinstall script, and the tool's own `-y`/`--yes`.
//! The interpreter links must be invisible: `sys.executable`, `-m venv`, pyenv's shims.

use std::path::{Path, PathBuf};
use std::process::Output;

use crate::npm::npm_sandbox;
use crate::pip::{install_args, sandbox_with_wheels, venv};
use crate::registry::Registry;
use crate::sandbox::{Sandbox, assert_code, run, run_with_stdin, text};

/// `python3.X` of the test interpreter (the versioned name its venv has).
fn versioned_python() -> String {
    let out = run({
        let mut c = std::process::Command::new(venv().join("bin/python3"));
        c.args([
            "-c",
            "import sys; print(f'python{sys.version_info[0]}.{sys.version_info[1]}')",
        ]);
        c
    });
    text(&out.stdout).trim().to_string()
}

/// [`sandbox_with_wheels`] with links for `python` and the versioned interpreter too.
fn py_sandbox(names: &[&str]) -> (Sandbox, PathBuf) {
    let (sb, wheels) = sandbox_with_wheels(names);
    for n in ["python".to_string(), versioned_python()] {
        let link = sb.path("shims").join(n);
        if !link.exists() {
            std::os::unix::fs::symlink(crate::sandbox::LIGHT_BIN, link).unwrap();
        }
    }
    std::fs::create_dir_all(&wheels).unwrap();
    (sb, wheels)
}

/// pip's arguments installing `pkg` from the local wheels into `target`.
fn pip_args(wheels: &Path, target: &Path, pkg: &str) -> String {
    format!(
        "install --no-index --find-links '{}' --target '{}' {pkg}",
        wheels.display(),
        target.display()
    )
}

/// Assert the command was blocked (exit 3), nothing landed in `target`, and the newest audit
/// record is a block of `program`.
#[track_caller]
fn assert_blocked(sb: &Sandbox, out: &Output, target: &Path, program: &str) {
    assert_code(out, 3);
    assert!(
        text(&out.stderr).contains("MAL-2024-4720"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists(), "the real tool must not have run");
    let log = sb.log_records();
    let last = log.last().expect("an audit record");
    assert_eq!(last["decision"], "blocked", "{last}");
    assert_eq!(last["program"], program, "{last}");
}

/// The bash text `shell-init bash` prints in this sandbox.
fn shell_init(sb: &Sandbox) -> String {
    let out = run(sb.ig(&["shell-init", "bash"]));
    assert_code(&out, 0);
    text(&out.stdout)
}

fn bash(sb: &Sandbox, script: &str) -> Output {
    run(sb.cmd("bash", &["-c", script]))
}

#[test]
fn an_activated_virtualenv_cannot_put_its_pip_in_front_of_the_guard() {
    let (sb, wheels) = py_sandbox(&["1337test"]);
    let init = shell_init(&sb);
    let activate = venv().join("bin/activate");
    let target = sb.path("target");
    let args = pip_args(&wheels, &target, "1337test");
    for (program, cmd) in [
        ("pip", format!("pip {args}")),
        ("pip3", format!("pip3 {args}")),
        ("python", format!("python -m pip {args}")),
        ("python3", format!("python3 -m pip.__pip-runner__ {args}")),
    ] {
        let out = bash(
            &sb,
            &format!(
                "{init}\nsource '{}'\ncase \"$(command -v pip)\" in pip) ;; *) echo 'pip is not a function'; exit 99;; esac\n{cmd}",
                activate.display()
            ),
        );
        assert_blocked(&sb, &out, &target, program);
    }
    // The function runs the virtualenv's own pip (found on the current PATH), not another.
    let out = bash(
        &sb,
        &format!("{init}\nsource '{}'\npip --version", activate.display()),
    );
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains(&*venv().to_string_lossy()),
        "{}",
        text(&out.stdout)
    );
    // doctor, run from that shell, says what is guarded where and how to guard scripts too;
    // the fix it prints works.
    let doctor = format!(
        "{init}\nsource '{}'\n'{}' doctor; true",
        activate.display(),
        crate::sandbox::BIN
    );
    let report = text(&bash(&sb, &doctor).stdout);
    let pip_line = report
        .lines()
        .find(|l| l.trim_start().starts_with("pip "))
        .unwrap_or_else(|| panic!("{report}"));
    assert!(pip_line.contains("guarded (function)"), "{report}");
    assert!(pip_line.contains("NOT guarded ("), "{report}");
    let fix = report
        .lines()
        .find_map(|l| l.trim().strip_prefix("fix: run  export PATH="))
        .unwrap_or_else(|| panic!("no PATH fix: {report}"));
    let fix = format!("export PATH={}", fix.split("  ").next().unwrap());
    let out = bash(
        &sb,
        &format!(
            "{init}\nsource '{}'\n{fix}\nsh -c 'pip {args}'",
            activate.display()
        ),
    );
    assert_blocked(&sb, &out, &target, "pip");
    assert!(
        report.contains("shell functions: active in this bash"),
        "{report}"
    );
}

#[test]
fn interpreters_on_path_are_guarded_for_dash_m_pip_in_scripts_and_make() {
    let (sb, wheels) = py_sandbox(&["1337test"]);
    let target = sb.path("target");
    let args = pip_args(&wheels, &target, "1337test");
    let py = versioned_python();
    for (program, script) in [
        (py.as_str(), format!("{py} -m pip {args}")),
        ("python3", format!("sh -c \"python3 -m pip {args}\"")),
        ("python3", format!("python3 -Im pip {args}")),
        ("pip", format!("sh -c \"pip {args}\"")),
    ] {
        let out = run(sb.cmd("sh", &["-c", &script]));
        assert_blocked(&sb, &out, &target, program);
    }
    std::fs::write(
        sb.work().join("Makefile"),
        format!("deps:\n\tpython3 -m pip {args}\n"),
    )
    .unwrap();
    let out = run(sb.cmd("make", &["deps"]));
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("MAL-2024-4720"),
        "{}",
        text(&out.stderr)
    );
    assert!(!target.exists());
    assert_eq!(sb.log_records().last().unwrap()["decision"], "blocked");
}

#[test]
fn the_interpreter_link_is_invisible() {
    let (sb, _) = py_sandbox(&[]);
    let real = venv().join("bin/python3");
    let exe = "import sys; print(sys.executable)";
    // sys.executable is the real interpreter, not our link, through the link and from sh -c.
    for c in [
        sb.cmd("python3", &["-c", exe]),
        sb.cmd("sh", &["-c", &format!("python3 -c '{exe}'")]),
    ] {
        let out = run(c);
        assert_code(&out, 0);
        assert_eq!(text(&out.stdout).trim(), real.to_str().unwrap());
        assert!(out.stderr.is_empty(), "{}", text(&out.stderr));
    }
    // Exit codes, stdin and stdout pass through untouched.
    let out = run(sb.cmd("python3", &["-c", "import sys; sys.exit(7)"]));
    assert_code(&out, 7);
    let c = sb.cmd(
        "python3",
        &["-c", "import sys; print(sys.stdin.read().upper())"],
    );
    assert_eq!(text(&run_with_stdin(c, b"through").stdout), "THROUGH\n");
    // A shebang script finds python3 on PATH (our link) and runs under the real one.
    let script = sb.script("tool.py", &format!("#!/usr/bin/env python3\n{exe}\n"));
    let out = run(sb.cmd(script.to_str().unwrap(), &[]));
    assert_eq!(text(&out.stdout).trim(), real.to_str().unwrap());
    // `python3 -m venv` through the link makes a venv whose interpreter and pip work.
    let made = sb.path("made-venv");
    let out = run(sb.cmd("python3", &["-m", "venv", made.to_str().unwrap()]));
    assert_code(&out, 0);
    let cfg = std::fs::read_to_string(made.join("pyvenv.cfg")).unwrap();
    assert!(
        !cfg.contains(&*sb.path("shims").to_string_lossy())
            && cfg.contains(&format!("command = {} -m venv", real.display())),
        "{cfg}"
    );
    let out = run(sb.cmd(
        made.join("bin/python").to_str().unwrap(),
        &["-c", "import sys; print(sys.prefix)"],
    ));
    assert_eq!(text(&out.stdout).trim(), made.to_str().unwrap());
    let out = run(sb.cmd(made.join("bin/pip").to_str().unwrap(), &["--version"]));
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains(&*made.to_string_lossy()),
        "{}",
        text(&out.stdout)
    );
    assert!(sb.log_records().is_empty(), "nothing here is an install");
}

#[test]
fn interpreters_that_find_their_home_from_where_they_sit_keep_working() {
    // A copied interpreter in <prefix>/bin that finds its prefix from its own location
    // (like a conda environment), reached on PATH through our link: prefix and executable are
    // its own, not the link's.
    let (mut sb, _) = py_sandbox(&[]);
    let env = sb.path("conda-like");
    let out = run(sb.cmd(
        venv().join("bin/python3").to_str().unwrap(),
        &[
            "-m",
            "venv",
            "--copies",
            "--without-pip",
            env.to_str().unwrap(),
        ],
    ));
    assert_code(&out, 0);
    sb.extra_path.insert(0, env.join("bin"));
    let out = run(sb.cmd(
        "python3",
        &["-c", "import sys; print(sys.executable); print(sys.prefix)"],
    ));
    assert_code(&out, 0);
    assert_eq!(
        text(&out.stdout),
        format!("{}\n{}\n", env.join("bin/python3").display(), env.display())
    );
    // A pyenv-style shim (a script that execs the interpreter it picks) as the real python3:
    // the link hands over to the script, which runs the real interpreter.
    let (sb, _) = py_sandbox(&[]);
    sb.script(
        "python3",
        &format!(
            "#!/bin/sh\n# like pyenv's shims: pick a version, exec it\nexec '{}' \"$@\"\n",
            venv().join("bin/python3").display()
        ),
    );
    let out = run(sb.cmd("python3", &["-c", "import sys; print(sys.prefix)"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout).trim(), venv().to_str().unwrap());
    // The machine's own python3 (a pyenv shim on some machines) through the link.
    let host = std::env::split_paths(&std::env::var_os("PATH").unwrap())
        .map(|d| d.join("python3"))
        .find(|p| p.is_file())
        .expect("python3 on PATH");
    let sb = Sandbox::new();
    let out = run(sb.cmd("python3", &["-c", "print('host ok')"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "host ok\n", "through {}", host.display());
}

#[test]
fn the_recursion_marker_never_turns_the_guard_off() {
    let (sb, wheels) = py_sandbox(&["1337test"]);
    let target = sb.path("target");
    for value in [
        "1",
        "",
        "pip",
        "depth=1;parent=0190aaaa-0000-7000-8000-000000000000",
    ] {
        let mut c = sb.cmd(
            "sh",
            &[
                "-c",
                &format!("pip {}", pip_args(&wheels, &target, "1337test")),
            ],
        );
        c.env("INSTALLGUARD_ACTIVE", value);
        let out = run(c);
        assert_blocked(&sb, &out, &target, "pip");
        let last = sb.log_records().pop().unwrap();
        assert_eq!(last["nested"]["depth"], 1, "{last}");
    }
    let shown = text(&run(sb.ig(&["log", "-n", "2"])).stdout);
    assert!(
        shown.contains("nested (depth 1): INSTALLGUARD_ACTIVE was set by hand")
            && shown.contains("nested (depth 1): inside invocation 0190aaaa-"),
        "{shown}"
    );
}

#[test]
fn npx_and_npm_keep_their_own_yes_and_typos_are_still_declined() {
    let sb = npm_sandbox();
    let dead = crate::http::refusing();
    for args in [
        vec!["npx", "--yes", "lodahs"],
        vec!["npx", "-y", "lodahs"],
        vec!["npm", "--yes", "install", "lodahs"],
        vec!["npm", "install", "-y", "lodahs"],
    ] {
        let mut c = sb.cmd(args[0], &args[1..]);
        c.env("npm_config_registry", &dead);
        let out = run(c);
        assert_code(&out, 4);
        assert!(
            text(&out.stderr).contains("`lodash`"),
            "{args:?}: {}",
            text(&out.stderr)
        );
        let last = sb.log_records().pop().unwrap();
        assert_eq!(
            (&last["decision"], &last["decided_by"]),
            (&"declined".into(), &"no-terminal".into()),
            "{args:?}: {last}"
        );
    }
    // A known-malicious package behind `npx -y` is blocked before npm asks any registry.
    let reg = Registry::start(&sb.path("cache"), &["000webhost-admin"]);
    let mut c = sb.cmd("npx", &["-y", "000webhost-admin"]);
    c.env("npm_config_registry", &reg.url);
    let out = run(c);
    assert_code(&out, 3);
    assert!(reg.seen().is_empty(), "{:?}", reg.seen());
    assert_eq!(sb.log_records().pop().unwrap()["decision"], "blocked");
    // Warnings stay acceptable from scripts, through installguard's own option (before the
    // program) or the environment, and the tool still gets its own flag byte for byte.
    sb.script("npx", "#!/bin/sh\nprintf '%s\\n' \"$*\"\n");
    for (program, args, env) in [
        (
            crate::sandbox::BIN,
            vec!["run", "--yes", "--", "npx", "-y", "lodahs"],
            None,
        ),
        ("npx", vec!["-y", "lodahs"], Some("1")),
    ] {
        let mut c = sb.cmd(program, &args);
        if let Some(v) = env {
            c.env("INSTALLGUARD_YES", v);
        }
        c.env("npm_config_registry", &dead);
        let out = run(c);
        assert_code(&out, 0);
        assert_eq!(text(&out.stdout), "-y lodahs\n");
        assert_eq!(sb.log_records().pop().unwrap()["decided_by"], "yes");
    }
}

#[test]
fn an_install_from_a_postinstall_script_is_checked_and_points_to_the_outer_one() {
    let sb = npm_sandbox();
    let reg = Registry::start_with_scripts(
        &sb.path("cache"),
        &[
            (
                "igtest-installer",
                Some("npm install --no-save 000webhost-admin"),
            ),
            ("000webhost-admin", None),
        ],
    );
    let mut c = sb.cmd(
        "npm",
        &["install", "--foreground-scripts", "igtest-installer"],
    );
    c.env("npm_config_registry", &reg.url);
    let out = run(c);
    assert!(!out.status.success(), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("MAL-"), "{err}");
    assert!(
        !reg.seen().iter().any(|p| p.contains("000webhost-admin")),
        "the nested npm must not have fetched the malicious package: {:?}",
        reg.seen()
    );
    assert!(
        !sb.work().join("node_modules/000webhost-admin").exists(),
        "nothing of it installed"
    );
    let log = sb.log_records();
    let nested = log
        .iter()
        .find(|r| r["decision"] == "blocked")
        .unwrap_or_else(|| panic!("no blocked record: {log:?}"));
    let outer = log
        .iter()
        .find(|r| r["argv"][2] == "igtest-installer")
        .unwrap_or_else(|| panic!("no outer record: {log:?}"));
    assert_eq!(nested["nested"]["depth"], 1, "{nested}");
    assert_eq!(nested["nested"]["parent"], outer["invocation"], "{log:?}");
    assert!(outer["invocation"].is_string());
    assert!(outer.get("nested").is_none(), "{outer}");
    // A bypass covers its own command only: what that command installs in turn is checked.
    let before = sb.log_records().len();
    let mut c = sb.ig(&[
        "bypass",
        "--reason",
        "trying the installer",
        "--",
        "npm",
        "install",
        "--foreground-scripts",
        "igtest-installer",
    ]);
    c.env("npm_config_registry", &reg.url);
    let out = run(c);
    assert!(!out.status.success(), "{}", text(&out.stderr));
    let log = sb.log_records();
    let outer = log[before..]
        .iter()
        .find(|r| r["decided_by"] == "bypass")
        .unwrap_or_else(|| panic!("{log:?}"));
    let nested = log[before..]
        .iter()
        .find(|r| r["decision"] == "blocked")
        .unwrap_or_else(|| panic!("{log:?}"));
    assert_eq!(nested["nested"]["parent"], outer["invocation"], "{log:?}");
    assert!(!sb.work().join("node_modules/000webhost-admin").exists());
}

#[test]
fn bypass_runs_the_command_on_the_record_unless_the_machine_policy_forbids_it() {
    let (sb, wheels) = py_sandbox(&["1337test"]);
    let target = sb.path("target");
    let bypass = [
        "bypass",
        "--reason",
        "vendor wheel, ticket SEC-1",
        "--",
        "pip",
    ];
    let all = install_args(&bypass, &wheels, &target, "1337test");
    let out = run(sb.ig(&all));
    assert_code(&out, 0);
    assert!(
        target.join("1337test/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    let err = text(&out.stderr);
    assert!(
        err.contains("MAL-2024-4720") && err.contains("WITHOUT the guard's decision"),
        "{err}"
    );
    let last = sb.log_records().pop().unwrap();
    assert_eq!(
        (&last["decision"], &last["decided_by"]),
        (&"allowed".into(), &"bypass".into()),
        "{last}"
    );
    assert!(
        last["reason"].as_str().unwrap().contains("ticket SEC-1"),
        "{last}"
    );
    assert_eq!(last["findings"][0]["rule"], "malicious", "{last}");
    // A command installguard cannot read can be bypassed too, and the record says so.
    let out = run(sb.ig(&[
        "bypass",
        "--reason",
        "new pip option",
        "--",
        "pip",
        "install",
        "--frobnicate",
        "x",
    ]));
    assert_ne!(out.status.code(), Some(3));
    let last = sb.log_records().pop().unwrap();
    assert_eq!(last["decided_by"], "bypass", "{last}");
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .contains("could not be understood"),
        "{last}"
    );
    // The machine policy can forbid it (and lock it): refused, the tool not run, on the record.
    std::fs::remove_dir_all(&target).unwrap();
    let machine = sb.path("etc-policy.toml");
    std::fs::write(
        &machine,
        "lock = [\"prompt.allow-bypass\"]\n[prompt]\nallow-bypass = false\n",
    )
    .unwrap();
    std::fs::set_permissions(
        &machine,
        std::os::unix::fs::PermissionsExt::from_mode(0o644),
    )
    .unwrap();
    let mut c = sb.ig(&all);
    c.env("INSTALLGUARD_TEST_MACHINE_POLICY", &machine);
    let out = run(c);
    assert_code(&out, 3);
    assert!(!target.exists());
    assert!(
        text(&out.stderr).contains("allow-bypass = false"),
        "{}",
        text(&out.stderr)
    );
    let last = sb.log_records().pop().unwrap();
    assert_eq!(last["decision"], "blocked", "{last}");
    assert!(
        last["reason"]
            .as_str()
            .unwrap()
            .starts_with("bypass refused"),
        "{last}"
    );
}

#[test]
fn a_nested_install_never_prompts_even_on_a_terminal() {
    let (sb, wheels) = py_sandbox(&["reqeusts"]);
    let target = sb.path("target");
    let mut c = sb.cmd(
        "sh",
        &[
            "-c",
            &format!("pip {}", pip_args(&wheels, &target, "reqeusts")),
        ],
    );
    c.env(
        "INSTALLGUARD_ACTIVE",
        "depth=1;parent=0190aaaa-0000-7000-8000-000000000000",
    );
    // No answer is ever typed: a prompt would hang until the pty helper gives up.
    let (code, screen) = crate::pty::on_pty(c, None);
    assert_eq!(code, Some(4), "{screen}");
    assert!(!screen.contains("Install anyway?"), "{screen}");
    assert!(
        screen.contains("inside another guarded install"),
        "{screen}"
    );
    assert!(!target.exists());
    let last = sb.log_records().pop().unwrap();
    assert_eq!(
        last["nested"]["parent"], "0190aaaa-0000-7000-8000-000000000000",
        "{last}"
    );
}

/// zsh and fish: the functions `shell-init` prints guard what is typed there too, as bash's do
/// (above). `.ci/run` installs both shells; without CI a missing shell skips its half.
#[test]
fn zsh_and_fish_functions_guard_what_is_typed() {
    for (shell, script, is_function) in [
        (
            "zsh",
            "eval \"$(installguard shell-init zsh)\"\nwhence -w brew\nbrew install wgett\necho \"exit $?\"",
            "brew: function",
        ),
        (
            "fish",
            "installguard shell-init fish | source\ntype -t brew\nbrew install wgett\necho \"exit $status\"",
            "function",
        ),
    ] {
        let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
            .any(|d| d.join(shell).is_file());
        if !found {
            assert!(
                std::env::var_os("CI").is_none(),
                "{shell} is not installed (.ci/run installs it)"
            );
            eprintln!("skipping the {shell} half: {shell} is not installed");
            continue;
        }
        let mut sb = Sandbox::new();
        sb.extra_path
            .push(Path::new(crate::sandbox::BIN).parent().unwrap().into());
        let calls = sb.path("brew-calls");
        sb.script(
            "brew",
            &format!("#!/bin/sh\necho \"$*\" >> '{}'\n", calls.display()),
        );
        // Not through the shim link: the function must be what guards it.
        std::fs::remove_file(sb.path("shims/brew")).unwrap();
        let out = run(sb.cmd(shell, &["-c", script]));
        let s = text(&out.stdout);
        assert!(
            s.contains(is_function),
            "{shell}: {s}\n{}",
            text(&out.stderr)
        );
        assert!(s.contains("exit 4"), "{shell}: {s}\n{}", text(&out.stderr));
        assert!(!calls.exists(), "{shell}: the real brew ran");
        let last = sb.log_records().pop().expect("a record");
        assert_eq!(
            (last["program"].as_str(), last["decision"].as_str()),
            (Some("brew"), Some("declined")),
            "{shell}: {last}"
        );
    }
}

/// The light shim every shim link runs is a static PIE on Linux with glibc (build.rs): no
/// program interpreter and no shared library to load, so a pass-through pays no dynamic
/// loading. It links none of glibc's name service (NSS: passwd, group, host lookups), which a
/// static program can only use with the very glibc it was built with installed: any such
/// lookup brings in glibc's reader of `/etc/nsswitch.conf`. The full binary stays dynamic.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[test]
fn the_light_shim_is_linked_statically_and_without_the_name_service() {
    let linkage = env!("INSTALLGUARD_SHIM_LINKAGE");
    if linkage != "static" {
        assert!(
            std::env::var_os("CI").is_none(),
            "installguard-shim was linked dynamically ({linkage})"
        );
        eprintln!("skipping: installguard-shim was linked dynamically ({linkage})");
        return;
    }
    let shim = std::fs::read(crate::sandbox::LIGHT_BIN).unwrap();
    assert_eq!(
        elf_dynamic_linking(&shim),
        (false, 0),
        "installguard-shim must have no interpreter and need no shared library"
    );
    assert!(
        !shim.windows(13).any(|w| w == b"nsswitch.conf"),
        "installguard-shim links glibc's name service"
    );
    let full = std::fs::read(crate::sandbox::BIN).unwrap();
    let (interp, needed) = elf_dynamic_linking(&full);
    assert!(
        interp && needed > 0,
        "installguard itself links dynamically"
    );
    // And it runs: the shim hands a command that installs nothing to the real tool.
    let sb = Sandbox::new();
    sb.script("npm", "#!/bin/sh\necho \"real npm $*\"\n");
    let out = run(sb.cmd("npm", &["--version"]));
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "real npm --version\n");
}

/// Everywhere else (macOS supports no static binaries) the shim links dynamically, and the
/// build script says so.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
#[test]
fn the_light_shim_links_dynamically_off_linux_glibc() {
    let linkage = env!("INSTALLGUARD_SHIM_LINKAGE");
    assert!(
        linkage.starts_with("dynamic: static linking is only done for Linux with glibc"),
        "{linkage}"
    );
}

/// Whether a 64-bit little-endian ELF file names a program interpreter (PT_INTERP), and how
/// many shared libraries its dynamic section needs (DT_NEEDED).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn elf_dynamic_linking(elf: &[u8]) -> (bool, usize) {
    let u16_at = |o: usize| usize::from(u16::from_le_bytes(elf[o..o + 2].try_into().unwrap()));
    let u32_at = |o: usize| u32::from_le_bytes(elf[o..o + 4].try_into().unwrap());
    let u64_at =
        |o: usize| usize::try_from(u64::from_le_bytes(elf[o..o + 8].try_into().unwrap())).unwrap();
    assert!(
        elf.starts_with(b"\x7fELF\x02\x01"),
        "not a 64-bit little-endian ELF file"
    );
    let (phoff, phentsize, phnum) = (u64_at(0x20), u16_at(0x36), u16_at(0x38));
    let (mut interp, mut needed) = (false, 0);
    for ph in (0..phnum).map(|i| phoff + i * phentsize) {
        match u32_at(ph) {
            3 => interp = true,
            2 => {
                let (offset, size) = (u64_at(ph + 8), u64_at(ph + 32));
                for entry in (offset..offset + size).step_by(16) {
                    match u64_at(entry) {
                        0 => break,
                        1 => needed += 1,
                        _ => {}
                    }
                }
            }
            _ => {}
        }
    }
    (interp, needed)
}
