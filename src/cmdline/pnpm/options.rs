//! pnpm 12.21.0's option tables, one per install-family command plus the global options that
//! every command accepts (clap `global = true`). Copied from the tool's own `--help` of each
//! command (pnpm 12 is the Rust port whose grammar is clap's; see `docs/cli-grammar.md`).
//! Arity: `<X>` a value, `<X>...` every following value, `[=<X>]` only `--x=value`.

use crate::cmdline::argtable::{Arity::*, Opt, opt};

pub(super) const GLOBAL: &[Opt] = &[
    opt(&["yes"], Some('y'), Flag),
    opt(&["env-file"], None, Value),
    opt(&["dir"], Some('C'), Value),
    opt(&["store-dir"], None, Value),
    opt(&["state-dir"], None, Value),
    opt(&["npmrc-auth-file"], None, Value),
    opt(&["ignore-workspace"], None, Flag),
    opt(&["workspace-packages"], None, Value),
    opt(&["registry"], None, Value),
    opt(&["https-proxy"], None, Value),
    opt(&["http-proxy"], None, Value),
    opt(&["no-proxy"], None, Value),
    opt(&["color"], None, Equals),
    opt(&["reporter"], None, Value),
    opt(&["loglevel"], None, Value),
    opt(&["no-progress"], None, Flag),
    opt(&["stream"], None, Flag),
    opt(&["aggregate-output"], None, Flag),
    opt(&["use-stderr"], None, Flag),
    opt(&["recursive"], Some('r'), Flag),
    opt(&["filter"], Some('F'), Value),
    opt(&["filter-prod"], None, Value),
    opt(&["workspace-root"], Some('w'), Flag),
    opt(&["fail-if-no-match"], None, Flag),
    opt(&["no-fail-if-no-match"], None, Flag),
    opt(&["include-workspace-root"], None, Flag),
    opt(&["no-include-workspace-root"], None, Flag),
    opt(&["test-pattern"], None, Value),
    opt(&["changed-files-ignore-pattern"], None, Value),
    opt(&["sort"], None, Flag),
    opt(&["no-sort"], None, Flag),
    opt(&["reverse"], None, Flag),
    opt(&["workspace-concurrency"], None, Value),
    opt(&["parallel"], None, Flag),
];

pub(super) const ADD: &[Opt] = &[
    opt(&["save-prod"], Some('P'), Flag),
    opt(&["save-dev"], Some('D'), Flag),
    opt(&["save-optional"], Some('O'), Flag),
    opt(&["save-build"], None, Flag),
    opt(&["save-peer"], None, Flag),
    opt(&["no-save-peer"], None, Flag),
    opt(&["prod"], None, Flag),
    opt(&["dev"], None, Flag),
    opt(&["cpu"], None, Values),
    opt(&["os"], None, Values),
    opt(&["libc"], None, Values),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["no-ignore-scripts"], None, Flag),
    opt(&["ignore-pnpmfile"], None, Flag),
    opt(&["save-types"], None, Flag),
    opt(&["no-save-types"], None, Flag),
    opt(&["save-exact"], Some('E'), Flag),
    opt(&["tilde"], None, Flag),
    opt(&["save-prefix"], None, Value),
    opt(&["save-catalog"], None, Flag),
    opt(&["save-catalog-name"], None, Value),
    opt(&["config"], None, Flag),
    opt(&["workspace"], None, Flag),
    opt(&["global"], Some('g'), Flag),
    opt(&["ignore-workspace-root-check"], None, Flag),
    opt(&["auto-dedupe"], None, Flag),
    opt(&["no-auto-dedupe"], None, Flag),
    opt(&["allow-build"], None, Value),
    opt(&["lockfile-only"], None, Flag),
    opt(&["lockfile-dir"], None, Value),
    opt(&["optional"], None, Flag),
    opt(&["no-optional"], None, Flag),
    opt(&["force"], None, Flag),
];

pub(super) const INSTALL: &[Opt] = &[
    opt(&["prod"], Some('P'), Flag),
    opt(&["dev"], Some('D'), Flag),
    opt(&["optional"], None, Flag),
    opt(&["no-optional"], None, Flag),
    opt(&["cpu"], None, Values),
    opt(&["os"], None, Values),
    opt(&["libc"], None, Values),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["no-ignore-scripts"], None, Flag),
    opt(&["ignore-pnpmfile"], None, Flag),
    opt(&["offline"], None, Flag),
    opt(&["no-offline"], None, Flag),
    opt(&["prefer-offline"], None, Flag),
    opt(&["no-prefer-offline"], None, Flag),
    opt(&["frozen-lockfile"], None, Flag),
    opt(&["no-frozen-lockfile"], None, Flag),
    opt(&["lockfile-only"], None, Flag),
    opt(&["fix-lockfile"], None, Flag),
    opt(&["lockfile-dir"], None, Value),
    opt(&["prefer-frozen-lockfile"], None, Flag),
    opt(&["no-prefer-frozen-lockfile"], None, Flag),
    opt(&["ignore-manifest-check"], None, Flag),
    opt(&["auto-dedupe"], None, Flag),
    opt(&["no-auto-dedupe"], None, Flag),
    opt(&["merge-git-branch-lockfiles"], None, Flag),
    opt(&["merge-git-branch-lockfiles-branch-pattern"], None, Value),
    opt(&["trust-lockfile"], None, Flag),
    opt(&["no-trust-lockfile"], None, Flag),
    opt(&["update-checksums"], None, Flag),
    opt(&["network-concurrency"], None, Value),
    opt(&["fetch-timeout"], None, Value),
    opt(&["fetch-warn-timeout-ms"], None, Value),
    opt(&["fetch-min-speed-ki-bps"], None, Value),
    opt(&["user-agent"], None, Value),
    opt(&["pnpr-server"], None, Value),
    opt(&["dry-run"], None, Flag),
    opt(&["force"], None, Flag),
    opt(&["no-runtime"], None, Flag),
    opt(&["node-linker"], None, Value),
    opt(&["frozen-store"], None, Flag),
    opt(&["no-frozen-store"], None, Flag),
    opt(&["allow-build"], None, Value),
];

pub(super) const UPDATE: &[Opt] = &[
    opt(&["prod"], Some('P'), Flag),
    opt(&["dev"], Some('D'), Flag),
    opt(&["optional"], None, Flag),
    opt(&["no-optional"], None, Flag),
    opt(&["peer"], None, Flag),
    opt(&["cpu"], None, Values),
    opt(&["os"], None, Values),
    opt(&["libc"], None, Values),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["no-ignore-scripts"], None, Flag),
    opt(&["ignore-pnpmfile"], None, Flag),
    opt(&["latest"], Some('L'), Flag),
    opt(&["patches"], None, Flag),
    opt(&["depth"], None, Value),
    opt(&["interactive"], Some('i'), Flag),
    opt(&["include-github-actions"], None, Flag),
    opt(&["global"], Some('g'), Flag),
    opt(&["workspace"], None, Flag),
    opt(&["save-exact"], Some('E'), Flag),
    opt(&["no-save"], None, Flag),
    opt(&["changeset"], None, Flag),
    opt(&["no-changeset"], None, Flag),
    opt(&["lockfile-only"], None, Flag),
    opt(&["lockfile-dir"], None, Value),
    opt(&["pnpr-server"], None, Value),
];

pub(super) const DLX: &[Opt] = &[
    opt(&["version"], Some('v'), Flag),
    opt(&["package"], None, Value),
    opt(&["allow-build"], None, Value),
    opt(&["shell-mode"], Some('c'), Flag),
    opt(&["cpu"], None, Value),
    opt(&["os"], None, Value),
    opt(&["libc"], None, Value),
];

pub(super) const CREATE: &[Opt] = &[
    opt(&["allow-build"], None, Value),
    opt(&["shell-mode"], Some('c'), Flag),
    opt(&["cpu"], None, Value),
    opt(&["os"], None, Value),
    opt(&["libc"], None, Value),
];

pub(super) const CI: &[Opt] = INSTALL;

pub(super) const DEDUPE: &[Opt] = &[
    opt(&["check"], None, Flag),
    opt(&["lockfile-only"], None, Flag),
    opt(&["no-runtime"], None, Flag),
    opt(&["ignore-scripts"], None, Flag),
    opt(&["no-ignore-scripts"], None, Flag),
    opt(&["ignore-pnpmfile"], None, Flag),
    opt(&["offline"], None, Flag),
    opt(&["no-offline"], None, Flag),
    opt(&["prefer-offline"], None, Flag),
    opt(&["no-prefer-offline"], None, Flag),
];

pub(super) const FETCH: &[Opt] = &[
    opt(&["prod"], Some('P'), Flag),
    opt(&["dev"], Some('D'), Flag),
    opt(&["ignore-pnpmfile"], None, Flag),
];

/// `deploy`: `install`'s options and these.
pub(super) const DEPLOY: &[Opt] = &[opt(&["legacy"], None, Flag)];

pub(super) const REMOVE: &[Opt] = &[
    opt(&["save-prod"], Some('P'), Flag),
    opt(&["save-dev"], Some('D'), Flag),
    opt(&["save-optional"], Some('O'), Flag),
    opt(&["lockfile-only"], None, Flag),
    opt(&["lockfile-dir"], None, Value),
    opt(&["trust-lockfile"], None, Flag),
    opt(&["no-trust-lockfile"], None, Flag),
    opt(&["global"], Some('g'), Flag),
];

pub(super) const LINK: &[Opt] = &[];

pub(super) const WITH: &[Opt] = &[];

/// `pnpm self-update [VERSION]`: the global options only (`pnpm self-update --help`, 12.21.0).
pub(super) const SELF_UPDATE: &[Opt] = &[];

/// `pnpm rebuild [PACKAGES]...` (`pnpm rebuild --help`, 12.21.0).
pub(super) const REBUILD: &[Opt] = &[opt(&["pending"], None, Flag)];

/// `pnpm unlink [PACKAGE_NAMES]...` (`pnpm unlink --help`, 12.21.0).
pub(super) const UNLINK: &[Opt] = &[opt(&["ignore-pnpmfile"], None, Flag)];

pub(super) const INSTALL_TEST: &[Opt] = INSTALL;
