//! Human-facing text: the `GET /` page and the credentials text printed by `waybill demo-server`.
//! The example `waybill profile add` commands live in one place, [`example_commands`].

use axum::extract::State;
use axum::response::Html;

use crate::{DemoConfig, Shared};

/// The `waybill profile add` commands shown to users, one per client-auth dialect plus the password grant.
fn example_commands(c: &DemoConfig, base: &str) -> Vec<String> {
    let token_url = format!("{base}/oauth/token");
    let api = format!("{base}/api");
    let mut cmds: Vec<String> = ["form", "basic", "json"]
        .iter()
        .map(|dialect| {
            format!(
                "waybill profile add demo-{dialect} --grant client_credentials --token-url {token_url} \
                 --client-id {} --client-auth {dialect} --api-base {api}",
                c.client_id
            )
        })
        .collect();
    cmds.push(format!(
        "waybill profile add demo-password --grant password --token-url {token_url} \
         --client-id {} --client-auth form --username {} --api-base {api}",
        c.client_id, c.username
    ));
    cmds
}

pub(crate) fn credentials_text(c: &DemoConfig, base: &str) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "Waybill demo provider on {base} (127.0.0.1 only, tokens in memory)\n\n"
    ));
    t.push_str(&format!("  Token URL      {base}/oauth/token\n"));
    t.push_str(&format!("  API base       {base}/api   (GET /services, POST /shipments, GET /shipments/{{id}}, GET /whoami)\n"));
    t.push_str(&format!("  Client ID      {}\n", c.client_id));
    t.push_str(&format!("  Client secret  {}\n", c.client_secret));
    t.push_str(&format!("  Username       {}\n", c.username));
    t.push_str(&format!("  Password       {}\n", c.password));
    t.push_str(&format!(
        "  Token lifetime {} s; POST {base}/demo/expire-tokens expires them all now\n\n",
        c.token_ttl.as_secs()
    ));
    t.push_str(
        "Client authentication: the same client works with every dialect (form, basic, json).\n",
    );
    t.push_str("Try one profile per dialect, and one for the password grant (Waybill asks for the secrets):\n\n");
    for cmd in example_commands(c, base) {
        t.push_str(&format!("  {cmd}\n"));
    }
    t
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

pub(crate) async fn home(State(state): State<Shared>) -> Html<String> {
    let base = &state.base_url;
    let c = &state.config;
    let e = |s: &str| html_escape(s);
    let cmds: String = example_commands(c, base)
        .iter()
        .map(|c| format!("{}\n", e(c)))
        .collect();
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Waybill demo provider</title></head><body>\n\
         <h1>Waybill demo provider</h1>\n\
         <p>A tiny OAuth 2.0 server and carrier API on 127.0.0.1 for trying Waybill. Tokens live in memory only.</p>\n\
         <h2>Credentials</h2>\n<ul>\n\
         <li>Client ID: <code>{cid}</code></li>\n<li>Client secret: <code>{cs}</code></li>\n\
         <li>Username: <code>{u}</code></li>\n<li>Password: <code>{p}</code></li>\n\
         <li>Access tokens live {ttl} s</li>\n</ul>\n\
         <h2>Endpoints</h2>\n<ul>\n\
         <li><code>POST {b}/oauth/token</code> &mdash; grants <code>client_credentials</code>, <code>password</code>, \
         <code>refresh_token</code>; client auth by form body, HTTP Basic or JSON body</li>\n\
         <li><code>GET {b}/api/services</code>, <code>POST {b}/api/shipments</code>, \
         <code>GET {b}/api/shipments/{{id}}</code>, <code>GET {b}/api/whoami</code> &mdash; Bearer token required</li>\n\
         <li><code>POST {b}/demo/expire-tokens</code> &mdash; expire every access token now</li>\n</ul>\n\
         <h2>Try it</h2>\n<pre>{cmds}</pre>\n</body></html>\n",
        cid = e(&c.client_id),
        cs = e(&c.client_secret),
        u = e(&c.username),
        p = e(&c.password),
        ttl = c.token_ttl.as_secs(),
        b = e(base),
    ))
}
