fn main() {
    let src_dir = std::path::Path::new("src");

    let mut c_config = cc::Build::new();
    c_config.std("c11").include(src_dir);

    #[cfg(target_env = "msvc")]
    c_config.flag("-utf-8");

    let parser_path = src_dir.join("parser.c");
    c_config.file(&parser_path);
    println!("cargo:rerun-if-changed={}", parser_path.to_str().unwrap());

    c_config.compile("tree-sitter-mailflow");

    for (cfg, path) in [
        ("with_highlights_query", "queries/highlights.scm"),
        ("with_locals_query", "queries/locals.scm"),
        ("with_folds_query", "queries/folds.scm"),
    ] {
        println!("cargo:rustc-check-cfg=cfg({cfg})");
        println!("cargo:rerun-if-changed={path}");
        if std::path::Path::new(path).exists() {
            println!("cargo:rustc-cfg={cfg}");
        }
    }
}
