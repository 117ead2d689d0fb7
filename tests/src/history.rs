//! A year of history in seconds, for the benches and the window's tests: the history database in
//! a directory grown to any number of entries from the ones already recorded there
//! (`bench/history-fill.sql`, which `bench/history-memory.sh` runs with the sqlite3 CLI).

use std::path::Path;

use rusqlite::Connection;

const FILL: &str = include_str!("../../bench/history-fill.sql");

/// Grow the history in `dir` (`history.sqlite3`, made by Waybill, with at least one entry, and
/// not open elsewhere) to `total` entries: copies of its entries in turn, oldest first, spread
/// over the last year; the copies' URLs end in `n=1` … `n={total}` (the newest).
pub fn fill(dir: &Path, total: u32) -> rusqlite::Result<()> {
    let conn = Connection::open(dir.join("history.sqlite3"))?;
    for sql in statements(FILL) {
        let mut statement = conn.prepare(&sql)?;
        if let Some(at) = statement.parameter_index(":total")? {
            statement.raw_bind_parameter(at, total)?;
        }
        statement.raw_execute()?;
    }
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
}

/// The file's statements, without its comments (none of them holds a `;` in a string).
fn statements(sql: &str) -> Vec<String> {
    let code: String = (sql.lines())
        .filter(|line| !line.trim_start().starts_with("--"))
        .map(|line| format!("{line}\n"))
        .collect();
    (code.split(';'))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}
