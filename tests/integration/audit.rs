//! The audit log end to end: the hash chain under 100 concurrent guarded installs, tampering
//! named by line, torn lines, rotation, `log` filters and formats, fail-closed policy hooks,
//! syslog export to plain socket listeners and to a real rsyslogd, and a canary corpus of
//! credentials that must appear nowhere. Every wait is bounded.

use std::io::Read;
use std::net::{TcpListener, UdpSocket};
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::sandbox::{BIN, Sandbox, assert_code, run, text};

const LOG: &str = "state/installguard/audit.jsonl";

/// A sandbox with a recording stand-in brew (one line per call).
fn with_brew() -> Sandbox {
    let sb = Sandbox::new();
    let rec = sb.path("brew-calls");
    sb.script(
        "brew",
        &format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '{}'\nexit 0\n",
            rec.display()
        ),
    );
    sb
}

fn calls(sb: &Sandbox) -> Vec<String> {
    std::fs::read_to_string(sb.path("brew-calls"))
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// A guarded command with the audit settings cleared, then set from `env`.
pub fn guarded(sb: &Sandbox, program: &str, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut c = sb.cmd(program, args);
    for v in [
        "INSTALLGUARD_AUDIT_SYSLOG",
        "INSTALLGUARD_AUDIT_REQUIRED",
        "INSTALLGUARD_AUDIT_REQUIRE_DELIVERY",
        "INSTALLGUARD_AUDIT_MAX_BYTES",
    ] {
        c.env_remove(v);
    }
    for (k, v) in env {
        c.env(k, v);
    }
    c
}

fn ig(sb: &Sandbox, args: &[&str]) -> Output {
    run(guarded(sb, crate::sandbox::BIN, args, &[]))
}

/// Wait for a child with a deadline; kill it and fail when the deadline passes.
fn wait_bounded(mut child: Child, limit: Duration) -> std::process::ExitStatus {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("a child did not finish within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn lines(p: &Path) -> Vec<String> {
    std::fs::read_to_string(p)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn put(p: &Path, lines: &[String]) {
    std::fs::write(p, lines.join("\n") + "\n").unwrap();
}

#[test]
fn hundred_concurrent_installs_give_hundred_records_and_a_valid_chain() {
    let sb = with_brew();
    let children: Vec<Child> = (0..100)
        .map(|_| {
            guarded(&sb, "brew", &["install", "wget"], &[])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        assert!(wait_bounded(c, Duration::from_secs(60)).success());
    }
    assert_eq!(calls(&sb).len(), 100);
    // Two records per install (`starting` before brew ran, `finished` after), one chain.
    let records = sb.log_records();
    assert_eq!(records.len(), 200);
    let mut seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    seqs.sort_unstable();
    assert_eq!(seqs, (1..=200).collect::<Vec<_>>());
    let mut invocations = std::collections::HashMap::new();
    for r in &records {
        invocations
            .entry(r["invocation"].as_str().unwrap().to_string())
            .or_insert_with(Vec::new)
            .push(r["event"].as_str().unwrap().to_string());
    }
    assert_eq!(invocations.len(), 100);
    assert!(invocations.values().all(|e| e == &["starting", "finished"]));
    let out = ig(&sb, &["audit", "verify"]);
    assert_code(&out, 0);
    let s = text(&out.stdout);
    assert!(s.contains("200 record(s), seq 1..200"), "{s}");
    assert!(!s.contains("incomplete"), "{s}");
    let head = records[199]["hash"].as_str().unwrap();
    assert!(s.contains(head), "the head is printed: {s}");
    assert_code(&ig(&sb, &["audit", "verify", "--anchor", head]), 0);
}

/// Four allowed installs: eight records (`starting`, `finished` each).
fn four_installs() -> (Sandbox, PathBuf, Vec<String>) {
    let sb = with_brew();
    for pkg in ["wget", "jq", "curl", "tree"] {
        assert_code(&run(guarded(&sb, "brew", &["install", pkg], &[])), 0);
    }
    let p = sb.path(LOG);
    let orig = lines(&p);
    assert_eq!(orig.len(), 8);
    (sb, p, orig)
}

/// `audit verify` on the tampered log: exit 5, and the first broken place named `file:line`.
fn broken_at(sb: &Sandbox, p: &Path, want_line: usize, word: &str) {
    let out = ig(sb, &["audit", "verify"]);
    assert_code(&out, 5);
    let err = text(&out.stderr);
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.contains(&format!("{}:{want_line}: ", p.display())) && first.contains(word),
        "want line {want_line} ({word}):\n{err}"
    );
}

#[test]
fn edited_deleted_reordered_and_truncated_records_are_named_by_line() {
    let (sb, p, orig) = four_installs();
    assert_code(&ig(&sb, &["audit", "verify"]), 0);

    let mut edited = orig.clone();
    edited[4] = edited[4].replace("\"curl\"", "\"evil\"");
    assert_ne!(edited, orig);
    put(&p, &edited);
    broken_at(&sb, &p, 5, "edited");
    // `log` still shows the records, warns, and exits 5 as the exit table says.
    let out = ig(&sb, &["log"]);
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains(&format!(
            "hash chain is broken: first at {}:5: edited",
            p.display()
        )),
        "{}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("curl"), "{}", text(&out.stdout));

    let mut deleted = orig.clone();
    deleted.remove(1);
    put(&p, &deleted);
    broken_at(&sb, &p, 2, "deleted");

    let mut reordered = orig.clone();
    reordered.swap(1, 2);
    put(&p, &reordered);
    broken_at(&sb, &p, 2, "");

    let mut first_gone = orig.clone();
    first_gone.remove(0);
    put(&p, &first_gone);
    broken_at(&sb, &p, 1, "deleted");

    let whole = orig.join("\n") + "\n";
    std::fs::write(&p, &whole[..whole.len() - 7]).unwrap();
    broken_at(&sb, &p, 8, "truncated");

    // A clean cut of the newest record is visible only against an off-host anchor.
    put(&p, &orig[..3]);
    assert_code(&ig(&sb, &["audit", "verify"]), 0);
    let head: serde_json::Value = serde_json::from_str(&orig[3]).unwrap();
    let out = ig(
        &sb,
        &[
            "audit",
            "verify",
            "--anchor",
            head["hash"].as_str().unwrap(),
        ],
    );
    assert_code(&out, 5);
    // Named at the line where the chain now ends (the third record), never `:0`.
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("{}:3: ", p.display())) && err.contains("anchor"),
        "{err}"
    );

    // A copy shipped elsewhere verifies with --file.
    put(&p, &orig);
    let copy = sb.path("copy.jsonl");
    std::fs::copy(&p, &copy).unwrap();
    assert_code(
        &ig(&sb, &["audit", "verify", "--file", copy.to_str().unwrap()]),
        0,
    );
}

#[test]
fn torn_last_line_is_reported_never_dropped_and_the_next_record_chains_past_it() {
    let (sb, p, orig) = four_installs();
    let whole = orig.join("\n") + "\n";
    std::fs::write(&p, &whole[..whole.len() - 30]).unwrap();
    let out = ig(&sb, &["log"]);
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains(":8: unreadable record: torn"),
        "{}",
        text(&out.stderr)
    );
    let out = run(guarded(&sb, "brew", &["install", "wget"], &[]));
    assert_code(&out, 0);
    assert!(text(&out.stderr).contains("torn"), "{}", text(&out.stderr));
    let now = lines(&p);
    assert_eq!(now.len(), 10, "the fragment stays on its own line");
    let next: serde_json::Value = serde_json::from_str(&now[8]).unwrap();
    assert_eq!(next["seq"], 8, "chained after the last intact record");
    assert_eq!(next["after_torn_line"], 8);
    broken_at(&sb, &p, 8, "");
}

#[test]
fn rotation_by_size_keeps_the_chain_continuous_across_files() {
    let sb = with_brew();
    for _ in 0..6 {
        let c = guarded(
            &sb,
            "brew",
            &["install", "wget"],
            &[("INSTALLGUARD_AUDIT_MAX_BYTES", "1500")],
        );
        assert_code(&run(c), 0);
    }
    let dir = sb.path("state/installguard");
    let rotated: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("audit.") && n.ends_with(".jsonl") && n != "audit.jsonl")
        .collect();
    assert!(rotated.len() >= 2, "{rotated:?}");
    let out = ig(&sb, &["audit", "verify"]);
    assert_code(&out, 0);
    assert!(
        text(&out.stdout).contains("12 record(s), seq 1..12"),
        "{}",
        text(&out.stdout)
    );
    let out = ig(&sb, &["log", "--json"]);
    assert_eq!(text(&out.stdout).lines().count(), 12);
    let out = ig(&sb, &["log", "--json", "-n", "5"]);
    assert_eq!(text(&out.stdout).lines().count(), 5);
    // Deleting a rotated file breaks the chain at the start of the next one.
    std::fs::remove_file(dir.join("audit.1.jsonl")).unwrap();
    assert_code(&ig(&sb, &["audit", "verify"]), 5);
}

#[test]
fn log_filters_json_and_ocsf() {
    let sb = with_brew();
    assert_code(&run(guarded(&sb, "brew", &["install", "wget"], &[])), 0);
    assert_code(&run(guarded(&sb, "brew", &["install", "wgett"], &[])), 4);
    assert_code(&run(guarded(&sb, "pip", &["install", "1337test"], &[])), 3);
    let count = |args: &[&str]| {
        let mut all = vec!["log", "--json"];
        all.extend_from_slice(args);
        let out = ig(&sb, &all);
        assert_code(&out, 0);
        text(&out.stdout).lines().count()
    };
    // --json is every stored record: the allowed install has two.
    assert_eq!(count(&[]), 4);
    assert_eq!(count(&["--program", "brew"]), 3);
    assert_eq!(count(&["--program", "pip"]), 1);
    assert_eq!(count(&["--decision", "blocked"]), 1);
    assert_eq!(count(&["--decision", "declined"]), 1);
    assert_eq!(count(&["--package", "WGET"]), 2);
    assert_eq!(count(&["--since", "1h"]), 4);
    assert_eq!(count(&["--until", "1h"]), 0);
    assert_eq!(
        count(&["--since", "2000-01-01", "--until", "2999-01-01T00:00:00Z"]),
        4
    );
    assert_code(&ig(&sb, &["log", "--since", "soon"]), 2);

    // --json is the stored bytes.
    let out = ig(&sb, &["log", "--json"]);
    assert_eq!(
        text(&out.stdout),
        std::fs::read_to_string(sb.path(LOG)).unwrap()
    );
    let stored: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        (stored[0]["event"].as_str(), stored[1]["event"].as_str()),
        (Some("starting"), Some("finished"))
    );
    assert_eq!(stored[0]["invocation"], stored[1]["invocation"]);
    assert!(
        stored[0]["exit_code"].is_null(),
        "no outcome before brew ran"
    );
    assert_eq!(stored[2]["event"], "decided");
    let rec = &stored[1];
    for key in [
        "seq",
        "prev",
        "hash",
        "time",
        "invocation",
        "event",
        "host",
        "user",
        "pid",
        "cwd",
        "program",
        "argv",
        "targets",
        "sources",
        "findings",
        "decision",
        "decided_by",
        "exit_code",
        "duration_ms",
        "version",
        "data",
    ] {
        assert!(rec.get(key).is_some(), "record lacks {key}");
    }
    assert!(rec["duration_ms"].is_u64());
    assert!(
        rec["data"]["newest_report"]
            .as_str()
            .unwrap()
            .starts_with("20")
    );
    assert!(rec["targets"][0]["findings"].is_array());

    let out = ig(&sb, &["log", "--format", "ocsf", "--decision", "blocked"]);
    assert_code(&out, 0);
    let ev: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(ev["class_uid"], 6002);
    assert_eq!(ev["activity_id"], 1);
    assert_eq!(ev["type_uid"], 600_201);
    assert_eq!(ev["metadata"]["version"], "1.8.0");
    assert_eq!(ev["action"], "Denied");
    assert_eq!(ev["disposition"], "Blocked");
    assert_eq!(ev["policy"]["name"], "installguard");
    assert_eq!(ev["app"]["name"], "1337test");
    assert!(ev["malware"][0]["uid"].as_str().is_some(), "{ev}");
    let out = ig(&sb, &["log", "--format", "ocsf", "--decision", "allowed"]);
    let ev: serde_json::Value =
        serde_json::from_str(text(&out.stdout).lines().next().unwrap()).unwrap();
    assert_eq!(
        (ev["action_id"].as_u64(), ev["disposition_id"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(ev.get("malware").is_none());

    let out = ig(&sb, &["log"]);
    assert!(text(&out.stdout).contains("#3"), "{}", text(&out.stdout));
}

#[test]
fn required_log_that_cannot_be_written_blocks_with_exit_5() {
    let sb = with_brew();
    // A state dir below a regular file cannot be created, even by root.
    std::fs::write(sb.path("not-a-dir"), "").unwrap();
    let bad_state = sb.path("not-a-dir/state");
    let mut c = guarded(
        &sb,
        "brew",
        &["install", "wget"],
        &[("INSTALLGUARD_AUDIT_REQUIRED", "1")],
    );
    c.env("XDG_STATE_HOME", &bad_state);
    let out = run(c);
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains("required by policy"),
        "{}",
        text(&out.stderr)
    );
    assert!(calls(&sb).is_empty(), "brew must not run");
    // Not required: the install goes ahead with a warning.
    let mut c = guarded(&sb, "brew", &["install", "wget"], &[]);
    c.env("XDG_STATE_HOME", &bad_state);
    let out = run(c);
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("WARNING"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls(&sb).len(), 1);
}

fn closed_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn failed_export_is_reported_and_blocks_only_when_delivery_is_required() {
    let sb = with_brew();
    let url = format!("tcp://127.0.0.1:{}", closed_port());
    let out = run(guarded(
        &sb,
        "brew",
        &["install", "wget"],
        &[("INSTALLGUARD_AUDIT_SYSLOG", &url)],
    ));
    assert_code(&out, 0);
    assert!(
        text(&out.stderr).contains("could not forward"),
        "{}",
        text(&out.stderr)
    );
    let out = run(guarded(
        &sb,
        "brew",
        &["install", "jq"],
        &[
            ("INSTALLGUARD_AUDIT_SYSLOG", &url),
            ("INSTALLGUARD_AUDIT_REQUIRE_DELIVERY", "1"),
        ],
    ));
    assert_code(&out, 5);
    assert!(
        text(&out.stderr).contains("delivery"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(calls(&sb), ["install wget"], "jq never reached brew");
    // jq's `starting` record was written, its delivery failed, and the invocation was closed
    // as blocked by the audit layer before brew ran.
    let recs = sb.log_records();
    assert_eq!(recs.len(), 4);
    assert_eq!(
        (recs[2]["event"].as_str(), recs[3]["event"].as_str()),
        (Some("starting"), Some("finished"))
    );
    assert_eq!(recs[3]["decision"], "blocked");
    assert_eq!(recs[3]["decided_by"], "audit");
    assert!(recs[3]["exit_code"].is_null());
    assert_code(&ig(&sb, &["audit", "verify"]), 0);
}

/// Check an RFC 5424 message against the stored record it carries.
fn assert_rfc5424(msg: &str, record: &serde_json::Value) {
    assert!(msg.starts_with("<109>1 "), "{msg}");
    assert!(msg.contains(" installguard "), "{msg}");
    assert!(
        msg.contains(&format!("[installguard@32473 seq=\"{}\"", record["seq"])),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("hash=\"{}\"", record["hash"].as_str().unwrap())),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("prev=\"{}\"", record["prev"].as_str().unwrap())),
        "{msg}"
    );
    let json = msg
        .split('\u{feff}')
        .nth(1)
        .expect("BOM before the JSON message");
    let carried: serde_json::Value = serde_json::from_str(json.trim_end()).unwrap();
    assert_eq!(&carried, record);
}

#[test]
fn syslog_over_udp_tcp_and_unix_reaches_plain_listeners() {
    let sb = with_brew();
    // UDP
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let url = format!("udp://{}", udp.local_addr().unwrap());
    let out = run(guarded(
        &sb,
        "brew",
        &["install", "wget"],
        &[("INSTALLGUARD_AUDIT_SYSLOG", &url)],
    ));
    assert_code(&out, 0);
    let mut buf = vec![0u8; 70_000];
    let n = udp.recv(&mut buf).expect("a datagram within 10s");
    assert_rfc5424(&text(&buf[..n]), &sb.log_records()[0]);

    // TCP, octet-counted framing
    let tcp = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("tcp://{}", tcp.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        tcp.set_nonblocking(false).unwrap();
        let (mut s, _) = tcp.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut all = Vec::new();
        let _ = s.read_to_end(&mut all);
        all
    });
    let out = run(guarded(
        &sb,
        "brew",
        &["install", "jq"],
        &[("INSTALLGUARD_AUDIT_SYSLOG", &url)],
    ));
    assert_code(&out, 0);
    let got = text(&server.join().unwrap());
    let (len, msg) = got.split_once(' ').unwrap();
    assert_eq!(len.parse::<usize>().unwrap(), msg.len());
    assert_rfc5424(msg, &sb.log_records()[2]);

    // Unix datagram socket (like /dev/log)
    let sock_path = sb.path("devlog");
    let unix = UnixDatagram::bind(&sock_path).unwrap();
    unix.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let url = format!("unix://{}", sock_path.display());
    let out = run(guarded(
        &sb,
        "brew",
        &["install", "curl"],
        &[("INSTALLGUARD_AUDIT_SYSLOG", &url)],
    ));
    assert_code(&out, 0);
    let n = unix.recv(&mut buf).expect("a datagram within 10s");
    assert_rfc5424(&text(&buf[..n]), &sb.log_records()[4]);
}

/// A private rsyslogd in the foreground, listening on 127.0.0.1, writing raw messages to a
/// file; killed on drop.
struct Rsyslog {
    child: Child,
    out: PathBuf,
    udp: u16,
    tcp: u16,
}

impl Drop for Rsyslog {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rsyslogd() -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/sbin")])
        .map(|d| d.join("rsyslogd"))
        .find(|p| p.is_file())
}

fn start_rsyslog(dir: &Path) -> Option<Rsyslog> {
    let Some(bin) = rsyslogd() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "rsyslogd is not installed; .ci/run installs the Debian package rsyslog"
        );
        eprintln!("SKIPPED: rsyslogd not installed (apt-get install rsyslog)");
        return None;
    };
    let udp = UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tcp = closed_port();
    let out = dir.join("received.log");
    let conf = dir.join("rsyslog.conf");
    std::fs::write(
        &conf,
        format!(
            "global(workDirectory=\"{d}\" maxMessageSize=\"256k\")\n\
             module(load=\"imudp\")\nmodule(load=\"imtcp\")\n\
             input(type=\"imudp\" address=\"127.0.0.1\" port=\"{udp}\")\n\
             input(type=\"imtcp\" address=\"127.0.0.1\" port=\"{tcp}\")\n\
             template(name=\"raw\" type=\"string\" string=\"%rawmsg%\\n\")\n\
             *.* action(type=\"omfile\" file=\"{o}\" template=\"raw\")\n\
             template(name=\"igjson\" type=\"string\" string=\"%msg%\\n\")\n\
             if $app-name == \"installguard\" then action(type=\"omfile\" file=\"{d}/installguard.jsonl\" template=\"igjson\")\n",
            d = dir.display(),
            o = out.display()
        ),
    )
    .unwrap();
    let child = Command::new(bin)
        .arg("-n")
        .arg("-f")
        .arg(&conf)
        .arg("-i")
        .arg(dir.join("rsyslogd.pid"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let r = Rsyslog {
        child,
        out,
        udp,
        tcp,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", tcp)).is_err() {
        assert!(
            Instant::now() < deadline,
            "rsyslogd did not start listening"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    Some(r)
}

/// Wait until the file has a line containing `needle`; return that line.
fn wait_for_line(path: &Path, needle: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(t) = std::fs::read_to_string(path)
            && let Some(l) = t.lines().find(|l| l.contains(needle))
        {
            return l.to_string();
        }
        assert!(Instant::now() < deadline, "rsyslogd never wrote {needle}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn real_rsyslog_receives_records_over_udp_and_tcp() {
    let sb = with_brew();
    let Some(rs) = start_rsyslog(&sb.path("")) else {
        return;
    };
    let udp = format!("udp://127.0.0.1:{}", rs.udp);
    let tcp = format!("tcp://127.0.0.1:{}", rs.tcp);
    assert_code(
        &run(guarded(
            &sb,
            "brew",
            &["install", "wget"],
            &[("INSTALLGUARD_AUDIT_SYSLOG", &udp)],
        )),
        0,
    );
    assert_code(
        &run(guarded(
            &sb,
            "brew",
            &["install", "jq"],
            &[
                ("INSTALLGUARD_AUDIT_SYSLOG", &tcp),
                ("INSTALLGUARD_AUDIT_REQUIRE_DELIVERY", "1"),
            ],
        )),
        0,
    );
    let recs = sb.log_records();
    for r in &recs {
        let line = wait_for_line(&rs.out, r["hash"].as_str().unwrap());
        assert_rfc5424(&line, r);
    }
    // The collector's copy (the README's rsyslog rule) is a chain of its own that verifies,
    // and its newest hash anchors the local log.
    let copy = sb.path("installguard.jsonl");
    let head = recs[1]["hash"].as_str().unwrap();
    wait_for_line(&copy, head);
    let out = ig(&sb, &["audit", "verify", "--file", copy.to_str().unwrap()]);
    assert_code(&out, 0);
    assert_code(&ig(&sb, &["audit", "verify", "--anchor", head]), 0);
}

/// Append every syslog datagram waiting on `udp` (checking that each record was exported) and
/// the bytes of every file in the log directory to `seen`.
fn syslog_and_log_files(sb: &Sandbox, udp: &UdpSocket, seen: &mut String) {
    let mut buf = vec![0u8; 70_000];
    let mut datagrams = 0;
    while let Ok(n) = udp.recv(&mut buf) {
        datagrams += 1;
        seen.push_str(&format!("--- syslog:\n{}\n", text(&buf[..n])));
    }
    assert_eq!(
        datagrams,
        sb.log_records().len(),
        "every record was exported"
    );
    for entry in std::fs::read_dir(sb.path("state/installguard")).unwrap() {
        let p = entry.unwrap().path();
        seen.push_str(&format!(
            "--- {}:\n{}\n",
            p.display(),
            String::from_utf8_lossy(&std::fs::read(&p).unwrap())
        ));
    }
}

/// Credentials in every place a command can carry them. None may appear in the log, in any
/// `log` output, in syslog, or on the guarded command's terminal.
#[test]
fn canary_secrets_never_appear_anywhere() {
    const CANARIES: &[&str] = &[
        "CanaryPass1x",
        "CanaryTok2y",
        "CanaryAuth3z",
        "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
        "CanaryBearer4eyJhbGciOi",
        "Q2FuYXJ5VXNlcjpDYW5hcnlQYXNzNQ==",
        "CanaryRcTok6w",
        "CanaryRcPass7v",
        "CanaryEnvTok8u",
    ];
    let sb = with_brew();
    std::fs::write(
        sb.work().join(".npmrc"),
        "registry=https://rcuser:CanaryRcPass7v@127.0.0.1:9/\n//127.0.0.1:9/:_authToken=CanaryRcTok6w\n",
    )
    .unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let url = format!("udp://{}", udp.local_addr().unwrap());
    let env = [
        ("INSTALLGUARD_AUDIT_SYSLOG", url.as_str()),
        ("npm_config__authToken", "CanaryEnvTok8u"),
    ];
    let commands: &[(&str, &[&str])] = &[
        (
            "pip",
            &[
                "install",
                "--index-url",
                "https://ci:CanaryPass1x@127.0.0.1:9/simple",
                "reqeusts",
            ],
        ),
        (
            "pip",
            &[
                "install",
                "--extra-index-url=https://CanaryTok2y@127.0.0.1:9/simple",
                "1337test",
            ],
        ),
        (
            "npm",
            &[
                "install",
                "lodahs",
                "--//127.0.0.1:9/:_authToken=CanaryAuth3z",
                "--registry",
                "https://x:CanaryTok2y@127.0.0.1:9/",
            ],
        ),
        (
            "npm",
            &["install", "lodahs", "--_authToken", "CanaryAuth3z"],
        ),
        ("npm", &["install", "lodahs"]),
        (
            "npm",
            &[
                "install",
                "lodahs",
                "--//127.0.0.1:9/:_authToken=npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
            ],
        ),
        (
            "brew",
            &[
                "install",
                "jq",
                "Authorization: Bearer CanaryBearer4eyJhbGciOi",
                "Basic Q2FuYXJ5VXNlcjpDYW5hcnlQYXNzNQ==",
            ],
        ),
    ];
    let mut seen = String::new();
    for (program, args) in commands {
        let out = run(guarded(&sb, program, args, &env));
        seen.push_str(&format!(
            "--- {program} (command {}) stdout:\n{}\nstderr:\n{}\n",
            seen.len(),
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    syslog_and_log_files(&sb, &udp, &mut seen);
    for args in [
        &["log"][..],
        &["log", "--json"],
        &["log", "--format", "ocsf"],
        &["audit", "verify"],
    ] {
        let out = ig(&sb, args);
        seen.push_str(&format!(
            "--- {args:?}:\n{}\n{}\n",
            text(&out.stdout),
            text(&out.stderr)
        ));
    }
    assert!(seen.contains("***"), "redaction marks are visible");
    assert!(seen.contains("lodahs") && seen.contains("1337test"));
    for c in CANARIES {
        assert!(!seen.contains(c), "canary {c} leaked:\n{seen}");
    }
}

/// One secret per redaction rule, carried in through argv, the environment, a pip.conf, an
/// .npmrc and policy files; none may reach any sink: the log files, syslog, the guarded
/// commands' stdout and stderr, `check` (text and JSON), `log` in every format, `audit
/// verify`, `policy show` and `policy check`. Checked by every 8-character window of each
/// secret, so a partly redacted secret is a failure too.
#[test]
fn canary_one_secret_per_rule_reaches_no_sink() {
    let secrets: &[&str] = &[
        "Cnry1/pa ss",
        "Cnry2QueryTok",
        "Cnry3AccTok",
        "Cnry4ApiKey",
        "Cnry5PrivTok",
        "Cnry6PathTok",
        "Cnry7FuryTok",
        "Cnry8SmithTok",
        "Cnry9GitLabTok0123456",
        "Cnry9bNpmArgTok",
        "Cnry10Gh012345678901234567890abcd",
        "Cnry11Pat_0123456789abcdefghij",
        "CNRY12AWSKEY3456",
        "Cnry13Slack-0123456789",
        "Cnry14Hdr0123.eyJCnry14Pay0123.Cnry14Sig",
        "Cnry15BearerTok",
        "Q25yeTE2QmFzaWM",
        "Cnry17Pypi0123456789012345678901234567890123",
        "Cnry18Npm012345678901234567890123",
        "Cnry19EnvPw",
        "Cnry20EnvKey",
        "Cnry21EnvTok",
        "Cnry22EnvPath",
        "Cnry23ConfPw",
        "Cnry24ConfSig",
        "Cnry25RcTok",
        "Cnry26RcPw",
        "Cnry27Rc0123456789012345678901234",
        "Cnry28FuryRc",
        "Cnry29FeedTok",
        "Cnry30DiagPw",
    ];
    let sb = with_brew();
    std::fs::create_dir_all(sb.path("config/installguard")).unwrap();
    std::fs::write(
        sb.path("config/installguard/policy.toml"),
        "[sources]\npypi = [\"https://pypi.org/simple\"]\nnpm = [\"https://registry.npmjs.org/\"]\n\
         [data]\nfeed = \"https://feed.example/osv?token=Cnry29FeedTok\"\n",
    )
    .unwrap();
    let pip_conf = sb.path("pip.conf");
    std::fs::write(
        &pip_conf,
        "[global]\nindex-url = https://__token__:Cnry23ConfPw@127.0.0.1:9/simple\n\
         extra-index-url = https://127.0.0.1:9/simple?sig=Cnry24ConfSig\n",
    )
    .unwrap();
    std::fs::write(
        sb.work().join(".npmrc"),
        "registry=https://127.0.0.1:9/npm/?token=Cnry25RcTok\n\
         //127.0.0.1:9/:_password=Cnry26RcPw\n\
         //127.0.0.1:9/:_authToken=npm_Cnry27Rc0123456789012345678901234\n\
         @acme:registry=https://npm.fury.io/Cnry28FuryRc/acme/\n",
    )
    .unwrap();
    let bad_policy = sb.path("bad.toml");
    std::fs::write(
        &bad_policy,
        "[rules]\nimitation = \"https://u:Cnry30DiagPw@h.example/\"\n",
    )
    .unwrap();
    let udp = UdpSocket::bind("127.0.0.1:0").unwrap();
    udp.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let syslog = format!("udp://{}", udp.local_addr().unwrap());
    let pip_conf_s = pip_conf.to_str().unwrap().to_string();
    let base_env: Vec<(&str, &str)> = vec![("INSTALLGUARD_AUDIT_SYSLOG", syslog.as_str())];
    let mut env_conf = base_env.clone();
    env_conf.push(("PIP_CONFIG_FILE", pip_conf_s.as_str()));
    let mut env_pip = base_env.clone();
    env_pip.extend([
        ("PIP_INDEX_URL", "https://ci:Cnry19EnvPw@127.0.0.1:9/simple"),
        (
            "PIP_EXTRA_INDEX_URL",
            "https://127.0.0.1:9/simple?apikey=Cnry20EnvKey",
        ),
    ]);
    let mut env_npm = base_env.clone();
    env_npm.extend([
        ("npm_config__authToken", "Cnry21EnvTok"),
        (
            "npm_config_registry",
            "https://127.0.0.1:9/t/Cnry22EnvPath/",
        ),
    ]);
    let pip_args: &[&str] = &[
        "install",
        "--index-url",
        "https://ci:Cnry1/pa ss@127.0.0.1:9/simple",
        "--extra-index-url",
        "https://127.0.0.1:9/simple?token=Cnry2QueryTok",
        "--extra-index-url",
        "https://conda.anaconda.org/t/Cnry6PathTok/chan/simple",
        "--extra-index-url",
        "https://pypi.fury.io/Cnry7FuryTok/acme/",
        "--extra-index-url",
        "https://dl.cloudsmith.io/Cnry8SmithTok/acme/repo/python/simple/",
        "https://127.0.0.1:9/x-1.0-py3-none-any.whl?access_token=Cnry3AccTok&api_key=Cnry4ApiKey&private_token=Cnry5PrivTok",
        "reqeusts",
    ];
    let brew_args: &[&str] = &[
        "install",
        "jq",
        "ghp_Cnry10Gh012345678901234567890abcd",
        "glpat-Cnry9GitLabTok0123456",
        "github_pat_Cnry11Pat_0123456789abcdefghij",
        "AKIACNRY12AWSKEY3456",
        "xoxb-Cnry13Slack-0123456789",
        "eyJCnry14Hdr0123.eyJCnry14Pay0123.Cnry14Sig",
        "Authorization: Bearer Cnry15BearerTok",
        "Basic Q25yeTE2QmFzaWM=",
        "pypi-AgEICnry17Pypi0123456789012345678901234567890123",
        "npm_Cnry18Npm012345678901234567890123",
    ];
    let mut seen = String::new();
    let record = |seen: &mut String, what: &str, out: &Output| {
        seen.push_str(&format!(
            "--- {what}\nstdout:\n{}\nstderr:\n{}\n",
            text(&out.stdout),
            text(&out.stderr)
        ));
    };
    record(
        &mut seen,
        "pip",
        &run(guarded(&sb, "pip", pip_args, &env_pip)),
    );
    record(
        &mut seen,
        "pip with pip.conf",
        &run(guarded(&sb, "pip", &["install", "reqeusts"], &env_conf)),
    );
    let mut check = vec!["check", "--", "pip"];
    check.extend_from_slice(pip_args);
    record(
        &mut seen,
        "check",
        &run(guarded(&sb, BIN, &check, &env_pip)),
    );
    let mut check_json = vec!["check", "--json", "--", "pip"];
    check_json.extend_from_slice(pip_args);
    record(
        &mut seen,
        "check --json",
        &run(guarded(&sb, BIN, &check_json, &env_pip)),
    );
    record(
        &mut seen,
        "npm",
        &run(guarded(
            &sb,
            "npm",
            &[
                "install",
                "lodahs",
                "--//127.0.0.1:9/:_authToken=Cnry9bNpmArgTok",
            ],
            &env_npm,
        )),
    );
    record(
        &mut seen,
        "brew",
        &run(guarded(&sb, "brew", brew_args, &base_env)),
    );
    syslog_and_log_files(&sb, &udp, &mut seen);
    for args in [
        &["log"][..],
        &["log", "--json"],
        &["log", "--format", "ocsf"],
        &["audit", "verify"],
        &["policy", "show"],
        &["policy", "check"],
        &["policy", "check", bad_policy.to_str().unwrap()],
    ] {
        record(&mut seen, &format!("{args:?}"), &ig(&sb, args));
    }
    assert!(seen.contains("***"), "redaction marks are visible");
    assert!(
        seen.contains("reqeusts") && seen.contains("lodahs"),
        "{seen}"
    );
    assert!(
        seen.contains("bad.toml:2:"),
        "the diagnostic is there, redacted"
    );
    // The carriers did reach the sinks (so the test can fail): their redacted forms are there.
    for shown in [
        "https://***@127.0.0.1:9/simple",
        "?token=***",
        "access_token=***&api_key=***&private_token=***",
        "conda.anaconda.org/t/***/chan",
        "pypi.fury.io/***/acme",
        "dl.cloudsmith.io/***/acme",
        "glpat-***",
        "_authToken=***",
        "ghp_***",
        "github_pat_***",
        "AKIA***",
        "xoxb-***",
        "eyJ***",
        "Bearer ***",
        "Basic ***",
        "pypi-***",
        "npm_***",
        "apikey=***",
        "/t/***/",
        "sig=***",
        "feed.example/osv?token=***",
        "https://***@h.example/",
    ] {
        assert!(
            seen.contains(shown),
            "{shown:?} is not in any sink:\n{seen}"
        );
    }
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for w in chars.windows(8.min(chars.len())) {
            let w: String = w.iter().collect();
            assert!(!seen.contains(&w), "{w:?} of {secret:?} leaked:\n{seen}");
        }
    }
}

#[test]
fn exports_print_every_matching_record_unless_n_is_given() {
    let (sb, p, orig) = four_installs();
    // 48 records, 24 invocations (the chain is broken by the copies, which `log` says, but every one is shown).
    let many: Vec<String> = orig.iter().cycle().take(48).cloned().collect();
    put(&p, &many);
    let out = ig(&sb, &["log", "--json"]);
    assert_code(&out, 5);
    assert_eq!(text(&out.stdout).lines().count(), 48);
    let out = ig(&sb, &["log", "--format", "ocsf"]);
    assert!(
        text(&out.stdout).lines().count() > 20,
        "{}",
        text(&out.stdout)
    );
    let out = ig(&sb, &["log", "--format", "ocsf", "-n", "2"]);
    assert!(
        text(&out.stdout).lines().count() <= 4,
        "{}",
        text(&out.stdout)
    );
    // For people: the last 20 unless -n says otherwise.
    let out = ig(&sb, &["log"]);
    assert_eq!(
        text(&out.stdout).matches("  #").count(),
        20,
        "{}",
        text(&out.stdout)
    );
}
