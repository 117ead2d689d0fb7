//! Human-facing text: the `GET /` page and the credentials text printed by `waybill demo-server`.
//! The example `waybill profile add` commands live in one place each: [`example_commands`]
//! (client credentials and password) and [`browser_commands`] (browser sign-in).

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

/// The browser sign-in examples: authorization code + PKCE (endpoints found by discovery from
/// the issuer) and the implicit flow; each a `profile add` followed by its `login`.
fn browser_commands(c: &DemoConfig, base: &str) -> Vec<[String; 2]> {
    let id = &c.browser_client_id;
    vec![
        [
            format!(
                "waybill profile add demo-browser --grant authorization_code --issuer {base} --client-id {id}"
            ),
            "waybill login demo-browser".into(),
        ],
        [
            format!(
                "waybill profile add demo-implicit --grant implicit --authorize-url {base}/oauth/authorize \
                 --client-id {id} --scope \"shipments\""
            ),
            "waybill login demo-implicit".into(),
        ],
    ]
}

/// `client_certs`: served with a client CA, so every client presents a certificate (mutual TLS).
pub(crate) fn credentials_text(c: &DemoConfig, base: &str, client_certs: bool) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "Waybill demo provider on {base} (127.0.0.1 only, tokens in memory)\n\n"
    ));
    if base.starts_with("https://") {
        t.push_str("  TLS            the server certificate is issued by the demo's own CA: trust that CA's PEM\n");
    }
    if client_certs {
        t.push_str(&format!(
            "  Client certs   required (mutual TLS); with one, client {} may send its client_id alone\n\
             \x20                (RFC 8705 tls_client_auth) and gets tokens bound to that certificate\n",
            c.client_id
        ));
    }
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
    t.push_str(&format!(
        "\nBrowser sign-in: public client {} (no secret), user {}.\n",
        c.browser_client_id, c.username
    ));
    t.push_str(&format!(
        "  Authorize URL  {base}/oauth/authorize   (response_type=code with PKCE S256, or token)\n"
    ));
    t.push_str(&format!("  Revocation URL {base}/oauth/revoke\n"));
    t.push_str(&format!(
        "  Discovery      {base}/.well-known/openid-configuration\n"
    ));
    t.push_str("  Redirect URIs  http://127.0.0.1, http://[::1] or http://localhost, any port and path (RFC 8252)\n");
    t.push_str(&format!(
        "  Implicit tokens arrive in the redirect's {}\n\n",
        if c.implicit_in_query {
            "query string"
        } else {
            "fragment"
        }
    ));
    t.push_str("Sign in through the browser with the authorization code flow (PKCE) or the implicit flow:\n\n");
    for [add, login] in browser_commands(c, base) {
        t.push_str(&format!("  {add}\n  {login}\n\n"));
    }
    t
}

/// Escapes text for HTML element content and quoted attribute values. CR and LF become
/// character references so attribute values survive HTML's newline normalisation.
pub(crate) fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\r' => out.push_str("&#13;"),
            '\n' => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
    out
}

pub(crate) async fn home(State(state): State<Shared>) -> Html<String> {
    let base = &state.base_url;
    let c = &state.config;
    let e = |s: &str| html_escape(s);
    let cmds: String = example_commands(c, base)
        .iter()
        .map(|c| format!("{}\n", e(c)))
        .collect();
    let browser_cmds: String = browser_commands(c, base)
        .iter()
        .map(|[add, login]| format!("{}\n{}\n\n", e(add), e(login)))
        .collect();
    Html(format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>Waybill demo provider</title></head><body>\n\
         <h1>Waybill demo provider</h1>\n\
         <p>A tiny OAuth 2.0 server and carrier API on 127.0.0.1 for trying Waybill. Tokens live in memory only.</p>\n\
         <h2>Credentials</h2>\n<ul>\n\
         <li>Client ID: <code>{cid}</code></li>\n<li>Client secret: <code>{cs}</code></li>\n\
         <li>Username: <code>{u}</code></li>\n<li>Password: <code>{p}</code></li>\n\
         <li>Access tokens live {ttl} s</li>\n\
         <li>Browser sign-in: public client <code>{bid}</code> (no secret), signing in as <code>{u}</code></li>\n</ul>\n\
         <h2>Endpoints</h2>\n<ul>\n\
         <li><code>POST {b}/oauth/token</code> &mdash; grants <code>client_credentials</code>, <code>password</code>, \
         <code>refresh_token</code>; client auth by form body, HTTP Basic or JSON body</li>\n\
         <li><code>GET {b}/api/services</code>, <code>POST {b}/api/shipments</code>, \
         <code>GET {b}/api/shipments/{{id}}</code>, <code>GET {b}/api/whoami</code> &mdash; Bearer token required</li>\n\
         <li><code>POST {b}/demo/expire-tokens</code> &mdash; expire every access token now</li>\n\
         <li><code>GET {b}/oauth/authorize</code> &mdash; browser sign-in for <code>{bid}</code>: \
         <code>response_type=code</code> (PKCE S256 required) or <code>token</code> (implicit); \
         redirect URIs must be loopback (<code>http://127.0.0.1</code>, <code>http://[::1]</code>, \
         <code>http://localhost</code>, any port)</li>\n\
         <li><code>POST {b}/oauth/token</code> also takes <code>authorization_code</code> (with \
         <code>code_verifier</code>); <code>{bid}</code> sends its <code>client_id</code> only</li>\n\
         <li><code>POST {b}/oauth/revoke</code> &mdash; revoke an access or refresh token (RFC 7009)</li>\n\
         <li><code>GET {b}/.well-known/openid-configuration</code> &mdash; endpoint discovery</li>\n</ul>\n\
         <h2>Try it</h2>\n<pre>{cmds}</pre>\n\
         <h2>Browser sign-in</h2>\n<pre>{browser_cmds}</pre>\n</body></html>\n",
        cid = e(&c.client_id),
        cs = e(&c.client_secret),
        u = e(&c.username),
        p = e(&c.password),
        ttl = c.token_ttl.as_secs(),
        bid = e(&c.browser_client_id),
        b = e(base),
    ))
}
