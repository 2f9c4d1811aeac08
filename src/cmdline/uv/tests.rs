use super::*;
use crate::cmdline::cases::{argv, check_results};
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

/// A uv project (cwd /project) with a lock, a script, requirements files and config files.
fn world() -> MemWorld {
    MemWorld::new()
        .file(
            "pyproject.toml",
            "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = [\"requests>=2\"]\n\n[project.optional-dependencies]\nfast = [\"ujson\"]\n\n[dependency-groups]\ndev = [\"pytest\"]\nlint = [\"ruff\"]\n\n[tool.uv]\nconstraint-dependencies = [\"idna<4\"]\n\n[[tool.uv.index]]\nname = \"corp\"\nurl = \"https://corp.example/simple\"\n\n[tool.uv.sources]\nrequests = { git = \"https://github.com/psf/requests\" }\n",
        )
        .file(
            "uv.lock",
            "version = 1\n\n[[package]]\nname = \"app\"\nversion = \"0.1\"\nsource = { editable = \".\" }\n\n[[package]]\nname = \"six\"\nversion = \"1.17.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
        )
        .file("s.py", "# /// script\n# dependencies = [\"rich\"]\n# [tool.uv]\n# index-url = \"https://script.example/simple\"\n# ///\n")
        .file("plain.py", "print(1)\n")
        .file("req.txt", "flask\n-r more.txt\n")
        .file("more.txt", "click==8\n")
        .file("over.txt", "six @ https://h.example/six-9.0-py3-none-any.whl\n")
        .file("pylock.toml", "lock-version = \"1.0\"\n[[packages]]\nname = \"attrs\"\nversion = \"23.1\"\n")
        .file("lib/pyproject.toml", "[project]\nname = \"lib\"\ndependencies = [\"numpy\"]\n")
        .dir("lib")
        .file("cfg/uv.toml", "index-url = \"https://cfgfile.example/simple\"\n")
        .file("xdg/uv/uv.toml", "[[index]]\nurl = \"https://user.example/simple\"\ndefault = true\n")
        .file("empty/.keep", "")
        .dir("empty")
}

/// (env `K=V;K2=V2`, argv after `uv` (or `uvx …` for uvx), expected).
/// Every argv here was checked against the real uv 0.13.9 (`… --zzzz` tells whether uv
/// accepted everything before it): error cases are errors in uv too.
#[rustfmt::skip]
const CASES: &[(&str, &str, &str)] = &[
    // Pass-through: no command, help, version, commands that install nothing.
    ("", "", "PASS"),
    ("", "--version", "PASS"),
    ("", "-V", "PASS"),
    ("", "help add", "PASS"),
    ("", "add --help", "PASS"),
    ("", "pip install -h", "PASS"),
    ("", "venv", "PASS"),
    ("", "init app", "PASS"),
    ("", "pip list", "PASS"),
    ("", "pip freeze", "PASS"),
    ("", "pip uninstall flask", "PASS"),
    ("", "pip", "PASS"),
    ("", "tool list", "PASS"),
    ("", "tool uninstall ruff", "PASS"),
    ("", "tool dir", "PASS"),
    ("", "python install 3.12", "PASS"),
    ("", "cache clean", "PASS"),
    ("", "self update", "uv || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "self update 0.14.0", "uv ==0.14.0 || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "self version", "PASS"),
    ("", "venv --seed", "pip | setuptools | wheel || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "venv -p 3.12 --seed --index-url https://idx.example/simple", "pip | setuptools | wheel || index:https://idx.example/simple | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "format", "ruff || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "format --version 0.9.1 -- --check", "ruff ==0.9.1 || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "format --help", "PASS"),
    ("", "check --no-sync", "ty || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "version", "PASS"),
    ("", "version --short", "PASS"),
    ("", "version 1.0 --dry-run", "PASS"),
    ("", "ad x", "PASS"),
    ("", "-q venv", "PASS"),
    ("", "--offline --directory sub venv", "PASS"),
    // uv pip install: requirements, files, editables, groups.
    ("", "pip install flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install 'flask>=2' six==1.16", "flask >=2 | six ==1.16 || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -r req.txt", "requirements-file:req.txt | flask <req.txt:1> | requirements-file:more.txt <req.txt:2> | click ==8 <more.txt:1> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --requirement=req.txt", "requirements-file:req.txt | flask <req.txt:1> | requirements-file:more.txt <req.txt:2> | click ==8 <more.txt:1> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -r pylock.toml", "requirements-file:pylock.toml | attrs ==23.1 <pylock.toml:3> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -r s.py", "requirements-file:s.py | rich <s.py:2> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -r plain.py", "!file: plain.py: a Python script without a `# /// script` block names no requirements"),
    ("", "pip install -r lib/pyproject.toml", "requirements-file:lib/pyproject.toml | numpy <lib/pyproject.toml:3> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -r pyproject.toml --extra fast", "requirements-file:pyproject.toml | requests >=2 <pyproject.toml:4> | ujson <pyproject.toml:7> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -e ./lib", "path:./lib | numpy <./lib/pyproject.toml:3> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install ./lib", "path:./lib | numpy <./lib/pyproject.toml:3> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --group dev", "pytest <pyproject.toml:10> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --group pyproject.toml:lint", "ruff <pyproject.toml:11> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --overrides over.txt flask", "url:six https://h.example/six-9.0-py3-none-any.whl <over.txt:1> | flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_OVERRIDE=over.txt", "pip install flask", "url:six https://h.example/six-9.0-py3-none-any.whl <over.txt:1> | flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -c req.txt flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install", "!usage: uv pip install: the following required arguments were not provided*"),
    ("", "pip install --python 3.12 -t out --prefix p flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -qqp3.11 flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -p=3.11 flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --system --break-system-packages flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --no-binary :all: flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -- -x", "!usage: uv pip install: invalid requirement \"-x\"*"),
    ("", "pip install --dry-run -U --reinstall flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // Unknown, abbreviated, misplaced or value-less options fail closed.
    ("", "pip install --ind https://x flask", "!usage: uv pip install: unexpected argument '--ind'*"),
    ("", "pip install --bogus flask", "!usage: uv pip install: unexpected argument '--bogus'*"),
    ("", "pip install -Z flask", "!usage: uv pip install: unexpected argument '-Z'*"),
    ("", "pip install --index", "!usage: uv pip install: a value is required for '--index' but none was supplied"),
    ("", "pip install --index -x flask", "!usage: uv pip install: a value is required for '--index'*"),
    ("", "pip install --dry-run=1 flask", "!usage: uv pip install: unexpected value '1' for '--dry-run'*"),
    ("", "--index https://x pip install flask", "!usage: uv: unexpected argument '--index'*"),
    ("", "add --with x y", "!usage: uv add: unexpected argument '--with'*"),
    ("", "pip install --script s.py", "!usage: uv pip install: unexpected argument '--script'*"),
    // Global options anywhere.
    ("", "--offline pip --quiet install flask --no-progress", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "-v pip install --color never flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // Index options and variables: the command line, then UV_*, then config files.
    ("", "pip install --index-url https://a.example/simple flask", "flask || index:https://a.example/simple | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -i https://a.example/simple --default-index https://b.example/simple flask", "flask || index:https://a.example/simple | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --index corp=https://c.example/simple --extra-index-url https://d.example/simple flask", "flask || extra-index:https://c.example/simple | extra-index:https://d.example/simple | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install -f ./wheels --no-index flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18> | find-links:./wheels | no-index:--no-index"),
    ("UV_INDEX=https://e1.example/simple one=https://e2.example/simple", "pip install flask", "flask || extra-index:https://e1.example/simple <env:UV_INDEX> | extra-index:https://e2.example/simple <env:UV_INDEX> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_INDEX=https://e1.example/simple", "pip install --index https://cli.example/simple flask", "flask || extra-index:https://cli.example/simple | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_DEFAULT_INDEX=https://def.example/simple", "pip install flask", "flask || index:https://def.example/simple <env:UV_DEFAULT_INDEX> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_INDEX_URL=https://iu.example/simple", "pip install flask", "flask || index:https://iu.example/simple <env:UV_INDEX_URL> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_EXTRA_INDEX_URL=https://x1.example/simple https://x2.example/simple", "pip install flask", "flask || extra-index:https://x1.example/simple <env:UV_EXTRA_INDEX_URL> | extra-index:https://x2.example/simple <env:UV_EXTRA_INDEX_URL> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("UV_FIND_LINKS=/w1,/w2", "pip install flask", "flask || extra-index:https://corp.example/simple <pyproject.toml:18> | find-links:/w1 <env:UV_FIND_LINKS> | find-links:/w2 <env:UV_FIND_LINKS>"),
    ("UV_TORCH_BACKEND=cpu", "pip install torch", "torch || extra-index:https://download.pytorch.org/whl/cpu <env:UV_TORCH_BACKEND> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "pip install --config-file cfg/uv.toml flask", "flask || index:https://cfgfile.example/simple <cfg/uv.toml:1>"),
    ("UV_CONFIG_FILE=cfg/uv.toml", "pip install flask", "flask || index:https://cfgfile.example/simple <cfg/uv.toml:1>"),
    ("", "pip install --config-file missing.toml flask", "!file: missing.toml: no such uv configuration file"),
    ("", "--no-config pip install flask", "flask"),
    ("UV_NO_CONFIG=1", "pip install flask", "flask"),
    // --directory moves the working directory; the project is still found in a parent.
    ("XDG_CONFIG_HOME=/project/xdg", "--directory empty pip install flask", "flask || index:https://user.example/simple </project/xdg/uv/uv.toml:2> | extra-index:https://corp.example/simple </project/pyproject.toml:18>"),
    ("XDG_CONFIG_HOME=/project/xdg", "pip install flask", "flask || index:https://user.example/simple </project/xdg/uv/uv.toml:2> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("XDG_CONFIG_HOME=/project/xdg;UV_DEFAULT_INDEX=https://env.example/simple", "pip install flask", "flask || index:https://env.example/simple <env:UV_DEFAULT_INDEX> | extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // uv add: the packages, then the project it re-locks and syncs.
    ("", "add 1337test", "1337test | requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "add --dev 'x[a,b]>=1' --no-sync", "x >=1 | requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "add --frozen --optional web flask", "flask | requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "add git+https://github.com/x/y.git#egg=y --frozen", "git:y git+https://github.com/x/y.git#egg=y | requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "add --script s.py 1337test", "1337test | rich <s.py:2> || extra-index:https://corp.example/simple <pyproject.toml:18> | index:https://script.example/simple <s.py:4>"),
    ("", "add", "!usage: uv add: …required"),
    // uv sync / lock / remove / export / tree: the project and uv.lock.
    ("", "sync", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "sync --no-dev --group lint --extra fast --frozen", "requests >=2 <pyproject.toml:4> | ujson <pyproject.toml:7> | ruff <pyproject.toml:11> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "sync --all-groups --no-group dev", "requests >=2 <pyproject.toml:4> | ruff <pyproject.toml:11> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "sync --only-group lint", "requests >=2 <pyproject.toml:4> | ruff <pyproject.toml:11> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "lock", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "lock --script s.py", "rich <s.py:2> || extra-index:https://corp.example/simple <pyproject.toml:18> | index:https://script.example/simple <s.py:4>"),
    ("", "remove requests --frozen", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "--project lib sync", "numpy <lib/pyproject.toml:3> | lockfile:/project/uv.lock | six ==1.17.0 </project/uv.lock:9> || extra-index:https://corp.example/simple </project/pyproject.toml:18> | extra-index:https://pypi.org/simple </project/uv.lock:9>"),
    ("", "version --bump minor", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "build --no-build-logs", "(none) || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // uv run: a PEP 723 script, --with, the project, and what follows the command.
    ("", "run s.py --with evil", "rich <s.py:2> || extra-index:https://corp.example/simple <pyproject.toml:18> | index:https://script.example/simple <s.py:4>"),
    ("", "run --with 1337test,'b[x,y]>=1,<2' --no-project python", "1337test | b >=1,<2 || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "run -w x --with-requirements req.txt --no-sync pytest", "x | requirements-file:req.txt | flask <req.txt:1> | requirements-file:more.txt <req.txt:2> | click ==8 <more.txt:1> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "run plain.py", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "run -m s --frozen", "requests >=2 <pyproject.toml:4> | pytest <pyproject.toml:10> | git:requests https://github.com/psf/requests <pyproject.toml:21> | lockfile:uv.lock | six ==1.17.0 <uv.lock:9> || extra-index:https://corp.example/simple <pyproject.toml:18> | extra-index:https://pypi.org/simple <uv.lock:9>"),
    ("", "run --isolated -- python -c 1", "(none) || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "run https://h.example/tool.py", "dynamic-dependencies:uv downloads the script https://h.example/tool.py and installs the dependencies its `# /// script` block names || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // A guarded program run inside the environment is read as that program.
    ("PIP_CONFIG_FILE=/dev/null", "run --no-project pip install 1337test", "1337test || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("PIP_CONFIG_FILE=/dev/null", "run --no-project python -m pip install -r req.txt", "requirements-file:req.txt | flask <req.txt:1> | requirements-file:more.txt <req.txt:2> | click ==8 <more.txt:1> || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    ("", "run --no-project pip install --bogus", "!usage: pip install: no such option: --bogus"),
    ("", "run --no-project pip list", "(none) || extra-index:https://corp.example/simple <pyproject.toml:18>"),
    // uv tool: install, run, upgrade; uvx.
    ("", "tool install ruff", "ruff"),
    ("", "tool install ruff@0.5.0 --with 1337test", "ruff ==0.5.0 | 1337test"),
    ("", "tool install 'black[d]==24.1' -w x,y", "black ==24.1 | x | y"),
    ("", "tool install --from git+https://github.com/x/t.git#egg=t t", "git:t git+https://github.com/x/t.git#egg=t"),
    ("", "tool install -e ./lib", "path:./lib | numpy <./lib/pyproject.toml:3>"),
    ("", "tool install", "!usage: uv tool install: …required"),
    ("", "tool run 1337test --help", "1337test"),
    ("", "tool uvx ruff", "ruff"),
    ("", "tool upgrade ruff", "ruff"),
    ("", "tool update --all", "all-outdated:"),
    ("", "tool install --index https://t.example/simple ruff", "ruff || extra-index:https://t.example/simple"),
    // Tool commands read only the user and system config, never the project's.
    ("", "tool install ruff --config-file cfg/uv.toml", "ruff || index:https://cfgfile.example/simple <cfg/uv.toml:1>"),
];

/// `uvx` command lines: (env, argv after `uvx`, expected).
#[rustfmt::skip]
const UVX_CASES: &[(&str, &str, &str)] = &[
    ("", "", "(none)"),
    ("", "--help", "PASS"),
    ("", "--version", "PASS"),
    ("", "1337test", "1337test"),
    ("", "ruff check --fix .", "ruff"),
    ("", "ruff@latest", "ruff"),
    ("", "ruff@0.5.0 --version", "ruff ==0.5.0"),
    ("", "--from 1337test==1.0 tool", "1337test ==1.0"),
    ("", "--with 1337test,rich ruff", "ruff | 1337test | rich"),
    ("", "-w x ruff -w y", "ruff | x"),
    ("", "--with-requirements req.txt ruff", "ruff | requirements-file:req.txt | flask <req.txt:1> | requirements-file:more.txt <req.txt:2> | click ==8 <more.txt:1>"),
    ("", "--python 3.12 --offline ruff", "ruff"),
    ("", "--index https://i.example/simple ruff", "ruff || extra-index:https://i.example/simple"),
    ("UV_INDEX_URL=https://e.example/simple", "ruff", "ruff || index:https://e.example/simple <env:UV_INDEX_URL>"),
    ("", "--bogus ruff", "!usage: uvx: unexpected argument '--bogus'*"),
    ("", "--from", "!usage: uvx: a value is required for '--from' but none was supplied"),
    ("", "'git+https://github.com/x/y#egg=y'", "git:y git+https://github.com/x/y#egg=y"),
];

fn run_cases(cases: &[(&str, &str, &str)], uvx: bool) {
    check_results(cases.iter().map(|(env, line, want)| {
        let mut w = world();
        for kv in env.split(';').filter(|s| !s.is_empty()) {
            let (k, v) = kv.split_once('=').unwrap();
            w = w.env(k, v);
        }
        let args = argv(line);
        let got = if uvx {
            parse_uvx(&args, &w)
        } else {
            parse(&args, &w)
        };
        let prog = if uvx { "uvx" } else { "uv" };
        (format!("[{env}] {prog} {line}"), *want, got)
    }));
}

#[test]
fn uv_command_lines() {
    run_cases(CASES, false);
}

#[test]
fn uvx_command_lines() {
    run_cases(UVX_CASES, true);
}

#[test]
fn the_option_table_is_consistent() {
    for o in OPTIONS {
        assert!(o.cmds != 0 && o.cmds & !ALL == 0, "{}", o.spell);
        assert!(
            o.spell.starts_with("--") || (o.spell.len() == 2 && o.spell.starts_with('-')),
            "{}",
            o.spell
        );
        // One row per spelling, kind and command.
        let same = OPTIONS
            .iter()
            .filter(|x| x.spell == o.spell && x.cmds & o.cmds != 0)
            .count();
        assert_eq!(same, 1, "{} is listed twice for one command", o.spell);
    }
}

const TOKENS: &[&str] = &[
    "pip",
    "install",
    "sync",
    "compile",
    "add",
    "run",
    "tool",
    "uvx",
    "lock",
    "remove",
    "-r",
    "req.txt",
    "--with",
    "-w",
    "--from",
    "--index",
    "-i",
    "--",
    "-e",
    "./lib",
    "s.py",
    "--script",
    "-p",
    "--directory",
    "empty",
    "--project",
    "x@1",
    "@",
    "=",
    "--group",
    ":",
    "pyproject.toml",
    "-",
    "é",
    "--no-config",
    "--config-file",
    "cfg/uv.toml",
    "[",
    "a,b",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]
    #[test]
    fn parse_never_panics(
        picks in proptest::collection::vec(
            prop_oneof![
                (0..TOKENS.len()).prop_map(|i| TOKENS[i].to_string()),
                "[-a-z=@,.\\[\\]/:]{0,10}",
                any::<String>(),
            ],
            0..8,
        ),
        lock in "[-a-z=\\[\\]{}\"., \n]{0,60}",
    ) {
        let w = world().file("uv.lock", &lock).env("UV_INDEX", "a=b c");
        let _ = parse(&picks, &w);
        let _ = parse_uvx(&picks, &w);
    }
}

/// Every option of the generated table, in every command that accepts it: accepted, and its
/// value never taken for a package (options that read files or add packages are left to the
/// cases above). Hundreds of cases, one per (option, command).
#[test]
fn every_option_is_accepted_and_its_value_is_not_a_package() {
    const EFFECTS: &[&str] = &[
        "-r",
        "--requirements",
        "--requirement",
        "-e",
        "--editable",
        "--with",
        "-w",
        "--with-editable",
        "--with-requirements",
        "--with-executables-from",
        "--from",
        "--group",
        "--only-group",
        "--script",
        "--overrides",
        "--override",
        "--config-file",
        "--directory",
        "--project",
        "--extra",
        "--all-extras",
        "--no-dev",
        "--no-default-groups",
        "--all-groups",
        "--only-dev",
        "--dev",
        "--no-group",
        "-h",
        "--help",
        "-V",
        "--version",
        "--all",
        "--index",
        "--default-index",
        "--index-url",
        "-i",
        "--extra-index-url",
        "--find-links",
        "-f",
        "--no-index",
        "--torch-backend",
        "--isolated",
        "--no-project",
        "--no-sync",
        "-m",
        "--module",
        "-s",
        "--frozen",
        "--dry-run",
        "--bump",
        "--no-config",
    ];
    let levels: &[(u32, &str)] = &[
        (PIP_INSTALL, "pip install"),
        (PIP_SYNC, "pip sync"),
        (PIP_COMPILE, "pip compile"),
        (ADD, "add"),
        (TOOL_INSTALL, "tool install"),
        (TOOL_UPGRADE, "tool upgrade"),
        (UVX, "uvx"),
    ];
    let w = MemWorld::new()
        .file("r.in", "flask\n")
        .file(
            "pyproject.toml",
            "[project]\nname = \"a\"\nversion = \"0\"\ndependencies = []\n",
        )
        .env("UV_NO_CONFIG", "1");
    let mut n = 0;
    let mut bad = Vec::new();
    for o in OPTIONS.iter().filter(|o| !EFFECTS.contains(&o.spell)) {
        for (level, words) in levels.iter().filter(|(l, _)| o.cmds & l != 0) {
            let mut args: Vec<String> = argv(words);
            if *level == UVX {
                args.clear();
            }
            args.push(o.spell.to_string());
            if o.value {
                args.push("ruff".into());
            }
            // The package (a requirements file for `pip sync|compile`).
            args.push(
                if matches!(*level, PIP_SYNC | PIP_COMPILE) {
                    "r.in"
                } else {
                    "flask"
                }
                .into(),
            );
            let got = if *level == UVX {
                parse_uvx(&args, &w)
            } else {
                parse(&args, &w)
            };
            n += 1;
            let names: Vec<String> = match &got {
                Ok(r) => r.targets.iter().filter_map(|t| t.name.clone()).collect(),
                Err(e) => vec![format!("error: {}", e.message)],
            };
            if names.iter().any(|x| x == "ruff" || x.starts_with("error"))
                || !names.iter().any(|x| x == "flask")
            {
                bad.push(format!("{words} {}: {names:?}", args.join(" ")));
            }
        }
    }
    assert!(n > 500, "only {n} cases");
    assert!(bad.is_empty(), "{} of {n}:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn the_resolution_scan_finds_the_command_its_options_and_the_tools_arguments() {
    let text = |s: &str| -> Vec<String> { s.split_whitespace().map(str::to_string).collect() };
    let s = scan(&text("-q add --dev x -- y"), false).unwrap();
    assert_eq!(s.command, Command::Add);
    assert_eq!(s.command_at, 1);
    assert_eq!(s.positionals, [3, 5]);
    assert!(s.options[0].global && !s.options[1].global);
    let s = scan(&text("sync --frozen"), false).unwrap();
    assert_eq!(s.command, Command::Sync);
    assert!(s.has(&["--frozen"]));
    let s = scan(&text("pip install -r r.txt a"), false).unwrap();
    assert_eq!(
        (s.command, s.command_at, s.positionals.clone()),
        (Command::PipInstall, 1, vec![4])
    );
    // uvx: the first positional is the command; what follows is the tool's, options included.
    let s = scan(&text("--from app==1 app --help -x"), true).unwrap();
    assert_eq!(s.command, Command::ToolRun);
    assert_eq!(s.positionals, [2, 3, 4]);
    let s = scan(&text("tool install --with a app"), false).unwrap();
    assert_eq!(s.command, Command::ToolInstall);
    assert!(scan(&text("add --help"), false).is_none());
    assert_eq!(
        scan(&text("remove x"), false).unwrap().command,
        Command::Remove
    );
    assert_eq!(
        scan(&text("export"), false).unwrap().command,
        Command::Export
    );
    assert!(scan(&text("tree"), false).is_none());
    let s = scan(&text("--directory d run --with a -- cmd --with b"), false).unwrap();
    assert_eq!(
        (s.command, s.command_at, s.positionals),
        (Command::Run, 2, vec![6, 7, 8])
    );
    assert!(s.options[0].global && !s.options[1].global);
    assert_eq!(s.options.len(), 2, "the command's own `--with` is not uv's");
    assert!(Scan::accepted_by("--upgrade-package", Command::Lock));
    assert!(!Scan::accepted_by("--inexact", Command::Lock));
}
