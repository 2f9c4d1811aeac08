//! Expectations were checked against bun 1.4.5 (`bun <cmd> --help`; "bun add has no --foo
//! flag"; `bun install <pkg>` and `bun a <pkg>` run `bun add`; "bunx has no --foo flag. Flags
//! for the package go after its name").
use super::*;
use crate::cmdline::cases::{argv, check, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

const M: &str = "manifest:/project/package.json";

fn world() -> MemWorld {
    MemWorld::new().file("/project/package.json", r#"{"name":"p"}"#)
}

// ORACLE:bun — a project with no dependencies.
const BUN: &[(&str, &str)] = &[
    ("install", M),
    ("i", M),
    ("install --frozen-lockfile", M),
    ("install --production", M),
    ("install -p", M),
    ("install --omit=dev", M),
    ("install --omit dev", M),
    ("install -g", "PASS"),
    ("install lodash", "lodash | manifest:/project/package.json"),
    ("i lodash", "lodash | manifest:/project/package.json"),
    ("add lodash", "lodash | manifest:/project/package.json"),
    ("a lodash", "lodash | manifest:/project/package.json"),
    (
        "add -d lodash@^4",
        "lodash ^4 | manifest:/project/package.json",
    ),
    ("add -dE lodash", "lodash | manifest:/project/package.json"),
    (
        "add --dev --exact lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add x@npm:evil@1",
        "alias:evil 1 | manifest:/project/package.json",
    ),
    (
        "add github:u/r",
        "git:github:u/r | manifest:/project/package.json",
    ),
    ("add -g cowsay", "cowsay"),
    ("add --global a b", "a | b"),
    ("add --foo lodash", "!usage: unknown option `--foo`*"),
    ("add -Z lodash", "!usage: unknown option `-Z`*"),
    ("add", "PASS"),
    ("add --help", "PASS"),
    ("add -h lodash", "PASS"),
    (
        "add --registry http://r lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    (
        "add --registry=http://r lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    ("add --cwd /elsewhere lodash", "lodash"),
    (
        "add --filter a lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("add -F a lodash", "lodash | manifest:/project/package.json"),
    (
        "add --trust lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --no-save lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --minimum-release-age 86400 lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("add lodash -- x", "lodash | manifest:/project/package.json"),
    ("update", M),
    ("update lodash", "lodash | manifest:/project/package.json"),
    (
        "update --latest lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("update -g", "all-outdated:"),
    ("update -g typescript", "typescript"),
    ("remove lodash", M),
    ("rm lodash", M),
    // bun 1.4.5's other spellings: `ci` is `install`, `r` and `uninstall` are `remove`.
    ("ci", M),
    ("r lodash", M),
    ("uninstall lodash", M),
    ("dedupe", M),
    ("dedupe --check", "PASS"),
    ("dedupe --lockfile-only", M),
    ("link", "PASS"),
    ("link foo", "PASS"),
    ("x cowsay hi", "cowsay"),
    ("x -p cowsay cowsay", "cowsay"),
    ("x --package=a run", "a"),
    ("x --bun vite", "vite"),
    ("x cowsay --foo", "cowsay"),
    ("x --foo cowsay", "!usage: unknown option `--foo`*"),
    ("x", "PASS"),
    ("run build", "PASS"),
    ("build", "PASS"),
    ("index.ts", "PASS"),
    ("test", "PASS"),
    ("pm ls", "PASS"),
    ("outdated", "PASS"),
    ("upgrade", "bun"),
    ("upgrade --canary", "bun canary"),
    ("pm trust esbuild sharp", "esbuild | sharp"),
    ("pm trust", "PASS"),
    ("pm ls", "PASS"),
    // `bun create <t>` runs `bunx create-<t>` (bun 1.4.5 fetched create-vite's packument);
    // a `user/repo` template is downloaded from GitHub.
    ("create vite", "create-vite"),
    ("c vite app", "create-vite"),
    ("create vite@5 app", "create-vite 5"),
    ("create --force vite", "create-vite"),
    ("create @foo/bar", "@foo/create-bar"),
    ("create @foo", "@foo/create"),
    ("create u/r", "git:github:u/r"),
    ("create", "PASS"),
    ("create --help", "PASS"),
    ("--version", "PASS"),
    ("", "PASS"),
];

// ORACLE:bunx
const BUNX: &[(&str, &str)] = &[
    ("cowsay hi", "cowsay"),
    ("create-vite@5 my-app", "create-vite 5"),
    ("-p @s/tool tool", "@s/tool"),
    ("--registry http://r cowsay", "cowsay || index:http://r"),
    ("--no-install cowsay", "cowsay"),
    ("--foo cowsay", "!usage: *"),
    ("--version", "PASS"),
    ("-v", "PASS"),
    ("--help", "PASS"),
    ("", "PASS"),
];

#[test]
fn bun_command_lines() {
    check(BUN, |a| parse(a, &world()));
}

#[test]
fn bunx_command_lines() {
    check(BUNX, |a| parse_bunx(a, &world()));
}

const LOCK: &str = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "p",
      "dependencies": {
        "lodash": "^4.17.0",
      },
    },
  },
  "packages": {
    "lodash": ["lodash@4.17.21", "", {}, "sha512-LODASH"],
    "@s/x": ["@s/x@1.0.0", "", {}, "sha512-X"],
    "alias": ["000webhost-admin@1.0.0", "", {}, "sha512-E"],
    "swapped": ["swapped@1.0.0", "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz", {}, "sha512-S"],
    "twin": ["twin@1.0.0", "", {}, "sha512-X"],
    "gh": ["gh@github:u/r#abc", {}, "u-r-abc"],
    "tb": ["tb@https://r.example/evil/-/evil-2.0.0.tgz", {}],
    "ws": ["ws@workspace:packages/ws"],
    "lodash/nested": ["nested@1.0.0", "", {}, "sha512-N"],
  }
}
"#;

fn fixture(name: &str) -> MemWorld {
    let pj = r#"{"name":"p","dependencies":{"lodash":"^4.17.0"}}"#;
    let w = MemWorld::new();
    match name {
        "lock" => w.file("/project/package.json", pj).file("/project/bun.lock", LOCK),
        "lockb" => w.file("/project/package.json", pj).file("/project/bun.lockb", "\u{0}bun"),
        "both" => w
            .file("/project/package.json", pj)
            .file("/project/bun.lockb", "\u{0}bun")
            .file("/project/bun.lock", r#"{"lockfileVersion":1,"packages":{}}"#),
        "bad" => w.file("/project/package.json", pj).file("/project/bun.lock", "{\n  \"packages\": [\n"),
        "ws" => w
            .file("/project/package.json", r#"{"name":"root","workspaces":["packages/*"]}"#)
            .file("/project/packages/a/package.json", r#"{"name":"a","dependencies":{"evil-dep":"1","b":"workspace:*"}}"#)
            .file("/project/packages/b/package.json", r#"{"name":"b"}"#),
        "cfg" => w
            .file("/project/package.json", r#"{"name":"p"}"#)
            .file("/project/bunfig.toml", "[install]\nregistry = \"http://bunfig\"\n\n[install.scopes]\ncorp = { url = \"http://corp\", token = \"t\" }\n\"@other\" = \"http://other\"\n")
            .file("/home/user/.bunfig.toml", "[install]\nregistry = { url = \"http://global\" }\n")
            .file("/project/.npmrc", "registry=http://npmrc\n")
            .env("BUN_CONFIG_REGISTRY", "http://env"),
        "bad-cfg" => w
            .file("/project/package.json", r#"{"name":"p"}"#)
            .file("/project/bunfig.toml", "[install\n"),
        other => panic!("no fixture {other}"),
    }
}

#[rustfmt::skip]
const PROJECT: &[(&str, &str, &str)] = &[
    ("lock", "install", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/bun.lock | lodash 4.17.21 </project/bun.lock:12> | @s/x 1.0.0 </project/bun.lock:13> | alias:000webhost-admin 1.0.0 </project/bun.lock:14> | alias:evil 1.0.0 </project/bun.lock:15> (claims swapped@1.0.0) | alias:@s/x 1.0.0 </project/bun.lock:16> (claims twin@1.0.0) | git:gh github:u/r#abc </project/bun.lock:17> | url:evil https://r.example/evil/-/evil-2.0.0.tgz </project/bun.lock:18> | nested 1.0.0 </project/bun.lock:20>"),
    ("lock", "add x", "x | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/bun.lock | lodash 4.17.21 </project/bun.lock:12> | @s/x 1.0.0 </project/bun.lock:13> | alias:000webhost-admin 1.0.0 </project/bun.lock:14> | alias:evil 1.0.0 </project/bun.lock:15> (claims swapped@1.0.0) | alias:@s/x 1.0.0 </project/bun.lock:16> (claims twin@1.0.0) | git:gh github:u/r#abc </project/bun.lock:17> | url:evil https://r.example/evil/-/evil-2.0.0.tgz </project/bun.lock:18> | nested 1.0.0 </project/bun.lock:20>"),
    ("lock", "x cowsay", "cowsay"),
    ("lockb", "install", "!file: /project/bun.lockb: installguard cannot read bun's binary lockfile exactly*"),
    ("lockb", "add x", "!file: /project/bun.lockb: *"),
    ("both", "install", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/bun.lock"),
    ("bad", "install", "!file: /project/bun.lock:*"),
    ("ws", "install", "manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("cfg", "add x", "x | manifest:/project/package.json || index:http://env <env:BUN_CONFIG_REGISTRY> | index:http://bunfig </project/bunfig.toml:2> | scoped-registry:@corp http://corp </project/bunfig.toml:5> | scoped-registry:@other http://other </project/bunfig.toml:6> | index:http://global </home/user/.bunfig.toml:2> | index:http://npmrc </project/.npmrc:1>"),
    ("cfg", "x --registry http://r y", "y || index:http://r | index:http://env <env:BUN_CONFIG_REGISTRY> | index:http://bunfig </project/bunfig.toml:2> | scoped-registry:@corp http://corp </project/bunfig.toml:5> | scoped-registry:@other http://other </project/bunfig.toml:6> | index:http://global </home/user/.bunfig.toml:2> | index:http://npmrc </project/.npmrc:1>"),
    ("bad-cfg", "add x", "!file: /project/bunfig.toml:1: not valid TOML*"),
];

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

/// bun takes the first word that is not an option as the command, even when it is the value of
/// an option before it, then reads the options over the whole line and drops its first
/// positional: `bun --cwd add run <dep>` adds `<dep>` in `add/` (measured with bun 1.4.5), so
/// the project read is `add/`'s, not a folder named `run`.
#[test]
fn an_option_value_before_the_command_is_read_as_bun_reads_it() {
    let w = world().file(
        "/project/add/package.json",
        r#"{"name":"a","dependencies":{"evil":"1"}}"#,
    );
    let cases = [
        (
            "--cwd add run dep",
            "dep | manifest:/project/add/package.json | evil 1 </project/add/package.json:1>",
        ),
        ("--cwd add dep", "PASS"),
        ("--cwd add", "PASS"),
        (
            "--cwd=add add dep",
            "dep | manifest:/project/add/package.json | evil 1 </project/add/package.json:1>",
        ),
    ];
    check_results(
        cases
            .iter()
            .map(|(a, want)| (format!("`{a}`"), *want, parse(&argv(a), &w))),
    );
}

#[test]
fn commands_that_run_code_in_the_runtime() {
    for yes in [
        "run a.ts",
        "a.ts",
        "test",
        "--cwd dir run build",
        "-e 1",
        "--print=1",
        "exec ls",
        "dev",
    ] {
        assert!(runs_code(&argv(yes)), "{yes}");
    }
    for no in [
        "install",
        "add x",
        "pm ls",
        "build a.ts",
        "x cowsay",
        "--version",
        "",
        "create vite",
        "ci",
        "r x",
        "uninstall x",
    ] {
        assert!(!runs_code(&argv(no)), "{no}");
    }
}

proptest! {
    #[test]
    fn never_panics(
        toks in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(&[
                    "add", "a", "i", "install", "update", "x", "remove", "-g", "--cwd", "-p",
                    "--omit", "--registry", "-c", "--", "x@npm:y", "@", "a", "-", "=",
                ][..]).prop_map(str::to_string),
                proptest::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect::<String>()),
            ],
            0..8,
        )
    ) {
        for w in [fixture("lock"), fixture("cfg"), fixture("ws"), MemWorld::new()] {
            let _ = parse(&toks, &w);
            let _ = parse_bunx(&toks, &w);
        }
        for t in &toks {
            let _ = lockfile::strict_json(t);
        }
    }
}

/// Every option of every install-family table (copied from bun 1.4.5's `--help`), long and
/// short, generated: `add <opt> [v] lodash`, `install <opt> [v]`, `update …`, `remove …`.
#[test]
fn every_option_of_every_install_command() {
    use crate::cmdline::argtable::Arity;
    let mut cases: Vec<(String, String, Result<Request, Error>)> = Vec::new();
    for (cmd, extra) in [
        ("add", ADD),
        ("install", ADD),
        ("update", UPDATE),
        ("remove", REMOVE),
    ] {
        for o in INSTALL.iter().chain(extra.iter()) {
            let long = o.key();
            let value = !matches!(o.arity, Arity::Flag);
            let forms = [
                Some(if value {
                    format!("--{long} v")
                } else {
                    format!("--{long}")
                }),
                Some(if value {
                    format!("--{long}=v")
                } else {
                    format!("--{long}")
                }),
                o.short.map(|s| {
                    if value {
                        format!("-{s} v")
                    } else {
                        format!("-{s}")
                    }
                }),
            ];
            for arg in forms.into_iter().flatten() {
                let line = format!("{cmd} {arg} lodash");
                let want = match (cmd, long) {
                    (_, "help") | ("remove", "global") => "PASS".to_string(),
                    ("add" | "install", "global") => "lodash".to_string(),
                    ("update", "global") => "lodash".to_string(),
                    ("remove", "registry") => format!("{M} || index:v"),
                    ("remove", _) => M.to_string(),
                    (_, "registry") => format!("lodash | {M} || index:v"),
                    _ => format!("lodash | {M}"),
                };
                cases.push((format!("`{line}`"), want, parse(&argv(&line), &world())));
            }
        }
    }
    assert!(cases.len() > 300, "{}", cases.len());
    check_results(
        cases
            .iter()
            .map(|(c, w, r)| (c.clone(), w.as_str(), r.clone())),
    );
}

proptest! {
    /// bun.lock, bunfig.toml and workspace globs of any content: an error or targets, never a
    /// panic.
    #[test]
    fn file_readers_never_panic(text in "(\"packages\": |\\[install\\]\n|[\"a-z@/:., \n\t#\\-{}\\[\\]0-9=*?!])*") {
        let w = MemWorld::new()
            .file("/project/package.json", &format!("{{\"workspaces\": [{text:?}]}}"))
            .file("/project/bun.lock", &text)
            .file("/project/bunfig.toml", &text);
        let _ = lockfile::read(&w, Path::new("/project"));
        let _ = parse(&argv("install"), &w);
        let _ = parse(&argv("add x"), &w);
    }
}
