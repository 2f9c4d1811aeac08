//! yarn (classic and berry), pnpm and bun behind the shims, installed once per run by
//! `tools.rs` and installing from a registry the test serves on 127.0.0.1; `check` on every
//! JavaScript spelling of a known-malicious install; npm's project, lockfile and workspace
//! side doors with the real npm.

use std::path::Path;

use crate::registry::Registry;
use crate::sandbox::{Sandbox, assert_code, run, text};
use crate::tools::js_tool;

/// Reported malicious in the embedded data (OpenSSF MAL-2024-11848).
const EVIL: &str = "000webhost-admin";

fn write(dir: &Path, rel: &str, body: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

/// `installguard check -- <program> <args>` in a project made of `files`: the exit code, and
/// stdout naming the origin.
fn check(files: &[(&str, &str)], program: &str, args: &[&str], origin: &str) {
    let sb = Sandbox::new();
    for (rel, body) in files {
        write(&sb.work(), rel, body);
    }
    let mut argv = vec!["check", "--", program];
    argv.extend_from_slice(args);
    let out = run(sb.ig(&argv));
    let what = format!("{program} {}", args.join(" "));
    assert_eq!(
        out.status.code(),
        Some(3),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let stdout = text(&out.stdout);
    let origin = origin.replace("$W", &sb.work().display().to_string());
    assert!(
        stdout.contains(&origin),
        "{what}: no `{origin}` in\n{stdout}"
    );
}

const CLASSIC: &str = r#"{"name":"p","version":"1.0.0","packageManager":"yarn@1.22.22"}"#;
const BERRY: &str = r#"{"name":"p","version":"1.0.0","packageManager":"yarn@4.18.1"}"#;
const PLAIN: &str = r#"{"name":"p","version":"1.0.0"}"#;

#[test]
fn check_blocks_a_malicious_package_in_every_js_spelling() {
    let yarn_v1 = format!(
        "# yarn lockfile v1\n\n\n\"{EVIL}@^1\":\n  version \"1.0.0\"\n  resolved \"https://registry.yarnpkg.com/{EVIL}/-/{EVIL}-1.0.0.tgz\"\n"
    );
    let yarn_berry = format!(
        "__metadata:\n  version: 8\n\n\"{EVIL}@npm:^1\":\n  version: 1.0.0\n  resolution: \"{EVIL}@npm:1.0.0\"\n"
    );
    let pnpm_lock = format!(
        "lockfileVersion: '9.0'\n\nimporters:\n\n  .:\n    dependencies:\n      {EVIL}:\n        specifier: ^1\n        version: 1.0.0\n\npackages:\n\n  {EVIL}@1.0.0:\n    resolution: {{integrity: sha512-E}}\n"
    );
    let bun_lock = format!(
        "{{\n  \"lockfileVersion\": 1,\n  \"packages\": {{\n    \"{EVIL}\": [\"{EVIL}@1.0.0\", \"\", {{}}, \"sha512-E\"],\n  }},\n}}\n"
    );
    check(
        &[("package.json", CLASSIC)],
        "yarn",
        &["add", EVIL],
        "[npm registry, argv]",
    );
    check(
        &[("package.json", CLASSIC), ("yarn.lock", &yarn_v1)],
        "yarn",
        &["install"],
        "$W/yarn.lock:4",
    );
    check(
        &[("package.json", BERRY), ("yarn.lock", &yarn_berry)],
        "yarn",
        &[],
        "$W/yarn.lock:4",
    );
    check(
        &[("package.json", BERRY)],
        "yarn",
        &["dlx", EVIL],
        "[npm registry, argv]",
    );
    check(
        &[("package.json", PLAIN)],
        "pnpm",
        &["add", EVIL],
        "[npm registry, argv]",
    );
    check(
        &[("package.json", PLAIN), ("pnpm-lock.yaml", &pnpm_lock)],
        "pnpm",
        &["install"],
        "$W/pnpm-lock.yaml:13",
    );
    check(
        &[("package.json", PLAIN)],
        "pnpm",
        &["dlx", EVIL],
        "[npm registry, argv]",
    );
    check(&[], "pnpx", &[EVIL], "[npm registry, argv]");
    check(
        &[("package.json", PLAIN)],
        "bun",
        &["add", EVIL],
        "[npm registry, argv]",
    );
    check(
        &[("package.json", PLAIN), ("bun.lock", &bun_lock)],
        "bun",
        &["install"],
        "$W/bun.lock:4",
    );
    check(&[], "bunx", &[EVIL], "[npm registry, argv]");
    // Spellings that install without saying `install`: bun's aliases, `bun create` (bunx of
    // create-<template>), pnpm's install-before-run (its default), yarn dlx's -p, npm aliases.
    let pj_evil =
        format!(r#"{{"name":"p","version":"1.0.0","dependencies":{{"{EVIL}":"1.0.0"}}}}"#);
    for args in [&["ci"][..], &["dedupe"], &["--cwd=.", "ci"]] {
        check(
            &[("package.json", &pj_evil)],
            "bun",
            args,
            "$W/package.json:1",
        );
    }
    check(
        &[("package.json", PLAIN)],
        "bun",
        &["create", "hshs"],
        "create-hshs",
    );
    for args in [&["run", "build"][..], &["test"], &["build"]] {
        check(
            &[("package.json", &pj_evil)],
            "pnpm",
            args,
            "$W/package.json:1",
        );
    }
    check(
        &[("package.json", BERRY)],
        "yarn",
        &["dlx", "-p", EVIL, "x"],
        "[npm registry, argv]",
    );
    // Command words the table of src/cmdline/words found unchecked: pnpm's `recursive`
    // prefix (`multi`, `m`), `pipeline` (a frozen install), `unlink` (reinstalls), berry's
    // `init <initializer>`.
    check(
        &[("package.json", PLAIN)],
        "pnpm",
        &["m", "add", EVIL],
        "[npm registry, argv]",
    );
    for args in [
        &["recursive", "install"][..],
        &["pipeline"],
        &["unlink"],
        &["rebuild"],
    ] {
        check(
            &[("package.json", PLAIN), ("pnpm-lock.yaml", &pnpm_lock)],
            "pnpm",
            args,
            "$W/pnpm-lock.yaml:13",
        );
    }
    check(
        &[("package.json", BERRY)],
        "yarn",
        &["init", EVIL],
        "[npm registry, argv]",
    );
    check(
        &[("package.json", PLAIN)],
        "bun",
        &["pm", "trust", EVIL],
        "[npm registry, argv]",
    );
    // `rebuild` re-runs the install scripts of what is installed: the project's packages.
    check(
        &[("package.json", BERRY), ("yarn.lock", &yarn_berry)],
        "yarn",
        &["rebuild"],
        "$W/yarn.lock:4",
    );
    check(
        &[("package.json", &pj_evil)],
        "npm",
        &["rebuild"],
        "$W/package.json:1",
    );
    check(&[("package.json", PLAIN)], "npm", &["rb", EVIL], "argv");
    check(
        &[("package.json", PLAIN)],
        "npm",
        &["install", &format!("nice@npm:{EVIL}@1.0.0")],
        EVIL,
    );
}

#[test]
fn check_blocks_npm_project_side_doors() {
    let pj_evil =
        format!(r#"{{"name":"p","version":"1.0.0","dependencies":{{"{EVIL}":"1.0.0"}}}}"#);
    check(
        &[("package.json", &pj_evil)],
        "npm",
        &["install", "lodash"],
        "$W/package.json:1",
    );
    let lock_dev = format!(
        "{{\n  \"lockfileVersion\": 3,\n  \"packages\": {{\n    \"\": {{\"name\": \"p\"}},\n    \"node_modules/jest/node_modules/{EVIL}\": {{\"version\": \"1.0.0\", \"dev\": true}}\n  }}\n}}\n"
    );
    check(
        &[("package.json", PLAIN), ("package-lock.json", &lock_dev)],
        "npm",
        &["i", "-D", "typescript"],
        "$W/package-lock.json:5",
    );
    // A lockfile entry whose resolved tarball is another package's, in v3 and in v1.
    let v3 = "{\n  \"lockfileVersion\": 3,\n  \"packages\": {\n    \"node_modules/lodash\": {\n      \"version\": \"4.17.21\",\n      \"resolved\": \"https://registry.npmjs.org/not-lodash/-/not-lodash-1.0.0.tgz\"\n    }\n  }\n}\n";
    check(
        &[("package.json", PLAIN), ("package-lock.json", v3)],
        "npm",
        &["ci"],
        "[lockfile-mismatch]",
    );
    let v1 = "{\n  \"lockfileVersion\": 1,\n  \"dependencies\": {\n    \"lodash\": {\n      \"version\": \"4.17.21\",\n      \"resolved\": \"https://registry.npmjs.org/not-lodash/-/not-lodash-1.0.0.tgz\"\n    }\n  }\n}\n";
    check(
        &[("package.json", PLAIN), ("package-lock.json", v1)],
        "npm",
        &["ci"],
        "$W/package-lock.json:4",
    );
    // A workspace member's dependency.
    let member = format!(r#"{{"name":"a","dependencies":{{"{EVIL}":"1"}}}}"#);
    check(
        &[
            (
                "package.json",
                r#"{"name":"root","workspaces":["packages/*"]}"#,
            ),
            ("packages/a/package.json", &member),
        ],
        "npm",
        &["install"],
        "$W/packages/a/package.json:1",
    );
    // The yarn.lock npm follows when there is no package-lock.
    let yarn_lock = format!(
        "# yarn lockfile v1\n\n\nlodash@^4:\n  version \"4.17.21\"\n  resolved \"https://registry.yarnpkg.com/{EVIL}/-/{EVIL}-1.0.0.tgz\"\n"
    );
    check(
        &[
            ("package.json", r#"{"dependencies":{"lodash":"^4"}}"#),
            ("yarn.lock", &yarn_lock),
        ],
        "npm",
        &["install"],
        "$W/yarn.lock:4",
    );
    // A registry tarball URL is checked under the name it carries.
    let url = format!("https://registry.npmjs.org/{EVIL}/-/{EVIL}-1.0.0.tgz");
    check(
        &[("package.json", PLAIN)],
        "npm",
        &["install", &url],
        "[npm url, argv]",
    );
}

/// A sandbox with a project, the loopback registry and one real tool's bins on PATH.
fn js_sandbox(tool: &str, package_json: &str) -> (Sandbox, Registry) {
    let mut sb = Sandbox::new();
    sb.extra_path.push(js_tool(tool));
    write(&sb.work(), "package.json", package_json);
    // Published long ago: berry's time gate quarantines a version without a date.
    let old = Some("2020-01-01T00:00:00.000Z");
    let reg = Registry::start_dated(&sb.path("cache"), &[("igtest-clean", old), (EVIL, old)]);
    (sb, reg)
}

/// Through the shim: the clean package is installed, the malicious one is blocked before the
/// tool runs (the registry never asked), and both are logged.
fn install_and_block(tool: &str, pj: &str, program: &str, add: &[&str], env: &[(&str, &str)]) {
    let (sb, reg) = js_sandbox(tool, pj);
    let yarnrc = format!(
        "npmRegistryServer: \"{}\"\nunsafeHttpWhitelist:\n  - 127.0.0.1\nnodeLinker: node-modules\nenableGlobalCache: false\nenableTelemetry: false\n",
        reg.url
    );
    write(&sb.work(), ".yarnrc.yml", &yarnrc);
    write(&sb.work(), ".npmrc", &format!("registry={}/\n", reg.url));
    write(
        &sb.work(),
        "bunfig.toml",
        &format!("[install]\nregistry = \"{}/\"\n", reg.url),
    );
    let with = |pkg: &str| {
        let mut args: Vec<&str> = add.to_vec();
        args.push(pkg);
        let mut c = sb.cmd(program, &args);
        for (k, v) in env {
            c.env(k, v.replace("$SB", &sb.dir.path().display().to_string()));
        }
        c
    };
    let out = run(with(EVIL));
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains("MAL-"), "{}", text(&out.stderr));
    assert!(
        reg.seen().is_empty(),
        "{program} contacted the registry: {:?}",
        reg.seen()
    );
    assert!(!sb.work().join("node_modules").exists());
    let out = run(with("igtest-clean"));
    assert_code(&out, 0);
    assert!(
        sb.work()
            .join("node_modules/igtest-clean/index.js")
            .exists(),
        "{program} did not install igtest-clean:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let log = sb.outcomes();
    let decisions: Vec<&str> = log
        .iter()
        .map(|r| r["decision"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(decisions, ["blocked", "allowed"]);
    assert_eq!(log[0]["program"], program);
}

#[test]
fn yarn_classic_installs_from_the_loopback_registry_and_blocks_malware() {
    install_and_block(
        "yarn",
        CLASSIC,
        "yarn",
        &[
            "add",
            "--non-interactive",
            "--cache-folder",
            "../cache/yarn",
        ],
        &[("YARN_IGNORE_PATH", "1")],
    );
}

#[test]
fn yarn_berry_installs_from_the_loopback_registry_and_blocks_malware() {
    install_and_block(
        "@yarnpkg/cli-dist",
        BERRY,
        "yarn",
        &["add"],
        &[
            ("YARN_ENABLE_TELEMETRY", "0"),
            ("COREPACK_ENABLE_STRICT", "0"),
        ],
    );
}

#[test]
fn pnpm_installs_from_the_loopback_registry_and_blocks_malware() {
    install_and_block(
        "pnpm",
        PLAIN,
        "pnpm",
        &["add", "--store-dir", "../cache/pnpm-store"],
        &[("pnpm_config_update_notifier", "false")],
    );
}

#[test]
fn bun_installs_from_the_loopback_registry_and_blocks_malware() {
    install_and_block(
        "bun",
        PLAIN,
        "bun",
        &["add"],
        &[("BUN_INSTALL_CACHE_DIR", "$SB/cache/bun")],
    );
}

#[test]
fn pass_through_is_byte_identical_and_unlogged() {
    for (tool, program) in [
        ("yarn", "yarn"),
        ("@yarnpkg/cli-dist", "yarn"),
        ("pnpm", "pnpm"),
        ("bun", "bun"),
        ("bun", "bunx"),
    ] {
        let (sb, _reg) = js_sandbox(tool, PLAIN);
        let through = run(sb.cmd(program, &["--version"]));
        let real = js_tool(tool).join(program);
        let direct = run(sb.cmd(real.to_str().unwrap(), &["--version"]));
        assert_eq!(through.status.code(), direct.status.code(), "{program}");
        assert_eq!(through.stdout, direct.stdout, "{program} --version");
        assert!(!through.stdout.is_empty(), "{program} printed nothing");
        assert!(
            sb.log_records().is_empty(),
            "{program}: a pass-through was logged"
        );
    }
}

#[test]
fn npm_install_of_a_clean_package_in_a_malicious_project_is_blocked() {
    let sb = Sandbox::new();
    let reg = Registry::start(&sb.path("cache"), &["igtest-clean", EVIL]);
    write(
        &sb.work(),
        "package.json",
        &format!(r#"{{"name":"p","version":"1.0.0","dependencies":{{"{EVIL}":"1.0.0"}}}}"#),
    );
    let out = run(sb.cmd("npm", &["install", "--registry", &reg.url, "igtest-clean"]));
    assert_code(&out, 3);
    assert!(reg.seen().is_empty(), "{:?}", reg.seen());
    assert!(!sb.work().join("node_modules").exists());
    assert_eq!(sb.log_records()[0]["decision"], "blocked");
}

#[test]
fn npm_dev_install_with_a_malicious_transitive_lock_entry_is_blocked() {
    let sb = Sandbox::new();
    let reg = Registry::start(&sb.path("cache"), &["igtest-clean", EVIL]);
    write(&sb.work(), "package.json", PLAIN);
    write(
        &sb.work(),
        "package-lock.json",
        &format!(
            r#"{{"name":"p","lockfileVersion":3,"packages":{{"":{{"name":"p"}},"node_modules/igtest-clean/node_modules/{EVIL}":{{"version":"1.0.0","resolved":"{}/{EVIL}/-/{EVIL}-1.0.0.tgz","dev":true}}}}}}"#,
            reg.url
        ),
    );
    let out = run(sb.cmd("npm", &["i", "-D", "--registry", &reg.url, "igtest-clean"]));
    assert_code(&out, 3);
    assert!(
        text(&out.stderr).contains("package-lock.json"),
        "{}",
        text(&out.stderr)
    );
    assert!(reg.seen().is_empty(), "{:?}", reg.seen());
    assert!(!sb.work().join("node_modules").exists());
    assert_eq!(sb.log_records()[0]["decision"], "blocked");
}

/// `pnpm run` installs first (verifyDepsBeforeRun, `install` by default in pnpm 12) when
/// package.json declares what node_modules lacks: a malicious dependency added to package.json
/// is blocked on `pnpm run` before pnpm runs (nothing installed, the script not run); a clean
/// one is installed by pnpm's own install-before-run; with the setting `false` pnpm only runs
/// the script and installguard lets it.
/// `pnpm recursive add` (the `recursive` word was read as pnpm's own, installing nothing):
/// through the guard now, blocked before pnpm runs, a clean package installed.
#[test]
fn pnpm_recursive_add_installs_from_the_loopback_registry_and_blocks_malware() {
    install_and_block(
        "pnpm",
        PLAIN,
        "pnpm",
        &["recursive", "add", "--store-dir", "../cache/pnpm-store"],
        &[("pnpm_config_update_notifier", "false")],
    );
}

#[test]
fn pnpm_run_installing_first_is_guarded() {
    let script = r#""scripts":{"hello":"echo ran > ran.txt"}"#;
    let args = ["--store-dir", "../cache/pnpm-store", "run", "hello"];
    let env = [("pnpm_config_update_notifier", "false")];
    let cmd = |sb: &Sandbox| {
        let mut c = sb.cmd("pnpm", &args);
        c.envs(env);
        c
    };
    // A malicious dependency: blocked before pnpm runs.
    let evil =
        format!(r#"{{"name":"p","version":"1.0.0",{script},"dependencies":{{"{EVIL}":"*"}}}}"#);
    let (sb, reg) = js_sandbox("pnpm", &evil);
    write(&sb.work(), ".npmrc", &format!("registry={}/\n", reg.url));
    let out = run(cmd(&sb));
    assert_code(&out, 3);
    assert!(text(&out.stderr).contains("MAL-"), "{}", text(&out.stderr));
    assert!(
        reg.seen().is_empty(),
        "pnpm contacted the registry: {:?}",
        reg.seen()
    );
    assert!(!sb.work().join("node_modules").exists());
    assert!(!sb.work().join("ran.txt").exists(), "the script ran");
    // The same with verifyDepsBeforeRun: false: pnpm installs nothing, the script runs.
    write(
        &sb.work(),
        "pnpm-workspace.yaml",
        "verifyDepsBeforeRun: false\n",
    );
    let out = run(cmd(&sb));
    assert_code(&out, 0);
    assert!(sb.work().join("ran.txt").exists(), "{}", text(&out.stderr));
    assert!(!sb.work().join("node_modules").join(EVIL).exists());
    // A clean dependency: pnpm installs it before the script, through the guard.
    let clean = format!(
        r#"{{"name":"p","version":"1.0.0",{script},"dependencies":{{"igtest-clean":"*"}}}}"#
    );
    let (sb, reg) = js_sandbox("pnpm", &clean);
    write(&sb.work(), ".npmrc", &format!("registry={}/\n", reg.url));
    let out = run(cmd(&sb));
    assert_code(&out, 0);
    assert!(
        sb.work()
            .join("node_modules/igtest-clean/index.js")
            .exists(),
        "pnpm run did not install first:\n{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(sb.work().join("ran.txt").exists());
    let log = sb.outcomes();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["decision"], "allowed");
}
