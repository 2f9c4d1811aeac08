//! Writing a dated, reasoned `[[exceptions]]` entry into the user's policy file, keeping what
//! is already there (comments and layout included). The one place policy files are written.

use std::path::Path;

/// Append an exception to the policy file at `path`, creating the file (and its directory)
/// when missing. Refuses to touch a file that is not valid TOML.
pub fn add_exception(
    path: &Path,
    package: &str,
    reason: &str,
    expires: &str,
) -> std::io::Result<()> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(e),
    };
    let parsed = crate::contain::contain(|| text.parse::<toml_edit::DocumentMut>())
        .map_err(|panic| format!("the TOML parser failed on it: {panic}"))
        .and_then(|r| r.map_err(|e| e.message().to_string()));
    let mut doc = parsed.map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "{} is not valid TOML ({e}); not changing it",
                path.display()
            ),
        )
    })?;
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
