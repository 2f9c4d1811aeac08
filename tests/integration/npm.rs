//! The real npm behind the shims, installing from a registry the test serves on 127.0.0.1 and
//! from local tarballs.

use crate::registry::Registry;
use crate::sandbox::{Sandbox, assert_code, run, text};

/// A sandbox whose work directory is an npm project (a bare package.json).
pub fn npm_sandbox() -> Sandbox {
    let sb = Sandbox::new();
    std::fs::write(
        sb.work().join("package.json"),
        r#"{"name":"proj","version":"1.0.0"}"#,
    )
    .unwrap();
    sb
}

#[test]
fn registry_install_of_a_clean_package_runs_npm_and_is_logged() {
    let sb = npm_sandbox();
    let reg = Registry::start(&sb.path("cache"), &["igtest-clean"]);
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-clean"]));
    assert_code(&out, 0);
    assert!(
        sb.work()
            .join("node_modules/igtest-clean/index.js")
            .exists(),
        "{}",
        text(&out.stderr)
    );
    let log = sb.outcomes();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["decision"], "allowed");
    assert_eq!(log[0]["exit_code"], 0);
}

#[test]
fn known_malicious_package_is_blocked_before_npm_fetches_anything() {
    let sb = npm_sandbox();
    // `000webhost-admin` is reported malicious (OpenSSF MAL-2024-11848).
    let reg = Registry::start(&sb.path("cache"), &["000webhost-admin"]);
    let out = run(sb.cmd("npm", &["i", "--registry", &reg.url, "000webhost-admin"]));
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains("MAL-"), "{}", text(&out.stderr));
    assert!(
        reg.seen().is_empty(),
        "npm must not have contacted the registry: {:?}",
        reg.seen()
    );
    assert!(!sb.work().join("node_modules").exists());
    assert_eq!(sb.log_records()[0]["decision"], "blocked");
}

#[test]
fn typosquat_is_installed_only_after_yes() {
    let sb = npm_sandbox();
    let reg = Registry::start(&sb.path("cache"), &["lodahs"]);
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "lodahs"]));
    assert_code(&out, 4);
    assert!(
        text(&out.stderr).contains("`lodash`"),
        "{}",
        text(&out.stderr)
    );
    assert!(reg.seen().is_empty());
    let mut c = sb.cmd("npm", &["install", "--registry", &reg.url, "lodahs"]);
    c.env("INSTALLGUARD_YES", "1");
    let out = run(c);
    assert_code(&out, 0);
    assert!(sb.work().join("node_modules/lodahs/index.js").exists());
}

#[test]
fn npm_alias_is_checked_under_its_real_name() {
    let sb = npm_sandbox();
    let reg = Registry::start(&sb.path("cache"), &["000webhost-admin"]);
    let out = run(sb.cmd(
        "npm",
        &[
            "install",
            "--registry",
            &reg.url,
            "nice-name@npm:000webhost-admin@1.0.0",
        ],
    ));
    assert_code(&out, 3);
    assert!(reg.seen().is_empty());
}

#[test]
fn pass_through_keeps_stdout_and_exit_code() {
    let sb = npm_sandbox();
    let through = run(sb.cmd("npm", &["--version"]));
    assert_code(&through, 0);
    let real = which::which_in("npm", std::env::var_os("PATH"), "/").unwrap();
    let direct = run(sb.cmd(real.to_str().unwrap(), &["--version"]));
    assert_eq!(through.stdout, direct.stdout);
    // An unknown command: npm's own error and exit code come back unchanged.
    let out = run(sb.cmd("npm", &["no-such-command-xyz"]));
    assert_eq!(
        out.status.code(),
        run(sb.cmd(real.to_str().unwrap(), &["no-such-command-xyz"]))
            .status
            .code()
    );
    assert!(sb.log_records().is_empty());
}
