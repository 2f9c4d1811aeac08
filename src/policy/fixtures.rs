//! Snapshot tests of the diagnostics for a corpus of broken policy files in
//! `tests/fixtures/policy/`: `<case>.toml` is parsed (as a project file when the name starts
//! with `project-`, a machine file with `machine-`, else a user file), merged over the
//! built-in defaults, and its rendered diagnostics compared with `<case>.expected`.
//! `UPDATE_EXPECT=1 cargo test` rewrites the expected files. Test-only.

use std::path::Path;

use super::{DEFAULT_POLICY, LayerKind, diag, load, merge, parse};

/// 2026-01-01T00:00:00Z: a fixed "now" so expiry diagnostics do not change with the date.
const NOW: i64 = 1_767_225_600;

fn render(name: &str, text: &str) -> String {
    let kind = if name.starts_with("project-") {
        LayerKind::Project
    } else if name.starts_with("machine-") {
        LayerKind::Machine
    } else {
        LayerKind::User
    };
    let (builtin, _) = parse(DEFAULT_POLICY, "built-in defaults", LayerKind::Default);
    let (layer, mut diags) = parse(text, name, kind);
    diags.extend(merge(vec![builtin, layer], NOW).1);
    load::sort(&mut diags);
    diag::render_all(&diags)
}

#[test]
fn diagnostics_match_the_snapshots() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/policy");
    let update = std::env::var_os("UPDATE_EXPECT").is_some_and(|v| v == "1");
    let mut cases: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    cases.sort();
    assert!(cases.len() >= 8, "the corpus is missing: {}", dir.display());
    let mut failures = Vec::new();
    for case in cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let got = render(&name, &std::fs::read_to_string(&case).unwrap());
        let expected_path = case.with_extension("expected");
        if update {
            std::fs::write(&expected_path, &got).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if got != want {
            failures.push(format!("--- {name}: expected\n{want}--- got\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{}\n(rerun with UPDATE_EXPECT=1 to accept)",
        failures.join("\n")
    );
}
