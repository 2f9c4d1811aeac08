//! pip.conf files and `PIP_*` variables (configuration.py, cli/parser.py `_update_defaults`):
//! the defaults that come before the command line. Read through [`World`]; decides nothing.

use std::path::Path;

use super::*;

/// Config keys and `PIP_*` variables that feed the options we care about.
const CONFIG_KEYS: &[(&str, Effect)] = &[
    ("index-url", Effect::IndexUrl),
    ("pypi-url", Effect::IndexUrl),
    ("extra-index-url", Effect::ExtraIndexUrl),
    ("find-links", Effect::FindLinks),
    ("no-index", Effect::NoIndex),
    ("requirement", Effect::Requirement),
    ("editable", Effect::Editable),
    ("constraint", Effect::Constraint),
];

// pip.conf files and PIP_* variables (configuration.py, cli/parser.py `_update_defaults`).

/// Values that come before the command line's: the last of [global], [<command>], env wins
/// per option (no merging), and command-line list options append to them.
#[derive(Default)]
pub(crate) struct Defaults {
    pub(super) per_act: Vec<(Effect, Vec<(String, Origin)>)>,
}

impl Defaults {
    pub(super) fn get(&self, act: Effect) -> &[(String, Origin)] {
        self.per_act
            .iter()
            .find(|(a, _)| *a == act)
            .map_or(&[], |(_, v)| v.as_slice())
    }
    pub(super) fn set(&mut self, act: Effect, values: Vec<(String, Origin)>) {
        self.per_act.retain(|(a, _)| *a != act);
        self.per_act.push((act, values));
    }
}

/// One `section.key = value` from a config file.
pub(crate) struct ConfItem {
    pub(crate) section: String,
    pub(crate) key: String,
    pub(crate) value: String,
    pub(crate) file: String,
    pub(crate) line: u32,
}

fn env_string(world: &dyn World, key: &str) -> Option<String> {
    world.env(key).map(|v| v.to_string_lossy().into_owned())
}

/// The config files pip would load, lowest priority first.
pub(crate) fn config_files(world: &dyn World, isolated: bool) -> Vec<String> {
    let config_file = env_string(world, "PIP_CONFIG_FILE");
    if config_file.as_deref() == Some("/dev/null") {
        return Vec::new();
    }
    let mut files = Vec::new();
    let xdg_dirs = env_string(world, "XDG_CONFIG_DIRS").filter(|s| !s.is_empty());
    for dir in xdg_dirs
        .as_deref()
        .unwrap_or("/etc/xdg")
        .split(':')
        .filter(|d| !d.is_empty())
    {
        files.push(format!("{}/pip/pip.conf", dir.trim_end_matches('/')));
    }
    files.push("/etc/pip.conf".to_string());
    // PIP_CONFIG_FILE is read even with --isolated (configuration.py reads os.environ directly).
    let env_file_exists = config_file
        .as_deref()
        .is_some_and(|f| !f.is_empty() && world.is_file(Path::new(f)));
    if !isolated && !env_file_exists {
        let home = world.home().map(|h| h.to_string_lossy().into_owned());
        if let Some(home) = &home {
            files.push(format!("{home}/.pip/pip.conf"));
            // macOS: pip's user config dir is under Application Support (appdirs.py).
            #[cfg(target_os = "macos")]
            files.push(format!("{home}/Library/Application Support/pip/pip.conf"));
        }
        match env_string(world, "XDG_CONFIG_HOME").filter(|s| !s.is_empty()) {
            Some(x) => files.push(format!("{}/pip/pip.conf", x.trim_end_matches('/'))),
            None => {
                if let Some(home) = &home {
                    files.push(format!("{home}/.config/pip/pip.conf"));
                }
            }
        }
    }
    if let Some(venv) = env_string(world, "VIRTUAL_ENV").filter(|s| !s.is_empty()) {
        files.push(format!("{}/pip.conf", venv.trim_end_matches('/')));
    }
    if let Some(f) = config_file.filter(|f| !f.is_empty()) {
        files.push(f);
    }
    files
}

/// Parse an INI file the way `configparser.RawConfigParser` does (strict, no interpolation).
pub(crate) fn parse_ini(file: &str, text: &str) -> Result<Vec<ConfItem>, Error> {
    let mut items: Vec<ConfItem> = Vec::new();
    let mut section: Option<String> = None;
    let mut sections_seen: HashSet<String> = HashSet::new();
    let mut current: Option<usize> = None;
    for (idx, raw) in split_lines(text).into_iter().enumerate() {
        let lineno = u32::try_from(idx + 1).unwrap_or(u32::MAX);
        let bad = |what: &str| Error::bad_file(format!("{file}:{lineno}: {what}"));
        let stripped = raw.trim();
        if stripped.starts_with('#') || stripped.starts_with(';') {
            continue;
        }
        if stripped.is_empty() {
            current = None;
            continue;
        }
        if raw.starts_with(char::is_whitespace)
            && let Some(ci) = current
        {
            let item = &mut items[ci];
            item.value.push('\n');
            item.value.push_str(stripped);
            continue;
        }
        if let Some(inner) = stripped.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            if !sections_seen.insert(inner.to_string()) {
                return Err(bad(&format!("duplicate section [{inner}]")));
            }
            section = Some(inner.to_string());
            current = None;
            continue;
        }
        let Some(sec) = &section else {
            return Err(bad("file contains no section headers"));
        };
        let Some(pos) = stripped.find(['=', ':']) else {
            return Err(bad(&format!("cannot parse line {stripped:?}")));
        };
        let key = stripped[..pos].trim().to_lowercase();
        let value = stripped[pos + 1..].trim().to_string();
        if items.iter().any(|it| it.section == *sec && it.key == key) {
            return Err(bad(&format!("duplicate option {key:?} in section [{sec}]")));
        }
        items.push(ConfItem {
            section: sec.clone(),
            key,
            value,
            file: file.to_string(),
            line: lineno,
        });
        current = Some(items.len() - 1);
    }
    Ok(items)
}

pub(crate) fn configured_defaults(
    world: &dyn World,
    command: &str,
    mask: u8,
    isolated: bool,
) -> Result<Defaults, Error> {
    // Merged config: a later file overrides the same section.key of an earlier one.
    let mut merged: Vec<ConfItem> = Vec::new();
    for file in config_files(world, isolated) {
        if !world.is_file(Path::new(&file)) {
            continue;
        }
        let bytes = world
            .read_file(Path::new(&file))
            .map_err(|e| Error::bad_file(format!("{file}: could not read pip config file: {e}")))?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::bad_file(format!("{file}: pip config file is not valid UTF-8")))?;
        for mut item in parse_ini(&file, &text)? {
            item.section = item.section.to_lowercase();
            item.key = item.key.replace('_', "-");
            let key = item.key.trim_start_matches("--").to_string();
            item.key = key;
            merged.retain(|m| !(m.section == item.section && m.key == item.key));
            merged.push(item);
        }
    }
    let mut defaults = Defaults::default();
    let accepts = |act: Effect| OPTIONS.iter().any(|o| o.act == act && o.cmds & mask != 0);
    let mut apply = |key: &str, value: &str, origin: Origin| {
        let Some(&(_, act)) = CONFIG_KEYS.iter().find(|(k, _)| *k == key) else {
            return;
        };
        if value.trim().is_empty() || !accepts(act) {
            return;
        }
        let values = if matches!(act, Effect::IndexUrl | Effect::NoIndex) {
            vec![(value.trim().to_string(), origin)]
        } else {
            value
                .split_whitespace()
                .map(|v| (v.to_string(), origin.clone()))
                .collect()
        };
        defaults.set(act, values);
    };
    for section in ["global", command] {
        for item in merged.iter().filter(|m| m.section == section) {
            apply(
                &item.key,
                &item.value,
                Origin::File {
                    path: item.file.clone(),
                    line: item.line,
                },
            );
        }
    }
    if !isolated {
        for (key, _) in CONFIG_KEYS {
            let var = format!("PIP_{}", key.to_ascii_uppercase().replace('-', "_"));
            if let Some(value) = env_string(world, &var) {
                apply(key, &value, Origin::Env(var));
            }
        }
    }
    Ok(defaults)
}
