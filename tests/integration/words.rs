//! The committed command-word tables (`src/cmdline/words/<tool>.words`) against the real tools
//! of the test setup: each list is generated again from the tool's own help with
//! `examples/command_words.rs`, and a difference (a tool upgrade that adds, drops or renames a
//! command, or an alias) fails with the lines that differ, so the classification table
//! (`<tool>.tsv`) and the parsers are looked at again. Homebrew is not here (no brew on the
//! test machines); its commands are in docs/cli-grammar.md. Does not classify anything.

use std::path::PathBuf;

#[path = "../../examples/command_words.rs"]
#[allow(dead_code)]
mod command_words;

use crate::tools::{js_tool, python_tools};

fn committed(table: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("src/cmdline/words")
        .join(format!("{table}.words"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every table and the program it is generated from.
fn programs() -> Vec<(&'static str, PathBuf)> {
    let py = python_tools();
    vec![
        ("npm", which::which("npm").expect("npm is on the machine")),
        (
            "pip",
            which::which("pip3")
                .or_else(|_| which::which("pip"))
                .expect("pip is on the machine"),
        ),
        ("uv", py.join("uv")),
        ("pipx", py.join("pipx")),
        ("poetry", py.join("poetry")),
        ("pnpm", js_tool("pnpm").join("pnpm")),
        ("yarn1", js_tool("yarn").join("yarn")),
        ("berry", js_tool("@yarnpkg/cli-dist").join("yarn")),
        ("bun", js_tool("bun").join("bun")),
    ]
}

#[test]
fn the_committed_command_word_tables_match_the_real_tools() {
    let mut stale = Vec::new();
    for (table, program) in programs() {
        let version = command_words::version(table, &program).unwrap();
        let words = command_words::words(table, &program).unwrap();
        let got: Vec<String> = std::iter::once(version).chain(words).collect();
        let want = committed(table);
        let want: Vec<&str> = want.lines().collect();
        if got.iter().map(String::as_str).ne(want.iter().copied()) {
            let only_tool: Vec<&String> =
                got.iter().filter(|l| !want.contains(&l.as_str())).collect();
            let only_table: Vec<&&str> = want
                .iter()
                .filter(|l| !got.contains(&(**l).to_string()))
                .collect();
            stale.push(format!(
                "src/cmdline/words/{table}.words is stale for {}:\n  only in the tool's help: {only_tool:?}\n  only in the table: {only_table:?}\n  regenerate it with `cargo run --example command_words -- {table} {}` and classify the new words in {table}.tsv",
                program.display(),
                program.display()
            ));
        }
    }
    assert!(stale.is_empty(), "{}", stale.join("\n"));
}
