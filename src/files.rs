//! Opening files that someone else may have put in the way: never blocking on a FIFO or a
//! device (opened non-blocking, then checked to be a regular file), capped in size, and for
//! files installguard writes (the audit log and its lock) never following a symbolic link and
//! kept private (0600 in a 0700 directory). Errors say what the file is instead and what to do.
//! Does not decide what to do about a refused file; callers report it in their own terms.

use std::fs::{File, OpenOptions};
use std::io::{self, Read};
use std::os::unix::fs::{DirBuilderExt, FileTypeExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// What a file is, for messages: "a FIFO", "a directory", ...
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        "a regular file"
    } else if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else {
        "not a regular file"
    }
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Refuse anything but a regular file (checked on the open descriptor, so a swap between the
/// check and the read is impossible).
fn ensure_regular(file: &File) -> io::Result<std::fs::Metadata> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(invalid(format!(
            "it is {}, not a regular file; refusing to read or write it",
            kind_of(&meta)
        )));
    }
    Ok(meta)
}

/// Open a regular file of at most `cap` bytes for reading, following symbolic links, without
/// ever blocking: a FIFO, a device or a directory is an error (`InvalidInput`), as is a file
/// larger than `cap`. `Ok(None)` when it does not exist. For files read in place (the
/// reputation data is mapped, not read); [`read_regular`] reads the whole file.
pub fn open_regular(path: &Path, cap: u64) -> io::Result<Option<(File, std::fs::Metadata)>> {
    let file = match OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = ensure_regular(&file)?;
    if meta.len() > cap {
        return Err(invalid(format!(
            "it is {} bytes, more than the {cap}-byte limit",
            meta.len()
        )));
    }
    Ok(Some((file, meta)))
}

/// Read a whole regular file of at most `cap` bytes, following symbolic links, without ever
/// blocking: a FIFO, a device or a directory is an error, as is a file larger than `cap`.
pub fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    let Some((file, meta)) = open_regular(path, cap)? else {
        return Err(io::Error::from(io::ErrorKind::NotFound));
    };
    let mut buf = Vec::with_capacity(meta.len() as usize);
    file.take(cap + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > cap {
        return Err(invalid(format!(
            "it grew past the {cap}-byte limit while being read"
        )));
    }
    Ok(buf)
}

/// How a private file is opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    /// Read and append, creating the file (0600) when missing.
    Append,
}

/// Open a file installguard owns (the audit log, its lock): without following a symbolic
/// link in its last component, without blocking, refusing anything but a regular file; a new
/// file is created 0600 and an existing one that others can read is narrowed to 0600.
pub fn open_private(path: &Path, access: Access) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC);
    if access == Access::Append {
        o.append(true).create(true).mode(0o600);
    }
    let file = match o.open(path) {
        Ok(f) => f,
        Err(e) => return Err(explain_open_error(path, e)),
    };
    let meta = ensure_regular(&file)?;
    if access == Access::Append && meta.mode() & 0o077 != 0 {
        // SAFETY: geteuid has no preconditions.
        if meta.uid() == unsafe { libc::geteuid() } {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// An `O_NOFOLLOW` refusal (ELOOP on Linux and macOS, EMLINK on the BSDs) said in words.
fn explain_open_error(path: &Path, e: io::Error) -> io::Error {
    let link = matches!(e.raw_os_error(), Some(libc::ELOOP | libc::EMLINK))
        && std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if !link {
        return e;
    }
    let target = std::fs::read_link(path)
        .map(|t| format!(" (to {})", t.display()))
        .unwrap_or_default();
    invalid(format!(
        "it is a symbolic link{target}; refusing to follow it: the audit log must be a regular \
         file, or records could be sent anywhere (remove the link; installguard creates the file)"
    ))
}

/// Create a private directory (0700, parents as needed); an existing one of ours that others
/// can enter is narrowed to 0700.
pub fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)?;
    let meta = std::fs::metadata(dir)?;
    // SAFETY: geteuid has no preconditions.
    if meta.mode() & 0o077 != 0 && meta.uid() == unsafe { libc::geteuid() } {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

/// Tests only: make a FIFO at `p`.
#[cfg(test)]
pub(crate) fn mkfifo(p: &Path) {
    let c = std::ffi::CString::new(p.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_and_big_files_are_refused_without_blocking() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("fifo");
        mkfifo(&fifo);
        let e = read_regular(&fifo, 100).unwrap_err();
        assert!(e.to_string().contains("a FIFO"), "{e}");
        let e = read_regular(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(e.to_string().contains("character device"), "{e}");
        let e = read_regular(t.path(), 100).unwrap_err();
        assert!(e.to_string().contains("directory"), "{e}");
        let big = t.path().join("big");
        std::fs::write(&big, vec![b'x'; 101]).unwrap();
        assert!(
            read_regular(&big, 100)
                .unwrap_err()
                .to_string()
                .contains("100-byte")
        );
        assert_eq!(read_regular(&big, 101).unwrap().len(), 101);
        for access in [Access::Read, Access::Append] {
            let e = open_private(&fifo, access).unwrap_err();
            assert!(e.to_string().contains("a FIFO"), "{e}");
        }
    }

    #[test]
    fn private_files_refuse_links_and_are_narrowed() {
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("bashrc");
        std::fs::write(&target, "keep\n").unwrap();
        let link = t.path().join("audit.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = open_private(&link, Access::Append).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert!(e.to_string().contains("bashrc"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "keep\n");
        let wide = t.path().join("wide");
        std::fs::write(&wide, "").unwrap();
        std::fs::set_permissions(&wide, std::fs::Permissions::from_mode(0o644)).unwrap();
        open_private(&wide, Access::Append).unwrap();
        assert_eq!(std::fs::metadata(&wide).unwrap().mode() & 0o777, 0o600);
        let new = t.path().join("new");
        open_private(&new, Access::Append).unwrap();
        assert_eq!(std::fs::metadata(&new).unwrap().mode() & 0o777, 0o600);
        let dir = t.path().join("a/b");
        private_dir(&dir).unwrap();
        assert_eq!(std::fs::metadata(&dir).unwrap().mode() & 0o777, 0o700);
    }
}
