//! The layering of README.md's "代码分层", checked on the source: each module may use only the
//! modules below it. Fails when, say, `web` imports `api` or a service imports `axum`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/<module>` (or the file `src/<module>.rs`).
fn sources(module: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    let file = root.join(format!("{module}.rs"));
    if file.is_file() {
        files.push(file);
    }
    let mut dirs = vec![root.join(module)];
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    assert!(!files.is_empty(), "no sources for module {module}");
    files
}

/// The code of a file without its `//` comments (doc links name modules without using them).
fn code(path: &Path) -> String {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> String {
    s.trim_start()
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_')
        .collect()
}

/// The top-level modules a piece of code names as `crate::x` or `crate::{x, y::z}`.
fn crate_modules(code: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut part = String::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        found.insert(ident(&part));
                        part.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    part.push(c);
                }
            }
            found.insert(ident(&part));
        } else {
            found.insert(ident(rest));
        }
    }
    found.remove("");
    found
}

/// Asserts that no file of `module` names any of `forbidden` (as `crate::x`) or any of
/// `forbidden_crates` (as a path such as `axum::`).
fn assert_uses_none(module: &str, forbidden: &[&str], forbidden_crates: &[&str]) {
    let mut offences = Vec::new();
    for path in sources(module) {
        let code = code(&path);
        for m in crate_modules(&code) {
            if forbidden.contains(&m.as_str()) {
                offences.push(format!("{} uses crate::{m}", path.display()));
            }
        }
        for c in forbidden_crates {
            let used = code.match_indices(&format!("{c}::")).any(|(i, _)| {
                i == 0
                    || !code[..i].ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == ':')
            });
            if used {
                offences.push(format!("{} uses {c}", path.display()));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "layering broken:\n{}",
        offences.join("\n")
    );
}

#[test]
fn web_and_api_do_not_import_each_other() {
    assert_uses_none("web", &["api", "app", "cli", "startup"], &[]);
    assert_uses_none("api", &["web", "app", "cli", "startup"], &[]);
}

#[test]
fn http_serves_web_and_api_without_knowing_them() {
    assert_uses_none("http", &["web", "api", "app", "cli", "startup"], &[]);
}

#[test]
fn the_cli_uses_services_not_pages() {
    assert_uses_none("cli", &["web", "api", "http", "app"], &[]);
}

#[test]
fn services_know_nothing_of_http() {
    assert_uses_none(
        "services",
        &["web", "api", "http", "app", "cli", "startup"],
        &["axum"],
    );
}

#[test]
fn the_store_sits_below_services() {
    assert_uses_none(
        "store",
        &["web", "api", "http", "app", "cli", "startup", "services"],
        &["axum"],
    );
}

#[test]
fn backups_know_the_store_not_the_pages() {
    assert_uses_none(
        "backup",
        &["web", "api", "http", "app", "cli", "startup", "services"],
        &["axum"],
    );
}

#[test]
fn the_demo_generator_writes_below_the_services() {
    // It checks each record with the domain's own functions and writes through the store's
    // connection; no page, handler or start-up code.
    assert_uses_none(
        "demo",
        &["web", "api", "http", "app", "cli", "startup", "services"],
        &["axum"],
    );
}

#[test]
fn the_domain_is_pure() {
    assert_uses_none(
        "domain",
        &[
            "web", "api", "http", "app", "cli", "startup", "services", "store", "clock",
        ],
        &["sqlx", "axum", "tokio"],
    );
}

#[test]
fn the_checker_sees_imports() {
    let found = crate_modules("use crate::{web::auth, api};\nlet x = crate::store::Store::x();");
    assert_eq!(
        found.into_iter().collect::<Vec<_>>(),
        ["api", "store", "web"]
    );
}
