//! Python package indexes (the simple repository API): the project page URL of a name and what
//! it says. Asks for PEP 691 JSON, which carries each file's PEP 700 `upload-time` and the PEP
//! 792 `project-status`; an index that only speaks PEP 503 HTML still tells whether the project
//! exists, its versions and its status meta tag, but not when anything was uploaded. Pure.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::Facts;
use crate::ecosystem::pep503;

/// PEP 691 content negotiation: JSON preferred, HTML accepted.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The project page: `<index>/<normalized name>/`.
pub fn url(index: &str, name: &str) -> String {
    format!("{}/{}/", index.trim_end_matches('/'), pep503(name))
}

#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    files: Vec<File>,
    #[serde(default)]
    versions: Vec<String>,
    #[serde(default, rename = "project-status")]
    project_status: Option<Status>,
    #[serde(default)]
    meta: Option<serde_json::Value>,
}

#[derive(Deserialize)]
struct File {
    filename: String,
    #[serde(default, rename = "upload-time")]
    upload_time: Option<String>,
    #[serde(default)]
    yanked: serde_json::Value,
}

#[derive(Deserialize)]
struct Status {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    reason: Option<String>,
}

/// One file of a project, as the index lists it.
struct Dist {
    version: Option<String>,
    uploaded: Option<i64>,
    yanked: bool,
}

/// Read a project page (the body of a 200 answer) of project `name`.
pub fn parse(body: &[u8], content_type: Option<&str>, name: &str) -> Result<Facts, String> {
    let json = content_type.is_some_and(|c| c.contains("json"))
        || body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if json {
        parse_json(body, name)
    } else {
        parse_html(body, name)
    }
}

fn parse_json(body: &[u8], name: &str) -> Result<Facts, String> {
    let doc: Project = serde_json::from_slice(body)
        .map_err(|e| format!("the project page is not valid PEP 691 JSON ({e})"))?;
    let dists: Vec<Dist> = doc
        .files
        .iter()
        .map(|f| Dist {
            version: version_of(&f.filename, name),
            uploaded: f
                .upload_time
                .as_deref()
                .and_then(crate::time::parse_rfc3339),
            yanked: !matches!(
                f.yanked,
                serde_json::Value::Null | serde_json::Value::Bool(false)
            ),
        })
        .collect();
    // PEP 792 puts `project-status` next to `meta`; early transcriptions put it inside.
    let (status, reason) = match doc.project_status {
        Some(s) => (s.status, s.reason),
        None => {
            let meta = doc.meta.as_ref();
            let text = |k: &str| {
                meta.and_then(|m| m.get(k))
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            };
            (text("project-status"), text("project-status-reason"))
        }
    };
    Ok(facts(dists, &doc.versions, status, reason))
}

fn parse_html(body: &[u8], name: &str) -> Result<Facts, String> {
    let html = String::from_utf8_lossy(body);
    let lower = html.to_ascii_lowercase();
    let meta = |key: &str| -> Option<String> {
        let at = lower.find(&format!("name=\"{key}\""))?;
        let tag_start = lower[..at].rfind('<')?;
        let tag_end = at + lower[at..].find('>')?;
        let tag = &html[tag_start..tag_end];
        let c = tag.to_ascii_lowercase().find("content=\"")? + "content=\"".len();
        let end = c + tag[c..].find('"')?;
        Some(tag[c..end].to_string())
    };
    let mut dists = Vec::new();
    let mut from = 0;
    while let Some(i) = lower[from..].find("<a ").map(|i| from + i) {
        let Some(open_end) = lower[i..].find('>').map(|e| i + e) else {
            break;
        };
        let Some(close) = lower[open_end..].find("</a>").map(|e| open_end + e) else {
            break;
        };
        let filename = html[open_end + 1..close].trim();
        dists.push(Dist {
            version: version_of(filename, name),
            uploaded: None,
            yanked: lower[i..open_end].contains("data-yanked"),
        });
        from = close;
    }
    if dists.is_empty() && !lower.contains("<html") && !lower.contains("<!doctype") {
        return Err("the project page is neither PEP 691 JSON nor HTML".into());
    }
    let status = meta("pypi:project-status");
    let reason = meta("pypi:project-status-reason");
    Ok(facts(dists, &[], status, reason))
}

fn facts(
    dists: Vec<Dist>,
    listed: &[String],
    status: Option<String>,
    reason: Option<String>,
) -> Facts {
    let mut versions: BTreeMap<String, Option<i64>> = BTreeMap::new();
    let mut installable: Vec<&str> = Vec::new();
    for d in &dists {
        let Some(v) = &d.version else { continue };
        let first = versions.entry(v.clone()).or_insert(d.uploaded);
        if let Some(t) = d.uploaded {
            *first = Some(first.map_or(t, |f| f.min(t)));
        }
        if !d.yanked && !installable.contains(&v.as_str()) {
            installable.push(v);
        }
    }
    for v in listed {
        versions.entry(v.clone()).or_insert(None);
    }
    let latest = installable
        .iter()
        .filter_map(|v| versions.get(*v).copied().flatten().map(|t| (t, *v)))
        .max()
        .map(|(_, v)| v.to_string());
    Facts {
        created: dists.iter().filter_map(|d| d.uploaded).min(),
        versions,
        latest,
        status: status.filter(|s| !s.is_empty() && s != "active"),
        status_reason: reason.filter(|r| !r.is_empty()),
        unpublished: None,
    }
}

/// The version in a distribution's file name: wheels and eggs are `name-version-...`;
/// sdists are `name-version.ext`, where the name itself may contain `-`.
fn version_of(filename: &str, name: &str) -> Option<String> {
    let lower = filename.to_ascii_lowercase();
    if lower.ends_with(".whl") || lower.ends_with(".egg") {
        return filename.split('-').nth(1).map(str::to_string);
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".tgz", ".zip", ".tar"]
        .iter()
        .find_map(|ext| {
            lower
                .ends_with(ext)
                .then(|| &filename[..filename.len() - ext.len()])
        })?;
    let want = pep503(name);
    stem.match_indices('-').find_map(|(i, _)| {
        (pep503(&stem[..i]) == want && i + 1 < stem.len()).then(|| stem[i + 1..].to_string())
    })
}

/// A version in a comparable form: lowercase, no `v`, release numbers without leading zeros or
/// trailing `.0` (`1.0` and `1.0.0` name one release, as PEP 440 says).
pub fn canonical(v: &str) -> String {
    let v = v.trim().to_ascii_lowercase();
    let v = v.strip_prefix('v').unwrap_or(&v);
    let split = v
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(v.len());
    let (release, rest) = v.split_at(split);
    let mut nums: Vec<&str> = release
        .trim_end_matches('.')
        .split('.')
        .map(|p| match p.trim_start_matches('0') {
            "" => "0",
            n => n,
        })
        .collect();
    while nums.len() > 1 && nums.last() == Some(&"0") {
        nums.pop();
    }
    format!("{}{rest}", nums.join("."))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Option<i64> {
        crate::time::parse_rfc3339(s)
    }

    #[test]
    fn urls_and_names() {
        assert_eq!(
            url("https://pypi.org/simple", "Foo_Bar.baz"),
            "https://pypi.org/simple/foo-bar-baz/"
        );
        assert_eq!(url("http://h/simple/", "x"), "http://h/simple/x/");
        for (file, want) in [
            ("foo_bar-1.2.0-py3-none-any.whl", Some("1.2.0")),
            ("foo-bar-1.2.0.tar.gz", Some("1.2.0")),
            ("Foo.Bar-2.0rc1.zip", Some("2.0rc1")),
            ("foo_bar-0.1-py2.7.egg", Some("0.1")),
            ("other-1.0.tar.gz", None),
            ("foo-bar.exe", None),
        ] {
            assert_eq!(version_of(file, "foo-bar").as_deref(), want, "{file}");
        }
        assert_eq!(canonical("1.0.0"), canonical("1.0"));
        assert_eq!(canonical("v01.2"), "1.2");
        assert_ne!(canonical("1.0rc1"), canonical("1.0"));
    }

    #[test]
    fn pep_691_with_upload_times_and_status() {
        let doc = br#"{"meta":{"api-version":"1.4"},"name":"foo",
          "versions":["0.9","1.0","1.1"],
          "files":[
            {"filename":"foo-1.0.tar.gz","url":"x","hashes":{},"upload-time":"2018-05-01T10:00:00.123456Z"},
            {"filename":"foo-1.0-py3-none-any.whl","url":"x","hashes":{},"upload-time":"2018-05-02T10:00:00Z"},
            {"filename":"foo-1.1-py3-none-any.whl","url":"x","hashes":{},"upload-time":"2026-11-28T08:00:00Z","yanked":"broken"},
            {"filename":"foo-1.0.1.tar.gz","url":"x","hashes":{},"upload-time":"2026-11-27T08:00:00Z","yanked":false}
          ]}"#;
        let f = parse(doc, Some("application/vnd.pypi.simple.v1+json"), "foo").unwrap();
        assert_eq!(f.created, t("2018-05-01T10:00:00Z"));
        assert_eq!(f.versions["1.0"], t("2018-05-01T10:00:00Z"));
        assert_eq!(f.versions["0.9"], None);
        // 1.1 is yanked: an unpinned install gets 1.0.1.
        assert_eq!(f.latest.as_deref(), Some("1.0.1"));
        assert!(!f.flagged() && f.dated());

        let q = br#"{"meta":{"api-version":"1.4"},"name":"evil","files":[],
          "project-status":{"status":"quarantined","reason":"malware"}}"#;
        let f = parse(q, Some("application/vnd.pypi.simple.v1+json"), "evil").unwrap();
        assert!(f.flagged());
        assert_eq!(f.status_reason.as_deref(), Some("malware"));
        let q = br#"{"meta":{"api-version":"1.4","project-status":"quarantined"},"files":[]}"#;
        assert!(parse(q, None, "evil").unwrap().flagged());
        let active = br#"{"meta":{},"files":[],"project-status":{"status":"active"}}"#;
        assert_eq!(parse(active, None, "x").unwrap().status, None);
        assert!(parse(b"{not json", Some("application/json"), "x").is_err());
    }

    #[test]
    fn pep_503_html_has_no_dates() {
        let html = br#"<!DOCTYPE html><html><head>
          <meta name="pypi:repository-version" content="1.4">
          <meta name="pypi:project-status" content="quarantined">
          <meta name="pypi:project-status-reason" content="the project is haunted">
          </head><body>
          <a href="https://files/foo-1.0.tar.gz#sha256=00">foo-1.0.tar.gz</a>
          <a href="https://files/foo-1.1.tar.gz" data-yanked="">foo-1.1.tar.gz</a>
          </body></html>"#;
        let f = parse(html, Some("text/html"), "foo").unwrap();
        assert_eq!(f.status.as_deref(), Some("quarantined"));
        assert_eq!(f.status_reason.as_deref(), Some("the project is haunted"));
        assert_eq!(f.versions.len(), 2);
        assert!(!f.dated());
        assert!(parse(b"garbage", Some("text/plain"), "foo").is_err());
    }
}
