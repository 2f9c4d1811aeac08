//! The install-time code a Python install runs, from its targets (pip, uv, pipx and poetry
//! alike): a local project directory is built (its `setup.py` or build backend: the project's
//! own code when it is the working directory, else a local directory's), an sdist file or URL
//! and a VCS requirement are built, a local wheel is opened to list the `.pth` files it ships,
//! and index packages may be built from sdists, which cannot be known before resolving. Reads
//! files through [`World`] only; the extraction is `scripts::pip`.

use std::path::{Component, Path, PathBuf};

use super::reqfile::file_url_path;
use super::requirement::strip_extras;
use crate::cmdline::World;
use crate::ecosystem::{Ecosystem, pypi_archive};
use crate::request::{Origin, Target, TargetKind};
use crate::scripts::{self, Owner, Script};

/// Local wheels larger than this are not opened (their `.pth` files are then unseen).
const MAX_WHEEL: usize = 256 << 20;

/// `cwd/p` without `.` and `..`, for comparing directories.
fn absolute(cwd: &Path, p: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for c in cwd.join(p).components() {
        match c {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other.as_os_str()),
        }
    }
    out
}

fn file_of(spec: &str) -> &str {
    let s = spec.split(['#', '?']).next().unwrap_or(spec);
    s.rsplit('/').next().unwrap_or(s)
}

/// The install-time code of `targets` (PyPI ones; others are ignored).
pub(crate) fn install_time_code(world: &dyn World, targets: &[Target]) -> Vec<Script> {
    let mut out = Vec::new();
    let mut index: Vec<(String, Origin)> = Vec::new();
    let mut seen_dirs: Vec<PathBuf> = Vec::new();
    for t in targets.iter().filter(|t| t.ecosystem == Ecosystem::Pypi) {
        let spec = t.spec.as_deref().unwrap_or("");
        let local = match t.kind {
            TargetKind::Path => Some(strip_extras(spec).to_string()),
            TargetKind::Url if spec.to_ascii_lowercase().starts_with("file:") => {
                Some(file_url_path(spec.split('#').next().unwrap_or(spec)).to_string())
            }
            _ => None,
        };
        match (t.kind, local) {
            (_, Some(path)) if world.is_dir(Path::new(&path)) => {
                let abs = absolute(world.cwd(), &path);
                if seen_dirs.contains(&abs) {
                    continue;
                }
                seen_dirs.push(abs.clone());
                let text = |name: &str| world.read_file(&Path::new(&path).join(name)).ok();
                let pyproject =
                    text("pyproject.toml").map(|b| String::from_utf8_lossy(&b).into_owned());
                let setup_py = text("setup.py");
                let owner = if abs == world.cwd() {
                    Owner::Project
                } else {
                    Owner::Local
                };
                let mut s = scripts::pip::local_build(
                    &path,
                    pyproject.as_deref(),
                    setup_py.as_deref(),
                    owner,
                    t.origin.clone(),
                );
                s.package.clone_from(&t.name);
                s.dir = Some(abs.display().to_string());
                out.push(s);
            }
            (_, Some(path)) if path.to_ascii_lowercase().ends_with(".whl") => {
                out.extend(local_wheel(world, &path, t));
            }
            (_, Some(path)) => {
                let nv = pypi_archive(file_of(&path));
                out.push(scripts::pip::fetched_build(
                    nv.as_ref().map(|(n, _)| n.as_str()).or(t.name.as_deref()),
                    nv.as_ref().map(|(_, v)| v.as_str()),
                    spec,
                    t.origin.clone(),
                ));
            }
            (TargetKind::Url, None) if file_of(spec).to_ascii_lowercase().ends_with(".whl") => {
                out.push(Script::unseen(
                    Ecosystem::Pypi,
                    t.name.as_deref(),
                    format!("{spec}: whether this wheel ships .pth files is not visible before it is downloaded"),
                    t.origin.clone(),
                ));
            }
            (TargetKind::Url | TargetKind::Git, None) => {
                let nv = pypi_archive(file_of(spec));
                out.push(scripts::pip::fetched_build(
                    t.name.as_deref(),
                    nv.as_ref().map(|(_, v)| v.as_str()),
                    spec,
                    t.origin.clone(),
                ));
            }
            (TargetKind::Registry | TargetKind::Alias, None) => {
                if let Some(n) = &t.name
                    && !index.iter().any(|(m, _)| m == n)
                {
                    index.push((n.clone(), t.origin.clone()));
                }
            }
            _ => {}
        }
    }
    if let Some((_, origin)) = index.first() {
        let mut s = Script::unseen(
            Ecosystem::Pypi,
            None,
            format!(
                "{} and their dependencies: any of them without a wheel for this platform is built from its sdist, running its setup.py or build backend; which ones is not known before resolving (--only-binary=:all: prevents it)",
                scripts::some_names(index.iter().map(|(n, _)| n.as_str()))
            ),
            origin.clone(),
        );
        s.until_resolved = true;
        out.push(s);
    }
    out
}

/// The `.pth` files of a local wheel (or why they cannot be seen).
fn local_wheel(world: &dyn World, path: &str, t: &Target) -> Vec<Script> {
    let nv = pypi_archive(file_of(path));
    let (name, version) = (
        nv.as_ref().map(|(n, _)| n.as_str()).or(t.name.as_deref()),
        nv.as_ref().map(|(_, v)| v.as_str()),
    );
    let unseen = |why: String| {
        let mut s = Script::unseen(
            Ecosystem::Pypi,
            name,
            format!("{path}: {why}; its .pth files (if any) were not looked at"),
            t.origin.clone(),
        );
        s.version = version.map(str::to_string);
        s
    };
    let bytes = match world.read_file(Path::new(path)) {
        Ok(b) if b.len() <= MAX_WHEEL => b,
        Ok(_) => return vec![unseen(format!("larger than {} MiB", MAX_WHEEL >> 20))],
        Err(e) => return vec![unseen(format!("cannot be read ({e})"))],
    };
    match scripts::pip::wheel_pth(&bytes) {
        Ok(files) => files
            .iter()
            .map(|(file, what)| {
                scripts::pip::pth_script(name, version, file, what, t.origin.clone())
            })
            .collect(),
        Err(e) => vec![unseen(format!("not a readable wheel ({e})"))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmdline::testworld::MemWorld;
    use crate::scripts::Kind;

    fn target(kind: TargetKind, name: Option<&str>, spec: &str) -> Target {
        let mut t = Target::unnamed(Ecosystem::Pypi, kind, spec, Origin::Argv);
        t.name = name.map(str::to_string);
        t
    }

    #[test]
    fn local_dirs_sdists_vcs_and_index_packages() {
        let w = MemWorld::new()
            .dir(".")
            .dir("../lib")
            .file("setup.py", "open('x','a')\n")
            .file(
                "../lib/pyproject.toml",
                "[build-system]\nrequires=[\"flit_core\"]\nbuild-backend=\"flit_core.buildapi\"\n",
            );
        let targets = [
            target(TargetKind::Path, None, "."),
            target(TargetKind::Path, None, "../lib[extra]"),
            target(TargetKind::Path, None, "./dist/foo-1.0.tar.gz"),
            target(
                TargetKind::Git,
                Some("bar"),
                "git+https://example.com/bar.git",
            ),
            Target::registry(Ecosystem::Pypi, "requests", None, Origin::Argv),
            Target::registry(Ecosystem::Pypi, "flask", None, Origin::Argv),
        ];
        let got = install_time_code(&w, &targets);
        let kinds: Vec<(Owner, Kind, Option<&str>)> = got
            .iter()
            .map(|s| (s.owner, s.kind, s.package.as_deref()))
            .collect();
        assert_eq!(
            kinds,
            [
                (Owner::Project, Kind::Build, None),
                (Owner::Local, Kind::Build, None),
                (Owner::Dependency, Kind::Build, Some("foo")),
                (Owner::Dependency, Kind::Build, Some("bar")),
                (Owner::Dependency, Kind::Unseen, None),
            ]
        );
        assert!(
            got[0]
                .command
                .as_deref()
                .unwrap()
                .starts_with("./setup.py via setuptools")
        );
        assert_eq!(got[0].dir.as_deref(), Some("/project"));
        assert!(
            got[1]
                .command
                .as_deref()
                .unwrap()
                .starts_with("flit_core.buildapi")
        );
        assert!(
            got[4]
                .command
                .as_deref()
                .unwrap()
                .starts_with("requests, flask and their dependencies")
        );
    }

    #[test]
    fn a_local_wheel_is_opened_for_pth_files() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            z.start_file("litellm_init.pth", zip::write::SimpleFileOptions::default())
                .unwrap();
            z.write_all(b"import os\n").unwrap();
            z.finish().unwrap();
        }
        let mut w = MemWorld::new();
        w.files.insert(
            PathBuf::from("/project/w/evil-1.0-py3-none-any.whl"),
            buf.into_inner(),
        );
        w.files.insert(
            PathBuf::from("/project/w/bad-1.0-py3-none-any.whl"),
            b"junk".to_vec(),
        );
        let got = install_time_code(
            &w,
            &[
                target(TargetKind::Path, None, "w/evil-1.0-py3-none-any.whl"),
                target(TargetKind::Path, None, "w/bad-1.0-py3-none-any.whl"),
                target(TargetKind::Url, None, "https://x/y/z-1.0-py3-none-any.whl"),
            ],
        );
        assert_eq!(got[0].kind, Kind::Pth);
        assert_eq!(got[0].who(), "evil@1.0");
        assert_eq!(
            got[0].command.as_deref(),
            Some("litellm_init.pth runs `import os`")
        );
        assert_eq!(got[1].kind, Kind::Unseen);
        assert!(
            got[1]
                .command
                .as_deref()
                .unwrap()
                .contains("not a readable wheel")
        );
        assert_eq!(got[2].kind, Kind::Unseen);
    }
}
