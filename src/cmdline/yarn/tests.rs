//! Expectations were checked against yarn 1.22.22's `src/cli/index.js`, commander 2 and the
//! commands' `setFlags`, and against `@yarnpkg/cli-dist` 4.18.1 (clipanion option declarations,
//! `yarn <cmd> -h`).
use super::*;
use crate::cmdline::cases::{argv, check, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

fn classic_world() -> MemWorld {
    MemWorld::new().file(
        "/project/package.json",
        r#"{"name":"p","packageManager":"yarn@1.22.22"}"#,
    )
}

fn berry_world() -> MemWorld {
    MemWorld::new().file(
        "/project/package.json",
        r#"{"name":"p","packageManager":"yarn@4.18.1"}"#,
    )
}

const M: &str = "manifest:/project/package.json";

// ORACLE:yarn1 — a project with no dependencies (packageManager yarn@1.22.22).
const CLASSIC: &[(&str, &str)] = &[
    ("", M),
    ("install", M),
    ("install --frozen-lockfile", M),
    ("--frozen-lockfile", M),
    ("--production", M),
    ("--prod false", M),
    ("install lodash", "PASS"),
    ("install -g", "PASS"),
    ("add lodash", "lodash | manifest:/project/package.json"),
    (
        "add lodash@^4 -D",
        "lodash ^4 | manifest:/project/package.json",
    ),
    ("add -DE lodash", "lodash | manifest:/project/package.json"),
    ("add -W @s/x@1", "@s/x 1 | manifest:/project/package.json"),
    (
        "add x@npm:evil@1",
        "alias:evil 1 | manifest:/project/package.json",
    ),
    (
        "add user/repo",
        "git:user/repo | manifest:/project/package.json",
    ),
    ("add ./dir", "path:./dir | manifest:/project/package.json"),
    (
        "add https://r.example/evil/-/evil-1.0.0.tgz",
        "url:evil https://r.example/evil/-/evil-1.0.0.tgz | manifest:/project/package.json",
    ),
    ("add a b c", "a | b | c | manifest:/project/package.json"),
    ("add", "PASS"),
    ("add --foo lodash", "!usage: unknown option `--foo`*"),
    ("add -Z lodash", "!usage: unknown option `-Z`*"),
    ("add --prod lodash", "PASS"),
    (
        "add --prod -- lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --registry http://r lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    (
        "--registry http://r add lodash",
        "lodash | manifest:/project/package.json || index:http://r",
    ),
    (
        "--cwd /project add lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("--prod add lodash", "PASS"),
    ("add lodash --help", "PASS"),
    ("add --help lodash", "PASS"),
    ("-h add lodash", "PASS"),
    ("--help", "PASS"),
    ("-v", "PASS"),
    ("--version", "PASS"),
    ("add -v lodash", "PASS"),
    ("upgrade", M),
    ("upgrade lodash", "lodash | manifest:/project/package.json"),
    (
        "upgrade lodash@^4 --latest",
        "lodash ^4 | manifest:/project/package.json",
    ),
    ("upgrade --scope @s", M),
    ("upgrade -P", M),
    ("upgrade-interactive", M),
    ("upgradeInteractive --latest", M),
    ("remove lodash", M),
    ("unplug lodash", M),
    ("global add create-react-app", "create-react-app"),
    ("global add --prefix /x a b", "a | b"),
    ("global add", "PASS"),
    ("policies set-version 1.22.0", "yarn 1.22.0"),
    ("policies set-version", "yarn 1"),
    ("policies set-version berry", "@yarnpkg/cli-dist latest"),
    ("policies", "PASS"),
    ("global upgrade", "all-outdated:"),
    ("global upgrade a", "a"),
    ("global list", "PASS"),
    ("global remove a", "PASS"),
    ("create react-app my-app", "create-react-app"),
    ("create @s/app --flag", "@s/create-app"),
    ("create @s", "@s/create"),
    ("create ./x", "!usage: *"),
    ("create", "PASS"),
    ("run build", "PASS"),
    ("build", "PASS"),
    ("test", "PASS"),
    ("exec foo", "PASS"),
    ("dlx cowsay", "PASS"),
    ("dedupe", "PASS"),
    ("why lodash", "PASS"),
    ("info lodash", "PASS"),
    ("list", "PASS"),
    ("link", "PASS"),
    ("link foo", "PASS"),
    ("import", "PASS"),
    ("workspaces info", "PASS"),
    ("node -e 1", "PASS"),
    ("install --no-lockfile", M),
    ("--foo build", "PASS"),
    ("--emoji true add x", "x | manifest:/project/package.json"),
    ("--emoji add x", "PASS"),
    (
        "--mutex network add x",
        "x | manifest:/project/package.json",
    ),
    ("add --otp 123 x", "x | manifest:/project/package.json"),
    (
        "add --network-timeout=1000 x",
        "x | manifest:/project/package.json",
    ),
    ("add --dev=true x", "!usage: *"),
];

// ORACLE:berry — the same project with packageManager yarn@4.18.1.
const BERRY: &[(&str, &str)] = &[
    ("", M),
    ("install", M),
    ("install --immutable", M),
    ("install --frozen-lockfile", M),
    ("install --mode=skip-build", M),
    ("install --mode skip-build", M),
    ("--immutable", M),
    ("install lodash", "PASS"),
    ("install --foo", "!usage: unknown option `--foo`*"),
    ("add lodash", "lodash | manifest:/project/package.json"),
    (
        "add lodash@npm:^4",
        "lodash ^4 | manifest:/project/package.json",
    ),
    (
        "add lodash@npm:4.17.21",
        "lodash 4.17.21 | manifest:/project/package.json",
    ),
    (
        "add x@npm:evil@1",
        "alias:evil 1 | manifest:/project/package.json",
    ),
    (
        "add -D -E lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("add -DE lodash", "lodash | manifest:/project/package.json"),
    (
        "add --no-json lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add --no-time-gate lodash",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add lodash --exact",
        "lodash | manifest:/project/package.json",
    ),
    (
        "add a@patch:a@1#./p.patch",
        "path:a patch:a@1#./p.patch | manifest:/project/package.json",
    ),
    (
        "add w@workspace:^",
        "path:w workspace:^ | manifest:/project/package.json",
    ),
    ("add", "PASS"),
    (
        "add --registry http://r x",
        "!usage: unknown option `--registry`*",
    ),
    ("add -h", "PASS"),
    ("up lodash", "lodash | manifest:/project/package.json"),
    ("up '@babel/*'", M),
    ("up -R lodash", "lodash | manifest:/project/package.json"),
    ("up", M),
    ("dlx cowsay hi", "cowsay"),
    ("dlx -p cowsay cowsay", "cowsay"),
    ("dlx -p a -p b run", "a | b"),
    ("dlx --package=a run", "a"),
    ("dlx -q create-vite my-app --template react", "create-vite"),
    ("dlx cowsay --registry x", "cowsay"),
    ("dlx --foo cowsay", "!usage: unknown option `--foo`*"),
    ("dlx", "PASS"),
    ("dlx -h", "PASS"),
    ("create vite", "create-vite"),
    ("create @s/app x", "@s/create-app"),
    ("dedupe", M),
    ("dedupe -s highest", M),
    ("remove lodash", M),
    ("unplug lodash -R", M),
    (
        "link ../other",
        "path:../other | manifest:/project/package.json",
    ),
    ("upgrade-interactive", M),
    ("workspaces focus", M),
    ("workspaces focus --production a", M),
    (
        "workspaces foreach -A add lodash",
        "lodash | manifest:/project/package.json",
    ),
    ("workspaces foreach -A run build", "PASS"),
    ("workspaces foreach --since=main -p install", M),
    ("workspaces foreach", "PASS"),
    ("workspaces list", "PASS"),
    ("plugin import typescript", "url:typescript"),
    ("plugin list", "PASS"),
    ("set version 4.1.0", "@yarnpkg/cli-dist 4.1.0"),
    ("set version classic", "yarn 1"),
    ("set version stable --yarn-path", "@yarnpkg/cli-dist latest"),
    (
        "set version from sources --repository https://git.example/yarn.git",
        "git:https://git.example/yarn.git",
    ),
    (
        "plugin import from sources typescript",
        "git:https://github.com/yarnpkg/berry.git",
    ),
    ("init", "PASS"),
    ("init -p -n x", "PASS"),
    ("init vite my-app", "vite"),
    ("init --install=4.1.0", "@yarnpkg/cli-dist 4.1.0"),
    ("unlink ../lib", M),
    ("run build", "PASS"),
    ("build", "PASS"),
    ("exec ls", "PASS"),
    ("npm info lodash", "PASS"),
    ("why lodash", "PASS"),
    ("rebuild", M),
    ("rebuild esbuild", "esbuild"),
    ("-v", "PASS"),
    ("--version", "PASS"),
    ("--help", "PASS"),
    ("global add x", "PASS"),
    ("--cwd /project add x", "x | manifest:/project/package.json"),
];

#[test]
fn classic_command_lines() {
    check(CLASSIC, |a| parse(a, &classic_world()));
}

#[test]
fn berry_command_lines() {
    check(BERRY, |a| parse(a, &berry_world()));
}

#[test]
fn version_decision() {
    let classic = |w: MemWorld| match decide_version(&w, Path::new("/project")).unwrap() {
        Version::Classic(why) => format!("classic: {why}"),
        Version::Berry(why) => format!("berry: {why}"),
        Version::Unknown => "unknown".into(),
    };
    for (w, want) in [
        (MemWorld::new(), "unknown"),
        (
            classic_world(),
            "classic: yarn 1 (classic): packageManager yarn@1.22.22 in /project/package.json:1",
        ),
        (
            berry_world(),
            "berry: yarn ≥ 2 (berry): packageManager yarn@4.18.1 in /project/package.json:1",
        ),
        (
            classic_world().file(
                "/project/.yarnrc.yml",
                "nodeLinker: pnp\nyarnPath: .yarn/releases/yarn-4.1.0.cjs\n",
            ),
            "berry: yarn ≥ 2 (berry): yarnPath in /project/.yarnrc.yml:2",
        ),
        (
            berry_world().file("/.yarnrc", "yarn-path \"/opt/yarn-1.22.19.js\"\n"),
            "classic: yarn 1 (classic): yarn-path in /.yarnrc:1",
        ),
        (
            berry_world()
                .file(
                    "/project/.yarnrc.yml",
                    "yarnPath: .yarn/releases/yarn-1.22.19.js\n",
                )
                .env("YARN_IGNORE_PATH", "1"),
            "berry: yarn ≥ 2 (berry): packageManager yarn@4.18.1 in /project/package.json:1",
        ),
        (
            MemWorld::new().file(
                "/project/package.json",
                r#"{"packageManager":"pnpm@9.0.0"}"#,
            ),
            "unknown",
        ),
    ] {
        assert_eq!(classic(w), want);
    }
}

/// Without a version, both grammars read the line and the union is checked.
const EITHER: &[(&str, &str)] = &[
    ("add lodash", "lodash"),
    ("dlx cowsay", "cowsay"),
    ("up lodash", "lodash"),
    ("upgrade lodash", "lodash"),
    ("global add x", "x"),
    ("run build", "PASS"),
    ("add --foo x", "!usage: *"),
    ("add --registry http://r x", "!usage: *"),
    ("", "(none)"),
];

#[test]
fn union_when_the_version_is_unknown() {
    check(EITHER, |a| parse(a, &MemWorld::new()));
    let r = parse(&argv("dlx cowsay"), &MemWorld::new()).unwrap();
    assert!(r.grammar.unwrap().contains("read as both"));
    let r = parse(&argv("add x"), &berry_world()).unwrap();
    assert!(r.grammar.unwrap().starts_with("yarn ≥ 2 (berry)"));
    let r = parse(&argv("run x"), &berry_world()).unwrap();
    assert_eq!(r.grammar, None);
}

const LOCK_V1: &str = r#"# yarn lockfile v1


lodash@^4.17.0:
  version "4.17.21"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"
  integrity sha512-LODASH

"evil@npm:000webhost-admin@1":
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/000webhost-admin/-/000webhost-admin-1.0.0.tgz"

swapped@^1:
  version "1.0.0"
  resolved "https://registry.yarnpkg.com/other/-/other-1.0.0.tgz"

gitdep@user/repo:
  version "1.0.0"
  resolved "https://codeload.github.com/user/repo/tar.gz/abc"

"local@file:../local":
  version "1.0.0"
"#;

const LOCK_BERRY: &str = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"lodash@npm:^4.17.0":
  version: 4.17.21
  resolution: "lodash@npm:4.17.21"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"alias@npm:000webhost-admin@1":
  version: 1.0.0
  resolution: "000webhost-admin@npm:1.0.0"

"p@workspace:.":
  version: 0.0.0-use.local
  resolution: "p@workspace:."

"g@https://github.com/u/r.git#commit=abc":
  version: 1.0.0
  resolution: "g@https://github.com/u/r.git#commit=abc"

"t@https://r.example/evil/-/evil-1.0.0.tgz":
  version: 1.0.0
  resolution: "t@https://r.example/evil/-/evil-1.0.0.tgz"
"#;

#[rustfmt::skip]
const PROJECT: &[(&str, &str, &str)] = &[
    ("v1", "install", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/yarn.lock | lodash 4.17.21 </project/yarn.lock:4> | alias:000webhost-admin 1.0.0 </project/yarn.lock:9> | alias:other 1.0.0 </project/yarn.lock:13> (claims swapped@1.0.0) | git:gitdep https://codeload.github.com/user/repo/tar.gz/abc </project/yarn.lock:17> | path:local file:../local </project/yarn.lock:21>"),
    ("v1", "--no-lockfile", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1>"),
    ("v1", "add x", "x | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/yarn.lock | lodash 4.17.21 </project/yarn.lock:4> | alias:000webhost-admin 1.0.0 </project/yarn.lock:9> | alias:other 1.0.0 </project/yarn.lock:13> (claims swapped@1.0.0) | git:gitdep https://codeload.github.com/user/repo/tar.gz/abc </project/yarn.lock:17> | path:local file:../local </project/yarn.lock:21>"),
    ("berry", "", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/yarn.lock | lodash 4.17.21 </project/yarn.lock:7> | alias:000webhost-admin 1.0.0 </project/yarn.lock:14> | git:g https://github.com/u/r.git#commit=abc </project/yarn.lock:22> | url:evil https://r.example/evil/-/evil-1.0.0.tgz </project/yarn.lock:26>"),
    ("berry", "dlx x", "x"),
    ("ws", "install", "manifest:/project/package.json | manifest:/project/packages/a/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("ws", "workspace a add lodash", "lodash | manifest:/project/package.json | manifest:/project/packages/a/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("ws", "workspace nope add lodash", "!usage: yarn workspace nope: no such workspace*"),
    ("ws-sub", "add lodash", "lodash | manifest:/project/package.json | manifest:/project/packages/a/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("rc", "add x", "x | manifest:/project/package.json || index:http://yarnrc </project/.yarnrc:1> | scoped-registry:@corp http://corp </project/.yarnrc:2> | index:http://npmrc </project/.npmrc:1>"),
    ("rc-env", "add x", "x | manifest:/project/package.json || index:http://env <env:YARN_REGISTRY>"),
    ("yml", "add x", "x | manifest:/project/package.json || index:http://y </project/.yarnrc.yml:2> | scoped-registry:@corp http://c </project/.yarnrc.yml:5> | index:http://home </home/user/.yarnrc.yml:1>"),
    ("yml-env", "add x", "x | manifest:/project/package.json || index:http://e <env:YARN_NPM_REGISTRY_SERVER>"),
    ("bad-lock", "install", "!file: /project/yarn.lock:2: *"),
    ("bad-yml", "add x", "!file: /project/.yarnrc.yml:*"),
];

fn fixture(name: &str) -> MemWorld {
    let classic_pj = r#"{"dependencies":{"lodash":"^4.17.0"},"packageManager":"yarn@1.22.22"}"#;
    let berry_pj = r#"{"dependencies":{"lodash":"^4.17.0"},"packageManager":"yarn@4.18.1"}"#;
    let ws = |w: MemWorld| {
        w.file(
            "/project/package.json",
            r#"{"name":"root","workspaces":["packages/*"],"packageManager":"yarn@1.22.22"}"#,
        )
        .file(
            "/project/packages/a/package.json",
            r#"{"name":"a","dependencies":{"evil-dep":"1"}}"#,
        )
    };
    let w = MemWorld::new();
    match name {
        "v1" => w.file("/project/package.json", classic_pj).file("/project/yarn.lock", LOCK_V1),
        "berry" => w.file("/project/package.json", berry_pj).file("/project/yarn.lock", LOCK_BERRY),
        "ws" => ws(w),
        "ws-sub" => {
            let mut w = ws(w);
            w.cwd = PathBuf::from("/project/packages/a");
            w
        }
        "rc" => w
            .file("/project/package.json", r#"{"packageManager":"yarn@1.22.22"}"#)
            .file("/project/.yarnrc", "registry \"http://yarnrc\"\n\"@corp:registry\" \"http://corp\"\n")
            .file("/project/.npmrc", "registry=http://npmrc\n"),
        "rc-env" => w
            .file("/project/package.json", r#"{"packageManager":"yarn@1.22.22"}"#)
            .env("YARN_REGISTRY", "http://env"),
        "yml" => w
            .file("/project/package.json", r#"{"packageManager":"yarn@4.18.1"}"#)
            .file("/project/.yarnrc.yml", "nodeLinker: node-modules\nnpmRegistryServer: \"http://y\"\nnpmScopes:\n  corp:\n    npmRegistryServer: http://c\n")
            .file("/home/user/.yarnrc.yml", "npmRegistryServer: http://home\n")
            .file("/project/.npmrc", "registry=http://ignored-by-berry\n"),
        "yml-env" => w
            .file("/project/package.json", r#"{"packageManager":"yarn@4.18.1"}"#)
            .env("YARN_NPM_REGISTRY_SERVER", "http://e"),
        "bad-lock" => w
            .file("/project/package.json", classic_pj)
            .file("/project/yarn.lock", "a@1:\n   version \"1\"\n"),
        "bad-yml" => w
            .file("/project/package.json", r#"{"packageManager":"yarn@4.18.1"}"#)
            .file("/project/.yarnrc.yml", "npmScopes: [\n"),
        other => panic!("no fixture {other}"),
    }
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
                    "add", "install", "up", "upgrade", "dlx", "create", "global", "workspace",
                    "workspaces", "foreach", "focus", "-A", "-p", "--cwd", "--prod", "-D", "--",
                    "--mode", "--registry", "x@npm:y", "@", "a", "-", "--no-json", "=",
                ][..]).prop_map(str::to_string),
                proptest::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect::<String>()),
            ],
            0..8,
        )
    ) {
        for w in [fixture("v1"), fixture("berry"), fixture("ws"), MemWorld::new()] {
            let _ = parse(&toks, &w);
        }
        for t in &toks {
            let _ = syml::parse(t, "f");
            let _ = yaml::parse(t, "f");
            let _ = create_package(t);
        }
    }
}

/// Every option of the install-family tables of both grammars, generated from the tables
/// (copied from yarn 1.22.22's `setFlags`/`commander.option` and yarn 4.18.1's option
/// declarations): `add <opt> [v] lodash` and `install <opt> [v]`.
#[test]
fn every_option_of_add_and_install() {
    use crate::cmdline::argtable::{Arity, Opt};
    let mut cases: Vec<(String, String, Result<Request, Error>)> = Vec::new();
    let mut generate = |world: &dyn Fn() -> MemWorld, cmd: &str, tables: &[&[Opt]]| {
        for o in tables.iter().flat_map(|t| t.iter()) {
            let long = o.key();
            let mut forms = vec![match o.arity {
                Arity::Flag => format!("--{long}"),
                Arity::Equals | Arity::Optional => format!("--{long}=v"),
                Arity::Value | Arity::Values => format!("--{long} v"),
            }];
            if let Some(s) = o.short {
                forms.push(match o.arity {
                    Arity::Flag => format!("-{s}"),
                    _ => format!("-{s} v"),
                });
            }
            for arg in forms {
                let line = if cmd == "add" {
                    format!("add {arg} -- lodash")
                } else {
                    format!("{cmd} {arg}")
                };
                let want = match (cmd, long) {
                    (_, "help" | "version") => "PASS".to_string(),
                    ("install", "global") => "PASS".to_string(),
                    (_, "registry") if cmd == "add" => format!("lodash | {M} || index:v"),
                    (_, "registry") => format!("{M} || index:v"),
                    ("add", _) => format!("lodash | {M}"),
                    _ => M.to_string(),
                };
                cases.push((format!("`{line}`"), want, parse(&argv(&line), &world())));
            }
        }
    };
    generate(&classic_world, "add", &[classic::ADD, classic::GLOBAL]);
    generate(
        &classic_world,
        "install",
        &[classic::INSTALL, classic::GLOBAL],
    );
    generate(&berry_world, "add", &[berry::ADD]);
    generate(&berry_world, "install", &[berry::INSTALL]);
    assert!(cases.len() > 150, "{}", cases.len());
    check_results(
        cases
            .iter()
            .map(|(c, w, r)| (c.clone(), w.as_str(), r.clone())),
    );
}

proptest! {
    /// yarn.lock (either format), .yarnrc and .yarnrc.yml of any content: an error or targets,
    /// never a panic.
    #[test]
    fn file_readers_never_panic(text in "(__metadata:\n|[\"a-z@^:., \n\t#\\-{}\\[\\]0-9])*") {
        let w = MemWorld::new()
            .file("/project/package.json", r#"{"packageManager":"yarn@1.22.22"}"#)
            .file("/project/yarn.lock", &text)
            .file("/project/.yarnrc", &text)
            .file("/project/.yarnrc.yml", &text);
        if let Ok(Some(lock)) = lockfile::read(&w, Path::new("/project/yarn.lock")) {
            let _ = lock.targets(&[]);
        }
        let _ = parse(&argv("add x"), &w);
        let _ = parse(&argv("install"), &w);
        let _ = decide_version(&w, Path::new("/project"));
    }
}
