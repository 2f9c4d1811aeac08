//! What the watch looks at: the startup and persistence locations whose creation or change it
//! reports, and the credential stores whose opening it reports, each with its category and
//! MITRE ATT&CK technique. Pure: paths come from the home directory, the environment (through a
//! lookup function) and the platform; expanding directories (browser profiles, key pairs) is
//! the snapshot's and the read watch's job. Deliberately leaves out what the install tool
//! itself reads or writes on an ordinary install (npm's `.npmrc`, pip's `pip.conf` and
//! `.netrc`, SSH keys and git credentials when the command fetches a git dependency).

use std::path::{Path, PathBuf};

use crate::ecosystem::Ecosystem;

/// What a location is for; each has a stable id (the record's `category`), a label for people
/// and the ATT&CK technique a change (or a read) of it is evidence of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    ShellStartup,
    XdgAutostart,
    SystemdUnit,
    Crontab,
    SshAuthorizedKeys,
    SshConfig,
    GitConfig,
    GitHooks,
    LaunchAgent,
    LaunchDaemon,
    LoginItem,
    Preload,
    GuardConfig,
    SshPrivateKey,
    CloudCredentials,
    ContainerCredentials,
    GitCredentials,
    Netrc,
    PackageCredentials,
    BrowserCookies,
    BrowserLogins,
    BrowserWallet,
    DesktopWallet,
    Keychain,
}

impl Category {
    /// The id in the record (`shell-startup`).
    pub fn id(self) -> &'static str {
        match self {
            Category::ShellStartup => "shell-startup",
            Category::XdgAutostart => "xdg-autostart",
            Category::SystemdUnit => "systemd-unit",
            Category::Crontab => "crontab",
            Category::SshAuthorizedKeys => "ssh-authorized-keys",
            Category::SshConfig => "ssh-config",
            Category::GitConfig => "git-config",
            Category::GitHooks => "git-hooks",
            Category::LaunchAgent => "launch-agent",
            Category::LaunchDaemon => "launch-daemon",
            Category::LoginItem => "login-item",
            Category::Preload => "preload",
            Category::GuardConfig => "installguard-config",
            Category::SshPrivateKey => "ssh-private-key",
            Category::CloudCredentials => "cloud-credentials",
            Category::ContainerCredentials => "container-credentials",
            Category::GitCredentials => "git-credentials",
            Category::Netrc => "netrc",
            Category::PackageCredentials => "package-credentials",
            Category::BrowserCookies => "browser-cookies",
            Category::BrowserLogins => "browser-logins",
            Category::BrowserWallet => "browser-wallet",
            Category::DesktopWallet => "desktop-wallet",
            Category::Keychain => "keychain",
        }
    }

    /// How a person reads it (`shell startup file`).
    pub fn label(self) -> &'static str {
        match self {
            Category::ShellStartup => "shell startup file",
            Category::XdgAutostart => "desktop autostart entry",
            Category::SystemdUnit => "systemd unit",
            Category::Crontab => "crontab",
            Category::SshAuthorizedKeys => "SSH authorized keys",
            Category::SshConfig => "SSH client configuration",
            Category::GitConfig => "git configuration",
            Category::GitHooks => "git hook or template",
            Category::LaunchAgent => "launchd agent",
            Category::LaunchDaemon => "launchd daemon",
            Category::LoginItem => "login item",
            Category::Preload => "library preload list",
            Category::GuardConfig => "installguard's own configuration",
            Category::SshPrivateKey => "SSH private key",
            Category::CloudCredentials => "cloud credentials",
            Category::ContainerCredentials => "Docker or Kubernetes credentials",
            Category::GitCredentials => "git credentials",
            Category::Netrc => ".netrc credentials",
            Category::PackageCredentials => "package registry credentials",
            Category::BrowserCookies => "browser cookies",
            Category::BrowserLogins => "browser saved logins",
            Category::BrowserWallet => "browser wallet extension data",
            Category::DesktopWallet => "cryptocurrency wallet",
            Category::Keychain => "keychain",
        }
    }

    /// The MITRE ATT&CK technique id and name.
    pub fn technique(self) -> (&'static str, &'static str) {
        match self {
            Category::ShellStartup => ("T1546.004", "Unix Shell Configuration Modification"),
            Category::XdgAutostart => ("T1547.013", "XDG Autostart Entries"),
            Category::SystemdUnit => ("T1543.002", "Systemd Service"),
            Category::Crontab => ("T1053.003", "Cron"),
            Category::SshAuthorizedKeys => ("T1098.004", "SSH Authorized Keys"),
            Category::SshConfig | Category::GitConfig | Category::GitHooks => {
                ("T1546", "Event Triggered Execution")
            }
            Category::LaunchAgent => ("T1543.001", "Launch Agent"),
            Category::LaunchDaemon => ("T1543.004", "Launch Daemon"),
            Category::LoginItem => ("T1547.015", "Login Items"),
            Category::Preload => ("T1574.006", "Dynamic Linker Hijacking"),
            Category::GuardConfig => ("T1562.001", "Disable or Modify Tools"),
            Category::SshPrivateKey => ("T1552.004", "Private Keys"),
            Category::CloudCredentials
            | Category::ContainerCredentials
            | Category::GitCredentials
            | Category::Netrc
            | Category::PackageCredentials => ("T1552.001", "Credentials In Files"),
            Category::BrowserCookies => ("T1539", "Steal Web Session Cookie"),
            Category::BrowserLogins => ("T1555.003", "Credentials from Web Browsers"),
            Category::BrowserWallet | Category::DesktopWallet => {
                ("T1005", "Data from Local System")
            }
            Category::Keychain => ("T1555.001", "Keychain"),
        }
    }

    /// The ATT&CK tactic the technique serves here (id, name).
    pub fn tactic(self) -> (&'static str, &'static str) {
        match self {
            Category::GuardConfig => ("TA0005", "Defense Evasion"),
            Category::BrowserWallet | Category::DesktopWallet => ("TA0009", "Collection"),
            c if c.is_credential() => ("TA0006", "Credential Access"),
            _ => ("TA0003", "Persistence"),
        }
    }

    /// True for the credential stores (reads are reported), false for persistence locations
    /// (creations and changes are reported).
    pub fn is_credential(self) -> bool {
        self >= Category::SshPrivateKey
    }
}

/// A persistence location: a file, or a directory scanned to `depth` levels (1: its entries).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spot {
    pub path: PathBuf,
    pub category: Category,
    pub depth: u8,
}

/// Which files in a watched credential directory count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Names {
    /// Every file in it.
    Any,
    /// Only these names.
    Only(Vec<String>),
    /// SSH private keys: `id_*` (not `.pub`), `*.pem`, `*.key`, and `X` where `X.pub` exists
    /// (decided from the directory listing; key contents are never read).
    SshKeys,
}

/// A credential store whose opening is reported.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Store {
    pub path: PathBuf,
    pub category: Category,
    /// `Some`: a directory, and which of its files count.
    pub dir: Option<Names>,
    /// Browsers keep these files open and read them all the time: only opening them is
    /// reported (reads through a descriptor the browser already holds are not news).
    pub held_open: bool,
}

/// Browser profile stores under a browser's base directory (Chromium family or Firefox).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrowserBase {
    pub path: PathBuf,
    pub firefox: bool,
}

/// Everything the watch looks at for one install.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    pub spots: Vec<Spot>,
    /// Compare `crontab -l` before and after.
    pub crontab: bool,
    pub stores: Vec<Store>,
    /// Directories whose profiles are expanded into stores when the read watch starts.
    pub browsers: Vec<BrowserBase>,
    /// Credential categories left out on purpose for this install, and why.
    pub expected: Vec<(Category, &'static str)>,
}

/// The platform the catalog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(clippy::enum_variant_names)] // `MacOs` is the platform's name, not a repeated suffix
pub enum Os {
    Linux,
    MacOs,
    OtherUnix,
}

impl Os {
    pub fn current() -> Os {
        if cfg!(target_os = "linux") {
            Os::Linux
        } else if cfg!(target_os = "macos") {
            Os::MacOs
        } else {
            Os::OtherUnix
        }
    }
}

/// What about the install shapes the catalog: which ecosystem's tool runs (its own credential
/// files are expected reads) and whether it fetches git dependencies (SSH keys and git
/// credentials are then expected too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Context {
    pub ecosystem: Ecosystem,
    pub git: bool,
    pub root: bool,
}

/// Wallet browser extensions whose data the Contagious Interview stealers (BeaverTail,
/// InvisibleFerret) and their kin copy: MetaMask, Phantom, Coinbase Wallet, TronLink, Binance,
/// Trust Wallet, Rabby, OKX, Keplr, Exodus Web3, Bitget, Martian, Petra, Sui, Yoroi.
pub const WALLET_EXTENSIONS: &[&str] = &[
    "nkbihfbeogaeaoehlefnkodbefgpgknn",
    "bfnaelmomeimhlpmgjnjophhpkkoljpa",
    "hnfanknocfeofbddgcijnmhnfnkdnaad",
    "ibnejdfjmmkpcnlpebklmnkoeoihofec",
    "fhbohimaelbohpjbbldcngcnapndodjp",
    "egjidjbpglichdcondbcbdnbeeppgdph",
    "acmacodkjbdgmoleebolmdjonilkdbch",
    "mcohilncbfahbmgdjkbpemcciiolgcge",
    "dmkamcknogkgcdfhhbddcghachkejeap",
    "aholpfdialjgjfhomihkjbmgjidlcdno",
    "jiidiaalihmmhddjgbnbgdfflelocpak",
    "efbglgofoippbgcjepnhiblaibcnclgk",
    "ejjladinnckdgjemekebdpeokbikhfci",
    "opcgpfmipidbgpenhmajoajpbobppdil",
    "ffnbelfdoeiohenkjibnmadjiehjhajb",
];

/// The shell startup files of the home directory (and `$ZDOTDIR` for zsh).
const SHELL_FILES: &[&str] = &[
    ".bashrc",
    ".bash_profile",
    ".bash_login",
    ".bash_logout",
    ".profile",
    ".xprofile",
    ".xsessionrc",
];
const ZSH_FILES: &[&str] = &[".zshrc", ".zshenv", ".zprofile", ".zlogin", ".zlogout"];

/// `$VAR` as an absolute path (relative ones are ignored, as the XDG spec says).
fn env_path(env: &dyn Fn(&str) -> Option<String>, var: &str) -> Option<PathBuf> {
    env(var).map(PathBuf::from).filter(|p| p.is_absolute())
}

/// The catalog for one install. `env` looks up environment variables; `git_dirs` are the
/// directories global git configuration names for hooks and templates (`core.hooksPath`,
/// `init.templateDir`, from [`git_hook_dirs`]).
pub fn catalog(
    home: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    os: Os,
    ctx: Context,
    git_dirs: &[PathBuf],
    guard_config: Option<&Path>,
    guard_shims: Option<&Path>,
) -> Catalog {
    let config = env_path(env, "XDG_CONFIG_HOME").unwrap_or_else(|| home.join(".config"));
    let data = env_path(env, "XDG_DATA_HOME").unwrap_or_else(|| home.join(".local/share"));
    let mut c = Catalog::default();
    let mut spot = |path: PathBuf, category, depth| {
        if !c.spots.iter().any(|s: &Spot| s.path == path) {
            c.spots.push(Spot {
                path,
                category,
                depth,
            });
        }
    };
    use Category::*;
    for f in SHELL_FILES {
        spot(home.join(f), ShellStartup, 0);
    }
    let zdot = env_path(env, "ZDOTDIR").unwrap_or_else(|| home.to_path_buf());
    for f in ZSH_FILES {
        spot(zdot.join(f), ShellStartup, 0);
        spot(home.join(f), ShellStartup, 0);
    }
    spot(home.join(".bashrc.d"), ShellStartup, 1);
    // Programs honour $XDG_CONFIG_HOME, but malware often writes to ~/.config directly.
    let mut configs = vec![config.clone()];
    if config != home.join(".config") {
        configs.push(home.join(".config"));
    }
    for cfg in &configs {
        spot(cfg.join("fish/config.fish"), ShellStartup, 0);
        spot(cfg.join("fish/conf.d"), ShellStartup, 1);
        spot(cfg.join("fish/functions"), ShellStartup, 1);
        spot(cfg.join("git/config"), GitConfig, 0);
    }
    spot(home.join(".ssh/authorized_keys"), SshAuthorizedKeys, 0);
    spot(home.join(".ssh/authorized_keys2"), SshAuthorizedKeys, 0);
    spot(home.join(".ssh/config"), SshConfig, 0);
    spot(home.join(".ssh/rc"), SshConfig, 0);
    spot(home.join(".ssh/environment"), SshConfig, 0);
    spot(home.join(".gitconfig"), GitConfig, 0);
    for d in git_dirs {
        spot(d.clone(), GitHooks, 2);
    }
    if let Some(p) = guard_config {
        spot(p.to_path_buf(), GuardConfig, 0);
    }
    if let Some(p) = guard_shims {
        spot(p.to_path_buf(), GuardConfig, 1);
    }
    c.crontab = true;
    match os {
        Os::MacOs => {
            spot(home.join("Library/LaunchAgents"), LaunchAgent, 1);
            spot(
                home.join(
                    "Library/Application Support/com.apple.backgroundtaskmanagementagent/backgrounditems.btm",
                ),
                LoginItem,
                0,
            );
            spot(
                home.join("Library/Preferences/com.apple.loginitems.plist"),
                LoginItem,
                0,
            );
            if ctx.root {
                spot(PathBuf::from("/Library/LaunchAgents"), LaunchAgent, 1);
                spot(PathBuf::from("/Library/LaunchDaemons"), LaunchDaemon, 1);
                spot(PathBuf::from("/etc/zshrc"), ShellStartup, 0);
                spot(PathBuf::from("/etc/profile"), ShellStartup, 0);
            }
        }
        Os::Linux | Os::OtherUnix => {
            for cfg in &configs {
                spot(cfg.join("autostart"), XdgAutostart, 1);
                spot(cfg.join("systemd/user"), SystemdUnit, 2);
            }
            spot(data.join("systemd/user"), SystemdUnit, 2);
            spot(home.join(".local/share/systemd/user"), SystemdUnit, 2);
            if ctx.root {
                spot(PathBuf::from("/etc/profile"), ShellStartup, 0);
                spot(PathBuf::from("/etc/bash.bashrc"), ShellStartup, 0);
                spot(PathBuf::from("/etc/profile.d"), ShellStartup, 1);
                spot(PathBuf::from("/etc/zsh/zshrc"), ShellStartup, 0);
                spot(PathBuf::from("/etc/xdg/autostart"), XdgAutostart, 1);
                spot(PathBuf::from("/etc/systemd/system"), SystemdUnit, 2);
                spot(PathBuf::from("/etc/crontab"), Crontab, 0);
                spot(PathBuf::from("/etc/cron.d"), Crontab, 1);
                spot(PathBuf::from("/etc/ld.so.preload"), Preload, 0);
            }
        }
    }

    // Credential stores. What the install tool itself reads is expected and left out.
    let mut store = |path: PathBuf, category, dir: Option<Names>, held_open| {
        c.stores.push(Store {
            path,
            category,
            dir,
            held_open,
        });
    };
    if ctx.git {
        c.expected.push((
            SshPrivateKey,
            "the command fetches a git dependency, which may use SSH keys",
        ));
        c.expected.push((
            GitCredentials,
            "the command fetches a git dependency, which may use git credentials",
        ));
    } else {
        store(
            home.join(".ssh"),
            SshPrivateKey,
            Some(Names::SshKeys),
            false,
        );
        store(home.join(".git-credentials"), GitCredentials, None, false);
        store(config.join("git/credentials"), GitCredentials, None, false);
    }
    // pip (through requests) and git (through curl) read ~/.netrc for index and remote logins.
    if ctx.git || ctx.ecosystem == Ecosystem::Pypi || ctx.ecosystem == Ecosystem::Brew {
        c.expected.push((
            Netrc,
            "the install tool (or git) reads ~/.netrc for its own logins",
        ));
    } else {
        store(home.join(".netrc"), Netrc, None, false);
    }
    let aws_files = [
        env_path(env, "AWS_SHARED_CREDENTIALS_FILE")
            .unwrap_or_else(|| home.join(".aws/credentials")),
        env_path(env, "AWS_CONFIG_FILE").unwrap_or_else(|| home.join(".aws/config")),
    ];
    for f in aws_files {
        store(f, CloudCredentials, None, false);
    }
    store(
        home.join(".aws/sso/cache"),
        CloudCredentials,
        Some(Names::Any),
        false,
    );
    let gcloud = env_path(env, "CLOUDSDK_CONFIG").unwrap_or_else(|| config.join("gcloud"));
    store(
        gcloud.clone(),
        CloudCredentials,
        Some(Names::Only(
            [
                "credentials.db",
                "access_tokens.db",
                "application_default_credentials.json",
            ]
            .map(String::from)
            .to_vec(),
        )),
        false,
    );
    store(
        home.join(".azure"),
        CloudCredentials,
        Some(Names::Only(
            [
                "accessTokens.json",
                "msal_token_cache.json",
                "msal_token_cache.bin",
                "service_principal_entries.json",
                "azureProfile.json",
            ]
            .map(String::from)
            .to_vec(),
        )),
        false,
    );
    let docker = env_path(env, "DOCKER_CONFIG").unwrap_or_else(|| home.join(".docker"));
    store(
        docker.join("config.json"),
        ContainerCredentials,
        None,
        false,
    );
    let mut kube: Vec<PathBuf> = env("KUBECONFIG")
        .map(|v| {
            v.split(':')
                .map(PathBuf::from)
                .filter(|p| p.is_absolute())
                .collect()
        })
        .unwrap_or_default();
    if kube.is_empty() {
        kube.push(home.join(".kube/config"));
    }
    for k in kube {
        store(k, ContainerCredentials, None, false);
    }
    store(config.join("gh/hosts.yml"), PackageCredentials, None, false);
    store(home.join(".pypirc"), PackageCredentials, None, false);
    store(
        home.join(".cargo/credentials.toml"),
        PackageCredentials,
        None,
        false,
    );
    store(
        home.join(".gem/credentials"),
        PackageCredentials,
        None,
        false,
    );
    match ctx.ecosystem {
        Ecosystem::Npm => c.expected.push((
            PackageCredentials,
            "npm reads ~/.npmrc (and yarn ~/.yarnrc.yml) for its registry logins",
        )),
        _ => {
            let npmrc = env_path(env, "NPM_CONFIG_USERCONFIG")
                .or_else(|| env_path(env, "npm_config_userconfig"))
                .unwrap_or_else(|| home.join(".npmrc"));
            store(npmrc, PackageCredentials, None, false);
            store(home.join(".yarnrc.yml"), PackageCredentials, None, false);
        }
    }
    if ctx.ecosystem == Ecosystem::Pypi {
        c.expected.push((
            PackageCredentials,
            "pip reads pip.conf (and uv and poetry their own files) for index logins",
        ));
    } else {
        store(config.join("pip/pip.conf"), PackageCredentials, None, false);
        store(home.join(".pip/pip.conf"), PackageCredentials, None, false);
        store(
            config.join("pypoetry/auth.toml"),
            PackageCredentials,
            None,
            false,
        );
    }
    store(config.join("solana/id.json"), DesktopWallet, None, false);
    store(
        config.join("Exodus/exodus.wallet"),
        DesktopWallet,
        Some(Names::Any),
        false,
    );
    store(
        home.join(".electrum/wallets"),
        DesktopWallet,
        Some(Names::Any),
        false,
    );
    let browsers: Vec<(PathBuf, bool)> = match os {
        Os::MacOs => {
            let support = home.join("Library/Application Support");
            store(
                home.join("Library/Keychains/login.keychain-db"),
                Keychain,
                None,
                true,
            );
            vec![
                (support.join("Google/Chrome"), false),
                (support.join("Chromium"), false),
                (support.join("BraveSoftware/Brave-Browser"), false),
                (support.join("Microsoft Edge"), false),
                (support.join("com.operasoftware.Opera"), false),
                (support.join("Vivaldi"), false),
                (support.join("Firefox/Profiles"), true),
            ]
        }
        Os::Linux | Os::OtherUnix => vec![
            (config.join("google-chrome"), false),
            (config.join("chromium"), false),
            (config.join("BraveSoftware/Brave-Browser"), false),
            (config.join("microsoft-edge"), false),
            (config.join("opera"), false),
            (config.join("vivaldi"), false),
            (home.join(".mozilla/firefox"), true),
            (home.join("snap/firefox/common/.mozilla/firefox"), true),
        ],
    };
    c.browsers = browsers
        .into_iter()
        .map(|(path, firefox)| BrowserBase { path, firefox })
        .collect();
    c
}

/// The stores of one browser profile directory (`Default`, `Profile 1`, a Firefox profile).
pub fn profile_stores(profile: &Path, firefox: bool) -> Vec<Store> {
    use Category::*;
    let file = |name: &str, category| Store {
        path: profile.join(name),
        category,
        dir: None,
        held_open: true,
    };
    if firefox {
        return vec![
            file("cookies.sqlite", BrowserCookies),
            file("logins.json", BrowserLogins),
            file("key4.db", BrowserLogins),
        ];
    }
    let mut v = vec![
        file("Cookies", BrowserCookies),
        file("Network/Cookies", BrowserCookies),
        file("Login Data", BrowserLogins),
        file("Web Data", BrowserLogins),
    ];
    for id in WALLET_EXTENSIONS {
        v.push(Store {
            path: profile.join("Local Extension Settings").join(id),
            category: BrowserWallet,
            dir: Some(Names::Any),
            held_open: true,
        });
    }
    v
}

/// True when a profile directory name is one a browser uses for profiles (Chromium:
/// `Default`, `Profile N`, `Guest Profile`; Firefox: any directory of its profiles folder).
pub fn is_profile_dir(name: &str, firefox: bool) -> bool {
    firefox || name == "Default" || name.starts_with("Profile ") || name == "Guest Profile"
}

/// The stores at a Chromium-family base directory itself (`Local State` holds the key that
/// decrypts saved logins and cookies).
pub fn base_stores(base: &Path, firefox: bool) -> Vec<Store> {
    if firefox {
        return Vec::new();
    }
    vec![Store {
        path: base.join("Local State"),
        category: Category::BrowserLogins,
        dir: None,
        held_open: true,
    }]
}

/// Whether `name` in an SSH directory is a private key, given every name in it (`X` is a key
/// when `X.pub` is there). Never reads a key.
pub fn is_ssh_key(name: &str, all: &[String]) -> bool {
    const NOT_KEYS: &[&str] = &[
        "config",
        "known_hosts",
        "known_hosts.old",
        "authorized_keys",
        "authorized_keys2",
        "environment",
        "rc",
        "agent.sock",
    ];
    if NOT_KEYS.contains(&name) || name.ends_with(".pub") || name.starts_with('.') {
        return false;
    }
    (name.starts_with("id_") && !name.ends_with("-cert"))
        || name.ends_with(".pem")
        || name.ends_with(".key")
        || all.iter().any(|n| n.strip_suffix(".pub") == Some(name))
}

/// The directories a global git configuration names for hooks and templates: the values of
/// `core.hooksPath` and `init.templateDir` (`~/` expanded against `home`). A small reader of
/// git's config syntax: sections, `key = value`, comments; includes are not followed.
pub fn git_hook_dirs(text: &str, home: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut section = String::new();
    for raw in text.lines() {
        let line = raw.trim();
        if line.starts_with('#') || line.starts_with(';') || line.is_empty() {
            continue;
        }
        if let Some(rest) = line.strip_prefix('[') {
            let name = rest.split([']', ' ', '"']).next().unwrap_or("");
            section = name.to_ascii_lowercase();
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        let key = format!("{section}.{}", key.trim().to_ascii_lowercase());
        if key != "core.hookspath" && key != "init.templatedir" {
            continue;
        }
        let value = value
            .split([';', '#'])
            .next()
            .unwrap_or("")
            .trim()
            .trim_matches('"');
        let path = match value.strip_prefix("~/") {
            Some(rest) => home.join(rest),
            None => PathBuf::from(value),
        };
        if path.is_absolute() && !out.contains(&path) {
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn ctx(ecosystem: Ecosystem, git: bool) -> Context {
        Context {
            ecosystem,
            git,
            root: false,
        }
    }

    fn stores(c: &Catalog) -> Vec<String> {
        c.stores
            .iter()
            .map(|s| s.path.display().to_string())
            .collect()
    }

    #[test]
    fn linux_home_has_the_persistence_places_of_the_issue() {
        let home = Path::new("/home/u");
        let c = catalog(
            home,
            &no_env,
            Os::Linux,
            ctx(Ecosystem::Npm, false),
            &[],
            None,
            None,
        );
        let has = |p: &str, cat: Category| {
            c.spots
                .iter()
                .any(|s| s.path == Path::new(p) && s.category == cat)
        };
        assert!(has("/home/u/.bashrc", Category::ShellStartup));
        assert!(has("/home/u/.profile", Category::ShellStartup));
        assert!(has("/home/u/.zshrc", Category::ShellStartup));
        assert!(has(
            "/home/u/.config/fish/config.fish",
            Category::ShellStartup
        ));
        assert!(has("/home/u/.config/autostart", Category::XdgAutostart));
        assert!(has("/home/u/.config/systemd/user", Category::SystemdUnit));
        assert!(has(
            "/home/u/.ssh/authorized_keys",
            Category::SshAuthorizedKeys
        ));
        assert!(has("/home/u/.ssh/config", Category::SshConfig));
        assert!(has("/home/u/.gitconfig", Category::GitConfig));
        assert!(c.crontab);
        assert!(!c.spots.iter().any(|s| s.path.starts_with("/etc")));
        assert!(
            !c.spots
                .iter()
                .any(|s| s.path.starts_with("/home/u/Library"))
        );
        // Reads: ssh keys, aws; not npm's own .npmrc.
        let s = stores(&c);
        assert!(s.contains(&"/home/u/.ssh".to_string()));
        assert!(s.contains(&"/home/u/.aws/credentials".to_string()));
        assert!(s.contains(&"/home/u/.netrc".to_string()));
        assert!(!s.iter().any(|p| p.ends_with(".npmrc")));
        assert!(s.iter().any(|p| p.ends_with("pip/pip.conf")));
    }

    #[test]
    fn what_the_tool_reads_itself_is_left_out() {
        let home = Path::new("/home/u");
        let pip = catalog(
            home,
            &no_env,
            Os::Linux,
            ctx(Ecosystem::Pypi, false),
            &[],
            None,
            None,
        );
        let s = stores(&pip);
        assert!(s.iter().any(|p| p.ends_with(".npmrc")), "{s:?}");
        assert!(
            !s.iter()
                .any(|p| p.ends_with("pip.conf") || p.ends_with(".netrc"))
        );
        let git = catalog(
            home,
            &no_env,
            Os::Linux,
            ctx(Ecosystem::Npm, true),
            &[],
            None,
            None,
        );
        let s = stores(&git);
        assert!(
            !s.iter()
                .any(|p| p.ends_with(".ssh") || p.ends_with(".git-credentials"))
        );
        assert!(
            git.expected
                .iter()
                .any(|(c, _)| *c == Category::SshPrivateKey)
        );
    }

    #[test]
    fn macos_and_root_places() {
        let home = Path::new("/Users/u");
        let mut cx = ctx(Ecosystem::Npm, false);
        cx.root = true;
        let c = catalog(home, &no_env, Os::MacOs, cx, &[], None, None);
        assert!(
            c.spots
                .iter()
                .any(|s| s.path == Path::new("/Users/u/Library/LaunchAgents")
                    && s.category == Category::LaunchAgent)
        );
        assert!(c.spots.iter().any(|s| s.category == Category::LaunchDaemon));
        assert!(c.spots.iter().any(|s| s.category == Category::LoginItem));
        assert!(!c.spots.iter().any(|s| s.category == Category::XdgAutostart));
        let linux_root = catalog(Path::new("/root"), &no_env, Os::Linux, cx, &[], None, None);
        assert!(
            linux_root
                .spots
                .iter()
                .any(|s| s.path == Path::new("/etc/ld.so.preload"))
        );
    }

    #[test]
    fn environment_moves_the_places() {
        let env = |k: &str| match k {
            "XDG_CONFIG_HOME" => Some("/cfg".to_string()),
            "ZDOTDIR" => Some("/zd".to_string()),
            "KUBECONFIG" => Some("/k/a:relative:/k/b".to_string()),
            "AWS_SHARED_CREDENTIALS_FILE" => Some("/secrets/aws".to_string()),
            _ => None,
        };
        let c = catalog(
            Path::new("/h"),
            &env,
            Os::Linux,
            ctx(Ecosystem::Npm, false),
            &[],
            None,
            None,
        );
        assert!(
            c.spots
                .iter()
                .any(|s| s.path == Path::new("/cfg/autostart"))
        );
        assert!(c.spots.iter().any(|s| s.path == Path::new("/zd/.zshrc")));
        let s = stores(&c);
        for want in ["/k/a", "/k/b", "/secrets/aws", "/cfg/gcloud"] {
            assert!(s.contains(&want.to_string()), "{want}: {s:?}");
        }
    }

    #[test]
    fn ssh_keys_are_told_from_names() {
        let all: Vec<String> = [
            "id_ed25519",
            "id_ed25519.pub",
            "work",
            "work.pub",
            "config",
            "known_hosts",
            "deploy.pem",
            "notes.txt",
        ]
        .map(String::from)
        .to_vec();
        let keys: Vec<&String> = all.iter().filter(|n| is_ssh_key(n, &all)).collect();
        assert_eq!(keys, ["id_ed25519", "work", "deploy.pem"]);
    }

    #[test]
    fn git_hook_dirs_are_read_from_config() {
        let text = "[core]\n\thooksPath = ~/.githooks ; mine\n[init]\n  templatedir = \"/t\"\n[alias]\n  hookspath = /no\n";
        assert_eq!(
            git_hook_dirs(text, Path::new("/h")),
            vec![PathBuf::from("/h/.githooks"), PathBuf::from("/t")]
        );
    }

    #[test]
    fn every_category_has_a_technique() {
        for c in [
            Category::ShellStartup,
            Category::SshPrivateKey,
            Category::BrowserWallet,
        ] {
            assert!(c.technique().0.starts_with('T'));
            assert!(!c.label().is_empty());
        }
        assert!(Category::SshPrivateKey.is_credential());
        assert!(!Category::GuardConfig.is_credential());
    }
}
