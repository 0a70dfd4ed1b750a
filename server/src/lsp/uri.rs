//! Where the client's `file:` URIs become paths, and paths under a workspace folder become
//! URIs again.
//!
//! The server never rewrites a URI the client sent: documents are keyed, published and
//! edited under the client's own string, byte for byte. A path is needed only to read the
//! workspace's files from disk, and a URI is made only for a file found there; that one is
//! spelled like the workspace folder's URI the client sent, so that `file:///c%3A/tenant`
//! gives `file:///c%3A/tenant/contoso.mailflow`, as VS Code itself would name the file.
//!
//! The reading of a URI is written for both kinds of path and chosen by [`Style::HOST`], so
//! that the Windows reading (`file:///c%3A/x` is `c:\x`, `file://server/share/x` is
//! `\\server\share\x`) is tested on every host.

use std::path::{Component, Path, PathBuf};

use tower_lsp_server::ls_types::Uri;

use crate::text::{is_drive, uri_segment, uri_segment_decoded};

/// Which kind of path a `file:` URI names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// `/home/ana/x`: no drive, no server.
    Posix,
    /// `C:\Users\ana\x`, or `\\server\share\x` for a URI that names a host.
    Windows,
}

impl Style {
    /// The paths of the machine the server runs on.
    pub const HOST: Style = if cfg!(windows) { Style::Windows } else { Style::Posix };
}

/// The local path a `file:` URI names, or `None` when it names none: another scheme, a
/// host other than `localhost` on POSIX (a file of another machine), a user or port, a
/// relative path, a name that is not UTF-8 once decoded, or an encoded separator or NUL
/// inside a name (`%2F`, which would change which folders the path goes through).
pub fn to_path(uri: &Uri, style: Style) -> Option<PathBuf> {
    let (host, names) = parts(uri, style)?;
    match style {
        Style::Posix => Some(PathBuf::from(format!("/{}", names.join("/")))),
        Style::Windows if !host.is_empty() => Some(PathBuf::from(format!("\\\\{host}\\{}", names.join("\\")))),
        Style::Windows => match names.split_first() {
            // `/c:/x`, whether the colon came as `:` or `%3A`: a drive, `c:\x`.
            Some((drive, rest)) if is_drive(drive) => Some(PathBuf::from(format!("{drive}\\{}", rest.join("\\")))),
            // A path from the root of the current drive.
            _ => Some(PathBuf::from(format!("\\{}", names.join("\\")))),
        },
    }
}

/// The host (empty for this machine) and the decoded names of the path of a `file:` URI
/// that names a local path in `style` (see [`to_path`]).
fn parts(uri: &Uri, style: Style) -> Option<(String, Vec<String>)> {
    if !uri.scheme().as_str().eq_ignore_ascii_case("file") {
        return None;
    }
    let host = match uri.authority() {
        None => String::new(),
        Some(authority) if authority.userinfo().is_some() || authority.port().is_some() => return None,
        Some(authority) => uri_segment_decoded(authority.host())?.to_ascii_lowercase(),
    };
    let host = if host == "localhost" { String::new() } else { host };
    if style == Style::Posix && !host.is_empty() {
        return None;
    }
    let separators: &[char] = match style {
        Style::Posix => &['/', '\0'],
        Style::Windows => &['/', '\\', '\0'],
    };
    let mut names = Vec::new();
    for segment in uri.path().segments_if_absolute()? {
        let name = uri_segment_decoded(segment.as_str())?;
        if name.contains(separators) {
            return None;
        }
        names.push(name);
    }
    Some((host, names))
}

/// The URI of `file`, found under the workspace folder `folder` whose path is `root`: the
/// folder's URI as the client spelled it, then the names below it, percent-encoded. `None`
/// when `file` is not under `root`, or a name is not UTF-8.
pub fn child(folder: &Uri, root: &Path, file: &Path) -> Option<Uri> {
    let mut text = format!("{}:", folder.scheme().as_str());
    if let Some(authority) = folder.authority() {
        text.push_str("//");
        text.push_str(authority.as_str());
    }
    text.push_str(folder.path().as_str().trim_end_matches('/'));
    for component in file.strip_prefix(root).ok()?.components() {
        let Component::Normal(name) = component else { return None };
        text.push('/');
        text.push_str(&uri_segment(name.to_str()?));
    }
    text.parse().ok()
}

/// The name at the end of a URI's path, decoded (`r%C3%A8gles.mailflow` is `règles.mailflow`).
pub fn file_name(uri: &Uri) -> String {
    let last = uri.path().as_str().rsplit('/').next().unwrap_or_default();
    uri_segment_decoded(last).unwrap_or_else(|| last.to_owned())
}

/// What two URIs of the same file have in common however each client spelled it: the
/// scheme and host in lower case (`localhost` as no host), the path decoded and encoded
/// again one way, and on Windows the drive letter in lower case (`file:///C:/x`,
/// `file:///c%3A/x` and `file://localhost/c:/x` are one file). Other URIs are their text.
pub fn identity(uri: &Uri, style: Style) -> String {
    let Some((host, mut names)) = parts(uri, style) else { return uri.as_str().to_owned() };
    if style == Style::Windows {
        if let Some(drive) = names.first_mut().filter(|name| is_drive(name)) {
            drive.make_ascii_lowercase();
        }
    }
    let path: Vec<String> = names.iter().map(|name| uri_segment(name)).collect();
    format!("file://{host}/{}", path.join("/"))
}

#[cfg(test)]
#[path = "uri_tests.rs"]
mod tests;
