//! The layer rule, checked (issue 13): imports run commands → debug/{session, inspector} →
//! host → isolate → debug/{pause, instrument, ops} → ext → vocabulary (ARCHITECTURE.md's
//! map). So a plugin's thread and isolate (`src/isolate/`) import nothing from the host
//! (`crate::host`), the CLI (`crate::commands`) or the debugger's host side; the
//! capabilities (`src/ext/`) nothing from `isolate/` or `debug/` either; and the vocabulary
//! at the top of `src/` (`state.rs`, `error.rs`, `manifest.rs` and `manifest/`, …) nothing
//! from any folder. Unit tests (`#[cfg(test)]` and below) may reach anywhere.

use std::path::{Path, PathBuf};

/// Upward imports still to invert, each `(file, import)`: none since issue 13 moved the
/// handle ↔ thread state (`isolate/shared.rs`) and a warm isolate's shape
/// (`isolate/shape.rs`) down. Keep it empty: invert a new dependency instead (a trait the
/// host implements, as `isolate::shared::Allocations` and `ext::Inbox` are). The test
/// fails when a listed import is no longer there as well as when a new one appears.
const KNOWN: &[(&str, &str)] = &[];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files the rule covers, relative to the crate root.
fn lower_layers(root: &Path) -> Vec<PathBuf> {
    let src = root.join("src");
    let mut files = Vec::new();
    rust_files(&src.join("ext"), &mut files);
    rust_files(&src.join("isolate"), &mut files);
    rust_files(&src.join("manifest"), &mut files);
    for entry in std::fs::read_dir(&src).into_iter().flatten().flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.extension().is_some_and(|e| e == "rs")
            && name != "lib.rs"
            && name != "main.rs"
            && name != "layers.rs"
        {
            files.push(path);
        }
    }
    files
        .into_iter()
        .filter_map(|p| p.strip_prefix(root).ok().map(Path::to_path_buf))
        .collect()
}

/// The module paths a file in `file`'s layer must not import: every layer above it.
fn above(file: &Path) -> &'static [&'static str] {
    const ISOLATE: &[&str] = &["host", "commands", "debug::session", "debug::inspector"];
    const EXT: &[&str] = &["host", "commands", "isolate", "debug"];
    const VOCABULARY: &[&str] = &["host", "commands", "isolate", "debug", "ext"];
    let under = |dir: &str| file.starts_with(Path::new("src").join(dir));
    if under("isolate") {
        ISOLATE
    } else if under("ext") {
        EXT
    } else {
        VOCABULARY
    }
}

/// Each `crate::host…` / `crate::commands…` path in `code` (also inside `use crate::{…}`).
#[cfg(test)]
fn upward_imports(code: &str) -> Vec<String> {
    imports_of(code, &["host", "commands"])
}

/// Each `crate::<m>…` path in `code` for a module `m` in `forbidden` (also inside
/// `use crate::{…}`), outside the file's unit tests.
fn imports_of(code: &str, forbidden: &[&str]) -> Vec<String> {
    let code = code
        .find("#[cfg(test)]\nmod ")
        .map_or(code, |at| &code[..at]);
    let mut found = Vec::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        let group = rest
            .strip_prefix('{')
            .map(|g| &g[..g.find('}').unwrap_or(g.len())]);
        let heads: Vec<&str> = match group {
            Some(g) => g.split(',').map(str::trim).collect(),
            None => vec![rest],
        };
        for head in heads {
            let path: String = head
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                .collect();
            let path = path.trim_end_matches(':');
            if forbidden
                .iter()
                .any(|m| path == *m || path.starts_with(&format!("{m}::")))
            {
                found.push(format!("crate::{path}"));
            }
        }
    }
    found
}

#[test]
fn ext_isolate_and_vocabulary_import_nothing_from_host_or_commands() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let files = lower_layers(root);
    assert!(
        files.iter().any(|f| f.ends_with("isolate/worker.rs")),
        "the layer check found no files under {}",
        root.display()
    );
    let mut unexpected = Vec::new();
    let mut seen_known = vec![false; KNOWN.len()];
    for file in &files {
        let Ok(code) = std::fs::read_to_string(root.join(file)) else {
            continue;
        };
        let shown = file.display().to_string();
        for import in imports_of(&code, above(file)) {
            match KNOWN
                .iter()
                .position(|(f, i)| *f == shown && import.starts_with(i))
            {
                Some(k) => seen_known[k] = true,
                None => unexpected.push(format!("{shown}: {import}")),
            }
        }
    }
    assert!(
        unexpected.is_empty(),
        "upward imports (isolate/ must not use host/, commands/ or the debugger's host side; \
         ext/ not isolate/ or debug/ either; the vocabulary no folder; move the item down or \
         invert the dependency, see ARCHITECTURE.md):\n  {}",
        unexpected.join("\n  ")
    );
    let gone: Vec<_> = KNOWN
        .iter()
        .zip(&seen_known)
        .filter(|(_, seen)| !**seen)
        .map(|((f, i), _)| format!("{f}: {i}"))
        .collect();
    assert!(
        gone.is_empty(),
        "no longer imported: take these off layers.rs's KNOWN list:\n  {}",
        gone.join("\n  ")
    );
}

#[test]
fn the_import_scan_sees_each_form() {
    let code = "use crate::host::plugin::Shared;\nuse crate::{error::X, commands::run};\n\
                fn f() { crate::host::testing::f(); crate::hosts::ok(); }\n\
                #[cfg(test)]\nmod tests { use crate::host::x; }";
    assert_eq!(
        upward_imports(code),
        [
            "crate::host::plugin::Shared",
            "crate::commands::run",
            "crate::host::testing::f"
        ]
    );
}

#[test]
fn each_layer_has_its_own_ceiling() {
    let code = "use crate::ext::fetch::policy::HostPolicy;\nuse crate::isolate::shape::Shape;\n\
                use crate::debug::pause::State;\nuse crate::manifest::hosts::Entry;";
    let of = |file: &str| imports_of(code, above(Path::new(file)));
    assert_eq!(of("src/isolate/worker.rs"), Vec::<String>::new());
    assert_eq!(
        of("src/ext/fetch/ops.rs"),
        ["crate::isolate::shape::Shape", "crate::debug::pause::State"]
    );
    assert_eq!(
        of("src/manifest.rs"),
        [
            "crate::ext::fetch::policy::HostPolicy",
            "crate::isolate::shape::Shape",
            "crate::debug::pause::State"
        ]
    );
}
