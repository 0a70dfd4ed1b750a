//! The readings of `file:` URIs as paths, both kinds on every host, and the URIs made for
//! files found under a workspace folder. What the server sends back for the client's own
//! URIs is tested over the wire in tests/lsp_uri.rs.

use std::path::Path;

use tower_lsp_server::ls_types::Uri;

use super::{child, file_name, identity, to_path, Style};

fn uri(text: &str) -> Uri {
    text.parse().unwrap_or_else(|e| panic!("{text}: {e}"))
}

/// Each row: a URI, the Windows path it names, the POSIX path it names.
const PATHS: &[(&str, Option<&str>, Option<&str>)] = &[
    ("file:///c%3A/x/y.mailflow", Some(r"c:\x\y.mailflow"), Some("/c:/x/y.mailflow")),
    ("file:///C:/x/y.mailflow", Some(r"C:\x\y.mailflow"), Some("/C:/x/y.mailflow")),
    ("file:///c%3a/x/y.mailflow", Some(r"c:\x\y.mailflow"), Some("/c:/x/y.mailflow")),
    ("file://localhost/C:/x/y.mailflow", Some(r"C:\x\y.mailflow"), Some("/C:/x/y.mailflow")),
    ("file:///c%3A/", Some(r"c:\"), Some("/c:/")),
    ("file://server/share/x.mailflow", Some(r"\\server\share\x.mailflow"), None),
    ("file://Server.Example/share/a%20b/x.mailflow", Some(r"\\server.example\share\a b\x.mailflow"), None),
    (
        "file:///c%3A/Users/ana/My%20Rules/r%C3%A8gles%20%E6%96%87.mailflow.yaml",
        Some(r"c:\Users\ana\My Rules\règles 文.mailflow.yaml"),
        Some("/c:/Users/ana/My Rules/règles 文.mailflow.yaml"),
    ),
    (
        "file:///home/ana/My%20Rules/tenant.mailflow",
        Some(r"\home\ana\My Rules\tenant.mailflow"),
        Some("/home/ana/My Rules/tenant.mailflow"),
    ),
    ("file:///home/ana/a%5Cb.mailflow", None, Some(r"/home/ana/a\b.mailflow")),
    // Not a local file, or not one path.
    ("file:///home/ana/a%2Fb.mailflow", None, None),
    ("file:///home/ana/a%00b.mailflow", None, None),
    ("file:///home/ana/%FF.mailflow", None, None),
    ("file://ana@server/share/x.mailflow", None, None),
    ("file://server:8080/share/x.mailflow", None, None),
    ("untitled:Untitled-1", None, None),
    ("https://example.com/x.mailflow", None, None),
];

#[test]
fn a_file_uri_names_a_windows_path_and_a_posix_path() {
    for &(text, windows, posix) in PATHS {
        let uri = uri(text);
        assert_eq!(to_path(&uri, Style::Windows).as_deref(), windows.map(Path::new), "{text} on Windows");
        assert_eq!(to_path(&uri, Style::Posix).as_deref(), posix.map(Path::new), "{text} on POSIX");
    }
}

/// Each row: the folder's URI, its path, a file under it, the file's URI.
type Child<'a> = (&'a str, &'a str, &'a str, &'a str);

fn check_children(rows: &[Child]) {
    for &(folder, root, file, expected) in rows {
        let made = child(&uri(folder), Path::new(root), Path::new(file)).unwrap();
        assert_eq!(made.as_str(), expected, "{file} under {folder}");
    }
}

#[test]
fn a_file_under_a_workspace_folder_is_named_like_the_folder() {
    check_children(&[
        // The folder's spelling is kept, `%3A` or `:`, a trailing slash aside.
        ("file:///c%3A/tenant", "/c:/tenant", "/c:/tenant/contoso.mailflow", "file:///c%3A/tenant/contoso.mailflow"),
        ("file:///C:/tenant/", "/C:/tenant", "/C:/tenant/a/b.mailflow.yaml", "file:///C:/tenant/a/b.mailflow.yaml"),
        (
            "file:///home/ana/My%20Rules",
            "/home/ana/My Rules",
            "/home/ana/My Rules/r\u{e8}gles [1].mailflow",
            "file:///home/ana/My%20Rules/r%C3%A8gles%20%5B1%5D.mailflow",
        ),
        // A workspace "folder" that is the file itself.
        ("file:///home/ana/t.mailflow", "/home/ana/t.mailflow", "/home/ana/t.mailflow", "file:///home/ana/t.mailflow"),
    ]);
    assert_eq!(child(&uri("file:///home/ana/t"), Path::new("/home/ana/t"), Path::new("/home/bob/x.mailflow")), None);
}

#[test]
#[cfg(windows)]
fn a_file_under_a_windows_folder_is_named_like_the_folder() {
    check_children(&[
        ("file:///c%3A/tenant", r"c:\tenant", r"c:\tenant\contoso.mailflow", "file:///c%3A/tenant/contoso.mailflow"),
        ("file:///C:/tenant/", r"C:\tenant", r"C:\tenant\a\b.mailflow.yaml", "file:///C:/tenant/a/b.mailflow.yaml"),
        ("file://server/share", r"\\server\share", r"\\server\share\x.mailflow", "file://server/share/x.mailflow"),
    ]);
}

#[test]
fn the_uris_of_one_file_have_one_identity_however_spelled() {
    let same_on_windows =
        ["file:///c%3A/x/y%20z.mailflow", "file:///C:/x/y%20z.mailflow", "file://localhost/c%3a/x/y%20z.mailflow"];
    for text in same_on_windows {
        assert_eq!(identity(&uri(text), Style::Windows), "file:///c%3A/x/y%20z.mailflow", "{text}");
    }
    assert_eq!(identity(&uri("file://SERVER/share/x.mailflow"), Style::Windows), "file://server/share/x.mailflow");
    for text in [
        "file:///home/ana/r%C3%A8gles.mailflow",
        "file:///home/ana/r%c3%a8gles.mailflow",
        "file://localhost/home/ana/r%C3%A8gles.mailflow",
    ] {
        assert_eq!(identity(&uri(text), Style::Posix), "file:///home/ana/r%C3%A8gles.mailflow", "{text}");
    }
    // Different files stay different: the case of a POSIX name, another drive, another server.
    assert_ne!(
        identity(&uri("file:///home/A.mailflow"), Style::Posix),
        identity(&uri("file:///home/a.mailflow"), Style::Posix)
    );
    assert_ne!(
        identity(&uri("file:///c:/x.mailflow"), Style::Windows),
        identity(&uri("file:///d:/x.mailflow"), Style::Windows)
    );
    assert_ne!(
        identity(&uri("file://a/s/x.mailflow"), Style::Windows),
        identity(&uri("file://b/s/x.mailflow"), Style::Windows)
    );
    assert_eq!(identity(&uri("untitled:Untitled-1"), Style::Posix), "untitled:Untitled-1");
}

#[test]
fn the_file_name_is_decoded() {
    assert_eq!(file_name(&uri("file:///c%3A/My%20Rules/r%C3%A8gles.mailflow.yaml")), "règles.mailflow.yaml");
    assert_eq!(file_name(&uri("file://server/share/tenant.yaml")), "tenant.yaml");
    assert_eq!(file_name(&uri("untitled:Untitled-1")), "Untitled-1");
}
