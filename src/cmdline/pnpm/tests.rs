//! Expectations were checked against pnpm 12.21.0 (its clap grammar: `pnpm <cmd> --help`,
//! errors such as "unexpected argument '--foo' found", `pnpm i <pkg>` reported as `pnpm add`,
//! `--cpu` taking every following value).
use super::*;
use crate::cmdline::cases::{argv, check, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

const M: &str = "manifest:/project/package.json";

fn world() -> MemWorld {
    MemWorld::new().file("/project/package.json", r#"{"name":"p"}"#)
}

// ORACLE:pnpm — a project with no dependencies.
const PNPM: &[(&str, &str)] = &[
    ("install", M),
    ("i", M),
    ("i --frozen-lockfile", M),
    ("install --prod", M),
    ("install --no-optional --offline", M),
    ("install --node-linker hoisted", M),
    ("i lodash", "lodash | manifest:/project/package.json"),
    ("add lodash", "lodash | manifest:/project/package.json"),
    (
        "add lodash@^4 -D",
        "lodash ^4 | manifest:/project/package.json",
    ),
    ("add -DE lodash", "lodash | manifest:/project/package.json"),
    (
        "add --save-dev=true lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --save-dev=false lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --no-save-dev lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add x@npm:evil@1",
        "alias:evil 1 | manifest:/project/package.json",
    ),
    ("add -g typescript", "typescript"),
    ("add --global a b", "a | b"),
    ("add --cpu x64 lodash", "PASS"),
    (
        "add --cpu x64 -- lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --cpu=x64 lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("add --foo lodash", "!usage: unknown option `--foo`*"),
    (
        "add --foo=bar lodash",
        "!usage: unknown option `--foo=bar`*",
    ),
    ("add", "PASS"),
    ("add -h", "PASS"),
    ("add --help lodash", "PASS"),
    (
        "add --registry http://r lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    (
        "--registry http://r add lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    (
        "add --config.registry=http://c lodash",
        "lodash | manifest:/project/package.json || index:http://c",
    ),
    (
        "add --config.@corp:registry=http://c @corp/x",
        "@corp/x | manifest:/project/package.json || scoped-registry:@corp http://c",
    ),
    ("-s add lodash", "lodash | manifest:/project/package.json"),
    (
        "--silent add lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --reporter silent lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("add --loglevel lodash", "PASS"),
    (
        "add --color lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --color=always lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "-C /project add lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "-C/project add lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("--dir=/elsewhere add lodash", "lodash"),
    ("-r add lodash", "lodash | manifest:/project/package.json"),
    (
        "--filter a add lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("-F a add lodash", "lodash | manifest:/project/package.json"),
    (
        "add lodash --filter a",
        "lodash | manifest:/project/package.json",
    ),
    (
        "-w add lodash",
        "!usage: --workspace-root may only be used inside a workspace",
    ),
    ("install-test", M),
    ("it", M),
    ("update", M),
    ("up lodash", "lodash | manifest:/project/package.json"),
    (
        "upgrade lodash@4 --latest",
        "lodash | manifest:/project/package.json",
    ),
    ("up '@babel/*'", M),
    ("up -g", "all-outdated:"),
    ("up -g typescript", "typescript"),
    ("ci", M),
    ("clean-install", M),
    ("ic", M),
    ("install-clean", M),
    ("dedupe", M),
    ("dedupe --check", M),
    ("fetch", "(none)"),
    ("deploy out", M),
    ("remove lodash", M),
    ("rm lodash", M),
    ("un lodash", M),
    ("uni lodash", M),
    ("uninstall lodash", M),
    (
        "link ../other",
        "path:../other | manifest:/project/package.json",
    ),
    (
        "ln ../other",
        "path:../other | manifest:/project/package.json",
    ),
    ("dlx cowsay hi", "cowsay"),
    ("dlx --package cowsay cowsay hi", "cowsay"),
    ("dlx --package=a --package b run", "a | b"),
    ("dlx -c 'echo hi'", "!usage: *"),
    ("dlx cowsay --registry http://x", "cowsay"),
    ("dlx --registry http://x cowsay", "cowsay || index:http://x"),
    ("dlx", "PASS"),
    ("dlx --foo cowsay", "!usage: unknown option `--foo`*"),
    ("create vite", "create-vite"),
    ("create create-vite", "create-vite"),
    ("create @s", "@s/create"),
    ("create @s/app@2 my-app", "@s/create-app 2"),
    (
        "with 11.0.0 add lodash",
        "pnpm 11.0.0 | lodash | manifest:/project/package.json",
    ),
    (
        "with current add lodash",
        "lodash | manifest:/project/package.json",
    ),
    // verifyDepsBeforeRun is `install` by default: these run `pnpm install` first.
    (
        "with 11.0.0 run build",
        "pnpm 11.0.0 | manifest:/project/package.json",
    ),
    ("with current run build", M),
    ("run build", M),
    ("run", M),
    ("run-script build", M),
    ("build", M),
    ("exec ls", M),
    ("exec -- ls", M),
    ("test", M),
    ("t", M),
    ("start", M),
    ("restart", M),
    ("run -h", "PASS"),
    ("--help run", "PASS"),
    ("run --if-present build --anything", M),
    ("--dir=/elsewhere run build", "PASS"),
    ("--config.verify-deps-before-run=false run build", "PASS"),
    ("--config.verify-deps-before-run=warn exec ls", "PASS"),
    ("--config.verify-deps-before-run=error test", "PASS"),
    ("--config.verify-deps-before-run=true build", "PASS"),
    ("--config.verify-deps-before-run=prompt run build", M),
    ("--config.verify-deps-before-run=install run build", M),
    (
        "--config.verify-deps-before-run=bogus run build",
        "!usage: --config.verify-deps-before-run: verifyDepsBeforeRun `bogus` is not one pnpm accepts*",
    ),
    ("help run", "PASS"),
    ("stop", "PASS"),
    ("config get x", "PASS"),
    ("list", "PASS"),
    ("ls", "PASS"),
    ("why lodash", "PASS"),
    ("view lodash", "PASS"),
    ("outdated", "PASS"),
    ("audit", "PASS"),
    ("rebuild", "(none)"),
    ("store prune", "PASS"),
    ("import", "PASS"),
    ("-v", "PASS"),
    ("--version", "PASS"),
    ("--help", "PASS"),
    ("", "PASS"),
    ("--foo add x", "!usage: unknown option `--foo`*"),
    ("--registry", "PASS"),
];

// ORACLE:pnpx
const PNPX: &[(&str, &str)] = &[
    ("cowsay hi", "cowsay"),
    ("--package a b", "a"),
    ("create-vite@5 app", "create-vite 5"),
    ("", "PASS"),
    ("--foo x", "!usage: *"),
];

#[test]
fn pnpm_command_lines() {
    check(PNPM, |a| parse(a, &world()));
}

#[test]
fn pnpx_command_lines() {
    check(PNPX, |a| parse_pnpx(a, &world()));
}

const LOCK_V9: &str = r"lockfileVersion: '9.0'

settings:
  autoInstallPeers: true

importers:

  .:
    dependencies:
      lodash:
        specifier: ^4.17.0
        version: 4.17.21

packages:

  lodash@4.17.21:
    resolution: {integrity: sha512-LODASH}

  '@s/x@1.0.0':
    resolution: {integrity: sha512-X}

  swapped@1.0.0:
    resolution: {integrity: sha512-S, tarball: https://registry.npmjs.org/evil/-/evil-1.0.0.tgz}

  twin@1.0.0:
    resolution: {integrity: sha512-X}

  gitdep@https://codeload.github.com/u/r/tar.gz/abc:
    resolution: {tarball: https://codeload.github.com/u/r/tar.gz/abc}
    version: 1.0.0

  repo@git+https://github.com/u/repo.git#abc:
    resolution: {type: git, repo: https://github.com/u/repo.git, commit: abc}
    version: 1.0.0

snapshots:

  lodash@4.17.21: {}
";

const LOCK_V6: &str = r"lockfileVersion: '6.0'

dependencies:
  react-dom:
    specifier: ^18
    version: 18.2.0(react@18.2.0)

packages:

  /react-dom@18.2.0(react@18.2.0):
    resolution: {integrity: sha512-RD}
    dev: false

  /000webhost-admin@1.0.0:
    resolution: {integrity: sha512-EVIL}
    dev: true
";

const LOCK_V5: &str = r"lockfileVersion: 5.4

packages:

  /lodash/4.17.21:
    resolution: {integrity: sha512-L}

  /@s/x/1.0.0_react@18.2.0:
    resolution: {integrity: sha512-X}
";

fn fixture(name: &str) -> MemWorld {
    let pj = r#"{"name":"p","dependencies":{"lodash":"^4.17.0"}}"#;
    let w = MemWorld::new();
    match name {
        "v9" => w
            .file("/project/package.json", pj)
            .file("/project/pnpm-lock.yaml", LOCK_V9),
        "v6" => w
            .file("/project/package.json", pj)
            .file("/project/pnpm-lock.yaml", LOCK_V6),
        "v5" => w
            .file("/project/package.json", pj)
            .file("/project/pnpm-lock.yaml", LOCK_V5),
        "v3" => w
            .file("/project/package.json", pj)
            .file("/project/pnpm-lock.yaml", "lockfileVersion: 3\n"),
        "bad" => w
            .file("/project/package.json", pj)
            .file("/project/pnpm-lock.yaml", "packages: [\n"),
        "ws" | "ws-sub" => {
            let mut w = w
                .file("/project/package.json", r#"{"name":"root","devDependencies":{"tool":"1"}}"#)
                .file("/project/pnpm-workspace.yaml", "packages:\n  - 'packages/*'\n  - '!packages/skip'\nregistry: http://ws\nregistries:\n  '@corp': http://corp\n")
                .file("/project/packages/a/package.json", r#"{"name":"a","dependencies":{"evil-dep":"1","b":"workspace:*"}}"#)
                .file("/project/packages/b/package.json", r#"{"name":"b"}"#)
                .file("/project/packages/skip/package.json", r#"{"name":"skip","dependencies":{"no":"1"}}"#);
            if name == "ws-sub" {
                w.cwd = PathBuf::from("/project/packages/a");
            }
            w
        }
        "rc" => w
            .file("/project/package.json", r#"{"name":"p"}"#)
            .file(
                "/project/.npmrc",
                "registry=http://npmrc\n@corp:registry=http://corp\n",
            )
            .file("/home/user/.config/pnpm/rc", "registry=http://global\n")
            .env("PNPM_CONFIG_REGISTRY", "http://env")
            .env("npm_config_registry", "http://ignored"),
        other => panic!("no fixture {other}"),
    }
}

#[rustfmt::skip]
const PROJECT: &[(&str, &str, &str)] = &[
    ("v9", "install", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/pnpm-lock.yaml | lodash 4.17.21 </project/pnpm-lock.yaml:16> | @s/x 1.0.0 </project/pnpm-lock.yaml:19> | alias:evil 1.0.0 </project/pnpm-lock.yaml:22> (claims swapped@1.0.0) | alias:@s/x 1.0.0 </project/pnpm-lock.yaml:25> (claims twin@1.0.0) | url:gitdep https://codeload.github.com/u/r/tar.gz/abc </project/pnpm-lock.yaml:28> | git:repo https://github.com/u/repo.git#abc </project/pnpm-lock.yaml:32>"),
    ("v9", "fetch", "lockfile:/project/pnpm-lock.yaml | lodash 4.17.21 </project/pnpm-lock.yaml:16> | @s/x 1.0.0 </project/pnpm-lock.yaml:19> | alias:evil 1.0.0 </project/pnpm-lock.yaml:22> (claims swapped@1.0.0) | alias:@s/x 1.0.0 </project/pnpm-lock.yaml:25> (claims twin@1.0.0) | url:gitdep https://codeload.github.com/u/r/tar.gz/abc </project/pnpm-lock.yaml:28> | git:repo https://github.com/u/repo.git#abc </project/pnpm-lock.yaml:32>"),
    ("v6", "i --frozen-lockfile", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/pnpm-lock.yaml | react-dom 18.2.0 </project/pnpm-lock.yaml:10> | 000webhost-admin 1.0.0 </project/pnpm-lock.yaml:14>"),
    ("v5", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/pnpm-lock.yaml | lodash 4.17.21 </project/pnpm-lock.yaml:5> | @s/x 1.0.0 </project/pnpm-lock.yaml:8>"),
    ("v3", "i", "!file: /project/pnpm-lock.yaml:1: lockfileVersion \"3\" is not one installguard reads*"),
    ("bad", "i", "!file: /project/pnpm-lock.yaml:*"),
    ("ws", "install", "manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | tool 1 </project/package.json:1> | evil-dep 1 </project/packages/a/package.json:1> || index:http://ws </project/pnpm-workspace.yaml:4> | scoped-registry:@corp http://corp </project/pnpm-workspace.yaml:6>"),
    ("ws", "install --prod", "manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | evil-dep 1 </project/packages/a/package.json:1> || index:http://ws </project/pnpm-workspace.yaml:4> | scoped-registry:@corp http://corp </project/pnpm-workspace.yaml:6>"),
    ("ws-sub", "add x", "x | manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | tool 1 </project/package.json:1> | evil-dep 1 </project/packages/a/package.json:1> || index:http://ws </project/pnpm-workspace.yaml:4> | scoped-registry:@corp http://corp </project/pnpm-workspace.yaml:6>"),
    ("ws-sub", "-w add x", "x | manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | tool 1 </project/package.json:1> | evil-dep 1 </project/packages/a/package.json:1> || index:http://ws </project/pnpm-workspace.yaml:4> | scoped-registry:@corp http://corp </project/pnpm-workspace.yaml:6>"),
    ("rc", "add x", "x | manifest:/project/package.json || index:http://env <env:PNPM_CONFIG_REGISTRY> | index:http://npmrc </project/.npmrc:1> | scoped-registry:@corp http://corp </project/.npmrc:2> | index:http://global </home/user/.config/pnpm/rc:1>"),
];

/// `verifyDepsBeforeRun` from each place pnpm reads it, in pnpm's order (measured with pnpm
/// 12.21.0: the environment over `--config.`, over `pnpm-workspace.yaml`, over the global
/// `config.yaml`; no `.npmrc`, no `npm_config_*`).
#[test]
fn verify_deps_before_run_sources() {
    let pj = r#"{"name":"p","dependencies":{"evil-dep":"1"}}"#;
    let base = || MemWorld::new().file("/project/package.json", pj);
    let ws = |v: &str| {
        base().file(
            "/project/pnpm-workspace.yaml",
            &format!("packages: []\nverifyDepsBeforeRun: {v}\n"),
        )
    };
    let global = |v: &str| {
        base().file(
            "/home/user/.config/pnpm/config.yaml",
            &format!("verifyDepsBeforeRun: {v}\n"),
        )
    };
    let installs = "manifest:/project/package.json | evil-dep 1 </project/package.json:1>";
    let cases: Vec<(&str, MemWorld, &str, &str)> = vec![
        ("default", base(), "run build", installs),
        ("workspace false", ws("false"), "run build", "PASS"),
        ("workspace warn", ws("warn"), "exec ls", "PASS"),
        ("workspace install", ws("install"), "run build", installs),
        ("workspace prompt", ws("prompt"), "start", installs),
        (
            "workspace bogus",
            ws("bogus"),
            "run build",
            "!file: /project/pnpm-workspace.yaml:2: verifyDepsBeforeRun `bogus`*",
        ),
        (
            "workspace false, --config install",
            ws("false"),
            "--config.verify-deps-before-run=install run build",
            installs,
        ),
        (
            "env false",
            base().env("PNPM_CONFIG_VERIFY_DEPS_BEFORE_RUN", "false"),
            "run build",
            "PASS",
        ),
        (
            "lower-case env false",
            base().env("pnpm_config_verify_deps_before_run", "false"),
            "test",
            "PASS",
        ),
        (
            "env install over workspace false",
            ws("false").env("PNPM_CONFIG_VERIFY_DEPS_BEFORE_RUN", "install"),
            "run build",
            installs,
        ),
        (
            "env false over --config install",
            base().env("PNPM_CONFIG_VERIFY_DEPS_BEFORE_RUN", "false"),
            "--config.verify-deps-before-run=install run build",
            "PASS",
        ),
        (
            "npm_config_ is not read",
            base().env("npm_config_verify_deps_before_run", "false"),
            "run build",
            installs,
        ),
        (
            ".npmrc is not read",
            base().file("/project/.npmrc", "verify-deps-before-run=false\n"),
            "run build",
            installs,
        ),
        ("global false", global("false"), "run build", "PASS"),
        (
            "workspace install over global false",
            global("false").file(
                "/project/pnpm-workspace.yaml",
                "verifyDepsBeforeRun: install\n",
            ),
            "run build",
            installs,
        ),
        ("no project", MemWorld::new(), "run build", "PASS"),
    ];
    check_results(
        cases
            .into_iter()
            .map(|(what, w, a, want)| (format!("[{what}] `{a}`"), want, parse(&argv(a), &w))),
    );
}

#[test]
fn run_reads_the_install_as_why() {
    let r = parse(&argv("run build"), &world()).unwrap();
    assert!(r.grammar.unwrap().contains("`install` (pnpm's default)"));
    let w = world().file(
        "/project/pnpm-workspace.yaml",
        "verifyDepsBeforeRun: prompt\n",
    );
    let r = parse(&argv("exec ls"), &w).unwrap();
    assert!(
        r.grammar
            .unwrap()
            .contains("`prompt` (/project/pnpm-workspace.yaml:1)")
    );
}

#[test]
fn project_files() {
    check_results(PROJECT.iter().map(|(fx, a, want)| {
        (
            format!("[{fx}] `{a}`"),
            *want,
            parse(&argv(a), &fixture(fx)),
        )
    }));
}

proptest! {
    #[test]
    fn never_panics(
        toks in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(&[
                    "add", "i", "install", "up", "dlx", "create", "with", "fetch", "-C", "--dir",
                    "-F", "--filter", "-w", "-r", "--cpu", "--config.registry=x", "--", "-g",
                    "--no-save-dev", "-s", "current", "x@npm:y", "@", "a", "-", "=",
                ][..]).prop_map(str::to_string),
                proptest::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect::<String>()),
            ],
            0..8,
        )
    ) {
        for w in [fixture("v9"), fixture("ws"), MemWorld::new()] {
            let _ = parse(&toks, &w);
            let _ = parse_pnpx(&toks, &w);
        }
        for t in &toks {
            let _ = lockfile::key_name_version(t);
            let _ = create_package(t);
        }
    }
}

/// Every option of every install-family table, in its command, before the package: generated
/// from the tables (themselves copied from pnpm 12.21.0's `--help`), so a table row that the
/// engine reads wrongly shows up here.
#[test]
fn every_option_of_every_install_command() {
    use crate::cmdline::argtable::Arity;
    let mut cases: Vec<(String, String, Result<Request, Error>)> = Vec::new();
    for (cmd, tables) in [
        ("add", &[ADD][..]),
        ("install", &[INSTALL][..]),
        ("update", &[UPDATE][..]),
        ("dedupe", &[DEDUPE][..]),
        ("deploy", &[INSTALL, DEPLOY][..]),
        ("remove", &[REMOVE][..]),
        ("fetch", &[FETCH][..]),
        ("add", &[GLOBAL][..]),
    ] {
        for o in tables.iter().flat_map(|t| t.iter()) {
            let long = o.key();
            let global = long == "global";
            let root = long == "workspace-root";
            let arg = match o.arity {
                Arity::Flag | Arity::Equals => format!("--{long}"),
                Arity::Value | Arity::Optional => format!("--{long} v"),
                Arity::Values => format!("--{long}=v"),
            };
            let line = match cmd {
                "add" => format!("add {arg} lodash"),
                _ => format!("{cmd} {arg}"),
            };
            let want = if global {
                match cmd {
                    "add" => "lodash",
                    "update" => "all-outdated:",
                    "remove" => "PASS",
                    _ => "(none)",
                }
                .to_string()
            } else if root {
                "!usage: --workspace-root may only be used inside a workspace".to_string()
            } else if cmd == "add" {
                format!("lodash | {M}")
            } else if cmd == "fetch" {
                "(none)".to_string()
            } else {
                M.to_string()
            };
            let want = if long == "registry" {
                format!("{want} || index:v")
            } else {
                want
            };
            cases.push((format!("`{line}`"), want, parse(&argv(&line), &world())));
            if let Some(s) = o.short {
                let short = match o.arity {
                    Arity::Flag | Arity::Equals => format!("-{s}"),
                    _ => format!("-{s} v"),
                };
                let line = match cmd {
                    "add" => format!("add {short} lodash"),
                    _ => format!("{cmd} {short}"),
                };
                let want = cases.last().map(|c| c.1.clone()).unwrap_or_default();
                cases.push((format!("`{line}`"), want, parse(&argv(&line), &world())));
            }
        }
    }
    assert!(cases.len() > 200, "{}", cases.len());
    check_results(
        cases
            .iter()
            .map(|(c, w, r)| (c.clone(), w.as_str(), r.clone())),
    );
}

proptest! {
    /// pnpm-lock.yaml and pnpm-workspace.yaml of any content: an error or targets, never a panic.
    #[test]
    fn file_readers_never_panic(text in "(lockfileVersion: '9.0'\n|packages:\n|[\"'a-z@/:., \n\t#\\-{}\\[\\]0-9])*") {
        let w = MemWorld::new()
            .file("/project/package.json", r#"{"name":"p"}"#)
            .file("/project/pnpm-lock.yaml", &text)
            .file("/project/pnpm-workspace.yaml", &text);
        let _ = lockfile::read(&w, Path::new("/project/pnpm-lock.yaml"));
        let _ = parse(&argv("install"), &w);
    }
}
