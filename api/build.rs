//! Tells cargo when the embedded clients (`http/assets.rs`) are stale. rust-embed
//! includes each file it found, so cargo notices when one of those changes, but not a
//! `dist/` folder that appears, or gains files, after the last build (the server built
//! before `npm run build`). Debug builds read the folders at run time, so only builds
//! that embed watch them.

use std::path::Path;

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    if std::env::var_os("CARGO_CFG_DEBUG_ASSERTIONS").is_some() {
        return;
    }
    for client in ["../widget", "../dashboard"] {
        let dist = format!("{client}/dist");
        // Cargo scans a watched folder recursively. A missing path counts as changed on
        // every build, so until `dist/` exists watch the client's folder, which changes
        // when the build creates it.
        if Path::new(&dist).exists() {
            println!("cargo::rerun-if-changed={dist}");
        } else if Path::new(client).exists() {
            println!("cargo::rerun-if-changed={client}");
        }
    }
}
