//! One TOML file of the profile directory (`profiles.toml`, `requests.toml`, `variables.toml`).
//!
//! - Human-readable, with a comment at the top and a format `version`; a file from a newer
//!   Waybill is refused, never overwritten.
//! - Written atomically (temporary file in the same directory, fsync, rename): a crash leaves the
//!   old file or the new one, and a reader never needs a lock.
//! - Changed only through `update`: take the file's OS lock, read it again, change, write, let go.
//!   Several processes writing at once each see the others' changes; none is lost.
//! - Checked both ways: a file that does not parse or fails the check is moved aside (under the
//!   lock, once) and reported; a value that fails the check is never written, so what Waybill
//!   writes always loads back.

use std::io::Write;
use std::marker::PhantomData;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::lock::FileLock;
use super::StoreError;

pub struct TomlFile<T> {
    path: PathBuf,
    header: &'static str,
    version: u32,
    check: fn(&T) -> Result<(), String>,
    _value: PhantomData<fn() -> T>,
}

/// The file's shape: `version = N`, then the value's own keys and tables.
#[derive(Serialize, Deserialize)]
struct Versioned<T> {
    #[serde(default)]
    version: u32,
    #[serde(flatten)]
    body: T,
}

impl<T> Clone for TomlFile<T> {
    fn clone(&self) -> Self {
        TomlFile {
            path: self.path.clone(),
            ..*self
        }
    }
}

impl<T> std::fmt::Debug for TomlFile<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TomlFile").field(&self.path).finish()
    }
}

impl<T: Serialize + DeserializeOwned + Default + Clone + PartialEq> TomlFile<T> {
    /// `header` is a comment saying what the file holds; `check` is what every value read or
    /// written must pass.
    pub fn new(
        path: PathBuf,
        header: &'static str,
        version: u32,
        check: fn(&T) -> Result<(), String>,
    ) -> Self {
        TomlFile {
            path,
            header,
            version,
            check,
            _value: PhantomData,
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file holds now (a missing file is the default value).
    pub fn load(&self) -> Result<T, StoreError> {
        match self.read()? {
            Ok(value) => Ok(value),
            Err(_) => {
                // Moved aside under the lock, so two readers never race to rename it.
                let _lock = self.lock()?;
                self.read()?
                    .map_err(|detail| move_aside(&self.path, detail))
            }
        }
    }

    /// Change the file: under its OS lock, read it again, apply `change`, write it if it changed.
    pub fn update<R, E: From<StoreError>>(
        &self,
        change: impl FnOnce(&mut T) -> Result<R, E>,
    ) -> Result<R, E> {
        let _lock = self.lock()?;
        let before = self
            .read()?
            .map_err(|detail| move_aside(&self.path, detail))?;
        let mut value = before.clone();
        let result = change(&mut value)?;
        if value != before {
            self.write(&value)?;
        }
        Ok(result)
    }

    fn lock(&self) -> Result<FileLock, StoreError> {
        let name = self.path.file_name().unwrap_or_default().to_string_lossy();
        let lock = self.path.with_file_name(format!(".{name}.lock"));
        FileLock::acquire(&lock).map_err(|source| StoreError::Io {
            action: "lock",
            path: lock,
            source,
        })
    }

    /// The value, or why the file cannot be used (to move it aside). Too new is an error: that
    /// file is fine, this Waybill is old.
    fn read(&self) -> Result<Result<T, String>, StoreError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Ok(T::default())),
            Err(source) => {
                return Err(StoreError::Io {
                    action: "read",
                    path: self.path.clone(),
                    source,
                })
            }
        };
        let parsed = std::str::from_utf8(&bytes)
            .map_err(|e| format!("not UTF-8 text: {e}"))
            .and_then(|text| {
                toml::from_str::<Versioned<T>>(text).map_err(|e| one_line(&e.to_string()))
            });
        match parsed {
            Ok(file) if file.version > self.version => Err(StoreError::TooNew {
                path: self.path.clone(),
                found: file.version,
                supported: self.version,
            }),
            Ok(file) => Ok((self.check)(&file.body).map(|()| file.body)),
            Err(detail) => Ok(Err(detail)),
        }
    }

    fn write(&self, value: &T) -> Result<(), StoreError> {
        let unloadable = |detail| StoreError::Unloadable {
            path: self.path.clone(),
            detail,
        };
        (self.check)(value).map_err(unloadable)?;
        let file = Versioned {
            version: self.version,
            body: value.clone(),
        };
        let body = toml::to_string_pretty(&file).map_err(|e| unloadable(e.to_string()))?;
        write_atomically(&self.path, format!("{}{body}", self.header).as_bytes())
    }
}

/// Temporary file in the same directory, fsync, rename: a crash leaves the old file or the new one.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let io = |action, source: std::io::Error| match source.kind() {
        std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => StoreError::Full {
            path: path.to_path_buf(),
        },
        _ => StoreError::Io {
            action,
            path: path.to_path_buf(),
            source,
        },
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| io("create the directory of", e))?;
    let mut temp = tempfile::NamedTempFile::new_in(dir).map_err(|e| io("write", e))?;
    temp.write_all(bytes).map_err(|e| io("write", e))?;
    temp.as_file().sync_all().map_err(|e| io("write", e))?;
    temp.persist(path).map_err(|e| io("replace", e.error))?;
    Ok(())
}

/// Keep an unreadable file, under a name that says when, instead of overwriting it.
fn move_aside(path: &Path, detail: String) -> StoreError {
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let mut backup = path.as_os_str().to_owned();
    backup.push(format!(".corrupt-{stamp}"));
    let backup = PathBuf::from(backup);
    match std::fs::rename(path, &backup) {
        Ok(()) => StoreError::Corrupt {
            path: path.to_path_buf(),
            backup,
            detail,
        },
        Err(source) => StoreError::Io {
            action: "move aside the unreadable",
            path: path.to_path_buf(),
            source,
        },
    }
}

pub(crate) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    type Counters = BTreeMap<String, u32>;

    #[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
    struct Doc {
        #[serde(default)]
        counters: Counters,
    }

    fn doc(dir: &Path) -> TomlFile<Doc> {
        let no_zero = |d: &Doc| match d.counters.values().any(|v| *v == 0) {
            true => Err("a counter is zero".to_string()),
            false => Ok(()),
        };
        TomlFile::new(dir.join("doc.toml"), "# test\n\n", 2, no_zero)
    }

    #[test]
    fn updates_from_many_threads_at_once_are_all_kept() {
        let dir = tempfile::tempdir().unwrap();
        let threads: Vec<_> = (0..8)
            .map(|t| {
                let file = doc(dir.path());
                std::thread::spawn(move || {
                    for i in 0..10 {
                        file.update(|d| {
                            d.counters.insert(format!("t{t}-{i}"), 1);
                            Ok::<_, StoreError>(())
                        })
                        .unwrap();
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        assert_eq!(
            doc(dir.path()).load().unwrap().counters.len(),
            80,
            "each thread's read-modify-write re-reads under the lock"
        );
    }

    #[test]
    fn a_value_that_would_not_load_back_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let file = doc(dir.path());
        file.update(|d| {
            d.counters.insert("a".into(), 1);
            Ok::<_, StoreError>(())
        })
        .unwrap();
        let refused = file.update(|d| {
            d.counters.insert("b".into(), 0);
            Ok::<_, StoreError>(())
        });
        assert!(matches!(refused, Err(StoreError::Unloadable { .. })));
        assert_eq!(
            file.load().unwrap().counters.len(),
            1,
            "the file is as it was"
        );
    }

    #[test]
    fn unreadable_files_are_moved_aside_and_newer_ones_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let file = doc(dir.path());
        std::fs::write(file.path(), "version = 2\n[counters]\nx = 0\n").unwrap();
        assert!(matches!(file.load(), Err(StoreError::Corrupt { .. })));
        assert_eq!(
            file.load().unwrap(),
            Doc::default(),
            "the next read starts clean"
        );

        std::fs::write(file.path(), "version = 3\n").unwrap();
        assert!(matches!(
            file.load(),
            Err(StoreError::TooNew { found: 3, .. })
        ));
        let refused = file.update(|_| Ok::<_, StoreError>(()));
        assert!(matches!(refused, Err(StoreError::TooNew { .. })));
        assert_eq!(
            std::fs::read_to_string(file.path()).unwrap(),
            "version = 3\n"
        );
    }
}
