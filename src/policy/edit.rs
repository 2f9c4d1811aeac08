//! Writing into the user's policy file, keeping what is already there (comments and layout
//! included): a dated, reasoned `[[exceptions]]` entry, and install-time code approved at the
//! prompt (`[scripts] allow` purls, `[scripts] projects` entries). The one place policy files
//! are written.

use std::path::Path;

/// Append an exception to the policy file at `path`, creating the file (and its directory)
/// when missing. Refuses to touch a file that is not valid TOML.
pub fn add_exception(
    path: &Path,
    package: &str,
    reason: &str,
    expires: &str,
) -> std::io::Result<()> {
    let mut doc = read_doc(path)?;
    let mut table = toml_edit::Table::new();
    table.insert("package", toml_edit::value(package));
    table.insert("reason", toml_edit::value(reason));
    let date: toml_edit::Datetime = expires.parse().map_err(|_| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            format!("bad date {expires}"),
        )
    })?;
    table.insert("expires", toml_edit::value(date));
    let entry = doc
        .entry("exceptions")
        .or_insert(toml_edit::Item::ArrayOfTables(
            toml_edit::ArrayOfTables::new(),
        ));
    match entry {
        toml_edit::Item::ArrayOfTables(a) => a.push(table),
        _ => {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{}: `exceptions` is not a list of [[exceptions]] tables; not changing it",
                    path.display()
                ),
            ));
        }
    }
    write_doc(path, &doc)
}

/// Approvals of install-time code: `allow` purls appended to `[scripts] allow`, and `projects`
/// (directory, digest, date) to `[scripts] projects`, each once.
pub fn add_script_approvals(
    path: &Path,
    allow: &[String],
    projects: &[(String, String, String)],
) -> std::io::Result<()> {
    let mut doc = read_doc(path)?;
    let bad = |what: &str| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{}: `{what}` is not what installguard expects there; not changing it",
                path.display()
            ),
        )
    };
    let scripts = doc
        .entry("scripts")
        .or_insert(toml_edit::Item::Table(toml_edit::Table::new()))
        .as_table_like_mut()
        .ok_or_else(|| bad("scripts"))?;
    if !allow.is_empty() {
        let list = scripts
            .entry("allow")
            .or_insert(toml_edit::value(toml_edit::Array::new()))
            .as_array_mut()
            .ok_or_else(|| bad("scripts.allow"))?;
        for purl in allow {
            if !list.iter().any(|v| v.as_str() == Some(purl)) {
                list.push(purl.as_str());
            }
        }
    }
    if !projects.is_empty() {
        let list = scripts
            .entry("projects")
            .or_insert(toml_edit::value(toml_edit::Array::new()))
            .as_array_mut()
            .ok_or_else(|| bad("scripts.projects"))?;
        for (dir, digest, date) in projects {
            let mut t = toml_edit::InlineTable::new();
            t.insert("path", dir.as_str().into());
            t.insert("scripts", digest.as_str().into());
            if let Ok(d) = date.parse::<toml_edit::Datetime>() {
                t.insert("approved", d.into());
            }
            list.push(t);
            // One entry per line: readable, and a later edit touches one line.
            if let Some(last) = list.iter_mut().last() {
                last.decor_mut().set_prefix("\n  ");
            }
            list.set_trailing("\n");
            list.set_trailing_comma(true);
        }
    }
    write_doc(path, &doc)
}

/// The user's policy file as an editable document (empty when missing); refuses a file that
/// is not valid TOML.
fn read_doc(path: &Path) -> std::io::Result<toml_edit::DocumentMut> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let parsed = crate::contain::contain(|| text.parse::<toml_edit::DocumentMut>())
        .map_err(|panic| format!("the TOML parser failed on it: {panic}"))
        .and_then(|r| r.map_err(|e| e.message().to_string()));
    parsed.map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is not valid TOML ({e}); not changing it",
                path.display()
            ),
        )
    })
}

/// Write the document back: a temporary file, then a rename.
fn write_doc(path: &Path, doc: &toml_edit::DocumentMut) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let tmp = path.with_extension("toml.tmp");
    std::fs::write(&tmp, doc.to_string())?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{LayerKind, parse};

    #[test]
    fn script_approvals_are_added_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("policy.toml");
        std::fs::write(
            &p,
            "# mine\n[scripts]\nallow = [\"pkg:npm/sharp\"]  # kept\n",
        )
        .unwrap();
        let projects = [(
            "/home/u/proj".to_string(),
            "0123456789abcdef0123456789abcdef".to_string(),
            "2026-12-01".to_string(),
        )];
        add_script_approvals(
            &p,
            &["pkg:npm/esbuild".into(), "pkg:npm/sharp".into()],
            &projects,
        )
        .unwrap();
        add_script_approvals(&p, &["pkg:npm/esbuild".into()], &[]).unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.starts_with("# mine\n[scripts]\n"), "{text}");
        let (layer, diags) = parse(&text, "p", LayerKind::User);
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        let names: Vec<&str> = layer
            .script_allow
            .iter()
            .map(|a| a.value.name.as_str())
            .collect();
        assert_eq!(names, ["sharp", "esbuild"]);
        assert_eq!(layer.script_projects.len(), 1);
        assert_eq!(layer.script_projects[0].value.path, "/home/u/proj");
        assert_eq!(layer.script_projects[0].value.approved, "2026-12-01");
    }

    #[test]
    fn appends_and_keeps_existing_content() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/policy.toml");
        add_exception(
            &p,
            "pkg:pypi/reqeusts",
            "accepted at the prompt",
            "2030-01-31",
        )
        .unwrap();
        std::fs::write(
            &p,
            format!(
                "# mine\n[rules]\nimitation = \"warn\"\n\n{}",
                std::fs::read_to_string(&p).unwrap()
            ),
        )
        .unwrap();
        add_exception(&p, "pkg:npm/%40a/b", "second", "2030-02-01").unwrap();
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.starts_with("# mine\n[rules]\nimitation = \"warn\"\n"),
            "{text}"
        );
        let (layer, diags) = parse(&text, "p", LayerKind::User);
        assert!(diags.is_empty(), "{diags:?}\n{text}");
        assert_eq!(layer.exceptions.len(), 2);
        assert_eq!(layer.exceptions[1].package.name, "@a/b");
        assert_eq!(layer.exceptions[0].expires, "2030-01-31");
    }
}
