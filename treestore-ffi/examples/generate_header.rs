//! Regenerates `include/treestore.h` (and the preprocessor-free `include/treestore_cffi.h` the
//! Python SDK reads) from this crate's source with the pinned cbindgen.
//!
//! Run: `cargo run -p treestore-ffi --example generate_header`

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let include = crate_dir.join("../include");
    let header = generate(&crate_dir);
    std::fs::write(include.join("treestore.h"), &header).expect("write include/treestore.h");
    std::fs::write(include.join("treestore_cffi.h"), cffi_header(&header))
        .expect("write include/treestore_cffi.h");
    println!("wrote include/treestore.h and include/treestore_cffi.h");
}

/// The header cbindgen produces for this crate.
pub fn generate(crate_dir: &std::path::Path) -> String {
    let config =
        cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
}

/// The same declarations without preprocessor lines (cffi's `cdef` takes no #include or #if);
/// integer `#define`s stay, which cdef accepts.
pub fn cffi_header(header: &str) -> String {
    let mut out =
        String::from("/* Generated from treestore.h for cffi: preprocessor lines removed. */\n");
    let mut skip_cpp = false;
    for line in header.lines() {
        let t = line.trim_start();
        if t.starts_with("#ifdef __cplusplus") {
            skip_cpp = true;
            continue;
        }
        if skip_cpp {
            if t.starts_with("#endif") {
                skip_cpp = false;
            }
            continue;
        }
        let keep_define =
            t.starts_with("#define TREESTORE_") && !t.starts_with("#define TREESTORE_H");
        if t.starts_with('#') && !keep_define {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}
