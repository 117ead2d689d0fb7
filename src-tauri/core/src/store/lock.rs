//! OS file locks (`flock` on Unix, `LockFileEx` on Windows, through `std::fs::File::lock`).
//!
//! A lock is held by an open lock file and let go when it is dropped, also when the process dies,
//! so a crashed Waybill never leaves a lock behind. Lock files are never deleted: deleting one
//! while another process waits on it would let two holders in.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

/// An exclusive lock, held until dropped.
#[derive(Debug)]
pub struct FileLock {
    _file: File,
}

impl FileLock {
    /// Wait for the exclusive lock on `path` (created if missing, with its directory).
    pub fn acquire(path: &Path) -> std::io::Result<FileLock> {
        let file = open(path)?;
        file.lock()?;
        Ok(FileLock { _file: file })
    }

    /// Wait for a shared lock on `path`: any number of holders, none while an exclusive one is.
    pub fn acquire_shared(path: &Path) -> std::io::Result<FileLock> {
        let file = open(path)?;
        file.lock_shared()?;
        Ok(FileLock { _file: file })
    }

    /// The same, off the async runtime's threads: the wait can be as long as another process's
    /// token request.
    pub async fn acquire_async(path: PathBuf) -> std::io::Result<FileLock> {
        tokio::task::spawn_blocking(move || FileLock::acquire(&path))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }

    pub async fn acquire_shared_async(path: PathBuf) -> std::io::Result<FileLock> {
        tokio::task::spawn_blocking(move || FileLock::acquire_shared(&path))
            .await
            .unwrap_or_else(|e| Err(std::io::Error::other(e)))
    }
}

fn open(path: &Path) -> std::io::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    use std::time::Duration;

    #[test]
    fn a_second_holder_waits_until_the_first_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.lock");
        let first = FileLock::acquire(&path).unwrap();
        let released = Arc::new(AtomicBool::new(false));
        let waiter = {
            let (path, released) = (path.clone(), released.clone());
            std::thread::spawn(move || {
                let _second = FileLock::acquire(&path).unwrap();
                assert!(
                    released.load(Ordering::SeqCst),
                    "the second holder got in while the first still held the lock"
                );
            })
        };
        std::thread::sleep(Duration::from_millis(200));
        released.store(true, Ordering::SeqCst);
        drop(first);
        waiter.join().unwrap();
    }
}
