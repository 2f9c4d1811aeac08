use super::*;
use crate::cmdline::cases::{argv, check_results};
use crate::cmdline::pip;
use crate::cmdline::testworld::MemWorld;
use proptest::prelude::*;

/// Local projects of every layout pip builds (cwd is /project).
fn world() -> MemWorld {
    MemWorld::new()
        .file(
            "p621/pyproject.toml",
            r#"[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "P621"
dependencies = [
  "requests>=2",
  "1337test",
]

[project.optional-dependencies]
dev = ["pytest", "p621[Docs]"]
docs = ["sphinx==7.0"]
"#,
        )
        .dir("p621")
        .file(
            "hatch/pyproject.toml",
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"hatch\"\ndynamic = [\"dependencies\", \"version\"]\n",
        )
        .dir("hatch")
        .file(
            "stdyn/pyproject.toml",
            "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n[project]\nname = \"stdyn\"\ndynamic = [\"dependencies\", \"optional-dependencies\"]\n[tool.setuptools.dynamic]\ndependencies = {file = [\"requirements.in\"]}\noptional-dependencies.extra = {file = \"extra.in\"}\n",
        )
        .file("stdyn/requirements.in", "# pinned\nattrs==23.1\n\nclick\n")
        .file("stdyn/extra.in", "rich\n")
        .dir("stdyn")
        .file(
            "lib/setup.cfg",
            "[metadata]\nname = lib\n\n[options]\npackages = find:\ninstall_requires =\n    requests>=2\n    # a comment\n    reqeusts ; python_version>'3'\nsetup_requires = setuptools_scm\n\n[options.extras_require]\nfast = ujson\nother = nothing\n",
        )
        .file("lib/setup.py", "from setuptools import setup\nsetup()\n")
        .dir("lib")
        .file("semi/setup.cfg", "[options]\ninstall_requires = a; b>=1\n")
        .file("semi/pyproject.toml", "[build-system]\nrequires = [\"setuptools\"]\n")
        .dir("semi")
        .file("cfgfile/setup.cfg", "[options]\ninstall_requires = file: reqs.txt\n")
        .file("cfgfile/reqs.txt", "flask\n")
        .file("cfgfile/setup.py", "")
        .dir("cfgfile")
        .file("legacy/setup.py", "setup(install_requires=compute())\n")
        .dir("legacy")
        .file(
            "poet/pyproject.toml",
            "[tool.poetry]\nname = \"poet\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\nrequests = \"2.31.0\"\nflask = { version = \"^3.0\", optional = true }\ngitdep = { git = \"https://github.com/x/gitdep.git\" }\nmulti = [{ version = \"<2\", python = \"<3.10\" }, { version = \">=2\", python = \">=3.10\" }]\n[tool.poetry.extras]\nweb = [\"flask\"]\n[build-system]\nrequires = [\"poetry-core\"]\nbuild-backend = \"poetry.core.masonry.api\"\n",
        )
        .dir("poet")
        .file("badtoml/pyproject.toml", "[project\nname = 1\n")
        .dir("badtoml")
        .file("badreq/pyproject.toml", "[project]\nname = \"x\"\ndependencies = [\"ok\", \"not a req!\"]\n")
        .dir("badreq")
        .file("badtype/pyproject.toml", "[project]\nname = \"x\"\ndependencies = \"requests\"\n")
        .dir("badtype")
        .file(
            "pyproject.toml",
            "[dependency-groups]\ntest = [\"pytest\", {include-group = \"lint\"}]\nlint = [\"ruff\"]\nloop-a = [{include-group = \"Loop_B\"}]\nloop-b = [{include-group = \"loop-a\"}]\nbad = [{other = 1}]\n[project]\nname = \"root\"\ndependencies = []\n",
        )
        .file("wheels/evil-1.0-py3-none-any.whl", "")
        .file("dist/1337test-2.0.tar.gz", "")
        .dir("wheels")
        .dir("dist")
        .dir(".")
}

/// (argv after `pip`, expected).
#[rustfmt::skip]
const CASES: &[(&str, &str)] = &[
    ("install ./p621", "path:./p621 | setuptools >=61 <./p621/pyproject.toml:2> | wheel <./p621/pyproject.toml:2> | requests >=2 <./p621/pyproject.toml:8> | 1337test <./p621/pyproject.toml:9>"),
    ("install -e ./p621", "path:./p621 | setuptools >=61 <./p621/pyproject.toml:2> | wheel <./p621/pyproject.toml:2> | requests >=2 <./p621/pyproject.toml:8> | 1337test <./p621/pyproject.toml:9>"),
    ("install p621/", "path:p621/ | setuptools >=61 <p621/pyproject.toml:2> | wheel <p621/pyproject.toml:2> | requests >=2 <p621/pyproject.toml:8> | 1337test <p621/pyproject.toml:9>"),
    // Extras, a self-reference pulling another extra, case and separators normalised.
    ("install ./p621[DEV]", "path:./p621[DEV] | setuptools >=61 <./p621/pyproject.toml:2> | wheel <./p621/pyproject.toml:2> | requests >=2 <./p621/pyproject.toml:8> | 1337test <./p621/pyproject.toml:9> | pytest <./p621/pyproject.toml:13> | sphinx ==7.0 <./p621/pyproject.toml:14>"),
    ("install ./p621[docs]", "path:./p621[docs] | setuptools >=61 <./p621/pyproject.toml:2> | wheel <./p621/pyproject.toml:2> | requests >=2 <./p621/pyproject.toml:8> | 1337test <./p621/pyproject.toml:9> | sphinx ==7.0 <./p621/pyproject.toml:14>"),
    // The same project twice is read once.
    ("install ./p621 -e ./p621", "path:./p621 | setuptools >=61 <./p621/pyproject.toml:2> | wheel <./p621/pyproject.toml:2> | requests >=2 <./p621/pyproject.toml:8> | 1337test <./p621/pyproject.toml:9> | path:./p621"),
    // Dynamic dependencies: a backend's code decides.
    ("install ./hatch", "path:./hatch | hatchling <./hatch/pyproject.toml:2> | dynamic-dependencies:./hatch/pyproject.toml declares its dependencies `dynamic`: the build backend `hatchling.build` computes them <./hatch/pyproject.toml:7>"),
    // setuptools fills dynamic fields from files it names.
    ("install ./stdyn[extra]", "path:./stdyn[extra] | setuptools <./stdyn/pyproject.toml:2> | attrs ==23.1 <./stdyn/requirements.in:2> | click <./stdyn/requirements.in:4> | rich <./stdyn/extra.in:1>"),
    // setup.cfg: install_requires line by line, setup_requires, a requested extra.
    ("install ./lib", "path:./lib | requests >=2 <./lib/setup.cfg:7> | reqeusts <./lib/setup.cfg:9> | setuptools_scm <./lib/setup.cfg:10>"),
    ("install ./lib[fast]", "path:./lib[fast] | requests >=2 <./lib/setup.cfg:7> | reqeusts <./lib/setup.cfg:9> | setuptools_scm <./lib/setup.cfg:10> | ujson <./lib/setup.cfg:13>"),
    ("install ./semi", "path:./semi | setuptools <./semi/pyproject.toml:2> | a <./semi/setup.cfg:2> | b >=1 <./semi/setup.cfg:2>"),
    ("install ./cfgfile", "path:./cfgfile | flask <./cfgfile/reqs.txt:1>"),
    // setup.py alone: nothing declared.
    ("install ./legacy", "path:./legacy | dynamic-dependencies:./legacy/setup.py computes the dependencies when it runs at build time <./legacy/setup.py:1>"),
    // poetry-core projects: [tool.poetry.dependencies], optional ones through extras.
    ("install ./poet", "path:./poet | poetry-core <./poet/pyproject.toml:12> | requests ==2.31.0 <./poet/pyproject.toml:5> | git:gitdep https://github.com/x/gitdep.git <./poet/pyproject.toml:7> | multi <2 <./poet/pyproject.toml:8> | multi >=2 <./poet/pyproject.toml:8>"),
    ("install ./poet[web]", "path:./poet[web] | poetry-core <./poet/pyproject.toml:12> | requests ==2.31.0 <./poet/pyproject.toml:5> | flask ^3.0 <./poet/pyproject.toml:6> | git:gitdep https://github.com/x/gitdep.git <./poet/pyproject.toml:7> | multi <2 <./poet/pyproject.toml:8> | multi >=2 <./poet/pyproject.toml:8>"),
    // The current directory: `.` (its pyproject has no dependencies).
    ("install .", "path:."),
    ("install -e .", "path:."),
    // Bad manifests are errors naming the file and line.
    ("install ./badtoml", "!file: ./badtoml/pyproject.toml:1: not valid TOML*"),
    ("install ./badreq", "!file: ./badreq/pyproject.toml:3: invalid requirement \"not a req!\"*"),
    ("install ./badtype", "!file: ./badtype/pyproject.toml:3: [project] dependencies must be an array of strings"),
    // PEP 735 groups: include-group followed, names normalised, cycles refused.
    ("install --group test", "manifest:pyproject.toml:test | pytest <pyproject.toml:2> | ruff <pyproject.toml:3>"),
    ("install --group loop-a", "!file: pyproject.toml:4: dependency group cycle: loop-a -> loop-b -> loop-a"),
    ("install --group bad", "!file: pyproject.toml:6: a dependency group entry must be a string or {include-group = \"name\"}"),
    // Archives name their project and version.
    ("install ./wheels/evil-1.0-py3-none-any.whl", "path:evil ./wheels/evil-1.0-py3-none-any.whl"),
    ("install dist/1337test-2.0.tar.gz", "path:1337test dist/1337test-2.0.tar.gz"),
    ("install https://files.example/p/1337test-2.0.tar.gz", "url:1337test https://files.example/p/1337test-2.0.tar.gz"),
    ("install 'x @ https://files.example/p/x-1.0-py3-none-any.whl'", "url:x https://files.example/p/x-1.0-py3-none-any.whl"),
];

#[test]
fn local_projects_through_pip() {
    let w = world();
    check_results(
        CASES
            .iter()
            .map(|(line, want)| (format!("pip {line}"), *want, pip::parse(&argv(line), &w))),
    );
}

#[test]
fn archive_targets_carry_their_version() {
    let w = world();
    for (line, name, version) in [
        ("install ./wheels/evil-1.0-py3-none-any.whl", "evil", "1.0"),
        ("install https://h/p/1337test-2.0.tar.gz", "1337test", "2.0"),
        ("install 1337test==3.1", "1337test", "3.1"),
    ] {
        let req = pip::parse(&argv(line), &w).unwrap();
        let t = &req.targets[0];
        assert_eq!(t.name.as_deref(), Some(name), "{line}");
        assert_eq!(t.pinned_version().as_deref(), Some(version), "{line}");
    }
}

#[test]
fn pep723_blocks() {
    let w = MemWorld::new()
        .file("ok.py", "# /// script\n# requires-python = \">=3.11\"\n# dependencies = [\"rich\", \"1337test==1\"]\n# ///\n")
        .file("none.py", "print('hi')\n")
        .file("two.py", "# /// script\n# dependencies = []\n# ///\nx = 1\n# /// script\n# ///\n")
        .file("open.py", "# /// script\n# dependencies = []\nx = 1\n")
        .file("other.py", "# /// pyproject\n# x = 1\n# ///\n")
        .file("badtoml.py", "# /// script\n# dependencies = [\n# ///\n");
    let meta = script_metadata(&w, "ok.py").unwrap().unwrap();
    let mut out = Vec::new();
    script_dependencies(&meta, &mut out).unwrap();
    let got: Vec<String> = out
        .iter()
        .map(|t| format!("{} {}", t.label(), t.origin))
        .collect();
    assert_eq!(got, ["rich ok.py:3", "1337test ok.py:3"]);
    assert!(script_metadata(&w, "none.py").unwrap().is_none());
    assert!(script_metadata(&w, "other.py").unwrap().is_none());
    for (file, want) in [
        ("two.py", "two.py:5: a second `# /// script` block"),
        (
            "open.py",
            "open.py:1: the `# /// script` block is not closed",
        ),
        ("badtoml.py", "badtoml.py:2: not valid TOML"),
        ("missing.py", "missing.py: no such script"),
    ] {
        let e = script_metadata(&w, file).err().unwrap();
        assert!(e.message.starts_with(want), "{file}: {}", e.message);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]
    /// Hostile manifests never panic: every reader either reads or names the file.
    #[test]
    fn manifests_never_panic(
        pyproject in "[-a-z=\\[\\]{}\"., \n#]{0,120}",
        cfg in "[-a-z=\\[\\]:;., \n#]{0,80}",
        script in "[-a-z=\\[\\]\"/#, \n]{0,80}",
        extra in "[a-z\\[\\],]{0,6}",
    ) {
        let w = MemWorld::new()
            .file("p/pyproject.toml", &pyproject)
            .file("p/setup.cfg", &cfg)
            .file("p/s.py", &format!("# /// script\n{script}\n# ///\n"))
            .file("p/setup.py", "")
            .dir("p");
        let _ = pip::parse(&argv(&format!("install ./p{extra}")), &w);
        let _ = pip::parse(&argv("install --group p/pyproject.toml:x"), &w);
        let _ = script_metadata(&w, "p/s.py");
    }
}
