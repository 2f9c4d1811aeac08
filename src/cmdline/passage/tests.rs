//! Table tests of the light shim's decision for every manager, and the property that makes it
//! safe: whatever it sends straight to the real tool, the full parser passes through too, in
//! every project the tests can build (empty, a JS and Python project, yarn 1 or yarn ≥ 2).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;

use proptest::prelude::*;

use super::*;
use crate::cmdline::cases::argv;
use crate::cmdline::testworld::MemWorld;

fn decide(program: &str, line: &str) -> Passage {
    let args: Vec<OsString> = argv(line).into_iter().map(OsString::from).collect();
    passage(OsStr::new(program), &args)
}

use Passage::{Exec, Guard};

const TABLE: &[(&str, &str, Passage)] = &[
    // pip: optparse's main options, then the command word.
    ("pip", "", Exec),
    ("pip", "--version", Exec),
    ("pip", "-V", Exec),
    ("pip", "--help", Exec),
    ("pip", "list", Exec),
    ("pip", "freeze --all", Exec),
    ("pip", "show requests", Exec),
    ("pip", "uninstall -y requests", Exec),
    ("pip", "--isolated list", Exec),
    ("pip", "--version install x", Exec),
    ("pip3.12", "config list", Exec),
    ("pip", "install requests", Guard),
    ("pip", "install", Guard),
    ("pip", "download x", Guard),
    ("pip", "wheel x", Guard),
    ("pip", "lock x", Guard),
    ("pip", "-q install x", Guard),
    ("pip", "--isolated install x", Guard),
    ("pip", "install --help", Exec),
    ("pip", "--no-such-option list", Guard),
    ("pip", "-- install x", Guard),
    // python: only `-m pip` is pip.
    ("python3", "-c pass", Exec),
    ("python3", "script.py install x", Exec),
    ("python3", "-m venv .venv", Exec),
    ("python3", "-m pip list", Exec),
    ("python3", "-m pip --version", Exec),
    ("python3.11", "-Im pip install x", Guard),
    ("python", "-m pip.__main__ install x", Guard),
    ("python3", "-m pip", Exec),
    ("python3", "", Exec),
    // npm: nopt and cmd-list.
    ("npm", "", Exec),
    ("npm", "--version", Exec),
    ("npm", "-v", Exec),
    ("npm", "run build", Exec),
    ("npm", "run-script build", Exec),
    ("npm", "test", Exec),
    ("npm", "start", Exec),
    ("npm", "ls --all", Exec),
    ("npm", "view lodash versions", Exec),
    ("npm", "audit", Exec),
    ("npm", "init", Exec),
    ("npm", "uninstall lodash", Exec),
    ("npm", "--prefix /tmp/x run build", Exec),
    ("npm", "install --version", Exec),
    ("npm", "install", Guard),
    ("npm", "i lodash", Guard),
    ("npm", "add lodash", Guard),
    ("npm", "isntall lodash", Guard),
    ("npm", "ci", Guard),
    ("npm", "update", Guard),
    ("npm", "dedupe", Guard),
    ("npm", "audit fix", Guard),
    ("npm", "exec cowsay", Guard),
    ("npm", "x cowsay", Guard),
    ("npm", "init react-app x", Guard),
    ("npm", "create vite", Guard),
    ("npm", "link", Guard),
    ("npm", "it", Guard),
    ("npm", "--prefix run install x", Guard),
    ("npm", "-g install x", Guard),
    // npx is `npm exec`.
    ("npx", "--version", Exec),
    ("npx", "cowsay", Guard),
    ("npx", "-y cowsay", Guard),
    ("npx", "", Guard),
    // brew: brew.sh's leading `-v`, help anywhere, the command first.
    ("brew", "", Exec),
    ("brew", "--version", Exec),
    ("brew", "list", Exec),
    ("brew", "info wget", Exec),
    ("brew", "install wget --help", Exec),
    ("brew", "--verbose install wget", Exec),
    ("brew", "install wget", Guard),
    ("brew", "-v install wget", Guard),
    ("brew", "instal wget", Guard),
    ("brew", "upgrade", Guard),
    ("brew", "tap user/repo", Guard),
    ("brew", "bundle", Guard),
    // uv: global options, `pip` and `tool` levels.
    ("uv", "--version", Exec),
    ("uv", "-V", Exec),
    ("uv", "help", Exec),
    ("uv", "venv", Guard),
    ("uv", "format", Guard),
    ("uv", "self update", Guard),
    ("uv", "self version", Exec),
    ("uv", "pip list", Exec),
    ("uv", "pip freeze", Exec),
    ("uv", "tool list", Exec),
    ("uv", "cache clean", Exec),
    ("uv", "pip", Exec),
    ("uv", "pip install x", Guard),
    ("uv", "add x", Guard),
    ("uv", "sync", Guard),
    ("uv", "run pytest", Guard),
    ("uv", "tool install ruff", Guard),
    ("uv", "tool uvx ruff", Guard),
    ("uv", "--directory sub sync", Guard),
    ("uv", "version 1.2", Guard),
    ("uv", "--no-such-option venv", Guard),
    ("uvx", "--version", Guard),
    ("uvx", "ruff", Guard),
    // pipx: the command first.
    ("pipx", "--version", Exec),
    ("pipx", "list", Exec),
    ("pipx", "install black --help", Exec),
    ("pipx", "install black", Guard),
    ("pipx", "run cowsay", Guard),
    ("pipx", "upgrade-all", Guard),
    ("pipx", "runpip black install x", Guard),
    // poetry: the first one or two words.
    ("poetry", "--version", Exec),
    ("poetry", "show", Exec),
    ("poetry", "check", Exec),
    ("poetry", "self show", Exec),
    ("poetry", "install", Guard),
    ("poetry", "add requests", Guard),
    ("poetry", "-C sub install", Guard),
    ("poetry", "run pip install x", Guard),
    ("poetry", "self add x", Guard),
    // yarn: installs nothing for yarn 1 and for yarn ≥ 2 alike.
    ("yarn", "--version", Exec),
    ("yarn", "-v", Exec),
    ("yarn", "--help", Exec),
    ("yarn", "run build", Exec),
    ("yarn", "build", Exec),
    ("yarn", "info lodash", Exec),
    ("yarnpkg", "list", Exec),
    ("yarn", "", Guard),
    ("yarn", "install", Guard),
    ("yarn", "add lodash", Guard),
    ("yarn", "--cwd sub add x", Guard),
    ("yarn", "dlx cowsay", Guard),
    ("yarn", "up", Guard),
    ("yarn", "upgrade", Guard),
    ("yarn", "global add x", Guard),
    ("yarn", "workspace a add x", Guard),
    ("yarn", "--frozen-lockfile", Guard),
    // pnpm: the pre-passes, global options, the command.
    ("pnpm", "--version", Exec),
    ("pnpm", "-v", Exec),
    ("pnpm", "list", Exec),
    ("pnpm", "ls", Exec),
    ("pnpm", "why x", Exec),
    ("pnpm", "config get registry", Exec),
    ("pnpm", "help run", Exec),
    ("pnpm", "--help", Exec),
    ("pnpm", "", Exec),
    // verifyDepsBeforeRun (a file or variable argv cannot see) may install first.
    ("pnpm", "run build", Guard),
    ("pnpm", "--silent run build", Guard),
    (
        "pnpm",
        "--config.verify-deps-before-run=false run build",
        Guard,
    ),
    ("pnpm", "exec ls", Guard),
    ("pnpm", "start", Guard),
    ("pnpm", "restart", Guard),
    ("pnpm", "build", Guard),
    ("pn", "test", Guard),
    ("pn", "t", Guard),
    ("pnpm", "install", Guard),
    ("pnpm", "i", Guard),
    ("pnpm", "add x", Guard),
    ("pnpm", "dlx x", Guard),
    ("pnpm", "--dir sub install", Guard),
    ("pnpm", "--no-such-option run build", Guard),
    ("pnpm", "with 9 install", Guard),
    ("pnpx", "--version", Guard),
    ("pnx", "cowsay", Guard),
    // bun: the first word that is not an option.
    ("bun", "--version", Exec),
    ("bun", "run build", Exec),
    ("bun", "test", Exec),
    ("bun", "install", Guard),
    ("bun", "i", Guard),
    ("bun", "add x", Guard),
    ("bun", "a x", Guard),
    ("bun", "x cowsay", Guard),
    ("bun", "update", Guard),
    ("bun", "ci", Guard),
    ("bun", "r x", Guard),
    ("bun", "uninstall x", Guard),
    ("bun", "dedupe", Guard),
    ("bun", "create vite", Guard),
    ("bun", "c vite", Guard),
    ("bunx", "--version", Guard),
    ("bunx", "cowsay", Guard),
    // Odd argv: empty arguments, lone dashes, paths, unguarded programs.
    ("npm", "'' run", Exec),
    ("npm", "- install", Exec),
    ("pip", "''", Exec),
    ("/usr/local/bin/pip3", "install x", Guard),
    ("/usr/bin/npm", "--version", Exec),
    ("cargo", "--version", Guard),
    ("", "", Guard),
];

#[test]
fn every_manager_passes_what_installs_nothing_and_guards_the_rest() {
    for (program, line, want) in TABLE {
        assert_eq!(decide(program, line), *want, "{program} {line}");
    }
}

#[test]
fn an_argument_that_is_not_utf8_goes_to_the_guard() {
    let bad = OsString::from_vec(b"\xffbuild".to_vec());
    for (program, first) in [
        ("npm", "run"),
        ("pip", "list"),
        ("yarn", "run"),
        ("brew", "info"),
        ("python3", "-c"),
    ] {
        let args = [OsString::from(first), bad.clone()];
        assert_eq!(passage(OsStr::new(program), &args), Guard, "{program}");
    }
    let bad_program = OsString::from_vec(b"np\xffm".to_vec());
    assert_eq!(passage(&bad_program, &[]), Guard);
}

/// Worlds in which the full parser must agree with every `Exec`.
fn worlds() -> Vec<MemWorld> {
    let js = r#"{"name":"p","version":"1.0.0","scripts":{"build":"node b.js","postinstall":"node x.js"},
        "dependencies":{"lodash":"^4.17.21"},"devDependencies":{"left-pad":"1.3.0"}}"#;
    let pyproject = "[project]\nname = \"p\"\nversion = \"0.1\"\ndependencies = [\"requests\"]\n\n[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n";
    vec![
        MemWorld::new(),
        MemWorld::new()
            .file("package.json", js)
            .file("requirements.txt", "requests\n")
            .file("pyproject.toml", pyproject)
            .file("Brewfile", "brew \"wget\"\n")
            .env("npm_config_global", "true")
            .env("PIP_REQUIREMENT", "requirements.txt")
            .env("UV_INDEX", "https://example.org/simple"),
        MemWorld::new()
            .file(
                "package.json",
                &js.replace("\"name\"", "\"packageManager\":\"yarn@4.18.1\",\"name\""),
            )
            .file(".yarnrc.yml", "npmRegistryServer: \"https://r.example\"\n"),
        MemWorld::new().file(
            "package.json",
            &js.replace("\"name\"", "\"packageManager\":\"yarn@1.22.22\",\"name\""),
        ),
    ]
}

/// `Exec` only where the full parser, reading the files and the environment, passes too.
fn agrees(program: &str, args: &[String]) -> Result<(), String> {
    let os: Vec<OsString> = args.iter().map(OsString::from).collect();
    if passage(OsStr::new(program), &os) == Guard {
        return Ok(());
    }
    for (n, world) in worlds().iter().enumerate() {
        match crate::cmdline::understand(OsStr::new(program), &os, world) {
            Ok(r) if !r.installs => {}
            other => {
                return Err(format!(
                    "{program} {args:?}: Exec, but in world {n} the full parser says {other:?}"
                ));
            }
        }
    }
    Ok(())
}

#[test]
fn whatever_goes_straight_through_the_full_parser_passes_too() {
    for (program, line, _) in TABLE {
        agrees(program, &argv(line)).unwrap();
    }
}

/// Words each manager's command lines are built from: commands, their aliases, options of
/// every arity, `--`, help and version spellings.
const WORDS: &[&str] = &[
    "install",
    "i",
    "add",
    "a",
    "ci",
    "update",
    "up",
    "upgrade",
    "exec",
    "x",
    "dlx",
    "run",
    "run-script",
    "test",
    "list",
    "ls",
    "show",
    "freeze",
    "uninstall",
    "remove",
    "rm",
    "link",
    "init",
    "create",
    "audit",
    "fix",
    "dedupe",
    "tool",
    "pip",
    "sync",
    "lock",
    "self",
    "global",
    "workspace",
    "workspaces",
    "focus",
    "bundle",
    "tap",
    "fetch",
    "deploy",
    "with",
    "uvx",
    "download",
    "wheel",
    "inject",
    "runpip",
    "build",
    "version",
    "help",
    "-v",
    "-V",
    "--version",
    "-h",
    "--help",
    "--usage",
    "--versions",
    "-g",
    "--global",
    "-y",
    "--cwd",
    "--dir",
    "-C",
    "--directory",
    "--prefix",
    "--project",
    "-r",
    "--requirement",
    "--isolated",
    "-q",
    "-m",
    "--",
    "-",
    "",
    "lodash",
    "sub",
    "req.txt",
    "--config.registry=x",
    "--silent",
    "-s",
];

fn program() -> impl Strategy<Value = &'static str> {
    prop::sample::select(
        crate::cmdline::GUARDED
            .iter()
            .map(|g| g.name)
            .collect::<Vec<_>>(),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2048))]
    #[test]
    fn generated_command_lines_never_pass_what_the_full_parser_checks(
        program in program(),
        words in prop::collection::vec(prop::sample::select(WORDS), 0..6),
    ) {
        let args: Vec<String> = words.iter().map(|w| (*w).to_string()).collect();
        prop_assert!(agrees(program, &args).is_ok(), "{}", agrees(program, &args).unwrap_err());
    }
}
