//! History: every request sent (from the window or the CLI) with its response, in an embedded
//! SQLite database (`history.sqlite3` beside the profiles file).
//!
//! Guarantees: nothing secret is stored: every entry goes through `crate::redact` before the row
//! is written. Bodies are cut at `BODY_CAP`. Each entry is one transaction in WAL mode, so a
//! crash mid-write leaves the earlier entries intact and the database consistent. Only the newest
//! `keep` entries are kept (default 1000, settable; 100,000 and more work: see below).
//!
//! A year of history (100,000 entries, `benches/history.rs`): the list reads one covering index
//! (`entries_list`: every column of a list row, in id order) and never the rows' headers and
//! bodies, so a page of the newest, each filter, and the count of what a filter finds scan at
//! most that index; the list comes in pages (`Filter::limit`, `offset`, and `until_id` to hold a
//! list still while new entries come in). Retention counts the entries and drops only the oldest
//! beyond `keep`; emptying history, or trimming it to less than half, gives the space back to the
//! file system (`VACUUM`).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rusqlite::types::Value;
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use crate::redact::{redact_body, redact_headers, scrub};

pub const FILE_NAME: &str = "history.sqlite3";
pub const DEFAULT_KEEP: u32 = 1000;
/// Bodies longer than this are cut (and marked truncated).
pub const BODY_CAP: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    #[error("the history database {path} could not be used: {source}")]
    Db {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("could not create {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("there is no history entry {0}")]
    NotFound(i64),
    #[error("history can be read but not added to for now ({0}); free some space on its disk, or make its folder writable")]
    ReadOnly(String),
    #[error("{0:?} is not a status filter (give 404, or a class such as 4xx)")]
    BadStatus(String),
}

/// One request and what came back (or the error instead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Entry {
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub id: i64,
    /// RFC 3339.
    pub at: String,
    /// The profile's name (its current one when it was renamed since).
    pub profile: String,
    /// The profile's lasting identity (its keyring id), which a rename keeps; never exported.
    #[serde(skip)]
    pub profile_id: Option<String>,
    pub environment: Option<String>,
    pub method: String,
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: Option<String>,
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: Option<String>,
    /// A body was longer than `BODY_CAP` and was cut.
    pub truncated: bool,
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub elapsed_ms: Option<u64>,
    /// The request failed before an answer (timeout, refused, token error).
    pub error: Option<String>,
}

/// One line of the list: an entry without its headers and bodies (up to `BODY_CAP` each), which
/// stay in the database until the entry is opened.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub id: i64,
    pub at: String,
    pub profile: String,
    #[serde(skip)]
    pub profile_id: Option<String>,
    pub environment: Option<String>,
    pub method: String,
    pub url: String,
    pub status: Option<u16>,
    pub elapsed_ms: Option<u64>,
    pub error: Option<String>,
}

/// What to record; `secrets` are values to scrub wherever they appear (tokens, passwords).
pub struct NewEntry<'a> {
    pub profile: &'a str,
    /// The profile's keyring id: entries follow it through a rename.
    pub profile_id: &'a str,
    pub environment: Option<&'a str>,
    pub method: &'a str,
    pub url: &'a str,
    pub request_headers: &'a [(String, String)],
    pub request_body: Option<&'a [u8]>,
    pub status: Option<u16>,
    pub response_headers: &'a [(String, String)],
    pub response_body: Option<&'a [u8]>,
    pub elapsed_ms: Option<u64>,
    pub error: Option<&'a str>,
    pub secrets: &'a [&'a str],
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// A profile's name: entries recorded under it (before history kept identities).
    pub profile: Option<String>,
    /// That profile's keyring id, when it exists: every entry it made, whatever its name then.
    pub profile_id: Option<String>,
    pub status: Option<StatusFilter>,
    pub url_contains: Option<String>,
    /// RFC 3339; entries at or after it.
    pub since: Option<String>,
    pub limit: Option<u32>,
    /// Skip this many of the newest matches (a later page of the list).
    pub offset: Option<u32>,
    /// Only entries up to this id: a list's later pages stay in step with its first while new
    /// entries are recorded (give the first page's newest id).
    pub until_id: Option<i64>,
}

/// One page of the list, and how many entries there are.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Page {
    pub rows: Vec<Summary>,
    /// Entries the filter finds, on every page.
    pub matching: u64,
    /// Entries kept, whatever the filter.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Exact(u16),
    /// 4 for 4xx.
    Class(u16),
}

impl std::str::FromStr for StatusFilter {
    type Err = HistoryError;
    fn from_str(text: &str) -> Result<Self, HistoryError> {
        let bad = || HistoryError::BadStatus(text.to_string());
        let lower = text.trim().to_ascii_lowercase();
        match lower.strip_suffix("xx") {
            Some(class) => class
                .parse()
                .ok()
                .filter(|c| (1..=5).contains(c))
                .map(StatusFilter::Class)
                .ok_or_else(bad),
            None => lower
                .parse()
                .ok()
                .filter(|s| (100..600).contains(s))
                .map(StatusFilter::Exact)
                .ok_or_else(bad),
        }
    }
}

/// History holds customer data (bodies, URLs), so only its owner may read it: the file is made
/// with mode 0600 (SQLite gives its `-wal` and `-shm` files the same mode) and one made wider by
/// an older Waybill or a loose umask is narrowed. A no-op off Unix, where the folder is the user's.
fn keep_private(path: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(path)?;
        if file.metadata()?.permissions().mode() & 0o077 != 0 {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
            for suffix in ["-wal", "-shm"] {
                let mut side = path.as_os_str().to_owned();
                side.push(suffix);
                let side = PathBuf::from(side);
                if side.exists() {
                    std::fs::set_permissions(&side, std::fs::Permissions::from_mode(0o600))?;
                }
            }
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

pub struct History {
    path: PathBuf,
    conn: Mutex<Connection>,
    /// Why history can only be read for now (a full disk, a folder that cannot be written):
    /// every write is refused with it.
    read_only: Option<String>,
}

impl History {
    pub fn open(dir: &Path) -> Result<History, HistoryError> {
        let path = dir.join(FILE_NAME);
        match Self::open_for_writing(dir, &path) {
            Ok(conn) => Ok(History {
                path,
                conn: Mutex::new(conn),
                read_only: None,
            }),
            // SQLite needs room for its log even to read: on a full disk (or in a folder that
            // cannot be written) read the file as it is, and refuse writes in words.
            // (An empty file, made just now on a full disk, holds no history to read.)
            Err(e) if path.metadata().is_ok_and(|m| m.is_file() && m.len() > 0) => {
                match read_as_is(&path) {
                    Ok(conn) => Ok(History {
                        path,
                        conn: Mutex::new(conn),
                        read_only: Some(e.to_string()),
                    }),
                    Err(_) => Err(e),
                }
            }
            Err(e) => Err(e),
        }
    }

    fn open_for_writing(dir: &Path, path: &Path) -> Result<Connection, HistoryError> {
        let db = |source| HistoryError::Db {
            path: path.to_path_buf(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        keep_private(path).map_err(|source| HistoryError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(path).map_err(db)?;
        wal(&conn).map_err(db)?;
        conn.execute_batch(
            "
             PRAGMA synchronous = NORMAL;
             CREATE TABLE IF NOT EXISTS entries (
               id INTEGER PRIMARY KEY AUTOINCREMENT,
               at TEXT NOT NULL,
               profile TEXT NOT NULL,
               environment TEXT,
               method TEXT NOT NULL,
               url TEXT NOT NULL,
               request_headers TEXT NOT NULL,
               request_body TEXT,
               status INTEGER,
               response_headers TEXT NOT NULL,
               response_body TEXT,
               truncated INTEGER NOT NULL,
               elapsed_ms INTEGER,
               error TEXT,
               profile_id TEXT);
             CREATE INDEX IF NOT EXISTS entries_at ON entries(at);
             CREATE INDEX IF NOT EXISTS entries_profile ON entries(profile);
             CREATE TABLE IF NOT EXISTS settings (name TEXT PRIMARY KEY, value INTEGER NOT NULL);",
        )
        .map_err(db)?;
        add_profile_ids(&mut conn).map_err(db)?;
        add_list_index(&mut conn).map_err(db)?;
        Ok(conn)
    }

    /// Writes are refused while history can only be read.
    fn writable(&self) -> Result<(), HistoryError> {
        match &self.read_only {
            Some(reason) => Err(HistoryError::ReadOnly(reason.clone())),
            None => Ok(()),
        }
    }

    /// The OS data directory, where history lives unless the person names a home.
    pub fn default_dir() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "waybill").map(|dirs| dirs.data_dir().to_path_buf())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn db(&self, source: rusqlite::Error) -> HistoryError {
        HistoryError::Db {
            path: self.path.clone(),
            source,
        }
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Keep the entry (redacted), then drop the oldest beyond the retention limit; returns its id.
    pub fn record(&self, entry: NewEntry<'_>) -> Result<i64, HistoryError> {
        self.writable()?;
        let mut truncated = false;
        let mut body = |bytes: Option<&[u8]>| {
            bytes.map(|b| {
                let cut = &b[..b.len().min(BODY_CAP)];
                truncated |= cut.len() < b.len();
                redact_body(&String::from_utf8_lossy(cut), entry.secrets)
            })
        };
        let request_body = body(entry.request_body);
        let response_body = body(entry.response_body);
        let headers = |h: &[(String, String)]| {
            serde_json::to_string(&redact_headers(h, entry.secrets)).unwrap_or_default()
        };
        let url = scrub(entry.url, entry.secrets);
        let error = entry.error.map(|e| scrub(e, entry.secrets));
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.db(e))?;
        tx.execute(
            "INSERT INTO entries (at, profile, environment, method, url, request_headers,
               request_body, status, response_headers, response_body, truncated, elapsed_ms, error,
               profile_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
                entry.profile,
                entry.environment,
                entry.method,
                url,
                headers(entry.request_headers),
                request_body,
                entry.status,
                headers(entry.response_headers),
                response_body,
                truncated,
                entry.elapsed_ms,
                error,
                entry.profile_id,
            ],
        )
        .map_err(|e| self.db(e))?;
        let id = tx.last_insert_rowid();
        let keep = kept_entries(&tx).map_err(|e| self.db(e))?;
        trim(&tx, keep).map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))?;
        Ok(id)
    }

    /// Newest first, without headers and bodies.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Summary>, HistoryError> {
        select(&self.conn(), SUMMARY, filter, row_to_summary).map_err(|e| self.db(e))
    }

    /// A page of the list (`filter.limit` rows from `filter.offset`), with how many entries the
    /// filter finds and how many there are, all read at one moment.
    pub fn page(&self, filter: &Filter) -> Result<Page, HistoryError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(|e| self.db(e))?;
        let page = (|| -> rusqlite::Result<Page> {
            let rows = select(&tx, SUMMARY, filter, row_to_summary)?;
            let total: u64 = tx.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?;
            let (clause, values) = conditions(filter);
            let matching = match clause.is_empty() {
                true => total,
                false => tx.query_row(
                    &format!("SELECT count(*) FROM entries {} {clause}", list_index(&tx)?),
                    rusqlite::params_from_iter(values),
                    |r| r.get(0),
                )?,
            };
            Ok(Page {
                rows,
                matching,
                total,
            })
        })();
        page.map_err(|e| self.db(e))
    }

    /// Newest first, whole (for `history --json` and case files).
    pub fn entries(&self, filter: &Filter) -> Result<Vec<Entry>, HistoryError> {
        select(&self.conn(), "*", filter, row_to_entry).map_err(|e| self.db(e))
    }

    pub fn get(&self, id: i64) -> Result<Entry, HistoryError> {
        self.conn()
            .query_row("SELECT * FROM entries WHERE id = ?1", [id], row_to_entry)
            .optional()
            .map_err(|e| self.db(e))?
            .ok_or(HistoryError::NotFound(id))
    }

    /// Entries kept before history knew profiles' identities carry a name only: tie them to the
    /// profile of that name now (`(name, keyring id)`), once, so a later rename takes them along.
    pub fn adopt_profile_ids(&self, profiles: &[(&str, &str)]) -> Result<(), HistoryError> {
        // Done by the first Waybill that can write.
        if self.read_only.is_some() {
            return Ok(());
        }
        let done = |conn: &Connection| {
            conn.query_row(
                "SELECT 1 FROM settings WHERE name = 'profile_ids'",
                [],
                |_| Ok(()),
            )
            .optional()
        };
        let mut conn = self.conn();
        // Read first: every open after the first needs no write lock.
        if done(&conn).map_err(|e| self.db(e))?.is_some() {
            return Ok(());
        }
        // Another Waybill opening history now may be doing the same: one does it, under the lock.
        let tx = (conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate))
            .map_err(|e| self.db(e))?;
        if done(&tx).map_err(|e| self.db(e))?.is_some() {
            return Ok(());
        }
        for (name, id) in profiles {
            tx.execute(
                "UPDATE entries SET profile_id = ?2 WHERE profile_id IS NULL AND profile = ?1",
                params![name, id],
            )
            .map_err(|e| self.db(e))?;
        }
        tx.execute(
            "INSERT INTO settings (name, value) VALUES ('profile_ids', 1)",
            [],
        )
        .map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))
    }

    /// Delete every entry, and give the file's space back.
    pub fn clear(&self) -> Result<(), HistoryError> {
        self.writable()?;
        let conn = self.conn();
        conn.execute("DELETE FROM entries", [])
            .map_err(|e| self.db(e))?;
        shrink(&conn);
        Ok(())
    }

    /// How many entries are kept (the newest).
    pub fn keep(&self) -> Result<u32, HistoryError> {
        kept_entries(&self.conn()).map_err(|e| self.db(e))
    }

    /// Keep only the newest `keep` entries from now on (and drop older ones now).
    pub fn set_keep(&self, keep: u32) -> Result<(), HistoryError> {
        self.writable()?;
        let mut conn = self.conn();
        let tx = (conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate))
            .map_err(|e| self.db(e))?;
        tx.execute(
            "INSERT INTO settings (name, value) VALUES ('keep', ?1)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [keep],
        )
        .map_err(|e| self.db(e))?;
        let dropped = trim(&tx, keep).map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))?;
        if dropped > 0 {
            shrink(&conn);
        }
        Ok(())
    }
}

/// The columns of a list row (all in the `entries_list` index).
const SUMMARY: &str =
    "id, at, profile, profile_id, environment, method, url, status, elapsed_ms, error";

/// The filter's conditions as a `WHERE` clause (empty for none) and their values. Only the
/// conditions given are written, so each query is as plain as its filter.
fn conditions(filter: &Filter) -> (String, Vec<Value>) {
    let mut clauses: Vec<&str> = Vec::new();
    let mut values: Vec<Value> = Vec::new();
    let text = |t: &String| Value::Text(t.clone());
    match (&filter.profile, &filter.profile_id) {
        (None, None) => {}
        (Some(name), None) => {
            clauses.push("profile = ?");
            values.push(text(name));
        }
        (None, Some(id)) => {
            clauses.push("profile_id = ?");
            values.push(text(id));
        }
        (Some(name), Some(id)) => {
            clauses.push("(profile_id = ? OR profile_id IS NULL AND profile = ?)");
            values.extend([text(id), text(name)]);
        }
    }
    if let Some(status) = filter.status {
        let (low, high) = match status {
            StatusFilter::Exact(s) => (s, s),
            StatusFilter::Class(c) => (c * 100, c * 100 + 99),
        };
        clauses.push("status BETWEEN ? AND ?");
        values.extend([Value::Integer(low.into()), Value::Integer(high.into())]);
    }
    if let Some(url) = &filter.url_contains {
        clauses.push("instr(url, ?) > 0");
        values.push(text(url));
    }
    if let Some(since) = &filter.since {
        clauses.push("at >= ?");
        values.push(text(since));
    }
    if let Some(id) = filter.until_id {
        clauses.push("id <= ?");
        values.push(Value::Integer(id));
    }
    match clauses.is_empty() {
        true => (String::new(), values),
        false => (format!("WHERE {}", clauses.join(" AND ")), values),
    }
}

/// Newest first, through the list index: a filter checks the index's columns, never reading past
/// a row's bodies, and the newest matches come first, so a page stops as soon as it is full.
fn select<T>(
    conn: &Connection,
    columns: &str,
    filter: &Filter,
    row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let (clause, mut values) = conditions(filter);
    values.push(Value::Integer(filter.limit.map(i64::from).unwrap_or(-1)));
    values.push(Value::Integer(filter.offset.unwrap_or(0).into()));
    let mut statement = conn.prepare(&format!(
        "SELECT {columns} FROM entries {} {clause} ORDER BY id DESC LIMIT ? OFFSET ?",
        list_index(conn)?
    ))?;
    let rows = statement.query_map(rusqlite::params_from_iter(values), row)?;
    rows.collect()
}

/// `INDEXED BY entries_list`, or nothing in a database without that index (one read as it is, on
/// a full disk, from before the index: SQLite refuses a query naming an index that is not there).
fn list_index(conn: &Connection) -> rusqlite::Result<&'static str> {
    let has = conn
        .prepare_cached(
            "SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = 'entries_list'",
        )?
        .exists([])?;
    Ok(if has { "INDEXED BY entries_list" } else { "" })
}

/// Drop the oldest entries beyond the newest `keep`; returns how many went. Counting first keeps
/// this cheap at any `keep`: only the entries that go are read.
fn trim(conn: &Connection, keep: u32) -> rusqlite::Result<usize> {
    let count: i64 = conn.query_row("SELECT count(*) FROM entries", [], |r| r.get(0))?;
    match count - i64::from(keep) {
        over if over > 0 => conn.execute(
            "DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY id LIMIT ?1)",
            [over],
        ),
        _ => Ok(0),
    }
}

/// After many entries went: rewrite the file when at least half of it is free pages (`VACUUM`;
/// it copies only what is left), then empty the write-ahead log into it and cut the log to
/// nothing. Best effort: the entries are gone either way; another Waybill reading at that moment
/// only delays it.
fn shrink(conn: &Connection) {
    let pages = |pragma: &str| conn.query_row(pragma, [], |r| r.get::<_, i64>(0));
    let done = (|| -> rusqlite::Result<()> {
        if pages("PRAGMA freelist_count")? * 2 >= pages("PRAGMA page_count")? {
            conn.execute_batch("VACUUM;")?;
        }
        conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
    })();
    if let Err(e) = done {
        tracing::warn!("history: the file keeps its free space for now: {e}");
    }
}

fn row_to_summary(row: &rusqlite::Row<'_>) -> rusqlite::Result<Summary> {
    Ok(Summary {
        id: row.get("id")?,
        at: row.get("at")?,
        profile: row.get("profile")?,
        profile_id: row.get("profile_id")?,
        environment: row.get("environment")?,
        method: row.get("method")?,
        url: row.get("url")?,
        status: row.get("status")?,
        elapsed_ms: row.get("elapsed_ms")?,
        error: row.get("error")?,
    })
}

fn row_to_entry(row: &rusqlite::Row<'_>) -> rusqlite::Result<Entry> {
    let headers = |text: String| serde_json::from_str(&text).unwrap_or_default();
    Ok(Entry {
        id: row.get("id")?,
        at: row.get("at")?,
        profile: row.get("profile")?,
        profile_id: row.get("profile_id")?,
        environment: row.get("environment")?,
        method: row.get("method")?,
        url: row.get("url")?,
        request_headers: headers(row.get("request_headers")?),
        request_body: row.get("request_body")?,
        status: row.get("status")?,
        response_headers: headers(row.get("response_headers")?),
        response_body: row.get("response_body")?,
        truncated: row.get("truncated")?,
        elapsed_ms: row.get("elapsed_ms")?,
        error: row.get("error")?,
    })
}

/// The file as it is, read-only and without SQLite's log or locks (`immutable`): what a full disk
/// still allows. Entries still in a log another Waybill left unmerged are not seen.
fn read_as_is(path: &Path) -> rusqlite::Result<Connection> {
    let uri = url::Url::from_file_path(path)
        .map(|url| format!("{url}?immutable=1"))
        .map_err(|()| rusqlite::Error::InvalidPath(path.to_path_buf()))?;
    let flags = rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_URI;
    Connection::open_with_flags(uri, flags)
}

/// WAL mode. Switching needs the database to itself, and SQLite answers "locked" at once rather
/// than wait when another Waybill is opening the new file too: try again for a while.
fn wal(conn: &Connection) -> rusqlite::Result<()> {
    let mut tries = 0;
    loop {
        match conn.execute_batch("PRAGMA journal_mode = WAL;") {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy && tries < 100 =>
            {
                tries += 1;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            done => return done,
        }
    }
}

/// Databases made before entries kept their profile's identity get the column (empty for the
/// entries already there), under the write lock so two Waybills opening one never both add it.
fn add_profile_ids(conn: &mut Connection) -> rusqlite::Result<()> {
    let has = |conn: &Connection| {
        conn.prepare("SELECT 1 FROM pragma_table_info('entries') WHERE name = 'profile_id'")?
            .exists([])
    };
    if !has(conn)? {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if !has(&tx)? {
            tx.execute_batch("ALTER TABLE entries ADD COLUMN profile_id TEXT;")?;
        }
        tx.commit()?;
    }
    conn.execute_batch("CREATE INDEX IF NOT EXISTS entries_profile_id ON entries(profile_id);")
}

/// The list's covering index (every column of a list row, in id order): databases from before it
/// get it on first open (about a quarter of a second at 100,000 entries), under the write lock;
/// later opens only look.
fn add_list_index(conn: &mut Connection) -> rusqlite::Result<()> {
    let has = |conn: &Connection| {
        conn.prepare("SELECT 1 FROM sqlite_schema WHERE type = 'index' AND name = 'entries_list'")?
            .exists([])
    };
    if !has(conn)? {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        if !has(&tx)? {
            tx.execute_batch(
                "CREATE INDEX entries_list ON entries(id, status, profile_id, profile, at, method,
                   url, environment, elapsed_ms, error);",
            )?;
        }
        tx.commit()?;
    }
    Ok(())
}

fn kept_entries(conn: &Connection) -> rusqlite::Result<u32> {
    let keep = conn
        .query_row("SELECT value FROM settings WHERE name = 'keep'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(keep.unwrap_or(DEFAULT_KEEP))
}
