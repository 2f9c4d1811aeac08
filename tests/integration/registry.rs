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

/// Make `name-1.0.0.tgz` (a `package/` directory with package.json and index.js), with a
/// `postinstall` script when given.
fn tarball(dir: &Path, name: &str, postinstall: Option<&str>) -> Vec<u8> {
    let out = dir.join(format!("{}.tgz", name.replace('/', "-")));
    let script = r#"
import io, json, sys, tarfile
out, name, postinstall = sys.argv[1], sys.argv[2], sys.argv[3]
manifest = {"name": name, "version": "1.0.0", "main": "index.js"}
if postinstall:
    manifest["scripts"] = {"postinstall": postinstall}
files = {"package/package.json": json.dumps(manifest),
         "package/index.js": "module.exports = 'ok';\n"}
with tarfile.open(out, "w:gz") as t:
    for path, body in files.items():
        data = body.encode()
        info = tarfile.TarInfo(path); info.size = len(data); info.mode = 0o644
        t.addfile(info, io.BytesIO(data))
"#;
    let st = Command::new("python3")
        .args(["-c", script])
        .arg(&out)
        .arg(name)
        .arg(postinstall.unwrap_or(""))
        .env_remove("INSTALLGUARD_ACTIVE")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

/// A package the registry serves: name, publication time, postinstall script, tarball.
type Served<'a> = (&'a str, Option<String>, Option<String>, Vec<u8>);

impl Registry {
    /// Serve `packages` (all at version 1.0.0) until the test process ends.
    pub fn start(dir: &Path, packages: &[&str]) -> Registry {
        let dated: Vec<(&str, Option<&str>)> = packages.iter().map(|&n| (n, None)).collect();
        Registry::start_dated(dir, &dated)
    }

    /// Like [`Registry::start`], each package with the RFC 3339 time it was published (its
    /// packument's `time.created` and `time["1.0.0"]`), or none (no `time` at all).
    pub fn start_dated(dir: &Path, packages: &[(&str, Option<&str>)]) -> Registry {
        let tarballs: Vec<Served> = packages
            .iter()
            .map(|&(n, t)| (n, t.map(str::to_string), None, tarball(dir, n, None)))
            .collect();
        Registry::serve(tarballs)
    }

    /// Like [`Registry::start`], each package with a `postinstall` script when given.
    pub fn start_with_scripts(dir: &Path, packages: &[(&str, Option<&str>)]) -> Registry {
        let tarballs: Vec<Served> = packages
            .iter()
            .map(|&(n, script)| (n, None, script.map(str::to_string), tarball(dir, n, script)))
            .collect();
        Registry::serve(tarballs)
    }

    fn serve(tarballs: Vec<Served>) -> Registry {
        let server = Server::start_with(|url| {
            let mut docs = std::collections::HashMap::new();
            for (name, time, postinstall, tgz) in tarballs {
                let integrity = format!("sha512-{}", base64(&sha2::Sha512::digest(&tgz)));
                let tar_path = format!("/{name}/-/{}-1.0.0.tgz", name.rsplit('/').next().unwrap());
                let mut doc = serde_json::json!({
                    "name": name,
                    "dist-tags": {"latest": "1.0.0"},
                    "versions": {"1.0.0": {
                        "name": name, "version": "1.0.0",
                        "dist": {"tarball": format!("{url}{tar_path}"), "integrity": integrity}
                    }}
                });
                if let Some(p) = postinstall {
                    doc["versions"]["1.0.0"]["scripts"] = serde_json::json!({"postinstall": p});
                    doc["versions"]["1.0.0"]["hasInstallScript"] = true.into();
                }
                if let Some(t) = time {
                    doc["time"] = serde_json::json!({"created": t, "modified": t, "1.0.0": t});
                }
                docs.insert(
                    format!("/{}", name.replace('/', "%2f")),
                    doc.to_string().into_bytes(),
                );
                docs.insert(tar_path, tgz);
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
