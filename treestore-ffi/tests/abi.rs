//! Checks on the ABI's source: the committed headers are what cbindgen generates now, and every
//! export runs inside the panic boundary.

#[path = "../examples/generate_header.rs"]
#[allow(dead_code)]
mod generate_header;

use std::path::PathBuf;

fn crate_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn header_is_fresh() {
    let generated = generate_header::generate(&crate_dir());
    let committed =
        std::fs::read_to_string(crate_dir().join("../include/treestore.h")).unwrap_or_default();
    assert!(
        generated == committed,
        "include/treestore.h is stale: run `cargo run -p treestore-ffi --example generate_header`"
    );
    let cffi = std::fs::read_to_string(crate_dir().join("../include/treestore_cffi.h"))
        .unwrap_or_default();
    assert_eq!(
        generate_header::cffi_header(&generated),
        cffi,
        "include/treestore_cffi.h is stale: run `cargo run -p treestore-ffi --example generate_header`"
    );
}

/// Every `extern "C" fn` body must start with a call into `crate::panic::boundary*`.
#[test]
fn every_export_is_inside_the_panic_boundary() {
    let mut exports = 0;
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(crate_dir().join("src")).unwrap() {
        let path = entry.unwrap().path();
        let src = std::fs::read_to_string(&path).unwrap();
        let mut rest = src.as_str();
        while let Some(at) = rest.find("extern \"C\" fn ") {
            let after = &rest[at..];
            let name: String = after["extern \"C\" fn ".len()..]
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            let body_start = after.find('{').expect("function body");
            let body = after[body_start + 1..].trim_start();
            exports += 1;
            if !body.starts_with("crate::panic::boundary") {
                missing.push(format!("{}: {name}", path.display()));
            }
            rest = &after[body_start..];
        }
    }
    assert!(
        exports > 10,
        "found only {exports} exports: the scan is broken"
    );
    assert!(
        missing.is_empty(),
        "exports outside the panic boundary: {missing:?}"
    );
}

/// Every export named in the header follows `treestore_<object>_<verb>` or is a documented global.
#[test]
fn exports_use_the_treestore_prefix() {
    let header = std::fs::read_to_string(crate_dir().join("../include/treestore.h")).unwrap();
    for line in header.lines() {
        if let Some(paren) = line.find('(') {
            let decl = &line[..paren];
            if let Some(name) = decl.split_whitespace().last() {
                let name = name.trim_start_matches('*');
                if decl.contains("treestore_status")
                    || decl.starts_with("void ")
                    || decl.starts_with("const ")
                {
                    assert!(
                        name.starts_with("treestore_"),
                        "export {name} lacks the prefix"
                    );
                }
            }
        }
    }
}
