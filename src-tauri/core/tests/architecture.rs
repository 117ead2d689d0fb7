//! The house rules, checked on the source itself (docs/architecture.md, "Floors"):
//! - each floor of `waybill-core` imports only from the floors below it, never back up;
//! - the faces (the window's commands, the CLI) reach the core only through `workspace`;
//! - no source file of the core is over 600 lines of code and no function over 80 lines
//!   (tests, comments and blank lines not counted).
//!
//! A failure names the file and the import (or the size) that breaks the rule.

use std::path::{Path, PathBuf};

/// Top to bottom. A module may use those after it in this list, and the ones beside the floors.
const FLOORS: &[&str] = &[
    "workspace",
    "import",
    "request",
    "session",
    "store",
    "auth",
    "profile",
    "net",
];
/// Beside the floors: usable from every floor, using none of them.
const BESIDE: &[&str] = &["secret", "redact", "clock"];

const MAX_FILE_LINES: usize = 600;
const MAX_FN_LINES: usize = 80;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The file without its `#[cfg(test)]` module (tests may use anything), comments and blank lines.
fn code_lines(text: &str) -> Vec<&str> {
    let end = text.find("#[cfg(test)]\nmod tests").unwrap_or(text.len());
    text[..end]
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("//"))
        .collect()
}

/// Every `crate::name` the code refers to, with the line it is on.
fn crate_paths(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for line in code_lines(text) {
        let mut rest = line;
        while let Some(at) = rest.find("crate::") {
            let after = &rest[at + "crate::".len()..];
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '{')
                .collect();
            if let Some(group) = name.strip_prefix('{') {
                // `crate::{a, b::c}`: each item of the group.
                let inner = after[1..].split('}').next().unwrap_or_default();
                for item in inner.split(',') {
                    let head = item.trim().split("::").next().unwrap_or_default();
                    found.push((head.to_string(), line.to_string()));
                }
                let _ = group;
            } else {
                found.push((name, line.to_string()));
            }
            rest = after;
        }
    }
    found
}

/// The floor (or `beside`) a core file belongs to: its first directory or file name under src/.
fn module_of(src: &Path, file: &Path) -> String {
    let relative = file.strip_prefix(src).unwrap();
    let first = relative.components().next().unwrap().as_os_str();
    first.to_string_lossy().trim_end_matches(".rs").to_string()
}

#[test]
fn each_floor_imports_only_from_the_floors_below_it() {
    let src = root().join("src");
    let rank = |m: &str| FLOORS.iter().position(|f| *f == m);
    let mut broken = Vec::new();
    for file in rust_files(&src) {
        let module = module_of(&src, &file);
        if module == "lib" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (used, line) in crate_paths(&text) {
            if used == module || used.is_empty() || used == "self" {
                continue;
            }
            let allowed = match (rank(&module), rank(&used)) {
                // A floor may use a lower floor, or what is beside them.
                (Some(me), Some(it)) => it > me,
                (Some(_), None) => BESIDE.contains(&used.as_str()),
                // Beside the floors: nothing of the floors.
                (None, Some(_)) => false,
                (None, None) => true,
            };
            if !allowed {
                broken.push(format!(
                    "{}: {module} uses {used} (`{line}`)",
                    file.strip_prefix(root()).unwrap().display()
                ));
            }
        }
    }
    assert!(
        broken.is_empty(),
        "imports that run back up the floors ({} of them):\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn the_faces_reach_the_core_only_through_the_workspace() {
    let faces = root().join("..");
    let mut broken = Vec::new();
    for dir in ["src", "cli/src"] {
        for file in rust_files(&faces.join(dir)) {
            let text = std::fs::read_to_string(&file).unwrap();
            for line in code_lines(&text) {
                let mut rest = line;
                while let Some(at) = rest.find("waybill_core::") {
                    let after = &rest[at + "waybill_core::".len()..];
                    if !after.starts_with("workspace") {
                        broken.push(format!(
                            "{}: `{line}`",
                            file.strip_prefix(&faces).unwrap().display()
                        ));
                        break;
                    }
                    rest = after;
                }
            }
        }
    }
    assert!(
        broken.is_empty(),
        "the faces reach below the workspace ({} places):\n{}",
        broken.len(),
        broken.join("\n")
    );
}

#[test]
fn no_file_or_function_of_the_core_is_too_long() {
    let src = root().join("src");
    let mut too_long = Vec::new();
    for file in rust_files(&src) {
        let text = std::fs::read_to_string(&file).unwrap();
        let lines = code_lines(&text);
        let name = file.strip_prefix(root()).unwrap().display().to_string();
        if lines.len() > MAX_FILE_LINES {
            too_long.push(format!(
                "{name}: {} lines of code (at most {MAX_FILE_LINES})",
                lines.len()
            ));
        }
        for (function, length) in functions(&lines) {
            if length > MAX_FN_LINES {
                too_long.push(format!(
                    "{name}: fn {function} is {length} lines (at most {MAX_FN_LINES})"
                ));
            }
        }
    }
    assert!(too_long.is_empty(), "too long:\n{}", too_long.join("\n"));
}

/// Each `fn` and how many code lines it spans, from its signature to its closing brace.
fn functions(lines: &[&str]) -> Vec<(String, usize)> {
    let mut found = Vec::new();
    for (start, line) in lines.iter().enumerate() {
        let Some(at) = line.find("fn ") else { continue };
        let before = &line[..at];
        let is_fn = before.is_empty()
            || before.ends_with(' ')
                && before.split_whitespace().all(|w| {
                    [
                        "pub",
                        "pub(crate)",
                        "pub(super)",
                        "async",
                        "const",
                        "unsafe",
                    ]
                    .contains(&w)
                });
        if !is_fn {
            continue;
        }
        let name: String = line[at + 3..]
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .collect();
        let mut depth = 0i32;
        let mut opened = false;
        for (offset, body) in lines[start..].iter().enumerate() {
            for c in body.chars() {
                match c {
                    '{' => {
                        depth += 1;
                        opened = true
                    }
                    '}' => depth -= 1,
                    _ => {}
                }
            }
            if opened && depth <= 0 {
                found.push((name.clone(), offset + 1));
                break;
            }
            if !opened && body.ends_with(';') {
                break;
            }
        }
    }
    found
}
