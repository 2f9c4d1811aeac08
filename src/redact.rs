//! Credential redaction: the one entry point every message, export and the log goes through
//! ([`text`] for free text, [`argv`] for command lines, [`json`] for documents; all three apply
//! the same grammar). Redacts by grammar, not by examples: URL userinfo, secret-looking query
//! parameters and assignments, token path segments of private indexes, HTTP authorization
//! values, the token formats secret scanners know, JWTs and PEM private keys (see [`text`]).
//! Pure string work; it does not decide what is logged, and it cannot find a secret that has no
//! recognisable shape (a bare password argument with no option name before it).
//!
//! The types make the safe path the easy one: [`Redacted`] and [`RedactedJson`] can only be built
//! by redacting.

use std::ffi::OsString;
use std::fmt;
use std::ops::Range;

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

    /// Null, or an empty array or object.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            serde_json::Value::Null => true,
            serde_json::Value::Array(a) => a.is_empty(),
            serde_json::Value::Object(o) => o.is_empty(),
            _ => false,
        }
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

/// Redact command-line arguments. Besides [`text`] on each, the value given as a separate
/// argument after an option whose name is secret-looking ([`is_secret_key`]: `--_authToken X`,
/// `--password X`, `--api-key X`, `--otp X`) is masked whole.
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
        if s.starts_with('-') && !s.contains('=') {
            let key = s.trim_start_matches('-');
            let key = key.rsplit(':').next().unwrap_or(key);
            mask_next = is_secret_key(key);
        }
        out.push(text(&s));
    }
    out
}

/// Redact every string (and object key) in a JSON value; the string value of a secret-looking
/// key (`{"_authToken": "…"}`) is masked whole.
pub fn json(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(text(&s)),
        Value::Array(a) => Value::Array(a.into_iter().map(json).collect()),
        Value::Object(o) => Value::Object(
            o.into_iter()
                .map(|(k, v)| {
                    let v = match v {
                        Value::String(s) if is_secret_key(&k) && maskable(&s) => {
                            Value::String(MASK.into())
                        }
                        other => json(other),
                    };
                    (text(&k), v)
                })
                .collect(),
        ),
        other => other,
    }
}

/// Redact credentials in free text (a command line, a URL, a message, a config file's line, a
/// JSON document). The grammar, applied in this order:
///
/// 1. PEM private-key blocks: the body between `-----BEGIN … PRIVATE KEY-----` and `-----END`.
/// 2. URLs (anything after `://`): the userinfo (`https://***@host`), including passwords that
///    hold `/` or whitespace (`user:pa/ss@host`: a `:` in the authority not followed by a port
///    number, then the next `@` on the line before a host); path segments that carry a token
///    in known private-index layouts (see [`path_token`]).
/// 3. HTTP authorization values: `Bearer X`, `Basic X`, `Token X`.
/// 4. Assignments whose key is secret-looking ([`is_secret_key`]): `key=value`, `key: value`,
///    `"key": "value"`, and query parameters `?key=value&…`. The value ends at `&`/`#` in a
///    query, at the closing quote when quoted, at the end of the line when the key starts the
///    line (config files), else at whitespace or `, ; ) ] }`.
/// 5. Token formats that secret scanners know by their prefix (see [`TOKENS`]), AWS access key
///    ids, and JWTs. The public prefix is kept (`ghp_***`) so a reader sees what was there.
///
/// Idempotent: redacting redacted text changes nothing. What has no recognisable shape (a bare
/// password argument with no option name before it) cannot be found.
pub fn text(s: &str) -> String {
    // A mask can change where a later value ends (the text that stopped it is gone), so
    // redact until nothing changes; text with nothing to mask takes one pass, and a second
    // pass almost always finds nothing more. Bounded, in case two rules ever feed each other.
    let mut out = pass(s);
    if out == s {
        return out;
    }
    for _ in 0..8 {
        let again = pass(&out);
        if again == out {
            break;
        }
        out = again;
    }
    out
}

/// One pass of every rule of [`text`], in order.
fn pass(s: &str) -> String {
    let mut ranges = Vec::new();
    pem_blocks(s, &mut ranges);
    let s = apply(s, ranges);
    let mut ranges = Vec::new();
    urls(&s, &mut ranges);
    let s = apply(&s, ranges);
    let mut ranges = Vec::new();
    auth_schemes(&s, &mut ranges);
    let s = apply(&s, ranges);
    let mut ranges = Vec::new();
    assignments(&s, &mut ranges);
    let s = apply(&s, ranges);
    let mut ranges = Vec::new();
    tokens(&s, &mut ranges);
    apply(&s, ranges)
}

/// Replace each byte range with [`MASK`]; overlapping ranges merge, ranges that already read
/// `***` stay.
fn apply(s: &str, mut ranges: Vec<Range<usize>>) -> String {
    if ranges.is_empty() {
        return s.to_string();
    }
    ranges.sort_by_key(|r| (r.start, std::cmp::Reverse(r.end)));
    let mut out = String::with_capacity(s.len());
    let mut last = 0;
    for r in ranges {
        if r.start < last || r.start >= r.end || &s[r.clone()] == MASK {
            if r.end > last && r.start < last {
                // Overlaps what was already masked: extend the mask over the rest.
                last = r.end;
            }
            continue;
        }
        out.push_str(&s[last..r.start]);
        out.push_str(MASK);
        last = r.end;
    }
    out.push_str(&s[last..]);
    // Masks that touch (two secrets side by side, or one next to a mask an earlier step made)
    // read as one: a second pass would otherwise take `******` for a value and mask it again.
    let double = MASK.repeat(2);
    while out.contains(&double) {
        out = out.replace(&double, MASK);
    }
    out
}

/// Option and setting names whose value is a credential, judged by the last word of the name
/// (lowercased; `-` and `.` count as `_`): it ends with `token`, `secret`, `password`,
/// `passwd`, `pwd`, `passphrase`, `key`, `sig`, `signature`, `credential(s)`, `auth`,
/// `cookie` or `session`, or it is `pass`, `otp`, `jwt` or `sessionid`. So `_authToken`,
/// `npm_config__authToken`, `access_token`, `private_token`, `api_key`, `apikey`, `X-Amz-Signature`,
/// `client_secret` and `_auth` are secret; `auth-type`, `password-file` and `key-id` are not.
pub fn is_secret_key(key: &str) -> bool {
    const ENDS: &[&str] = &[
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "key",
        "sig",
        "signature",
        "credential",
        "credentials",
        "auth",
        "cookie",
        "session",
    ];
    const EXACT: &[&str] = &["pass", "otp", "jwt", "sessionid"];
    let lower = key.to_ascii_lowercase();
    let Some(last) = lower.split(['_', '-', '.']).rfind(|w| !w.is_empty()) else {
        return false;
    };
    ENDS.iter().any(|e| last.ends_with(e)) || EXACT.contains(&last)
}

/// A value worth masking: not empty, not already masked, not a boolean, not a `${VAR}`
/// reference (which names a secret without holding it).
fn maskable(v: &str) -> bool {
    let v = v.trim();
    !v.is_empty()
        && v != MASK
        && !matches!(v, "true" | "false" | "null")
        && !v.starts_with("${")
        && !v.starts_with("$(")
}

fn is_space(b: u8) -> bool {
    b.is_ascii_whitespace()
}

/// Where a URL's authority candidate stops.
fn authority_stop(b: u8) -> bool {
    is_space(b)
        || matches!(
            b,
            b'@' | b'/' | b'?' | b'#' | b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`'
        )
}

/// Where a URL ends in running text.
fn url_stop(b: u8) -> bool {
    is_space(b) || matches!(b, b'"' | b'\'' | b'<' | b'>' | b'\\' | b'`')
}

fn pem_blocks(s: &str, out: &mut Vec<Range<usize>>) {
    let mut search = 0;
    while let Some(pos) = s[search..].find("-----BEGIN ") {
        let begin = search + pos;
        let line_end = s[begin..].find('\n').map_or(s.len(), |i| begin + i);
        let header = &s[begin..line_end];
        search = line_end;
        if !header.contains("PRIVATE KEY-----") {
            continue;
        }
        let body = (line_end + 1).min(s.len());
        let end = s[body..].find("-----END").map_or(s.len(), |i| body + i);
        let (mut a, mut z) = (body, end);
        while a < z && is_space(s.as_bytes()[a]) {
            a += 1;
        }
        while z > a && is_space(s.as_bytes()[z - 1]) {
            z -= 1;
        }
        if a < z {
            out.push(a..z);
        }
        search = end.max(search);
    }
}

/// `user:pa/ss@host`, `user:pass word@host`: a userinfo the first `@` does not end, because
/// the password holds a character that also ends an authority. Only when the authority has a
/// `:` that is not followed by a port number, and an `@` before a host comes later on the line.
fn odd_userinfo(s: &str, start: usize, stop: usize) -> Option<usize> {
    let b = s.as_bytes();
    let auth = &s[start..stop];
    if auth.starts_with('[') {
        return None; // an IPv6 host
    }
    let colon = auth.find(':')?;
    let port = &auth[colon + 1..];
    if port.len() <= 5 && port.bytes().all(|c| c.is_ascii_digit()) {
        // host:port. (So a password of 1 to 5 digits followed by `/` or whitespace is
        // indistinguishable from a port and is not found.)
        return None;
    }
    let limit = (stop + 1024).min(b.len());
    let mut i = stop;
    while i < limit {
        match b[i] {
            b'\n' | b'\r' | b'"' | b'\'' | b'<' | b'>' | b'`' => return None,
            b':' if s[i..].starts_with("://") => return None,
            b'@' => {
                let next = b.get(i + 1).copied().unwrap_or(b' ');
                return (next.is_ascii_alphanumeric() || next == b'[').then_some(i);
            }
            _ => i += 1,
        }
    }
    None
}

fn urls(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    let mut search = 0;
    while let Some(pos) = s[search..].find("://") {
        let start = search + pos + 3;
        let stop = (start..b.len())
            .find(|&i| authority_stop(b[i]))
            .unwrap_or(b.len());
        let mut host_start = start;
        if stop < b.len() && b[stop] == b'@' {
            out.push(start..stop);
            host_start = stop + 1;
        } else if let Some(at) = odd_userinfo(s, start, stop) {
            out.push(start..at);
            host_start = at + 1;
        }
        let host_end = (host_start..b.len())
            .find(|&i| matches!(b[i], b'/' | b'?' | b'#') || url_stop(b[i]))
            .unwrap_or(b.len());
        let host = s[host_start..host_end]
            .rsplit_once(':')
            .map_or(&s[host_start..host_end], |(h, port)| {
                if port.bytes().all(|c| c.is_ascii_digit()) {
                    h
                } else {
                    &s[host_start..host_end]
                }
            })
            .to_ascii_lowercase();
        if host_end < b.len() && b[host_end] == b'/' {
            let end = (host_end..b.len())
                .find(|&i| matches!(b[i], b'?' | b'#') || url_stop(b[i]))
                .unwrap_or(b.len());
            let mut segs = Vec::new();
            let mut a = host_end + 1;
            for (i, c) in s[host_end + 1..end].char_indices() {
                if c == '/' {
                    segs.push(a..host_end + 1 + i);
                    a = host_end + 2 + i;
                }
            }
            segs.push(a..end);
            let named: Vec<&str> = segs.iter().map(|r| &s[r.clone()]).collect();
            for (i, r) in segs.iter().enumerate() {
                if path_token(&host, &named, i) {
                    out.push(r.clone());
                }
            }
        }
        // Search on from just after this `://`: a URL may hold another (`https://h/?u=https://…`).
        search = start;
    }
}

/// Whether path segment `i` of a URL on `host` is a credential, by the layouts private indexes
/// use:
/// - the segment after one named `t` (anaconda.org `/t/<token>/`), `token`, `tokens`, `auth`,
///   `secret`, `key`, `apikey`/`api-key`/`api_key`, `access-token`/`private-token`;
/// - Gemfury (`*.fury.io/<token>/<account>/`): the first of two or more segments;
/// - Cloudsmith (`dl.cloudsmith.io/<token>/<org>/<repo>/…`): the first, unless `public` or
///   `basic`;
/// - Slack webhooks (`hooks.slack.com/services/…`): everything after `services`;
/// - after `simple` (`/simple/<token>/`): a segment shaped like a token (16 or more letters,
///   digits and `_`, with a digit, a lower- and an upper-case letter; normalised package names
///   are lower-case).
///
/// Registries that take the token as userinfo (Artifactory, GitLab `__token__:…@`, Azure
/// Artifacts, CodeArtifact `aws:…@`, packagecloud) are covered by the userinfo rule.
pub fn path_token(host: &str, segs: &[&str], i: usize) -> bool {
    const AFTER: &[&str] = &[
        "t",
        "token",
        "tokens",
        "auth",
        "secret",
        "key",
        "apikey",
        "api-key",
        "api_key",
        "access-token",
        "access_token",
        "private-token",
        "private_token",
    ];
    let seg = segs[i];
    if seg.is_empty() || seg == MASK {
        return false;
    }
    let prev = i
        .checked_sub(1)
        .map(|j| segs[j].to_ascii_lowercase())
        .unwrap_or_default();
    let nonempty = segs.iter().filter(|s| !s.is_empty()).count();
    let on = |suffix: &str| host == suffix.trim_start_matches('.') || host.ends_with(suffix);
    AFTER.contains(&prev.as_str())
        || (on(".fury.io") && i == 0 && nonempty >= 2)
        || (on(".cloudsmith.io") && i == 0 && nonempty >= 2 && !matches!(seg, "public" | "basic"))
        || (host == "hooks.slack.com" && i >= 1 && segs[0] == "services")
        || (prev == "simple" && token_shaped(seg))
}

fn token_shaped(seg: &str) -> bool {
    seg.len() >= 16
        && seg.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_')
        && seg.bytes().any(|c| c.is_ascii_digit())
        && seg.bytes().any(|c| c.is_ascii_lowercase())
        && seg.bytes().any(|c| c.is_ascii_uppercase())
}

fn is_token_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'+' | b'/' | b'=')
}

/// `Bearer X`, `Basic X`, `Token X` (HTTP authorization values), case-insensitive.
fn auth_schemes(s: &str, out: &mut Vec<Range<usize>>) {
    let lower = s.to_ascii_lowercase();
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let scheme = ["bearer", "basic", "token"]
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
            out.push(j..end);
        }
        i = end.max(i + 1);
    }
}

/// The positions of every `needle` byte in `b`.
fn memchr_all(b: &[u8], needle: u8) -> Vec<usize> {
    b.iter()
        .enumerate()
        .filter(|&(_, &c)| c == needle)
        .map(|(i, _)| i)
        .collect()
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}

/// `key=value`, `key: value`, `"key": "value"`, `?key=value&` with a secret-looking key.
fn assignments(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    // Where lines start, for "is this key at the start of its line" in O(log n) per key
    // (a search back from each key made long text with many keys quadratic).
    let newlines: Vec<usize> = memchr_all(b, b'\n');
    for (p, &c) in b.iter().enumerate() {
        if c != b'=' && c != b':' {
            continue;
        }
        // `://` is a URL, not an assignment.
        if c == b':' && s[p..].starts_with("://") {
            continue;
        }
        let mut q = p;
        while q > 0 && matches!(b[q - 1], b' ' | b'\t') {
            q -= 1;
        }
        let quoted_key = q > 0 && matches!(b[q - 1], b'"' | b'\'');
        if quoted_key {
            q -= 1;
        }
        let key_end = q;
        while q > 0 && is_key_byte(b[q - 1]) {
            q -= 1;
        }
        if q == key_end || !is_secret_key(&s[q..key_end]) {
            continue;
        }
        // The quote that opens a quoted key; anything else there (a letter of another
        // script, say) is not part of the key.
        let before = if quoted_key && q > 0 && matches!(b[q - 1], b'"' | b'\'') {
            q - 1
        } else {
            q
        };
        let query = before > 0 && matches!(b[before - 1], b'?' | b'&');
        let line_start = match newlines.partition_point(|&i| i < before) {
            0 => 0,
            k => newlines[k - 1] + 1,
        };
        let at_line_start = s[line_start..before]
            .bytes()
            .all(|c| matches!(c, b' ' | b'\t'));
        let mut v = p + 1;
        while v < b.len() && matches!(b[v], b' ' | b'\t') {
            v += 1;
        }
        if v >= b.len() {
            continue;
        }
        let (a, z) = if matches!(b[v], b'"' | b'\'') {
            let quote = b[v];
            let mut z = v + 1;
            while z < b.len() && b[z] != quote && b[z] != b'\n' {
                z += if b[z] == b'\\' { 2 } else { 1 };
            }
            // A backslash before a multi-byte character skips into its middle.
            let mut z = z.min(b.len());
            while !s.is_char_boundary(z) {
                z += 1;
            }
            (v + 1, z)
        } else if query {
            let z = (v..b.len())
                .find(|&i| matches!(b[i], b'&' | b'#') || url_stop(b[i]))
                .unwrap_or(b.len());
            (v, z)
        } else if at_line_start && !quoted_key {
            let z = s[v..].find('\n').map_or(b.len(), |i| v + i);
            let mut z2 = z;
            while z2 > v && is_space(b[z2 - 1]) {
                z2 -= 1;
            }
            (v, z2)
        } else {
            let z = (v..b.len())
                .find(|&i| {
                    is_space(b[i])
                        || matches!(b[i], b'"' | b'\'' | b',' | b';' | b')' | b']' | b'}')
                })
                .unwrap_or(b.len());
            (v, z)
        };
        if a < z && maskable(&s[a..z]) {
            out.push(a..z);
        }
    }
}

/// A token format: its public prefix, the fewest characters after it, and which characters
/// it is made of.
struct Format {
    prefix: &'static str,
    min: usize,
    /// Exactly this many characters after the prefix (AWS key ids), or any number from `min`.
    exact: bool,
    chars: fn(u8) -> bool,
}

fn alnum(b: u8) -> bool {
    b.is_ascii_alphanumeric()
}
fn alnum_(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}
fn alnum_dash(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}
fn alnum_dash_dot(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')
}
fn upper_digit(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit()
}

const fn f(prefix: &'static str, min: usize, chars: fn(u8) -> bool) -> Format {
    Format {
        prefix,
        min,
        exact: false,
        chars,
    }
}

/// Token formats recognised by their prefix, as secret scanners (GitHub, GitLab, gitleaks)
/// define them: GitHub (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`), GitLab
/// (`glpat-` and its deploy, runner, trigger, feed, OAuth and agent tokens), npm (`npm_`), PyPI
/// (`pypi-`), AWS access key ids (`AKIA…`, `ASIA…`: 16 more), Slack (`xoxb-` …), Stripe,
/// Anthropic/OpenAI (`sk-ant-`, `sk-proj-`), Hugging Face (`hf_`), Docker Hub (`dckr_pat_`),
/// Google (`AIza`, `ya29.`), Shopify, SendGrid (`SG.`), DigitalOcean, Grafana, Linear.
const TOKENS: &[Format] = &[
    f("github_pat_", 20, alnum_),
    f("ghp_", 20, alnum),
    f("gho_", 20, alnum),
    f("ghu_", 20, alnum),
    f("ghs_", 20, alnum),
    f("ghr_", 20, alnum),
    f("glpat-", 20, alnum_dash),
    f("gldt-", 20, alnum_dash),
    f("glptt-", 20, alnum_dash),
    f("glrt-", 20, alnum_dash),
    f("glcbt-", 20, alnum_dash),
    f("glft-", 20, alnum_dash),
    f("glimt-", 20, alnum_dash),
    f("gloas-", 20, alnum_dash),
    f("glsoat-", 20, alnum_dash),
    f("glagent-", 20, alnum_dash),
    f("glffct-", 20, alnum_dash),
    f("npm_", 20, alnum),
    f("pypi-", 40, alnum_dash),
    Format {
        prefix: "AKIA",
        min: 16,
        exact: true,
        chars: upper_digit,
    },
    Format {
        prefix: "ASIA",
        min: 16,
        exact: true,
        chars: upper_digit,
    },
    f("xoxb-", 10, alnum_dash),
    f("xoxp-", 10, alnum_dash),
    f("xoxa-", 10, alnum_dash),
    f("xoxr-", 10, alnum_dash),
    f("xoxs-", 10, alnum_dash),
    f("xoxe.xoxp-", 10, alnum_dash),
    f("xoxe-", 10, alnum_dash),
    f("sk_live_", 16, alnum),
    f("sk_test_", 16, alnum),
    f("rk_live_", 16, alnum),
    f("rk_test_", 16, alnum),
    f("sk-ant-", 20, alnum_dash),
    f("sk-proj-", 20, alnum_dash),
    f("hf_", 20, alnum),
    f("dckr_pat_", 20, alnum_dash),
    f("AIza", 30, alnum_dash),
    f("ya29.", 20, alnum_dash_dot),
    f("shpat_", 32, alnum),
    f("shpss_", 32, alnum),
    f("shpca_", 32, alnum),
    f("shppa_", 32, alnum),
    f("SG.", 20, alnum_dash_dot),
    f("dop_v1_", 32, alnum),
    f("doo_v1_", 32, alnum),
    f("dor_v1_", 32, alnum),
    f("glsa_", 20, alnum_),
    f("lin_api_", 20, alnum),
];

/// The prefixed formats above, and JWTs (`eyJ…` `.` `…` `.` `…`).
fn tokens(s: &str, out: &mut Vec<Range<usize>>) {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let word_start = i == 0 || !b[i - 1].is_ascii_alphanumeric();
        if !word_start {
            i += 1;
            continue;
        }
        if b[i..].starts_with(b"eyJ")
            && let Some(end) = jwt_end(b, i)
        {
            out.push(i + 3..end);
            i = end;
            continue;
        }
        let Some(fmt) = TOKENS
            .iter()
            .find(|t| b[i..].starts_with(t.prefix.as_bytes()))
        else {
            i += 1;
            continue;
        };
        let j = i + fmt.prefix.len();
        let mut end = j;
        while end < b.len() && (fmt.chars)(b[end]) {
            end += 1;
        }
        let n = end - j;
        let fits = if fmt.exact {
            n == fmt.min
        } else {
            n >= fmt.min
        };
        if fits {
            out.push(j..end);
        }
        i = end.max(i + 1);
    }
}

/// The end of a JWT starting at `i` (three base64url parts, the first two of 8 or more).
fn jwt_end(b: &[u8], i: usize) -> Option<usize> {
    let part = |from: usize| {
        let mut e = from;
        while e < b.len() && (b[e].is_ascii_alphanumeric() || matches!(b[e], b'_' | b'-')) {
            e += 1;
        }
        e
    };
    let a = part(i);
    if a - i < 8 || b.get(a) != Some(&b'.') {
        return None;
    }
    let p = part(a + 1);
    if p - a - 1 < 8 || b.get(p) != Some(&b'.') {
        return None;
    }
    Some(part(p + 1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Found by the fuzz harness (`tests/fuzz.rs`, target `redact`): a multi-byte
    /// character right before a quoted key, or after a backslash in a quoted value, was
    /// sliced through the middle (a panic, and an abort inside the panic hook).
    #[test]
    fn multi_byte_characters_next_to_keys_and_escapes_never_panic() {
        for s in [
            "\u{e9}token\": x",
            "\u{e9}token': x",
            "token=\"\\\u{e9}\"",
            "token: '\\\u{1f600}",
            "\"token\" : \"ab\\\u{e9}",
        ] {
            let once = text(s);
            assert_eq!(text(&once), once, "{s:?}");
        }
        assert_eq!(text("token=\"\\\u{e9}\""), "token=\"***\"");
    }

    /// Found by the fuzz harness: two secrets side by side became `******`, which a second
    /// pass masked again as a value (redaction must be idempotent).
    #[test]
    fn touching_masks_read_as_one() {
        for s in [
            "ghp_01token=abc&api_key=,>z ghp_0123456789abcdefghijklmnop",
            "x ghp_01token=abc&api_key=,<zz ghp_0123456789abcdefghijklmnop\u{fffd}rst",
            "ghp_01token=abc&api_key=,zz ghp_0123456789abcdefghijklmnop",
            "token=abc&api_key=&x",
            "token=******",
        ] {
            let once = text(s);
            assert!(!once.contains("******"), "{once}");
            assert_eq!(text(&once), once, "{s:?}");
        }
    }

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
            // Passwords holding `/` or whitespace.
            (
                "https://ci:wJalr/K7MDENG/bPxRfi@pypi.corp.example/simple",
                "https://***@pypi.corp.example/simple",
            ),
            (
                "pip install -i https://ci:my pass phrase@h.example/simple x",
                "pip install -i https://***@h.example/simple x",
            ),
            // A port, and `@` in a path, are not userinfo.
            (
                "https://registry.npmjs.org:443/@scope/pkg",
                "https://registry.npmjs.org:443/@scope/pkg",
            ),
            ("see https://example.com/a@b", "see https://example.com/a@b"),
            (
                "http://[::1]:8080/simple x@y",
                "http://[::1]:8080/simple x@y",
            ),
            // Query values of secret-looking keys.
            (
                "https://h.example/x.whl?token=abc123&v=1#sha256=00ff",
                "https://h.example/x.whl?token=***&v=1#sha256=00ff",
            ),
            (
                "https://gitlab.example/api/v4/projects/1/packages/pypi/simple?private_token=xyz",
                "https://gitlab.example/api/v4/projects/1/packages/pypi/simple?private_token=***",
            ),
            (
                "https://h/?access_token=a&api_key=b&apikey=c&password=d&secret=e&sig=f&X-Amz-Signature=g&page=2",
                "https://h/?access_token=***&api_key=***&apikey=***&password=***&secret=***&sig=***&X-Amz-Signature=***&page=2",
            ),
            // Token path segments of private indexes.
            (
                "https://conda.anaconda.org/t/abc-123-def/mychannel/simple",
                "https://conda.anaconda.org/t/***/mychannel/simple",
            ),
            (
                "https://pypi.fury.io/AbCdEf123456/acme/",
                "https://pypi.fury.io/***/acme/",
            ),
            ("https://pypi.fury.io/acme/", "https://pypi.fury.io/acme/"),
            (
                "https://npm-proxy.fury.io/AbCdEf123456/acme/",
                "https://npm-proxy.fury.io/***/acme/",
            ),
            (
                "https://dl.cloudsmith.io/s3cr3tT0k3n/acme/repo/python/simple/",
                "https://dl.cloudsmith.io/***/acme/repo/python/simple/",
            ),
            (
                "https://dl.cloudsmith.io/public/acme/repo/python/simple/",
                "https://dl.cloudsmith.io/public/acme/repo/python/simple/",
            ),
            (
                "https://idx.example/simple/Xy7pQ2rS9tU4vW6z/",
                "https://idx.example/simple/***/",
            ),
            (
                "https://pypi.org/simple/tensorflow2pytorch/",
                "https://pypi.org/simple/tensorflow2pytorch/",
            ),
            (
                "https://hooks.slack.com/services/T000/B000/XXXXXXXX",
                "https://hooks.slack.com/services/***/***/***",
            ),
            (
                "https://h.example/api/token/abcdef/x",
                "https://h.example/api/token/***/x",
            ),
            // npm settings and config lines.
            (
                "//registry.npmjs.org/:_authToken=abc123XYZ",
                "//registry.npmjs.org/:_authToken=***",
            ),
            ("_auth = dXNlcjpwYXNz", "_auth = ***"),
            ("password = my secret pass\nx=1", "password = ***\nx=1"),
            ("--_password=hunter2", "--_password=***"),
            ("npm_config__authToken=abc", "npm_config__authToken=***"),
            ("{\"_authToken\": \"abc\"}", "{\"_authToken\": \"***\"}"),
            ("always-auth=true", "always-auth=true"),
            ("_authToken=${NPM_TOKEN}", "_authToken=${NPM_TOKEN}"),
            (
                "auth-type=web password-file=/x",
                "auth-type=web password-file=/x",
            ),
            // Token formats.
            (
                "token npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 here",
                "token *** here",
            ),
            (
                "use npm_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 here",
                "use npm_*** here",
            ),
            ("glpat-AbCdEfGhIjKlMnOpQrSt", "glpat-***"),
            ("id AKIAIOSFODNN7EXAMPLE.", "id AKIA***."),
            ("xoxb-1234567890-abcdefghij", "xoxb-***"),
            (
                "pypi-AgEIcHlwaS5vcmcCJGE0ZjM1ZmU2LTk3YzktNGNhNS1hYjk5LTM0ZGMwMzUzMzc0NQ",
                "pypi-***",
            ),
            (
                "x eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.sgn_abc-def y",
                "x eyJ*** y",
            ),
            (
                "Authorization: Bearer eyJhbGciOi.J9x",
                "Authorization: Bearer ***",
            ),
            ("basic dXNlcjpwYXNzd29yZA==", "basic ***"),
            (
                "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\nAAAA\n-----END OPENSSH PRIVATE KEY-----",
                "-----BEGIN OPENSSH PRIVATE KEY-----\n***\n-----END OPENSSH PRIVATE KEY-----",
            ),
            // Things that are not secrets stay.
            ("pip install requests", "pip install requests"),
            (
                "basic usage of npm_config_cache",
                "basic usage of npm_config_cache",
            ),
            (
                "rules.imitation = \"block\" max-age=30d",
                "rules.imitation = \"block\" max-age=30d",
            ),
            (
                "git+https://github.com/o/r@0123456789abcdef0123456789abcdef01234567",
                "git+https://github.com/o/r@0123456789abcdef0123456789abcdef01234567",
            ),
        ] {
            assert_eq!(text(raw), want, "{raw}");
            assert_eq!(text(want), want, "idempotent on {want}");
        }
    }

    #[test]
    fn secret_keys_by_their_last_word() {
        for k in [
            "_authToken",
            "npm_config__authToken",
            "token",
            "access_token",
            "private_token",
            "api_key",
            "apikey",
            "X-Amz-Signature",
            "client_secret",
            "_auth",
            "_password",
            "otp",
            "sig",
        ] {
            assert!(is_secret_key(k), "{k}");
        }
        for k in [
            "auth-type",
            "password-file",
            "key-id",
            "index-url",
            "name",
            "",
        ] {
            assert!(!is_secret_key(k), "{k}");
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
            "--otp",
            "123456",
            "--api-key",
            "k",
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
                "--otp",
                "***",
                "--api-key",
                "***",
                "x"
            ]
        );
    }

    #[test]
    fn types_print_redacted() {
        let j = RedactedJson::from_serialize(&serde_json::json!({"spec": "https://a:b@h/"}));
        assert_eq!(j.value()["spec"], "https://***@h/");
        let j = RedactedJson::from_value(serde_json::json!({"api_key": "plain", "n": "x"}));
        assert_eq!(j.value()["api_key"], "***");
        assert_eq!(j.value()["n"], "x");
        let r: Redacted = serde_json::from_str("\"_auth=zzz\"").unwrap();
        assert_eq!(r.as_str(), "_auth=***");
    }

    /// One generator per rule: (the secret material, the text that carries it). The secret is
    /// random; the rest is the rule's public shape.
    fn carrier() -> impl Strategy<Value = (String, String)> {
        let b64 = "[A-Za-z0-9]{24,40}";
        let pw = "[A-Za-z][A-Za-z0-9/ +=]{10,30}[A-Za-z0-9]";
        prop_oneof![
            pw.prop_map(|p| (p.clone(), format!("https://ci:{p}@pypi.example/simple"))),
            b64.prop_map(|p| (p.clone(), format!("https://{p}@h.example/x"))),
            (
                b64,
                proptest::sample::select(vec![
                    "token",
                    "access_token",
                    "api_key",
                    "apikey",
                    "private_token",
                    "password",
                    "secret",
                    "sig",
                    "X-Amz-Signature",
                    "client_secret",
                ])
            )
                .prop_map(|(p, k)| (p.clone(), format!("https://h.example/f?a=1&{k}={p}&b=2"))),
            b64.prop_map(|p| (p.clone(), format!("https://conda.anaconda.org/t/{p}/chan/"))),
            b64.prop_map(|p| (p.clone(), format!("https://pypi.fury.io/{p}/acme/"))),
            b64.prop_map(|p| (
                p.clone(),
                format!("https://dl.cloudsmith.io/{p}/o/r/python/simple/")
            )),
            "[a-z0-9]{12}[A-Z][0-9][a-z]{4}"
                .prop_map(|p| (p.clone(), format!("https://h/simple/{p}/"))),
            (
                b64,
                proptest::sample::select(vec![
                    "ghp_",
                    "gho_",
                    "ghu_",
                    "ghs_",
                    "ghr_",
                    "github_pat_",
                    "glpat-",
                    "npm_",
                    "xoxb-",
                    "hf_",
                    "dckr_pat_",
                    "sk-ant-",
                ])
            )
                .prop_map(|(p, pre)| (p.clone(), format!("{pre}{p}"))),
            "[A-Za-z0-9]{60}".prop_map(|p| (p.clone(), format!("pypi-AgEI{p}"))),
            "[A-Z2-7]{16}".prop_map(|p| (p.clone(), format!("AKIA{p}"))),
            (
                "[A-Za-z0-9]{10,20}",
                "[A-Za-z0-9]{10,20}",
                "[A-Za-z0-9_-]{10,30}"
            )
                .prop_map(|(a, b, c)| (format!("{a}.eyJ{b}.{c}"), format!("eyJ{a}.eyJ{b}.{c}"))),
            b64.prop_map(|p| (p.clone(), format!("Authorization: Bearer {p}"))),
            b64.prop_map(|p| (p.clone(), format!("//registry.example/:_authToken={p}"))),
            pw.prop_map(|p| (p.clone(), format!("\npassword = {p}\n"))),
            b64.prop_map(|p| (p.clone(), format!("{{\"_password\": \"{p}\"}}"))),
        ]
    }

    fn context() -> impl Strategy<Value = String> {
        proptest::sample::select(vec![
            "",
            " ",
            "\n",
            "pip install x ",
            "--index-url=",
            "'",
            "\"",
            "(",
            ") ",
            "x=",
            "&",
            "; ",
            "https://",
            "@",
            "/",
            ":",
            "*",
            "npm i ",
        ])
        .prop_map(str::to_string)
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, failure_persistence: None, ..ProptestConfig::default() })]

        #[test]
        fn idempotent_on_anything(s in "(\\PC|[:/@?&=._ \n-]){0,80}") {
            let once = text(&s);
            prop_assert_eq!(text(&once), once.clone());
        }

        /// Redaction never shows 6 or more consecutive characters of a secret (that do not also
        /// occur in the text around it), and is idempotent on the result.
        #[test]
        fn no_part_of_a_secret_survives(
            (secret, carried) in carrier(),
            before in context(),
            after in context(),
        ) {
            let input = format!("{before}{carried}{after}");
            let out = text(&input);
            prop_assert_eq!(text(&out), out.clone(), "not idempotent on {:?}", input);
            let rest = input.replacen(&secret, "\u{0}", 1);
            let chars: Vec<char> = secret.chars().collect();
            for w in chars.windows(6) {
                let w: String = w.iter().collect();
                prop_assert!(
                    !out.contains(&w) || rest.contains(&w),
                    "{:?} → {:?} shows {:?}", input, out, w
                );
            }
        }
    }
}
