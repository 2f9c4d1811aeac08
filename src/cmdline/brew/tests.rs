use super::*;
use crate::cmdline::cases::{argv, check, matches, render};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

/// Every case `(argv after brew, expected)` on `world`.
fn run_table(world: &MemWorld, cases: &[(&str, &str)]) {
    check(cases, |args| {
        let r = parse(args, world);
        if let Ok(req) = &r {
            assert_eq!(req.manager, Manager::Brew);
        }
        r
    });
}

#[test]
#[rustfmt::skip]
fn command_resolution() {
    // Library/Homebrew/brew.sh (leading -v shift, help scan, alias table), brew.rb, commands.rb.
    run_table(
        &MemWorld::new(),
        &[
            ("", "PASS"),
            ("install wget", "wget"),
            ("instal wget", "wget"),
            ("--verbose install wget", "PASS"),
            ("-d install wget", "PASS"),
            ("-v install wget", "wget"),
            ("-v", "PASS"),
            ("--version", "PASS"),
            ("install wget --help", "PASS"),
            ("install -h wget", "PASS"),
            ("install wget -?", "PASS"),
            ("install wget --usage", "PASS"),
            ("install -- --help", "--help"),
            ("help install", "PASS"),
            ("inst wget", "PASS"),
            ("Install wget", "PASS"),
            ("list", "PASS"),
            ("info wget", "PASS"),
            ("search wget", "PASS"),
            ("uninstall wget", "PASS"),
            ("rm wget", "PASS"),
            ("update", "PASS"),
            ("up", "PASS"),
            ("doctor", "PASS"),
            ("untap user/repo", "PASS"),
            ("exec wget", "PASS"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn install_names() {
    // Library/Homebrew/cmd/install.rb, formulary.rb, tap_constants.rb (doc §3.3).
    run_table(
        &MemWorld::new(),
        &[
            ("install node@20", "node@20"),
            ("install python@3.12 wget", "python@3.12 | wget"),
            ("install --cask firefox", "cask:firefox"),
            ("install firefox --casks", "cask:firefox"),
            ("install --formula wget", "wget"),
            ("install --cask --formula x", "!usage: …mutually exclusive"),
            ("install homebrew/core/wget", "wget"),
            ("install homebrew/homebrew-core/wget", "wget"),
            ("install homebrew/cask/firefox", "cask:firefox"),
            ("install user/repo/tool", "tap:user/repo | user/repo/tool || tap:user/repo"),
            ("install --cask user/repo/app", "tap:user/repo | cask:user/repo/app || tap:user/repo"),
            ("install user/homebrew-repo/tool", "tap:user/repo | user/homebrew-repo/tool || tap:user/repo"),
            ("install a/b/x a/b/y", "tap:a/b | a/b/x | a/b/y || tap:a/b"),
            ("install ./foo.rb", "path:./foo.rb"),
            ("install /tmp/foo.rb", "path:/tmp/foo.rb"),
            ("install foo.rb", "path:foo.rb"),
            ("install wget--1.0.arm64_sonoma.bottle.tar.gz", "path:wget--1.0.arm64_sonoma.bottle.tar.gz"),
            ("install https://example.com/foo.rb", "url:https://example.com/foo.rb"),
            ("install file:///tmp/foo.rb", "url:file:///tmp/foo.rb"),
            ("install", "!usage: …at least 1"),
            ("install --cask", "!usage: …at least 1"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn other_install_family() {
    // cmd/reinstall.rb, cmd/fetch.rb, cmd/upgrade.rb (no names = all outdated).
    run_table(
        &MemWorld::new(),
        &[
            ("reinstall wget", "wget"),
            ("reinstall --cask firefox", "cask:firefox"),
            ("reinstall -s wget", "wget"),
            ("fetch wget", "wget"),
            ("fetch --os=linux --arch arm64 wget", "wget"),
            ("fetch --bottle-tag arm64_sonoma wget", "wget"),
            ("fetch --os", "!usage: …missing argument"),
            ("fetch --cc=gcc wget", "!usage: …invalid option"),
            ("fetch", "!usage: …at least 1"),
            ("upgrade", "all-outdated:"),
            ("upgrade --cask", "all-outdated:"),
            ("upgrade --dry-run", "all-outdated:"),
            ("upgrade -g", "all-outdated:"),
            ("upgrade wget", "wget"),
            ("upgrade user/repo/x", "tap:user/repo | user/repo/x || tap:user/repo"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn option_syntax() {
    // cli/parser.rb (parse_remaining: MissingArgument takes the next token; formula_options)
    // and Ruby OptionParser completion (optparse.rb Completion.regexp/candidate, `_` → `-`).
    run_table(
        &MemWorld::new(),
        &[
            ("install --cc gcc-13 wget", "wget"),
            ("install --cc=gcc-13 wget", "wget"),
            ("install --bottle-arch core2 --build-bottle wget", "wget"),
            ("install --appdir ~/Applications --cask firefox", "cask:firefox"),
            ("install --language de,en --cask firefox", "cask:firefox"),
            ("install --env std wget", "wget"),
            ("install --cc", "!usage: …missing argument"),
            ("install --bogus wget", "!usage: …invalid option: --bogus"),
            ("install --with-openssl wget", "wget"),
            ("install --without-x11 wget", "wget"),
            ("fetch --with-foo wget", "!usage: …invalid option"),
            ("install --build-from wget", "wget"),
            ("install --b-f-s wget", "wget"),
            ("install --forc wget", "wget"),
            ("install --c wget", "!usage: …ambiguous"),
            ("install --v wget", "!usage: …ambiguous"),
            ("install --verb wget", "wget"),
            ("install --ca firefox", "cask:firefox"),
            ("install --la=fr --cask x", "cask:x"),
            ("install --head wget", "wget"),
            ("install --build_from_source wget", "wget"),
            ("install --hel wget", "PASS"),
            ("install -sh wget", "PASS"),
            ("install --no-quarantine --cask firefox", "cask:firefox"),
            ("install --no-binaries x", "x"),
            ("install --no-force x", "!usage: …invalid option"),
            ("install --force=yes x", "!usage: …needless argument"),
            ("install -sv wget", "wget"),
            ("install -g wget", "wget"),
            ("install -x wget", "!usage: …invalid option"),
            ("install -s=1 wget", "!usage: …invalid option"),
            ("install -- --cask", "--cask"),
            ("install --cask -- firefox", "cask:firefox"),
            ("install wget --cask", "cask:wget"),
            ("install --cc -- wget", "!usage: …missing argument"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn tap_and_version_install() {
    // cmd/tap.rb (named_args :tap, max: 2; --repair), cmd/version-install.rb.
    run_table(
        &MemWorld::new(),
        &[
            ("tap", "PASS"),
            ("tap --repair", "PASS"),
            ("tap user/repo", "tap:user/repo || tap:user/repo"),
            ("tap user/homebrew-repo", "tap:user/repo || tap:user/repo"),
            ("tap user/repo https://git.example.com/x.git", "tap:user/repo https://git.example.com/x.git || tap:https://git.example.com/x.git"),
            ("tap --custom-remote user/repo git@h:x.git", "tap:user/repo git@h:x.git || tap:git@h:x.git"),
            ("tap a/b c d", "!usage: …more than 2"),
            ("tap --bogus a/b", "!usage: …invalid option"),
            ("version-install node@20", "node 20"),
            ("version-install node 20", "node 20"),
            ("version-install user/repo/foo 1.2", "tap:user/repo | user/repo/foo 1.2 || tap:user/repo"),
            ("version-install node", "!usage: …specify a version"),
            ("version-install a b c", "!usage: …1 or 2"),
            ("version-install --cc x a@1", "!usage: …invalid option"),
        ],
    );
}

#[test]
#[rustfmt::skip]
fn env_sources() {
    // Library/Homebrew/env_config.rb (HOMEBREW_API_DOMAIN, _BOTTLE_DOMAIN, _ARTIFACT_DOMAIN).
    let w = MemWorld::new()
        .env("HOMEBREW_API_DOMAIN", "https://m.example/api")
        .env("HOMEBREW_BOTTLE_DOMAIN", "https://m.example/bottles")
        .env("HOMEBREW_ARTIFACT_DOMAIN", "https://a.example");
    run_table(
        &w,
        &[
            ("install wget", "wget || index:https://m.example/api <env:HOMEBREW_API_DOMAIN> | index:https://m.example/bottles <env:HOMEBREW_BOTTLE_DOMAIN> | index:https://a.example <env:HOMEBREW_ARTIFACT_DOMAIN>"),
            ("list", "PASS"),
        ],
    );
    let w = MemWorld::new().env("HOMEBREW_BOTTLE_DOMAIN", "");
    run_table(&w, &[("install wget", "wget")]);
    // formulary.rb: a directory named like the formula is not a path to load.
    let w = MemWorld::new().dir("wget");
    run_table(&w, &[("install wget", "wget")]);
}

#[test]
#[rustfmt::skip]
fn bundle_command() {
    // cmd/bundle.rb (subcommands, --install, --file/--global conflict),
    // bundle/brewfile.rb (Brewfile.path: --global, --file, HOMEBREW_BUNDLE_FILE, ./Brewfile).
    type Case<'a> = (
        &'a [(&'a str, &'a str)],
        &'a [(&'a str, &'a str)],
        &'a str,
        &'a str,
    );
    let bf: &[(&str, &str)] = &[("Brewfile", "brew \"wget\"\n")];
    let cases: &[Case] = &[
        (&[], bf, "bundle", "brewfile:/project/Brewfile | wget </project/Brewfile:1>"),
        (&[], bf, "bundle install", "brewfile:/project/Brewfile | wget </project/Brewfile:1>"),
        (&[], bf, "bundle upgrade -v", "brewfile:/project/Brewfile | wget </project/Brewfile:1>"),
        (&[], bf, "bundle check", "PASS"),
        (&[], bf, "bundle list --all", "PASS"),
        (&[], bf, "bundle dump --force", "PASS"),
        (&[], bf, "bundle cleanup", "PASS"),
        (&[], bf, "bundle exec make", "PASS"),
        (&[], bf, "bundle exec --install make", "brewfile:/project/Brewfile | wget </project/Brewfile:1>"),
        (&[], bf, "bundle install --install", "!usage: …--install"),
        (&[], bf, "bundle frobnicate", "!usage: …unknown subcommand"),
        (&[], bf, "bundle install extra", "!usage: …more than 1"),
        (&[], bf, "bundle --bogus", "!usage: …invalid option"),
        (&[], &[("other/Brewfile", "cask \"x\"")], "bundle --file=other/Brewfile", "brewfile:/project/other/Brewfile | cask:x </project/other/Brewfile:1>"),
        (&[], &[("other/Brewfile", "cask \"x\"")], "bundle --file other/Brewfile install", "brewfile:/project/other/Brewfile | cask:x </project/other/Brewfile:1>"),
        (&[], &[("/home/user/B", "brew \"a\"")], "bundle --file ~/B", "brewfile:/home/user/B | a </home/user/B:1>"),
        (&[], &[("/dev/stdin", "brew \"s\"")], "bundle --file=-", "brewfile:/dev/stdin | s </dev/stdin:1>"),
        (&[], &[("/dev/stdin", "brew \"s\"")], "bundle --file - install", "brewfile:/dev/stdin | s </dev/stdin:1>"),
        (&[], bf, "bundle --file", "!usage: …missing argument"),
        (&[], &[("/home/user/.Brewfile", "brew \"g\"")], "bundle --global", "brewfile:/home/user/.Brewfile | g </home/user/.Brewfile:1>"),
        (&[], &[("/home/user/.homebrew/Brewfile", "brew \"h\"")], "bundle --global", "brewfile:/home/user/.homebrew/Brewfile | h </home/user/.homebrew/Brewfile:1>"),
        (&[("XDG_CONFIG_HOME", "/home/user/.config")], &[("/home/user/.config/homebrew/Brewfile", "brew \"x\"")], "bundle --global", "brewfile:/home/user/.config/homebrew/Brewfile | x </home/user/.config/homebrew/Brewfile:1>"),
        (&[], bf, "bundle --global --file=x", "!usage: …mutually exclusive"),
        (&[("HOMEBREW_BUNDLE_FILE", "/etc/Brewfile")], &[("/etc/Brewfile", "brew \"jq\"")], "bundle", "brewfile:/etc/Brewfile <env:HOMEBREW_BUNDLE_FILE> | jq </etc/Brewfile:1>"),
        (&[("HOMEBREW_BUNDLE_FILE", "/etc/Brewfile")], &[("/etc/Brewfile", "brew \"jq\"")], "bundle --global", "!usage: …cannot be specified with '--global'"),
        (&[("HOMEBREW_BUNDLE_FILE_GLOBAL", "/g/Brewfile")], &[("/g/Brewfile", "tap \"a/b\"")], "bundle --global", "brewfile:/g/Brewfile <env:HOMEBREW_BUNDLE_FILE_GLOBAL> | tap:a/b </g/Brewfile:1> || tap:a/b </g/Brewfile:1>"),
        (&[], &[], "bundle", "!file: /project/Brewfile: no Brewfile found*"),
        (&[], &[], "bundle check", "PASS"),
    ];
    for (env, files, line, want) in cases {
        let mut w = MemWorld::new();
        for (k, v) in *env {
            w = w.env(k, v);
        }
        for (p, c) in *files {
            w = w.file(p, c);
        }
        let got = render(&parse(&argv(line), &w));
        assert!(matches(&got, want), "case `{line}`: want {want}, got {got}");
    }
}

#[test]
#[rustfmt::skip]
fn brewfile_entries() {
    // bundle/dsl.rb (brew/cask/tap/mas/vscode/go/whalebrew/cask_args entries and name
    // sanitising), bundle/extensions/{npm,uv}.rb; Ruby lexical syntax for the rest.
    let cases: &[(&str, &str)] = &[
        ("", ""),
        ("brew \"wget\"", "wget </project/Brewfile:1>"),
        ("brew 'wget'", "wget </project/Brewfile:1>"),
        ("brew(\"wget\")", "wget </project/Brewfile:1>"),
        ("brew( 'wget', )", "wget </project/Brewfile:1>"),
        ("brew \"wget\", args: [\"with-x\"], restart_service: true", "wget </project/Brewfile:1>"),
        ("brew \"x\", restart_service: :changed, link: false", "x </project/Brewfile:1>"),
        ("brew \"a\", :args => [\"x\"], \"link\" => nil", "a </project/Brewfile:1>"),
        ("brew \"a\", conflicts_with: [\"b\"], postinstall: \"${HOMEBREW_PREFIX}/bin/x\"", "a </project/Brewfile:1>"),
        ("brew \"a\\\"b\"", "a\"b </project/Brewfile:1>"),
        ("cask \"firefox\"", "cask:firefox </project/Brewfile:1>"),
        ("cask \"firefox\", args: { appdir: \"~/Applications\", require_sha: true }", "cask:firefox </project/Brewfile:1>"),
        ("tap \"user/repo\"", "tap:user/repo </project/Brewfile:1> || tap:user/repo </project/Brewfile:1>"),
        ("tap \"user/repo\", \"https://example.com/r.git\"", "tap:user/repo https://example.com/r.git </project/Brewfile:1> || tap:https://example.com/r.git </project/Brewfile:1>"),
        ("brew \"user/repo/tool\"", "tap:user/repo </project/Brewfile:1> | user/repo/tool </project/Brewfile:1> || tap:user/repo </project/Brewfile:1>"),
        ("brew \"homebrew/core/jq\"", "jq </project/Brewfile:1>"),
        ("npm \"left-pad\"", "npm:registry:left-pad </project/Brewfile:1>"),
        ("npm \"@scope/pkg@1.2.3\"", "npm:registry:@scope/pkg 1.2.3 </project/Brewfile:1>"),
        ("npm \"github:user/repo\"", "npm:git:github:user/repo </project/Brewfile:1>"),
        ("uv \"ruff\"", "pypi:registry:ruff </project/Brewfile:1>"),
        ("uv \"ruff==0.5\"", "pypi:registry:ruff ==0.5 </project/Brewfile:1>"),
        // Read as npm and pip read them (npa, requirement lines), not by a look-alike.
        ("npm \"x@npm:lodash@4\"", "npm:alias:lodash 4 </project/Brewfile:1>"),
        ("npm \"https://r.example/a/-/a-1.0.0.tgz\"", "npm:url:a https://r.example/a/-/a-1.0.0.tgz </project/Brewfile:1>"),
        ("npm \"not a name!\"", "!file: …npm \"not a name!\""),
        ("uv \"ruff[extra] >=0.5 ; python_version>'3'\"", "pypi:registry:ruff >=0.5 </project/Brewfile:1>"),
        ("uv \"git+https://github.com/a/b\"", "pypi:git:git+https://github.com/a/b </project/Brewfile:1>"),
        ("uv \"ruff ==\"", "!file: …uv \"ruff ==\": invalid requirement \"ruff ==\": missing version after =="),
        ("mas \"Xcode\", id: 497799835", ""),
        ("vscode \"ms-python.python\"", ""),
        ("go \"github.com/x/y\"", ""),
        ("cargo \"ripgrep\"", ""),
        ("flatpak \"org.gimp.GIMP\"", ""),
        ("krew \"ctx\"", ""),
        ("winget \"Git.Git\"", ""),
        ("whalebrew \"whalebrew/wget\"", ""),
        ("cask_args appdir: \"/Applications\"", ""),
        ("# comment\n\nbrew \"a\" # trailing\n", "a </project/Brewfile:3>"),
        ("tap \"a/b\"\nbrew \"c\"\ncask \"d\"\n", "tap:a/b </project/Brewfile:1> | c </project/Brewfile:2> | cask:d </project/Brewfile:3> || tap:a/b </project/Brewfile:1>"),
        ("brew \"a\"; brew \"b\"", "a </project/Brewfile:1> | b </project/Brewfile:1>"),
        ("brew \"a\", args: [\n  \"x\",\n]\nbrew \"b\"", "a </project/Brewfile:1> | b </project/Brewfile:4>"),
        ("brew \"a\", \\\n  link: true\nbrew \"b\"", "a </project/Brewfile:1> | b </project/Brewfile:3>"),
        ("brew \"a\",\n  link: true\nbrew \"b\"", "a </project/Brewfile:1> | b </project/Brewfile:3>"),
        ("=begin\nbrew \"x\"\n=end\nbrew \"y\"", "y </project/Brewfile:4>"),
        ("brew \"a\"\n__END__\nanything goes(", "a </project/Brewfile:1>"),
        ("brew \"a\"\r\nbrew \"b\"\r\n", "a </project/Brewfile:1> | b </project/Brewfile:2>"),
        // Lines installguard cannot read: errors naming file and line, never skipped.
        ("if OS.mac?\n  brew \"x\"\nend", "!file: /project/Brewfile:1:*"),
        ("brew \"x\" if OS.mac?", "!file: /project/Brewfile:1:*"),
        ("name = \"wget\"\nbrew name", "!file: /project/Brewfile:1:*"),
        ("brew \"x\"\nbrew pkg", "!file: /project/Brewfile:2:*"),
        ("brew \"#{x}\"", "!file: /project/Brewfile:1: cannot read this Brewfile line (string interpolation*"),
        ("brew \"#@x\"", "!file: …interpolation"),
        ("brew \"unterminated", "!file: …unterminated string"),
        ("system \"curl | sh\"", "!file: …`system` is not a Brewfile entry"),
        ("brew", "!file: …without a name"),
        ("brew \"a\", \"b\"", "!file: …unexpected arguments"),
        ("tap \"a/b\", \"u\", \"v\"", "!file: …unexpected arguments"),
        ("brew :wget", "!file: …unexpected arguments"),
        ("[\"a\", \"b\"].each { |x| brew x }", "!file: /project/Brewfile:1:*"),
        ("brew \"a\", args: [ENV[\"X\"]]", "!file: …`ENV` is code"),
        ("brew \"a\"\n=begin\nno end", "!file: …unterminated =begin"),
        ("cask_args \"x\"", "!file: …only `key: value`"),
        ("%w[a b].each { |n| brew n }", "!file: …unexpected `%`"),
        ("brew <<~EOS\n  wget\nEOS", "!file: /project/Brewfile:1:*"),
        ("instance_eval File.read(\"x\")", "!file: …not a Brewfile entry"),
        ("brew(\"a\") \"b\"", "!file: …closing parenthesis"),
        ("brew \"a\", args: [\"x\"", "!file: /project/Brewfile:1:*"),
        ("brew \"a\", { \"b\" }", "!file: …key: value"),
        ("brew \"\\u0041\"", "!file: …escape sequence"),
        ("brew \"a\" do\nend", "!file: …`do` after the entry"),
        ("brew \"x\"\ncask \"y\" unless ENV[\"CI\"]", "!file: /project/Brewfile:2:*"),
    ];
    for (content, want) in cases {
        let w = MemWorld::new().file("Brewfile", content);
        let got = render(&parse(&argv("bundle"), &w));
        // Every case reads ./Brewfile: leave that target out of the expectations.
        let got = got.strip_prefix("brewfile:/project/Brewfile").map_or(got.clone(), |rest| {
            rest.strip_prefix(" | ").unwrap_or(rest).to_string()
        });
        assert!(matches(&got, want), "Brewfile `{content}`: want {want}, got {got}");
    }
}

fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "install",
            "instal",
            "reinstall",
            "upgrade",
            "fetch",
            "tap",
            "bundle",
            "version-install",
            "--",
            "-",
            "-v",
            "-h",
            "--cask",
            "--formula",
            "--cc",
            "--cc=",
            "--file",
            "--file=-",
            "--global",
            "--install",
            "--with-x",
            "--c",
            "-sv",
            "user/repo/x",
            "homebrew/core/é",
            "a@1",
            "./x.rb",
            "https://x/y",
            "install",
            "exec",
            "é",
            "--é=é",
            "-é",
        ])
        .prop_map(str::to_string),
        "\\PC{0,12}",
        "[-a-z/@.=_]{0,10}",
    ]
}

fn brewfile_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop_oneof![
            prop::sample::select(vec![
                "brew",
                "cask",
                "tap",
                "npm",
                "uv",
                "mas",
                "cask_args",
                " ",
                "\n",
                "\r\n",
                "\"",
                "'",
                "\\",
                "#",
                "#{",
                "(",
                ")",
                "[",
                "]",
                "{",
                "}",
                ",",
                ";",
                ":",
                "=>",
                "=begin",
                "=end",
                "__END__",
                "args:",
                "true",
                "\"x\"",
                "'y'",
                "\"a/b/c\"",
                "é",
                "\u{1F600}",
                ":sym",
                "12",
                "if",
            ])
            .prop_map(str::to_string),
            "\\PC{0,6}",
        ],
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn never_panics(args in prop::collection::vec(token(), 0..8), text in brewfile_text()) {
        let w = MemWorld::new().file("Brewfile", &text).file("/home/user/.Brewfile", &text);
        let _ = parse(&args, &w);
        let _ = parse(&argv("bundle"), &w);
        let _ = parse(&["bundle".to_string(), "--global".to_string()], &w);
    }
}
