//! `installguard update` end to end: real OSV sample feeds (tests/fixtures/osv) served on
//! 127.0.0.1 or read from a directory, bad feeds rejected with the old data kept in place.

use std::collections::HashMap;
use std::path::Path;

use crate::http::Server;
use crate::sandbox::{Sandbox, assert_code, run, text};

fn fixture(eco: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/osv")
        .join(eco)
        .join("all.zip");
    std::fs::read(p).unwrap()
}

fn feed_server(npm: Vec<u8>, pypi: Vec<u8>) -> Server {
    let mut routes = HashMap::new();
    routes.insert("/osv/npm/all.zip".to_string(), npm);
    routes.insert("/osv/PyPI/all.zip".to_string(), pypi);
    Server::start(routes)
}

fn data_file(sb: &Sandbox) -> std::path::PathBuf {
    sb.path("data/installguard/reputation.igrep")
}

fn check_verdict(sb: &Sandbox, args: &[&str]) -> String {
    let mut all = vec!["check", "--json", "--"];
    all.extend_from_slice(args);
    let out = run(sb.ig(&all));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    doc["verdict"].as_str().unwrap().to_string()
}

/// The real npm sample feed plus one report the embedded data cannot know about.
fn npm_feed_with_a_new_report() -> Vec<u8> {
    let npm = fixture("npm");
    let mut out = Vec::new();
    let mut src = zip::ZipArchive::new(std::io::Cursor::new(&npm)).unwrap();
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
    for i in 0..src.len() {
        z.raw_copy_file(src.by_index(i).unwrap()).unwrap();
    }
    z.start_file("MAL-2099-7.json", zip::write::SimpleFileOptions::default())
        .unwrap();
    let report = r#"{"id":"MAL-2099-7","modified":"2099-01-02T00:00:00Z","published":"2099-01-01T00:00:00Z",
        "affected":[{"package":{"ecosystem":"npm","name":"igtest-newly-malicious"},
        "ranges":[{"type":"SEMVER","events":[{"introduced":"0"}]}]}]}"#;
    std::io::Write::write_all(&mut z, report.as_bytes()).unwrap();
    z.finish().unwrap();
    out
}

#[test]
fn update_from_a_local_server_adds_newer_reports_and_check_uses_them() {
    let sb = Sandbox::new();
    assert_eq!(
        check_verdict(&sb, &["npm", "install", "igtest-newly-malicious"]),
        "allow"
    );
    let server = feed_server(npm_feed_with_a_new_report(), fixture("PyPI"));
    let out = run(sb.ig(&["update", "--from", &format!("{}/osv", server.url)]));
    assert_code(&out, 0);
    let err = text(&out.stderr);
    assert!(
        err.contains("123 malicious reports") && err.contains("141 malicious reports"),
        "{err}"
    );
    assert!(err.contains("sha256 "), "{err}");
    assert_eq!(server.seen(), ["/osv/npm/all.zip", "/osv/PyPI/all.zip"]);
    assert!(data_file(&sb).exists());
    assert_eq!(
        check_verdict(&sb, &["npm", "install", "igtest-newly-malicious"]),
        "block"
    );
    // The version-aware ranges of a real report survive the import.
    assert_eq!(
        check_verdict(&sb, &["npm", "install", "@solana/web3.js@1.95.7"]),
        "block"
    );
    assert_eq!(
        check_verdict(&sb, &["npm", "install", "@solana/web3.js@1.95.8"]),
        "allow"
    );
    let out = run(sb.ig(&["doctor"]));
    assert!(
        text(&out.stdout).contains("installguard/reputation.igrep"),
        "{}",
        text(&out.stdout)
    );
    let out = run(sb.ig(&["check", "--json", "--", "npm", "install", "lodash"]));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        doc["data"]["origin"]
            .as_str()
            .unwrap()
            .ends_with("reputation.igrep")
    );
}

#[test]
fn update_from_a_directory_works_offline() {
    let sb = Sandbox::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/osv");
    let out = run(sb.ig(&["update", "--from", dir.to_str().unwrap()]));
    assert_code(&out, 0);
    assert!(data_file(&sb).exists());
}

#[test]
fn bad_feeds_give_clear_errors_and_keep_the_old_data() {
    let sb = Sandbox::new();
    let good = feed_server(fixture("npm"), fixture("PyPI"));
    assert_code(
        &run(sb.ig(&["update", "--from", &format!("{}/osv", good.url)])),
        0,
    );
    let before = std::fs::read(data_file(&sb)).unwrap();

    let npm = fixture("npm");
    let truncated = feed_server(npm[..npm.len() / 2].to_vec(), fixture("PyPI"));
    let mut bad_json = Vec::new();
    {
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut bad_json));
        z.start_file("MAL-2099-1.json", zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut z, b"{\"id\": \"MAL-2099-1\", \"affected\": [").unwrap();
        z.finish().unwrap();
    }
    let invalid = feed_server(bad_json, fixture("PyPI"));
    let mut wrong_layout = HashMap::new();
    wrong_layout.insert("/osv/npm/all.zip".to_string(), fixture("npm"));
    let missing_pypi = Server::start(wrong_layout);

    for (name, url, extra, want) in [
        (
            "truncated zip",
            format!("{}/osv", truncated.url),
            None,
            "npm/all.zip: not a valid zip",
        ),
        (
            "invalid JSON",
            format!("{}/osv", invalid.url),
            None,
            "MAL-2099-1.json: invalid OSV JSON",
        ),
        (
            "wrong layout",
            format!("{}/osv", missing_pypi.url),
            None,
            "PyPI/all.zip: not found (404)",
        ),
        (
            "oversized",
            format!("{}/osv", good.url),
            Some("1000"),
            "larger than the 1000-byte limit",
        ),
        (
            "plain http elsewhere",
            "http://192.0.2.1/osv".to_string(),
            None,
            "refusing plain http",
        ),
    ] {
        let mut args = vec!["update", "--from", url.as_str()];
        if let Some(max) = extra {
            args.extend(["--max-bytes", max]);
        }
        let out = run(sb.ig(&args));
        assert_code(&out, 5);
        let err = text(&out.stderr);
        assert!(err.contains(want), "{name}: {err}");
        assert!(
            err.contains("previous reputation data stays in use"),
            "{name}: {err}"
        );
        assert_eq!(
            std::fs::read(data_file(&sb)).unwrap(),
            before,
            "{name}: data changed"
        );
    }
}

#[test]
fn an_older_or_much_smaller_feed_needs_force() {
    let sb = Sandbox::new();
    let good = feed_server(fixture("npm"), fixture("PyPI"));
    assert_code(
        &run(sb.ig(&["update", "--from", &format!("{}/osv", good.url)])),
        0,
    );
    // A feed holding only one of the npm reports: far smaller than the previous import.
    let npm = fixture("npm");
    let mut small = Vec::new();
    {
        let mut src = zip::ZipArchive::new(std::io::Cursor::new(&npm)).unwrap();
        let mut z = zip::ZipWriter::new(std::io::Cursor::new(&mut small));
        let first = src.by_index(0).unwrap();
        z.raw_copy_file(first).unwrap();
        z.finish().unwrap();
    }
    let shrunk = feed_server(small, fixture("PyPI"));
    let url = format!("{}/osv", shrunk.url);
    let out = run(sb.ig(&["update", "--from", &url]));
    assert_code(&out, 5);
    let err = text(&out.stderr);
    assert!(
        err.contains("looks truncated") || err.contains("older than"),
        "{err}"
    );
    assert_code(&run(sb.ig(&["update", "--from", &url, "--force"])), 0);
}

#[test]
fn the_policy_can_point_updates_at_an_organisations_mirror() {
    let sb = Sandbox::new();
    let mirror = feed_server(fixture("npm"), fixture("PyPI"));
    let dir = sb.path("config/installguard");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("policy.toml"),
        format!("[data]\nfeed = \"{}/osv\"\n", mirror.url),
    )
    .unwrap();
    assert_code(&run(sb.ig(&["update"])), 0);
    assert_eq!(mirror.seen(), ["/osv/npm/all.zip", "/osv/PyPI/all.zip"]);
    // A project file cannot redirect updates.
    std::fs::write(
        sb.work().join(".installguard.toml"),
        "[data]\nfeed = \"https://evil.example\"\n",
    )
    .unwrap();
    let out = run(sb.ig(&["update"]));
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains("policy is invalid"),
        "{}",
        text(&out.stderr)
    );
}
