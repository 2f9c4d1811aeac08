//! Watching credential stores for opening while the install runs. Linux: one inotify instance
//! (close-on-exec, so the tool and its children never inherit it) with watches only on the
//! stores that exist — `IN_OPEN | IN_ACCESS` on key and token files, `IN_OPEN` alone on the
//! browser stores browsers keep open — read by a thread until the install ends, then drained.
//! inotify reports the file, not the process: any process of the user that opens a watched
//! store meanwhile is reported (the finding says so); the tool's own expected reads are left out
//! of the catalog instead. Elsewhere (macOS): nothing is watched, and [`Reads::unsupported`]
//! says why. Never reads a credential file itself (key pairs are told from names).

use std::path::PathBuf;

use super::catalog::{self, BrowserBase, Category, Names, Store};

/// A credential store that was opened during the install.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Opened {
    pub path: PathBuf,
    pub category: Category,
}

/// A running read watch.
pub struct Reads {
    inner: Option<imp::Watcher>,
    /// Why reads are not watched at all on this system.
    pub unsupported: Option<&'static str>,
    /// Stores that could not be watched (incomplete detection).
    pub problems: Vec<String>,
    /// How many watches are in place.
    pub watched: usize,
}

/// One thing to put a watch on, after expanding directories of profiles and key pairs.
#[derive(Debug, Clone)]
struct Target {
    path: PathBuf,
    category: Category,
    /// For a directory: the file names in it that count (None: every file).
    names: Option<Vec<String>>,
    is_dir: bool,
    held_open: bool,
}

/// The stores that exist, expanded: browser profiles listed, SSH key pairs told from names.
fn expand(stores: &[Store], browsers: &[BrowserBase], problems: &mut Vec<String>) -> Vec<Target> {
    let mut all: Vec<Store> = stores.to_vec();
    for b in browsers {
        let Ok(entries) = std::fs::read_dir(&b.path) else {
            continue;
        };
        all.extend(catalog::base_stores(&b.path, b.firefox));
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if e.file_type().is_ok_and(|t| t.is_dir()) && catalog::is_profile_dir(&name, b.firefox)
            {
                all.extend(catalog::profile_stores(&e.path(), b.firefox));
            }
        }
    }
    let mut out = Vec::new();
    for s in all {
        let Ok(meta) = std::fs::metadata(&s.path) else {
            continue;
        };
        match &s.dir {
            None if meta.is_file() => out.push(Target {
                path: s.path,
                category: s.category,
                names: None,
                is_dir: false,
                held_open: s.held_open,
            }),
            None => {}
            Some(_) if !meta.is_dir() => {}
            Some(names) => {
                let names = match names {
                    Names::Any => None,
                    Names::Only(v) => Some(v.clone()),
                    Names::SshKeys => {
                        let listed: Vec<String> = match std::fs::read_dir(&s.path) {
                            Ok(d) => d
                                .flatten()
                                .filter(|e| {
                                    e.file_type().is_ok_and(|t| t.is_file() || t.is_symlink())
                                })
                                .map(|e| e.file_name().to_string_lossy().into_owned())
                                .collect(),
                            Err(e) => {
                                problems.push(format!("cannot list {}: {e}", s.path.display()));
                                continue;
                            }
                        };
                        let keys: Vec<String> = listed
                            .iter()
                            .filter(|n| catalog::is_ssh_key(n, &listed))
                            .cloned()
                            .collect();
                        if keys.is_empty() {
                            continue;
                        }
                        Some(keys)
                    }
                };
                out.push(Target {
                    path: s.path,
                    category: s.category,
                    names,
                    is_dir: true,
                    held_open: s.held_open,
                });
            }
        }
    }
    out
}

/// Start watching the stores that exist.
pub fn start(stores: &[Store], browsers: &[BrowserBase]) -> Reads {
    let mut problems = Vec::new();
    if imp::UNSUPPORTED.is_some() {
        return Reads {
            inner: None,
            unsupported: imp::UNSUPPORTED,
            problems,
            watched: 0,
        };
    }
    let targets = expand(stores, browsers, &mut problems);
    if targets.is_empty() {
        return Reads {
            inner: None,
            unsupported: None,
            problems,
            watched: 0,
        };
    }
    match imp::Watcher::start(targets, &mut problems) {
        Ok(w) => {
            let watched = w.watched();
            Reads {
                inner: Some(w),
                unsupported: None,
                problems,
                watched,
            }
        }
        Err(e) => {
            problems.push(format!("credential reads could not be watched: {e}"));
            Reads {
                inner: None,
                unsupported: None,
                problems,
                watched: 0,
            }
        }
    }
}

impl Reads {
    /// Stop watching; what was opened (sorted, each store once), and the problems.
    pub fn finish(mut self) -> (Vec<Opened>, Vec<String>) {
        let mut opened = match self.inner.take() {
            Some(w) => w.finish(&mut self.problems),
            None => Vec::new(),
        };
        opened.sort();
        opened.dedup();
        (opened, self.problems)
    }
}

#[cfg(target_os = "linux")]
mod imp {
    use std::collections::{BTreeSet, HashMap};
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    use std::sync::{Arc, Mutex};

    use super::{Opened, Target};

    pub const UNSUPPORTED: Option<&str> = None;
    /// At most this many distinct opened files are kept.
    const MAX_OPENED: usize = 1_000;

    struct Shared {
        opened: BTreeSet<Opened>,
        overflow: bool,
    }

    pub struct Watcher {
        fd: libc::c_int,
        stop_write: libc::c_int,
        thread: Option<std::thread::JoinHandle<()>>,
        shared: Arc<Mutex<Shared>>,
        watched: usize,
    }

    /// Close a descriptor we own.
    fn close(fd: libc::c_int) {
        // SAFETY: fd is a descriptor this module opened and closes once.
        unsafe {
            libc::close(fd);
        }
    }

    impl Watcher {
        pub fn start(targets: Vec<Target>, problems: &mut Vec<String>) -> std::io::Result<Watcher> {
            // SAFETY: plain syscalls on descriptors we own.
            let fd = unsafe { libc::inotify_init1(libc::IN_NONBLOCK | libc::IN_CLOEXEC) };
            if fd < 0 {
                return Err(std::io::Error::last_os_error());
            }
            let mut pipe = [0 as libc::c_int; 2];
            // SAFETY: pipe2 fills the two-element array.
            if unsafe { libc::pipe2(pipe.as_mut_ptr(), libc::O_CLOEXEC | libc::O_NONBLOCK) } != 0 {
                let e = std::io::Error::last_os_error();
                close(fd);
                return Err(e);
            }
            let mut by_wd: HashMap<i32, Target> = HashMap::new();
            for t in targets {
                let Ok(c) = CString::new(t.path.as_os_str().as_bytes()) else {
                    continue;
                };
                let mut mask = libc::IN_OPEN;
                if !t.held_open {
                    mask |= libc::IN_ACCESS;
                }
                if t.is_dir {
                    mask |= libc::IN_ONLYDIR;
                }
                // SAFETY: fd is our inotify descriptor, c a NUL-terminated path.
                let wd = unsafe { libc::inotify_add_watch(fd, c.as_ptr(), mask) };
                if wd < 0 {
                    problems.push(format!(
                        "cannot watch {}: {}",
                        t.path.display(),
                        std::io::Error::last_os_error()
                    ));
                    continue;
                }
                by_wd.insert(wd, t);
            }
            let watched = by_wd.len();
            let shared = Arc::new(Mutex::new(Shared {
                opened: BTreeSet::new(),
                overflow: false,
            }));
            let sh = Arc::clone(&shared);
            let stop_read = pipe[0];
            let thread = std::thread::Builder::new()
                .name("installguard-watch".into())
                .spawn(move || run(fd, stop_read, &by_wd, &sh));
            let thread = match thread {
                Ok(t) => t,
                Err(e) => {
                    close(fd);
                    close(pipe[0]);
                    close(pipe[1]);
                    return Err(e);
                }
            };
            Ok(Watcher {
                fd,
                stop_write: pipe[1],
                thread: Some(thread),
                shared,
                watched,
            })
        }

        pub fn watched(&self) -> usize {
            self.watched
        }

        pub fn finish(mut self, problems: &mut Vec<String>) -> Vec<Opened> {
            // SAFETY: writing one byte to our own pipe.
            unsafe {
                libc::write(self.stop_write, [1u8].as_ptr().cast(), 1);
            }
            if let Some(t) = self.thread.take() {
                let _ = t.join();
            }
            let shared = self
                .shared
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if shared.overflow {
                problems.push(
                    "the kernel dropped some file-access events (its inotify queue overflowed): \
                     credential reads may be missing"
                        .into(),
                );
            }
            shared.opened.iter().cloned().collect()
        }
    }

    impl Drop for Watcher {
        fn drop(&mut self) {
            if let Some(t) = self.thread.take() {
                // SAFETY: as in finish.
                unsafe {
                    libc::write(self.stop_write, [1u8].as_ptr().cast(), 1);
                }
                let _ = t.join();
            }
            close(self.fd);
            close(self.stop_write);
        }
    }

    /// Read events until the stop pipe says so, then drain what is queued.
    fn run(
        fd: libc::c_int,
        stop: libc::c_int,
        by_wd: &HashMap<i32, Target>,
        shared: &Mutex<Shared>,
    ) {
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let mut fds = [
                libc::pollfd {
                    fd,
                    events: libc::POLLIN,
                    revents: 0,
                },
                libc::pollfd {
                    fd: stop,
                    events: libc::POLLIN,
                    revents: 0,
                },
            ];
            // SAFETY: two valid pollfd structures.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
            if n < 0 {
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    continue;
                }
                break;
            }
            let stopping = fds[1].revents != 0;
            drain(fd, &mut buf, by_wd, shared);
            if stopping {
                break;
            }
        }
        close(stop);
    }

    /// Read every queued event (the descriptor is non-blocking).
    fn drain(
        fd: libc::c_int,
        buf: &mut [u8],
        by_wd: &HashMap<i32, Target>,
        shared: &Mutex<Shared>,
    ) {
        const HEADER: usize = std::mem::size_of::<libc::inotify_event>();
        loop {
            // SAFETY: reading into our buffer of its own length.
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                return;
            }
            let n = n as usize;
            let mut at = 0;
            while at + HEADER <= n {
                // SAFETY: the kernel wrote a whole event at `at`; read it unaligned.
                let ev: libc::inotify_event =
                    unsafe { std::ptr::read_unaligned(buf[at..].as_ptr().cast()) };
                let name_len = ev.len as usize;
                let name_bytes = buf.get(at + HEADER..at + HEADER + name_len).unwrap_or(&[]);
                at += HEADER + name_len;
                let mut sh = shared
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                if ev.mask & libc::IN_Q_OVERFLOW != 0 {
                    sh.overflow = true;
                    continue;
                }
                if ev.mask & (libc::IN_OPEN | libc::IN_ACCESS) == 0 || ev.mask & libc::IN_ISDIR != 0
                {
                    continue;
                }
                let Some(t) = by_wd.get(&ev.wd) else {
                    continue;
                };
                let path = if t.is_dir {
                    let end = name_bytes
                        .iter()
                        .position(|&b| b == 0)
                        .unwrap_or(name_bytes.len());
                    if end == 0 {
                        continue;
                    }
                    let name = String::from_utf8_lossy(&name_bytes[..end]).into_owned();
                    if t.names.as_ref().is_some_and(|ns| !ns.contains(&name)) {
                        continue;
                    }
                    t.path.join(name)
                } else {
                    t.path.clone()
                };
                if sh.opened.len() < MAX_OPENED {
                    sh.opened.insert(Opened {
                        path,
                        category: t.category,
                    });
                }
            }
        }
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    use super::{Opened, Target};

    /// macOS has no unprivileged way to learn that another process opened a file: the
    /// Endpoint Security framework needs an entitlement Apple grants per product, `fs_usage`
    /// and DTrace need root, and FSEvents reports changes, not reads.
    pub const UNSUPPORTED: Option<&str> = Some(
        "credential reads are not watched on this system (macOS offers no unprivileged \
         file-access notification: Endpoint Security needs an Apple entitlement, fs_usage needs \
         root); startup and persistence changes are still compared",
    );

    pub struct Watcher;

    impl Watcher {
        pub fn start(_: Vec<Target>, _: &mut Vec<String>) -> std::io::Result<Watcher> {
            Err(std::io::Error::other(UNSUPPORTED.unwrap_or_default()))
        }
        pub fn watched(&self) -> usize {
            0
        }
        pub fn finish(self, _: &mut Vec<String>) -> Vec<Opened> {
            Vec::new()
        }
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[test]
    fn opening_a_watched_key_is_seen_and_a_listing_or_stat_is_not() {
        let t = tempfile::tempdir().unwrap();
        let ssh = t.path().join(".ssh");
        std::fs::create_dir_all(&ssh).unwrap();
        for f in ["id_rsa", "id_rsa.pub", "config", "known_hosts"] {
            std::fs::write(ssh.join(f), "x").unwrap();
        }
        let aws = t.path().join("aws-credentials");
        std::fs::write(&aws, "[default]\n").unwrap();
        let stores = vec![
            Store {
                path: ssh.clone(),
                category: Category::SshPrivateKey,
                dir: Some(Names::SshKeys),
                held_open: false,
            },
            Store {
                path: aws.clone(),
                category: Category::CloudCredentials,
                dir: None,
                held_open: false,
            },
            Store {
                path: t.path().join("missing"),
                category: Category::Netrc,
                dir: None,
                held_open: false,
            },
        ];
        let r = start(&stores, &[]);
        assert_eq!(r.watched, 2, "{:?}", r.problems);
        // Not reads of a credential: listing the directory, stat, the public key, config.
        let _ = std::fs::read_dir(&ssh).unwrap().count();
        let _ = std::fs::metadata(ssh.join("id_rsa")).unwrap();
        let _ = std::fs::read(ssh.join("id_rsa.pub")).unwrap();
        let _ = std::fs::read(ssh.join("config")).unwrap();
        // Reads.
        let _ = std::fs::read(ssh.join("id_rsa")).unwrap();
        let _ = std::fs::read(&aws).unwrap();
        let (opened, problems) = r.finish();
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(
            opened,
            vec![
                Opened {
                    path: ssh.join("id_rsa"),
                    category: Category::SshPrivateKey
                },
                Opened {
                    path: aws,
                    category: Category::CloudCredentials
                },
            ]
            .into_iter()
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_child_process_read_is_seen_and_the_descriptor_is_not_inherited() {
        let t = tempfile::tempdir().unwrap();
        let f = t.path().join("credentials");
        std::fs::write(&f, "secret").unwrap();
        let r = start(
            &[Store {
                path: f.clone(),
                category: Category::CloudCredentials,
                dir: None,
                held_open: false,
            }],
            &[],
        );
        // The child lists its own descriptors: no inotify among them.
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(format!(
                "cat '{}' >/dev/null; ls -l /proc/self/fd",
                f.display()
            ))
            .output()
            .unwrap();
        assert!(!String::from_utf8_lossy(&out.stdout).contains("inotify"));
        let (opened, _) = r.finish();
        assert_eq!(opened.len(), 1);
    }

    #[test]
    fn browser_profiles_are_expanded() {
        let t = tempfile::tempdir().unwrap();
        let base = t.path().join("google-chrome");
        let profile = base.join("Default");
        let wallet = profile.join("Local Extension Settings/nkbihfbeogaeaoehlefnkodbefgpgknn");
        std::fs::create_dir_all(&wallet).unwrap();
        std::fs::write(profile.join("Login Data"), "x").unwrap();
        std::fs::write(wallet.join("000003.log"), "x").unwrap();
        std::fs::create_dir_all(base.join("Crashpad")).unwrap();
        let r = start(
            &[],
            &[BrowserBase {
                path: base.clone(),
                firefox: false,
            }],
        );
        assert_eq!(r.watched, 2);
        let _ = std::fs::read(wallet.join("000003.log")).unwrap();
        let (opened, _) = r.finish();
        assert_eq!(opened.len(), 1);
        assert_eq!(opened[0].category, Category::BrowserWallet);
    }
}
