//! Files as the command line reads and writes them. What is read remembers what the file
//! looked like; what replaces a file goes through a temporary file in the same folder and a
//! rename, so a reader sees the old file or the new one, never a part, and a failed write
//! (a full disk) leaves the old file whole.

use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, Read as _, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use super::escape::visible;

/// A path as messages show it, control characters escaped.
pub fn shown(path: &Path) -> String {
    visible(&path.display().to_string()).into_owned()
}

/// A file's text, with what the file looked like when it was read.
pub struct Read {
    pub text: String,
    stamp: Stamp,
}

/// What tells one state of a file from another without its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Stamp {
    len: u64,
    modified: Option<SystemTime>,
    /// Device, inode, mode, owner and group.
    #[cfg(unix)]
    unix: (u64, u64, u32, u32, u32),
}

impl Stamp {
    fn of(meta: &Metadata) -> Stamp {
        #[cfg(unix)]
        use std::os::unix::fs::MetadataExt;
        Stamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            #[cfg(unix)]
            unix: (meta.dev(), meta.ino(), meta.mode(), meta.uid(), meta.gid()),
        }
    }
}

/// Reads a file as UTF-8 text, or says which file could not be read and why.
pub fn read(path: &Path) -> Result<Read, String> {
    let cannot = |error: io::Error| format!("cannot read `{}`: {error}", shown(path));
    let mut file = File::open(path).map_err(cannot)?;
    let stamp = Stamp::of(&file.metadata().map_err(cannot)?);
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(cannot)?;
    Ok(Read { text: utf8(&shown(path), bytes)?, stamp })
}

/// Standard input as UTF-8 text; `name` is what messages call it.
pub fn read_stdin(name: &str) -> Result<String, String> {
    let mut bytes = Vec::new();
    io::stdin().lock().read_to_end(&mut bytes).map_err(|error| format!("cannot read `{name}`: {error}"))?;
    utf8(name, bytes)
}

fn utf8(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    String::from_utf8(bytes).map_err(|e| {
        format!("`{name}` is not valid UTF-8 (byte {} is not): save it as UTF-8", e.utf8_error().valid_up_to())
    })
}

/// Whether a path on the command line means standard input: `-`, or one of the names the
/// system gives it.
pub fn is_stdin(path: &Path) -> bool {
    matches!(path.to_str(), Some("-" | "/dev/stdin" | "/dev/fd/0" | "/proc/self/fd/0"))
}

/// What a path names when that is neither a file nor a folder (said for a message: "a FIFO
/// (named pipe)"); `None` for files, folders and paths that cannot be read (the search
/// reports those).
pub fn special_kind(path: &Path) -> Option<&'static str> {
    let kind = fs::metadata(path).ok()?.file_type();
    if kind.is_file() || kind.is_dir() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a FIFO (named pipe)");
        } else if kind.is_socket() {
            return Some("a socket");
        } else if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// What makes two paths one file: device and inode where there are such things, else the
/// canonical path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Identity {
    #[cfg(unix)]
    Inode(u64, u64),
    #[cfg(not(unix))]
    Path(PathBuf),
}

/// The identity of the file a path names (through symbolic links), if it exists.
pub fn identity(path: &Path) -> Option<Identity> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).ok().map(|meta| Identity::Inode(meta.dev(), meta.ino()))
    }
    #[cfg(not(unix))]
    {
        fs::canonicalize(path).ok().map(Identity::Path)
    }
}

/// Whether two paths name one file: the same path through symbolic links, or the same
/// device and inode (a hard link, a bind mount). A path that names nothing yet is no file.
pub fn same_file(a: &Path, b: &Path) -> bool {
    let canonical = |path: &Path| fs::canonicalize(path).ok();
    (identity(a).is_some() && identity(a) == identity(b)) || canonical(a).is_some_and(|a| Some(a) == canonical(b))
}

/// Replaces the file `read` came from with `text`, or writes nothing and says why:
/// - through a symbolic link, the file it points at is replaced and the link stays;
/// - a read-only file, one the user may not write, and one with other hard links (which
///   would keep the old text) are refused;
/// - the new file gets the old one's permissions, owner and group, or is not put in place;
/// - just before the rename the file must still be the one read, unchanged (device, inode,
///   size, modification time, permissions, owner, group and every byte): an edit saved
///   meanwhile is kept and this write refused.
pub fn rewrite(path: &Path, read: &Read, text: &str) -> Result<(), String> {
    let target = fs::canonicalize(path).map_err(|error| cannot_write(path, error))?;
    let meta = fs::metadata(&target).map_err(|error| cannot_write(path, error))?;
    if !meta.is_file() {
        return Err(format!("`{}` is not a regular file: left as it is", shown(path)));
    }
    may_replace(path, &target, &meta)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if meta.nlink() > 1 {
            return Err(format!(
                "`{}` has {} hard links: replacing it would leave the others with the old text, so it is left as \
                 it is (fix a copy, or break the links)",
                shown(path),
                meta.nlink()
            ));
        }
    }
    replace(path, &target, text, Some(&meta), || unchanged(path, &target, read))
}

/// Writes `text` to `output` for `convert`: a regular file, new or not, through a temporary
/// file renamed over it (the file it replaces keeps its permissions, owner and group; its
/// other hard links keep the old text); a device or FIFO (`/dev/stdout`) directly. Through
/// a symbolic link, the file it points at is written and the link stays.
pub fn write_output(output: &Path, text: &str) -> Result<(), String> {
    match fs::metadata(output) {
        Ok(meta) if meta.is_dir() => Err(format!("`{}` is a folder: give the name of a file", shown(output))),
        Ok(meta) if !meta.is_file() => {
            let written = OpenOptions::new().write(true).open(output).and_then(|mut file| {
                file.write_all(text.as_bytes())?;
                file.flush()
            });
            written.map_err(|error| cannot_write(output, error))
        }
        Ok(meta) => {
            let target = fs::canonicalize(output).map_err(|error| cannot_write(output, error))?;
            may_replace(output, &target, &meta)?;
            replace(output, &target, text, Some(&meta), || Ok(()))
        }
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            let target = new_file(output).map_err(|error| cannot_write(output, error))?;
            replace(output, &target, text, None, || Ok(()))
        }
        Err(error) => Err(cannot_write(output, error)),
    }
}

fn cannot_write(path: &Path, error: io::Error) -> String {
    format!("cannot write `{}`: {error}", shown(path))
}

/// Refuses a file that is read-only, or that the user may not write.
fn may_replace(path: &Path, target: &Path, meta: &Metadata) -> Result<(), String> {
    if meta.permissions().readonly() {
        return Err(format!("`{}` is read-only: left as it is (make it writable first)", shown(path)));
    }
    // Opening for writing, without truncating, asks the system whether this user may write
    // the file (root may write anything that is not read-only) and changes nothing.
    match OpenOptions::new().write(true).open(target) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {
            Err(format!("`{}` is read-only for you ({error}): left as it is", shown(path)))
        }
        Err(error) => Err(cannot_write(path, error)),
    }
}

/// Where a file that does not exist yet goes: the file a dangling symbolic link points at,
/// or the path itself, in its folder's canonical form.
fn new_file(path: &Path) -> io::Result<PathBuf> {
    let mut path = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&path) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let target = fs::read_link(&path)?;
                path = path.parent().map_or(target.clone(), |folder| folder.join(&target));
            }
            Ok(_) => return fs::canonicalize(&path),
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                let name = path.file_name().ok_or_else(|| io::Error::other("the path names no file"))?;
                let folder = path.parent().filter(|folder| !folder.as_os_str().is_empty()).unwrap_or(Path::new("."));
                return Ok(fs::canonicalize(folder)?.join(name));
            }
            Err(error) => return Err(error),
        }
    }
    Err(io::Error::other("too many levels of symbolic links"))
}

/// Refuses when the file at `target` is no longer what `read` read.
fn unchanged(path: &Path, target: &Path, read: &Read) -> Result<(), String> {
    let now = fs::metadata(target).map_err(|error| cannot_write(path, error))?;
    if Stamp::of(&now) == read.stamp && fs::read(target).is_ok_and(|bytes| bytes == read.text.as_bytes()) {
        return Ok(());
    }
    Err(format!(
        "`{}` changed since mailflow read it (saved by an editor meanwhile?): left as it is, with that change; run \
         mailflow again",
        shown(path)
    ))
}

/// Temporary files of this process get a number each, so no two threads share one.
static TEMPORARIES: AtomicUsize = AtomicUsize::new(0);

/// A temporary file in the folder of the file it will replace, removed unless renamed.
struct Temporary {
    path: PathBuf,
    file: File,
    renamed: bool,
}

impl Temporary {
    /// Created only for this user (`private`) when it will replace a file whose permissions
    /// it takes afterwards, so the text is never readable by more people than the file's.
    fn create(target: &Path, private: bool) -> io::Result<Temporary> {
        let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        loop {
            let number = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
            let path = target.with_file_name(format!(".{name}.mailflow-{}-{number}.tmp", std::process::id()));
            let mut options = OpenOptions::new();
            options.write(true).create_new(true);
            #[cfg(unix)]
            if private {
                use std::os::unix::fs::OpenOptionsExt;
                options.mode(0o600);
            }
            #[cfg(not(unix))]
            let _ = private;
            match options.open(&path) {
                Ok(file) => return Ok(Temporary { path, file, renamed: false }),
                Err(error) if error.kind() == io::ErrorKind::AlreadyExists => continue,
                Err(error) => return Err(error),
            }
        }
    }
}

impl Drop for Temporary {
    fn drop(&mut self) {
        if !self.renamed {
            // Best effort: the error that matters is the one being returned.
            let _ = fs::remove_file(&self.path);
        }
    }
}

/// Writes `text` to a temporary file beside `target`, gives it `old`'s permissions, owner
/// and group, asks `before_rename` whether to go on, and renames it over `target`.
fn replace(
    path: &Path,
    target: &Path,
    text: &str,
    old: Option<&Metadata>,
    before_rename: impl FnOnce() -> Result<(), String>,
) -> Result<(), String> {
    let mut temporary = Temporary::create(target, old.is_some()).map_err(|error| cannot_write(path, error))?;
    temporary.file.write_all(text.as_bytes()).map_err(|error| cannot_write(path, error))?;
    if let Some(old) = old {
        keep_owner(path, &temporary.file, old)?;
        temporary.file.set_permissions(old.permissions()).map_err(|error| cannot_write(path, error))?;
    }
    // On the disk before the rename: a crash leaves the old file or the whole new one.
    temporary.file.sync_all().map_err(|error| cannot_write(path, error))?;
    before_rename()?;
    fs::rename(&temporary.path, target).map_err(|error| cannot_write(path, error))?;
    temporary.renamed = true;
    // The rename itself on the disk (best effort: not every system syncs a folder).
    if let Some(folder) = target.parent() {
        let _ = File::open(folder).and_then(|folder| folder.sync_all());
    }
    Ok(())
}

/// Gives the new file the owner and group of the file it replaces (root fixing a user's
/// file leaves it the user's), or refuses to replace it.
fn keep_owner(path: &Path, new: &File, old: &Metadata) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let now = new.metadata().map_err(|error| cannot_write(path, error))?;
        if (now.uid(), now.gid()) != (old.uid(), old.gid()) {
            std::os::unix::fs::fchown(new, Some(old.uid()), Some(old.gid())).map_err(|error| {
                format!(
                    "cannot give the new `{}` the owner and group of the old one ({}:{}): {error}; left as it is",
                    shown(path),
                    old.uid(),
                    old.gid()
                )
            })?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, new, old);
    Ok(())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{symlink, PermissionsExt};

    fn file(folder: &Path, text: &str) -> PathBuf {
        let path = folder.join("rules.mailflow.yaml");
        fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn rewriting_replaces_the_file_keeping_its_permissions_and_links() {
        let folder = tempfile::tempdir().unwrap();
        let path = file(folder.path(), "old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
        let link = folder.path().join("link.yaml");
        symlink(&path, &link).unwrap();
        let read = read(&link).unwrap();
        rewrite(&link, &read, "new").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o640);
        // No temporary file is left behind.
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 2);
    }

    /// The guard against a concurrent edit, driven directly: the file changes between the
    /// read and the write, as when an editor saves while `--fix` runs.
    #[test]
    fn an_edit_saved_after_the_read_is_kept_and_the_write_refused() {
        let folder = tempfile::tempdir().unwrap();
        let path = file(folder.path(), "mailflow: 1\n");
        // In place, same size, and the modification time put back: only the bytes tell.
        let read = read(&path).unwrap();
        let modified = fs::metadata(&path).unwrap().modified().unwrap();
        fs::write(&path, "mailflow: 2\n").unwrap();
        File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
        let refused = rewrite(&path, &read, "fixed").unwrap_err();
        assert!(refused.contains("changed since mailflow read it"), "{refused}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "mailflow: 2\n");
        // Saved as a new file renamed over the old one, as many editors save.
        let read = super::read(&path).unwrap();
        let saved = folder.path().join("saved");
        fs::write(&saved, "mailflow: 2\n").unwrap();
        fs::rename(&saved, &path).unwrap();
        assert!(rewrite(&path, &read, "fixed").is_err());
        assert_eq!(fs::read_to_string(&path).unwrap(), "mailflow: 2\n");
        // Only the file is left: the temporary files were removed.
        assert_eq!(fs::read_dir(folder.path()).unwrap().count(), 1);
    }

    #[test]
    fn read_only_and_hard_linked_files_are_refused() {
        let folder = tempfile::tempdir().unwrap();
        let path = file(folder.path(), "old");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o444)).unwrap();
        let refused = rewrite(&path, &read(&path).unwrap(), "new").unwrap_err();
        assert!(refused.contains("read-only"), "{refused}");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        fs::hard_link(&path, folder.path().join("other")).unwrap();
        let refused = rewrite(&path, &read(&path).unwrap(), "new").unwrap_err();
        assert!(refused.contains("2 hard links"), "{refused}");
        assert_eq!(fs::read_to_string(&path).unwrap(), "old");
    }

    #[test]
    fn output_goes_through_a_dangling_link_to_a_new_file() {
        let folder = tempfile::tempdir().unwrap();
        let link = folder.path().join("link");
        symlink("target.mailflow", &link).unwrap();
        write_output(&link, "text").unwrap();
        assert_eq!(fs::read_to_string(folder.path().join("target.mailflow")).unwrap(), "text");
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
    }
}
