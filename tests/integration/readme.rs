//! The README's commands run as written: every `installguard` line of its `sh` blocks
//! (`cargo run --release -- X` runs as `installguard X`), with a log holding records and its
//! placeholders filled; the `$ installguard ...` example of a `text` block prints the lines the
//! README shows; every `--help` that mentions exit codes points at the README's table, and the
//! commands `--help` texts suggest run as shown. Lines
//! that need the network, a build or another shell (`cargo install`, fish's `| source`,
//! `cargo test`, `bench/`, the evaluation example) are not run here.

use std::path::Path;

use crate::sandbox::{BIN, Sandbox, run, text};

const README: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"));

/// The `--help` texts read: the top level and every command that returns exit codes or
/// suggests commands.
const HELPS: &[&[&str]] = &[
    &[],
    &["run"],
    &["bypass"],
    &["check"],
    &["log"],
    &["update"],
    &["doctor"],
    &["audit", "verify"],
    &["policy", "check"],
    &["shell-init"],
    &["data", "info"],
];

/// The lines of every fenced block whose info string starts with `lang`.
fn blocks(lang: &str) -> Vec<Vec<&'static str>> {
    let mut out = Vec::new();
    let mut current: Option<Vec<&str>> = None;
    for line in README.lines() {
        match (&mut current, line.strip_prefix("```")) {
            (Some(_), Some(_)) => out.push(current.take().unwrap()),
            (None, Some(info)) if info.split_whitespace().next() == Some(lang) => {
                current = Some(Vec::new());
            }
            (Some(lines), None) => lines.push(line),
            // Another language's fence (a closing fence has an empty info string, so it
            // never opens an `sh` block), or text outside blocks.
            (None, _) => {}
        }
    }
    out
}

/// A README command line without its trailing comment, as installguard runs it.
fn runnable(line: &str) -> Option<String> {
    let cmd = line.split(" #").next().unwrap_or("").trim();
    if cmd.contains("| source") {
        return None; // fish
    }
    if let Some(rest) = cmd.strip_prefix("cargo run --release -- ") {
        return Some(format!("installguard {rest}"));
    }
    (cmd.starts_with("installguard ") || cmd.starts_with("eval \"$(installguard "))
        .then(|| cmd.to_string())
}

/// A sandbox with `installguard` on PATH and one allowed install in the log.
fn sandbox_with_a_record() -> Sandbox {
    let mut sb = Sandbox::new();
    sb.extra_path.push(Path::new(BIN).parent().unwrap().into());
    sb.script("brew", "#!/bin/sh\nexit 0\n");
    let out = run(sb.cmd("brew", &["install", "wget"]));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    sb
}

#[test]
fn every_installguard_command_in_the_readme_runs_as_written() {
    let sb = sandbox_with_a_record();
    let log = sb.path("state/installguard/audit.jsonl");
    std::fs::copy(&log, sb.work().join("copy.jsonl")).unwrap();
    let head: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&log)
            .unwrap()
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    let head = head["hash"].as_str().unwrap().to_string();
    let mut ran = 0;
    for line in blocks("sh").into_iter().flatten() {
        let Some(cmd) = runnable(line) else { continue };
        let cmd = cmd.replace("<hash>", &head).replace(
            " config/",
            &format!(" {}/config/", env!("CARGO_MANIFEST_DIR")),
        );
        let out = run(sb.cmd("bash", &["-c", &cmd]));
        // 0, or 1 for `check`'s warn-level findings and `doctor`'s listed problems.
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "README command `{cmd}` exited {:?}:\n{}{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 14, "only {ran} README commands found");
}

#[test]
fn the_readme_example_prints_what_the_readme_shows() {
    let sb = sandbox_with_a_record();
    let mut shown = 0;
    for block in blocks("text") {
        let Some(cmd) = block.first().and_then(|l| l.strip_prefix("$ ")) else {
            continue;
        };
        // An example run inside a project of its own (its output names the project's files
        // by absolute path) cannot be repeated in an empty directory.
        if block[1..].iter().any(|l| l.contains(" /")) {
            continue;
        }
        let out = run(sb.cmd("bash", &["-c", cmd]));
        let got = text(&out.stdout) + &text(&out.stderr);
        // The data's age changes every day; the rest is as shown. The output may say more
        // (registry signals cannot be asked offline), never less or in another order.
        let age = |l: &str| -> String {
            if l.contains("days old") {
                l.chars().filter(|c| !c.is_ascii_digit()).collect()
            } else {
                l.to_string()
            }
        };
        let got: Vec<String> = got.lines().map(age).collect();
        let mut at = 0;
        for want in &block[1..] {
            let want = age(want);
            match got[at..].iter().position(|g| *g == want) {
                Some(i) => at += i + 1,
                None => panic!(
                    "README line missing from `{cmd}`:\n{want}\ngot:\n{}",
                    got.join("\n")
                ),
            }
        }
        shown += 1;
    }
    assert!(shown >= 1);
}

#[test]
fn help_texts_point_at_the_readme_exit_code_table() {
    assert!(
        README.contains("\n## Exit codes\n"),
        "the README lost its table"
    );
    let sb = Sandbox::new();
    for sub in HELPS
        .iter()
        .filter(|s| !matches!(s, ["shell-init"] | ["data", "info"]))
    {
        let mut args = sub.to_vec();
        args.push("--help");
        let out = run(sb.ig(&args));
        assert_eq!(out.status.code(), Some(0), "{sub:?}");
        assert!(
            text(&out.stdout).contains("README.md (\"Exit codes\")"),
            "{sub:?} --help:\n{}",
            text(&out.stdout)
        );
    }
}

/// The commands the `--help` texts suggest (examples, `Try it:`, set-up lines) run as shown;
/// `run`/`bypass` examples would run real tools and are left out, as are usage lines.
#[test]
fn commands_in_help_texts_run_as_written() {
    let sb = sandbox_with_a_record();
    let safe = [
        "check ",
        "audit verify",
        "shell-init ",
        "policy check",
        "policy show",
        "doctor",
        "log",
        "data info",
    ];
    let mut found = Vec::new();
    for sub in HELPS {
        let mut args = sub.to_vec();
        args.push("--help");
        let help = text(&run(sb.ig(&args)).stdout);
        let mut rest = help.as_str();
        while let Some(i) = rest.find("installguard ") {
            let after = &rest[i + "installguard ".len()..];
            let end = after
                .find(['`', '"', ';', ')', '\n', '('])
                .unwrap_or(after.len());
            let cmd = after[..end].trim().trim_end_matches('.').trim();
            rest = &after[end..];
            if safe.iter().any(|s| cmd.starts_with(s.trim_end()))
                && !cmd.contains(['[', '<'])
                && !cmd.contains('|')
            {
                found.push(format!("installguard {cmd}"));
            }
        }
    }
    found.sort();
    found.dedup();
    assert!(found.len() >= 4, "{found:?}");
    for cmd in &found {
        let out = run(sb.cmd("bash", &["-c", cmd]));
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "--help command `{cmd}` exited {:?}:\n{}{}",
            out.status.code(),
            text(&out.stdout),
            text(&out.stderr)
        );
    }
}
