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
//! asks for (`-lc`, `-lgcc_s`, ...; rustc itself says which, `--print native-static-libs`)
//! that point at the static archives instead. The archives are found with the linker driver
//! rustc uses (`-print-file-name`). When one is missing (no glibc static package installed, a
//! linker that cannot say), glibc is older than 2.34, or `INSTALLGUARD_SHIM_LINK=dynamic` asks
//! for it, the shim links dynamically like everything else and the build says why.
//! The choice is passed on as `INSTALLGUARD_SHIM_LINKAGE` ("static", or "dynamic: <why>")
//! for the test that checks the built binary (tests/integration/shims.rs).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

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
    let out =
        PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR")).join("static-shim");
    std::fs::create_dir_all(&out).expect("cannot create a directory in OUT_DIR");
    let libs = std_native_libs(&out)?;
    // rustc links through a C compiler driver: `cc` unless the build configured another.
    let driver = std::env::var_os("RUSTC_LINKER").unwrap_or_else(|| "cc".into());
    // rcrt1.o is the start-up object of a static PIE (glibc 2.27+); libpthread.a tells the
    // glibc version (below).
    for file in ["rcrt1.o", "libpthread.a"] {
        let path = locate(&driver, file)?;
        // Since glibc 2.34 libpthread, libdl, librt and libutil are part of libc and their
        // archives are empty. Static linking is only done there: an older glibc's separate
        // static libpthread is a known source of static programs that misbehave, and was not
        // tried.
        if file == "libpthread.a" && std::fs::read(&path).ok().as_deref() != Some(&b"!<arch>\n"[..])
        {
            return Err(not_static(
                "glibc is older than 2.34 (libpthread.a is not empty)",
                false,
            ));
        }
    }
    let mut archives = Vec::new();
    for lib in &libs {
        // What a static glibc program links for `-lgcc_s`: libgcc's unwinder and helpers.
        let files = match lib.as_str() {
            "gcc_s" => vec!["libgcc_eh.a".to_string(), "libgcc.a".to_string()],
            _ => vec![format!("lib{lib}.a")],
        };
        for file in files {
            let path = locate(&driver, &file)?;
            if !archives.contains(&path) {
                archives.push(path);
            }
        }
    }
    // One group holding every archive, so the order rustc names the libraries in does not
    // matter (libc and the unwinder need each other).
    let group = archives
        .iter()
        .map(|p| format!("\"{}\"", p.display()))
        .collect::<Vec<_>>()
        .join(" ");
    let script = format!(
        "/* installguard build.rs: static glibc for installguard-shim */\nGROUP ( {group} )\n"
    );
    for lib in &libs {
        std::fs::write(out.join(format!("lib{lib}.so")), &script)
            .expect("cannot write a linker script in OUT_DIR");
    }
    Ok(vec![
        "-static-pie".to_string(),
        format!("-L{}", out.display()),
    ])
}

/// The native libraries a Rust program on this target links for std, as rustc names them
/// (`gcc_s`, `util`, `rt`, `pthread`, `m`, `dl`, `c` with rustc 1.95): asked of rustc itself,
/// so a library a later std adds is redirected too, never left dynamic in a static program.
fn std_native_libs(out: &Path) -> Result<Vec<String>, NotStatic> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let target = std::env::var("TARGET").expect("cargo sets TARGET");
    let (list, probe) = (out.join("native-static-libs"), out.join("probe.a"));
    let status = Command::new(rustc)
        .args([
            "--crate-type=staticlib",
            "--crate-name=probe",
            "--target",
            &target,
        ])
        .arg(format!("--print=native-static-libs={}", list.display()))
        .arg("-o")
        .arg(&probe)
        .arg("-")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    // The archive (all of std) is not needed, only what rustc wrote about it.
    let _ = std::fs::remove_file(&probe);
    let text = match status {
        Ok(s) if s.success() => std::fs::read_to_string(&list).unwrap_or_default(),
        _ => String::new(),
    };
    let libs: Vec<String> = text
        .split_whitespace()
        .map(|l| l.strip_prefix("-l").map(str::to_string))
        .collect::<Option<_>>()
        .unwrap_or_default();
    if libs.is_empty() {
        return Err(not_static(
            "rustc did not say which native libraries std links (--print native-static-libs)",
            true,
        ));
    }
    Ok(libs)
}

/// Where the linker driver finds `file`; it prints the bare name when it does not.
fn locate(driver: &OsStr, file: &str) -> Result<PathBuf, NotStatic> {
    let found = Command::new(driver)
        .arg(format!("-print-file-name={file}"))
        .stderr(Stdio::null())
        .output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .map(|s| PathBuf::from(s.trim()))
        .filter(|p| p.is_absolute() && p.is_file());
    found.ok_or_else(|| {
        not_static(
            format!(
                "{} does not find {file} (install glibc's static libraries, e.g. Debian's \
                 libc6-dev or Fedora's glibc-static, for a faster shim)",
                Path::new(driver).display()
            ),
            true,
        )
    })
}
