use super::*;
use crate::cmdline::cases::{argv, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

fn world() -> MemWorld {
    MemWorld::new()
        .file("reqs.txt", "rich\n1337test==1.0\n")
        .file("s.py", "# /// script\n# dependencies = [\"requests\", \"1337test\"]\n# ///\n")
        .file("plain.py", "print(1)\n")
        .file(
            "pipx.json",
            "{\n  \"pipx_spec_version\": \"0.1\",\n  \"venvs\": {\n    \"black\": {\n      \"metadata\": {\n        \"main_package\": {\"package_or_url\": \"black\"},\n        \"injected_packages\": {\"1337test\": {\"package_or_url\": \"1337test\"}}\n      }\n    }\n  }\n}\n",
        )
        .file("bad.json", "{\"venvs\": [}")
        .file("proj/pyproject.toml", "[project]\nname = \"p\"\ndependencies = [\"click\"]\n")
        .dir("proj")
}

/// (env, argv after `pipx`, expected). Checked against pipx 1.18.4's own parser
/// (`pipx.main.get_command_parser().parse_args`): error cases are errors there too.
#[rustfmt::skip]
const CASES: &[(&str, &str, &str)] = &[
    ("", "", "PASS"),
    ("", "--version", "PASS"),
    ("", "list", "PASS"),
    ("", "uninstall black", "PASS"),
    ("", "ensurepath", "PASS"),
    ("", "exec black black --version", "PASS"),
    ("", "ins black", "PASS"),
    ("", "install --help", "PASS"),
    ("", "install black", "black"),
    ("", "install 1337test", "1337test"),
    ("", "install black ruff --force", "black | ruff"),
    ("", "install black --force ruff", "!usage: pipx install: unrecognized arguments: ruff"),
    ("", "install 'black[d]==24.1' --suffix=@1", "black ==24.1"),
    ("", "install --preinstall 1337test black", "1337test | black"),
    ("", "install ./proj", "path:./proj | click <./proj/pyproject.toml:3>"),
    ("", "install git+https://github.com/x/t.git#egg=t", "git:t git+https://github.com/x/t.git#egg=t"),
    ("", "install", "!usage: pipx install: the following arguments are required: package_spec"),
    ("", "install --bogus black", "!usage: pipx install: unrecognized arguments: --bogus"),
    ("", "install --in u black", "!usage: pipx install: ambiguous option: --in could match --include-deps, --include-resources-from, --index-url"),
    ("", "install --ind https://i.example/simple black", "black || index:https://i.example/simple"),
    ("", "install -fi https://i.example/simple black", "black || index:https://i.example/simple"),
    ("", "install -ihttps://i.example/simple black", "black || index:https://i.example/simple"),
    ("", "install --pip-args '--index-url https://p.example/simple' black", "black || index:https://p.example/simple"),
    ("", "install '--pip-args=--extra-index-url https://x.example/simple 1337test' black", "black | 1337test || extra-index:https://x.example/simple"),
    ("", "install --pip-args -q black", "!usage: pipx install: argument --pip-args: expected one argument"),
    ("", "install --pip-args='--bogus' black", "!usage: pipx install --pip-args: pip install: no such option: --bogus"),
    ("", "install --force=1 black", "!usage: pipx install: argument --force: ignored explicit argument"),
    ("", "install -- -x", "!usage: pipx install: invalid requirement \"-x\"*"),
    ("PIP_INDEX_URL=https://env.example/simple", "install black", "black || index:https://env.example/simple <env:PIP_INDEX_URL>"),
    ("", "inject black 1337test rich", "1337test | rich"),
    ("", "inject black -r reqs.txt", "requirements-file:reqs.txt | rich <reqs.txt:1> | 1337test ==1.0 <reqs.txt:2>"),
    ("", "inject black --force dep", "!usage: pipx inject: unrecognized arguments: dep"),
    ("", "inject", "!usage: pipx inject: the following arguments are required: package"),
    ("", "upgrade black", "black"),
    ("", "upgrade black --install -i https://i.example/simple", "black || index:https://i.example/simple"),
    ("", "upgrade-all --skip a b --force", "all-outdated:"),
    ("", "upgrade-shared", "all-outdated:"),
    ("", "reinstall black", "all-outdated:"),
    ("", "reinstall-all", "all-outdated:"),
    ("", "install-all pipx.json", "black <pipx.json:6> | 1337test <pipx.json:7>"),
    ("", "install-all bad.json", "!file: bad.json:1: not valid JSON*"),
    ("", "install-all missing.json", "!file: missing.json: no such file"),
    ("", "run 1337test", "1337test"),
    ("", "run black --force --spec x", "black"),
    ("", "run --spec 1337test==1.0 tool --help", "1337test ==1.0"),
    ("", "run --with rich --with 1337test black", "rich | 1337test | black"),
    ("", "run s.py arg", "requests <s.py:2> | 1337test <s.py:2>"),
    ("", "run plain.py", "(none)"),
    ("", "run https://h.example/tool.py", "dynamic-dependencies:pipx downloads the script https://h.example/tool.py and installs the dependencies its `# /// script` block names"),
    ("", "run", "!usage: pipx run: the following arguments are required: app ..."),
    ("", "run --help", "PASS"),
    ("", "runpip black install 1337test", "1337test"),
    ("", "runpip black list", "PASS"),
    ("", "runpip black install --bogus x", "!usage: pip install: no such option: --bogus"),
];

#[test]
fn pipx_command_lines() {
    check_results(CASES.iter().map(|(env, line, want)| {
        let mut w = world().env("PIP_CONFIG_FILE", "/dev/null");
        for kv in env.split(';').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            w = w.env(k, v);
        }
        (
            format!("[{env}] pipx {line}"),
            *want,
            parse(&argv(line), &w),
        )
    }));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    #[test]
    fn parse_never_panics(
        picks in proptest::collection::vec(
            prop_oneof![
                prop::sample::select(vec!["install", "run", "inject", "runpip", "--pip-args", "-i", "--spec", "--", "s.py", "-", "--in"]).prop_map(str::to_string),
                any::<String>(),
            ],
            0..7,
        ),
    ) {
        let _ = parse(&picks, &world());
    }
}

/// Every option of the generated table in every install command that accepts it, by its full
/// name and by its shortest unique abbreviation: accepted, its value never a package.
#[test]
fn every_option_is_accepted_and_its_value_is_not_a_package() {
    const EFFECTS: &[&str] = &[
        "--help",
        "--pip-args",
        "--index-url",
        "--preinstall",
        "--spec",
        "--with",
        "--requirement",
        "--skip",
    ];
    let w = world().env("PIP_CONFIG_FILE", "/dev/null");
    let mut n = 0;
    let mut bad = Vec::new();
    for o in OPTIONS.iter().filter(|o| !EFFECTS.contains(&o.long[0])) {
        for &(command, mask) in COMMANDS.iter().filter(|(_, m)| o.cmds & m != 0) {
            if !matches!(mask, INSTALL | INJECT | RUN | UPGRADE) {
                continue;
            }
            // Full name, and the shortest prefix that is unique among the command's options.
            let long = o.long[0];
            let unique = (3..=long.len())
                .map(|k| &long[..k])
                .find(|p| {
                    OPTIONS
                        .iter()
                        .filter(|x| x.cmds & mask != 0)
                        .flat_map(|x| x.long.iter())
                        .filter(|l| l.starts_with(p))
                        .count()
                        == 1
                })
                .unwrap_or(long);
            for spelling in [long, unique] {
                // Options first: argparse takes the positionals in one run.
                let mut args = vec![command.to_string(), spelling.to_string()];
                if o.arity != Arity::Flag {
                    args.push("ruff".into());
                }
                if mask == INJECT {
                    args.push("venv".into());
                }
                args.push("flask".into());
                n += 1;
                let names: Vec<String> = match parse(&args, &w) {
                    Ok(r) => r.targets.iter().filter_map(|t| t.name.clone()).collect(),
                    Err(e) => vec![format!("error: {}", e.message)],
                };
                if names != ["flask"] {
                    bad.push(format!("{}: {names:?}", args.join(" ")));
                }
            }
        }
    }
    assert!(n > 100, "only {n} cases");
    assert!(bad.is_empty(), "{} of {n}:\n{}", bad.len(), bad.join("\n"));
}
