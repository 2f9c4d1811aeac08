//! Python's install-time code from parsed data: the build backend that building a local
//! project, an sdist or a VCS checkout runs (named from `pyproject.toml`'s `[build-system]`, or
//! `setup.py`), and the `.pth` files a wheel ships (its lines starting with `import` run at every
//! interpreter start). Pure: takes file contents; reading them is the caller's job. The TOML and
//! zip readers run under `contain`, so a hostile file is an error, never a crash.

use std::io::Read;

use super::{Kind, Owner, Script, digest};
use crate::ecosystem::Ecosystem;
use crate::request::Origin;

/// What `[build-system]` says: the backend and its requirements (PEP 517/518 defaults when
/// absent: setuptools' legacy backend).
pub fn build_system(pyproject: Option<&str>) -> (String, Vec<String>) {
    const LEGACY: &str = "setuptools.build_meta:__legacy__";
    let Some(text) = pyproject else {
        return (LEGACY.into(), vec!["setuptools".into()]);
    };
    let parsed = crate::contain::contain(|| text.parse::<toml_edit::DocumentMut>());
    let Ok(Ok(doc)) = parsed else {
        return (LEGACY.into(), vec!["setuptools".into()]);
    };
    let bs = doc.get("build-system");
    let backend = bs
        .and_then(|b| b.get("build-backend"))
        .and_then(|v| v.as_str())
        .unwrap_or(LEGACY)
        .to_string();
    let requires = bs
        .and_then(|b| b.get("requires"))
        .and_then(|v| v.as_array())
        .map_or_else(
            || vec!["setuptools".into()],
            |a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_string))
                    .collect()
            },
        );
    (backend, requires)
}

/// Building a local project directory: what runs, and a digest of the files that hold the
/// code (`setup.py`, the `[build-system]` table), so an approval covers exactly that.
pub fn local_build(
    shown: &str,
    pyproject: Option<&str>,
    setup_py: Option<&[u8]>,
    owner: Owner,
    origin: Origin,
) -> Script {
    let (backend, requires) = build_system(pyproject);
    let mut s = Script::new(Ecosystem::Pypi, owner, Kind::Build, origin);
    s.event = Some("build".into());
    s.command = Some(match setup_py {
        Some(_) => format!(
            "{shown}/setup.py via {backend} (build requires: {})",
            requires.join(", ")
        ),
        None => format!("{backend} (build requires: {})", requires.join(", ")),
    });
    s.dir = Some(shown.to_string());
    let req = requires.join("\n");
    s.digest = Some(digest(&[
        backend.as_bytes(),
        req.as_bytes(),
        setup_py.unwrap_or_default(),
    ]));
    s
}

/// Building something fetched: an sdist (file or URL) or a VCS checkout.
pub fn fetched_build(
    name: Option<&str>,
    version: Option<&str>,
    spec: &str,
    origin: Origin,
) -> Script {
    let mut s = Script::new(Ecosystem::Pypi, Owner::Dependency, Kind::Build, origin);
    s.package = name.map(str::to_string);
    s.version = version.map(str::to_string);
    s.event = Some("build".into());
    s.command = Some(format!(
        "{spec}: its setup.py or build backend runs to build it (text not visible before fetching)"
    ));
    s
}

/// The `.pth` files at the top of a wheel (or in its `.data/purelib|platlib`, which land in
/// site-packages too), each with the line that runs code (`import ...`), else its first line
/// (a path added to `sys.path`). Reads the central directory and the `.pth` members only.
pub fn wheel_pth(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    crate::contain::contain(|| wheel_pth_inner(bytes))
        .map_err(|panic| format!("the zip reader failed on it ({panic})"))?
}

fn wheel_pth_inner(bytes: &[u8]) -> Result<Vec<(String, String)>, String> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for i in 0..z.len() {
        let mut f = z.by_index(i).map_err(|e| e.to_string())?;
        let name = f.name().map_err(|e| e.to_string())?.to_string();
        let top = match name.split_once('/') {
            None => true,
            Some((first, rest)) => {
                first.ends_with(".data")
                    && (rest.starts_with("purelib/") || rest.starts_with("platlib/"))
                    && rest.matches('/').count() == 1
            }
        };
        if !top || !name.ends_with(".pth") {
            continue;
        }
        let mut text = Vec::new();
        (&mut f)
            .take(64 * 1024)
            .read_to_end(&mut text)
            .map_err(|e| format!("{name}: {e}"))?;
        let text = String::from_utf8_lossy(&text);
        let lines: Vec<&str> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect();
        let shown = lines
            .iter()
            .find(|l| l.starts_with("import ") || l.starts_with("import\t"))
            .map(|l| format!("runs `{l}`"))
            .or_else(|| lines.first().map(|l| format!("adds `{l}` to sys.path")))
            .unwrap_or_else(|| "empty".into());
        out.push((name.rsplit('/').next().unwrap_or(&name).to_string(), shown));
    }
    Ok(out)
}

/// A script entry for one `.pth` file of a wheel.
pub fn pth_script(
    name: Option<&str>,
    version: Option<&str>,
    file: &str,
    what: &str,
    origin: Origin,
) -> Script {
    let mut s = Script::new(Ecosystem::Pypi, Owner::Dependency, Kind::Pth, origin);
    s.package = name.map(str::to_string);
    s.version = version.map(str::to_string);
    s.event = Some(file.to_string());
    s.command = Some(format!("{file} {what}"));
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn wheel(files: &[(&str, &str)]) -> Vec<u8> {
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut z = zip::ZipWriter::new(&mut buf);
            for (n, body) in files {
                z.start_file(*n, zip::write::SimpleFileOptions::default())
                    .unwrap();
                z.write_all(body.as_bytes()).unwrap();
            }
            z.finish().unwrap();
        }
        buf.into_inner()
    }

    #[test]
    fn pth_files_in_a_wheel() {
        let w = wheel(&[
            ("pkg/__init__.py", ""),
            ("evil_init.pth", "# comment\nimport os; os.system('id')\n"),
            ("paths.pth", "/opt/x\n"),
            ("pkg/inner.pth", "import nope\n"),
            ("pkg-1.0.data/purelib/data.pth", "import data\n"),
        ]);
        let got = wheel_pth(&w).unwrap();
        assert_eq!(
            got,
            [
                (
                    "evil_init.pth".to_string(),
                    "runs `import os; os.system('id')`".to_string()
                ),
                ("paths.pth".into(), "adds `/opt/x` to sys.path".into()),
                ("data.pth".into(), "runs `import data`".into()),
            ]
        );
        assert!(wheel_pth(b"not a zip").is_err());
    }

    #[test]
    fn backends() {
        assert_eq!(build_system(None).0, "setuptools.build_meta:__legacy__");
        let (b, r) = build_system(Some(
            "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n",
        ));
        assert_eq!(
            (b.as_str(), r),
            ("hatchling.build", vec!["hatchling".to_string()])
        );
        assert_eq!(
            build_system(Some("not [ toml")).0,
            "setuptools.build_meta:__legacy__"
        );
        let a = local_build(".", None, Some(b"print(1)"), Owner::Project, Origin::Argv);
        let b = local_build(".", None, Some(b"print(2)"), Owner::Project, Origin::Argv);
        assert_ne!(a.digest, b.digest);
        assert!(a.command.unwrap().starts_with("./setup.py via setuptools"));
    }
}
