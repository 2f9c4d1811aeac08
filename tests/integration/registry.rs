//! A tiny npm registry on 127.0.0.1 for the tests: serves packuments and tarballs of packages
//! the test builds, and records every path requested (so a test can prove a blocked install
//! never fetched anything).

use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use sha2::Digest;

use crate::http::Server;

pub struct Registry {
    pub url: String,
    pub requests: Arc<Mutex<Vec<String>>>,
}

fn base64(bytes: &[u8]) -> String {
    const T: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n =
            chunk.iter().fold(0u32, |acc, &b| acc << 8 | u32::from(b)) << (8 * (3 - chunk.len()));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(T[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// One package the registry serves, with its dependencies and an optional install script.
#[derive(Clone, Default)]
pub struct Pkg {
    pub name: String,
    pub version: String,
    pub deps: Vec<(String, String)>,
    /// A `postinstall` script (npm then sets `hasInstallScript` in the packument).
    pub postinstall: Option<String>,
    /// A bin named after the package that prints its arguments as a JSON array (no newline).
    pub bin: bool,
}

impl Pkg {
    pub fn new(name: &str) -> Pkg {
        Pkg {
            name: name.to_string(),
            version: "1.0.0".to_string(),
            ..Pkg::default()
        }
    }

    pub fn version(mut self, v: &str) -> Pkg {
        self.version = v.to_string();
        self
    }

    pub fn dep(mut self, name: &str, range: &str) -> Pkg {
        self.deps.push((name.to_string(), range.to_string()));
        self
    }

    pub fn bin(mut self) -> Pkg {
        self.bin = true;
        self
    }

    pub fn postinstall(mut self, script: &str) -> Pkg {
        self.postinstall = Some(script.to_string());
        self
    }

    fn manifest(&self) -> serde_json::Value {
        let mut m =
            serde_json::json!({"name": self.name, "version": self.version, "main": "index.js"});
        if !self.deps.is_empty() {
            m["dependencies"] = self
                .deps
                .iter()
                .map(|(n, r)| (n.clone(), serde_json::json!(r)))
                .collect();
        }
        if let Some(s) = &self.postinstall {
            m["scripts"] = serde_json::json!({"postinstall": s});
        }
        if self.bin {
            m["bin"] = serde_json::json!({ self.name.rsplit('/').next().unwrap(): "cli.js" });
        }
        m
    }
}

/// Make the package's tarball (a `package/` directory with package.json and index.js).
fn tarball(dir: &Path, pkg: &Pkg) -> Vec<u8> {
    let out = dir.join(format!(
        "{}-{}.tgz",
        pkg.name.replace('/', "-"),
        pkg.version
    ));
    let script = r#"
import io, json, sys, tarfile
out, manifest = sys.argv[1], sys.argv[2]
files = {"package/package.json": manifest,
         "package/index.js": "module.exports = 'ok';\n"}
if "bin" in json.loads(manifest):
    files["package/cli.js"] = '#!/usr/bin/env node\nprocess.stdout.write(JSON.stringify(process.argv.slice(2)))\n'
with tarfile.open(out, "w:gz") as t:
    for path, body in files.items():
        data = body.encode()
        info = tarfile.TarInfo(path); info.size = len(data); info.mode = 0o755
        t.addfile(info, io.BytesIO(data))
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(&out)
        .arg(pkg.manifest().to_string())
        .env_remove("INSTALLGUARD_ACTIVE")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

impl Registry {
    /// Serve `packages` (all at version 1.0.0) until the test process ends.
    pub fn start(dir: &Path, packages: &[&str]) -> Registry {
        let dated: Vec<(&str, Option<&str>)> = packages.iter().map(|&n| (n, None)).collect();
        Registry::start_dated(dir, &dated)
    }

    /// Like [`Registry::start`], each package with the RFC 3339 time it was published (its
    /// packument's `time.created` and `time["1.0.0"]`), or none (no `time` at all).
    pub fn start_dated(dir: &Path, packages: &[(&str, Option<&str>)]) -> Registry {
        let pkgs: Vec<(Pkg, Option<&str>)> =
            packages.iter().map(|&(n, t)| (Pkg::new(n), t)).collect();
        Registry::serve(dir, &pkgs)
    }

    /// Like [`Registry::start`], each package with a `postinstall` script when given.
    pub fn start_with_scripts(dir: &Path, packages: &[(&str, Option<&str>)]) -> Registry {
        let pkgs: Vec<Pkg> = packages
            .iter()
            .map(|&(n, script)| match script {
                Some(s) => Pkg::new(n).postinstall(s),
                None => Pkg::new(n),
            })
            .collect();
        Registry::start_tree(dir, &pkgs)
    }

    /// Serve a tree of packages (dependencies, install scripts), none dated.
    pub fn start_tree(dir: &Path, packages: &[Pkg]) -> Registry {
        Registry::start_tree_dated(dir, packages, None)
    }

    /// Like [`Registry::start_tree`], every package published at `time` when given.
    pub fn start_tree_dated(dir: &Path, packages: &[Pkg], time: Option<&str>) -> Registry {
        let pkgs: Vec<(Pkg, Option<&str>)> = packages.iter().map(|p| (p.clone(), time)).collect();
        Registry::serve(dir, &pkgs)
    }

    fn serve(dir: &Path, packages: &[(Pkg, Option<&str>)]) -> Registry {
        std::fs::create_dir_all(dir).unwrap();
        let tarballs: Vec<(Pkg, Option<String>, Vec<u8>)> = packages
            .iter()
            .map(|(p, t)| (p.clone(), t.map(str::to_string), tarball(dir, p)))
            .collect();
        let server = Server::start_with(|url| {
            let mut docs = std::collections::HashMap::new();
            let mut packuments: std::collections::BTreeMap<String, serde_json::Value> =
                std::collections::BTreeMap::new();
            for (pkg, time, tgz) in tarballs {
                let name = pkg.name.as_str();
                let v = pkg.version.as_str();
                let integrity = format!("sha512-{}", base64(&sha2::Sha512::digest(&tgz)));
                let tar_path = format!("/{name}/-/{}-{v}.tgz", name.rsplit('/').next().unwrap());
                let mut version = pkg.manifest();
                version["dist"] = serde_json::json!({"tarball": format!("{url}{tar_path}"), "integrity": integrity});
                if pkg.postinstall.is_some() {
                    version["hasInstallScript"] = serde_json::json!(true);
                }
                let doc = packuments.entry(name.to_string()).or_insert_with(
                    || serde_json::json!({"name": name, "dist-tags": {}, "versions": {}}),
                );
                doc["versions"][v] = version;
                doc["dist-tags"]["latest"] = serde_json::json!(v);
                if let Some(t) = time {
                    doc["time"] = serde_json::json!({"created": t, "modified": t, v: t});
                }
                docs.insert(tar_path, tgz);
            }
            for (name, doc) in packuments {
                docs.insert(
                    format!("/{}", name.replace('/', "%2f")),
                    doc.to_string().into_bytes(),
                );
            }
            docs
        });
        Registry {
            url: server.url,
            requests: server.requests,
        }
    }

    pub fn seen(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
