//! Build script: links the `installguard-shim` binary statically (static-pie) on Linux with
//! glibc, so a pass-through starts without the dynamic loader (bench/shim-results.md).
//! It generates no code and changes nothing else: the `installguard` binary, the tests and
//! every other OS link as usual (macOS has no supported static linking at all).
//!
//! Cargo has no stable per-binary `-C target-feature=+crt-static`, and setting it for the
//! whole build breaks proc-macros and would make the full binary static too (its DNS and
//! home-directory lookups need glibc's NSS, which a static binary cannot load reliably).
//! What a build script can give one binary is linker arguments: `-static-pie`, and a
//! directory searched first holding linker scripts named like the shared libraries rustc
//! asks for (`-lc`, `-lgcc_s`, ...) that point at the static archives instead. The archives
//! are found with the linker driver rustc uses (`-print-file-name`); when any is missing (no
//! glibc static package installed, a linker that cannot say), or `INSTALLGUARD_SHIM_LINK=dynamic`
//! asks for it, the shim links dynamically like everything else and the build says why.
//! The choice is passed on as `INSTALLGUARD_SHIM_LINKAGE` ("static", or "dynamic: <why>")
//! for the test that checks the built binary (tests/integration/shims.rs).

use std::path::{Path, PathBuf};
use std::process::Command;

/// Every library rustc's link line names for a Rust program on linux-gnu without
/// crt-static (std's `unwind` and the `libc` crate): each is redirected to the archives.
const REDIRECTED: &[&str] = &["gcc_s", "util", "rt", "pthread", "m", "dl", "c"];

/// What a static glibc program links instead: glibc's archives, then libgcc's unwinder and
/// helpers (what `-lgcc_s` provided).
const ARCHIVES: &[&str] = &[
    "libutil.a",
    "librt.a",
    "libpthread.a",
    "libm.a",
    "libdl.a",
    "libc.a",
    "libgcc_eh.a",
    "libgcc.a",
];

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=INSTALLGUARD_SHIM_LINK");
    println!("cargo:rerun-if-env-changed=RUSTC_LINKER");
    let linkage = match shim_static_link() {
        Ok(args) => {
            for arg in args {
                println!("cargo:rustc-link-arg-bin=installguard-shim={arg}");
            }
            "static".to_string()
        }
        Err(why) => {
            if why.warn {
                println!(
                    "cargo:warning=installguard-shim links dynamically: {}",
                    why.text
                );
            }
            format!("dynamic: {}", why.text)
        }
    };
    println!("cargo:rustc-env=INSTALLGUARD_SHIM_LINKAGE={linkage}");
}

struct NotStatic {
    text: String,
    /// Worth a build warning: static linking was expected here and is not possible.
    warn: bool,
}

fn not_static(text: impl Into<String>, warn: bool) -> NotStatic {
    NotStatic {
        text: text.into(),
        warn,
    }
}

/// The linker arguments that make the shim a static PIE, or why it stays dynamic.
fn shim_static_link() -> Result<Vec<String>, NotStatic> {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    if os != "linux" || env != "gnu" {
        return Err(not_static(
            format!("static linking is only done for Linux with glibc (target: {os}, {env})"),
            false,
        ));
    }
    if std::env::var_os("INSTALLGUARD_SHIM_LINK").is_some_and(|v| v == "dynamic") {
        return Err(not_static("INSTALLGUARD_SHIM_LINK=dynamic", false));
    }
    // rustc links through a C compiler driver: `cc` unless the build configured another.
    let driver = std::env::var_os("RUSTC_LINKER").unwrap_or_else(|| "cc".into());
    let mut found = Vec::new();
    // rcrt1.o is the start-up object of a static PIE (glibc 2.27+).
    for file in std::iter::once("rcrt1.o").chain(ARCHIVES.iter().copied()) {
        let path = locate(&driver, file).ok_or_else(|| {
            not_static(
                format!(
                    "{} does not find {file} (install glibc's static libraries, e.g. \
                     Debian's libc6-dev or Fedora's glibc-static, for a faster shim)",
                    Path::new(&driver).display()
                ),
                true,
            )
        })?;
        if file.ends_with(".a") {
            found.push(path);
        }
    }
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("static-shim");
    std::fs::create_dir_all(&out).expect("cannot create a directory in OUT_DIR");
    // One group holding every archive, so the order rustc names the libraries in does not
    // matter (libc and the unwinder need each other).
    let group = found
        .iter()
        .map(|p| format!("\"{}\"", p.display()))
        .collect::<Vec<_>>()
        .join(" ");
    let script = format!(
        "/* installguard build.rs: static glibc for installguard-shim */\nGROUP ( {group} )\n"
    );
    for lib in REDIRECTED {
        std::fs::write(out.join(format!("lib{lib}.so")), &script)
            .expect("cannot write a linker script in OUT_DIR");
    }
    Ok(vec![
        "-static-pie".to_string(),
        format!("-L{}", out.display()),
    ])
}

/// Where the linker driver finds `file`; None when it does not (it then prints the bare name).
fn locate(driver: &std::ffi::OsStr, file: &str) -> Option<PathBuf> {
    let out = Command::new(driver)
        .arg(format!("-print-file-name={file}"))
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (path.is_absolute() && path.is_file()).then_some(path)
}
