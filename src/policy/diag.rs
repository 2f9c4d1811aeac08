//! Policy diagnostics: where a problem is (file, line, column), what it is, and how it is
//! rendered for a person. Pure data and formatting; finding the problems is `parse`/`merge`'s job.

use std::fmt::Write as _;

/// A place in a policy file: the file's display name, 1-based line and column (0 when the
/// problem concerns the whole file), the length of the offending text and its source line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct At {
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub len: u32,
    pub text: String,
}

impl At {
    /// A problem with the file as a whole (unreadable, refused).
    pub fn file(file: &str) -> At {
        At {
            file: file.to_string(),
            ..At::default()
        }
    }

    /// `file:line:col`, or just `file`.
    pub fn place(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}:{}", self.file, self.line, self.col)
        }
    }

    /// `file:line`, for "set at" notes.
    pub fn short(&self) -> String {
        if self.line == 0 {
            self.file.clone()
        } else {
            format!("{}:{}", self.file, self.line)
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Warning,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub level: Level,
    pub at: At,
    pub message: String,
}

impl Diagnostic {
    pub fn error(at: &At, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Error,
            at: at.clone(),
            message: message.into(),
        }
    }

    pub fn warning(at: &At, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            level: Level::Warning,
            at: at.clone(),
            message: message.into(),
        }
    }

    /// `file:line:col: error: message`, then the source line with the offending text marked.
    pub fn render(&self) -> String {
        let level = match self.level {
            Level::Error => "error",
            Level::Warning => "warning",
        };
        let mut out = format!("{}: {level}: {}\n", self.at.place(), self.message);
        if self.at.line > 0 && !self.at.text.is_empty() {
            let num = self.at.line.to_string();
            let pad = " ".repeat(num.len());
            let _ = writeln!(out, " {num} | {}", self.at.text);
            let _ = writeln!(
                out,
                " {pad} | {}{}",
                " ".repeat(self.at.col.saturating_sub(1) as usize),
                "^".repeat(self.at.len.max(1) as usize)
            );
        }
        out
    }
}

/// All diagnostics, errors and warnings in the order found.
pub fn render_all(diags: &[Diagnostic]) -> String {
    diags.iter().map(Diagnostic::render).collect()
}

pub fn has_errors(diags: &[Diagnostic]) -> bool {
    diags.iter().any(|d| d.level == Level::Error)
}

/// The closest of `candidates` to `word`, if it is close enough to be a likely typo.
pub fn did_you_mean<'a>(word: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let w = word.to_ascii_lowercase();
    candidates
        .iter()
        .map(|c| (strsim::damerau_levenshtein(&w, c), *c))
        .filter(|(d, c)| *d <= (c.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

/// `; did you mean `x`?` or nothing.
pub fn hint(word: &str, candidates: &[&str]) -> String {
    match did_you_mean(word, candidates) {
        Some(c) => format!("; did you mean `{c}`?"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        let keys = ["rules", "packages", "sources", "prompt"];
        assert_eq!(did_you_mean("rulez", &keys), Some("rules"));
        assert_eq!(did_you_mean("pakages", &keys), Some("packages"));
        assert_eq!(did_you_mean("zzzzzzzz", &keys), None);
        assert_eq!(
            did_you_mean("non_interactive", &["non-interactive"]),
            Some("non-interactive")
        );
    }

    #[test]
    fn renders_with_a_caret() {
        let at = At {
            file: "p.toml".into(),
            line: 3,
            col: 2,
            len: 5,
            text: "[rulez]".into(),
        };
        assert_eq!(
            Diagnostic::error(&at, "unknown table").render(),
            "p.toml:3:2: error: unknown table\n 3 | [rulez]\n   |  ^^^^^\n"
        );
    }
}
