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

fn severity(record: &Record) -> (u64, &'static str) {
    match record.verdict.as_str() {
        "block" => (4, "High"),
        "warn" => (3, "Medium"),
        _ => (1, "Informational"),
    }
}

/// (action_id, action, disposition_id, disposition)
fn action(record: &Record) -> (u64, &'static str, u64, &'static str) {
    match (record.decision, record.decided_by) {
        (Decision::Allowed, DecidedBy::Policy | DecidedBy::Exception) => {
            (1, "Allowed", 1, "Allowed")
        }
        // A person accepted warnings: allowed after review.
        (Decision::Allowed, _) => (1, "Allowed", 8, "Approved"),
        (Decision::Blocked, _) => (2, "Denied", 2, "Blocked"),
        (Decision::Declined, _) => (2, "Denied", 25, "Rejected"),
    }
}

/// A package URL for the target (`pkg:pypi/requests`, `pkg:npm/@scope/name`).
fn purl(ecosystem: &str, name: &str) -> String {
    format!("pkg:{ecosystem}/{name}")
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
                .chain(record.argv.iter().map(|a| a.to_string()))
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
        let (tactic_uid, tactic) = category.map_or(("", ""), |c| c.tactic());
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
    let (severity_id, severity_name) = severity(record);
    let (action_id, action_name, disposition_id, disposition) = action(record);
    let decided_by = record.decided_by.as_str();
    let empty = Vec::new();
    let targets = record.targets.value().as_array().unwrap_or(&empty);
    let fallback = [json!({"name": record.program, "ecosystem": record.program, "findings": []})];
    let targets: Vec<&Value> = if targets.is_empty() {
        fallback.iter().collect()
    } else {
        targets.iter().collect()
    };
    targets
        .into_iter()
        .map(|t| {
            let name = t["name"]
                .as_str()
                .or(t["spec"].as_str())
                .unwrap_or("(unnamed)");
            let ecosystem = t["ecosystem"].as_str().unwrap_or("");
            let findings = t["findings"].as_array().unwrap_or(&empty);
            let malware: Vec<Value> = findings
                .iter()
                .filter(|f| f["rule"] == "malicious")
                .map(|f| {
                    json!({
                        "name": name,
                        "uid": f["report"],
                        "classification_ids": [99],
                        "classifications": ["Other"],
                        "provider": "OpenSSF Malicious Packages",
                        "desc": f["message"],
                    })
                })
                .collect();
            let mut app = json!({
                "name": name,
                "vendor_name": ecosystem,
                "uid": purl(ecosystem, name),
            });
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
                            .chain(record.argv.iter().map(|a| a.to_string()))
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
            "findings": [{"rule": "malicious", "report": "MAL-1", "message": "m"}]
        }]));
        let ev = events(&r);
        assert_eq!(ev.len(), 1);
        let e = &ev[0];
        assert_eq!(
            (e["class_uid"].as_u64(), e["type_uid"].as_u64()),
            (Some(6002), Some(600201))
        );
        assert_eq!(
            (e["action_id"].as_u64(), e["disposition_id"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(e["malware"][0]["uid"], "MAL-1");
        assert_eq!(e["app"]["uid"], "pkg:pypi/bad");
        assert_eq!(e["metadata"]["version"], "1.8.0");
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
        assert_eq!(fs[0]["type_uid"], 100103);
        assert_eq!(fs[1]["type_uid"], 100102);
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
