//! Registry signals against an npm registry and a PEP 691 index served on 127.0.0.1: a package
//! first published 2 days ago is flagged and an 8-year-old one is not; a name the registry
//! lacks is flagged; npm's security placeholder and a PEP 792 quarantined project are blocked;
//! a dead registry (silent, or refusing) costs at most 3 s and leaves the offline verdict; the
//! answers are cached; credentials are never sent. Through `check` and through the shims in
//! front of the real npm and pip.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::http::{self, Reply, Server};
use crate::registry::Registry;
use crate::sandbox::{Sandbox, assert_code, run, text};

const DAY: i64 = 86_400;
const PEP691: &str = "application/vnd.pypi.simple.v1+json";

fn now() -> i64 {
    installguard::time::now_unix()
}

/// RFC 3339 time `days` ago.
fn ago(days: i64) -> String {
    installguard::time::format_rfc3339(now() - days * DAY)
}

/// A user policy that lets registry signals ask `urls` (the test's own servers).
fn allow_asking(sb: &Sandbox, urls: &[&str]) {
    let dir = sb.path("config/installguard");
    std::fs::create_dir_all(&dir).unwrap();
    let list: Vec<String> = urls.iter().map(|u| format!("\"{u}\"")).collect();
    std::fs::write(
        dir.join("policy.toml"),
        format!("[signals]\nregistries = [{}]\n", list.join(", ")),
    )
    .unwrap();
}

fn check(sb: &Sandbox, args: &[&str]) -> (i32, serde_json::Value, Duration) {
    let mut all = vec!["check", "--json", "--"];
    all.extend_from_slice(args);
    let start = Instant::now();
    let out = run(sb.ig(&all));
    let took = start.elapsed();
    let doc = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}\n{}", text(&out.stdout), text(&out.stderr)));
    (out.status.code().unwrap(), doc, took)
}

/// The findings of the registry rules, as (rule, severity).
fn registry_findings(doc: &serde_json::Value) -> Vec<(String, String)> {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["registry"].is_object())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn finding<'a>(doc: &'a serde_json::Value, rule: &str) -> &'a serde_json::Value {
    doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {doc:#}"))
}

fn packument(name: &str, versions: &[(&str, String)], latest: &str) -> Vec<u8> {
    let mut time = serde_json::Map::new();
    time.insert("created".into(), versions[0].1.clone().into());
    let mut vs = serde_json::Map::new();
    for (v, t) in versions {
        time.insert(v.to_string(), t.clone().into());
        vs.insert(
            v.to_string(),
            serde_json::json!({"name": name, "version": v}),
        );
    }
    serde_json::json!({"name": name, "dist-tags": {"latest": latest}, "versions": vs, "time": time})
        .to_string()
        .into_bytes()
}

/// An npm registry that knows `igsig-fresh` (2 days old), `igsig-old` (8 years),
/// `igsig-held` (npm's security placeholder) and nothing else.
fn npm_registry() -> Server {
    Server::start_replies(|_| {
        let json = "application/json";
        HashMap::from([
            (
                "/igsig-fresh".to_string(),
                Reply::ok(
                    json,
                    packument("igsig-fresh", &[("1.0.0", ago(2))], "1.0.0"),
                ),
            ),
            (
                "/igsig-old".to_string(),
                Reply::ok(
                    json,
                    packument(
                        "igsig-old",
                        &[("1.0.0", ago(8 * 365)), ("1.1.0", ago(400))],
                        "1.1.0",
                    ),
                ),
            ),
            (
                "/igsig-held".to_string(),
                Reply::ok(
                    json,
                    packument(
                        "igsig-held",
                        &[("0.0.1-security", ago(30))],
                        "0.0.1-security",
                    ),
                ),
            ),
        ])
    })
}

/// A PEP 691 project page: `files` are (file name, upload time); `status` a PEP 792 status.
fn project(name: &str, files: &[(&str, String)], status: Option<&str>) -> Vec<u8> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(f, t)| {
            serde_json::json!({"filename": f, "url": format!("../../files/{f}"), "hashes": {}, "upload-time": t})
        })
        .collect();
    let mut doc = serde_json::json!({"meta": {"api-version": "1.4"}, "name": name, "files": files});
    if let Some(s) = status {
        doc["project-status"] = serde_json::json!({"status": s, "reason": "malware report"});
    }
    doc.to_string().into_bytes()
}

/// A PEP 691 index that knows `igsig-fresh` (2 days old), `igsig-old` (8 years),
/// `igsig-quarantined` (PEP 792) and nothing else.
fn pypi_index() -> Server {
    Server::start_replies(|_| {
        HashMap::from([
            (
                "/simple/igsig-fresh/".to_string(),
                Reply::ok(
                    PEP691,
                    project(
                        "igsig-fresh",
                        &[("igsig_fresh-1.0-py3-none-any.whl", ago(2))],
                        None,
                    ),
                ),
            ),
            (
                "/simple/igsig-old/".to_string(),
                Reply::ok(
                    PEP691,
                    project(
                        "igsig-old",
                        &[
                            ("igsig-old-1.0.tar.gz", ago(8 * 365)),
                            ("igsig_old-1.1-py3-none-any.whl", ago(400)),
                        ],
                        None,
                    ),
                ),
            ),
            (
                "/simple/igsig-quarantined/".to_string(),
                Reply::ok(
                    PEP691,
                    project("igsig-quarantined", &[], Some("quarantined")),
                ),
            ),
        ])
    })
}

/// Assert a check's exit code, that its registry findings are exactly `rule` at `severity`
/// (none when `rule` is empty), and that the message has `phrase`. Returns that finding.
fn expect(
    got: (i32, serde_json::Value, Duration),
    code: i32,
    rule: &str,
    severity: &str,
    phrase: &str,
) -> serde_json::Value {
    let (got_code, doc, _) = got;
    assert_eq!(got_code, code, "{doc:#}");
    let want: Vec<(String, String)> = if rule.is_empty() {
        Vec::new()
    } else {
        vec![(rule.into(), severity.into())]
    };
    assert_eq!(registry_findings(&doc), want, "{doc:#}");
    if rule.is_empty() {
        return serde_json::Value::Null;
    }
    let f = finding(&doc, rule).clone();
    assert!(f["message"].as_str().unwrap().contains(phrase), "{f:#}");
    f
}

#[test]
fn npm_registry_signals() {
    let sb = Sandbox::new();
    let reg = npm_registry();
    allow_asking(&sb, &[&reg.url]);
    let npm = |name: &str| check(&sb, &["npm", "install", "--registry", &reg.url, name]);

    let f = expect(npm("igsig-fresh"), 1, "new-package", "warn", "2 days ago");
    assert_eq!(f["registry"]["url"], format!("{}/igsig-fresh", reg.url));
    let first = f["registry"]["first_published"].as_str().unwrap();
    assert_eq!(first[..10], ago(2)[..10]);
    expect(npm("igsig-old"), 0, "", "", "");
    expect(
        npm("igsig-missing"),
        1,
        "unknown-package",
        "warn",
        "slopsquatting",
    );
    expect(
        npm("igsig-held"),
        3,
        "registry-flagged",
        "block",
        "0.0.1-security",
    );
    // Exactly one question per package, and none for a popular name.
    expect(npm("lodash"), 0, "", "", "");
    assert_eq!(
        reg.seen(),
        [
            "/igsig-fresh",
            "/igsig-old",
            "/igsig-missing",
            "/igsig-held"
        ]
    );
}

#[test]
fn pep_691_index_signals() {
    let sb = Sandbox::new();
    let idx = pypi_index();
    let simple = format!("{}/simple/", idx.url);
    allow_asking(&sb, &[&simple]);
    let pip = |name: &str| check(&sb, &["pip", "install", "--index-url", &simple, name]);

    let f = expect(pip("igsig-fresh"), 1, "new-package", "warn", "2 days ago");
    assert_eq!(f["registry"]["url"], format!("{simple}igsig-fresh/"));
    expect(pip("igsig-old==1.0"), 0, "", "", "");
    expect(
        pip("IGSIG_Missing"),
        1,
        "unknown-package",
        "warn",
        "slopsquatting",
    );
    let q = "has quarantined `igsig-quarantined` (PEP 792: malware report)";
    expect(pip("igsig-quarantined"), 3, "registry-flagged", "block", q);
    assert_eq!(
        idx.seen(),
        [
            "/simple/igsig-fresh/",
            "/simple/igsig-old/",
            "/simple/igsig-missing/",
            "/simple/igsig-quarantined/"
        ]
    );
    // PEP 691 content negotiation: JSON asked for first.
    let headers = idx.headers.lock().unwrap().clone();
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("accept: application/vnd.pypi.simple.v1+json")),
        "{headers:?}"
    );
}

#[test]
fn dead_registries_cost_at_most_3_s_and_leave_the_offline_verdict() {
    for (what, url) in [("silent", http::silent()), ("refusing", http::refusing())] {
        for eco in ["npm", "pip"] {
            let sb = Sandbox::new();
            allow_asking(&sb, &[&url]);
            let args: Vec<&str> = match eco {
                "npm" => vec!["npm", "install", "--registry", &url, "lodahs", "igsig-x"],
                _ => vec!["pip", "install", "--index-url", &url, "reqeusts", "igsig-x"],
            };
            let (code, doc, took) = check(&sb, &args);
            assert!(took <= Duration::from_secs(3), "{what} {eco}: {took:?}");
            // The offline verdict stands: the typo warns, nothing else does.
            assert_eq!(code, 1, "{what} {eco}: {doc:#}");
            assert_eq!(doc["findings"][0]["rule"], "imitation");
            let f = finding(&doc, "registry-unavailable");
            assert_eq!(f["severity"], "info");
            let m = f["message"].as_str().unwrap();
            assert!(
                m.contains("`igsig-x`") && m.contains("offline checks still apply"),
                "{m}"
            );
            if what == "silent" {
                assert!(m.contains("no answer within the 2 s budget"), "{m}");
            }
            // The next command does not wait for it again.
            let (code, doc, took) = check(&sb, &args);
            assert!(
                took <= Duration::from_secs(1),
                "{what} {eco} again: {took:?}"
            );
            assert_eq!(code, 1);
            let m = finding(&doc, "registry-unavailable")["message"]
                .as_str()
                .unwrap()
                .to_string();
            assert!(m.contains("not asked again until"), "{m}");
        }
    }
}

#[test]
fn answers_are_cached_as_facts() {
    let sb = Sandbox::new();
    let reg = npm_registry();
    allow_asking(&sb, &[&reg.url]);
    let args = [
        "npm",
        "install",
        "--registry",
        &reg.url,
        "igsig-fresh",
        "igsig-missing",
    ];
    let (_, first, _) = check(&sb, &args);
    let (_, second, _) = check(&sb, &args);
    assert_eq!(reg.seen().len(), 2, "{:?}", reg.seen());
    assert_eq!(registry_findings(&first), registry_findings(&second));
    assert_eq!(
        registry_findings(&second),
        [
            ("new-package".into(), "warn".into()),
            ("unknown-package".into(), "warn".into())
        ]
    );
    // The cache keeps facts, so a policy with a shorter age judges the same answer anew.
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        format!(
            "[signals]\nregistries = [\"{}\"]\nnew-package-age = \"1d\"\n",
            reg.url
        ),
    )
    .unwrap();
    let (_, third, _) = check(&sb, &args);
    assert_eq!(reg.seen().len(), 2);
    assert_eq!(
        registry_findings(&third),
        [("unknown-package".into(), "warn".into())]
    );
}

#[test]
fn credentials_never_leave_the_machine() {
    let sb = Sandbox::new();
    let reg = npm_registry();
    allow_asking(&sb, &[&reg.url]);
    let host = reg.url.trim_start_matches("http://");
    // A registry URL with credentials is not asked at all.
    let with_userinfo = format!("http://user:hunter2@{host}/");
    let (_, doc, _) = check(
        &sb,
        &[
            "npm",
            "install",
            "--registry",
            &with_userinfo,
            "igsig-fresh",
        ],
    );
    assert!(reg.seen().is_empty(), "{:?}", reg.seen());
    let f = finding(&doc, "registry-unavailable");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("never sends credentials"),
        "{f:#}"
    );
    assert!(!doc.to_string().contains("hunter2"), "{doc:#}");
    // A token for the registry in .npmrc stays there.
    std::fs::write(
        sb.work().join(".npmrc"),
        format!(
            "registry={}/\n//{host}/:_authToken=npm_SECRETTOKEN123\n",
            reg.url
        ),
    )
    .unwrap();
    let (code, doc, _) = check(&sb, &["npm", "install", "igsig-fresh"]);
    assert_eq!(code, 1, "{doc:#}");
    assert_eq!(reg.seen(), ["/igsig-fresh"]);
    let headers = reg.headers.lock().unwrap().clone();
    assert!(
        !headers.iter().any(|h| h.starts_with("authorization")
            || h.starts_with("cookie")
            || h.contains("SECRET")),
        "{headers:?}"
    );
}

#[test]
fn popular_names_and_no_index_ask_nothing() {
    let sb = Sandbox::new();
    let idx = pypi_index();
    let simple = format!("{}/simple/", idx.url);
    allow_asking(&sb, &[&simple]);
    let (code, _, _) = check(&sb, &["pip", "install", "-i", &simple, "requests", "numpy"]);
    assert_eq!(code, 0);
    let (_, doc, _) = check(
        &sb,
        &[
            "pip",
            "install",
            "-i",
            &simple,
            "--no-index",
            "-f",
            "./wheels",
            "igsig-fresh",
        ],
    );
    assert_eq!(registry_findings(&doc), Vec::<(String, String)>::new());
    let mut c = sb.ig(&[
        "check",
        "--json",
        "--",
        "pip",
        "install",
        "-i",
        &simple,
        "igsig-fresh",
    ]);
    c.env("PIP_NO_INDEX", "yes");
    assert_code(&run(c), 0);
    assert!(idx.seen().is_empty(), "{:?}", idx.seen());
}

#[test]
fn signals_can_be_turned_off() {
    let sb = Sandbox::new();
    let reg = npm_registry();
    let mut c = sb.ig(&[
        "check",
        "--",
        "npm",
        "install",
        "--registry",
        &reg.url,
        "igsig-fresh",
    ]);
    c.env(
        "INSTALLGUARD_POLICY_SET",
        format!(
            "signals.enabled=false; signals.registries=[\"{}\"]",
            reg.url
        ),
    );
    assert_code(&run(c), 0);
    assert!(reg.seen().is_empty());
}

#[test]
fn the_test_sandbox_never_asks_the_internet() {
    // The default registries are public hosts: the sandbox's debug-only switch refuses them
    // before any connection is made, and says so.
    let sb = Sandbox::new();
    let (code, doc, took) = check(&sb, &["pip", "install", "igsig-anything"]);
    assert_eq!(code, 0, "{doc:#}");
    assert!(took < Duration::from_secs(1), "{took:?}");
    let m = finding(&doc, "registry-unavailable")["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        m.contains("pypi.org/simple") && m.contains("test sandbox"),
        "{m}"
    );
}

// ------------------------------------------------------------------------------------------
// Through the shims, in front of the real npm and pip.

#[test]
fn npm_installs_an_old_package_and_stops_a_new_one() {
    let sb = Sandbox::new();
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name":"proj","version":"1.0.0"}"#,
    )
    .unwrap();
    let old = ago(8 * 365);
    let fresh = ago(2);
    let reg = Registry::start_dated(
        &sb.path("cache"),
        &[
            ("igsig-old", Some(old.as_str())),
            ("igsig-fresh", Some(fresh.as_str())),
        ],
    );
    allow_asking(&sb, &[&reg.url]);
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igsig-old"]));
    assert_code(&out, 0);
    assert!(sb.work().join("node_modules/igsig-old/index.js").exists());

    let before = reg.seen().len();
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igsig-fresh"]));
    assert_code(&out, 4);
    let err = text(&out.stderr);
    assert!(
        err.contains("[new-package]") && err.contains("2 days ago"),
        "{err}"
    );
    assert!(
        err.contains(&format!("registry: {}/igsig-fresh", reg.url)),
        "{err}"
    );
    assert!(err.contains("rules.new-package = \"warn\""), "{err}");
    // Only installguard's own question reached the registry: npm never ran.
    assert_eq!(reg.seen()[before..], ["/igsig-fresh"]);
    assert!(!sb.work().join("node_modules/igsig-fresh").exists());
    let log = sb.outcomes();
    assert_eq!(log[1]["decision"], "declined");
    assert_eq!(log[1]["findings"][0]["rule"], "new-package");
}

#[test]
fn pip_installs_an_old_package_from_a_pep_691_index_and_blocks_a_quarantined_one() {
    let mut sb = Sandbox::new();
    sb.extra_path.push(crate::pip::venv().join("bin"));
    let wheels = sb.path("wheels");
    crate::pip::build_wheel(&wheels, "igsig-old", "1.0");
    let wheel = "igsig_old-1.0-py3-none-any.whl";
    let bytes = std::fs::read(wheels.join(wheel)).unwrap();
    let sha: String = {
        use sha2::Digest;
        sha2::Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    let idx = Server::start_replies(|_| {
        let page = serde_json::json!({
            "meta": {"api-version": "1.1"}, "name": "igsig-old",
            "files": [{"filename": wheel, "url": format!("/files/{wheel}"),
                       "hashes": {"sha256": sha}, "upload-time": ago(8 * 365)}]
        });
        HashMap::from([
            (
                "/simple/igsig-old/".to_string(),
                Reply::ok(PEP691, page.to_string()),
            ),
            (
                format!("/files/{wheel}"),
                Reply::ok("application/octet-stream", bytes),
            ),
            (
                "/simple/igsig-quarantined/".to_string(),
                Reply::ok(
                    PEP691,
                    project("igsig-quarantined", &[], Some("quarantined")),
                ),
            ),
        ])
    });
    let simple = format!("{}/simple/", idx.url);
    allow_asking(&sb, &[&simple]);
    let target = sb.path("target");
    let pip = |name: &str| {
        sb.cmd(
            "pip",
            &[
                "install",
                "--index-url",
                &simple,
                "--target",
                target.to_str().unwrap(),
                name,
            ],
        )
    };
    let out = run(pip("igsig-old"));
    assert_code(&out, 0);
    assert!(
        target.join("igsig_old/__init__.py").exists(),
        "{}",
        text(&out.stderr)
    );

    let out = run(pip("igsig-quarantined"));
    assert_code(&out, 3);
    let err = text(&out.stderr);
    assert!(
        err.contains("[registry-flagged]") && err.contains("quarantined"),
        "{err}"
    );
    assert_eq!(sb.outcomes()[1]["decision"], "blocked");
}
