//! Where installguard keeps its files: XDG base directories, honouring `HOME` and every
//! `XDG_*` variable on every OS (so tests and managed setups can sandbox), with the platform's
//! conventional places as the fallback. Computes paths only; creates nothing.

use std::path::PathBuf;

const APP: &str = "installguard";

fn env_dir(var: &str) -> Option<PathBuf> {
    let value = std::env::var_os(var)?;
    let path = PathBuf::from(value);
    // The XDG spec says relative paths are invalid and must be ignored.
    path.is_absolute().then_some(path)
}

fn home() -> Option<PathBuf> {
    env_dir("HOME").or_else(|| directories::BaseDirs::new().map(|b| b.home_dir().to_path_buf()))
}

/// `$XDG_STATE_HOME/installguard` (audit log). Fallback: `~/.local/state` on Linux,
/// `~/Library/Application Support` on macOS.
pub fn state_dir() -> Option<PathBuf> {
    env_dir("XDG_STATE_HOME")
        .or_else(|| platform_default(".local/state"))
        .map(|d| d.join(APP))
}

/// `$XDG_DATA_HOME/installguard` (updated reputation data, argv[0] shims).
pub fn data_dir() -> Option<PathBuf> {
    env_dir("XDG_DATA_HOME")
        .or_else(|| platform_default(".local/share"))
        .map(|d| d.join(APP))
}

/// `$XDG_CACHE_HOME/installguard` (registry answers; safe to delete). Fallback: `~/.cache` on
/// Linux, `~/Library/Caches` on macOS.
pub fn cache_dir() -> Option<PathBuf> {
    env_dir("XDG_CACHE_HOME")
        .or_else(platform_default_cache)
        .map(|d| d.join(APP))
}

/// `$XDG_CONFIG_HOME/installguard` (user policy).
pub fn config_dir() -> Option<PathBuf> {
    env_dir("XDG_CONFIG_HOME")
        .or_else(platform_default_config)
        .map(|d| d.join(APP))
}

#[cfg(target_os = "macos")]
fn platform_default(_linux_rel: &str) -> Option<PathBuf> {
    home().map(|h| h.join("Library/Application Support"))
}

#[cfg(not(target_os = "macos"))]
fn platform_default(linux_rel: &str) -> Option<PathBuf> {
    home().map(|h| h.join(linux_rel))
}

#[cfg(target_os = "macos")]
fn platform_default_cache() -> Option<PathBuf> {
    home().map(|h| h.join("Library/Caches"))
}

#[cfg(not(target_os = "macos"))]
fn platform_default_cache() -> Option<PathBuf> {
    home().map(|h| h.join(".cache"))
}

#[cfg(target_os = "macos")]
fn platform_default_config() -> Option<PathBuf> {
    home().map(|h| h.join("Library/Application Support"))
}

#[cfg(not(target_os = "macos"))]
fn platform_default_config() -> Option<PathBuf> {
    home().map(|h| h.join(".config"))
}
