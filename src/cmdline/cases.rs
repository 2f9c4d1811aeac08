//! The one notation of the parsers' table tests: a command line as a string, the outcome as a
//! string. Test-only; it checks nothing about the parsers itself.
//!
//! Input (`argv`): split on whitespace; `'...'` quotes (so `''` is an empty argument and
//! `'a b'` one argument holding a space).
//!
//! Outcome (`render`):
//! - `PASS`: the command installs nothing and goes to the real tool.
//! - `!usage: MESSAGE` / `!file: MESSAGE`: an error of that kind.
//! - otherwise the targets, then `|| ` and the sources, each list joined by ` | `
//!   (`(none)` when it installs but names nothing).
//! - a target is `[ECO:][KIND:]NAME[ SPEC][ <ORIGIN>]`: `ECO:` only when the target's ecosystem is
//!   not the manager's own (`pypi:ruff` from a Brewfile); `KIND:` is the `TargetKind` id, left out
//!   for the manager's plain kind (a registry package; a formula for brew); when there is no name
//!   the spec stands alone; `<ORIGIN>` is left out for argv (`<env:PIP_REQUIREMENT>`,
//!   `<req.txt:3>`); a lockfile entry that fetches another package than it names ends in
//!   `(claims NAME@VERSION)`.
//! - a source is `KIND:[SCOPE ]LOCATION[ <ORIGIN>]` with the `SourceKind` id.
//!
//! Expected (`matches`): equal to the rendering, except that an error expectation may end in
//! `*` (the rendering starts with the rest) or hold `…` (`!usage: …mutually exclusive`: the
//! rendering starts with the part before and contains the part after), and `!usage: *` accepts
//! any usage error.

use crate::cmdline::{Error, ErrorKind};
use crate::ecosystem::Manager;
use crate::request::{Origin, Request, TargetKind};

/// A command line written as one string (see the module notes).
pub(crate) fn argv(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut any = false;
    for c in line.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                any = true;
            }
            c if c.is_whitespace() && !quoted => {
                if any {
                    out.push(std::mem::take(&mut cur));
                    any = false;
                }
            }
            c => {
                cur.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(cur);
    }
    out
}

fn origin(o: &Origin) -> String {
    match o {
        Origin::Argv => String::new(),
        o => format!(" <{o}>"),
    }
}

/// The kind a manager's targets have unless said otherwise.
fn plain_kind(manager: Manager) -> TargetKind {
    match manager {
        Manager::Brew => TargetKind::Formula,
        _ => TargetKind::Registry,
    }
}

/// The outcome of a parse in the shared notation (see the module notes).
pub(crate) fn render(result: &Result<Request, Error>) -> String {
    let req = match result {
        Err(e) => {
            let kind = match e.kind {
                ErrorKind::Usage => "usage",
                ErrorKind::BadFile => "file",
            };
            return format!("!{kind}: {}", e.message);
        }
        Ok(req) if !req.installs => {
            assert!(
                req.targets.is_empty() && req.sources.is_empty(),
                "a pass-through names no targets or sources: {req:?}"
            );
            return "PASS".into();
        }
        Ok(req) => req,
    };
    let targets: Vec<String> = req
        .targets
        .iter()
        .map(|t| {
            let mut s = String::new();
            if t.ecosystem != req.manager.ecosystem() {
                s.push_str(t.ecosystem.as_str());
                s.push(':');
            }
            if t.kind != plain_kind(req.manager) {
                s.push_str(t.kind.as_str());
                s.push(':');
            }
            match (&t.name, &t.spec) {
                (Some(n), Some(sp)) => s.push_str(&format!("{n} {sp}")),
                (Some(n), None) => s.push_str(n),
                (None, Some(sp)) => s.push_str(sp),
                (None, None) => {}
            }
            s += &origin(&t.origin);
            if let Some(c) = &t.claimed {
                s.push_str(&format!(" (claims {c})"));
            }
            s
        })
        .collect();
    let sources: Vec<String> = req
        .sources
        .iter()
        .map(|s| {
            let scope = s
                .scope
                .as_deref()
                .map(|sc| format!("{sc} "))
                .unwrap_or_default();
            format!(
                "{}:{scope}{}{}",
                s.kind.as_str(),
                s.location,
                origin(&s.origin)
            )
        })
        .collect();
    let mut text = if targets.is_empty() {
        "(none)".to_string()
    } else {
        targets.join(" | ")
    };
    if !sources.is_empty() {
        text.push_str(" || ");
        text.push_str(&sources.join(" | "));
    }
    text
}

/// Whether a rendering meets an expectation (see the module notes).
pub(crate) fn matches(got: &str, want: &str) -> bool {
    if want.starts_with('!') {
        if let Some(prefix) = want.strip_suffix('*') {
            return got.starts_with(prefix);
        }
        if let Some((prefix, part)) = want.split_once('…') {
            return got.starts_with(prefix) && got.contains(part);
        }
    }
    got == want
}

/// Check every case `(command line, expected)` with `parse`, reporting all mismatches at once.
pub(crate) fn check(cases: &[(&str, &str)], parse: impl Fn(&[String]) -> Result<Request, Error>) {
    check_results(
        cases
            .iter()
            .map(|(line, want)| (format!("`{line}`"), *want, parse(&argv(line)))),
    );
}

/// Check results already computed, each `(what the case is, expected, result)`, reporting all
/// mismatches at once (for cases that also set up files or the environment).
pub(crate) fn check_results<'a>(
    results: impl IntoIterator<Item = (String, &'a str, Result<Request, Error>)>,
) {
    let bad: Vec<String> = results
        .into_iter()
        .filter_map(|(case, want, result)| {
            let got = render(&result);
            (!matches(&got, want)).then(|| format!("  {case}\n    want: {want}\n    got:  {got}"))
        })
        .collect();
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argv_quoting() {
        assert_eq!(argv("i  'a b' '' x"), vec!["i", "a b", "", "x"]);
        assert!(argv("").is_empty());
    }

    #[test]
    fn expectations() {
        assert!(matches("!usage: bad -x", "!usage: *"));
        assert!(matches("!usage: bad -x", "!usage: bad*"));
        assert!(matches("!usage: bad -x", "!usage: …-x"));
        assert!(!matches("!file: bad -x", "!usage: …-x"));
        assert!(!matches("foo 1.2.3", "foo*"));
        assert!(matches("foo 1.2.*", "foo 1.2.*"));
    }
}
