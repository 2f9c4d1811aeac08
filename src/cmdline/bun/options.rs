//! bun 1.4.5's option tables for its install-family commands, copied from the tool's own
//! `--help` of each command (`bun add --help`, ...). A value option takes `--x=value` or
//! `--x value`; anything else is a flag (bun refuses unknown flags: "bun add has no --foo
//! flag").

use crate::cmdline::argtable::{Arity::*, Opt, opt};

/// `add`: the install options and these.
pub(super) const ADD: &[Opt] = &[
    opt(&["dev"], Some('d'), Flag),
    opt(&["optional"], None, Flag),
    opt(&["peer"], None, Flag),
    opt(&["save-prod"], None, Flag),
    opt(&["exact"], Some('E'), Flag),
    opt(&["filter"], Some('F'), Value),
    opt(&["analyze"], Some('a'), Flag),
    opt(&["only-missing"], None, Flag),
    opt(&["catalog"], None, Value),
];

/// `update`: the install options and these.
pub(super) const UPDATE: &[Opt] = &[
    opt(&["latest"], Some('L'), Flag),
    opt(&["interactive"], Some('i'), Flag),
    opt(&["filter"], Some('F'), Value),
    opt(&["recursive"], Some('r'), Flag),
    opt(&["dev"], Some('d'), Flag),
    opt(&["no-optional"], None, Flag),
    opt(&["depth"], None, Value),
    opt(&["exact"], Some('E'), Flag),
];

pub(super) const X: &[Opt] = &[
    opt(&["bun"], None, Flag),
    opt(&["package"], Some('p'), Value),
    opt(&["no-install"], None, Flag),
    opt(&["cwd"], None, Value),
    opt(&["env-file"], None, Value),
    opt(&["minimum-release-age"], None, Value),
    opt(&["registry"], None, Value),
    opt(&["ca"], None, Value),
    opt(&["cafile"], None, Value),
    opt(&["trust"], None, Flag),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["verbose"], None, Flag),
    opt(&["silent"], None, Flag),
];

/// `remove`: the install options and these.
/// `bun dedupe`'s own flag (`--dry-run`, `--lockfile-only`, `--frozen-lockfile` are
/// install's): `--check` only reports.
pub(super) const DEDUPE: &[Opt] = &[opt(&["check"], None, Flag)];
pub(super) const REMOVE: &[Opt] = &[opt(&["filter"], Some('F'), Value)];
/// `bun upgrade [--canary|--stable]` (`bun upgrade --help`, 1.4.5).
pub(super) const UPGRADE: &[Opt] = &[opt(&["canary"], None, Flag), opt(&["stable"], None, Flag)];
/// `bun pm trust <names...>|--all` (`bun pm --help`, 1.4.5).
pub(super) const TRUST: &[Opt] = &[opt(&["all"], None, Flag)];

/// The options every install command takes (`bun link --help` has exactly these).
pub(super) const INSTALL: &[Opt] = &[
    opt(&["config"], Some('c'), Value),
    opt(&["yarn"], Some('y'), Flag),
    opt(&["production"], Some('p'), Flag),
    opt(&["no-save"], None, Flag),
    opt(&["save"], None, Flag),
    opt(&["ca"], None, Value),
    opt(&["cafile"], None, Value),
    opt(&["dry-run"], None, Flag),
    opt(&["frozen-lockfile"], None, Flag),
    opt(&["force"], Some('f'), Flag),
    opt(&["cache-dir"], None, Value),
    opt(&["no-cache"], None, Flag),
    opt(&["silent"], None, Flag),
    opt(&["quiet"], None, Flag),
    opt(&["verbose"], None, Flag),
    opt(&["no-progress"], None, Flag),
    opt(&["no-summary"], None, Flag),
    opt(&["no-verify"], None, Flag),
    opt(&["offline"], None, Flag),
    opt(&["prefer-offline"], None, Flag),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["trust"], None, Flag),
    opt(&["global"], Some('g'), Flag),
    opt(&["cwd"], None, Value),
    opt(&["env-file"], None, Value),
    opt(&["no-env-file"], None, Flag),
    opt(&["backend"], None, Value),
    opt(&["registry"], None, Value),
    opt(&["concurrent-scripts"], None, Value),
    opt(&["network-concurrency"], None, Value),
    opt(&["save-text-lockfile"], None, Flag),
    opt(&["omit"], None, Value),
    opt(&["lockfile-only"], None, Flag),
    opt(&["linker"], None, Value),
    opt(&["minimum-release-age"], None, Value),
    opt(&["minimum-release-age-excludes"], None, Value),
    opt(&["cpu"], None, Value),
    opt(&["os"], None, Value),
    opt(&["libc"], None, Value),
    opt(&["use-system-ca"], None, Flag),
    opt(&["use-openssl-ca"], None, Flag),
    opt(&["use-bundled-ca"], None, Flag),
];
