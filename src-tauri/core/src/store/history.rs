//! History: every request sent (from the window or the CLI) with its response, in an embedded
//! SQLite database (`history.sqlite3` beside the profiles file).
//!
//! Guarantees: nothing secret is stored: every entry goes through `crate::redact` before the row
//! is written. Bodies are cut at `BODY_CAP`. Each entry is one transaction in WAL mode, so a
//! crash mid-write leaves the earlier entries intact and the database consistent. Only the newest
//! `keep` entries are kept (default 1000, settable).

use std::path::{Path, PathBuf};
use std::sync::Mutex;

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

pub struct History {
    path: PathBuf,
    conn: Mutex<Connection>,
}

impl History {
    pub fn open(dir: &Path) -> Result<History, HistoryError> {
        let path = dir.join(FILE_NAME);
        let db = |source| HistoryError::Db {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(|source| HistoryError::Io {
            path: dir.to_path_buf(),
            source,
        })?;
        let mut conn = Connection::open(&path).map_err(db)?;
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
        Ok(History {
            path,
            conn: Mutex::new(conn),
        })
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
        tx.execute(
            "DELETE FROM entries WHERE id NOT IN (SELECT id FROM entries ORDER BY id DESC LIMIT ?1)",
            params![keep],
        )
        .map_err(|e| self.db(e))?;
        tx.commit().map_err(|e| self.db(e))?;
        Ok(id)
    }

    /// Newest first, without headers and bodies.
    pub fn list(&self, filter: &Filter) -> Result<Vec<Summary>, HistoryError> {
        let columns =
            "id, at, profile, profile_id, environment, method, url, status, elapsed_ms, error";
        self.select(columns, filter, |row| {
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
        })
    }

    /// Newest first, whole (for `history --json` and case files).
    pub fn entries(&self, filter: &Filter) -> Result<Vec<Entry>, HistoryError> {
        self.select("*", filter, row_to_entry)
    }

    fn select<T>(
        &self,
        columns: &str,
        filter: &Filter,
        row: impl FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
    ) -> Result<Vec<T>, HistoryError> {
        let (low, high) = match filter.status {
            Some(StatusFilter::Exact(s)) => (s as i64, s as i64),
            Some(StatusFilter::Class(c)) => (c as i64 * 100, c as i64 * 100 + 99),
            None => (-1, i64::MAX),
        };
        let conn = self.conn();
        let mut statement = conn
            .prepare(&format!(
                "SELECT {columns} FROM entries
                 WHERE (?1 IS NULL AND ?7 IS NULL OR profile_id = ?7
                        OR (profile_id IS NULL OR ?7 IS NULL) AND profile = ?1)
                   AND (?2 = -1 OR status BETWEEN ?2 AND ?3)
                   AND (?4 IS NULL OR instr(url, ?4) > 0)
                   AND (?5 IS NULL OR at >= ?5)
                 ORDER BY id DESC LIMIT ?6"
            ))
            .map_err(|e| self.db(e))?;
        let rows = statement
            .query_map(
                params![
                    filter.profile,
                    low,
                    high,
                    filter.url_contains,
                    filter.since,
                    filter.limit.map(i64::from).unwrap_or(-1),
                    filter.profile_id,
                ],
                row,
            )
            .map_err(|e| self.db(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.db(e))
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

    pub fn clear(&self) -> Result<(), HistoryError> {
        self.conn()
            .execute("DELETE FROM entries", [])
            .map(drop)
            .map_err(|e| self.db(e))
    }

    /// How many entries are kept (the newest).
    pub fn keep(&self) -> Result<u32, HistoryError> {
        kept_entries(&self.conn()).map_err(|e| self.db(e))
    }

    /// Keep only the newest `keep` entries from now on (and drop older ones now).
    pub fn set_keep(&self, keep: u32) -> Result<(), HistoryError> {
        let conn = self.conn();
        conn.execute(
            "INSERT INTO settings (name, value) VALUES ('keep', ?1)
             ON CONFLICT(name) DO UPDATE SET value = excluded.value",
            [keep],
        )
        .map_err(|e| self.db(e))?;
        conn.execute(
            "DELETE FROM entries WHERE id NOT IN (SELECT id FROM entries ORDER BY id DESC LIMIT ?1)",
            [keep],
        )
        .map(drop)
        .map_err(|e| self.db(e))
    }
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

fn kept_entries(conn: &Connection) -> rusqlite::Result<u32> {
    let keep = conn
        .query_row("SELECT value FROM settings WHERE name = 'keep'", [], |r| {
            r.get(0)
        })
        .optional()?;
    Ok(keep.unwrap_or(DEFAULT_KEEP))
}
