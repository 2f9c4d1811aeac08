//! The text format of yarn 1's `yarn.lock` and `.yarnrc`, read as yarn 1.22's
//! `src/lockfile/parse.js` does: `key value` and `key:` lines nested by two-space indents,
//! several keys for one value (`"a@^1", a@^1.2:`), JSON-quoted strings, `#` comments, and merge
//! conflict markers (both sides are kept). Linear in the input; nesting is bounded.
//! Does not fall back to YAML (berry's lockfile is detected and read by `yaml` instead).

use super::Error;

/// How deep objects may nest: a lockfile has three levels, `.yarnrc` two.
const MAX_DEPTH: usize = 16;

/// A value: a string (numbers and booleans keep their text) or an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Syml {
    Str(String),
    Obj(Vec<Entry>),
}

/// One key of an object, the (1-based) line it is on, and its value. A line naming several
/// keys gives one entry per key, all sharing the value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) key: String,
    pub(crate) line: u32,
    pub(crate) value: Syml,
}

impl Syml {
    pub(crate) fn entries(&self) -> &[Entry] {
        match self {
            Syml::Obj(e) => e,
            Syml::Str(_) => &[],
        }
    }

    pub(crate) fn str(&self) -> Option<&str> {
        match self {
            Syml::Str(s) => Some(s),
            Syml::Obj(_) => None,
        }
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Syml> {
        self.entries()
            .iter()
            .rev()
            .find(|e| e.key == key)
            .map(|e| &e.value)
    }

    pub(crate) fn get_str(&self, key: &str) -> Option<&str> {
        self.get(key).and_then(Syml::str)
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Newline,
    Indent(usize),
    Str(String),
    Colon,
    Comma,
    Invalid,
    Eof,
}

/// `tokenise`: the tokens and the line each starts on (comments dropped).
fn tokenise(input: &str) -> Vec<(Tok, u32)> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    let mut last_newline = false;
    while i < b.len() {
        let start = i;
        let c = b[i];
        let mut newline_now = false;
        if c == b'\n' || c == b'\r' {
            i += if c == b'\r' && b.get(i + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            out.push((Tok::Newline, line));
            line = line.saturating_add(1);
            newline_now = c == b'\n' || b.get(start + 1) == Some(&b'\n');
        } else if c == b'#' {
            i = input[i..].find('\n').map_or(b.len(), |n| i + n);
        } else if c == b' ' {
            if last_newline {
                let n = b[i..].iter().take_while(|&&x| x == b' ').count();
                if n % 2 == 1 {
                    out.push((Tok::Invalid, line));
                    return out;
                }
                out.push((Tok::Indent(n / 2), line));
                i += n;
            } else {
                i += 1;
            }
        } else if c == b'"' {
            let mut j = i + 1;
            while j < b.len() {
                if b[j] == b'"' {
                    let escaped = b[j - 1] == b'\\' && (j < 2 || b[j - 2] != b'\\');
                    if !escaped {
                        j += 1;
                        break;
                    }
                }
                j += 1;
            }
            let raw = &input[i..j.min(b.len())];
            match serde_json::from_str::<String>(raw) {
                Ok(s) => out.push((Tok::Str(s), line)),
                Err(_) => out.push((Tok::Invalid, line)),
            }
            line = line.saturating_add(raw.matches('\n').count() as u32);
            i = j.min(b.len());
        } else if c.is_ascii_digit() {
            let n = b[i..].iter().take_while(|x| x.is_ascii_digit()).count();
            out.push((Tok::Str(input[i..i + n].to_string()), line));
            i += n;
        } else if c == b':' {
            out.push((Tok::Colon, line));
            i += 1;
        } else if c == b',' {
            out.push((Tok::Comma, line));
            i += 1;
        } else if c.is_ascii_alphabetic() || c == b'/' || c == b'.' || c == b'-' {
            // `true`/`false` are words like any other here: their text is what we keep.
            let n = b[i..]
                .iter()
                .take_while(|&&x| !matches!(x, b':' | b' ' | b'\n' | b'\r' | b','))
                .count();
            out.push((Tok::Str(input[i..i + n].to_string()), line));
            i += n;
        } else {
            out.push((Tok::Invalid, line));
            return out;
        }
        last_newline = newline_now;
    }
    out.push((Tok::Eof, line));
    out
}

struct Parser {
    toks: Vec<(Tok, u32)>,
    pos: usize,
    shown: String,
}

impl Parser {
    fn tok(&self) -> &Tok {
        self.toks.get(self.pos).map_or(&Tok::Eof, |t| &t.0)
    }

    fn line(&self) -> u32 {
        self.toks
            .get(self.pos)
            .or(self.toks.last())
            .map_or(1, |t| t.1)
    }

    fn next(&mut self) {
        if self.pos < self.toks.len() {
            self.pos += 1;
        }
    }

    fn unexpected(&self, what: &str) -> Error {
        Error::bad_file(format!("{}:{}: {what}", self.shown, self.line()))
    }

    /// `Parser.parse(indent)`.
    fn parse(&mut self, indent: usize) -> Result<Vec<Entry>, Error> {
        if indent > MAX_DEPTH {
            return Err(self.unexpected("nested too deeply"));
        }
        let mut obj = Vec::new();
        loop {
            match self.tok().clone() {
                Tok::Newline => {
                    self.next();
                    if indent == 0 {
                        continue;
                    }
                    match self.tok() {
                        Tok::Indent(n) if *n == indent => self.next(),
                        _ => break,
                    }
                }
                Tok::Indent(n) => {
                    if n == indent {
                        self.next();
                    } else {
                        break;
                    }
                }
                Tok::Eof => break,
                Tok::Str(key) => {
                    let line = self.line();
                    let mut keys = vec![key];
                    self.next();
                    while *self.tok() == Tok::Comma {
                        self.next();
                        match self.tok().clone() {
                            Tok::Str(k) => keys.push(k),
                            _ => return Err(self.unexpected("expected a string after `,`")),
                        }
                        self.next();
                    }
                    let was_colon = *self.tok() == Tok::Colon;
                    if was_colon {
                        self.next();
                    }
                    if let Tok::Str(v) = self.tok().clone() {
                        for key in keys {
                            obj.push(Entry {
                                key,
                                line,
                                value: Syml::Str(v.clone()),
                            });
                        }
                        self.next();
                    } else if was_colon {
                        let val = self.parse(indent + 1)?;
                        for key in keys {
                            obj.push(Entry {
                                key,
                                line,
                                value: Syml::Obj(val.clone()),
                            });
                        }
                        if indent > 0 && !matches!(self.tok(), Tok::Indent(_)) {
                            break;
                        }
                    } else {
                        return Err(self.unexpected("invalid value type"));
                    }
                }
                _ => return Err(self.unexpected("unexpected token")),
            }
        }
        Ok(obj)
    }
}

/// Both sides of every merge conflict, as yarn's `extractConflictVariants` splits them; None
/// when the text has no conflict markers.
fn conflict_variants(text: &str) -> Option<[String; 2]> {
    if !(text.contains("<<<<<<<") && text.contains("=======") && text.contains(">>>>>>>")) {
        return None;
    }
    let mut v: [Vec<&str>; 2] = [Vec::new(), Vec::new()];
    let mut lines = text.split('\n').map(|l| l.strip_suffix('\r').unwrap_or(l));
    while let Some(line) = lines.next() {
        if line.starts_with("<<<<<<<") {
            let mut skip = false;
            for l in lines.by_ref() {
                if l == "=======" {
                    break;
                } else if skip || l.starts_with("|||||||") {
                    skip = true;
                } else {
                    v[0].push(l);
                }
            }
            for l in lines.by_ref() {
                if l.starts_with(">>>>>>>") {
                    break;
                }
                v[1].push(l);
            }
        } else {
            v[0].push(line);
            v[1].push(line);
        }
    }
    Some([v[0].join("\n"), v[1].join("\n")])
}

/// Parse a yarn 1 lockfile or `.yarnrc`; `shown` names the file in errors. A conflicted file
/// yields the entries of both sides (the side yarn would keep among them).
pub(crate) fn parse(text: &str, shown: &str) -> Result<Syml, Error> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let one = |t: &str| {
        let mut p = Parser {
            toks: tokenise(t),
            pos: 0,
            shown: shown.to_string(),
        };
        p.parse(0)
    };
    match conflict_variants(text) {
        None => Ok(Syml::Obj(one(text)?)),
        Some([a, b]) => {
            let mut all = one(&a)?;
            all.extend(one(&b)?);
            Ok(Syml::Obj(all))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const LOCK: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":
  version "7.10.4"
  resolved "https://registry.yarnpkg.com/@babel/code-frame/-/code-frame-7.10.4.tgz#168da1a36e90da68ae8d49c0f1b48c7c6249213a"
  integrity sha512-vG6SvB6oYEhvgisZNFRmRCUkLz11c7rp+tbNTynGqc6mS1d5ATd/sGyV6W0KZZnXRKMTzZDRgQT3Ou9jhpAfUg==
  dependencies:
    "@babel/highlight" "^7.10.4"

lodash@^4.17.21:
  version "4.17.21"
  resolved "https://registry.yarnpkg.com/lodash/-/lodash-4.17.21.tgz#679591c564c3bffaae8454cf0b3df370c3d6911c"
  optionalDependencies:
    fsevents "1"
"#;

    #[test]
    fn lockfile_entries_with_lines() {
        let doc = parse(LOCK, "yarn.lock").unwrap();
        let keys: Vec<(&str, u32)> = doc
            .entries()
            .iter()
            .map(|e| (e.key.as_str(), e.line))
            .collect();
        assert_eq!(
            keys,
            [
                ("@babel/code-frame@^7.0.0", 5),
                ("@babel/code-frame@^7.10.4", 5),
                ("lodash@^4.17.21", 12)
            ]
        );
        let cf = &doc.entries()[1].value;
        assert_eq!(cf.get_str("version"), Some("7.10.4"));
        assert_eq!(
            cf.get("dependencies").unwrap().get_str("@babel/highlight"),
            Some("^7.10.4")
        );
        let lodash = doc.get("lodash@^4.17.21").unwrap();
        assert_eq!(
            lodash
                .get("optionalDependencies")
                .unwrap()
                .get_str("fsevents"),
            Some("1")
        );
    }

    #[test]
    fn yarnrc_lines_and_colons() {
        let doc = parse(
            "registry \"https://r.example/\"\n\"@corp:registry\" \"https://c/\"\n--install.frozen-lockfile true\nyarn-path: .yarn/releases/yarn-1.22.19.js\n",
            ".yarnrc",
        )
        .unwrap();
        assert_eq!(doc.get_str("registry"), Some("https://r.example/"));
        assert_eq!(doc.get_str("@corp:registry"), Some("https://c/"));
        assert_eq!(doc.get_str("--install.frozen-lockfile"), Some("true"));
        assert_eq!(
            doc.get_str("yarn-path"),
            Some(".yarn/releases/yarn-1.22.19.js")
        );
    }

    #[test]
    fn conflicts_keep_both_sides() {
        let text = "a@1:\n  version \"1.0.0\"\n<<<<<<< HEAD\nb@1:\n  version \"1.0.0\"\n=======\nc@1:\n  version \"1.0.0\"\n>>>>>>> x\n";
        let doc = parse(text, "yarn.lock").unwrap();
        let keys: Vec<&str> = doc.entries().iter().map(|e| e.key.as_str()).collect();
        assert_eq!(keys, ["a@1", "b@1", "a@1", "c@1"]);
    }

    #[test]
    fn errors_name_the_line() {
        for (text, want) in [
            ("a@1:\n   version \"1\"\n", "f:2"),
            ("@a@1:\n", "f:1"),
            ("a@1,\n", "f:1"),
            ("a \"unterminated\n", "f:1"),
        ] {
            let e = parse(text, "f").unwrap_err();
            assert!(e.message.starts_with(want), "{text:?}: {}", e.message);
        }
        let deep: String = (0..40)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        assert!(
            parse(&deep, "f")
                .unwrap_err()
                .message
                .contains("too deeply")
        );
    }

    proptest! {
        #[test]
        fn never_panics(text in "[ \\n\\r\"\\\\:,#a-z0-9@/.<=>|-]{0,300}") {
            let _ = parse(&text, "f");
        }
    }
}
