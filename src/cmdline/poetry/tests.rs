use super::*;
use crate::cmdline::cases::{argv, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

/// A poetry 2 project (PEP 621 + [tool.poetry] groups and sources) with a lock, and a poetry 1
/// project in `old/`.
fn world() -> MemWorld {
    MemWorld::new()
        .file(
            "pyproject.toml",
            r#"[project]
name = "app"
version = "0.1"
dependencies = ["requests>=2"]

[project.optional-dependencies]
web = ["flask"]

[tool.poetry.group.test.dependencies]
pytest = "^8"

[tool.poetry.group.docs]
optional = true

[tool.poetry.group.docs.dependencies]
sphinx = "7.0"

[[tool.poetry.source]]
name = "corp"
url = "https://corp.example/simple"
priority = "supplemental"

[build-system]
requires = ["poetry-core>=2"]
build-backend = "poetry.core.masonry.api"
"#,
        )
        .file(
            "poetry.lock",
            "[[package]]\nname = \"six\"\nversion = \"1.17.0\"\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n",
        )
        .file(
            "old/pyproject.toml",
            "[tool.poetry]\nname = \"old\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\nclick = \"8.1.7\"\n[tool.poetry.dev-dependencies]\nblack = \"*\"\n[[tool.poetry.source]]\nname = \"private\"\nurl = \"https://private.example/simple\"\ndefault = true\n",
        )
        .dir("old")
        .file("wheels/x-1.0-py3-none-any.whl", "")
        .dir("wheels")
}

/// (argv after `poetry`, expected). Checked against poetry 2.5.1 (`poetry <args>` in a project
/// like this one: usage errors are errors there too).
#[rustfmt::skip]
const CASES: &[(&str, &str)] = &[
    ("", "PASS"),
    ("--version", "PASS"),
    ("show", "PASS"),
    ("config --list", "PASS"),
    ("env info", "PASS"),
    ("ad x", "PASS"),
    ("self show", "PASS"),
    ("add --help", "PASS"),
    ("add 1337test", "1337test | poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("add requests@^2.31 --dry-run", "requests ^2.31 | poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("-C old add 'x@1.0' -G dev", "x ==1.0 | click ==8.1.7 <pyproject.toml:5> | black <pyproject.toml:7> || index:https://private.example/simple <pyproject.toml:10>"),
    ("add 'y@latest' 'z[a]>=1' ./wheels/x-1.0-py3-none-any.whl --lock", "y | z >=1 | path:x ./wheels/x-1.0-py3-none-any.whl | poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("add git+https://github.com/x/g.git#egg=g", "git:g git+https://github.com/x/g.git#egg=g | poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("add", "!usage: poetry add: not enough arguments (missing: \"name\")"),
    ("add --bogus x", "!usage: poetry add: the option \"--bogus\" does not exist"),
    ("add --dry x", "!usage: poetry add: the option \"--dry\" does not exist"),
    ("add --group", "!usage: poetry add: the \"--group\" option requires a value"),
    ("add --dev=1 x", "!usage: poetry add: the \"--dev\" option does not accept a value"),
    ("add -Z x", "!usage: poetry add: the option \"Z\" does not exist"),
    ("install", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("install --with docs -E web", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | flask <pyproject.toml:7> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("install --without test --no-root", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("install --only test", "pytest ^8 <pyproject.toml:10> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("install --only-root", "lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("sync --all-groups --all-extras -q", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | flask <pyproject.toml:7> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("-vvv install -n --no-ansi", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("update six", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("lock --regenerate", "poetry-core >=2 <pyproject.toml:24> | requests >=2 <pyproject.toml:4> | pytest ^8 <pyproject.toml:10> | sphinx ==7.0 <pyproject.toml:16> | lockfile:poetry.lock | six ==1.17.0 <poetry.lock:2> || extra-index:https://corp.example/simple <pyproject.toml:20>"),
    ("remove", "!usage: poetry remove: not enough arguments (missing: \"packages\")"),
    ("--directory old install", "click ==8.1.7 <pyproject.toml:5> | black <pyproject.toml:7> || index:https://private.example/simple <pyproject.toml:10>"),
    ("install -C old", "click ==8.1.7 <pyproject.toml:5> | black <pyproject.toml:7> || index:https://private.example/simple <pyproject.toml:10>"),
    ("build", "poetry-core >=2 <pyproject.toml:24>"),
    ("self add poetry-plugin-export", "poetry-plugin-export"),
    ("self update 2.5.1", "poetry ==2.5.1"),
    // poetry's own project not written yet (see SELF_CASES): only poetry itself.
    ("self install", "poetry"),
    ("self lock", "poetry"),
    ("run pip install 1337test", "1337test"),
    ("run python -m pip install 1337test", "1337test"),
    ("run uv pip install 1337test", "1337test"),
    ("run pytest -x", "PASS"),
    ("run pip list", "PASS"),
    ("run", "PASS"),
];

#[test]
fn poetry_command_lines() {
    let w = world()
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("UV_NO_CONFIG", "1");
    check_results(
        CASES
            .iter()
            .map(|(line, want)| (format!("poetry {line}"), *want, parse(&argv(line), &w))),
    );
}

/// poetry's default config dir (platformdirs' user config dir for `pypoetry`).
#[cfg(not(target_os = "macos"))]
macro_rules! config_dir {
    () => {
        "/home/user/.config/pypoetry"
    };
}
#[cfg(target_os = "macos")]
macro_rules! config_dir {
    () => {
        "/home/user/Library/Application Support/pypoetry"
    };
}

/// poetry's own project as `self add poetry-plugin-export` leaves it, in the default config
/// dir, and another under `$POETRY_CONFIG_DIR`.
fn self_world() -> MemWorld {
    world()
        .file(
            concat!(config_dir!(), "/pyproject.toml"),
            "[project]\nname = \"poetry-instance\"\nversion = \"2.5.1\"\ndependencies = [\n    \"poetry (==2.5.1)\",\n]\n\n[tool.poetry]\npackage-mode = false\n\n[tool.poetry.group.additional.dependencies]\npoetry-plugin-export = \"^1.9\"\n",
        )
        .file(
            concat!(config_dir!(), "/poetry.lock"),
            "[[package]]\nname = \"poetry-plugin-export\"\nversion = \"1.9.0\"\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n",
        )
        .file(
            "/cfg/pyproject.toml",
            "[tool.poetry]\nname = \"poetry-instance\"\nversion = \"2.5.1\"\npackage-mode = false\n[tool.poetry.dependencies]\npoetry = \"2.5.1\"\n[tool.poetry.group.additional.dependencies]\npoetry-dynamic-versioning = \"*\"\n",
        )
        // Above the config dir: never taken for poetry's own project.
        .file("/home/user/pyproject.toml", "[project]\nname = \"not-poetry\"\ndependencies = [\"evil\"]\n")
}

const SELF_PROJECT: &str = concat!(
    "poetry ==2.5.1 <",
    config_dir!(),
    "/pyproject.toml:5> | poetry-plugin-export ^1.9 <",
    config_dir!(),
    "/pyproject.toml:12> | lockfile:",
    config_dir!(),
    "/poetry.lock | poetry-plugin-export ==1.9.0 <",
    config_dir!(),
    "/poetry.lock:2>"
);

/// `poetry self ...`: each command reports what it installs, never "everything".
#[rustfmt::skip]
const SELF_CASES: &[(&str, &str, &str)] = &[
    ("", "self add poetry-plugin-export", "poetry-plugin-export"),
    ("", "self add 'poetry-plugin-export@^1.9' --dry-run", "poetry-plugin-export ^1.9"),
    ("", "self update", "poetry"),
    ("", "self update 2.5.1 --preview", "poetry ==2.5.1"),
    ("", "self install", SELF_PROJECT),
    ("", "self sync --dry-run", SELF_PROJECT),
    ("", "self lock", SELF_PROJECT),
    ("", "self remove poetry-plugin-export", SELF_PROJECT),
    ("", "self show plugins", "PASS"),
    ("POETRY_CONFIG_DIR=/cfg", "self install", "poetry ==2.5.1 </cfg/pyproject.toml:6> | poetry-dynamic-versioning </cfg/pyproject.toml:8>"),
    ("POETRY_CONFIG_DIR=/nowhere", "self install", "poetry"),
    // macOS: platformdirs does not read XDG_CONFIG_HOME there.
    #[cfg(not(target_os = "macos"))]
    ("XDG_CONFIG_HOME=/nowhere", "self install", "poetry"),
];

#[test]
fn poetry_self_commands() {
    check_results(SELF_CASES.iter().map(|(env, line, want)| {
        let mut w = self_world().env("PIP_CONFIG_FILE", "/dev/null");
        if let Some((k, v)) = env.split_once('=') {
            w = w.env(k, v);
        }
        (
            format!("{env} poetry {line}"),
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
                prop::sample::select(vec!["add", "install", "self", "run", "-C", "old", "--with", "-E", "--", "x@1", "-vv", "pip"]).prop_map(str::to_string),
                any::<String>(),
            ],
            0..7,
        ),
        manifest in "[-a-z=\\[\\]{}\"., \n]{0,80}",
    ) {
        let w = world().file("pyproject.toml", &manifest);
        let _ = parse(&picks, &w);
    }
}

/// Every option of the table in every command read here that accepts it (global ones in each):
/// accepted, its value never a package.
#[test]
fn every_option_is_accepted_and_its_value_is_not_a_package() {
    const EFFECTS: &[&str] = &[
        "help",
        "version",
        "project",
        "directory",
        "extras",
        "with",
        "without",
        "only",
        "only-root",
        "all-groups",
        "all-extras",
    ];
    let w = world().env("PIP_CONFIG_FILE", "/dev/null");
    let mut n = 0;
    let mut bad = Vec::new();
    for &(name, short, kind, cmds) in OPTIONS.iter().filter(|o| !EFFECTS.contains(&o.0)) {
        for command in [
            "add",
            "self add",
            "install",
            "sync",
            "update",
            "lock",
            "remove",
            "self update",
        ] {
            if cmds.is_some_and(|c| !c.contains(&command)) {
                continue;
            }
            let spellings: Vec<String> = std::iter::once(format!("--{name}"))
                .chain(short.map(|c| format!("-{c}")))
                .collect();
            for spelling in spellings {
                let mut args = argv(command);
                args.push(spelling.clone());
                if kind == Kind::Value {
                    args.push("ruff".into());
                }
                let adds = matches!(command, "add" | "self add");
                if adds || matches!(command, "update" | "remove") {
                    args.push("flask".into());
                }
                n += 1;
                let names: Vec<String> = match parse(&args, &w) {
                    Ok(r) => r
                        .targets
                        .iter()
                        .filter(|t| t.origin == Origin::Argv)
                        .filter_map(|t| t.name.clone())
                        .collect(),
                    Err(e) => vec![format!("error: {}", e.message)],
                };
                let want: &[&str] = match command {
                    "add" | "self add" => &["flask"],
                    "self update" => &["poetry"],
                    _ => &[],
                };
                if names != want {
                    bad.push(format!("{}: {names:?}", args.join(" ")));
                }
            }
        }
    }
    assert!(n > 100, "only {n} cases");
    assert!(bad.is_empty(), "{} of {n}:\n{}", bad.len(), bad.join("\n"));
}
