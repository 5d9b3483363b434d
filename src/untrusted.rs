//! Reading files a plugin could have planted: its manifest, its modules, its JSON modules,
//! its test files, the transpile cache in the data dir and its own `qirvo.fs` files.
//!
//! Such a path may name a FIFO (opening it for reading blocks until a writer comes), a
//! device (`/dev/zero` never ends), a socket, a directory, a symlink loop or a sparse file
//! of a terabyte. So every read here: checks the path is a regular file *before* opening
//! it; opens it non-blocking (`O_NONBLOCK`, `O_NOCTTY`), so a file swapped for a FIFO
//! between the check and the open cannot block; checks the opened handle again; and reads
//! at most a size cap. Each failure is an `io::Error` whose message says what the file
//! is instead (`is a FIFO (named pipe), not a regular file`), so the caller's message
//! names the file and the reason.

use std::fs::{File, Metadata};
use std::io::{self, Read};
use std::path::Path;

/// Largest `manifest.json`: 1 MiB.
pub const MAX_MANIFEST_SIZE: u64 = 1024 * 1024;

/// What a non-regular file is, for messages.
pub(crate) fn kind_of(meta: &Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_symlink() {
        "a symbolic link"
    } else {
        "not a regular file"
    }
}

fn not_regular(meta: &Metadata) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("is {}, not a regular file", kind_of(meta)),
    )
}

fn too_large(size: u64, limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("is {size} bytes, more than the {limit}-byte limit"),
    )
}

/// Checks metadata (of a path or an open handle): a regular file of at most `limit` bytes.
pub(crate) fn check_regular(meta: &Metadata, limit: u64) -> io::Result<()> {
    if !meta.is_file() {
        return Err(not_regular(meta));
    }
    if meta.len() > limit {
        return Err(too_large(meta.len(), limit));
    }
    Ok(())
}

/// The flags every untrusted open adds: never block opening (a FIFO with no writer), never
/// become the controlling terminal.
pub(crate) const OPEN_FLAGS: i32 = libc::O_NONBLOCK | libc::O_NOCTTY;

/// Reads a regular file of at most `limit` bytes, following symlinks (a loop fails with
/// the system's "too many levels of symbolic links").
///
/// # Errors
/// The path's own error (not found, permission denied, symlink loop), or one saying what
/// the file is instead of a regular file, or that it is larger than `limit`.
pub(crate) fn read_file(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    check_regular(&std::fs::metadata(path)?, limit)?;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(OPEN_FLAGS)
        .open(path)?;
    read_open(file, limit)
}

/// Reads a regular file as UTF-8 text; see [`read_file`].
pub(crate) fn read_to_string(path: &Path, limit: u64) -> io::Result<String> {
    String::from_utf8(read_file(path, limit)?)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "is not UTF-8 text"))
}

/// Checks an opened handle again (the path may have been swapped since it was checked)
/// and reads at most `limit` bytes from it.
pub(crate) fn read_open(file: File, limit: u64) -> io::Result<Vec<u8>> {
    let meta = file.metadata()?;
    check_regular(&meta, limit)?;
    let mut out = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // One byte over the limit tells a file that grew since its size was read.
    file.take(limit.saturating_add(1)).read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(too_large(out.len() as u64, limit));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_what_is_not_a_regular_file() {
        let dir = tempfile::tempdir().unwrap();
        let err = read_file(dir.path(), 10).unwrap_err();
        assert!(err.to_string().contains("is a directory"), "{err}");
        let err = read_file(Path::new("/dev/zero"), 10).unwrap_err();
        assert!(err.to_string().contains("character device"), "{err}");
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let err = read_file(&fifo, 10).unwrap_err();
        assert!(err.to_string().contains("FIFO"), "{err}");
        let big = dir.path().join("big");
        std::fs::write(&big, [0u8; 11]).unwrap();
        let err = read_file(&big, 10).unwrap_err();
        assert!(
            err.to_string().contains("more than the 10-byte limit"),
            "{err}"
        );
        std::fs::write(&big, [7u8; 10]).unwrap();
        assert_eq!(read_file(&big, 10).unwrap(), vec![7u8; 10]);
    }
}
