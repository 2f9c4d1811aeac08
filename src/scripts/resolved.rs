//! The install-time code a whole-tree resolution surfaced (`Target::resolved.install_code`:
//! npm's `hasInstallScript`, git dependencies, PyPI sdists that will be built), merged into the
//! list the parsers made, so `[scripts]`, `check`, the prompt, the record and the watch work on
//! one list. Entries that stood only for "not resolved yet" give way to what was found; what
//! the parsers saw themselves (a lockfile entry, a package.json's text, a local directory's
//! build) is kept, being more precise. Pure: resolves nothing, reads nothing, judges nothing.

use super::{Kind, Owner, Script};
use crate::ecosystem::Manager;
use crate::request::{Request, Target};

/// `Script::event` of a build of an index package from its sdist (which pip's
/// `--only-binary=:all:` holds back, unlike a local directory's or a VCS checkout's build).
pub const SDIST: &str = "sdist";

/// The script a resolved package's install-time code (`code`, as `Resolved::install_code`
/// names it) stands for.
fn script_of(t: &Target, code: &str, version: Option<&str>, url: Option<&str>) -> Script {
    let kind = match code {
        "install-script" => Kind::InstallScript,
        "git-prepare" => Kind::GitPrepare,
        "build" => Kind::Build,
        _ => Kind::Unseen,
    };
    let mut s = Script::new(t.ecosystem, Owner::Dependency, kind, t.origin.clone());
    s.package.clone_from(&t.name);
    s.version = version.map(str::to_string);
    match kind {
        Kind::GitPrepare => s.command = url.map(str::to_string),
        Kind::Build => {
            s.event = Some(SDIST.into());
            s.command = Some(
                "built from its sdist: its setup.py or build backend runs (text not visible before fetching)"
                    .into(),
            );
        }
        Kind::Unseen => {
            s.command = Some(format!(
                "the resolution says it runs `{code}` code, which installguard does not know"
            ));
        }
        _ => {}
    }
    s
}

/// Merge the resolved tree's install-time code into `request.scripts`.
///
/// - A resolved package that runs code becomes a script with its version, unless the parsers
///   already list that package (from the lockfile, with its text from `node_modules`), or it
///   is `unchanged` against the project's lockfile (the parser read that lockfile and left out
///   what the install will not run again), or it is a local directory (the parsers read local
///   code themselves).
/// - pnpm (10+) and bun hold dependencies' scripts back unless their own allow-list names the
///   package: the packages are named in the note that says so, not listed as code that runs.
/// - The notes that stood for "not resolved yet" are dropped: the tree is now seen (for yarn,
///   whose resolution reads every package's package.json, also its note on dependencies).
pub fn merge(request: &mut Request) {
    let native_gate = matches!(request.manager, Manager::Pnpm | Manager::Bun);
    let listed = |scripts: &[Script], t: &Target| {
        let name = t.name.as_deref().map(|n| t.ecosystem.normalize(n));
        scripts.iter().any(|s| {
            s.kind != Kind::Unseen
                && s.ecosystem == t.ecosystem
                && s.package.as_deref().map(|n| t.ecosystem.normalize(n)) == name
        })
    };
    let mut found: Vec<Script> = Vec::new();
    for t in &request.targets {
        let Some(r) = &t.resolved else { continue };
        if r.install_code.is_empty()
            || r.change == "unchanged"
            || matches!(r.source.as_str(), "path" | "link")
            || listed(&request.scripts, t)
        {
            continue;
        }
        for code in &r.install_code {
            found.push(script_of(t, code, r.version.as_deref(), r.url.as_deref()));
        }
    }
    request.scripts.retain(|s| !s.until_resolved);
    // yarn's resolution read the package.json of every package of the tree: its note that
    // dependencies' scripts cannot be seen gives way to what was found.
    if request.manager == Manager::Yarn {
        request
            .scripts
            .retain(|s| !(s.kind == Kind::Unseen && s.package.is_none()));
    }
    if native_gate {
        if found.is_empty() {
            return;
        }
        let whos: Vec<String> = found.iter().map(Script::who).collect();
        let names = super::some_names(whos.iter().map(String::as_str));
        if let Some(note) = request
            .scripts
            .iter_mut()
            .find(|s| s.kind == Kind::Unseen && s.package.is_none())
        {
            let text = note.command.get_or_insert_with(String::new);
            text.push_str(&format!(
                "; the resolved tree has install scripts in {names}"
            ));
        }
        return;
    }
    request.scripts.extend(found);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ecosystem::Ecosystem;
    use crate::request::{Origin, Resolved};

    fn resolved(name: &str, version: &str, code: &[&str], change: &str) -> Target {
        let mut t = Target::registry(
            Ecosystem::Npm,
            name,
            Some(version),
            Origin::Resolved {
                tool: "npm".into(),
                parent: Some("app".into()),
            },
        );
        t.resolved = Some(Resolved {
            by: "npm".into(),
            version: Some(version.into()),
            source: "registry".into(),
            change: change.into(),
            install_code: code.iter().map(std::string::ToString::to_string).collect(),
            ..Resolved::default()
        });
        t
    }

    fn request(manager: Manager, targets: Vec<Target>, scripts: Vec<Script>) -> Request {
        let mut r = Request::pass_through(manager.as_str(), manager);
        r.installs = true;
        r.targets = targets;
        r.scripts = scripts;
        r
    }

    fn pending() -> Script {
        let mut s = Script::unseen(
            Ecosystem::Npm,
            None,
            "not resolved yet".into(),
            Origin::Argv,
        );
        s.until_resolved = true;
        s
    }

    #[test]
    fn resolved_code_replaces_the_not_yet_resolved_note() {
        let mut r = request(
            Manager::Npm,
            vec![
                resolved("esbuild", "0.28.2", &["install-script"], "added"),
                resolved("lodash", "4.17.21", &[], "added"),
                resolved("dep", "1.0.0", &["git-prepare"], "added"),
            ],
            vec![pending()],
        );
        merge(&mut r);
        let got: Vec<(Kind, String)> = r.scripts.iter().map(|s| (s.kind, s.who())).collect();
        assert_eq!(
            got,
            [
                (Kind::InstallScript, "esbuild@0.28.2".to_string()),
                (Kind::GitPrepare, "dep@1.0.0".to_string()),
            ]
        );
        assert!(matches!(r.scripts[0].origin, Origin::Resolved { .. }));
    }

    #[test]
    fn what_the_parsers_saw_is_kept_and_unchanged_entries_are_theirs() {
        let mut from_lock = Script::new(
            Ecosystem::Npm,
            Owner::Dependency,
            Kind::Lifecycle,
            Origin::Argv,
        );
        from_lock.package = Some("esbuild".into());
        from_lock.event = Some("postinstall".into());
        let mut r = request(
            Manager::Npm,
            vec![
                resolved("esbuild", "0.28.2", &["install-script"], "added"),
                // Already in the lockfile the parser read: it decided (listed, or installed).
                resolved("sharp", "0.33.0", &["install-script"], "unchanged"),
            ],
            vec![from_lock.clone()],
        );
        merge(&mut r);
        assert_eq!(r.scripts, [from_lock]);
    }

    #[test]
    fn pnpm_and_bun_name_them_in_their_note_instead() {
        let note = Script::unseen(
            Ecosystem::Npm,
            None,
            "pnpm runs dependencies' build scripts only for packages it allows".into(),
            Origin::Argv,
        );
        for m in [Manager::Pnpm, Manager::Bun] {
            let mut r = request(
                m,
                vec![resolved("esbuild", "0.28.2", &["install-script"], "added")],
                vec![note.clone()],
            );
            merge(&mut r);
            assert_eq!(r.scripts.len(), 1);
            assert!(
                r.scripts[0]
                    .command
                    .as_deref()
                    .unwrap()
                    .ends_with("; the resolved tree has install scripts in esbuild@0.28.2")
            );
        }
    }

    #[test]
    fn yarns_note_on_dependencies_gives_way_to_what_its_resolution_read() {
        let note = Script::unseen(
            Ecosystem::Npm,
            None,
            "yarn runs dependencies' install scripts".into(),
            Origin::Argv,
        );
        let mut r = request(
            Manager::Yarn,
            vec![
                resolved("esbuild", "0.28.2", &["install-script"], "added"),
                resolved("lodash", "4.17.21", &[], "added"),
            ],
            vec![note],
        );
        merge(&mut r);
        let got: Vec<(Kind, String)> = r.scripts.iter().map(|s| (s.kind, s.who())).collect();
        assert_eq!(got, [(Kind::InstallScript, "esbuild@0.28.2".to_string())]);
    }

    #[test]
    fn pypi_builds_are_sdist_builds_and_unknown_code_is_unseen() {
        let mut t = resolved("mid", "2.0", &["build", "something-new"], "added");
        t.ecosystem = Ecosystem::Pypi;
        let mut r = request(Manager::Pip, vec![t], vec![]);
        merge(&mut r);
        assert_eq!(r.scripts[0].kind, Kind::Build);
        assert_eq!(r.scripts[0].event.as_deref(), Some(SDIST));
        assert_eq!(r.scripts[1].kind, Kind::Unseen);
        assert!(
            r.scripts[1]
                .command
                .as_deref()
                .unwrap()
                .contains("something-new")
        );
    }
}
