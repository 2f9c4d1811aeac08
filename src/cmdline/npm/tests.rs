//! Expectations were checked against npm 11.19.1's own nopt, cmd-list, npm-package-arg and npx-cli.js.
use super::*;
use crate::cmdline::ErrorKind;
use crate::cmdline::cases::{argv, check, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

// ORACLE:npm — command lines with no project files (cwd /project).
const NPM_ARGV: &[(&str, &str)] = &[
    ("i foo", "foo"),
    ("install foo@1.2.3", "foo 1.2.3"),
    ("add foo@^1", "foo ^1"),
    ("i foo@latest 'bar@>=1 <2'", "foo latest | bar >=1 <2"),
    ("in @scope/pkg@2", "@scope/pkg 2"),
    ("i @scope/pkg", "@scope/pkg"),
    ("i Express", "Express"),
    ("i foo@", "foo"),
    ("i foo@1.x", "foo 1.x"),
    ("i 'foo@1 || 2'", "foo 1 || 2"),
    ("i foo@>=1.2.3-beta.1", "foo >=1.2.3-beta.1"),
    ("i 'foo@<1 x'", "foo <1 x"),
    ("i lodash@npm:evil@1", "alias:evil 1"),
    ("i x@npm:@s/real", "alias:@s/real"),
    ("i npm:real@1", "alias:real 1"),
    ("i bar@npm:foo", "alias:foo"),
    ("i user/repo", "git:user/repo"),
    ("i user/repo#semver:^1", "git:user/repo#semver:^1"),
    ("i github:user/repo", "git:github:user/repo"),
    ("i gitlab:u/r", "git:gitlab:u/r"),
    (
        "i git+https://example.com/r.git",
        "git:git+https://example.com/r.git",
    ),
    (
        "i git@github.com:user/repo.git",
        "git:git@github.com:user/repo.git",
    ),
    ("i git://github.com/u/r", "git:git://github.com/u/r"),
    (
        "i git+ssh://git@host.org:u/r.git",
        "git:git+ssh://git@host.org:u/r.git",
    ),
    (
        "i ssh://git@github.com/u/r.git",
        "git:ssh://git@github.com/u/r.git",
    ),
    (
        "i https://github.com/user/repo",
        "git:https://github.com/user/repo",
    ),
    ("i https://gitlab.com/u/r", "git:https://gitlab.com/u/r"),
    (
        "i https://example.com/x.tgz",
        "url:https://example.com/x.tgz",
    ),
    (
        "i https://github.com/u/r/archive/main.tar.gz",
        "url:https://github.com/u/r/archive/main.tar.gz",
    ),
    (
        "i https://bitbucket.org/u/r/get/x.tgz",
        "url:https://bitbucket.org/u/r/get/x.tgz",
    ),
    (
        "i https://registry.npmjs.org/evil/-/evil-1.0.0.tgz",
        "url:evil https://registry.npmjs.org/evil/-/evil-1.0.0.tgz",
    ),
    (
        "i lodash@https://registry.npmjs.org/@s/evil/-/evil-1.0.0.tgz",
        "url:@s/evil https://registry.npmjs.org/@s/evil/-/evil-1.0.0.tgz",
    ),
    ("i ./dir", "path:./dir"),
    ("i ../dir", "path:../dir"),
    ("i /abs/dir", "path:/abs/dir"),
    ("i ~/dir", "path:~/dir"),
    ("i foo/bar/baz", "path:foo/bar/baz"),
    ("i x.tgz", "path:x.tgz"),
    ("i file:../dir", "path:file:../dir"),
    ("i c:/foo", "path:c:/foo"),
    ("i .foo", "path:.foo"),
    ("i foo@file:../foo", "path:foo file:../foo"),
    ("i foo@github:u/r", "git:foo github:u/r"),
    ("i foo@https://x.org/f.tgz", "url:foo https://x.org/f.tgz"),
    ("i ftp://x.org/f.tgz", "!usage: *"),
    ("i ssh://git@example.com/r.git", "!usage: *"),
    ("i foo:bar", "!usage: *"),
    ("i http://", "!usage: *"),
    ("i foo@latest@1", "!usage: *"),
    ("i foo@%20x", "!usage: *"),
    ("i 'foo bar'", "!usage: *"),
    ("i a@npm:b@npm:c", "!usage: *"),
    ("i a@npm:github:u/r", "!usage: *"),
    ("i _foo", "!usage: *"),
    ("i node_modules", "!usage: *"),
    ("i @scope", "!usage: *"),
    ("i .", "(none)"),
    ("i ./", "(none)"),
    ("i . foo", "foo"),
    ("i ../project", "(none)"),
    ("i", "(none)"),
    ("i -g", "path:."),
    ("i -g true", "path:."),
    ("i -g false foo", "foo"),
    ("i -w -g foo", "foo"),
    ("i -w -g", "(none)"),
    ("i --prefix -g", "(none)"),
    ("--prefix install foo", "PASS"),
    ("-g install foo", "foo"),
    ("--registry http://r install foo", "foo || index:http://r"),
    ("i --save-dev foo", "foo"),
    ("i -D foo", "foo"),
    ("i --save-dev false foo", "foo"),
    ("i --save-dev true", "(none)"),
    ("i --foo bar", "bar"),
    ("i --foo=bar", "(none)"),
    ("i --tag beta foo", "foo"),
    ("i --tag -D foo", "foo"),
    ("i --tag", "(none)"),
    ("i --tag --", "(none)"),
    ("i --registry -- foo", "foo"),
    ("i --omit foo", "(none)"),
    ("i --omit=dev foo", "foo"),
    ("i --otp -D foo", "foo"),
    ("i -gD foo", "foo"),
    ("i -DSE foo", "foo"),
    ("i --gl", "path:."),
    ("i --glo", "(none)"),
    ("i --sav foo", "PASS"),
    ("i -v foo", "PASS"),
    ("i --versions", "PASS"),
    ("i -h", "PASS"),
    ("i -? foo", "PASS"),
    ("i -H", "PASS"),
    ("i --help", "PASS"),
    ("i --usage false foo", "foo"),
    ("i -- --foo", "!usage: *"),
    ("i --regi http://x foo", "foo || index:http://x"),
    ("i -registry http://x foo", "foo || index:http://x"),
    ("i ---save-dev foo", "foo"),
    ("i --reg http://x foo", "foo || index:http://x"),
    ("i --ca foo bar", "bar"),
    ("i --browser foo bar", "bar"),
    ("i --yes null foo", "foo"),
    ("i --color always foo", "foo"),
    ("i --workspaces false foo", "foo"),
    ("i --no-save foo", "foo"),
    ("i --no-registry foo", "foo"),
    ("i --no-workspace foo bar", "bar"),
    ("i --no-no-save foo", "foo"),
    ("i --no-tag foo", "foo"),
    ("i -wpkg-a foo", "foo"),
    ("i -gfoo", "(none)"),
    ("i —save-dev", "!usage: *"),
    ("i --Save-Dev foo", "foo"),
    ("i --global=foo", "foo"),
    ("i -g=foo", "foo"),
    ("i --=bar", "bar"),
    ("i -w=pkg", "(none)"),
    ("i --location=global", "path:."),
    ("i --location global", "path:."),
    ("i -L global", "path:."),
    ("i --local", "(none)"),
    ("i -g ''", "!usage: *"),
    ("i -g --prefix /p /p", "path:."),
    (
        "i --@corp:registry=http://x foo",
        "foo || scoped-registry:@corp http://x",
    ),
    ("i --@corp:registry http://x", "url:http://x"),
    ("i --dd foo", "foo"),
    ("i -dd foo", "foo"),
    ("i --iwr foo", "foo"),
    ("i --ws foo", "foo"),
    ("i --no foo", "foo"),
    ("i -n foo", "foo"),
    ("i --depth foo bar", "bar"),
    ("i --package-lock false foo", "foo"),
    ("i foo --save-prefix ~ bar", "foo | bar"),
    ("i --before 2020-01-01 foo", "foo"),
    ("isntall foo", "foo"),
    ("insta foo", "foo"),
    ("installTest foo", "foo"),
    ("it foo", "foo"),
    ("Install foo", "PASS"),
    ("install-s foo", "PASS"),
    ("ci", "(none)"),
    ("ci -g", "!usage: *"),
    ("ci foo", "(none)"),
    ("clean-install", "(none)"),
    ("install-cl", "(none)"),
    ("cit", "(none)"),
    ("sit", "(none)"),
    ("update foo", "foo"),
    ("up foo@2", "foo"),
    ("u -g", "all-outdated:"),
    ("udpate", "(none)"),
    ("upg -g", "all-outdated:"),
    ("dedupe", "(none)"),
    ("ddp -g", "all-outdated:"),
    ("audit", "PASS"),
    ("audit fix", "(none)"),
    ("aud fix -g", "all-outdated:"),
    ("exec cowsay hi", "cowsay"),
    ("x cowsay", "cowsay"),
    ("exec --package foo -- bar", "foo"),
    ("exec --package=foo --package bar baz", "foo | bar"),
    ("exec -p cowsay", "cowsay"),
    ("exec -c ls", "PASS"),
    ("exec -c ls foo", "!usage: *"),
    ("exec --package foo -c ls", "foo"),
    ("exec", "PASS"),
    ("exec --yes cowsay", "cowsay"),
    ("exec -- cowsay --package x", "cowsay"),
    ("init", "PASS"),
    ("init foo", "create-foo"),
    ("create foo@1", "create-foo 1"),
    ("init @s", "@s/create"),
    ("init @s@2", "@s/create 2"),
    ("init @s/x", "@s/create-x"),
    ("init user/repo", "git:user/create-repo"),
    ("init ./dir", "!usage: *"),
    ("innit react-app", "create-react-app"),
    ("cr vite", "create-vite"),
    ("link", "path:."),
    ("link foo", "foo"),
    ("ln ../lib", "path:../lib"),
    ("ls foo", "PASS"),
    ("uninstall foo", "PASS"),
    ("rebuild", "(none)"),
    ("rb esbuild", "esbuild"),
    ("run build", "PASS"),
    ("test", "PASS"),
    ("help install", "PASS"),
    ("", "PASS"),
    ("--foo", "PASS"),
];

// ORACLE:npx
const NPX_ARGV: &[(&str, &str)] = &[
    ("cowsay hi", "cowsay"),
    ("-p foo bar", "foo"),
    ("--package=foo bar", "foo"),
    ("-p foo -p bar baz", "foo | bar"),
    ("--foo bar baz", "bar"),
    ("--save-dev false cowsay", "false"),
    ("-y cowsay", "cowsay"),
    ("--yes cowsay", "cowsay"),
    ("--no-install cowsay", "cowsay"),
    ("-c ls", "PASS"),
    ("-p foo -c ls", "foo"),
    ("--shell bash cowsay", "cowsay"),
    ("-n foo cowsay", "cowsay"),
    ("--ignore-existing cowsay", "cowsay"),
    ("", "PASS"),
    ("-v", "PASS"),
    ("-h cowsay", "PASS"),
    ("--registry http://x cowsay", "cowsay || index:http://x"),
    ("cowsay --package x", "cowsay"),
    ("-- cowsay -p x", "cowsay"),
    ("-gD cowsay", "cowsay"),
    ("--call=ls", "PASS"),
    ("create-react-app my-app", "create-react-app"),
    ("-q cowsay", "cowsay"),
    ("--userconfig /x cowsay", "cowsay"),
    ("lodash@npm:evil@1", "alias:evil 1"),
    ("github:u/r", "git:github:u/r"),
    ("--prefix /x foo", "foo"),
    ("-w ws foo", "foo"),
    ("--yes=false cowsay", "cowsay"),
    ("-y=true cowsay", "true"),
];

// ORACLE:deref
const DEREF: &[(&str, &str)] = &[
    ("install", "install"),
    ("i", "install"),
    ("isnta", "install"),
    ("installTest", "install-test"),
    ("install-te", "install-test"),
    ("install-cl", "ci"),
    ("isntall-clean", "ci"),
    ("clean-install-", "install-ci-test"),
    ("install-ci", "install-ci-test"),
    ("upd", "update"),
    ("upgr", "update"),
    ("ud", "update"),
    ("u", "update"),
    ("exe", "exec"),
    ("cre", "init"),
    ("ini", "init"),
    ("ded", "dedupe"),
    ("aud", "audit"),
    ("lin", "link"),
    ("install-s", "install-scripts"),
    ("ins", "install"),
    ("inst", "install"),
    ("run-s", "run"),
    ("Install", "-"),
    ("e", "-"),
    ("", "-"),
];

#[test]
fn npm_command_lines() {
    check(NPM_ARGV, |a| parse(a, &MemWorld::new()));
}

#[test]
fn npx_command_lines() {
    check(NPX_ARGV, |a| parse_npx(a, &MemWorld::new()));
}

#[test]
fn deref_spellings() {
    for (typed, want) in DEREF {
        assert_eq!(deref(typed).unwrap_or("-"), *want, "{typed}");
    }
}

const PJ: &str = r#"{
  "name": "app",
  "dependencies": {
"lodash": "^4.17.0",
"evil": "npm:real@1",
"gh": "user/repo"
  },
  "devDependencies": {
"jest": "29"
  },
  "optionalDependencies": { "fsevents": "" },
  "peerDependencies": { "react": ">=18" }
}"#;

const LOCK: &str = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
"": { "name": "app", "dependencies": { "lodash": "^4.17.0" } },
"node_modules/lodash": {
  "version": "4.17.21",
  "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"
},
"node_modules/evil": {
  "name": "real",
  "version": "1.0.0",
  "resolved": "https://registry.npmjs.org/real/-/real-1.0.0.tgz"
},
"node_modules/gh": { "version": "1.0.0", "resolved": "git+ssh://git@github.com/user/repo.git#abc" },
"node_modules/tb": { "version": "2.0.0", "resolved": "https://evil.example/tb-2.0.0.tgz" },
"node_modules/jest": { "version": "29.0.0", "dev": true },
"node_modules/a/node_modules/@s/b": { "version": "3.0.0", "resolved": "https://registry.npmjs.org/@s/b/-/b-3.0.0.tgz" },
"node_modules/loc": { "resolved": "../loc", "link": true },
"node_modules/mirror": { "version": "1.0.0", "resolved": "http://mirror.local/mirror/-/mirror-1.0.0.tgz" },
"packages/ws": { "version": "1.0.0" }
  }
}"#;

const LOCK_V1: &str = r#"{
  "lockfileVersion": 1,
  "dependencies": {
"a": {
  "version": "1.0.0",
  "resolved": "https://registry.npmjs.org/a/-/a-1.0.0.tgz",
  "dependencies": {
    "b": { "version": "2.0.0" }
  }
},
"c": { "version": "npm:real@3.0.0" },
"d": { "version": "github:u/d#abc", "dev": true }
  }
}"#;

fn fixture(name: &str) -> MemWorld {
    let w = MemWorld::new();
    match name {
        "none" => w,
        "pj" => w.file("/project/package.json", PJ),
        "pj+lock" => w
            .file("/project/package.json", PJ)
            .file("/project/package-lock.json", LOCK),
        "pj+sw" => w
            .file("/project/package.json", PJ)
            .file("/project/package-lock.json", LOCK)
            .file("/project/npm-shrinkwrap.json", LOCK_V1),
        "pj+v1" => w
            .file("/project/package.json", PJ)
            .file("/project/package-lock.json", LOCK_V1),
        "other" => w.file("/other/package.json", r#"{"dependencies":{"x":"1"}}"#),
        "bad-json" => w.file(
            "/project/package.json",
            "{\n  \"dependencies\": {\n    \"a\": \"1\",\n  }\n}",
        ),
        "bad-spec" => w.file(
            "/project/package.json",
            "{\n  \"dependencies\": {\n    \"a\": \"ftp://x\"\n  }\n}",
        ),
        "not-string" => w.file(
            "/project/package.json",
            "{\n  \"dependencies\": {\n    \"a\": 1\n  }\n}",
        ),
        "array" => w.file("/project/package.json", "[]"),
        "prod" => w
            .file("/project/package.json", PJ)
            .env("NODE_ENV", "production"),
        "sub" => {
            let mut w = w.file("/project/package.json", r#"{"dependencies":{"up":"1"}}"#);
            w.cwd = PathBuf::from("/project/sub");
            w
        }
        "nm-only" => {
            let mut w = w
                .file("/project/package.json", r#"{"dependencies":{"up":"1"}}"#)
                .dir("/project/sub/node_modules");
            w.cwd = PathBuf::from("/project/sub");
            w
        }
        "pj+lock+dev" => w
            .file("/project/package.json", PJ)
            .file("/project/package-lock.json", LOCK_EVIL_DEV),
        "mismatch-v3" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4"}}"#)
            .file("/project/package-lock.json", LOCK_MISMATCH_V3),
        "mismatch-v1" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4"}}"#)
            .file("/project/package-lock.json", LOCK_MISMATCH_V1),
        "ws" => w
            .file("/project/package.json", PJ_WS)
            .file("/project/packages/a/package.json", r#"{"name":"a","dependencies":{"evil-dep":"1","b":"*"}}"#)
            .file("/project/packages/b/package.json", r#"{"name":"b","devDependencies":{"bdev":"2"}}"#),
        "ws+lock" => w
            .file("/project/package.json", PJ_WS)
            .file("/project/packages/a/package.json", r#"{"name":"a","dependencies":{"evil-dep":"1","late":"3"}}"#)
            .file("/project/package-lock.json", LOCK_WS),
        "yarn" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4.17.0"}}"#)
            .file("/project/yarn.lock", YARN_LOCK),
        "yarn+lock" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4.17.0"}}"#)
            .file("/project/yarn.lock", YARN_LOCK)
            .file("/project/package-lock.json", r#"{"lockfileVersion":3,"packages":{"node_modules/lodash":{"version":"4.17.21"}}}"#),
        "yarn-berry" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4.17.0"}}"#)
            .file("/project/yarn.lock", "__metadata:\n  version: 8\n\n\"lodash@npm:^4.17.0\":\n  version: 4.17.21\n  resolution: \"evil@npm:1.0.0\"\n"),
        "yarn-bad" => w
            .file("/project/package.json", r#"{"dependencies":{"lodash":"^4.17.0"}}"#)
            .file("/project/yarn.lock", "lodash@^4:\n   version \"1\"\n"),
        other => panic!("no fixture {other}"),
    }
}

const LOCK_EVIL_DEV: &str = r#"{
  "lockfileVersion": 3,
  "packages": {
"": { "name": "app" },
"node_modules/jest": { "version": "29.0.0", "dev": true },
"node_modules/jest/node_modules/000webhost-admin": { "version": "1.0.0", "dev": true, "resolved": "https://registry.npmjs.org/000webhost-admin/-/000webhost-admin-1.0.0.tgz" }
  }
}"#;

const LOCK_MISMATCH_V3: &str = r#"{
  "lockfileVersion": 3,
  "packages": {
"": { "dependencies": { "lodash": "^4" } },
"node_modules/lodash": {
  "version": "4.17.21",
  "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz",
  "integrity": "sha512-EVIL"
},
"node_modules/other": { "version": "2.0.0", "resolved": "https://registry.npmjs.org/other/-/other-9.9.9.tgz" },
"node_modules/@s/x": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/@s/x/-/x-1.0.0.tgz", "integrity": "sha512-X" },
"node_modules/twin": { "version": "1.0.0", "resolved": "https://registry.npmjs.org/twin/-/twin-1.0.0.tgz", "integrity": "sha512-X" }
  }
}"#;

const LOCK_MISMATCH_V1: &str = r#"{
  "lockfileVersion": 1,
  "dependencies": {
"lodash": {
  "version": "4.17.21",
  "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz"
},
"al": { "version": "npm:real@1.0.0", "resolved": "https://registry.npmjs.org/evil/-/evil-1.0.0.tgz" }
  }
}"#;

const PJ_WS: &str = r#"{
  "name": "root",
  "workspaces": ["packages/*"],
  "dependencies": { "rootdep": "1" }
}"#;

const LOCK_WS: &str = r#"{
  "lockfileVersion": 3,
  "packages": {
"": { "name": "root", "workspaces": ["packages/*"] },
"node_modules/a": { "resolved": "packages/a", "link": true },
"node_modules/rootdep": { "version": "1.0.0" },
"packages/a/node_modules/evil-dep": { "version": "1.0.0" }
  }
}"#;

const YARN_LOCK: &str = r#"# yarn lockfile v1


lodash@^4.17.0:
  version "4.17.21"
  resolved "https://registry.yarnpkg.com/evil/-/evil-1.0.0.tgz#abc"
  integrity sha512-AAA

dep@^1:
  version "1.2.0"
  resolved "https://registry.yarnpkg.com/dep/-/dep-1.2.0.tgz"
"#;

/// (fixture, argv, expected outcome in the `cmdline::cases` notation)
#[rustfmt::skip]
const PROJECT: &[(&str, &str, &str)] = &[
    ("pj", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "i --omit=dev", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "i --omit dev --omit optional --omit peer", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6>"),
    ("pj", "i --production", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "i --omit=dev --include=dev --no-optional", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | react >=18 </project/package.json:12>"),
    ("prod", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("prod", "i --production=false", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "it", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "update", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "ci", "!file: *"),
    ("pj", "i -g", "path:."),
    ("pj", "i foo", "foo | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "i -D foo", "foo | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "i -g foo", "foo"),
    ("pj", "update foo", "foo | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "link foo", "foo | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "link -g foo", "foo"),
    ("pj", "exec foo", "foo"),
    ("pj+lock", "ci", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
    ("pj+lock", "ci --omit=dev foo", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
    ("pj+lock", "ci --registry http://mirror.local/", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | mirror 1.0.0 </project/package-lock.json:20> || index:http://mirror.local/"),
    ("pj+lock", "i", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj+lock", "i --no-package-lock", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj+lock", "cit", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:6> | alias:real 1.0.0 </project/package-lock.json:10> | git:gh git+ssh://git@github.com/user/repo.git#abc </project/package-lock.json:15> | url:tb https://evil.example/tb-2.0.0.tgz </project/package-lock.json:16> | jest 29.0.0 </project/package-lock.json:17> | @s/b 3.0.0 </project/package-lock.json:18> | path:loc ../loc </project/package-lock.json:19> | url:mirror http://mirror.local/mirror/-/mirror-1.0.0.tgz </project/package-lock.json:20>"),
    ("pj+sw", "ci", "manifest:/project/package.json | lockfile:/project/npm-shrinkwrap.json | a 1.0.0 </project/npm-shrinkwrap.json:4> | b 2.0.0 </project/npm-shrinkwrap.json:8> | alias:real 3.0.0 </project/npm-shrinkwrap.json:11> | git:d github:u/d#abc </project/npm-shrinkwrap.json:12>"),
    ("pj+v1", "ci --omit=dev", "manifest:/project/package.json | lockfile:/project/package-lock.json | a 1.0.0 </project/package-lock.json:4> | b 2.0.0 </project/package-lock.json:8> | alias:real 3.0.0 </project/package-lock.json:11>"),
    ("other", "i --prefix /other", "manifest:/other/package.json | x 1 </other/package.json:1>"),
    ("other", "i -C /other", "manifest:/other/package.json | x 1 </other/package.json:1>"),
    ("sub", "i", "manifest:/project/package.json | up 1 </project/package.json:1>"),
    ("sub", "i .", "path:. | manifest:/project/package.json | up 1 </project/package.json:1>"),
    ("sub", "i ..", "manifest:/project/package.json | up 1 </project/package.json:1>"),
    ("nm-only", "i", "(none)"),
    ("none", "i", "(none)"),
    ("bad-json", "i", "!file: *"),
    ("bad-spec", "i", "!file: *"),
    ("not-string", "i", "!file: *"),
    ("array", "i", "!file: *"),
    ("pj+lock+dev", "i -D lodash", "lodash | manifest:/project/package.json | lockfile:/project/package-lock.json | jest 29.0.0 </project/package-lock.json:5> | 000webhost-admin 1.0.0 </project/package-lock.json:6> | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj+lock+dev", "i --omit=dev lodash", "lodash | manifest:/project/package.json | lockfile:/project/package-lock.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("mismatch-v3", "ci", "manifest:/project/package.json | lockfile:/project/package-lock.json | alias:evil 1.0.0 </project/package-lock.json:5> (claims lodash@4.17.21) | other 9.9.9 </project/package-lock.json:10> (claims other@2.0.0) | @s/x 1.0.0 </project/package-lock.json:11> | alias:@s/x 1.0.0 </project/package-lock.json:12> (claims twin@1.0.0)"),
    ("mismatch-v1", "ci", "manifest:/project/package.json | lockfile:/project/package-lock.json | alias:evil 1.0.0 </project/package-lock.json:4> (claims lodash@4.17.21) | alias:evil 1.0.0 </project/package-lock.json:8> (claims real@1.0.0)"),
    ("ws", "i", "manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | rootdep 1 </project/package.json:4> | evil-dep 1 </project/packages/a/package.json:1> | bdev 2 </project/packages/b/package.json:1>"),
    ("ws", "i -w a", "manifest:/project/package.json | manifest:/project/packages/a/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("ws", "i -w packages/b --include-workspace-root", "manifest:/project/package.json | manifest:/project/packages/b/package.json | rootdep 1 </project/package.json:4> | bdev 2 </project/packages/b/package.json:1>"),
    ("ws", "i --workspace packages --omit dev", "manifest:/project/package.json | manifest:/project/packages/a/package.json | manifest:/project/packages/b/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("ws", "i -w nope", "!usage: --workspace=nope: no workspace*"),
    ("ws", "i x -w a", "x | manifest:/project/package.json | manifest:/project/packages/a/package.json | evil-dep 1 </project/packages/a/package.json:1>"),
    ("ws+lock", "i", "manifest:/project/package.json | manifest:/project/packages/a/package.json | lockfile:/project/package-lock.json | path:a packages/a </project/package-lock.json:5> | rootdep 1.0.0 </project/package-lock.json:6> | evil-dep 1.0.0 </project/package-lock.json:7> | late 3 </project/packages/a/package.json:1>"),
    ("yarn", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/yarn.lock | alias:evil 1.0.0 </project/yarn.lock:4> (claims lodash@4.17.21) | dep 1.2.0 </project/yarn.lock:9>"),
    ("yarn", "i foo", "foo | manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1> | lockfile:/project/yarn.lock | alias:evil 1.0.0 </project/yarn.lock:4> (claims lodash@4.17.21) | dep 1.2.0 </project/yarn.lock:9>"),
    ("yarn", "i --no-package-lock", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1>"),
    ("yarn", "ci", "!file: *"),
    ("yarn+lock", "i", "manifest:/project/package.json | lockfile:/project/package-lock.json | lodash 4.17.21 </project/package-lock.json:1>"),
    ("yarn-berry", "i", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:1>"),
    ("yarn-bad", "i", "!file: /project/yarn.lock:2: *"),
    ("pj", "dedupe", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | jest 29 </project/package.json:9> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
    ("pj", "audit fix --omit dev", "manifest:/project/package.json | lodash ^4.17.0 </project/package.json:4> | alias:real 1 </project/package.json:5> | git:gh user/repo </project/package.json:6> | fsevents </project/package.json:11> | react >=18 </project/package.json:12>"),
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

#[test]
fn bad_file_messages() {
    for (fx, want) in [
        ("bad-json", "/project/package.json:4:3: trailing comma"),
        (
            "bad-spec",
            "/project/package.json:3: a: Unsupported URL Type",
        ),
        (
            "not-string",
            "/project/package.json:3: dependencies.a is not a string",
        ),
        ("array", "/project/package.json:1:1: not a JSON object"),
    ] {
        let err = parse(&argv("i"), &fixture(fx)).unwrap_err();
        assert_eq!(err.kind, ErrorKind::BadFile, "{fx}");
        assert!(err.message.starts_with(want), "{fx}: {}", err.message);
    }
    let err = parse(&argv("ci"), &fixture("pj")).unwrap_err();
    assert!(
        err.message
            .starts_with("/project/package-lock.json: not found"),
        "{}",
        err.message
    );
    // No package.json at all: nothing would be installed.
    assert!(
        parse(&argv("i"), &fixture("none"))
            .unwrap()
            .targets
            .is_empty()
    );
    let err = parse(&argv("i foo@%20x"), &fixture("none")).unwrap_err();
    assert!(err.message.contains("foo@%20x"), "{}", err.message);
}

/// (extra files/env as `file:PATH=CONTENT` or `env:K=V`, separated by ` | `; argv; expected outcome)
#[rustfmt::skip]
const SOURCES: &[(&str, &str, &str)] = &[
    ("", "i foo --registry http://r", "foo || index:http://r"),
    ("", "--reg=http://r i foo", "foo || index:http://r"),
    ("", "--@corp:registry=http://c i @corp/x", "@corp/x || scoped-registry:@corp http://c"),
    ("env:npm_config_registry=http://e", "i foo", "foo || index:http://e <env:npm_config_registry>"),
    ("env:NPM_CONFIG_REGISTRY=http://e", "i foo", "foo || index:http://e <env:NPM_CONFIG_REGISTRY>"),
    ("env:npm_config_@corp:registry=http://s", "i @corp/x", "@corp/x || scoped-registry:@corp http://s <env:npm_config_@corp:registry>"),
    ("env:npm_config_@corp:registry=http://s", "i foo", "foo"),
    ("file:/project/.npmrc=; c\nregistry=${REG}/npm/\n@a:registry = \"http://a\"\n[sec]\nregistry=http://no | env:REG=http://x", "i foo", "foo || index:http://x/npm/ </project/.npmrc:2> | scoped-registry:@a http://a </project/.npmrc:3>"),
    ("file:/project/.npmrc=registry=${NOPE}\n@b:registry=${NOPE?}x", "i foo", "foo || index:${NOPE} </project/.npmrc:1> | scoped-registry:@b x </project/.npmrc:2>"),
    ("file:/project/.npmrc=registry=http://p # comment", "i -g foo", "foo"),
    ("file:/project/.npmrc=registry=http://p # comment", "i foo", "foo || index:http://p </project/.npmrc:1>"),
    ("file:/home/user/.npmrc=registry=http://u", "i -g foo", "foo || index:http://u </home/user/.npmrc:1>"),
    ("file:/x/rc=registry=http://u", "i foo --userconfig /x/rc", "foo || index:http://u </x/rc:1>"),
    ("file:/x/rc=registry=http://u | env:npm_config_userconfig=/x/rc", "i foo", "foo || index:http://u </x/rc:1>"),
    ("file:/g/npmrc=@g:registry=http://g", "i foo --globalconfig /g/npmrc", "foo || scoped-registry:@g http://g </g/npmrc:1>"),
    ("", "ls --registry http://r", "PASS"),
    ("", "exec --registry=http://r cowsay", "cowsay || index:http://r"),
];

#[test]
fn sources() {
    check_results(SOURCES.iter().map(|(setup, a, want)| {
        let mut w = MemWorld::new();
        for item in setup.split(" | ").filter(|s| !s.is_empty()) {
            if let Some(rest) = item.strip_prefix("file:") {
                let (p, c) = rest.split_once('=').unwrap();
                w = w.file(p, c);
            } else if let Some(rest) = item.strip_prefix("env:") {
                let (k, v) = rest.split_once('=').unwrap();
                w = w.env(k, v);
            }
        }
        (format!("[{setup}] `{a}`"), *want, parse(&argv(a), &w))
    }));
}

#[test]
fn request_shape() {
    let r = parse_npx(&argv("cowsay"), &MemWorld::new()).unwrap();
    assert_eq!(
        (r.program.as_str(), r.manager, r.installs),
        ("npx", Manager::Npm, true)
    );
    assert_eq!(r.targets[0].origin, Origin::Argv);
    let r = parse(&argv("ls"), &MemWorld::new()).unwrap();
    assert_eq!(r, Request::pass_through("npm", Manager::Npm));
}

const TRICKY: &[&str] = &[
    "-",
    "--",
    "---",
    "-=",
    "--=",
    "=",
    "-g",
    "-w",
    "--prefix",
    "--registry",
    "--no-",
    "--no-no-",
    "i",
    "install",
    "ci",
    "exec",
    "x",
    "init",
    "link",
    "update",
    "audit",
    "fix",
    "-p",
    "-c",
    "--package",
    "npm:",
    "@",
    "@/",
    "a@npm:",
    "git+ssh://",
    "github:",
    "é",
    "—",
    "-é",
    "${",
    "\\${X}",
    "true",
    "false",
    "null",
    "'",
    "--constructor",
    "--__proto__",
    "user/",
    "/",
    "~",
    "file:",
    ".",
    "..",
    "#",
    "%",
    "%zz",
];

proptest! {
    #[test]
    fn never_panics(
        toks in proptest::collection::vec(
            prop_oneof![
                proptest::sample::select(TRICKY).prop_map(str::to_string),
                proptest::collection::vec(any::<char>(), 0..8).prop_map(|v| v.into_iter().collect::<String>()),
            ],
            0..8,
        )
    ) {
        let w = MemWorld::new()
            .file("/project/package.json", PJ)
            .file("/project/package-lock.json", LOCK)
            .file("/project/.npmrc", "registry=${R}\n@a:registry=x");
        let _ = parse(&toks, &w);
        let _ = parse_npx(&toks, &w);
        for t in &toks {
            let _ = npa(t);
            let _ = env_replace(t, &w);
            let _ = ini_unsafe(t);
        }
    }
}

#[test]
fn tarball_urls_carry_name_and_version() {
    for (url, want) in [
        (
            "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",
            Some(("lodash", "4.17.21")),
        ),
        (
            "https://registry.npmjs.org/@s/b/-/b-3.0.0.tgz",
            Some(("@s/b", "3.0.0")),
        ),
        (
            "https://registry.npmjs.org/@s%2fb/-/b-3.0.0.tgz",
            Some(("@s/b", "3.0.0")),
        ),
        (
            "https://registry.yarnpkg.com/evil/-/evil-1.0.0.tgz#abc",
            Some(("evil", "1.0.0")),
        ),
        (
            "http://mirror.local/a/b/-/x/y/foo/-/foo-1.2.3-beta.1.tgz",
            Some(("foo", "1.2.3-beta.1")),
        ),
        (
            "https://r.example/npm/evil-pkg/-/evil-pkg-1.0.0.tgz?x=1",
            Some(("evil-pkg", "1.0.0")),
        ),
        ("https://registry.npmjs.org/lodash/-/lodash-4.17.tgz", None),
        ("https://registry.npmjs.org/lodash/-/other-1.0.0.tgz", None),
        (
            "https://registry.npmjs.org/lodash/-/lodash-01.0.0.tgz",
            None,
        ),
        ("https://evil.example/tb-2.0.0.tgz", None),
        ("git+https://github.com/u/r.git", None),
        ("https://", None),
        ("https://x/-/", None),
        ("https://x/%2F/-/-1.0.0.tgz", None),
    ] {
        let got = tarball_name_version(url);
        assert_eq!(
            got.as_ref().map(|(n, v)| (n.as_str(), v.as_str())),
            want,
            "{url}"
        );
    }
    assert!(is_semver("1.2.3") && is_semver("1.2.3-rc.1+b.2") && is_semver("0.0.0"));
    assert!(
        !is_semver("1.2") && !is_semver("1.02.3") && !is_semver("1.2.3-") && !is_semver("a.b.c")
    );
}

/// Issue 11: a manifest and lockfile of 40,000 dependencies are read whole (every entry a
/// target, each once), in time linear in their size (measured in `bench/run.sh`, not here).
#[test]
fn large_manifest_and_lockfile_are_read_whole() {
    const N: usize = 40_000;
    let deps: Vec<String> = (0..N)
        .map(|i| format!("\"dep-{i}\": \"^1.0.{i}\""))
        .collect();
    let dev: Vec<String> = (0..N / 2)
        .map(|i| format!("\"dep-{i}\": \"^1.0.{i}\""))
        .collect();
    let pj = format!(
        "{{\"dependencies\": {{{}}}, \"devDependencies\": {{{}}}}}",
        deps.join(",\n"),
        dev.join(",\n")
    );
    let entries: Vec<String> = (0..N)
        .map(|i| {
            format!(
                "\"node_modules/dep-{i}\": {{\"version\": \"1.0.{i}\", \"resolved\": \"https://registry.npmjs.org/dep-{i}/-/dep-{i}-1.0.{i}.tgz\", \"integrity\": \"sha512-{i}\"}}"
            )
        })
        .collect();
    let lock = format!(
        "{{\"lockfileVersion\": 3, \"packages\": {{{}}}}}",
        entries.join(",\n")
    );
    let w = MemWorld::new().file("/project/package.json", &pj);
    let r = parse(&argv("i"), &w).unwrap();
    // Listed in two groups with the same range: checked once.
    assert_eq!(r.targets.len(), 1 + N);
    let w = w.file("/project/package-lock.json", &lock);
    let r = parse(&argv("ci"), &w).unwrap();
    assert_eq!(r.targets.len(), 2 + N);
    assert!(r.targets.iter().all(|t| t.claimed.is_none()));
    assert_eq!(r.targets[N + 1].name.as_deref(), Some("dep-39999"));
}
