//! The real [`World`](crate::cmdline::World): the file system and process environment.
//! The only place the command-line parsers' file and environment reads actually happen.
//!
//! Every input file is opened without blocking (`O_NONBLOCK`), checked to be a regular file and
//! read up to [`MAX_INPUT_BYTES`] ([`crate::files::read_regular`]); a FIFO, a device, a
//! directory or a larger file is an error
//! naming what it is, so nothing the guard reads can hang it or fill its memory. The one
//! exception is a pipe the user gave on the command line as a file (`-r /dev/stdin`,
//! `-r <(cat reqs.txt)` → `/dev/fd/63`): the guard reads it once (capped), checks what it
//! says, and the real tool gets the same bytes on a fresh pipe at the same descriptor
//! ([`Handover`]). The light shim opens no file at all: it decides from argv alone
//! ([`crate::cmdline::passage`]).
//! `/dev/null` reads as empty. Does not interpret what it reads.

use std::cell::RefCell;
use std::ffi::OsString;
use std::fs::File;
use std::io::{self, Read};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

use crate::cmdline::World;

/// The largest file the parsers read: requirements files, package.json, lockfiles, .npmrc,
/// pip.conf, Brewfiles. Real lockfiles of large monorepos stay well below it.
pub const MAX_INPUT_BYTES: u64 = 64 * 1024 * 1024;

/// What a pipe the user named as a file held, to be handed to the real tool unchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handover {
    /// The descriptor the tool will read it from (0 for `/dev/stdin`, 63 for `/dev/fd/63`).
    pub fd: RawFd,
    /// Everything that was in the pipe.
    pub bytes: Vec<u8>,
}

pub struct OsWorld {
    cwd: PathBuf,
    /// `Some`: pipes named as files are read once and kept here for the real tool (the guard);
    /// `None`: they are not read (a reader that must not consume anything).
    pipes: Option<RefCell<Vec<Handover>>>,
}

impl OsWorld {
    /// A world that never reads a pipe (reading would take the bytes from the real tool): for
    /// reading a project where no pipe of the user's belongs.
    pub fn new() -> io::Result<OsWorld> {
        Ok(OsWorld {
            cwd: std::env::current_dir()?,
            pipes: None,
        })
    }

    /// A world that reads a pipe named as a file once and keeps its bytes ([`Self::handovers`]).
    pub fn reading_pipes() -> io::Result<OsWorld> {
        Ok(OsWorld {
            pipes: Some(RefCell::new(Vec::new())),
            ..OsWorld::new()?
        })
    }

    /// The pipes read so far, for the real tool ([`crate::shim::spawn_and_wait`]).
    pub fn handovers(&self) -> Vec<Handover> {
        self.pipes
            .as_ref()
            .map(|p| p.borrow().clone())
            .unwrap_or_default()
    }

    fn abs(&self, p: &Path) -> PathBuf {
        self.cwd.join(p)
    }

    /// A pipe named as a file: read it once (later reads get the same bytes), or refuse.
    fn read_pipe(&self, fd: RawFd) -> io::Result<Vec<u8>> {
        let Some(pipes) = &self.pipes else {
            return Err(refused(
                "it is a pipe; the guard reads it (once) before the real tool runs",
            ));
        };
        if let Some(h) = pipes.borrow().iter().find(|h| h.fd == fd) {
            return Ok(h.bytes.clone());
        }
        // A duplicate shares the pipe, never our descriptor number; reading blocks until the
        // writer is done, as the real tool would.
        // SAFETY: dup of a descriptor we were given; the File owns the copy.
        let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
        if copy < 0 {
            return Err(io::Error::last_os_error());
        }
        let file = unsafe { File::from_raw_fd(copy) };
        set_blocking(&file)?;
        let bytes = read_capped(file, None)?;
        pipes.borrow_mut().push(Handover {
            fd,
            bytes: bytes.clone(),
        });
        Ok(bytes)
    }
}

fn refused(why: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, why.to_string())
}

fn set_blocking(file: &File) -> io::Result<()> {
    let fd = file.as_raw_fd();
    // SAFETY: fcntl on a descriptor the File owns.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags & !libc::O_NONBLOCK) } < 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}

/// Read at most [`MAX_INPUT_BYTES`], from `offset` when given (without moving the file's
/// position, which a shared descriptor's other readers rely on) or from the current position.
fn read_capped(file: File, offset: Option<u64>) -> io::Result<Vec<u8>> {
    let too_big = || refused(&format!("it is more than the {MAX_INPUT_BYTES}-byte limit"));
    let mut buf = Vec::new();
    match offset {
        None => {
            file.take(MAX_INPUT_BYTES + 1).read_to_end(&mut buf)?;
        }
        Some(mut at) => {
            let mut chunk = vec![0u8; 64 * 1024];
            loop {
                let n = file.read_at(&mut chunk, at)?;
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                at += n as u64;
                if buf.len() as u64 > MAX_INPUT_BYTES {
                    break;
                }
            }
        }
    }
    if buf.len() as u64 > MAX_INPUT_BYTES {
        return Err(too_big());
    }
    Ok(buf)
}

/// The descriptor a path names when it is one of the process's own: `/dev/stdin`,
/// `/dev/fd/N`, `/proc/self/fd/N` (what process substitution and `-r /dev/stdin` give).
fn own_descriptor(path: &Path) -> Option<RawFd> {
    let s = path.to_str()?;
    if s == "/dev/stdin" {
        return Some(0);
    }
    let n = s
        .strip_prefix("/dev/fd/")
        .or_else(|| s.strip_prefix("/proc/self/fd/"))?;
    n.parse::<RawFd>().ok().filter(|&fd| fd >= 0)
}

impl World for OsWorld {
    fn read_file(&self, path: &Path) -> io::Result<Vec<u8>> {
        let path = self.abs(path);
        if let Some(fd) = own_descriptor(&path) {
            // SAFETY: fstat into a zeroed struct; a closed descriptor is an error.
            let mut st: libc::stat = unsafe { std::mem::zeroed() };
            if unsafe { libc::fstat(fd, &raw mut st) } != 0 {
                return Err(io::Error::last_os_error());
            }
            match st.st_mode & libc::S_IFMT {
                libc::S_IFIFO | libc::S_IFSOCK => return self.read_pipe(fd),
                libc::S_IFREG if st.st_size as u64 <= MAX_INPUT_BYTES => {
                    // Read what the tool will read, leaving the shared position alone: Linux
                    // opens /dev/fd/N afresh (from the start), macOS duplicates the
                    // descriptor (from its current position).
                    // SAFETY: dup of a descriptor we were given; the File owns the copy.
                    let copy = unsafe { libc::fcntl(fd, libc::F_DUPFD_CLOEXEC, 0) };
                    if copy < 0 {
                        return Err(io::Error::last_os_error());
                    }
                    let file = unsafe { File::from_raw_fd(copy) };
                    #[cfg(target_os = "linux")]
                    let at = 0;
                    #[cfg(not(target_os = "linux"))]
                    let at = unsafe { libc::lseek(copy, 0, libc::SEEK_CUR) }.max(0) as u64;
                    return read_capped(file, Some(at));
                }
                _ => {}
            }
        }
        match crate::files::read_regular(&path, MAX_INPUT_BYTES) {
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                // Not a regular file (or too big): /dev/null reads as empty, a FIFO gets a
                // hint. stat does not block, whatever the file is.
                match std::fs::metadata(&path) {
                    Ok(m)
                        if m.file_type().is_char_device()
                            && std::fs::metadata("/dev/null")
                                .is_ok_and(|n| n.rdev() == m.rdev()) =>
                    {
                        Ok(Vec::new())
                    }
                    Ok(m) if m.file_type().is_fifo() => Err(refused(&format!(
                        "it is {}: installguard cannot read it and still hand its contents \
                         on. Write it to a regular file, or pass a pipe as /dev/stdin or <(...)",
                        crate::files::kind_of(&m)
                    ))),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }
    fn is_dir(&self, path: &Path) -> bool {
        self.abs(path).is_dir()
    }
    fn is_file(&self, path: &Path) -> bool {
        self.abs(path).is_file()
    }
    fn env(&self, key: &str) -> Option<OsString> {
        std::env::var_os(key)
    }
    fn cwd(&self) -> &Path {
        &self.cwd
    }
    fn home(&self) -> Option<PathBuf> {
        std::env::var_os("HOME").map(PathBuf::from)
    }
    fn list_dir(&self, path: &Path) -> std::io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(self.abs(path))? {
            if names.len() == crate::cmdline::MAX_DIR_ENTRIES {
                return Err(std::io::Error::other(format!(
                    "more than {} entries",
                    crate::cmdline::MAX_DIR_ENTRIES
                )));
            }
            names.push(entry?.file_name().to_string_lossy().into_owned());
        }
        names.sort();
        Ok(names)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::files::mkfifo;
    use std::io::Write;

    #[test]
    fn fifos_devices_directories_and_huge_files_are_refused_at_once() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("requirements.txt");
        mkfifo(&fifo);
        let sparse = t.path().join("package-lock.json");
        let f = File::create(&sparse).unwrap();
        f.set_len(2 * 1024 * 1024 * 1024).unwrap();
        let w = OsWorld::reading_pipes().unwrap();
        for (path, want) in [
            (
                fifo.as_path(),
                "a FIFO (named pipe): installguard cannot read it",
            ),
            (
                Path::new("/dev/zero"),
                "a character device, not a regular file",
            ),
            (t.path(), "a directory, not a regular file"),
            (
                sparse.as_path(),
                "2147483648 bytes, more than the 67108864-byte limit",
            ),
        ] {
            let e = w.read_file(path).unwrap_err();
            assert!(e.to_string().contains(want), "{}: {e}", path.display());
        }
        assert_eq!(w.read_file(Path::new("/dev/null")).unwrap(), b"");
        assert!(w.handovers().is_empty());
    }

    #[test]
    fn a_pipe_named_by_descriptor_is_read_once_and_kept_for_the_tool() {
        let mut fds = [0; 2];
        // SAFETY: pipe into a two-element array.
        assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
        let mut writer = unsafe { File::from_raw_fd(fds[1]) };
        writer.write_all(b"requests\n").unwrap();
        drop(writer);
        let path = PathBuf::from(format!("/dev/fd/{}", fds[0]));
        // A world that does not read pipes does not touch it.
        let light = OsWorld::new().unwrap();
        assert!(light.read_file(&path).is_err());
        let w = OsWorld::reading_pipes().unwrap();
        assert_eq!(w.read_file(&path).unwrap(), b"requests\n");
        // A second read (a file included twice) gets the same bytes, not an empty pipe.
        assert_eq!(w.read_file(&path).unwrap(), b"requests\n");
        assert_eq!(
            w.handovers(),
            [Handover {
                fd: fds[0],
                bytes: b"requests\n".to_vec()
            }]
        );
        unsafe { libc::close(fds[0]) };
        assert_eq!(own_descriptor(Path::new("/dev/stdin")), Some(0));
        assert_eq!(own_descriptor(Path::new("/proc/self/fd/63")), Some(63));
        assert_eq!(own_descriptor(Path::new("/dev/fd/x")), None);
    }

    #[test]
    fn a_regular_file_named_by_descriptor_is_read_as_the_tool_would_without_moving_it() {
        let t = tempfile::tempdir().unwrap();
        let p = t.path().join("reqs.txt");
        std::fs::write(&p, "head\nflask\n").unwrap();
        let mut f = File::open(&p).unwrap();
        let mut skip = [0u8; 5];
        f.read_exact(&mut skip).unwrap();
        let w = OsWorld::reading_pipes().unwrap();
        let via = PathBuf::from(format!("/dev/fd/{}", f.as_raw_fd()));
        // What the tool reads when it opens that path: Linux opens the file afresh, macOS
        // duplicates the descriptor.
        let want: &[u8] = if cfg!(target_os = "linux") {
            b"head\nflask\n"
        } else {
            b"flask\n"
        };
        assert_eq!(w.read_file(&via).unwrap(), want);
        let mut rest = String::new();
        f.read_to_string(&mut rest).unwrap();
        assert_eq!(rest, "flask\n", "the position is where the tool expects it");
        assert!(w.handovers().is_empty());
    }
}
