//! The `[scripts]` policy applied to the install-time code a command will run: for each piece,
//! whether it runs as the tool would (`allowed`, or `approved` by `[scripts] allow` or a
//! project approval), needs a person's answer (`ask`), is held back with the tool's own
//! scripts-off flag (`off`), or stops the install (`blocked`); and the findings, loosenings and
//! flag that follow. Pure: the policy, the scripts and the tool's gate are arguments.
//! Dependencies' code follows `[scripts] dependencies`, the project's own (and local
//! directories') `[scripts] project`. Project code is approved by directory and digest only,
//! never by package name: a cloned repository chooses its own name.

use super::{Loosening, Policy, rule_key};
use crate::ecosystem::Manager;
use crate::scripts::resolved::SDIST;
use crate::scripts::{Kind, Owner, Script, project_digest};
use crate::verdict::{Finding, Rule, Severity};

/// What the policy made of one piece of install-time code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Runs: the policy allows it.
    Allowed,
    /// Runs: `[scripts] allow` or a project approval covers it.
    Approved,
    /// Needs an answer at the prompt (or `[scripts] non-interactive` without a terminal).
    Ask,
    /// Held back: the tool's scripts-off flag is added.
    Off,
    /// The install is refused because of it.
    Blocked,
    /// May run but cannot be seen before installing; the policy cannot single it out.
    Unseen,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Allowed => "allowed",
            Status::Approved => "approved",
            Status::Ask => "ask",
            Status::Off => "off",
            Status::Blocked => "blocked",
            Status::Unseen => "unseen",
        }
    }
}

/// The tool's native gate: the flag that stops its install-time code, and what it covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gate {
    pub flag: &'static str,
    /// True when the flag stops every script of the install (npm's `--ignore-scripts` also
    /// skips the project's own and approved ones); false when it stops only some kinds.
    pub all: bool,
}

/// The tool that runs the install: its manager and, for yarn, the grammar it was read with
/// (`Request::grammar`), which says whether it is yarn 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tool<'a> {
    pub manager: Manager,
    pub grammar: Option<&'a str>,
}

impl<'a> Tool<'a> {
    pub fn of(request: &'a crate::request::Request) -> Tool<'a> {
        Tool {
            manager: request.manager,
            grammar: request.grammar.as_deref(),
        }
    }
}

/// Which gate holds back `script` for the tool: npm, pnpm, bun and yarn 1 `--ignore-scripts`
/// (every lifecycle script, node-gyp builds and git `prepare` included); pip
/// `--only-binary=:all:`, which stops builds of index packages only (a local directory, an sdist
/// file, a VCS requirement or a `.pth` in a wheel cannot be held back: pip builds or installs
/// them anyway). Other tools (yarn 2+, whose `--mode=skip-build` goes after the command word of
/// `install` only; uv, pipx, poetry, brew) have no gate here yet: `off` refuses what they would
/// run.
pub fn gate(tool: Tool, script: &Script) -> Option<Gate> {
    let all = Gate {
        flag: "--ignore-scripts",
        all: true,
    };
    match (tool.manager, script.kind) {
        (Manager::Npm | Manager::Pnpm | Manager::Bun, _) => Some(all),
        (Manager::Yarn, _) if tool.grammar.is_some_and(|g| g.starts_with("yarn 1")) => Some(all),
        // An index package the resolution found would be built from its sdist.
        (Manager::Pip, Kind::Build) if script.event.as_deref() == Some(SDIST) => Some(Gate {
            flag: "--only-binary=:all:",
            all: false,
        }),
        (Manager::Pip, Kind::Unseen) => Some(Gate {
            flag: "--only-binary=:all:",
            all: false,
        }),
        _ => None,
    }
}

/// The policy's answer for every script of one command.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Judged {
    /// One per script, in order.
    pub status: Vec<Status>,
    /// One per script: which allow or approval let it run.
    pub allowed_by: Vec<Option<String>>,
    pub findings: Vec<Finding>,
    pub loosened: Vec<Loosening>,
    /// The scripts-off flag to add, and why.
    pub off: Option<(Gate, String)>,
}

impl Judged {
    /// The scripts with their status, as `check --json` and the audit record show them.
    pub fn json(&self, scripts: &[Script]) -> serde_json::Value {
        let items: Vec<serde_json::Value> = scripts
            .iter()
            .zip(&self.status)
            .zip(&self.allowed_by)
            .map(|((s, st), by)| {
                let mut v = serde_json::to_value(s).unwrap_or_default();
                if let Some(o) = v.as_object_mut() {
                    o.insert("status".into(), st.as_str().into());
                    if let Some(by) = by {
                        o.insert("allowed_by".into(), by.as_str().into());
                    }
                }
                v
            })
            .collect();
        serde_json::Value::Array(items)
    }
}

/// The `[scripts]` mode for an owner: `allow`, `warn`, `off` or `block`.
fn mode(policy: &Policy, owner: Owner) -> (&str, Rule) {
    let rule = match owner {
        Owner::Dependency => Rule::InstallScript,
        Owner::Project | Owner::Local => Rule::ProjectScript,
    };
    (policy.choice(&rule_key(rule)), rule)
}

/// Where a setting came from, for messages: `built-in default`, `user policy ~/...:3`.
fn setting_place(policy: &Policy, key: &str) -> String {
    match policy.get(key) {
        Some(s) if s.layer != super::LayerKind::Default => {
            format!("{} policy {}", s.layer.label(), s.at.short())
        }
        _ => "built-in default".into(),
    }
}

/// Apply the `[scripts]` policy to `scripts`.
pub fn judge(policy: &Policy, scripts: &[Script], tool: Tool) -> Judged {
    let mut j = Judged {
        status: Vec::with_capacity(scripts.len()),
        allowed_by: Vec::with_capacity(scripts.len()),
        findings: Vec::new(),
        loosened: Vec::new(),
        off: None,
    };
    for s in scripts {
        let (mode, rule) = mode(policy, s.owner);
        let key = rule_key(rule);
        let gate = gate(tool, s);
        let approval = approved(policy, scripts, s);
        let status = match (s.kind, mode, &approval, gate) {
            (Kind::Unseen, "off" | "block", _, Some(_)) => Status::Off,
            (Kind::Unseen, ..) => Status::Unseen,
            (_, "allow", ..) => Status::Allowed,
            (_, _, Some(_), _) => Status::Approved,
            (_, "warn", ..) => Status::Ask,
            (_, "off", _, Some(_)) => Status::Off,
            _ => Status::Blocked,
        };
        if let Some((by, l)) = approval.filter(|_| status == Status::Approved) {
            let mut l = l;
            l.from = if mode == "warn" {
                "ask".into()
            } else {
                mode.into()
            };
            j.loosened.push(l);
            j.allowed_by.push(Some(by));
        } else {
            j.allowed_by.push(None);
        }
        if status == Status::Off
            && let Some(g) = gate
            && j.off.is_none()
        {
            j.off = Some((
                g,
                format!(
                    "[scripts] {} = \"{mode}\" ({})",
                    &key["scripts.".len()..],
                    setting_place(policy, &key)
                ),
            ));
        }
        j.status.push(status);
    }
    // npm's flag holds back every script of the install, approved ones and the project's own
    // included: say so rather than claim they run.
    if let Some((g, _)) = &j.off
        && g.all
    {
        for (st, s) in j.status.iter_mut().zip(scripts) {
            if gate(tool, s).is_some_and(|x| x.all) && *st != Status::Blocked {
                *st = Status::Off;
            }
        }
    }
    for (s, st) in scripts.iter().zip(&j.status) {
        let (mode, rule) = mode(policy, s.owner);
        let key = rule_key(rule);
        let whose = match s.owner {
            Owner::Project => "this project's own".to_string(),
            Owner::Local => format!("the local directory {}'s", s.dir.as_deref().unwrap_or("?")),
            Owner::Dependency => format!("`{}`'s", s.who()),
        };
        let place = setting_place(policy, &key);
        let (severity, message) = match st {
            Status::Ask => (
                Severity::Warn,
                match s.owner {
                    Owner::Dependency => format!(
                        "{whose} install-time code runs during this install ({}); it is not in [scripts] allow",
                        s.what()
                    ),
                    _ => format!(
                        "{whose} install-time code runs during this install ({}); approve it once for this directory at the prompt, or set [scripts] project",
                        s.what()
                    ),
                },
            ),
            Status::Blocked => (
                Severity::Block,
                if mode == "off" {
                    format!(
                        "{whose} install-time code ({}) cannot be held back ({} has no flag for it), and [scripts] {} = \"off\" ({place}) does not let it run",
                        s.what(),
                        tool.manager.as_str(),
                        &key["scripts.".len()..]
                    )
                } else {
                    format!(
                        "{whose} install-time code ({}) is not allowed: [scripts] {} = \"block\" ({place})",
                        s.what(),
                        &key["scripts.".len()..]
                    )
                },
            ),
            Status::Off => (
                Severity::Info,
                format!(
                    "{whose} install-time code ({}) will not run: installguard adds {} to the command line",
                    s.what(),
                    j.off
                        .as_ref()
                        .map_or("the scripts-off flag", |(g, _)| g.flag)
                ),
            ),
            _ => continue,
        };
        j.findings.push(Finding::new(
            s.who(),
            s.ecosystem,
            rule,
            severity,
            message,
            s.origin.to_string(),
        ));
    }
    j
}

/// The allow-list entry or project approval that covers `s`, as a message and a loosening.
fn approved(policy: &Policy, all: &[Script], s: &Script) -> Option<(String, Loosening)> {
    let loosening = |by: String, layer: super::LayerKind, at: &super::At| Loosening {
        target: s.who(),
        rule: Some(match s.owner {
            Owner::Dependency => Rule::InstallScript.id(),
            _ => Rule::ProjectScript.id(),
        }),
        from: String::new(),
        to: "approved".into(),
        by,
        layer: layer.label().into(),
        at: at.short(),
        refused: None,
    };
    match s.owner {
        Owner::Dependency => {
            let name = s.package.as_deref()?;
            let a = policy.script_allow.iter().find(|a| {
                a.value
                    .matches(s.ecosystem, name, s.version.as_deref(), false)
            })?;
            let by = format!("[scripts] allow `{}`", a.value.text);
            Some((
                format!("{by} ({} policy {})", a.layer.label(), a.at.short()),
                loosening(by, a.layer, &a.at),
            ))
        }
        Owner::Project | Owner::Local => {
            let dir = s.dir.as_deref()?;
            let digest = project_digest(all, dir)?;
            let a = policy
                .script_projects
                .iter()
                .find(|a| a.value.path == dir && digest.starts_with(&a.value.scripts))?;
            let by = format!(
                "approved for {dir} on {}",
                if a.value.approved.is_empty() {
                    "an unknown date"
                } else {
                    &a.value.approved
                }
            );
            Some((
                format!("{by} ({} policy {})", a.layer.label(), a.at.short()),
                loosening(by, a.layer, &a.at),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Ecosystem;
    use crate::policy::{DEFAULT_POLICY, LayerKind, merge, parse};
    use crate::request::Origin;

    fn policy(layers: &[(LayerKind, &str)]) -> (Policy, Vec<crate::policy::Diagnostic>) {
        let mut ls = vec![parse(DEFAULT_POLICY, "default", LayerKind::Default).0];
        let mut all = Vec::new();
        for (k, text) in layers {
            let (l, d) = parse(text, k.label(), *k);
            all.extend(d);
            ls.push(l);
        }
        let (p, d) = merge(ls, 0);
        all.extend(d);
        (p, all)
    }

    fn ok(layers: &[(LayerKind, &str)]) -> Policy {
        let (p, d) = policy(layers);
        assert!(!crate::policy::diag::has_errors(&d), "{d:?}");
        p
    }

    fn dep(name: &str, version: &str) -> Script {
        let mut s = Script::new(
            Ecosystem::Npm,
            Owner::Dependency,
            Kind::InstallScript,
            Origin::Argv,
        );
        s.package = Some(name.into());
        s.version = Some(version.into());
        s
    }

    fn project(cmd: &str) -> Script {
        let mut s = Script::new(
            Ecosystem::Npm,
            Owner::Project,
            Kind::Lifecycle,
            Origin::Argv,
        );
        s.event = Some("postinstall".into());
        s.command = Some(cmd.into());
        s.dir = Some("/p".into());
        s.digest = Some(crate::scripts::digest(&[b"postinstall", cmd.as_bytes()]));
        s
    }

    fn tool(manager: Manager) -> Tool<'static> {
        Tool {
            manager,
            grammar: None,
        }
    }

    fn statuses(p: &Policy, scripts: &[Script]) -> Vec<&'static str> {
        let manager = match scripts.first().map(|s| s.ecosystem) {
            Some(Ecosystem::Pypi) => Manager::Pip,
            _ => Manager::Npm,
        };
        judge(p, scripts, tool(manager))
            .status
            .iter()
            .map(|s| s.as_str())
            .collect()
    }

    #[test]
    fn defaults_ask_and_unseen_stays_unseen() {
        let p = ok(&[]);
        let mut unseen = Script::new(
            Ecosystem::Npm,
            Owner::Dependency,
            Kind::Unseen,
            Origin::Argv,
        );
        unseen.command = Some("resolved at install time".into());
        let scripts = [dep("esbuild", "0.28.2"), project("node x.js"), unseen];
        let j = judge(&p, &scripts, tool(Manager::Npm));
        assert_eq!(statuses(&p, &scripts), ["ask", "ask", "unseen"]);
        assert_eq!(j.findings.len(), 2);
        assert!(j.findings.iter().all(|f| f.severity == Severity::Warn));
        assert_eq!(j.findings[0].rule, Rule::InstallScript);
        assert_eq!(j.findings[1].rule, Rule::ProjectScript);
        assert!(
            j.findings[1].message.contains("postinstall: node x.js"),
            "{}",
            j.findings[1].message
        );
        assert!(j.off.is_none());
    }

    #[test]
    fn the_allow_list_and_project_approvals_let_code_run_and_are_logged() {
        let digest = project_digest(&[project("node x.js")], "/p").unwrap();
        let user = format!(
            "[scripts]\nallow = [\"pkg:npm/esbuild@>=0.28.0,<0.29.0\"]\nprojects = [{{ path = \"/p\", scripts = \"{digest}\", approved = 2026-12-01 }}]\n"
        );
        let p = ok(&[(LayerKind::User, &user)]);
        let scripts = [
            dep("esbuild", "0.28.2"),
            dep("esbuild", "0.29.0"),
            project("node x.js"),
        ];
        let j = judge(&p, &scripts, tool(Manager::Npm));
        assert_eq!(statuses(&p, &scripts), ["approved", "ask", "approved"]);
        assert_eq!(j.loosened.len(), 2);
        assert_eq!(j.loosened[0].from, "ask");
        assert!(
            j.allowed_by[2]
                .as_deref()
                .unwrap()
                .contains("approved for /p on 2026-12-01")
        );
        // The project's scripts changed: the approval no longer covers them.
        let changed = [project("node evil.js")];
        assert_eq!(statuses(&p, &changed), ["ask"]);
    }

    #[test]
    fn off_adds_the_flag_and_npm_holds_back_everything() {
        let p = ok(&[(
            LayerKind::User,
            "[scripts]\ndependencies = \"off\"\nproject = \"allow\"\n",
        )]);
        let scripts = [dep("esbuild", "0.28.2"), project("node x.js")];
        let j = judge(&p, &scripts, tool(Manager::Npm));
        assert_eq!(statuses(&p, &scripts), ["off", "off"]);
        let (g, why) = j.off.clone().unwrap();
        assert_eq!(g.flag, "--ignore-scripts");
        assert!(
            why.contains("[scripts] dependencies = \"off\" (user policy"),
            "{why}"
        );
        assert!(j.findings.iter().all(|f| f.severity == Severity::Info));
        // yarn 1 has the flag; yarn 2+ has none here, so `off` refuses its code.
        let yarn = |grammar| Tool {
            manager: Manager::Yarn,
            grammar: Some(grammar),
        };
        let j = judge(
            &p,
            &scripts[..1],
            yarn("yarn 1 (classic): yarn-path in .yarnrc"),
        );
        assert_eq!(j.off.unwrap().0.flag, "--ignore-scripts");
        let j = judge(&p, &scripts[..1], yarn("yarn ≥ 2 (berry): packageManager"));
        assert_eq!(j.status, [Status::Blocked]);
        // pip cannot hold back a local build: off refuses it.
        let mut build = Script::new(Ecosystem::Pypi, Owner::Project, Kind::Build, Origin::Argv);
        build.dir = Some("/p".into());
        let p = ok(&[(LayerKind::User, "[scripts]\nproject = \"off\"\n")]);
        let j = judge(&p, &[build], tool(Manager::Pip));
        assert_eq!(j.status, [Status::Blocked]);
        assert!(
            j.findings[0].message.contains("cannot be held back"),
            "{}",
            j.findings[0].message
        );
    }

    #[test]
    fn block_refuses_seen_code_and_holds_back_unseen_code() {
        let p = ok(&[(
            LayerKind::Machine,
            "lock = [\"scripts\"]\n[scripts]\ndependencies = \"block\"\n",
        )]);
        let mut unseen = Script::new(
            Ecosystem::Pypi,
            Owner::Dependency,
            Kind::Unseen,
            Origin::Argv,
        );
        unseen.command = Some("index packages may be built".into());
        let sdist = crate::scripts::pip::fetched_build(
            Some("foo"),
            Some("1.0"),
            "foo-1.0.tar.gz",
            Origin::Argv,
        );
        let scripts = [sdist, unseen];
        let j = judge(&p, &scripts, tool(Manager::Pip));
        assert_eq!(statuses(&p, &scripts), ["blocked", "off"]);
        assert_eq!(j.off.unwrap().0.flag, "--only-binary=:all:");
    }

    #[test]
    fn who_may_set_what() {
        // A project may raise but never lower or allow.
        let (_, d) = policy(&[(
            LayerKind::Project,
            "[scripts]\ndependencies = \"allow\"\nallow = [\"pkg:npm/x\"]\n",
        )]);
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            msgs.iter()
                .any(|m| m.contains("`scripts.dependencies` = \"allow\" would lower it")),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("`scripts.allow` cannot be set here")),
            "{msgs:?}"
        );
        ok(&[(
            LayerKind::Project,
            "[scripts]\ndependencies = \"block\"\n[watch]\non-finding = \"fail\"\n",
        )]);
        // The environment never lowers a block nor approves.
        let (_, d) = policy(&[
            (LayerKind::User, "[scripts]\ndependencies = \"block\"\n"),
            (LayerKind::Env, "[scripts]\ndependencies = \"warn\"\n"),
        ]);
        assert!(
            d.iter().any(|d| d.message.contains("would lower a block")),
            "{d:?}"
        );
        // A machine lock on the allow-list keeps the user's approvals out.
        let (p, d) = policy(&[
            (
                LayerKind::Machine,
                "lock = [\"scripts.allow\"]\n[scripts]\nallow = [\"pkg:npm/esbuild\"]\n",
            ),
            (LayerKind::User, "[scripts]\nallow = [\"pkg:npm/sharp\"]\n"),
        ]);
        assert!(
            d.iter()
                .any(|d| d.message.contains("`scripts.allow` is locked")),
            "{d:?}"
        );
        let names: Vec<&str> = p
            .script_allow
            .iter()
            .map(|a| a.value.name.as_str())
            .collect();
        assert_eq!(names, ["esbuild"]);
        // Typos get a hint.
        let (_, d) = policy(&[(
            LayerKind::User,
            "[scripts]\ndependencies = \"of\"\nalow = []\n",
        )]);
        let msgs: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        assert!(
            msgs.iter().any(|m| m.contains(
                "must be \"allow\", \"warn\", \"off\" or \"block\", not \"of\"; did you mean `off`?"
            )),
            "{msgs:?}"
        );
        assert!(
            msgs.iter()
                .any(|m| m.contains("unknown key `alow` in [scripts]")
                    && m.contains("did you mean `allow`")),
            "{msgs:?}"
        );
    }
}
