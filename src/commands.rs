//! The non-guard verbs: `log`, `doctor` (its install-command part is `setup`), `policy check`,
//! `policy show`, `data build`, `data info`.
//! Each reads or prints; none of them runs pip, npm or brew.

use std::fmt::Write as _;
use std::path::Path;

use crate::audit;
use crate::exit;
use crate::output::{self, out, out_text, say};
use crate::reputation::{import, store};

/// How many records `log` shows for people when `-n` is not given; exports show every
/// matching record unless `-n` is given.
const TEXT_LIMIT: usize = 20;

/// `installguard log`: the records that pass `query`, newest last, as text, as stored
/// (`--json`) or as OCSF events (`--format ocsf`). Exit 5 when some lines are unreadable or
/// the hash chain is broken (a warning names the first broken record).
pub fn log(query: &audit::Query, format: audit::LogFormat, limit: Option<usize>) -> i32 {
    let limit = match (limit, format) {
        (Some(n), _) => n,
        (None, audit::LogFormat::Text) => TEXT_LIMIT,
        (None, _) => usize::MAX,
    };
    let Some(path) = audit::log_path() else {
        say!("no state directory (HOME and XDG_STATE_HOME are unset)");
        return exit::USAGE;
    };
    let (records, bad) = match audit::read(&path) {
        Ok(r) => r,
        Err(e) => {
            say!("cannot read {}: {e}", path.display());
            return exit::USAGE;
        }
    };
    for b in &bad {
        say!(
            "{}:{}: unreadable record: {}",
            b.file.display(),
            b.line,
            b.error
        );
    }
    // For people and OCSF, an invocation is one entry: its `finished` record stands for the
    // `starting` one; a `starting` record alone is shown as incomplete.
    let finished: std::collections::HashSet<&str> = records
        .iter()
        .filter(|r| r.event == audit::Event::Finished && !r.invocation.is_empty())
        .map(|r| r.invocation.as_str())
        .collect();
    let records: Vec<&audit::Record> = records
        .iter()
        .filter(|r| {
            format == audit::LogFormat::Json
                || r.event != audit::Event::Starting
                || !finished.contains(r.invocation.as_str())
        })
        .filter(|r| query.matches(r))
        .collect();
    let start = records.len().saturating_sub(limit);
    let mut text = String::new();
    if records.is_empty() && format == audit::LogFormat::Text {
        let _ = writeln!(
            text,
            "no matching install decisions logged ({})",
            path.display()
        );
    }
    for r in &records[start..] {
        match format {
            audit::LogFormat::Json => {
                let _ = writeln!(text, "{}", r.line());
                continue;
            }
            audit::LogFormat::Ocsf => {
                for ev in audit::ocsf::events(r) {
                    let _ = writeln!(text, "{ev}");
                }
                continue;
            }
            audit::LogFormat::Text => {}
        }
        let outcome = match (r.event, r.decision, r.exit_code) {
            (audit::Event::Starting, ..) => match audit::guard_running(&r.host, r.pid) {
                Some(true) => format!(
                    "IN PROGRESS: allowed and started; pid {} is still running on this host \
                     (or a later process reused the pid)",
                    r.pid
                ),
                Some(false) => format!(
                    "INCOMPLETE: allowed and started, but no outcome was recorded: pid {} is \
                     gone (the guard was killed while the tool ran)",
                    r.pid
                ),
                None => "INCOMPLETE: allowed and started, but no outcome was recorded (the \
                    guard was killed while the tool ran, or it is still running on another host)"
                    .to_string(),
            },
            (_, audit::Decision::Allowed, Some(c)) => match r.duration_ms {
                Some(ms) => format!("allowed, exit {c} after {:.1}s", ms as f64 / 1000.0),
                None => format!("allowed, exit {c}"),
            },
            (_, audit::Decision::Allowed, None) => "allowed".into(),
            (_, d, _) => d.as_str().to_string(),
        };
        let by = r.decided_by.as_str();
        // Every field comes from the log (and through it from argv and files): shown escaped.
        let e = output::escape;
        let argv: Vec<String> = r.argv.iter().map(|a| e(a.as_str()).into_owned()).collect();
        let _ = writeln!(
            text,
            "{}  #{}  {}@{}  {} {}\n    {outcome} (by {by}); verdict {}; {} finding(s); in {}",
            e(&r.time),
            r.seq,
            e(&r.user),
            e(&r.host),
            e(&r.program),
            argv.join(" "),
            e(&r.verdict),
            r.findings.value().as_array().map_or(0, Vec::len),
            e(r.cwd.as_str())
        );
        if let Some(reason) = &r.reason {
            let _ = writeln!(text, "    {}", e(reason.as_str()));
        }
        if let Some(n) = &r.nested {
            let inside = match (&n.parent, n.foreign) {
                (Some(p), _) => format!("inside invocation {}", e(p)),
                (None, true) => "INSTALLGUARD_ACTIVE was set by hand".to_string(),
                (None, false) => "inside an unknown invocation".to_string(),
            };
            let _ = writeln!(text, "    nested (depth {}): {inside}", n.depth);
        }
        if !r.added_args.is_empty() {
            let added: Vec<String> = r
                .added_args
                .iter()
                .map(|a| e(a.as_str()).into_owned())
                .collect();
            let _ = writeln!(
                text,
                "    installguard added to the command line: {}",
                added.join(" ")
            );
        }
        if let Some(n) = r
            .scripts
            .value()
            .as_array()
            .map(Vec::len)
            .filter(|n| *n > 0)
        {
            let _ = writeln!(text, "    install-time code: {}", scripts_summary(r, n));
        }
        let behaviour = r.behaviour();
        if !behaviour.is_empty() {
            let _ = writeln!(
                text,
                "    !! BEHAVIOUR: while it ran, {} startup location(s) changed or credential store(s) were read:",
                behaviour.len()
            );
            for b in &behaviour {
                let _ = writeln!(text, "       {}", e(&b.line()));
            }
        }
        if let Some(c) = r.coverage().filter(|c| !c.complete) {
            let why: Vec<String> = c
                .reads
                .iter()
                .chain(&c.problems)
                .map(|p| e(p).into_owned())
                .collect();
            let _ = writeln!(text, "    watch incomplete: {}", why.join("; "));
        }
    }
    if format == audit::LogFormat::Text {
        out_text(&text);
    } else {
        out(&text);
    }
    // The records are shown either way; a broken chain (edited, deleted, reordered or
    // redirected records) is said after them and in the exit code, as `audit verify` would.
    let broken = match audit::verify(&path, None, false) {
        Ok(v) => v.problems,
        Err(e) => {
            say!("cannot check the hash chain of {}: {e}", path.display());
            return exit::DATA;
        }
    };
    if let Some(first) = broken.first() {
        say!(
            "WARNING: the audit log's hash chain is broken: first at {first} ({} problem(s));              `installguard audit verify` lists them",
            broken.len()
        );
    }
    if bad.is_empty() && broken.is_empty() {
        exit::OK
    } else {
        exit::DATA
    }
}

/// `2 (1 held back: esbuild@0.28.2 install script)`: how many pieces of install-time code the
/// record lists, and those the policy did not let run as they were.
fn scripts_summary(r: &audit::Record, n: usize) -> String {
    let empty = Vec::new();
    let held: Vec<String> = r
        .scripts
        .value()
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter(|s| {
            !matches!(
                s["status"].as_str(),
                Some("allowed" | "approved" | "unseen") | None
            )
        })
        .map(|s| {
            let who = s["package"].as_str().unwrap_or("(project)");
            let what = s["event"]
                .as_str()
                .or(s["kind"].as_str())
                .unwrap_or("script");
            format!("{who} {what}: {}", s["status"].as_str().unwrap_or(""))
        })
        .collect();
    if held.is_empty() {
        format!("{n} piece(s)")
    } else {
        format!("{n} piece(s); {}", held.join(", "))
    }
}

pub fn doctor() -> i32 {
    let mut text = String::new();
    let mut problems = 0;
    let _ = writeln!(text, "installguard {}", env!("CARGO_PKG_VERSION"));
    let _ = writeln!(
        text,
        "\ninstall commands (guarded in this shell / for scripts):"
    );
    let (commands, command_problems) = crate::setup::doctor_section();
    text.push_str(&commands);
    problems += command_problems;
    let _ = writeln!(text, "\nconfiguration:");
    let loaded = crate::policy::load(&[]);
    for l in loaded
        .policy
        .layers
        .iter()
        .filter(|l| l.kind != crate::policy::LayerKind::Default)
    {
        let state = if l.present { "" } else { " (not present)" };
        let _ = writeln!(text, "  policy   {:<13}{}{state}", l.kind.label(), l.name);
    }
    let errors = loaded.errors().len();
    if errors > 0 {
        problems += 1;
        let _ = writeln!(
            text,
            "  policy   INVALID ({errors} error(s)): installs are blocked; run `installguard policy check`"
        );
    } else {
        let _ = writeln!(
            text,
            "  policy   valid (`installguard policy show` prints it)"
        );
    }
    let signals = crate::signals::Settings::from_policy(&loaded.policy);
    if signals.enabled {
        let _ = writeln!(
            text,
            "  signals  on: asks {} about packages not on the popular lists (new package < {} d, new version < {} d; 2 s budget)",
            signals.registries.join(", "),
            signals.new_package_age / 86_400,
            signals.new_version_age / 86_400
        );
    } else {
        let _ = writeln!(
            text,
            "  signals  off ([signals] enabled = false): no registry is asked"
        );
    }
    match audit::log_path() {
        Some(p) => {
            let _ = writeln!(text, "  audit    {}", p.display());
        }
        None => {
            problems += 1;
            let _ = writeln!(
                text,
                "  audit    NO state directory: HOME and XDG_STATE_HOME are unset"
            );
        }
    }
    let _ = writeln!(text, "\nreputation data:");
    let (data, data_problems) = data_summary(Some(&loaded.policy));
    problems += data_problems;
    text.push_str(&data);
    out_text(&text);
    if problems > 0 {
        exit::CHECK_WARN
    } else {
        exit::OK
    }
}

/// The reputation data in use, its age, integrity and parts, and the background refresh;
/// with the number of problems found (refused data, stale data, a failed refresh).
fn data_summary(policy: Option<&crate::policy::Policy>) -> (String, usize) {
    use crate::time::{format_rfc3339, now_unix};
    let loaded = store::load();
    let now = now_unix();
    let freshness = loaded.data.freshness(now);
    let mut problems = 0;
    let mut text = String::new();
    if let Some(w) = &loaded.warning {
        problems += 1;
        let _ = writeln!(text, "  REFUSED  {w}");
    }
    let _ = writeln!(text, "  in use   {}", loaded.origin);
    let _ = writeln!(text, "  age      {}", freshness.describe());
    if let Some(hint) = freshness.hint() {
        problems += 1;
        let _ = writeln!(
            text,
            "  STALE    {hint} (offline: `installguard update --from DIR|URL`, or [data] feed for a mirror)"
        );
    }
    let e = loaded.data.embedded();
    let _ = writeln!(
        text,
        "  embedded {} malicious reports, {} popular names; newest report {}, built {}",
        e.malicious_count, e.popular_count, e.newest_report, e.built
    );
    for s in &e.sources {
        let _ = writeln!(text, "           source: {s}");
    }
    if let Some(u) = loaded.data.updated() {
        let m = u.meta();
        let _ = writeln!(
            text,
            "  updated  {} malicious reports from the feeds (added to the embedded ones); newest report {}, built {}",
            m.malicious_count, m.newest_report, m.built
        );
        if let Some(i) = &loaded.integrity {
            let how = if i.hashed_now {
                "just now"
            } else {
                "vouched for by its stamp"
            };
            let _ = writeln!(
                text,
                "           integrity: sha256 {} verified {} ({how})",
                i.sha256,
                format_rfc3339(i.verified_at)
            );
            if let Some(e) = &i.stamp_error {
                problems += 1;
                let _ = writeln!(
                    text,
                    "  SLOW     cannot record the verification ({e}): every check hashes the file; make the data or cache dir writable"
                );
            } else if let Some(p) = &i.stamp_elsewhere {
                let _ = writeln!(
                    text,
                    "           verification recorded in {} (the data dir cannot hold it)",
                    p.display()
                );
            }
        }
        for f in &m.feeds {
            let _ = writeln!(
                text,
                "           feed {}: {} ({} reports, newest {}, imported {})",
                f.ecosystem, f.source, f.malicious_reports, f.newest_modified, f.imported
            );
        }
    }
    if let Some(p) = policy {
        match p.auto_update() {
            None => {
                let _ = writeln!(
                    text,
                    "  auto-update  off (set [data] auto-update = \"24h\" in the machine or user policy)"
                );
            }
            Some(secs) => {
                let every = p.get("data.auto-update").map_or_else(
                    || format!("every {secs} s"),
                    |s| match &s.value {
                        crate::policy::Value::Secs(_, t) => {
                            format!("every {t} ({} policy {})", s.layer.label(), s.at.short())
                        }
                        _ => String::new(),
                    },
                );
                let last = match crate::update::auto_state() {
                    None => "never run yet".to_string(),
                    Some(st) if st.finished.is_empty() => {
                        format!(
                            "started {}, not finished (running, or it was stopped)",
                            st.started
                        )
                    }
                    Some(st) => {
                        if !st.ok {
                            problems += 1;
                        }
                        format!("last run {} → {}: {}", st.started, st.finished, st.message)
                    }
                };
                let _ = writeln!(text, "  auto-update  {every}; {last}");
            }
        }
    }
    // Feed locations come from the file and the policy: never show credentials.
    (crate::redact::text(&text), problems)
}

pub fn data_info() -> i32 {
    let policy = crate::policy::load(&[]);
    let (text, _) = data_summary(Some(&policy.policy));
    out_text(&text);
    exit::OK
}

pub fn data_build(source: &Path, dest: &Path) -> i32 {
    match import::build_from_dir(source, crate::time::now_rfc3339()) {
        Ok(bytes) => {
            let tmp = dest.with_extension("tmp");
            if let Err(e) = std::fs::write(&tmp, &bytes).and_then(|()| std::fs::rename(&tmp, dest))
            {
                say!("cannot write {}: {e}", dest.display());
                return exit::USAGE;
            }
            say!("wrote {} ({} bytes)", dest.display(), bytes.len());
            exit::OK
        }
        Err(e) => {
            say!("{e}");
            exit::USAGE
        }
    }
}

/// `installguard policy check [FILE]`: every problem in every layer (or in FILE alone, over the
/// built-in defaults), plus exceptions that expired or can never match. Exit 2 when invalid.
pub fn policy_check(file: Option<&Path>, layer: Option<&str>, overrides: &[String]) -> i32 {
    use crate::policy::{LayerKind, diag, load, show};
    let loaded = match file {
        Some(f) => {
            let kind = match layer {
                Some("machine") => LayerKind::Machine,
                Some("project") => LayerKind::Project,
                Some(_) => LayerKind::User,
                None => check_kind(f),
            };
            load::load_with(&[], Some((f, kind)))
        }
        None => load::load(overrides),
    };
    let mut diags = loaded.diagnostics.clone();
    diags.extend(show::idle_exceptions(&loaded.policy, &store::load().data));
    let mut text = diag::render_all(&diags);
    let files: Vec<String> = loaded
        .policy
        .layers
        .iter()
        .filter(|l| l.present && l.kind != crate::policy::LayerKind::Default)
        .map(|l| format!("{} ({})", l.name, l.kind.label()))
        .collect();
    let errors = diags
        .iter()
        .filter(|d| d.level == diag::Level::Error)
        .count();
    let warnings = diags.len() - errors;
    let checked = if files.is_empty() {
        "built-in defaults only".to_string()
    } else {
        files.join(", ")
    };
    if errors > 0 {
        let _ = writeln!(
            text,
            "policy INVALID: {errors} error(s), {warnings} warning(s) in {checked}; installs are blocked until it is fixed"
        );
    } else {
        let _ = writeln!(text, "policy OK: {warnings} warning(s) in {checked}");
    }
    out_text(&text);
    if errors > 0 { exit::USAGE } else { exit::OK }
}

/// The layer `policy check FILE` judges FILE as without `--layer`: the layer its path makes
/// it (the machine path, the user path, a `.installguard.toml`); a file anywhere else is judged
/// as the machine policy when it has a top-level `lock` (which only the machine policy may
/// have: a template such as `config/example-policy.toml`), else as a user policy.
fn check_kind(file: &Path) -> crate::policy::LayerKind {
    use crate::policy::{LayerKind, load};
    let kind = load::kind_of(file);
    if kind != LayerKind::User || load::user_path().as_deref() == Some(file) {
        return kind;
    }
    let text = crate::files::read_regular(file, 1 << 20).unwrap_or_default();
    if has_top_level_lock(&String::from_utf8_lossy(&text)) {
        LayerKind::Machine
    } else {
        LayerKind::User
    }
}

/// Whether TOML text sets `lock` before its first table header.
fn has_top_level_lock(text: &str) -> bool {
    for line in text.lines() {
        let line = line.trim_start();
        if line.starts_with('[') {
            return false;
        }
        if let Some(rest) = line.strip_prefix("lock")
            && rest.trim_start().starts_with('=')
        {
            return true;
        }
    }
    false
}

/// `installguard policy show`: the effective policy as TOML, with where each value came from.
pub fn policy_show(overrides: &[String]) -> i32 {
    let loaded = crate::policy::load(overrides);
    if !loaded.is_valid() {
        output::err(&crate::policy::diag::render_all(&loaded.diagnostics));
        say!("the policy is invalid; installs are blocked until it is fixed");
        return exit::USAGE;
    }
    out_text(&crate::policy::show::render(&loaded.policy));
    exit::OK
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_file_that_locks_is_judged_as_the_machine_policy() {
        assert!(super::has_top_level_lock(
            "# c\nlock = [\"rules\"]\n[rules]\n"
        ));
        assert!(super::has_top_level_lock("  lock=[]"));
        assert!(!super::has_top_level_lock("[rules]\nlock = []\n"));
        assert!(!super::has_top_level_lock("locked = 1\n"));
    }
}
