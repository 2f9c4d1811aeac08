//! Audit records as OCSF 1.8 events: Application Lifecycle (class_uid 6002, category 6,
//! activity Install) with the `security_control` profile (action, disposition, policy,
//! malware). One event per target, since an OCSF event describes one application (package).
//! Each behaviour finding of the watch adds a File System Activity event (1001: Create, Read,
//! Update, Delete of the file) and a Detection Finding (2004) carrying its ATT&CK technique and
//! tactic. Pure mapping; it reads nothing and validates nothing against the OCSF schema files.

use serde_json::{Value, json};

use super::{DecidedBy, Decision, Record};

pub const OCSF_VERSION: &str = "1.8.0";
pub const CLASS_UID: u64 = 6002;
const CATEGORY_UID: u64 = 6;
const ACTIVITY_INSTALL: u64 = 1;

/// OCSF severity for a finding severity (`block`, `warn`, `info`) or a verdict.
fn severity(level: &str) -> (u64, &'static str) {
    match level {
        "block" => (4, "High"),
        "warn" => (3, "Medium"),
        _ => (1, "Informational"),
    }
}

/// The most severe level among `findings` (`block` > `warn` > `info`), if any.
fn worst(findings: &[Value]) -> Option<&'static str> {
    let levels: Vec<&str> = findings
        .iter()
        .filter_map(|f| f["severity"].as_str())
        .collect();
    ["block", "warn", "info"]
        .into_iter()
        .find(|l| levels.contains(l))
}

/// (action_id, action, disposition_id, disposition) for one target of the record.
/// `blocked_here`: this target is what the command was blocked for (or the block was about
/// the command as a whole); a target of a blocked command that was not itself blocked was not
/// installed either, but is not reported as blocked.
fn action(record: &Record, blocked_here: bool) -> (u64, &'static str, u64, &'static str) {
    match (record.decision, record.decided_by) {
        (Decision::Allowed, DecidedBy::Policy | DecidedBy::Exception) => {
            (1, "Allowed", 1, "Allowed")
        }
        // A person accepted warnings: allowed after review.
        (Decision::Allowed, _) => (1, "Allowed", 8, "Approved"),
        (Decision::Blocked, _) if blocked_here => (2, "Denied", 2, "Blocked"),
        (Decision::Blocked, _) => (2, "Denied", 99, "Other"),
        (Decision::Declined, _) => (2, "Denied", 25, "Rejected"),
    }
}

/// A package URL for a target that names a registry package (`pkg:pypi/requests`,
/// `pkg:npm/@scope/name`, `pkg:brew/wget`); None for manifests, lockfiles, paths (`.`),
/// URLs, git and files, which are not packages a purl can name.
fn purl(ecosystem: &str, kind: Option<&str>, name: Option<&str>) -> Option<String> {
    let name = name?;
    match kind {
        None | Some("registry" | "alias" | "formula" | "cask") if !ecosystem.is_empty() => {
            Some(format!("pkg:{ecosystem}/{name}"))
        }
        _ => None,
    }
}

/// Findings that say the package is malware: a malicious-package report, or the registry
/// having taken it down (`registry-flagged`).
fn malware(name: &str, findings: &[Value]) -> Vec<Value> {
    findings
        .iter()
        .filter_map(|f| {
            let provider = match f["rule"].as_str()? {
                "malicious" => "OpenSSF Malicious Packages".to_string(),
                "registry-flagged" => f["registry"]["url"]
                    .as_str()
                    .map_or_else(|| "the package registry".to_string(), str::to_string),
                _ => return None,
            };
            Some(json!({
                "name": name,
                "uid": f["report"],
                "classification_ids": [99],
                "classifications": ["Other"],
                "provider": provider,
                "desc": f["message"],
            }))
        })
        .collect()
}

/// OCSF `finding_info` for a target's findings: the most severe one's message as the title,
/// every rule as a type and the rule as the analytic; None without findings.
fn finding_info(record: &Record, index: usize, findings: &[Value]) -> Option<Value> {
    let level = worst(findings)?;
    let top = findings.iter().find(|f| f["severity"] == level)?;
    let mut types: Vec<&str> = Vec::new();
    for r in findings.iter().filter_map(|f| f["rule"].as_str()) {
        if !types.contains(&r) {
            types.push(r);
        }
    }
    let rule = top["rule"].as_str().unwrap_or("unknown");
    let mut info = json!({
        "uid": format!("{}:{index}", if record.invocation.is_empty() { &record.hash } else { &record.invocation }),
        "title": top["message"],
        "desc": findings.iter().filter_map(|f| f["message"].as_str()).collect::<Vec<_>>().join("\n"),
        "types": types,
        "analytic": {
            "name": format!("installguard {rule}"),
            "uid": rule,
            "type_id": 1,
            "type": "Rule",
        },
    });
    if let Some(r) = top["report"].as_str() {
        info["src_url"] = json!(format!("https://osv.dev/vulnerability/{r}"));
    } else if let Some(u) = top["registry"]["url"].as_str() {
        info["src_url"] = json!(u);
    }
    Some(info)
}

/// The events for one record (at least one: a record with no targets maps to the program).
pub fn events(record: &Record) -> Vec<Value> {
    let mut out = lifecycle_events(record);
    out.extend(behaviour_events(record));
    out
}

/// The `metadata` object every event of a record shares.
fn metadata(record: &Record) -> Value {
    json!({
        "version": OCSF_VERSION,
        "profiles": ["host"],
        "product": {
            "name": "installguard",
            "vendor_name": "installguard",
            "version": record.version,
        },
        "log_name": "installguard audit",
        "original_time": record.time,
        "sequence": record.seq,
        "uid": record.hash,
        "correlation_uid": record.invocation,
    })
}

/// The real tool as the actor of what the watch saw (the kernel does not say which of its
/// processes, or whether another process of the user, did it).
fn actor(record: &Record) -> Value {
    json!({
        "user": {"name": record.user},
        "process": {
            "pid": record.pid,
            "name": record.program,
            "cmd_line": std::iter::once(record.program.clone())
                .chain(record.argv.iter().map(std::string::ToString::to_string))
                .collect::<Vec<_>>()
                .join(" "),
        },
    })
}

/// File System Activity (1001) and Detection Finding (2004) events for the watch's findings.
fn behaviour_events(record: &Record) -> Vec<Value> {
    const FS_CLASS: u64 = 1001;
    const FINDING_CLASS: u64 = 2004;
    let time_ms = crate::time::parse_rfc3339(&record.time).map_or(0, |t| t * 1000);
    let mut out = Vec::new();
    for (i, b) in record.behaviour().iter().enumerate() {
        let (activity_id, activity) = match b.change.as_str() {
            "created" => (1, "Create"),
            "read" => (2, "Read"),
            "modified" => (3, "Update"),
            "deleted" => (4, "Delete"),
            _ => (99, "Other"),
        };
        let category = b.category();
        let label = category.map_or(b.category.as_str(), |c| c.label());
        let (tactic_uid, tactic) =
            category.map_or(("", ""), super::super::watch::catalog::Category::tactic);
        let technique_name = category.map_or("", |c| c.technique().1);
        let name = b.path.rsplit('/').next().unwrap_or(&b.path);
        let file = json!({
            "path": b.path,
            "name": name,
            "type_id": 1,
            "type": "Regular File",
        });
        let message = format!(
            "{} {} {} during `{}`",
            activity.to_lowercase(),
            label,
            b.path,
            record.program
        );
        let severity = if b.what == "credential-read" {
            (4, "High")
        } else {
            (3, "Medium")
        };
        out.push(json!({
            "class_uid": FS_CLASS,
            "class_name": "File System Activity",
            "category_uid": 1,
            "category_name": "System Activity",
            "activity_id": activity_id,
            "activity_name": activity,
            "type_uid": FS_CLASS * 100 + activity_id,
            "type_name": format!("File System Activity: {activity}"),
            "time": time_ms,
            "severity_id": severity.0,
            "severity": severity.1,
            "message": message,
            "file": file,
            "actor": actor(record),
            "device": {"hostname": record.host, "type_id": 0},
            "metadata": metadata(record),
            "unmapped": {"category": b.category, "technique": b.technique, "detail": b.detail},
        }));
        out.push(json!({
            "class_uid": FINDING_CLASS,
            "class_name": "Detection Finding",
            "category_uid": 2,
            "category_name": "Findings",
            "activity_id": 1,
            "activity_name": "Create",
            "type_uid": FINDING_CLASS * 100 + 1,
            "type_name": "Detection Finding: Create",
            "time": time_ms,
            "severity_id": severity.0,
            "severity": severity.1,
            "status_id": 1,
            "status": "New",
            "message": message,
            "finding_info": {
                "uid": format!("{}#{i}", record.invocation),
                "title": format!("install {} {label}", if b.what == "credential-read" { "read" } else { "changed" }),
                "desc": b.line(),
                "types": [b.what],
                "attacks": [{
                    "technique": {"uid": b.technique, "name": technique_name},
                    "tactic": {"uid": tactic_uid, "name": tactic},
                    "version": "v17",
                }],
                "analytic": {"name": "installguard watch", "type_id": 1, "type": "Rule", "uid": "DET0252"},
            },
            "evidences": [{"file": file, "actor": actor(record)}],
            "device": {"hostname": record.host, "type_id": 0},
            "metadata": metadata(record),
        }));
    }
    out
}

/// Application Lifecycle events, one per target.
fn lifecycle_events(record: &Record) -> Vec<Value> {
    let mut lifecycle_metadata = metadata(record);
    lifecycle_metadata["profiles"] = json!(["security_control", "host"]);
    let time_ms = crate::time::parse_rfc3339(&record.time).map_or(0, |t| t * 1000);
    let decided_by = record.decided_by.as_str();
    let empty = Vec::new();
    let targets = record.targets.value().as_array().unwrap_or(&empty);
    let fallback = [json!({"name": record.program, "ecosystem": record.program, "findings": []})];
    let targets: Vec<&Value> = if targets.is_empty() {
        fallback.iter().collect()
    } else {
        targets.iter().collect()
    };
    // A block about the command as a whole (stale data, an invalid policy) blocks every target.
    let any_blocked_target = targets
        .iter()
        .any(|t| worst(t["findings"].as_array().unwrap_or(&empty)) == Some("block"));
    targets
        .into_iter()
        .enumerate()
        .map(|(index, t)| {
            let name = t["name"]
                .as_str()
                .or(t["spec"].as_str())
                .unwrap_or("(unnamed)");
            let ecosystem = t["ecosystem"].as_str().unwrap_or("");
            let findings = t["findings"].as_array().unwrap_or(&empty);
            let own = worst(findings);
            let (severity_id, severity_name) = match own {
                Some(level) => severity(level),
                None if any_blocked_target => severity("info"),
                None => severity(&record.verdict),
            };
            let blocked_here = own == Some("block") || !any_blocked_target;
            let (action_id, action_name, disposition_id, disposition) =
                action(record, blocked_here);
            let malware = malware(name, findings);
            let mut app = json!({
                "name": name,
                "vendor_name": ecosystem,
            });
            if let Some(uid) = purl(ecosystem, t["kind"].as_str(), t["name"].as_str()) {
                app["uid"] = json!(uid);
            }
            if let Some(spec) = t["spec"].as_str() {
                app["version"] = json!(spec);
            }
            let mut ev = json!({
                "class_uid": CLASS_UID,
                "class_name": "Application Lifecycle",
                "category_uid": CATEGORY_UID,
                "category_name": "Application Activity",
                "activity_id": ACTIVITY_INSTALL,
                "activity_name": "Install",
                "type_uid": CLASS_UID * 100 + ACTIVITY_INSTALL,
                "type_name": "Application Lifecycle: Install",
                "time": time_ms,
                "severity_id": severity_id,
                "severity": severity_name,
                "status_id": if record.decision == Decision::Allowed && record.exit_code == Some(0) { 1 } else if record.decision == Decision::Allowed && record.exit_code.is_none() { 0 } else { 2 },
                "status": if record.decision == Decision::Allowed && record.exit_code == Some(0) { "Success" } else if record.decision == Decision::Allowed && record.exit_code.is_none() { "Unknown" } else { "Failure" },
                "message": format!("{} {} {} ({})", record.program, record.decision.as_str(), name, record.verdict),
                "app": app,
                "actor": {
                    "user": {"name": record.user},
                    "process": {
                        "pid": record.pid,
                        "name": record.program,
                        "cmd_line": std::iter::once(record.program.clone())
                            .chain(record.argv.iter().map(std::string::ToString::to_string))
                            .collect::<Vec<_>>()
                            .join(" "),
                        "file": {"name": record.program, "parent_folder": record.cwd.as_str()},
                    },
                },
                "device": {"hostname": record.host, "type_id": 0},
                "action_id": action_id,
                "action": action_name,
                "disposition_id": disposition_id,
                "disposition": disposition,
                "policy": {
                    "name": "installguard",
                    "uid": format!("installguard/{}", record.verdict),
                    "desc": format!("verdict {}; decided by {}", record.verdict, decided_by),
                    "is_applied": true,
                },
                "metadata": lifecycle_metadata.clone(),
                "unmapped": {
                    "findings": findings,
                    "exit_code": record.exit_code,
                    "duration_ms": record.duration_ms,
                    "decided_by": decided_by,
                    "prev": record.prev,
                    "data": serde_json::to_value(&record.data).unwrap_or_default(),
                },
            });
            if !malware.is_empty() {
                ev["malware"] = Value::Array(malware);
            }
            if let Some(info) = finding_info(record, index, findings) {
                ev["finding_info"] = info;
            }
            if record.decision == Decision::Blocked && !blocked_here {
                ev["status_detail"] =
                    json!("not installed: the command was blocked for another package");
            }
            ev
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocked_malicious_target_maps_to_denied_with_malware() {
        let mut r = crate::audit::test_record(0);
        r.decision = Decision::Blocked;
        r.verdict = "block".into();
        r.exit_code = None;
        r.targets = crate::redact::RedactedJson::from_value(json!([{
            "ecosystem": "pypi", "name": "bad", "spec": null,
            "findings": [{"rule": "malicious", "severity": "block", "report": "MAL-1", "message": "m"}]
        }]));
        let ev = events(&r);
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(
            (e["class_uid"].as_u64(), e["type_uid"].as_u64()),
            (Some(6002), Some(600_201))
        );
        assert_eq!(
            (e["action_id"].as_u64(), e["disposition_id"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(e["malware"][0]["uid"], "MAL-1");
        assert_eq!(e["app"]["uid"], "pkg:pypi/bad");
        assert_eq!(e["metadata"]["version"], "1.8.0");
        assert_eq!(e["finding_info"]["title"], "m");
        assert_eq!(e["finding_info"]["analytic"]["uid"], "malicious");
        assert_eq!(
            e["finding_info"]["src_url"],
            "https://osv.dev/vulnerability/MAL-1"
        );
    }

    #[test]
    fn only_the_blocked_package_is_reported_blocked_and_files_are_not_purls() {
        let mut r = crate::audit::test_record(0);
        r.decision = Decision::Blocked;
        r.verdict = "block".into();
        r.exit_code = None;
        r.targets = crate::redact::RedactedJson::from_value(json!([
            {"ecosystem": "npm", "kind": "registry", "name": "bad", "findings": [
                {"rule": "registry-flagged", "severity": "block", "message": "taken down",
                 "registry": {"url": "https://registry.npmjs.org/bad"}}]},
            {"ecosystem": "npm", "kind": "registry", "name": "lodash", "findings": []},
            {"ecosystem": "npm", "kind": "manifest", "name": null, "spec": "package.json", "findings": []},
            {"ecosystem": "pypi", "kind": "path", "name": null, "spec": ".", "findings": []},
        ]));
        let ev = events(&r);
        assert_eq!(ev.len(), 4);
        assert_eq!(ev[0]["disposition"], "Blocked");
        assert_eq!(ev[0]["severity"], "High");
        assert_eq!(
            ev[0]["malware"][0]["provider"],
            "https://registry.npmjs.org/bad"
        );
        assert_eq!(ev[0]["finding_info"]["types"], json!(["registry-flagged"]));
        for e in &ev[1..] {
            assert_ne!(e["disposition"], "Blocked", "{e}");
            assert_eq!(e["action"], "Denied", "{e}");
            assert_eq!(e["severity"], "Informational", "{e}");
            assert!(e.get("finding_info").is_none(), "{e}");
        }
        assert_eq!(ev[1]["app"]["uid"], "pkg:npm/lodash");
        assert!(ev[2]["app"].get("uid").is_none(), "{}", ev[2]);
        assert_eq!(ev[2]["app"]["name"], "package.json");
        assert!(ev[3]["app"].get("uid").is_none(), "{}", ev[3]);
    }

    #[test]
    fn a_block_about_the_whole_command_blocks_every_target() {
        let mut r = crate::audit::test_record(0);
        r.decision = Decision::Blocked;
        r.verdict = "block".into();
        r.targets = crate::redact::RedactedJson::from_value(json!([
            {"ecosystem": "npm", "kind": "registry", "name": "lodash", "findings": []},
        ]));
        assert_eq!(events(&r)[0]["disposition"], "Blocked");
    }

    #[test]
    fn behaviour_maps_to_file_activity_and_a_detection_finding_with_the_technique() {
        let mut r = crate::audit::test_record(0);
        r.invocation = "inv-1".into();
        r.behaviour = crate::redact::RedactedJson::from_value(json!([
            {"what": "persistence", "category": "shell-startup", "path": "~/.bashrc",
             "change": "modified", "technique": "T1546.004", "detail": "1 line added: x"},
            {"what": "credential-read", "category": "ssh-private-key", "path": "~/.ssh/id_rsa",
             "change": "read", "technique": "T1552.004"}
        ]));
        let ev = events(&r);
        let fs: Vec<&Value> = ev.iter().filter(|e| e["class_uid"] == 1001).collect();
        let det: Vec<&Value> = ev.iter().filter(|e| e["class_uid"] == 2004).collect();
        assert_eq!((fs.len(), det.len()), (2, 2));
        assert_eq!(fs[0]["type_uid"], 100_103);
        assert_eq!(fs[1]["type_uid"], 100_102);
        assert_eq!(fs[0]["file"]["path"], "~/.bashrc");
        let a = &det[0]["finding_info"]["attacks"][0];
        assert_eq!(a["technique"]["uid"], "T1546.004");
        assert_eq!(a["tactic"]["uid"], "TA0003");
        assert_eq!(
            det[1]["finding_info"]["attacks"][0]["tactic"]["name"],
            "Credential Access"
        );
        assert_eq!(det[1]["metadata"]["correlation_uid"], "inv-1");
    }
}
