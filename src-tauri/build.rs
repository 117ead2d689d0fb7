//! Tauri's build step, with the app's own commands declared so that each needs a permission:
//! `capabilities/main.json` grants the window exactly these (a command not listed there is refused).

fn main() {
    let manifest = tauri_build::AppManifest::new().commands(&[
        "app_info",
        "list_presets",
        "list_profiles",
        "save_profile",
        "duplicate_profile",
        "delete_profile",
        "profile_status",
        "get_token",
        "start_sign_in",
        "finish_sign_in",
        "cancel_sign_in",
        "renew_token",
        "revoke_tokens",
        "forget_tokens",
        "copy_token",
        "preview_request",
        "send_request",
        "copy_as_curl",
        "list_saved_requests",
        "save_request",
        "delete_saved_request",
        "paste_curl",
        "get_variables",
        "save_variables",
        "list_history",
        "history_entry",
        "replay_history",
        "copy_history_as_curl",
        "clear_history",
        "history_keep",
        "set_history_keep",
        "export_case",
        "plan_case_import",
        "import_case",
    ]);
    tauri_build::try_build(tauri_build::Attributes::new().app_manifest(manifest))
        .expect("tauri-build failed (is ui/dist built? run `npm --prefix ui run build`)");
}
