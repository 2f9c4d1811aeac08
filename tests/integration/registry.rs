//! A tiny npm registry on 127.0.0.1 for the tests: serves packuments and tarballs of packages
//! the test builds, and records every path requested (so a test can prove a blocked install
//! never fetched anything).

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};

use sha2::Digest;

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

/// Make `name-1.0.0.tgz` (a `package/` directory with package.json and index.js).
fn tarball(dir: &Path, name: &str) -> Vec<u8> {
    let out = dir.join(format!("{}.tgz", name.replace('/', "-")));
    let script = r#"
import io, json, sys, tarfile
out, name = sys.argv[1], sys.argv[2]
files = {"package/package.json": json.dumps({"name": name, "version": "1.0.0", "main": "index.js"}),
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
        .env_remove("INSTALLGUARD_ACTIVE")
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::read(out).unwrap()
}

impl Registry {
    /// Serve `packages` (all at version 1.0.0) until the test process ends.
    pub fn start(dir: &Path, packages: &[&str]) -> Registry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let mut docs = std::collections::HashMap::new();
        for &name in packages {
            let tgz = tarball(dir, name);
            let integrity = format!("sha512-{}", base64(&sha2::Sha512::digest(&tgz)));
            let tar_path = format!("/{name}/-/{}-1.0.0.tgz", name.rsplit('/').next().unwrap());
            let doc = serde_json::json!({
                "name": name,
                "dist-tags": {"latest": "1.0.0"},
                "versions": {"1.0.0": {
                    "name": name, "version": "1.0.0",
                    "dist": {"tarball": format!("{url}{tar_path}"), "integrity": integrity}
                }}
            });
            docs.insert(
                format!("/{}", name.replace('/', "%2f")),
                doc.to_string().into_bytes(),
            );
            docs.insert(tar_path, tgz);
        }
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).map_or(true, |n| n == 0) || h == "\r\n" {
                        break;
                    }
                }
                seen.lock().unwrap().push(path.clone());
                let key = path.replace("%2F", "%2f");
                let (status, body) = match docs.get(&key) {
                    Some(b) => ("200 OK", b.clone()),
                    None => ("404 Not Found", b"{}".to_vec()),
                };
                let ctype = if key.ends_with(".tgz") {
                    "application/octet-stream"
                } else {
                    "application/json"
                };
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(&body);
            }
        });
        Registry { url, requests }
    }

    pub fn seen(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}
