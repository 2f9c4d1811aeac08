//! Requirements files as pip reads them (req/req_file.py): encodings, continuations, comments,
//! `${VAR}` expansion, per-line options and nested `-r`/`-c` files, through [`World`]. Does not
//! fetch remote files (they are reported, not read).

use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

use super::*;

/// Nested requirements files deeper than this are refused. pip has no limit of its own: it
/// recurses until Python's recursion limit stops it (pip 23.2.1 on CPython 3.11 accepts 950
/// levels and fails with `RecursionError` at about 970), so nothing pip installs is refused.
pub(crate) const MAX_DEPTH: usize = 1000;

/// What requirements files contribute: their requirements (each with its file and line) and
/// the indexes their option lines name.
#[derive(Default)]
pub(crate) struct FileItems {
    pub(crate) targets: Vec<Target>,
    pub(crate) sources: Vec<Source>,
}

fn has_scheme(s: &str) -> bool {
    matches!(url_scheme(s).as_deref(), Some("http" | "https" | "file"))
}

/// The local path of a `file:` URL.
pub(crate) fn file_url_path(url: &str) -> &str {
    let rest = url.get(5..).unwrap_or_default();
    match rest.strip_prefix("//") {
        // The host part (`localhost` or empty) is dropped.
        Some(r) => r.find('/').map_or("", |i| &r[i..]),
        None => rest,
    }
}

/// `os.path.dirname(parent)` joined with `child`, or a URL-join when the parent is a URL.
pub(super) fn join_nested(parent: &str, child: &str) -> String {
    if has_scheme(parent) {
        if has_scheme(child) {
            return child.to_string();
        }
        let base = parent.split(['#', '?']).next().unwrap_or(parent);
        let dir = base.rfind('/').map_or(base, |i| &base[..=i]);
        return format!("{dir}{child}");
    }
    if has_scheme(child) || child.starts_with('/') {
        return child.to_string();
    }
    match parent.rfind('/') {
        Some(i) => format!("{}/{}", &parent[..i], child),
        None => child.to_string(),
    }
}

/// Lexically normalised absolute path, for recognising a file seen before.
fn normalise(world: &dyn World, p: &str) -> PathBuf {
    let mut out = PathBuf::new();
    for comp in world.cwd().join(p).components() {
        match comp {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// One requirements file being read: its lines and how far we are.
struct Frame {
    path: String,
    key: PathBuf,
    constraint: bool,
    lines: std::vec::IntoIter<(u32, String)>,
}

/// Read the requirements file `path` (a requirement file unless `constraint`) and every file it
/// includes, as pip does: nested `-r`/`-c` paths relative to the including file, a file
/// included from several places (a diamond) read once per kind, a real cycle refused naming
/// the chain. Iterative, so deep nesting costs no stack.
pub(crate) fn read_requirements(
    world: &dyn World,
    path: &str,
    constraint: bool,
    from: &Origin,
    out: &mut FileItems,
) -> Result<(), Error> {
    let mut done: HashSet<(PathBuf, bool)> = HashSet::new();
    let mut stack: Vec<Frame> = Vec::new();
    if let Some(frame) = open_frame(world, path, constraint, from, &stack, &mut done)? {
        stack.push(frame);
    }
    while let Some(frame) = stack.last_mut() {
        let Some((lineno, line)) = frame.lines.next() else {
            stack.pop();
            continue;
        };
        let path = frame.path.clone();
        let constraint = frame.constraint;
        if let Some((child, nested_constraint, at)) =
            read_line(world, &path, constraint, lineno, &line, out)?
            && let Some(next) =
                open_frame(world, &child, nested_constraint, &at, &stack, &mut done)?
        {
            stack.push(next);
        }
    }
    Ok(())
}

/// Open a (nested) requirements file; `None` when it is remote or was already read as this kind.
fn open_frame(
    world: &dyn World,
    path: &str,
    constraint: bool,
    from: &Origin,
    stack: &[Frame],
    done: &mut HashSet<(PathBuf, bool)>,
) -> Result<Option<Frame>, Error> {
    let local = if path.to_ascii_lowercase().starts_with("file:") {
        file_url_path(path)
    } else if has_scheme(path) {
        // Remote: its content is only known after fetching.
        return Ok(None);
    } else {
        path
    };
    let via = match from {
        Origin::Argv => String::new(),
        o => format!(" (referenced at {o})"),
    };
    let key = normalise(world, local);
    if let Some(first) = stack.iter().position(|f| f.key == key) {
        let mut chain: Vec<&str> = stack[first..].iter().map(|f| f.path.as_str()).collect();
        chain.push(path);
        return Err(Error::bad_file(format!(
            "{path}: requirements file includes itself{via}: {}",
            chain.join(" -> ")
        )));
    }
    if stack.len() >= MAX_DEPTH {
        return Err(Error::bad_file(format!(
            "{path}: requirements files nested deeper than {MAX_DEPTH} levels{via} (pip itself fails near 970)"
        )));
    }
    if !done.insert((key.clone(), constraint)) {
        // A diamond: this file was read already; its requirements are in `out`.
        return Ok(None);
    }
    let bytes = world.read_file(Path::new(local)).map_err(|e| {
        Error::bad_file(format!(
            "{path}: could not open requirements file: {e}{via}"
        ))
    })?;
    let text = decode(&bytes).map_err(|e| Error::bad_file(format!("{path}: {e}{via}")))?;
    Ok(Some(Frame {
        path: path.to_string(),
        key,
        constraint,
        lines: logical_lines(&text, world).into_iter(),
    }))
}

/// One logical line of the requirements file `path`: its requirement or options go to `out`;
/// a nested `-r`/`-c` is returned as (path, is a constraint file, where it is written).
fn read_line(
    world: &dyn World,
    path: &str,
    constraint: bool,
    lineno: u32,
    line: &str,
    out: &mut FileItems,
) -> Result<Option<(String, bool, Origin)>, Error> {
    let at = Origin::File {
        path: path.to_string(),
        line: lineno,
    };
    let bad = |msg: String| Error::bad_file(format!("{path}:{lineno}: {msg}"));
    let (req, opts) = break_args_options(line);
    let words =
        shlex_split(&opts).map_err(|e| bad(format!("could not split options {opts:?}: {e}")))?;
    let mut found = Collected::default();
    let mut i = 0;
    while i < words.len() {
        if !is_option(&words[i]) {
            // optparse leaves stray positionals in the option part; pip ignores them.
            i += 1;
            continue;
        }
        let mut on = |opt: &PipOption, value: Option<&str>| {
            if opt.act != Effect::Plain {
                found.push(opt.act, value.unwrap_or_default().to_string(), at.clone());
            }
            Flow::Go
        };
        read_option(&words, &mut i, FILE, "requirements file", &mut on)
            .map_err(|e| bad(e.message))?;
    }
    if !req.trim().is_empty() {
        let t = classify_line(req.trim(), world).map_err(bad)?;
        if !constraint {
            out.targets.push(with_origin(t, at));
        }
        return Ok(None);
    }
    if let Some((value, _)) = found.get(Effect::Editable).into_iter().next() {
        let t = classify_editable(&value, world).map_err(bad)?;
        if !constraint {
            out.targets.push(with_origin(t, at));
        }
        return Ok(None);
    }
    let nested = found
        .get(Effect::Requirement)
        .into_iter()
        .next()
        .map(|(v, _)| (v, false))
        .or_else(|| {
            found
                .get(Effect::Constraint)
                .into_iter()
                .next()
                .map(|(v, _)| (v, true))
        });
    if let Some((child, nested_constraint)) = nested {
        let joined = join_nested(path, &child);
        if !nested_constraint {
            out.targets.push(Target::unnamed(
                Ecosystem::Pypi,
                TargetKind::RequirementsFile,
                &joined,
                at.clone(),
            ));
        }
        return Ok(Some((joined, nested_constraint, at)));
    }
    if let Some((v, o)) = found.get(Effect::IndexUrl).into_iter().next() {
        out.sources.push(source(SourceKind::Index, &v, o));
    }
    if let Some((_, o)) = found.get(Effect::NoIndex).into_iter().next() {
        out.sources
            .push(source(SourceKind::NoIndex, "--no-index", o));
    }
    for (v, o) in found.get(Effect::ExtraIndexUrl) {
        out.sources.push(source(SourceKind::ExtraIndex, &v, o));
    }
    if let Some((v, o)) = found.get(Effect::FindLinks).into_iter().next() {
        // A relative find-links path is tried relative to the file first.
        let beside = join_nested(path, &v);
        let loc = if !has_scheme(&v)
            && beside != v
            && (world.is_dir(Path::new(&beside)) || world.is_file(Path::new(&beside)))
        {
            beside
        } else {
            v
        };
        out.sources.push(source(SourceKind::FindLinks, &loc, o));
    }
    Ok(None)
}

/// `auto_decode`: BOMs, a PEP 263 coding comment in the first two lines, else UTF-8.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |data: &[u8], le: bool| -> Result<String, String> {
        let units: Vec<u16> = data
            .chunks(2)
            .map(|c| {
                let pair = [c[0], *c.get(1).unwrap_or(&0)];
                if le {
                    u16::from_le_bytes(pair)
                } else {
                    u16::from_be_bytes(pair)
                }
            })
            .collect();
        String::from_utf16(&units).map_err(|_| "invalid UTF-16".to_string())
    };
    if let Some(rest) = bytes.strip_prefix(b"\xef\xbb\xbf") {
        return String::from_utf8(rest.to_vec()).map_err(|_| "invalid UTF-8 after BOM".to_string());
    }
    if let Some(rest) = bytes.strip_prefix(b"\xff\xfe") {
        // pip tries the UTF-16 BOM before the UTF-32-LE one, so it reads those as UTF-16 too.
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xfe\xff") {
        return utf16(rest, false);
    }
    if let Some(rest) = bytes.strip_prefix(b"\x00\x00\xfe\xff") {
        return rest
            .chunks(4)
            .map(|c| {
                let mut b = [0u8; 4];
                b[..c.len()].copy_from_slice(c);
                char::from_u32(u32::from_be_bytes(b)).ok_or_else(|| "invalid UTF-32".to_string())
            })
            .collect();
    }
    for line in bytes.split(|b| *b == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let trimmed = line.trim_start_matches([' ', '\t', '\x0c']);
        if let Some(after) = trimmed.strip_prefix('#')
            && let Some(pos) = after.find("coding")
        {
            let rest = &after[pos + 6..];
            if let Some(rest) = rest.strip_prefix([':', '='].as_slice()) {
                let enc: String = rest
                    .trim_start_matches([' ', '\t'])
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                    .collect::<String>()
                    .to_ascii_lowercase()
                    .replace('_', "-");
                match enc.as_str() {
                    "utf-8" | "utf8" => {}
                    "latin-1" | "latin1" | "iso-8859-1" | "iso8859-1" | "l1" => {
                        return Ok(bytes.iter().map(|b| char::from(*b)).collect());
                    }
                    "ascii" | "us-ascii" if bytes.is_ascii() => {}
                    other => return Err(format!("unsupported coding {other:?}")),
                }
                break;
            }
        }
    }
    String::from_utf8(bytes.to_vec())
        .map_err(|_| "not valid UTF-8 and no BOM or coding declaration".to_string())
}

/// Python `str.splitlines()` line boundaries.
pub(crate) fn split_lines(text: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut start = 0;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        ) {
            lines.push(&text[start..i]);
            let mut end = i + c.len_utf8();
            if c == '\r' && chars.peek().is_some_and(|(_, n)| *n == '\n') {
                chars.next();
                end += 1;
            }
            start = end;
        }
    }
    if start < text.len() {
        lines.push(&text[start..]);
    }
    lines
}

/// `COMMENT_RE.match`: `#` at the start or after leading whitespace.
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with('#')
}

/// `COMMENT_RE.sub("", line)`: drop from the first `#` that starts the line or follows whitespace.
fn strip_comment(line: &str) -> &str {
    let mut prev_ws = true;
    for (i, c) in line.char_indices() {
        if c == '#' && prev_ws {
            return line[..i].trim_end();
        }
        prev_ws = c.is_whitespace();
    }
    line
}

/// Continuations joined, comments stripped, blank lines dropped, `${VAR}` expanded.
pub(crate) fn logical_lines(text: &str, world: &dyn World) -> Vec<(u32, String)> {
    let mut joined: Vec<(u32, String)> = Vec::new();
    let mut pending: Option<(u32, String)> = None;
    for (idx, line) in split_lines(text).into_iter().enumerate() {
        let number = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        if !line.ends_with('\\') || is_comment(line) {
            let line = if is_comment(line) {
                format!(" {line}")
            } else {
                line.to_string()
            };
            match pending.take() {
                Some((n, mut acc)) => {
                    acc.push_str(&line);
                    joined.push((n, acc));
                }
                None => joined.push((number, line)),
            }
        } else {
            let piece = line.trim_matches('\\');
            match pending.as_mut() {
                Some((_, acc)) => acc.push_str(piece),
                None => pending = Some((number, piece.to_string())),
            }
        }
    }
    joined.extend(pending);
    joined
        .into_iter()
        .filter_map(|(n, line)| {
            let line = strip_comment(&line).trim().to_string();
            (!line.is_empty()).then(|| (n, expand_env(&line, world)))
        })
        .collect()
}

/// `${NAME}` with NAME in `[A-Z0-9_]+`, replaced when set and non-empty.
pub(crate) fn expand_env(line: &str, world: &dyn World) -> String {
    let mut names: Vec<&str> = Vec::new();
    let mut rest = line;
    while let Some(pos) = rest.find("${") {
        let after = &rest[pos + 2..];
        let len = after
            .find(|c: char| !(c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(after.len());
        if len > 0 && after[len..].starts_with('}') {
            names.push(&after[..len]);
            rest = &after[len + 1..];
        } else {
            rest = after;
        }
    }
    let mut out = line.to_string();
    for name in names {
        if let Some(value) = world.env(name).map(|v| v.to_string_lossy().into_owned())
            && !value.is_empty()
        {
            out = out.replace(&format!("${{{name}}}"), &value);
        }
    }
    out
}

/// Split at the first space-separated token starting with `-` (requirement, options).
pub(super) fn break_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split(' ').collect();
    let cut = tokens
        .iter()
        .position(|t| t.starts_with('-'))
        .unwrap_or(tokens.len());
    (tokens[..cut].join(" "), tokens[cut..].join(" "))
}

/// POSIX `shlex.split`.
pub(crate) fn shlex_split(s: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(ch) => word.push(ch),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(ch @ ('"' | '\\' | '$' | '`' | '\n')) => word.push(ch),
                            Some(ch) => {
                                word.push('\\');
                                word.push(ch);
                            }
                            None => return Err("no closing quotation".to_string()),
                        },
                        Some(ch) => word.push(ch),
                        None => return Err("no closing quotation".to_string()),
                    }
                }
            }
            '\\' => {
                in_word = true;
                match chars.next() {
                    Some(ch) => word.push(ch),
                    None => return Err("no escaped character".to_string()),
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}
