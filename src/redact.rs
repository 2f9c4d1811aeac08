//! Credential redaction for everything installguard writes: the audit log, the terminal and
//! syslog exports. Removes URL userinfo, npm `_authToken`/`_auth`/`_password` settings, `npm_…`
//! and GitHub tokens, and `Bearer`/`Basic` values. Pure string work; it does not decide what is
//! logged, and it cannot find a secret that has no recognisable shape (a bare password argument).
//!
//! The types make the safe path the easy one: [`Redacted`] and [`RedactedJson`] can only be built
//! by redacting, and [`SecretUrl`] prints its redacted form; getting the raw text back out of a
//! `SecretUrl` takes a call to [`SecretUrl::expose_secret`].

use std::ffi::OsString;
use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// What replaces a secret.
pub const MASK: &str = "***";

/// Text that has been through [`text`]. Only constructible by redacting, so a record field of
/// this type cannot hold a raw secret. Deserialising redacts again (idempotent), so even a log
/// written by something else is shown redacted.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Redacted(String);

impl Redacted {
    pub fn new(raw: &str) -> Redacted {
        Redacted(text(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Serialize for Redacted {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for Redacted {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(Redacted::new(&s))
    }
}

/// A JSON value every string of which (keys included) has been through [`text`].
#[derive(Clone, PartialEq, Default)]
pub struct RedactedJson(serde_json::Value);

impl RedactedJson {
    /// Serialise `value` and redact every string in it.
    pub fn from_serialize<T: Serialize + ?Sized>(value: &T) -> RedactedJson {
        RedactedJson(json(serde_json::to_value(value).unwrap_or_default()))
    }

    /// Like [`RedactedJson::from_serialize`], and also masks every exact occurrence of the
    /// known secrets (see [`argv_secrets`]) wherever another module copied them.
    pub fn from_serialize_masking<T: Serialize + ?Sized>(
        value: &T,
        secrets: &[String],
    ) -> RedactedJson {
        let v = json(serde_json::to_value(value).unwrap_or_default());
        RedactedJson(mask_known(v, secrets))
    }

    pub fn from_value(value: serde_json::Value) -> RedactedJson {
        RedactedJson(json(value))
    }

    pub fn value(&self) -> &serde_json::Value {
        &self.0
    }
}

impl fmt::Debug for RedactedJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl Serialize for RedactedJson {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de> Deserialize<'de> for RedactedJson {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(RedactedJson::from_value(serde_json::Value::deserialize(d)?))
    }
}

/// A URL that may carry credentials (index, registry, git remote). `Display`, `Debug` and
/// `Serialize` show the redacted form; the raw URL is only reachable through `expose_secret`.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(raw: impl Into<String>) -> SecretUrl {
        SecretUrl(raw.into())
    }

    /// The raw URL, credentials included: for handing to the real tool, never for printing.
    pub fn expose_secret(&self) -> &str {
        &self.0
    }

    pub fn redacted(&self) -> Redacted {
        Redacted::new(&self.0)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&text(&self.0))
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({:?})", text(&self.0))
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&text(&self.0))
    }
}

/// Settings whose value is a credential (npm `.npmrc` keys, also as `--_authToken=` and
/// `npm_config__authToken`). Matched case-insensitively, longest first.
const SECRET_KEYS: &[&str] = &["_authtoken", "_password", "_auth", "authtoken", "password"];

/// The values [`argv`] masks whole (the argument after `--_authToken`, `--password`, ...), so
/// that copies of them elsewhere (a command-line reader that took one for a package name) can
/// be masked too.
pub fn argv_secrets(args: &[OsString]) -> Vec<String> {
    let masked = argv(args);
    args.iter()
        .zip(masked)
        .filter(|(_, m)| m == MASK)
        .map(|(a, _)| a.to_string_lossy().into_owned())
        .filter(|a| !a.is_empty() && a != MASK)
        .collect()
}

fn mask_known(value: serde_json::Value, secrets: &[String]) -> serde_json::Value {
    use serde_json::Value;
    if secrets.is_empty() {
        return value;
    }
    match value {
        Value::String(mut s) => {
            for secret in secrets {
                if s.contains(secret.as_str()) {
                    s = s.replace(secret.as_str(), MASK);
                }
            }
            Value::String(s)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(|v| mask_known(v, secrets)).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| (k, mask_known(v, secrets)))
                .collect(),
        ),
        other => other,
    }
}

/// Redact command-line arguments. Besides [`text`] on each, a value given as a separate
/// argument after a credential option (`--_authToken X`, `--password X`) is masked whole.
pub fn argv(args: &[OsString]) -> Vec<String> {
    let mut out = Vec::with_capacity(args.len());
    let mut mask_next = false;
    for a in args {
        let s = a.to_string_lossy();
        if mask_next {
            out.push(MASK.to_string());
            mask_next = false;
            continue;
        }
        let lower = s.to_ascii_lowercase();
        if lower.starts_with('-') && !lower.contains('=') {
            let key = lower.trim_start_matches('-');
            let key = key.rsplit(':').next().unwrap_or(key);
            mask_next = SECRET_KEYS.contains(&key) || key == "token";
        }
        out.push(text(&s));
    }
    out
}

/// Redact every string (and object key) in a JSON value.
pub fn json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(text(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(json).collect()),
        Value::Object(o) => {
            Value::Object(o.into_iter().map(|(k, v)| (text(&k), json(v))).collect())
        }
        other => other,
    }
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// Where a value that runs to whitespace, a quote or a delimiter ends.
fn value_end(b: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < b.len()
        && !b[i].is_ascii_whitespace()
        && !matches!(b[i], b'"' | b'\'' | b',' | b';' | b'}' | b']')
    {
        i += 1;
    }
    i
}

/// Redact credentials in free text (a command line, a URL, a message, a config line).
/// Idempotent: redacting redacted text changes nothing.
pub fn text(s: &str) -> String {
    let s = userinfo(s);
    let s = secret_settings(&s);
    let s = auth_schemes(&s);
    prefixed_tokens(&s)
}

/// `scheme://user:pass@host` → `scheme://***@host`.
fn userinfo(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut search = 0;
    while let Some(pos) = s[search..].find("://") {
        let start = search + pos + 3;
        let mut end = start;
        while end < b.len()
            && !matches!(
                b[end],
                b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\'
            )
            && !b[end].is_ascii_whitespace()
        {
            end += 1;
        }
        if let Some(at) = s[start..end].rfind('@') {
            let user = &s[start..start + at];
            if user != MASK {
                out.push_str(&s[last..start]);
                out.push_str(MASK);
                last = start + at;
            }
        }
        search = end.max(start);
    }
    out.push_str(&s[last..]);
    out
}

/// `_authToken=X`, `//host/:_auth = X`, `"_password": "X"`, `npm_config__authToken=X`.
fn secret_settings(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        let Some(key) = SECRET_KEYS
            .iter()
            .find(|k| lower.as_bytes()[i..].starts_with(k.as_bytes()))
        else {
            i += 1;
            continue;
        };
        // A key must start a word: `password` inside `mypasswordfile` is not a setting.
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric() || key.starts_with('_');
        let mut j = i + key.len();
        if !word_start || (j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_')) {
            i += 1;
            continue;
        }
        if j < b.len() && b[j] == b'"' {
            j += 1;
        }
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j >= b.len() || !matches!(b[j], b'=' | b':') {
            i += key.len();
            continue;
        }
        j += 1;
        while j < b.len() && b[j] == b' ' {
            j += 1;
        }
        if j < b.len() && matches!(b[j], b'"' | b'\'') {
            j += 1;
        }
        let end = value_end(b, j);
        if end > j && &s[j..end] != MASK {
            out.push_str(&s[last..j]);
            out.push_str(MASK);
            last = end;
        }
        i = end.max(i + 1);
    }
    out.push_str(&s[last..]);
    out
}

/// `Bearer X`, `Basic X` (HTTP authorization values), case-insensitive.
fn auth_schemes(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        let scheme = ["bearer", "basic"]
            .into_iter()
            .find(|k| lower.as_bytes()[i..].starts_with(k.as_bytes()));
        let Some(scheme) = scheme else {
            i += 1;
            continue;
        };
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        let mut j = i + scheme.len();
        if !word_start || j >= b.len() || !matches!(b[j], b' ' | b'\t' | b'=' | b':') {
            i += 1;
            continue;
        }
        while j < b.len() && matches!(b[j], b' ' | b'\t' | b'=' | b':') {
            j += 1;
        }
        let mut end = j;
        while end < b.len() && is_token_byte(b[end]) {
            end += 1;
        }
        // A credential has some length and is not an English word ("basic usage").
        let value = &s[j..end];
        let looks_secret = value.len() >= 8
            && (value.bytes().any(|c| !c.is_ascii_lowercase()) || value.len() >= 20);
        if looks_secret && value != MASK {
            out.push_str(&s[last..j]);
            out.push_str(MASK);
            last = end;
        }
        i = end.max(i + 1);
    }
    out.push_str(&s[last..]);
    out
}

/// `npm_` + 36 alphanumerics (npm access tokens), `ghp_…`/`github_pat_…` (GitHub tokens).
fn prefixed_tokens(s: &str) -> String {
    const PREFIXES: &[(&str, usize)] = &[
        ("npm_", 20),
        ("ghp_", 20),
        ("gho_", 20),
        ("ghs_", 20),
        ("ghu_", 20),
        ("github_pat_", 20),
        ("pypi-", 40),
    ];
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    let mut i = 0;
    while i < b.len() {
        let hit = PREFIXES.iter().find(|(p, _)| s[i..].starts_with(p));
        let Some((prefix, min)) = hit else {
            i += s[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let word_start = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_');
        let j = i + prefix.len();
        let mut end = j;
        while end < b.len()
            && (b[end].is_ascii_alphanumeric()
                || b[end] == b'_'
                || (*prefix == "pypi-" && b[end] == b'-'))
        {
            end += 1;
        }
        if word_start && end - j >= *min {
            out.push_str(&s[last..j]);
            out.push_str(MASK);
            last = end;
        }
        i = end.max(i + 1);
    }
    out.push_str(&s[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_the_shapes_of_credentials() {
        for (raw, want) in [
            (
                "https://user:s3cret@pypi.corp.example/simple",
                "https://***@pypi.corp.example/simple",
            ),
            (
                "--index-url=https://tok3n@h.example:8080/x?y=1",
                "--index-url=https://***@h.example:8080/x?y=1",
            ),
            (
                "git+https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/o/r",
                "git+https://***@github.com/o/r",
            ),
            (
                "//registry.npmjs.org/:_authToken=abc123XYZ",
                "//registry.npmjs.org/:_authToken=***",
            ),
            ("_auth = dXNlcjpwYXNz", "_auth = ***"),
            ("--_password=hunter2", "--_password=***"),
            ("npm_config__authToken=abc", "npm_config__authToken=***"),
            ("{\"_authToken\": \"abc\"}", "{\"_authToken\": \"***\"}"),
            (
                "token npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 here",
                "token npm_*** here",
            ),
            (
                "Authorization: Bearer eyJhbGciOi.J9x",
                "Authorization: Bearer ***",
            ),
            ("basic dXNlcjpwYXNzd29yZA==", "basic ***"),
            ("pip install requests", "pip install requests"),
            (
                "basic usage of npm_config_cache",
                "basic usage of npm_config_cache",
            ),
            ("see https://example.com/a@b", "see https://example.com/a@b"),
        ] {
            assert_eq!(text(raw), want, "{raw}");
            assert_eq!(text(want), want, "idempotent on {want}");
        }
    }

    #[test]
    fn argv_masks_separate_values_of_credential_options() {
        let args: Vec<OsString> = [
            "install",
            "--_authToken",
            "abc",
            "--registry",
            "https://u:p@r.example/",
            "x",
        ]
        .iter()
        .map(OsString::from)
        .collect();
        assert_eq!(
            argv(&args),
            [
                "install",
                "--_authToken",
                "***",
                "--registry",
                "https://***@r.example/",
                "x"
            ]
        );
    }

    #[test]
    fn types_print_redacted() {
        let u = SecretUrl::new("https://a:b@h/");
        assert_eq!(u.to_string(), "https://***@h/");
        assert_eq!(format!("{u:?}"), "SecretUrl(\"https://***@h/\")");
        assert_eq!(u.expose_secret(), "https://a:b@h/");
        let j = RedactedJson::from_serialize(&serde_json::json!({"spec": "https://a:b@h/"}));
        assert_eq!(j.value()["spec"], "https://***@h/");
        let r: Redacted = serde_json::from_str("\"_auth=zzz\"").unwrap();
        assert_eq!(r.as_str(), "_auth=***");
    }
}
