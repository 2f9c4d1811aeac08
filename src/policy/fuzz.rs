//! Property tests ("fuzzing" with proptest, which runs on stable Rust and inside `cargo test`,
//! so `.ci/run` runs them every time): no input makes the policy parser, the override parser,
//! merging or diagnostics rendering panic, and a panic the TOML library has on some input is
//! contained and reported as an error naming the file. Inputs: arbitrary bytes, a TOML-ish
//! token soup built from the policy's own vocabulary, and byte-level mutations of the example
//! policy. Test-only.

use proptest::prelude::*;

use super::{DEFAULT_POLICY, LayerKind, diag, merge, parse, parse_overrides};

const EXAMPLE: &str = include_str!("../../config/example-policy.toml");

/// Parse as every layer kind, merge over the defaults, render every diagnostic.
fn exercise(text: &str) -> Result<(), TestCaseError> {
    for kind in [LayerKind::Machine, LayerKind::User, LayerKind::Project] {
        let before = crate::contain::contained_count();
        let (layer, diags) = parse(text, "fuzz.toml", kind);
        if crate::contain::contained_count() != before {
            eprintln!("the TOML library panicked (contained) on {text:?}");
            prop_assert!(
                diags
                    .iter()
                    .any(|d| d.level == diag::Level::Error && d.at.file == "fuzz.toml"),
                "a contained panic must be an error naming the file: {diags:?}"
            );
        }
        let _ = diag::render_all(&diags);
        let (builtin, _) = parse(DEFAULT_POLICY, "built-in", LayerKind::Default);
        let (p, d) = merge(vec![builtin, layer], 0);
        let _ = diag::render_all(&d);
        let _ = super::show::render(&p);
    }
    let entries: Vec<String> = text.split(['\n', ';']).map(str::to_string).collect();
    let (_, d) = parse_overrides(&entries, "--set", LayerKind::CommandLine);
    let _ = diag::render_all(&d);
    Ok(())
}

/// Pieces of TOML and of the policy's schema.
fn token() -> impl Strategy<Value = String> {
    prop_oneof![
        proptest::sample::select(vec![
            "[",
            "]",
            "[[",
            "]]",
            "=",
            ".",
            ",",
            "{",
            "}",
            "\"",
            "'",
            "\"\"\"",
            "'''",
            "#",
            "\n",
            "\r\n",
            " ",
            "\t",
            "\\",
            "\\u",
            "\\U0010FFFF",
            "-",
            "+",
            ":",
            "0x",
            "1e9",
            "inf",
            "nan",
            "true",
            "false",
            "1979-05-27",
            "1979-05-27T07:32:00Z",
            "07:32:00",
            "rules",
            "malicious",
            "imitation",
            "packages",
            "allow",
            "deny",
            "exceptions",
            "package",
            "reason",
            "expires",
            "lock",
            "sources",
            "pypi",
            "npm",
            "brew-taps",
            "prompt",
            "non-interactive",
            "data",
            "max-age",
            "feed",
            "audit",
            "syslog",
            "required",
            "max-size",
            "\"block\"",
            "\"warn\"",
            "\"allow\"",
            "\"pkg:npm/*\"",
            "\"pkg:pypi/a@>=1,<2\"",
            "\"30d\"",
            "\"10MiB\"",
            "\"https://h/\"",
            "\u{feff}",
            "é",
            "\u{202e}",
            "\0",
        ])
        .prop_map(str::to_string),
        "[a-z0-9_-]{1,8}",
        "\\PC{1,4}",
    ]
}

/// Cases per property: a short run in `cargo test` (and so in `.ci/run`); a long one with
/// `PROPTEST_CASES=200000 cargo test --release --lib policy::fuzz`.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
        exercise(&String::from_utf8_lossy(&bytes))?;
    }

    #[test]
    fn toml_ish_token_soup(tokens in proptest::collection::vec(token(), 0..60)) {
        exercise(&tokens.concat())?;
    }

    #[test]
    fn mutations_of_the_example_policy(
        edits in proptest::collection::vec((any::<prop::sample::Index>(), 0u8..3, token()), 1..8),
    ) {
        let mut text = EXAMPLE.as_bytes().to_vec();
        for (at, op, tok) in edits {
            let i = at.index(text.len() + 1);
            match op {
                0 => { text.splice(i..i, tok.bytes()); }
                1 => { let end = (i + tok.len()).min(text.len()); text.drain(i..end); }
                _ => { let end = (i + tok.len()).min(text.len()); text.splice(i..end, tok.bytes()); }
            }
        }
        exercise(&String::from_utf8_lossy(&text))?;
    }
}
