//! `qirvo.fs`: files in the plugin's own directory, `<data_dir>/plugins/<id>/files/`
//! (only with `filesystem-access`).
//!
//! Paths are relative to that directory. Absolute paths and `..` are refused up front
//! with a clear error; everything else goes through `cap-std`, whose directory handle
//! resolves paths beneath the directory only (symlinks that lead outside fail), so no
//! string check is the boundary. Bytes written count against `resources.storage`,
//! together with `qirvo.storage`.

use std::path::{Component, Path, PathBuf};
use std::time::UNIX_EPOCH;

use cap_std::fs::{Dir, OpenOptions, OpenOptionsExt};
use deno_core::serde_v8::U16String;
use deno_core::{OpState, ToJsBuffer, op2};
use serde::Serialize;

use crate::ext::storage::ops::StorageState;
use crate::manifest::ByteSize;

/// Longest path, in UTF-16 code units.
const MAX_PATH: usize = 4096;
/// Most entries `readDir` lists.
const MAX_DIR_ENTRIES: usize = 10_000;
/// Largest file `readFile` reads when the plugin has no storage quota to bound it.
const MAX_READ: u64 = 64 * 1024 * 1024;

/// Most files and directories a plugin's files directory may hold: empty files cost no
/// quota bytes, and every walk of the tree (loading, `remove`) is bounded by this.
const MAX_ENTRIES: u64 = 100_000;

pub(crate) struct FsState {
    pub dir: Dir,
    /// Bytes in files now.
    pub used: u64,
    /// Files, directories and links in the tree now.
    pub entries: u64,
}

impl FsState {
    /// Opens (creating it if needed) the plugin's files directory.
    pub(crate) fn open(path: &Path) -> std::io::Result<FsState> {
        std::fs::create_dir_all(path)?;
        let dir = Dir::open_ambient_dir(path, cap_std::ambient_authority())?;
        let (used, entries) = tree_size(&dir, Path::new("."))?;
        Ok(FsState { dir, used, entries })
    }

    /// Room for `more` new entries, or the error `op` reports.
    fn room_for(&self, more: u64, op: &str, path: &str) -> Result<(), FsOpError> {
        if self.entries.saturating_add(more) > MAX_ENTRIES {
            return Err(FsOpError::Quota(format!(
                "{op} {path:?}: the files directory holds at most {MAX_ENTRIES} files and directories"
            )));
        }
        Ok(())
    }
}

/// Bytes in the regular files under `path`, and how many entries it holds.
fn tree_size(dir: &Dir, path: &Path) -> std::io::Result<(u64, u64)> {
    let (mut total, mut entries) = (0u64, 0u64);
    for entry in dir.read_dir(path)? {
        let entry = entry?;
        let ty = entry.file_type()?;
        let child = path.join(entry.file_name());
        entries += 1;
        if ty.is_dir() {
            let (t, e) = tree_size(dir, &child)?;
            total = total.saturating_add(t);
            entries += e;
        } else if ty.is_file() {
            total = total.saturating_add(entry.metadata()?.len());
        }
    }
    Ok((total, entries))
}

#[derive(Debug, thiserror::Error, deno_error::JsError)]
pub(crate) enum FsOpError {
    #[class("PermissionDenied")]
    #[error("{0}")]
    Denied(String),
    #[class("NotFound")]
    #[error("{0}")]
    NotFound(String),
    #[class("QuotaExceededError")]
    #[error("{0}")]
    Quota(String),
    #[class(type)]
    #[error("{0}")]
    Invalid(String),
    #[class(generic)]
    #[error("{0}")]
    Io(String),
}

fn io_err(path: &str, op: &str, e: std::io::Error) -> FsOpError {
    match e.kind() {
        std::io::ErrorKind::NotFound => {
            FsOpError::NotFound(format!("{op} {path:?}: no such file or directory"))
        }
        std::io::ErrorKind::PermissionDenied => FsOpError::Denied(format!(
            "{op} {path:?}: outside the plugin's files directory or not permitted"
        )),
        _ => FsOpError::Io(format!("{op} {path:?}: {e}")),
    }
}

/// The path argument of `op`, exactly (a lone surrogate is refused: two distinct paths
/// must not name one file).
fn path_arg(path: &U16String, op: &str) -> Result<String, FsOpError> {
    crate::ext::names::exact(path, &format!("{op}: path"), MAX_PATH)
        .map_err(|e| FsOpError::Invalid(e.0))
}

/// What a non-regular file is, for messages.
fn kind_of(m: &cap_std::fs::Metadata) -> &'static str {
    use cap_std::fs::FileTypeExt;
    let t = m.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a FIFO (named pipe)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_char_device() || t.is_block_device() {
        "a device"
    } else {
        "not a regular file"
    }
}

/// Opens a regular file without blocking (a FIFO or device planted in the directory,
/// or swapped in after the check, cannot hang the plugin) and checks it again once open.
fn open_regular(
    dir: &Dir,
    p: &Path,
    path: &str,
    op: &str,
    options: &mut OpenOptions,
) -> Result<cap_std::fs::File, FsOpError> {
    let not_regular = |m: &cap_std::fs::Metadata| {
        FsOpError::Invalid(format!(
            "{op} {path:?}: is {}, not a regular file",
            kind_of(m)
        ))
    };
    if let Ok(m) = dir.metadata(p)
        && !m.is_file()
    {
        return Err(not_regular(&m));
    }
    let file = dir
        .open_with(p, options.custom_flags(crate::untrusted::OPEN_FLAGS))
        .map_err(|e| io_err(path, op, e))?;
    let m = file.metadata().map_err(|e| io_err(path, op, e))?;
    if !m.is_file() {
        return Err(not_regular(&m));
    }
    Ok(file)
}

/// Reads a regular file of at most the plugin's storage quota (it could not have written
/// more), never blocking.
fn read_regular(state: &mut OpState, path: &U16String, op: &str) -> Result<Vec<u8>, FsOpError> {
    let path = path_arg(path, op)?;
    let p = rel(&path, op)?;
    let limit = state
        .try_borrow::<StorageState>()
        .map(|s| s.quota.bytes())
        .unwrap_or(MAX_READ);
    let f = fs(state, op)?;
    let file = open_regular(&f.dir, &p, &path, op, OpenOptions::new().read(true))?;
    crate::untrusted::read_open(file.into_std(), limit).map_err(|e| match e.kind() {
        std::io::ErrorKind::InvalidData | std::io::ErrorKind::InvalidInput => {
            FsOpError::Invalid(format!("{op} {path:?}: {e}"))
        }
        _ => io_err(&path, op, e),
    })
}

/// A path relative to the files directory, refused if absolute or climbing out.
fn rel(path: &str, op: &str) -> Result<PathBuf, FsOpError> {
    let p = Path::new(path);
    if p.is_absolute() || p.has_root() {
        return Err(FsOpError::Denied(format!(
            "{op} {path:?}: absolute paths are not allowed; paths are relative to the plugin's files directory"
        )));
    }
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::Normal(s) => out.push(s),
            Component::CurDir => {}
            Component::ParentDir => {
                return Err(FsOpError::Denied(format!(
                    "{op} {path:?}: \"..\" would leave the plugin's files directory"
                )));
            }
            Component::RootDir | Component::Prefix(_) => {
                return Err(FsOpError::Denied(format!(
                    "{op} {path:?}: absolute paths are not allowed"
                )));
            }
        }
    }
    if out.as_os_str().is_empty() {
        out.push(".");
    }
    Ok(out)
}

fn fs<'a>(state: &'a mut OpState, op: &str) -> Result<&'a mut FsState, FsOpError> {
    // The capability is registered only when granted; checked again on every call.
    state.try_borrow_mut::<FsState>().ok_or_else(|| {
        FsOpError::Denied(format!(
            "{op}: this plugin was not granted filesystem-access"
        ))
    })
}

fn fs_read(state: &mut OpState, path: &U16String) -> Result<ToJsBuffer, FsOpError> {
    Ok(read_regular(state, &path, "readFile")?.into())
}

fn fs_read_text(state: &mut OpState, path: &U16String) -> Result<String, FsOpError> {
    let bytes = read_regular(state, &path, "readTextFile")?;
    String::from_utf8(bytes).map_err(|_| {
        FsOpError::Invalid(format!(
            "readTextFile {:?}: not UTF-8 text",
            String::from_utf16_lossy(&path)
        ))
    })
}

fn fs_write(state: &mut OpState, path: &U16String, data: &[u8]) -> Result<(), FsOpError> {
    let path = &path_arg(&path, "writeFile")?;
    let p = rel(path, "writeFile")?;
    let stored = state
        .try_borrow::<StorageState>()
        .map(|s| (s.store.usage(), s.quota));
    let f = fs(state, "writeFile")?;
    let old = f
        .dir
        .metadata(&p)
        .ok()
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .unwrap_or(0);
    let is_new = f.dir.symlink_metadata(&p).is_err();
    // Missing parent directories are created (issue 16: `writeTextFile("cache/today.json")`
    // works like `mkdir -p` then write); each counts as an entry, as with `mkdir`.
    let new_dirs = p
        .parent()
        .map(|parent| {
            parent
                .ancestors()
                .filter(|a| !a.as_os_str().is_empty() && f.dir.symlink_metadata(a).is_err())
                .count() as u64
        })
        .unwrap_or(0);
    if is_new || new_dirs > 0 {
        f.room_for(u64::from(is_new) + new_dirs, "writeFile", path)?;
    }
    let files = f.used - old.min(f.used) + data.len() as u64;
    if let Some((store_used, quota)) = stored {
        let total = files + store_used;
        if total > quota.bytes() && data.len() as u64 > old {
            return Err(FsOpError::Quota(format!(
                "writeFile {path:?}: storage quota of {quota} exceeded: files and storage would need {}",
                ByteSize(total)
            )));
        }
    }
    if new_dirs > 0
        && let Some(parent) = p.parent()
    {
        f.dir
            .create_dir_all(parent)
            .map_err(|e| io_err(path, "writeFile", e))?;
        f.entries += new_dirs;
    }
    // Not `Dir::write`: opening a FIFO planted in the directory for writing would block.
    let mut file = open_regular(
        &f.dir,
        &p,
        path,
        "writeFile",
        OpenOptions::new().write(true).create(true).truncate(true),
    )?;
    if is_new {
        f.entries += 1;
    }
    std::io::Write::write_all(&mut file, data).map_err(|e| io_err(path, "writeFile", e))?;
    f.used = files;
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DirEntry {
    name: String,
    is_file: bool,
    is_directory: bool,
    is_symlink: bool,
}

fn fs_read_dir(state: &mut OpState, path: &U16String) -> Result<Vec<DirEntry>, FsOpError> {
    let path = &path_arg(&path, "readDir")?;
    let p = rel(path, "readDir")?;
    let f = fs(state, "readDir")?;
    let mut out = Vec::new();
    for entry in f.dir.read_dir(&p).map_err(|e| io_err(path, "readDir", e))? {
        if out.len() >= MAX_DIR_ENTRIES {
            return Err(FsOpError::Invalid(format!(
                "readDir {path:?}: more than {MAX_DIR_ENTRIES} entries"
            )));
        }
        let entry = entry.map_err(|e| io_err(path, "readDir", e))?;
        let ty = entry.file_type().map_err(|e| io_err(path, "readDir", e))?;
        out.push(DirEntry {
            name: entry.file_name().to_string_lossy().into_owned(),
            is_file: ty.is_file(),
            is_directory: ty.is_dir(),
            is_symlink: ty.is_symlink(),
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(out)
}

fn fs_mkdir(state: &mut OpState, path: &U16String, recursive: bool) -> Result<(), FsOpError> {
    let path = &path_arg(&path, "mkdir")?;
    let p = rel(path, "mkdir")?;
    let f = fs(state, "mkdir")?;
    // The directories this creates: `p`, and with `recursive` its missing parents.
    let new = if recursive {
        p.ancestors()
            .filter(|a| !a.as_os_str().is_empty() && f.dir.symlink_metadata(a).is_err())
            .count() as u64
    } else {
        u64::from(f.dir.symlink_metadata(&p).is_err())
    };
    f.room_for(new, "mkdir", path)?;
    let r = if recursive {
        f.dir.create_dir_all(&p)
    } else {
        f.dir.create_dir(&p)
    };
    r.map_err(|e| io_err(path, "mkdir", e))?;
    f.entries += new;
    Ok(())
}

fn fs_remove(state: &mut OpState, path: &U16String, recursive: bool) -> Result<(), FsOpError> {
    let path = &path_arg(&path, "remove")?;
    let p = rel(path, "remove")?;
    if p == Path::new(".") {
        return Err(FsOpError::Denied(
            "remove: the files directory itself cannot be removed".into(),
        ));
    }
    let f = fs(state, "remove")?;
    let meta = f
        .dir
        .symlink_metadata(&p)
        .map_err(|e| io_err(path, "remove", e))?;
    let (freed, gone) = if meta.is_dir() {
        let (size, inside) = tree_size(&f.dir, &p).unwrap_or((0, 0));
        let r = if recursive {
            f.dir.remove_dir_all(&p)
        } else {
            f.dir.remove_dir(&p)
        };
        r.map_err(|e| io_err(path, "remove", e))?;
        (size, inside + 1)
    } else {
        f.dir
            .remove_file(&p)
            .map_err(|e| io_err(path, "remove", e))?;
        (if meta.is_file() { meta.len() } else { 0 }, 1)
    };
    f.used = f.used.saturating_sub(freed);
    f.entries = f.entries.saturating_sub(gone);
    Ok(())
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct FileInfo {
    is_file: bool,
    is_directory: bool,
    is_symlink: bool,
    /// Bytes (a number: exact up to 2^53).
    size: f64,
    /// Milliseconds since the Unix epoch.
    mtime: Option<f64>,
}

fn fs_stat(state: &mut OpState, path: &U16String) -> Result<FileInfo, FsOpError> {
    let path = &path_arg(&path, "stat")?;
    let p = rel(path, "stat")?;
    let f = fs(state, "stat")?;
    let m = f
        .dir
        .symlink_metadata(&p)
        .map_err(|e| io_err(path, "stat", e))?;
    let mtime = m
        .modified()
        .ok()
        .and_then(|t| t.into_std().duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs_f64() * 1000.0);
    Ok(FileInfo {
        is_file: m.is_file(),
        is_directory: m.is_dir(),
        is_symlink: m.is_symlink(),
        size: m.len() as f64,
        mtime,
    })
}

/// Bytes in the plugin's files (counted with `qirvo.storage` against its quota).
pub(crate) fn files_used(state: &OpState) -> u64 {
    state.try_borrow::<FsState>().map(|f| f.used).unwrap_or(0)
}

// SECURITY (issue 17): each op reports a refused path, a missing grant or a quota breach.

#[op2]
#[serde]
pub(crate) fn op_qirvo_fs_read(
    state: &mut OpState,
    #[serde] path: U16String,
) -> Result<ToJsBuffer, FsOpError> {
    let r = fs_read(state, &path);
    audited(state, "readFile", &path, r)
}

#[op2]
#[string]
pub(crate) fn op_qirvo_fs_read_text(
    state: &mut OpState,
    #[serde] path: U16String,
) -> Result<String, FsOpError> {
    let r = fs_read_text(state, &path);
    audited(state, "readTextFile", &path, r)
}

#[op2]
pub(crate) fn op_qirvo_fs_write(
    state: &mut OpState,
    #[serde] path: U16String,
    #[buffer] data: &[u8],
) -> Result<(), FsOpError> {
    let r = fs_write(state, &path, data);
    audited(state, "writeFile", &path, r)
}

#[op2]
#[serde]
pub(crate) fn op_qirvo_fs_read_dir(
    state: &mut OpState,
    #[serde] path: U16String,
) -> Result<Vec<DirEntry>, FsOpError> {
    let r = fs_read_dir(state, &path);
    audited(state, "readDir", &path, r)
}

#[op2]
pub(crate) fn op_qirvo_fs_mkdir(
    state: &mut OpState,
    #[serde] path: U16String,
    recursive: bool,
) -> Result<(), FsOpError> {
    let r = fs_mkdir(state, &path, recursive);
    audited(state, "mkdir", &path, r)
}

#[op2]
pub(crate) fn op_qirvo_fs_remove(
    state: &mut OpState,
    #[serde] path: U16String,
    recursive: bool,
) -> Result<(), FsOpError> {
    let r = fs_remove(state, &path, recursive);
    audited(state, "remove", &path, r)
}

#[op2]
#[serde]
pub(crate) fn op_qirvo_fs_stat(
    state: &mut OpState,
    #[serde] path: U16String,
) -> Result<FileInfo, FsOpError> {
    let r = fs_stat(state, &path);
    audited(state, "stat", &path, r)
}

/// Reports a refusal (`grant`, `path`, `quota`) of `op` on `path` to the plugin's security
/// record, and passes the result on.
fn audited<T>(
    state: &OpState,
    op: &str,
    path: &U16String,
    r: Result<T, FsOpError>,
) -> Result<T, FsOpError> {
    if let Err(e) = &r {
        let rule = match e {
            FsOpError::Denied(m) if m.contains("not granted") => "grant",
            FsOpError::Denied(_) => "path",
            FsOpError::Quota(_) => "quota",
            _ => return r,
        };
        if let Some(s) = state.try_borrow::<crate::security::Reporter>() {
            s.denied(
                crate::security::Capability::Fs,
                rule,
                op,
                &String::from_utf16_lossy(path),
                &e.to_string(),
            );
        }
    }
    r
}
// end SECURITY

deno_core::extension!(
    qirvo_fs,
    ops = [
        op_qirvo_fs_read,
        op_qirvo_fs_read_text,
        op_qirvo_fs_write,
        op_qirvo_fs_read_dir,
        op_qirvo_fs_mkdir,
        op_qirvo_fs_remove,
        op_qirvo_fs_stat,
    ],
    options = { fs: FsState },
    state = |state, options| {
        state.put(options.fs);
    },
);
