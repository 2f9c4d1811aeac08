//! Brewfile reading. A Brewfile is Ruby evaluated by `bundle/dsl.rb`; only literal calls of the
//! DSL methods are understood: `name "str"[, "str"][, key: literal, ...]` or `name("str", ...)`.
//! Anything else is an error naming the line, never skipped. Does not run Ruby.

use super::*;

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Label(String),
    Str(String),
    Scalar,
    LParen,
    RParen,
    LBrack,
    RBrack,
    LBrace,
    RBrace,
    Comma,
    Arrow,
    Semi,
    Newline,
    Other(char),
}

fn bad_line(path: &str, line: u32, detail: &str) -> Error {
    Error::bad_file(format!(
        "{path}:{line}: cannot read this Brewfile line ({detail}); installguard reads only literal \
         entries such as `brew \"name\"`, `cask \"name\"`, `tap \"user/repo\"` and will not guess \
         what Ruby code would install"
    ))
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

fn tokenize(text: &str, path: &str) -> Result<Vec<(Token, u32)>, Error> {
    let chars: Vec<char> = text.chars().collect();
    let mut toks = Vec::new();
    let mut line: u32 = 1;
    let mut i = 0;
    let mut line_start = true;
    let starts_with = |i: usize, s: &str| {
        s.chars()
            .enumerate()
            .all(|(k, c)| chars.get(i + k) == Some(&c))
    };
    let rest_of_line_blank = |mut j: usize| {
        while let Some(&c) = chars.get(j) {
            if c == '\n' {
                return true;
            }
            if !c.is_whitespace() {
                return false;
            }
            j += 1;
        }
        true
    };
    while i < chars.len() {
        let c = chars[i];
        if line_start {
            line_start = false;
            if starts_with(i, "__END__") && rest_of_line_blank(i + 7) {
                break;
            }
            if starts_with(i, "=begin") {
                // Block comment up to a line starting with `=end`.
                let begin_line = line;
                loop {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    if i >= chars.len() {
                        return Err(bad_line(path, begin_line, "unterminated =begin comment"));
                    }
                    i += 1;
                    line = line.saturating_add(1);
                    if starts_with(i, "=end") {
                        while i < chars.len() && chars[i] != '\n' {
                            i += 1;
                        }
                        break;
                    }
                }
                continue;
            }
        }
        match c {
            ' ' | '\t' | '\r' => i += 1,
            '\n' => {
                toks.push((Token::Newline, line));
                line = line.saturating_add(1);
                line_start = true;
                i += 1;
            }
            '\\' if chars.get(i + 1) == Some(&'\n')
                || (chars.get(i + 1) == Some(&'\r') && chars.get(i + 2) == Some(&'\n')) =>
            {
                i += if chars.get(i + 1) == Some(&'\n') {
                    2
                } else {
                    3
                };
                line = line.saturating_add(1);
            }
            '#' => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '"' | '\'' => {
                let (s, next, lines) = read_string(&chars, i, path, line)?;
                toks.push((Token::Str(s), line));
                line = line.saturating_add(lines);
                i = next;
            }
            ':' => match chars.get(i + 1) {
                Some('"' | '\'') => {
                    let (_, next, lines) = read_string(&chars, i + 1, path, line)?;
                    toks.push((Token::Scalar, line));
                    line = line.saturating_add(lines);
                    i = next;
                }
                Some(&n) if is_ident_start(n) => {
                    i += 1;
                    while i < chars.len() && is_ident_char(chars[i]) {
                        i += 1;
                    }
                    if matches!(chars.get(i), Some('?' | '!')) {
                        i += 1;
                    }
                    toks.push((Token::Scalar, line));
                }
                _ => {
                    toks.push((Token::Other(':'), line));
                    i += 1;
                }
            },
            c if is_ident_start(c) => {
                let start = i;
                while i < chars.len() && is_ident_char(chars[i]) {
                    i += 1;
                }
                if matches!(chars.get(i), Some('?' | '!')) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                if chars.get(i) == Some(&':') && chars.get(i + 1) != Some(&':') {
                    i += 1;
                    toks.push((Token::Label(word), line));
                } else {
                    toks.push((Token::Ident(word), line));
                }
            }
            c if c.is_ascii_digit() => {
                while i < chars.len() && (is_ident_char(chars[i]) || chars[i] == '.') {
                    i += 1;
                }
                toks.push((Token::Scalar, line));
            }
            '=' if chars.get(i + 1) == Some(&'>') => {
                toks.push((Token::Arrow, line));
                i += 2;
            }
            _ => {
                let tok = match c {
                    '(' => Token::LParen,
                    ')' => Token::RParen,
                    '[' => Token::LBrack,
                    ']' => Token::RBrack,
                    '{' => Token::LBrace,
                    '}' => Token::RBrace,
                    ',' => Token::Comma,
                    ';' => Token::Semi,
                    other => Token::Other(other),
                };
                toks.push((tok, line));
                i += 1;
            }
        }
    }
    Ok(toks)
}

/// A Ruby string literal starting at `chars[start]` (a quote). Returns the value, the index after
/// the closing quote and how many newlines it spans. Interpolation is refused: its value is code.
fn read_string(
    chars: &[char],
    start: usize,
    path: &str,
    line: u32,
) -> Result<(String, usize, u32), Error> {
    let quote = chars[start];
    let double = quote == '"';
    let mut out = String::new();
    let mut lines = 0u32;
    let mut i = start + 1;
    while let Some(&c) = chars.get(i) {
        match c {
            c if c == quote => return Ok((out, i + 1, lines)),
            '\\' => {
                let Some(&n) = chars.get(i + 1) else { break };
                if double {
                    out.push(match n {
                        'n' => '\n',
                        't' => '\t',
                        's' => ' ',
                        '0' => '\0',
                        'e' => '\u{1b}',
                        'a' => '\u{7}',
                        'b' => '\u{8}',
                        'r' => '\r',
                        'f' => '\u{c}',
                        'v' => '\u{b}',
                        'u' | 'x' | 'c' | 'C' | 'M' => {
                            return Err(bad_line(path, line, "escape sequence in a string"));
                        }
                        other => other,
                    });
                } else if n == '\\' || n == quote {
                    out.push(n);
                } else {
                    out.push('\\');
                    out.push(n);
                }
                if n == '\n' {
                    lines = lines.saturating_add(1);
                }
                i += 2;
            }
            '#' if double && matches!(chars.get(i + 1), Some('{' | '@' | '$')) => {
                return Err(bad_line(path, line, "string interpolation"));
            }
            _ => {
                if c == '\n' {
                    lines = lines.saturating_add(1);
                }
                out.push(c);
                i += 1;
            }
        }
    }
    Err(bad_line(path, line, "unterminated string"))
}

/// One argument of a DSL call.
enum EntryArg {
    Str(String),
    /// Any other literal, array or hash.
    Other,
    /// `key: value` or `key => value`.
    Pair,
}

struct BrewfileParser<'a> {
    pub(super) toks: &'a [(Token, u32)],
    pub(super) i: usize,
    pub(super) path: &'a str,
    pub(super) line: u32,
}

impl BrewfileParser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.i).map(|(t, _)| t)
    }

    fn bump(&mut self) -> Option<&Token> {
        let t = self.toks.get(self.i).map(|(t, _)| t);
        self.i += 1;
        t
    }

    fn err(&self, detail: &str) -> Error {
        bad_line(self.path, self.line, detail)
    }

    fn skip_newlines(&mut self) {
        while self.peek() == Some(&Token::Newline) {
            self.i += 1;
        }
    }

    fn at_end_of_statement(&self) -> bool {
        matches!(self.peek(), None | Some(Token::Newline | Token::Semi))
    }

    /// A literal: string, symbol, number, true/false/nil, array or hash of literals.
    pub(super) fn value(&mut self, depth: u32) -> Result<EntryArg, Error> {
        if depth > 64 {
            return Err(self.err("nesting too deep"));
        }
        match self.bump().cloned() {
            Some(Token::Str(s)) => Ok(EntryArg::Str(s)),
            Some(Token::Scalar) => Ok(EntryArg::Other),
            Some(Token::Ident(w)) if matches!(w.as_str(), "true" | "false" | "nil") => {
                Ok(EntryArg::Other)
            }
            Some(Token::LBrack) => {
                loop {
                    self.skip_newlines();
                    if self.peek() == Some(&Token::RBrack) {
                        self.i += 1;
                        break;
                    }
                    self.value(depth + 1)?;
                    self.skip_newlines();
                    match self.bump() {
                        Some(Token::Comma) => {}
                        Some(Token::RBrack) => break,
                        _ => return Err(self.err("unexpected text in an array")),
                    }
                }
                Ok(EntryArg::Other)
            }
            Some(Token::LBrace) => {
                loop {
                    self.skip_newlines();
                    if self.peek() == Some(&Token::RBrace) {
                        self.i += 1;
                        break;
                    }
                    self.pair_or_value(depth + 1, true)?;
                    self.skip_newlines();
                    match self.bump() {
                        Some(Token::Comma) => {}
                        Some(Token::RBrace) => break,
                        _ => return Err(self.err("unexpected text in a hash")),
                    }
                }
                Ok(EntryArg::Other)
            }
            Some(Token::Ident(w)) => Err(self.err(&format!("`{w}` is code, not a literal"))),
            Some(Token::Other(c)) => Err(self.err(&format!("unexpected `{c}`"))),
            _ => Err(self.err("expected a literal value")),
        }
    }

    fn pair_or_value(&mut self, depth: u32, must_be_pair: bool) -> Result<EntryArg, Error> {
        if let Some(Token::Label(_)) = self.peek() {
            self.i += 1;
            self.skip_newlines();
            self.value(depth)?;
            return Ok(EntryArg::Pair);
        }
        let v = self.value(depth)?;
        if self.peek() == Some(&Token::Arrow) {
            self.i += 1;
            self.skip_newlines();
            self.value(depth)?;
            return Ok(EntryArg::Pair);
        }
        if must_be_pair {
            return Err(self.err("expected `key: value` in a hash"));
        }
        Ok(v)
    }

    /// The arguments of a call, with or without parentheses.
    pub(super) fn args(&mut self) -> Result<Vec<EntryArg>, Error> {
        let paren = self.peek() == Some(&Token::LParen);
        let mut args = Vec::new();
        if paren {
            self.i += 1;
            self.skip_newlines();
            if self.peek() == Some(&Token::RParen) {
                self.i += 1;
                return self.end_statement(args);
            }
        } else if self.at_end_of_statement() {
            return Ok(args);
        }
        loop {
            args.push(self.pair_or_value(0, false)?);
            if paren {
                self.skip_newlines();
            }
            match self.peek() {
                Some(Token::Comma) => {
                    self.i += 1;
                    self.skip_newlines();
                    if paren && self.peek() == Some(&Token::RParen) {
                        self.i += 1;
                        break;
                    }
                }
                Some(Token::RParen) if paren => {
                    self.i += 1;
                    break;
                }
                _ if !paren && self.at_end_of_statement() => return Ok(args),
                Some(Token::Ident(w)) => {
                    let w = w.clone();
                    return Err(self.err(&format!("`{w}` after the entry is code")));
                }
                _ => return Err(self.err("unexpected text after an argument")),
            }
        }
        self.end_statement(args)
    }

    fn end_statement(&mut self, args: Vec<EntryArg>) -> Result<Vec<EntryArg>, Error> {
        if self.at_end_of_statement() {
            Ok(args)
        } else {
            Err(self.err("unexpected text after the closing parenthesis"))
        }
    }
}

/// Entries that install things installguard cannot check (Mac App Store apps, VS Code extensions,
/// Go/Cargo/Flatpak/krew/winget packages, Whalebrew images): read and validated, no target.
const UNCHECKED_ENTRIES: [&str; 8] = [
    "mas",
    "vscode",
    "go",
    "cargo",
    "flatpak",
    "krew",
    "winget",
    "whalebrew",
];

pub(super) fn read_brewfile(
    text: &str,
    path: &str,
    b: &mut Builder,
    world: &dyn World,
) -> Result<(), Error> {
    let toks = tokenize(text, path)?;
    let mut p = BrewfileParser {
        toks: &toks,
        i: 0,
        path,
        line: 1,
    };
    loop {
        while matches!(p.peek(), Some(Token::Newline | Token::Semi)) {
            p.i += 1;
        }
        let Some((tok, line)) = toks.get(p.i) else {
            break;
        };
        p.line = *line;
        p.i += 1;
        let method = match tok {
            Token::Ident(m) => m.as_str(),
            Token::Other(c) => return Err(p.err(&format!("unexpected `{c}`"))),
            _ => return Err(p.err("expected an entry such as `brew \"name\"`")),
        };
        let known = matches!(method, "brew" | "cask" | "tap" | "npm" | "uv" | "cask_args")
            || UNCHECKED_ENTRIES.contains(&method);
        if !known {
            return Err(p.err(&format!("`{method}` is not a Brewfile entry")));
        }
        let args = p.args()?;
        let positional: Vec<Option<&str>> = args
            .iter()
            .filter(|a| !matches!(a, EntryArg::Pair))
            .map(|a| match a {
                EntryArg::Str(s) => Some(s.as_str()),
                _ => None,
            })
            .collect();
        let origin = Origin::File {
            path: path.to_string(),
            line: p.line,
        };
        let max_positional = if method == "tap" { 2 } else { 1 };
        if method == "cask_args" {
            if !positional.is_empty() {
                return Err(p.err("`cask_args` takes only `key: value` options"));
            }
            continue;
        }
        let name = match positional.as_slice() {
            [Some(name), rest @ ..]
                if rest.len() < max_positional && rest.iter().all(Option::is_some) =>
            {
                *name
            }
            [] => return Err(p.err(&format!("`{method}` without a name"))),
            _ => return Err(p.err(&format!("unexpected arguments to `{method}`"))),
        };
        match method {
            "brew" => b.package(name, TargetKind::Formula, None, origin),
            "cask" => b.package(name, TargetKind::Cask, None, origin),
            "tap" => b.tap(name, positional.get(1).copied().flatten(), origin),
            // `bundle/extensions/npm.rb` runs `npm install -g <spec>`: read as npm reads it.
            "npm" => {
                let spec = crate::cmdline::npm::spec::npa(name)
                    .map_err(|e| p.err(&format!("npm {name:?}: {e}")))?;
                b.targets.push(spec.target(origin));
            }
            // `uv tool install <requirement>`: read as pip reads a requirement.
            "uv" => {
                let mut t = crate::cmdline::pip::requirement::classify_line(name, world)
                    .map_err(|e| p.err(&format!("uv {name:?}: {e}")))?;
                t.origin = origin;
                b.targets.push(t);
            }
            // Unchecked ecosystems: nothing installguard can look up.
            _ => {}
        }
    }
    Ok(())
}
