//! npm registries: the packument URL of a name and what a packument says — when the name and
//! each version were published (`time`), the `latest` dist-tag, an unpublished name, and npm's
//! security placeholder (`0.0.1-security`: what npm leaves after taking malware down).
//! Pure. Reads the full packument (the abbreviated one has no `time`); skips everything else.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;

use super::{Facts, STATUS_PLACEHOLDER};

/// The version npm publishes in place of a package it removed for security reasons.
pub const PLACEHOLDER_VERSION: &str = "0.0.1-security";

/// What to ask for: the full document (it alone has `time`).
pub const ACCEPT: &str = "application/json";

/// The packument URL: `<registry>/<name>`, a scoped name's `/` escaped as npm does (`%2f`).
pub fn url(registry: &str, name: &str) -> String {
    let mut escaped = String::with_capacity(name.len() + 2);
    for b in name.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'@' => {
                escaped.push(b as char);
            }
            _ => escaped.push_str(&format!("%{b:02x}")),
        }
    }
    format!("{}/{escaped}", registry.trim_end_matches('/'))
}

#[derive(Deserialize)]
struct Packument {
    #[serde(default, rename = "dist-tags")]
    dist_tags: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    versions: BTreeMap<String, IgnoredAny>,
    #[serde(default)]
    time: BTreeMap<String, serde_json::Value>,
}

fn when(v: Option<&serde_json::Value>) -> Option<i64> {
    v.and_then(serde_json::Value::as_str)
        .and_then(crate::time::parse_rfc3339)
}

/// Read a packument (the body of a 200 answer).
pub fn parse(body: &[u8]) -> Result<Facts, String> {
    let doc: Packument = serde_json::from_slice(body)
        .map_err(|e| format!("the packument is not valid JSON ({e})"))?;
    let versions: BTreeMap<String, Option<i64>> = doc
        .versions
        .keys()
        .map(|v| (v.clone(), when(doc.time.get(v))))
        .collect();
    let latest = doc
        .dist_tags
        .get("latest")
        .and_then(|v| v.as_str())
        .map(str::to_string);
    let created =
        when(doc.time.get("created")).or_else(|| versions.values().filter_map(|t| *t).min());
    let unpublished = if versions.is_empty() {
        doc.time
            .get("unpublished")
            .map(|u| when(u.get("time")).unwrap_or(0))
    } else {
        None
    };
    let placeholder = latest.as_deref() == Some(PLACEHOLDER_VERSION)
        || (versions.len() == 1 && versions.contains_key(PLACEHOLDER_VERSION));
    Ok(Facts {
        created,
        versions,
        latest,
        status: placeholder.then(|| STATUS_PLACEHOLDER.to_string()),
        status_reason: None,
        unpublished,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            url("https://registry.npmjs.org/", "left-pad"),
            "https://registry.npmjs.org/left-pad"
        );
        assert_eq!(
            url("http://127.0.0.1:4873", "@corp/Util"),
            "http://127.0.0.1:4873/@corp%2fUtil"
        );
        assert_eq!(url("https://r/", "a b?"), "https://r/a%20b%3f");
    }

    #[test]
    fn packuments() {
        let doc = br#"{"name":"x","dist-tags":{"latest":"1.1.0"},
            "versions":{"1.0.0":{"name":"x","dist":{}},"1.1.0":{}},
            "time":{"created":"2018-01-02T03:04:05.678Z","modified":"2026-01-01T00:00:00Z",
                    "1.0.0":"2018-01-02T03:04:05.678Z","1.1.0":"2026-11-28T10:00:00Z"}}"#;
        let f = parse(doc).unwrap();
        assert_eq!(
            f.created,
            crate::time::parse_rfc3339("2018-01-02T03:04:05Z")
        );
        assert_eq!(f.latest.as_deref(), Some("1.1.0"));
        assert_eq!(
            f.versions["1.1.0"],
            crate::time::parse_rfc3339("2026-11-28T10:00:00Z")
        );
        assert!(!f.flagged());

        let placeholder = br#"{"name":"evil","dist-tags":{"latest":"0.0.1-security"},
            "versions":{"0.0.1-security":{}},"time":{"created":"2025-01-01T00:00:00Z"}}"#;
        assert!(parse(placeholder).unwrap().flagged());

        // No `time` at all (some registries): facts without dates.
        let f = parse(br#"{"versions":{"1.0.0":{}},"dist-tags":{"latest":"1.0.0"}}"#).unwrap();
        assert!(!f.dated());

        let gone = br#"{"name":"x","time":{"created":"2020-01-01T00:00:00Z",
            "unpublished":{"time":"2020-02-01T00:00:00Z","versions":["1.0.0"]}}}"#;
        assert_eq!(
            parse(gone).unwrap().unpublished,
            crate::time::parse_rfc3339("2020-02-01T00:00:00Z")
        );
        assert!(parse(b"<html>").is_err());
        assert!(parse(br#"{"versions":[1,2]}"#).is_err());
    }
}
