//! uv, uvx, pipx and poetry behind the shims (the real tools, pinned, from the setup step in
//! `tools.rs`), and `check` on every way they and pip install a known-malicious package
//! (`1337test`, MAL-2024-4720): exit 3, naming where the package came from. Installs use
//! local wheels with `--no-index --find-links` and `UV_OFFLINE`; nothing leaves the machine.

use std::path::Path;

use crate::pip::{build_wheel, build_wheel_with, venv};
use crate::sandbox::{Sandbox, assert_code, run, text};
use crate::tools::python_tools;

const BAD: &str = "1337test";

/// The decision of each guarded command, in order.
fn decisions(sb: &Sandbox) -> Vec<String> {
    sb.outcomes()
        .iter()
        .map(|r| r["decision"].as_str().unwrap_or_default().to_string())
        .collect()
}
const REPORT: &str = "MAL-2024-4720";

/// A sandbox whose PATH has the real uv, uvx, pipx and poetry behind the shims.
fn sandbox() -> Sandbox {
    let mut sb = Sandbox::new();
    let tools = python_tools();
    for name in ["uv", "uvx", "pipx", "poetry"] {
        std::os::unix::fs::symlink(tools.join(name), sb.path("bin").join(name)).unwrap();
    }
    sb.extra_path.push(venv().join("bin"));
    sb
}

fn write(sb: &Sandbox, rel: &str, body: &str) {
    let p = sb.work().join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// `installguard check --json -- <argv>` in the sandbox's work dir: exit 3, the malicious
/// finding for `1337test`, with the expected origin.
#[track_caller]
fn check_blocks(sb: &Sandbox, argv: &[&str], origin: &str) {
    let mut args = vec!["check", "--json", "--"];
    args.extend_from_slice(argv);
    let out = run(sb.ig(&args));
    assert_code(&out, 3);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let hit = json["findings"].as_array().unwrap().iter().any(|f| {
        f["rule"] == "malicious"
            && f["target"] == BAD
            && f["report"] == REPORT
            && f["origin"] == origin
    });
    assert!(hit, "{argv:?}: no malicious finding from {origin}: {json}");
    assert!(sb.log_records().is_empty(), "check logs nothing");
}

const PROJECT: &str =
    "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = [\n  \"1337test\",\n]\n";

#[test]
fn check_blocks_every_python_spelling_naming_the_origin() {
    let sb = Sandbox::new();
    write(&sb, "proj/pyproject.toml", PROJECT);
    write(&sb, "proj/app/__init__.py", "");
    write(
        &sb,
        "lib/setup.cfg",
        "[metadata]\nname = lib\n\n[options]\ninstall_requires =\n    six\n    1337test>=1\n",
    );
    write(
        &sb,
        "lib/setup.py",
        "from setuptools import setup\nsetup()\n",
    );
    write(
        &sb,
        "pyproject.toml",
        "[project]\nname = \"root\"\nversion = \"0.1\"\ndependencies = []\n\n[dependency-groups]\ndev = [\"1337test\"]\n",
    );
    write(
        &sb,
        "uv.lock",
        "version = 1\n\n[[package]]\nname = \"1337test\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
    );
    write(
        &sb,
        "tool.py",
        "# /// script\n# dependencies = [\n#   \"1337test\",\n# ]\n# ///\nprint('hi')\n",
    );
    write(
        &sb,
        "poetry.lock",
        "[[package]]\nname = \"1337test\"\nversion = \"1.0\"\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n",
    );
    write(&sb, "dist/1337test-1.0-py3-none-any.whl", "");
    for (argv, origin) in [
        // pip: the project counts, groups, pip's own runner module, file names.
        (&["pip", "install", "./proj"][..], "./proj/pyproject.toml:5"),
        (
            &["pip", "install", "-e", "./proj"],
            "./proj/pyproject.toml:5",
        ),
        (&["pip", "install", "./lib"], "./lib/setup.cfg:7"),
        (&["pip", "install", "--group", "dev"], "pyproject.toml:7"),
        (
            &["python3", "-m", "pip.__pip-runner__", "install", BAD],
            "argv",
        ),
        (
            &["pip", "install", "./dist/1337test-1.0-py3-none-any.whl"],
            "argv",
        ),
        (
            &[
                "pip",
                "install",
                "https://files.example/p/1337test-1.0.tar.gz",
            ],
            "argv",
        ),
        // uv.
        (&["uv", "pip", "install", BAD], "argv"),
        (&["uv", "add", BAD], "argv"),
        (&["uv", "sync"], "uv.lock:4"),
        (&["uv", "run", "tool.py"], "tool.py:3"),
        (&["uv", "run", "--with", BAD, "python"], "argv"),
        (&["uvx", BAD], "argv"),
        (&["uv", "tool", "install", BAD], "argv"),
        // pipx and poetry.
        (&["pipx", "install", BAD], "argv"),
        (&["pipx", "run", BAD], "argv"),
        (&["poetry", "add", BAD], "argv"),
        (&["poetry", "install"], "poetry.lock:2"),
        // Command words src/cmdline/words found unchecked: `uv check` syncs the project,
        // `poetry debug resolve` builds what it resolves.
        (&["uv", "check"], "uv.lock:4"),
        (&["poetry", "debug", "resolve", BAD], "argv"),
    ] {
        check_blocks(&sb, argv, origin);
    }
    // `pip install .` in the project directory itself.
    let mut c = sb.ig(&["check", "--json", "--", "pip", "install", "."]);
    c.current_dir(sb.work().join("proj"));
    let out = run(c);
    assert_code(&out, 3);
    assert!(
        text(&out.stdout).contains("pyproject.toml:5"),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn a_setup_py_only_project_is_a_hidden_dependencies_finding() {
    let sb = Sandbox::new();
    write(
        &sb,
        "legacy/setup.py",
        "from setuptools import setup\nsetup(install_requires=[])\n",
    );
    let out = run(sb.ig(&["check", "--json", "--", "pip", "install", "./legacy"]));
    assert_code(&out, 1);
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "hidden-dependencies")
        .unwrap_or_else(|| panic!("{json}"));
    assert_eq!(f["severity"], "warn");
    assert_eq!(f["origin"], "./legacy/setup.py:1");
}

/// `--version` through the shim is the real tool's output, byte for byte, and logs nothing.
#[test]
fn pass_through_is_byte_identical_for_uv_uvx_pipx_and_poetry() {
    let sb = sandbox();
    for (tool, args) in [
        ("uv", &["--version"][..]),
        ("uvx", &["--version"]),
        ("uv", &["pip", "list", "--help"]),
        ("pipx", &["--version"]),
        ("poetry", &["--version"]),
    ] {
        let through = run(sb.cmd(tool, args));
        let direct = run(sb.cmd(python_tools().join(tool).to_str().unwrap(), args));
        assert_code(&through, direct.status.code().unwrap());
        assert_eq!(
            text(&through.stdout),
            text(&direct.stdout),
            "{tool} {args:?}"
        );
        assert!(
            !through.stdout.is_empty(),
            "{tool} {args:?} printed nothing"
        );
    }
    assert!(
        sb.log_records().is_empty(),
        "pass-through commands are not install decisions"
    );
}

/// The real uv installs a clean local wheel through the shim, and never starts for a
/// malicious one.
#[test]
fn uv_pip_install_through_the_shim() {
    let sb = sandbox();
    let wheels = sb.path("wheels");
    build_wheel(&wheels, "igtest-clean", "1.0.0");
    build_wheel(&wheels, BAD, "1.0.0");
    let python = venv().join("bin/python");
    let install = |pkg: &str, target: &Path| {
        sb.cmd(
            "uv",
            &[
                "pip",
                "install",
                "--python",
                python.to_str().unwrap(),
                "--no-index",
                "--find-links",
                wheels.to_str().unwrap(),
                "--target",
                target.to_str().unwrap(),
                pkg,
            ],
        )
    };
    let clean = sb.path("clean");
    let out = run(install("igtest-clean", &clean));
    assert_code(&out, 0);
    assert!(
        clean.join("igtest_clean/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );
    let bad = sb.path("bad");
    let out = run(install(BAD, &bad));
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains(REPORT), "{}", text(&out.stderr));
    assert!(!bad.exists(), "uv must not have run");
    assert_eq!(
        decisions(&sb),
        ["allowed", "blocked"],
        "{:?}",
        sb.log_records()
    );
}

/// Blocked installs never start the tool: nothing appears where uv, pipx or poetry would write.
#[test]
fn blocked_uvx_pipx_and_poetry_never_start_the_tool() {
    let sb = sandbox();
    write(
        &sb,
        "pyproject.toml",
        "[project]\nname = \"app\"\nversion = \"0.1\"\ndependencies = []\n",
    );
    let before = std::fs::read(sb.work().join("pyproject.toml")).unwrap();
    for (tool, args) in [
        ("uvx", &[BAD][..]),
        ("uv", &["tool", "install", BAD]),
        ("uv", &["add", BAD]),
        ("pipx", &["install", BAD]),
        ("pipx", &["run", BAD]),
        ("poetry", &["add", BAD]),
        ("poetry", &["debug", "resolve", BAD]),
    ] {
        let out = run(sb.cmd(tool, args));
        assert_code(&out, 3);
        assert!(
            text(&out.stderr).contains(REPORT),
            "{tool} {args:?}: {}",
            text(&out.stderr)
        );
        assert!(out.stdout.is_empty(), "guard messages go to stderr only");
    }
    assert!(!sb.path("data/pipx").exists(), "pipx must not have run");
    assert!(!sb.path("cache/uv").exists(), "uv must not have run");
    assert!(!sb.work().join("uv.lock").exists() && !sb.work().join("poetry.lock").exists());
    assert_eq!(
        std::fs::read(sb.work().join("pyproject.toml")).unwrap(),
        before
    );
    let outcomes = sb.outcomes();
    assert_eq!(outcomes.len(), 7, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|r| r["decision"] == "blocked"),
        "{outcomes:?}"
    );
}

/// `uv venv --seed` installs pip (and setuptools and wheel) from the index: the real uv
/// through the shim is stopped when one of them is denied, and creates nothing; without
/// `--seed` it installs nothing and runs.
#[test]
fn uv_venv_seed_is_checked_through_the_shim() {
    let sb = sandbox();
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        "[packages]\ndeny = [\"pkg:pypi/setuptools\"]\n",
    )
    .unwrap();
    let python = venv().join("bin/python");
    let venv_cmd = |dir: &str, seed: bool| {
        let mut args = vec!["venv", "--python", python.to_str().unwrap(), "--offline"];
        if seed {
            args.push("--seed");
        }
        args.push(dir);
        sb.cmd("uv", &args)
    };
    let out = run(venv_cmd("seeded", true));
    assert_code(&out, 3);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("setuptools") && stderr.contains("denied by the user policy"),
        "{stderr}"
    );
    assert!(!sb.work().join("seeded").exists(), "uv must not have run");
    let mut env = venv_cmd("seeded-by-env", false);
    env.env("UV_VENV_SEED", "1");
    assert_code(&run(env), 3);
    assert!(!sb.work().join("seeded-by-env").exists());
    let out = run(venv_cmd("empty", false));
    assert_code(&out, 0);
    assert!(
        sb.work().join("empty/pyvenv.cfg").exists(),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        decisions(&sb),
        ["blocked", "blocked"],
        "{:?}",
        sb.log_records()
    );
}

/// The real pip through the shim: `pip install .`, `pip install -e .` and `pip install ./lib`
/// of a project that depends on a known-malicious package are blocked before pip starts.
#[test]
fn pip_install_of_a_project_with_a_malicious_dependency_is_blocked() {
    let sb = sandbox();
    write(&sb, "proj/pyproject.toml", PROJECT);
    write(&sb, "proj/app/__init__.py", "");
    write(
        &sb,
        "lib/setup.cfg",
        "[metadata]\nname = lib\nversion = 0.1\n\n[options]\ninstall_requires =\n    1337test\n",
    );
    write(
        &sb,
        "lib/setup.py",
        "from setuptools import setup\nsetup()\n",
    );
    let target = sb.path("target");
    for (dir, args, origin) in [
        ("proj", &["install", "."][..], "pyproject.toml:5"),
        ("proj", &["install", "-e", "."], "pyproject.toml:5"),
        ("", &["install", "./lib"], "./lib/setup.cfg:7"),
    ] {
        let mut all: Vec<&str> = vec!["--no-index", "--target", target.to_str().unwrap()];
        all.splice(0..0, args.iter().copied());
        let mut c = sb.cmd("pip", &all);
        c.current_dir(sb.work().join(dir));
        let out = run(c);
        assert_code(&out, 3);
        let err = text(&out.stderr);
        assert!(
            err.contains(REPORT) && err.contains(origin),
            "{args:?}: {err}"
        );
        assert!(!target.exists(), "pip must not have run");
    }
    let outcomes = sb.outcomes();
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes.iter().all(|r| r["decision"] == "blocked"),
        "{outcomes:?}"
    );
}

/// A PEP 503 index on 127.0.0.1 serving the wheels in `dir` (every `*.whl` there).
pub fn local_index(dir: &Path) -> crate::http::Server {
    use sha2::{Digest, Sha256};
    let mut files: Vec<(String, String, Vec<u8>)> = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let project = file
            .split('-')
            .next()
            .unwrap()
            .replace('_', "-")
            .to_lowercase();
        files.push((project, file, std::fs::read(&path).unwrap()));
    }
    crate::http::Server::start_replies(|url| {
        use crate::http::Reply;
        let mut routes = std::collections::HashMap::new();
        for (project, file, bytes) in &files {
            let digest: String = Sha256::digest(bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            let page = format!(
                "<!DOCTYPE html><html><body><a href=\"{url}/files/{file}#sha256={digest}\">{file}</a></body></html>"
            );
            routes.insert(
                format!("/simple/{project}/"),
                Reply::ok("text/html", page.clone()),
            );
            routes.insert(format!("/simple/{project}"), Reply::ok("text/html", page));
            routes.insert(
                format!("/files/{file}"),
                Reply::ok("application/octet-stream", bytes.clone()),
            );
        }
        routes
    })
}

/// The real poetry and `uv add` install a clean package from an index on 127.0.0.1 through the
/// shims, and never start for a malicious one.
#[test]
fn poetry_and_uv_add_install_from_a_local_index() {
    let sb = sandbox();
    let wheels = sb.path("wheels");
    build_wheel(&wheels, "igtest-clean", "1.0.0");
    build_wheel(&wheels, BAD, "1.0.0");
    let index = local_index(&wheels);
    let python = venv().join("bin/python");
    let project = |dir: &str, extra: &str| {
        write(
            &sb,
            &format!("{dir}/pyproject.toml"),
            &format!(
                "[project]\nname = \"app\"\nversion = \"0.1\"\nrequires-python = \">=3.9\"\ndependencies = []\n\n{extra}"
            ),
        );
    };
    // poetry: the index is the project's primary source.
    project(
        "p",
        &format!(
            "[tool.poetry]\npackage-mode = false\n\n[[tool.poetry.source]]\nname = \"local\"\nurl = \"{}/simple/\"\npriority = \"primary\"\n",
            index.url
        ),
    );
    let poetry = |args: &[&str]| {
        let mut c = sb.cmd("poetry", args);
        c.current_dir(sb.work().join("p"))
            .env("POETRY_VIRTUALENVS_IN_PROJECT", "true")
            .env("POETRY_VIRTUALENVS_PREFER_ACTIVE_PYTHON", "false")
            .env("POETRY_VIRTUALENVS_OPTIONS_NO_PIP", "true");
        run(c)
    };
    let out = poetry(&["env", "use", python.to_str().unwrap()]);
    assert_code(&out, 0);
    let out = poetry(&["add", "igtest-clean"]);
    assert_code(&out, 0);
    assert!(
        sb.work().join("p/poetry.lock").exists() && sb.work().join("p/.venv").exists(),
        "{}",
        text(&out.stderr)
    );
    let lock = std::fs::read_to_string(sb.work().join("p/poetry.lock")).unwrap();
    assert!(lock.contains("igtest-clean"), "{lock}");
    let before = std::fs::read(sb.work().join("p/pyproject.toml")).unwrap();
    let out = poetry(&["add", BAD]);
    assert_code(&out, 3);
    assert_eq!(
        std::fs::read(sb.work().join("p/pyproject.toml")).unwrap(),
        before
    );
    // A lock that names the malicious package: `poetry install` is blocked before it starts.
    std::fs::write(
        sb.work().join("p/poetry.lock"),
        lock.replace("igtest-clean", BAD)
            .replace("igtest_clean", BAD),
    )
    .unwrap();
    let out = poetry(&["install"]);
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("poetry.lock:"),
        "{}",
        text(&out.stderr)
    );

    // uv add: the same index as the project's default index.
    project(
        "u",
        &format!(
            "[[tool.uv.index]]\nurl = \"{}/simple/\"\ndefault = true\n",
            index.url
        ),
    );
    let uv = |args: &[&str]| {
        let mut c = sb.cmd("uv", args);
        c.current_dir(sb.work().join("u"))
            .env_remove("UV_OFFLINE")
            .env_remove("UV_NO_CONFIG")
            .env("UV_PYTHON", &python)
            .env("UV_PYTHON_DOWNLOADS", "never");
        run(c)
    };
    let out = uv(&["add", "igtest-clean"]);
    assert_code(&out, 0);
    assert!(
        std::fs::read_to_string(sb.work().join("u/uv.lock"))
            .unwrap()
            .contains("igtest-clean"),
        "{}",
        text(&out.stderr)
    );
    let out = uv(&["add", BAD]);
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains(REPORT), "{}", text(&out.stderr));
    assert!(
        !std::fs::read_to_string(sb.work().join("u/pyproject.toml"))
            .unwrap()
            .contains(BAD)
    );
    assert_eq!(
        decisions(&sb),
        ["allowed", "blocked", "blocked", "allowed", "blocked"],
        "{:?}",
        sb.log_records()
    );
}

/// The real pipx installs an application from local wheels through the shim (`--pip-args`
/// read with pip's grammar), and never starts for a malicious one.
#[test]
fn pipx_install_through_the_shim() {
    let sb = sandbox();
    let wheels = sb.path("wheels");
    build_wheel_with(&wheels, "igtest-app", "1.0.0", true);
    build_wheel_with(&wheels, BAD, "1.0.0", true);
    let pip_args = format!("--pip-args=--no-index --find-links {}", wheels.display());
    let pipx = |pkg: &str| {
        let mut c = sb.cmd(
            "pipx",
            &[
                "install",
                "--python",
                venv().join("bin/python").to_str().unwrap(),
                &pip_args,
                pkg,
            ],
        );
        // pipx's own housekeeping (upgrading its shared pip) must not reach the internet.
        c.env("PIP_INDEX_URL", "http://127.0.0.1:9/simple");
        run(c)
    };
    let out = pipx("igtest-app");
    assert_code(&out, 0);
    assert!(
        sb.path("data/pipx/bin/igtest-app").exists(),
        "{}",
        text(&out.stderr)
    );
    let out = pipx(BAD);
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains(REPORT), "{}", text(&out.stderr));
    assert!(
        !sb.path(&format!("data/pipx/venvs/{BAD}")).exists(),
        "pipx must not have run"
    );
    assert_eq!(
        decisions(&sb),
        ["allowed", "blocked"],
        "{:?}",
        sb.log_records()
    );
}

/// The real uvx and `uv tool install` run and install an application from local wheels through
/// the shim; the tool's output reaches stdout untouched.
#[test]
fn uvx_and_uv_tool_install_through_the_shim() {
    let sb = sandbox();
    let wheels = sb.path("wheels");
    build_wheel_with(&wheels, "igtest-app", "1.0.0", true);
    let python = venv().join("bin/python");
    let common = [
        "--no-index",
        "--find-links",
        wheels.to_str().unwrap(),
        "--python",
        python.to_str().unwrap(),
    ];
    let mut args = common.to_vec();
    args.push("igtest-app");
    let mut c = sb.cmd("uvx", &args);
    c.env("UV_TOOL_DIR", sb.path("data/uv-tools"));
    let out = run(c);
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "ran\n", "{}", text(&out.stderr));
    let mut args = vec!["tool", "install"];
    args.extend_from_slice(&common);
    args.push("igtest-app");
    let mut c = sb.cmd("uv", &args);
    c.env("UV_TOOL_DIR", sb.path("data/uv-tools"))
        .env("UV_TOOL_BIN_DIR", sb.path("data/uv-bin"));
    let out = run(c);
    assert_code(&out, 0);
    assert!(
        sb.path("data/uv-bin/igtest-app").exists(),
        "{}",
        text(&out.stderr)
    );
    let outcomes = sb.outcomes();
    assert_eq!(outcomes.len(), 2, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|r| r["decision"] == "allowed"),
        "{outcomes:?}"
    );
}
