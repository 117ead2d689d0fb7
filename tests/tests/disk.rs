//! A full disk: Waybill's folder on a tmpfs of 2 MB, filled to the last byte. Every store refuses
//! its write in one sentence and keeps what it held (profiles, saved requests, variables,
//! history); everything can still be read (history too); once space is freed, writes work again.
//! Mounting needs root, as `scripts/test` runs in CI.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::json;
use waybill_tests::demo;
use waybill_tests::harness::{random_secret, require_keyring, Waybill};

/// A tmpfs of `size` mounted on a fresh folder, unmounted when dropped.
struct Tmpfs {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("home");
        std::fs::create_dir(&path).unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .status()
            .expect("mount could not be started");
        assert!(
            status.success(),
            "could not mount a tmpfs (the full-disk test needs root, as CI runs it)"
        );
        Tmpfs { _dir: dir, path }
    }

    /// Fill it to the last byte; returns the filler to delete.
    fn fill(&self) -> PathBuf {
        use std::io::Write;
        let filler = self.path.join("filler");
        let mut file = std::fs::File::create(&filler).expect("filler");
        let block = vec![0u8; 4096];
        while file.write_all(&block).is_ok() {}
        // What is left is smaller than a block: take it byte by byte.
        while file.write_all(&[0]).is_ok() {}
        let _ = file.sync_all();
        filler
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

fn snapshot(dir: &Path) -> Vec<(String, Vec<u8>)> {
    ["profiles.toml", "requests.toml", "variables.toml"]
        .iter()
        .map(|name| {
            (
                name.to_string(),
                std::fs::read(dir.join(name)).unwrap_or_default(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_refuses_each_write_in_one_sentence_keeps_everything_and_still_reads() {
    require_keyring();
    let secret = random_secret("disk-secret");
    let server = demo::start(&secret, "unused").await;
    let base = server.base_url();
    tokio::task::spawn_blocking(move || {
        let disk = Tmpfs::mount("2m");
        let home = disk.path.display().to_string();
        let wb = Waybill::new().env("WAYBILL_HOME", &home);
        let add = |name: &str| demo::add_profile_args(name, &base, &["--client-secret-stdin"]);
        let args = add("ship");
        wb.ok(&args.iter().map(String::as_str).collect::<Vec<_>>(), &format!("{secret}\n"));
        wb.ok(&["var", "set", "carrier", "ups"], "");
        // Two collections, written while there is room: the second is imported on a full disk.
        let collection = |name: &str, request: &str| {
            let path = disk.path.join(format!("{name}.postman_collection.json"));
            let body = json!({
                "info": {"name": name, "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"},
                "item": [{"name": request, "request": {"method": "GET", "url": format!("{base}/api/services")}}]
            });
            std::fs::write(&path, body.to_string()).unwrap();
            path.display().to_string()
        };
        let (file, later) = (collection("carrier", "Services"), collection("more", "Rates"));
        wb.ok(&["import", &file, "--profile", "ship", "--yes"], "");
        for _ in 0..3 {
            wb.ok(&["call", "ship", "GET", "/services"], "");
        }
        let before = snapshot(&disk.path);
        let history_before = wb.ok(&["history", "--json"], "").stdout;

        let filler = disk.fill();
        let full = |args: &[&str], stdin: &str, what: &str| {
            let run = wb.run(args, stdin);
            assert_eq!(run.code, 2, "{what} is refused on a full disk: {}", run.stdout);
            let first = run.stderr.lines().next().unwrap_or_default().to_string();
            assert!(
                first.contains("the disk is full") && first.contains("free some space"),
                "{what}: one sentence says the disk is full and what to do: {}",
                run.stderr
            );
            assert_eq!(snapshot(&disk.path), before, "{what} left every file as it was");
        };
        let args = add("other");
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        full(&args, &format!("{secret}\n"), "adding a profile");
        full(&["profile", "edit", "ship", "--rename", "shipping"], "", "renaming a profile");
        full(&["var", "set", "region", "eu"], "", "setting a variable");
        full(&["import", &later, "--profile", "ship", "--yes"], "", "importing requests");

        // Everything reads: profiles, saved requests, variables, history, the cached token.
        let listed = wb.json(&["profile", "list", "--json"]);
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "{listed}");
        assert_eq!(wb.json(&["requests", "ship", "--json"]).as_array().map(Vec::len), Some(1));
        assert_eq!(wb.json(&["var", "list", "--json"])["shared"]["carrier"], json!("ups"));
        let history = wb.run(&["history", "--json"], "");
        assert_eq!(history.code, 0, "history reads on a full disk: {}", history.stderr);
        assert_eq!(history.stdout, history_before, "all of it");
        // A call still answers; only its history entry cannot be kept, and it says so.
        let call = wb.run(&["call", "ship", "GET", "/services"], "");
        assert_eq!(call.code, 0, "the call itself works: {}", call.stderr);
        assert!(call.stdout.contains("standard"), "{}", call.stdout);
        assert!(call.stderr.contains("not kept in history"), "{}", call.stderr);

        // Space freed: writes work again, and nothing was lost.
        std::fs::remove_file(filler).unwrap();
        wb.ok(&["var", "set", "region", "eu"], "");
        wb.ok(&["call", "ship", "GET", "/services"], "");
        let history = wb.json(&["history", "--json"]);
        assert_eq!(history.as_array().map(Vec::len), Some(4), "the three calls and the new one");
        assert!(wb.find_leaks(&secret).is_empty());
        let on_disk = Command::new("grep")
            .args(["-rl", &secret])
            .arg(&disk.path)
            .output()
            .unwrap();
        assert!(on_disk.stdout.is_empty(), "the secret is on the disk nowhere");
    })
    .await
    .unwrap();
}
