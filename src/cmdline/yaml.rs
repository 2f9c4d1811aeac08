//! YAML documents as the lockfile and config readers need them (`pnpm-lock.yaml`,
//! `pnpm-workspace.yaml`, berry's `yarn.lock` and `.yarnrc.yml`): scalars as text, sequences,
//! and mappings that keep every key in order, duplicates included, each with its line.
//! Built from yaml-rust2's event stream without recursion and with a depth limit, so no input
//! can exhaust the stack; aliases are refused rather than expanded (no "billion laughs"); the
//! parser runs under `contain`, so a panic in it is an error naming the file.
//! Does not interpret tags or resolve scalar types: `true` and `1.0` stay text.

use yaml_rust2::parser::{Event, Parser};

use super::Error;

/// Deeper nesting than any lockfile or config file has; beyond it the file is refused.
const MAX_DEPTH: usize = 64;

/// One node and the (1-based) line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    pub(crate) line: u32,
    pub(crate) value: Value,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Scalar(String),
    Seq(Vec<Node>),
    /// Keys in file order, duplicates kept (readers see every one of them).
    Map(Vec<(String, Node)>),
}

impl Node {
    /// The text of a scalar.
    pub(crate) fn str(&self) -> Option<&str> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }

    /// A mapping's entries (empty for anything else).
    pub(crate) fn entries(&self) -> &[(String, Node)] {
        match &self.value {
            Value::Map(m) => m,
            _ => &[],
        }
    }

    /// A sequence's items (empty for anything else).
    pub(crate) fn items(&self) -> &[Node] {
        match &self.value {
            Value::Seq(s) => s,
            _ => &[],
        }
    }

    /// The last value of `key` in a mapping (YAML readers keep the last of duplicate keys).
    pub(crate) fn get(&self, key: &str) -> Option<&Node> {
        self.entries()
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }

    /// The text of `key`'s scalar value.
    pub(crate) fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Node::str)
    }
}

/// A container being filled, and the key waiting for its value (mappings).
enum Open {
    Seq(u32, Vec<Node>),
    Map(u32, Vec<(String, Node)>, Option<(String, u32)>),
}

fn line_of(mark: &yaml_rust2::scanner::Marker) -> u32 {
    u32::try_from(mark.line()).unwrap_or(u32::MAX)
}

/// Parse the first document of `text`; `shown` names the file in errors. An empty file is an
/// empty mapping. The third-party parser runs under `contain`: a panic in it is an error
/// naming the file, never a crash.
pub(crate) fn parse(text: &str, shown: &str) -> Result<Node, Error> {
    crate::contain::contain(|| parse_events(text, shown)).unwrap_or_else(|panic| {
        Err(Error::bad_file(format!(
            "{shown}: the YAML parser failed on it ({panic}; a bug, please report it)"
        )))
    })
}

fn parse_events(text: &str, shown: &str) -> Result<Node, Error> {
    let bad = |line: u32, what: &str| Error::bad_file(format!("{shown}:{line}: {what}"));
    let mut parser = Parser::new_from_str(text);
    let mut stack: Vec<Open> = Vec::new();
    loop {
        let (event, mark) = parser.next_token().map_err(|e| {
            Error::bad_file(format!(
                "{shown}:{}:{}: {}",
                e.marker().line(),
                e.marker().col() + 1,
                e.info()
            ))
        })?;
        let line = line_of(&mark);
        let done = match event {
            Event::StreamStart | Event::DocumentStart | Event::Nothing => continue,
            Event::StreamEnd | Event::DocumentEnd => {
                return Ok(Node {
                    line: 1,
                    value: Value::Map(Vec::new()),
                });
            }
            Event::Alias(_) => {
                return Err(bad(line, "YAML aliases (`*name`) are not supported here"));
            }
            Event::SequenceStart(..) | Event::MappingStart(..) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(bad(line, "nested too deeply"));
                }
                if let Some(Open::Map(_, _, None)) = stack.last() {
                    return Err(bad(line, "a mapping key must be plain text"));
                }
                stack.push(if matches!(event, Event::SequenceStart(..)) {
                    Open::Seq(line, Vec::new())
                } else {
                    Open::Map(line, Vec::new(), None)
                });
                continue;
            }
            Event::Scalar(text, ..) => Node {
                line,
                value: Value::Scalar(text),
            },
            Event::SequenceEnd | Event::MappingEnd => match stack.pop() {
                Some(Open::Seq(l, items)) => Node {
                    line: l,
                    value: Value::Seq(items),
                },
                Some(Open::Map(l, entries, _)) => Node {
                    line: l,
                    value: Value::Map(entries),
                },
                None => return Err(bad(line, "unbalanced document")),
            },
        };
        // `done` is a complete node: it goes into its parent, or it is the document.
        match stack.last_mut() {
            None => return Ok(done),
            Some(Open::Seq(_, items)) => items.push(done),
            Some(Open::Map(_, entries, pending)) => match pending.take() {
                Some((key, key_line)) => entries.push((
                    key,
                    Node {
                        line: key_line,
                        value: done.value,
                    },
                )),
                None => match done.value {
                    Value::Scalar(k) => *pending = Some((k, done.line)),
                    _ => return Err(bad(done.line, "a mapping key must be plain text")),
                },
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn keys(n: &Node) -> Vec<(&str, u32)> {
        n.entries()
            .iter()
            .map(|(k, v)| (k.as_str(), v.line))
            .collect()
    }

    #[test]
    fn mappings_keep_order_duplicates_and_lines() {
        let doc = parse("a: 1\nb:\n  - x\n  - {y: 2}\na: 3\n'@s/c@1': \"q\"\n", "f").unwrap();
        assert_eq!(keys(&doc), [("a", 1), ("b", 2), ("a", 5), ("@s/c@1", 6)]);
        assert_eq!(doc.get_str("a"), Some("3"));
        let b = doc.get("b").unwrap();
        assert_eq!(b.items()[0].str(), Some("x"));
        assert_eq!(b.items()[1].get_str("y"), Some("2"));
        assert_eq!(doc.get_str("@s/c@1"), Some("q"));
    }

    #[test]
    fn empty_and_scalar_documents() {
        assert_eq!(parse("", "f").unwrap().entries().len(), 0);
        assert_eq!(parse("# only a comment\n", "f").unwrap().entries().len(), 0);
        assert_eq!(parse("just text", "f").unwrap().str(), Some("just text"));
        // Only the first document counts.
        assert_eq!(parse("a: 1\n---\nb: 2\n", "f").unwrap().get_str("b"), None);
    }

    #[test]
    fn refusals_name_file_and_line() {
        for (text, want) in [
            ("a: &x 1\nb: *x\n", "f:2: YAML aliases"),
            ("? [a]\n: 1\n", "f:1: a mapping key must be plain text"),
            ("a: [1, 2\n", "f:"),
            ("a:\n\t- b\n", "f:"),
        ] {
            let e = parse(text, "f").unwrap_err();
            assert!(e.message.starts_with(want), "{text:?}: {}", e.message);
        }
        let deep = "[".repeat(10_000);
        assert!(parse(&deep, "f").is_err());
        let deep_block: String = (0..200)
            .map(|i| format!("{}- \n", "  ".repeat(i)))
            .collect();
        assert!(parse(&deep_block, "f").is_err());
    }

    proptest! {
        #[test]
        fn never_panics(text in "[-:\\[\\]{}?&*!|>'\"#%@, \\n\\ta-z0-9]{0,200}") {
            let _ = parse(&text, "f");
        }
    }
}
