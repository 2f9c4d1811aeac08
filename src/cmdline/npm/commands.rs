//! npm's command lookup (lib/utils/cmd-list.js, npm 11.19.1): the canonical command for what the
//! user typed, through aliases and abbreviations. Pure; does not decide what a command installs.

use super::*;

fn alias_target(c: &str) -> Option<&'static str> {
    ALIASES.iter().find(|(a, _)| *a == c).map(|(_, t)| *t)
}

/// npm's `deref`: the canonical command name for what the user typed.
pub(super) fn deref(c: &str) -> Option<&'static str> {
    if c.is_empty() {
        return None;
    }
    let mut dashed = String::with_capacity(c.len() + 4);
    for ch in c.chars() {
        if ch.is_ascii_uppercase() {
            dashed.push('-');
            dashed.push(ch.to_ascii_lowercase());
        } else {
            dashed.push(ch);
        }
    }
    if let Some(cmd) = COMMANDS.iter().find(|k| **k == dashed) {
        return Some(cmd);
    }
    if let Some(t) = alias_target(&dashed) {
        return Some(t);
    }
    let words = COMMANDS
        .iter()
        .copied()
        .chain(ALIASES.iter().map(|(a, _)| *a));
    let mut a = abbrev(words, &dashed)?;
    for _ in 0..4 {
        match alias_target(a) {
            Some(t) => a = t,
            None => break,
        }
    }
    Some(a)
}

const COMMANDS: &[&str] = &[
    "access",
    "adduser",
    "approve-scripts",
    "audit",
    "bugs",
    "cache",
    "ci",
    "completion",
    "config",
    "dedupe",
    "deny-scripts",
    "deprecate",
    "diff",
    "dist-tag",
    "docs",
    "doctor",
    "edit",
    "exec",
    "explain",
    "explore",
    "find-dupes",
    "fund",
    "get",
    "help",
    "help-search",
    "init",
    "install",
    "install-ci-test",
    "install-scripts",
    "install-test",
    "link",
    "ll",
    "login",
    "logout",
    "ls",
    "org",
    "outdated",
    "owner",
    "pack",
    "ping",
    "pkg",
    "prefix",
    "profile",
    "prune",
    "publish",
    "query",
    "rebuild",
    "repo",
    "restart",
    "root",
    "run",
    "sbom",
    "search",
    "set",
    "shrinkwrap",
    "stage",
    "star",
    "stars",
    "start",
    "stop",
    "team",
    "test",
    "token",
    "trust",
    "undeprecate",
    "uninstall",
    "unpublish",
    "unstar",
    "update",
    "version",
    "view",
    "whoami",
];

const ALIASES: &[(&str, &str)] = &[
    ("add", "install"),
    ("add-user", "adduser"),
    ("author", "owner"),
    ("c", "config"),
    ("cit", "install-ci-test"),
    ("clean-install", "ci"),
    ("clean-install-test", "install-ci-test"),
    ("create", "init"),
    ("ddp", "dedupe"),
    ("dist-tags", "dist-tag"),
    ("find", "search"),
    ("hlep", "help"),
    ("home", "docs"),
    ("i", "install"),
    ("ic", "ci"),
    ("in", "install"),
    ("info", "view"),
    ("innit", "init"),
    ("ins", "install"),
    ("inst", "install"),
    ("insta", "install"),
    ("instal", "install"),
    ("install-clean", "ci"),
    ("isnt", "install"),
    ("isnta", "install"),
    ("isntal", "install"),
    ("isntall", "install"),
    ("isntall-clean", "ci"),
    ("issues", "bugs"),
    ("it", "install-test"),
    ("la", "ll"),
    ("list", "ls"),
    ("ln", "link"),
    ("ogr", "org"),
    ("r", "uninstall"),
    ("rb", "rebuild"),
    ("remove", "uninstall"),
    ("rm", "uninstall"),
    ("rum", "run"),
    ("run-script", "run"),
    ("s", "search"),
    ("se", "search"),
    ("show", "view"),
    ("sit", "install-ci-test"),
    ("t", "test"),
    ("tst", "test"),
    ("u", "update"),
    ("udpate", "update"),
    ("un", "uninstall"),
    ("unlink", "uninstall"),
    ("up", "update"),
    ("upgrade", "update"),
    ("urn", "run"),
    ("v", "view"),
    ("verison", "version"),
    ("why", "explain"),
    ("x", "exec"),
];
