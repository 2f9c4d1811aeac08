//! Everything installguard itself prints. Guard messages go to stderr through [`say!`] (or
//! [`err`] for continuation lines), redacted and with terminal control characters escaped, so a
//! package name, a file line, a feed entry or a log record can neither leak a credential nor
//! move the cursor, clear the screen, overwrite a line (`\r`) or reorder text (bidi overrides).
//! Command output goes to stdout through [`out`] (machine output, redacted, otherwise as is) or
//! [`out_text`] (text for people, redacted and escaped), ignoring a closed pipe. Decides nothing.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::Write;

/// Print a guard message on stderr: `installguard: ` prefix, redacted, control characters
/// escaped (newlines between the message's own lines stay). Never stdout: the wrapped tool's
/// output stays clean.
macro_rules! say {
    ($($arg:tt)*) => {
        $crate::output::say_line(&format!($($arg)*))
    };
}
pub(crate) use say;

/// What [`say!`] does with its formatted text.
pub fn say_line(text: &str) {
    let _ = std::io::stderr().lock().write_all(message(text).as_bytes());
}

/// The line [`say!`] prints for `text`.
fn message(text: &str) -> String {
    format!(
        "installguard: {}\n",
        escape_text(&crate::redact::text(text))
    )
}

/// Lines for stderr without the prefix (findings under a message, rendered diagnostics):
/// redacted and escaped like [`say!`]. `text` carries its own newlines.
pub fn err(text: &str) {
    let text = escape_text(&crate::redact::text(text)).into_owned();
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

/// Write to stdout, redacted but otherwise as is, ignoring a closed pipe (`installguard log
/// --json | head`). For machine-readable output. Redaction is idempotent, so log lines that
/// were redacted when written pass byte for byte (their hashes still verify).
pub fn out(text: &str) {
    let _ = std::io::stdout()
        .lock()
        .write_all(crate::redact::text(text).as_bytes());
}

/// Write text for people to stdout, redacted and with control characters escaped (newlines
/// and tabs stay), ignoring a closed pipe.
pub fn out_text(text: &str) {
    out(&escape_text(&crate::redact::text(text)));
}

/// Characters that can take over a terminal: C0 controls, DEL, C1 controls, and the Unicode
/// bidirectional formatting characters (LRE..RLO, LRI..PDI, LRM/RLM/ALM).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
        )
}

fn escape_with(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if !is_dangerous(c) || keep(c) {
            out.push(c);
            continue;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
        }
    }
    Cow::Owned(out)
}

/// One value (an argument, a name, a field) made safe to show: every control character,
/// newlines included, is written as an escape (`\x1b`, `\r`, `\n`, `\u{202e}`).
pub fn escape(s: &str) -> Cow<'_, str> {
    escape_with(s, |_| false)
}

/// A message or report made safe to show: like [`escape`], but newlines and tabs stay, since
/// they are the text's own layout.
pub fn escape_text(s: &str) -> Cow<'_, str> {
    escape_with(s, |c| c == '\n' || c == '\t')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hostile_package_argument_is_printed_escaped_and_redacted() {
        let package = "evil\u{1b}[2J\rrequests\u{202e}lmth.exe";
        let line = message(&format!(
            "blocked `{package}` from https://user:secret@corp.example/simple"
        ));
        assert_eq!(
            line,
            "installguard: blocked `evil\\x1b[2J\\rrequests\\u{202e}lmth.exe` from https://***@corp.example/simple\n"
        );
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        let arg = "evil\u{1b}[2J\rrequests\u{202e}txt.exe";
        let text = format!("blocked this pip command: pip install {arg}");
        let shown = escape_text(&text);
        assert_eq!(
            shown,
            "blocked this pip command: pip install evil\\x1b[2J\\rrequests\\u{202e}txt.exe"
        );
        assert!(!shown.chars().any(is_dangerous));
        assert_eq!(
            escape("a\nb\tc\u{7f}\u{85}\u{2067}"),
            "a\\nb\\tc\\x7f\\u{85}\\u{2067}"
        );
        assert_eq!(escape_text("line 1\n\tline 2"), "line 1\n\tline 2");
        assert!(matches!(escape("plain é ü 日本"), Cow::Borrowed(_)));
    }
}
