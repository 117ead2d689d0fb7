//! Values longer than one keyring entry holds, split across several. The Windows Credential
//! Manager keeps at most 2,560 bytes (1,280 UTF-16 code units) per credential, and access tokens
//! (Microsoft Entra ID's), refresh tokens and PEM keys can be longer even alone.
//!
//! A value the store refuses as too long goes to chunk entries `<account>#1`, `#2`, ... and the
//! head entry `<account>` then holds `waybill-chunks:v1:<N>:<SHA-256 of the whole value, hex>`.
//! Stores without a limit (the Secret Service, the Keychain) never see chunks.
//!
//! - Chunks are written first and the head last, so no head names chunks that were never written.
//! - A chunked value written again overwrites its chunks in place: a crash in between leaves the
//!   old head over chunks of two values. The digest catches that, and the read is
//!   `VaultError::Incomplete`, never a wrong secret (the vault reads an incomplete token as none,
//!   so a fresh one replaces it).
//! - Removal takes the head first, then the chunks from the last down, so a crash leaves at most a
//!   run `#1..#k` without a head: never read, removed by the next write or removal of that
//!   secret, and listed by `Vault::entries` for `waybill keyring tidy`.
//! - A value that itself starts like a head is always kept as chunks, so a head is never mistaken.

use sha2::{Digest, Sha256};

use super::{SecretStore, VaultError};

const MARKER: &str = "waybill-chunks:v1:";
/// UTF-16 code units per chunk: one Windows credential. A store with smaller entries gets halves,
/// down to `MIN_CHUNK`.
const FIRST_CHUNK: usize = super::super::keyring::WINDOWS_CREDENTIAL_BLOB_MAX / 2;
const MIN_CHUNK: usize = 32;
/// More than any secret needs: a head naming more is damaged, and probing stops there.
const MAX_CHUNKS: usize = 4096;

fn chunk_account(account: &str, n: usize) -> String {
    format!("{account}#{n}")
}

/// The head a chunk entry belongs to and its number; `None` for a head or a plain entry.
pub(super) fn chunk_of(account: &str) -> Option<(&str, usize)> {
    let (head, n) = account.rsplit_once('#')?;
    let n = n.parse().ok().filter(|n| (1..=MAX_CHUNKS).contains(n))?;
    Some((head, n))
}

pub(super) fn get(store: &dyn SecretStore, account: &str) -> Result<Option<String>, VaultError> {
    let Some(head) = store.get(account)? else {
        return Ok(None);
    };
    let Some(marker) = head.strip_prefix(MARKER) else {
        return Ok(Some(head));
    };
    let incomplete = || VaultError::Incomplete(account.to_string());
    let (count, digest) = parse(marker).ok_or_else(incomplete)?;
    let mut value = String::new();
    for n in 1..=count {
        value.push_str(
            &store
                .get(&chunk_account(account, n))?
                .ok_or_else(incomplete)?,
        );
    }
    match hex_digest(&value) == digest {
        true => Ok(Some(value)),
        false => Err(incomplete()),
    }
}

/// `<N>:<64 hex digits>` after the marker.
fn parse(marker: &str) -> Option<(usize, &str)> {
    let (count, digest) = marker.split_once(':')?;
    let count = count
        .parse()
        .ok()
        .filter(|n| (1..=MAX_CHUNKS).contains(n))?;
    let hex = digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit());
    hex.then_some((count, digest))
}

fn hex_digest(value: &str) -> String {
    Sha256::digest(value.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Keeps `value` in one entry if the store takes it, else in chunks; then removes the chunks an
/// earlier, longer value left.
pub(super) fn set(store: &dyn SecretStore, account: &str, value: &str) -> Result<(), VaultError> {
    let written = match value.starts_with(MARKER) {
        true => write_chunks(store, account, value)?,
        false => match store.set(account, value) {
            Ok(()) => 0,
            Err(VaultError::TooLong { .. }) => write_chunks(store, account, value)?,
            Err(e) => return Err(e),
        },
    };
    remove_chunks(store, account, written + 1)
}

/// Writes the chunks then the head; the number of chunks. Chunks the store still refuses are
/// halved (a store with entries smaller than Windows').
fn write_chunks(store: &dyn SecretStore, account: &str, value: &str) -> Result<usize, VaultError> {
    let mut units = FIRST_CHUNK;
    loop {
        let chunks = split(value, units);
        let written = match chunks.len() <= MAX_CHUNKS {
            true => (chunks.iter().enumerate())
                .try_for_each(|(i, chunk)| store.set(&chunk_account(account, i + 1), chunk)),
            false => Err(VaultError::TooLong {
                what: account.to_string(),
                detail: format!("longer than {MAX_CHUNKS} keyring entries"),
            }),
        };
        match written {
            Ok(()) => {
                let head = format!("{MARKER}{}:{}", chunks.len(), hex_digest(value));
                store.set(account, &head)?;
                return Ok(chunks.len());
            }
            Err(VaultError::TooLong { .. }) if units > MIN_CHUNK && chunks.len() <= MAX_CHUNKS => {
                units /= 2
            }
            // Named after the secret, not the chunk that did not fit.
            Err(VaultError::TooLong { detail, .. }) => {
                return Err(VaultError::TooLong {
                    what: account.to_string(),
                    detail,
                })
            }
            Err(e) => return Err(e),
        }
    }
}

/// `value` in pieces of at most `units` UTF-16 code units each, cut between characters.
fn split(value: &str, units: usize) -> Vec<&str> {
    let mut chunks = Vec::new();
    let (mut start, mut used) = (0, 0);
    for (at, c) in value.char_indices() {
        if used + c.len_utf16() > units {
            chunks.push(&value[start..at]);
            (start, used) = (at, 0);
        }
        used += c.len_utf16();
    }
    chunks.push(&value[start..]);
    chunks
}

/// Removes the head, then its chunks.
pub(super) fn delete(store: &dyn SecretStore, account: &str) -> Result<(), VaultError> {
    store.delete(account)?;
    remove_chunks(store, account, 1)
}

/// Removes chunks `#from` onwards, the last first, so what an interruption leaves still starts at
/// `#from` and is found next time. Chunks are only ever written as a run from `#1`.
fn remove_chunks(store: &dyn SecretStore, account: &str, from: usize) -> Result<(), VaultError> {
    let mut end = from;
    while end <= MAX_CHUNKS && store.get(&chunk_account(account, end))?.is_some() {
        end += 1;
    }
    (from..end)
        .rev()
        .try_for_each(|n| store.delete(&chunk_account(account, n)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_cut_between_characters_by_utf16_length() {
        assert_eq!(split("abcdefg", 3), ["abc", "def", "g"]);
        assert_eq!(split("abc", 3), ["abc"]);
        // Two UTF-16 units each: never half of one, and 4-byte UTF-8 is not 4 units.
        assert_eq!(split("😀😀😀", 3), ["😀", "😀", "😀"]);
        assert_eq!(split("é😀é😀", 3), ["é😀", "é😀"]);
        let long = "€".repeat(3000);
        let chunks = split(&long, FIRST_CHUNK);
        assert_eq!(chunks.concat(), long);
        assert!(chunks
            .iter()
            .all(|c| c.encode_utf16().count() <= FIRST_CHUNK));
        assert_eq!(chunks.len(), 3);
    }

    #[test]
    fn chunk_entries_are_told_from_heads() {
        assert_eq!(chunk_of("p-1/tls_key#12"), Some(("p-1/tls_key", 12)));
        assert_eq!(chunk_of("p-1/tls_key"), None);
        assert_eq!(chunk_of("p-1/tls_key#0"), None);
        assert_eq!(chunk_of("p-1/tls_key#x"), None);
        assert_eq!(chunk_of("p-1/tls_key#"), None);
    }
}
