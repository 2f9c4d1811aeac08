//! The policy's edges: finding and reading the layer files, refusing a machine policy that
//! anyone but root could have written, and reading the environment's overrides. Everything it
//! reads goes through `parse` and `merge`; it decides nothing itself.

use std::path::{Path, PathBuf};

use super::diag::{At, Diagnostic};
use super::{Layer, LayerInfo, LayerKind, Policy, merge, parse, parse_overrides};

/// The managed machine policy. Release builds always use this path.
pub const MACHINE_POLICY: &str = "/etc/installguard/policy.toml";
/// The project file, found by walking up from the working directory.
pub const PROJECT_FILE: &str = ".installguard.toml";
/// The environment override: `key=value` entries separated by newlines or `;`.
pub const ENV_VAR: &str = "INSTALLGUARD_POLICY_SET";
/// Tests only (debug builds): where the machine policy is.
#[cfg(debug_assertions)]
pub const TEST_MACHINE_VAR: &str = "INSTALLGUARD_TEST_MACHINE_POLICY";

pub struct Loaded {
    pub policy: Policy,
    pub diagnostics: Vec<Diagnostic>,
}

impl Loaded {
    pub fn is_valid(&self) -> bool {
        !super::diag::has_errors(&self.diagnostics)
    }

    pub fn errors(&self) -> Vec<&Diagnostic> {
        self.diagnostics
            .iter()
            .filter(|d| d.level == super::diag::Level::Error)
            .collect()
    }
}

/// The machine policy's path: fixed, except that debug builds (the test binary) honour
/// `INSTALLGUARD_TEST_MACHINE_POLICY`.
pub fn machine_path() -> PathBuf {
    #[cfg(debug_assertions)]
    if let Some(p) = std::env::var_os(TEST_MACHINE_VAR) {
        return PathBuf::from(p);
    }
    PathBuf::from(MACHINE_POLICY)
}

pub fn user_path() -> Option<PathBuf> {
    crate::dirs::config_dir().map(|d| d.join("policy.toml"))
}

/// The largest policy file read (a policy is a few kilobytes; this bounds hostile ones).
pub const MAX_BYTES: u64 = 1 << 20;

/// The nearest `.installguard.toml` in `start` or a parent directory. Whatever it is: a FIFO
/// or a directory by that name is reported when read, never skipped.
pub fn find_project(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .map(|d| d.join(PROJECT_FILE))
        .find(|p| std::fs::symlink_metadata(p).is_ok())
}

/// Whether the machine file may be trusted: owned by root and writable by nobody else. In
/// debug builds with the test path set, a file owned by the current user is accepted too.
fn machine_trusted(path: &Path, meta: &std::fs::Metadata) -> Result<(), String> {
    use std::os::unix::fs::MetadataExt;
    #[cfg(debug_assertions)]
    let owners = if std::env::var_os(TEST_MACHINE_VAR).is_some() {
        // SAFETY: geteuid has no preconditions and cannot fail.
        vec![0, unsafe { libc::geteuid() }]
    } else {
        vec![0]
    };
    #[cfg(not(debug_assertions))]
    let owners = [0];
    let mode = meta.mode();
    let who = if !owners.contains(&meta.uid()) {
        Some(format!("it is owned by uid {}, not root", meta.uid()))
    } else if mode & 0o002 != 0 {
        Some("anyone can write to it".to_string())
    } else if mode & 0o020 != 0 {
        Some(format!("its group (gid {}) can write to it", meta.gid()))
    } else {
        None
    };
    match who {
        Some(w) => Err(format!(
            "refusing the machine policy {}: {w}. A managed policy must be owned by root and writable only by root (chown root {0}; chmod 644 {0})",
            path.display()
        )),
        None => Ok(()),
    }
}

/// Read one layer file. A missing file is no layer; an unreadable one is an error.
fn read_layer(
    path: &Path,
    kind: LayerKind,
    diags: &mut Vec<Diagnostic>,
    infos: &mut Vec<LayerInfo>,
    trust_check: bool,
) -> Option<Layer> {
    let name = path.display().to_string();
    let meta = match std::fs::metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            infos.push(LayerInfo {
                kind,
                name,
                present: false,
            });
            return None;
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                &At::file(&name),
                format!("cannot read the {} policy: {e}", kind.label()),
            ));
            infos.push(LayerInfo {
                kind,
                name,
                present: true,
            });
            return None;
        }
    };
    infos.push(LayerInfo {
        kind,
        name: name.clone(),
        present: true,
    });
    if kind == LayerKind::Machine
        && trust_check
        && let Err(msg) = machine_trusted(path, &meta)
    {
        diags.push(Diagnostic::error(&At::file(&name), msg));
        return None;
    }
    let text = crate::files::read_regular(path, MAX_BYTES).and_then(|b| {
        String::from_utf8(b).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, "it is not UTF-8 text")
        })
    });
    match text {
        Ok(text) => {
            let (layer, d) = parse(&text, &name, kind);
            diags.extend(d);
            Some(layer)
        }
        Err(e) => {
            diags.push(Diagnostic::error(
                &At::file(&name),
                format!("cannot read the {} policy: {e}", kind.label()),
            ));
            None
        }
    }
}

/// The older `[audit]` variables, each one `INSTALLGUARD_POLICY_SET` entry under its own name
/// (so diagnostics and locks name the variable): `INSTALLGUARD_AUDIT_SYSLOG=url` (empty: off),
/// `INSTALLGUARD_AUDIT_REQUIRED=1`, `INSTALLGUARD_AUDIT_REQUIRE_DELIVERY=1` (`1`, `true` or
/// `yes`; anything else is false), `INSTALLGUARD_AUDIT_MAX_BYTES=N`.
pub const AUDIT_VARS: &[(&str, &str)] = &[
    ("INSTALLGUARD_AUDIT_SYSLOG", "audit.syslog"),
    ("INSTALLGUARD_AUDIT_REQUIRED", "audit.required"),
    (
        "INSTALLGUARD_AUDIT_REQUIRE_DELIVERY",
        "audit.require-delivery",
    ),
    ("INSTALLGUARD_AUDIT_MAX_BYTES", "audit.max-size"),
];

fn audit_env() -> Vec<(&'static str, String)> {
    AUDIT_VARS
        .iter()
        .filter_map(|(var, key)| {
            let v = std::env::var_os(var)?.to_string_lossy().into_owned();
            let value = match *key {
                "audit.required" | "audit.require-delivery" => {
                    matches!(v.as_str(), "1" | "true" | "yes").to_string()
                }
                _ => v,
            };
            Some((*var, format!("{key}={value}")))
        })
        .collect()
}

/// Split the environment override into entries.
pub fn env_entries(value: &str) -> Vec<String> {
    value
        .split(['\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Every layer in effect here, merged. `cli` holds the command line's `--set` entries;
/// `only` checks one file as the given layer over the built-in defaults (`policy check FILE`).
pub fn load_with(cli: &[String], only: Option<(&Path, LayerKind)>) -> Loaded {
    let mut diags = Vec::new();
    let mut infos = Vec::new();
    let (builtin, d) = parse(
        super::DEFAULT_POLICY,
        "built-in defaults",
        LayerKind::Default,
    );
    diags.extend(d);
    infos.push(LayerInfo {
        kind: LayerKind::Default,
        name: "built-in defaults".into(),
        present: true,
    });
    let mut layers = vec![builtin];
    if let Some((path, kind)) = only {
        // Checking a file before it is installed: its owner does not matter yet.
        layers.extend(read_layer(path, kind, &mut diags, &mut infos, false));
        if !infos.last().is_some_and(|i| i.present) {
            diags.push(Diagnostic::error(
                &At::file(&path.display().to_string()),
                "no such file",
            ));
        }
    } else {
        layers.extend(read_layer(
            &machine_path(),
            LayerKind::Machine,
            &mut diags,
            &mut infos,
            true,
        ));
        if let Some(user) = user_path() {
            layers.extend(read_layer(
                &user,
                LayerKind::User,
                &mut diags,
                &mut infos,
                true,
            ));
        }
        match std::env::current_dir().ok().and_then(|d| find_project(&d)) {
            Some(p) => layers.extend(read_layer(
                &p,
                LayerKind::Project,
                &mut diags,
                &mut infos,
                true,
            )),
            None => infos.push(LayerInfo {
                kind: LayerKind::Project,
                name: PROJECT_FILE.into(),
                present: false,
            }),
        }
        for (var, entry) in audit_env() {
            infos.push(LayerInfo {
                kind: LayerKind::Env,
                name: var.into(),
                present: true,
            });
            let (l, d) = parse_overrides(&[entry], var, LayerKind::Env);
            diags.extend(d);
            layers.push(l);
        }
        let env = std::env::var(ENV_VAR).unwrap_or_default();
        let entries = env_entries(&env);
        infos.push(LayerInfo {
            kind: LayerKind::Env,
            name: ENV_VAR.into(),
            present: !entries.is_empty(),
        });
        if !entries.is_empty() {
            let (l, d) = parse_overrides(&entries, ENV_VAR, LayerKind::Env);
            diags.extend(d);
            layers.push(l);
        }
        infos.push(LayerInfo {
            kind: LayerKind::CommandLine,
            name: "--set".into(),
            present: !cli.is_empty(),
        });
        if !cli.is_empty() {
            let (l, d) = parse_overrides(cli, "--set", LayerKind::CommandLine);
            diags.extend(d);
            layers.push(l);
        }
    }
    let (mut policy, d) = merge(layers, crate::time::now_unix());
    diags.extend(d);
    sort(&mut diags);
    policy.layers = infos;
    Loaded {
        policy,
        diagnostics: diags,
    }
}

/// Every layer in effect for this process.
pub fn load(cli: &[String]) -> Loaded {
    load_with(cli, None)
}

/// Which layer a file would be, judged by its path: the machine path, a `.installguard.toml`
/// (project), else a user policy.
pub fn kind_of(path: &Path) -> LayerKind {
    if path == machine_path() {
        LayerKind::Machine
    } else if path.file_name().is_some_and(|n| n == PROJECT_FILE) {
        LayerKind::Project
    } else {
        LayerKind::User
    }
}

/// Diagnostics file by file (in layer order), then by line and column.
pub fn sort(diags: &mut [Diagnostic]) {
    let mut files: Vec<String> = Vec::new();
    for d in diags.iter() {
        if !files.contains(&d.at.file) {
            files.push(d.at.file.clone());
        }
    }
    diags.sort_by_key(|d| {
        (
            files.iter().position(|f| *f == d.at.file),
            d.at.line,
            d.at.col,
        )
    });
}
