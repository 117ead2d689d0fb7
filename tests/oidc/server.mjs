// Local OAuth 2.0 / OpenID Connect server for Waybill's end-to-end tests.
//
// A real third-party authorization server (`oidc-provider` by panva) bound to
// 127.0.0.1, plus one test-only helper route (POST /test/refresh-token).
// See README.md in this directory for the contract the Rust tests rely on.
//
// stdout carries exactly one line of JSON (the endpoints) once the server is
// listening, and nothing else. Everything else goes to stderr.

import http from 'node:http';

// oidc-provider prints its "NOTICE" lines with console.info, i.e. to stdout.
// Route every console method to stderr *before* the provider is loaded so the
// single stdout line stays the only thing on stdout.
for (const method of ['log', 'info', 'debug', 'trace']) {
  console[method] = (...args) => console.error(...args);
}

// The parent may stop reading stdout after the first line (and close the pipe);
// never die of EPIPE because of that.
process.stdout.on('error', () => {});

const { default: Provider, errors } = await import('oidc-provider');

function envInt(name, fallback, { min = 0 } = {}) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) {
    console.error(`${name} must be an integer >= ${min}, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}

const PORT = envInt('PORT', 0);
const SECRET = process.env.OIDC_SECRET || 'oidc-test-secret';
const AT_TTL = envInt('OIDC_AT_TTL', 60, { min: 1 });
// 1 (default): every refresh_token grant rotates the refresh token.
// 0: never rotate; the token response echoes the same refresh_token back.
const ROTATE = (process.env.OIDC_ROTATE_REFRESH_TOKEN ?? '1') !== '0';
// Escape hatch for running the server by hand from a non-interactive shell
// (where stdin is /dev/null and would otherwise end immediately).
const IGNORE_STDIN = process.env.OIDC_IGNORE_STDIN === '1';

const RT_CLIENT_ID = 'rt-client';
const TEST_ACCOUNT_ID = 'test-user';
const TEST_RT_SCOPE = 'openid offline_access';
const DAY = 24 * 60 * 60;
const NATIVE_REDIRECT_URI = 'http://127.0.0.1/callback';

const configuration = {
  clients: [
    {
      client_id: 'cc-basic',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
    },
    {
      client_id: 'cc-post',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
    },
    {
      // RFC 7523: an HS256 assertion signed with the secret, never the secret itself.
      client_id: 'cc-jwt',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_jwt',
    },
    {
      client_id: RT_CLIENT_ID,
      client_secret: SECRET,
      application_type: 'native',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: ['http://127.0.0.1/callback'],
      token_endpoint_auth_method: 'client_secret_post',
    },
    // Public native clients for sign-in through the system browser (RFC 8252).
    // No secret. Loopback redirect: for native clients oidc-provider accepts
    // the registered http://127.0.0.1/callback with any port (or none), but
    // everything else must match exactly: host (http://localhost:<port> and
    // http://[::1]:<port> are rejected), path (no trailing slash, same case)
    // and query (none).
    {
      client_id: 'native-implicit',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['implicit'],
      response_types: ['id_token token'],
      redirect_uris: [NATIVE_REDIRECT_URI],
    },
    {
      // PKCE (S256) is required: oidc-provider's default pkce.required() is
      // true for every client with token_endpoint_auth_method 'none'.
      client_id: 'native-pkce',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [NATIVE_REDIRECT_URI],
    },
    {
      // RFC 9449: every token of this client is DPoP-bound (a request without a proof is refused).
      client_id: 'cc-dpop',
      client_secret: SECRET,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      dpop_bound_access_tokens: true,
    },
    {
      // RFC 8628: a public client that signs in with a device code.
      client_id: 'device-public',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
      response_types: [],
      redirect_uris: [],
    },
    {
      // RFC 9126: this client's authorization requests must be pushed first.
      client_id: 'native-par',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'],
      response_types: ['code'],
      redirect_uris: [NATIVE_REDIRECT_URI],
      require_pushed_authorization_requests: true,
    },
  ],

  // Library default plus 'id_token token' (implicit, for native-implicit).
  responseTypes: ['code id_token', 'code', 'id_token', 'id_token token', 'none'],

  // Static scopes the provider recognises. api:* are what client_credentials
  // requests ask for; openid/offline_access are for the refresh-token and
  // native clients (which may also ask for api:*).
  scopes: ['openid', 'offline_access', 'api:read', 'api:write'],

  // Any account id is a valid account (the dev login page accepts any name);
  // the test endpoint uses `test-user`.
  async findAccount(_ctx, id) {
    if (!id) return undefined;
    return {
      accountId: id,
      async claims() {
        return { sub: id };
      },
    };
  },

  features: {
    clientCredentials: { enabled: true },
    introspection: {
      enabled: true,
      // Any authenticated client may introspect any token.
      allowedPolicy: async () => true,
    },
    revocation: {
      enabled: true,
      // Same as the library default: a client may only revoke its own tokens.
      allowedPolicy: async (_ctx, client, token) => {
        if (token.clientId !== client.clientId) {
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        }
        return true;
      },
    },
    devInteractions: { enabled: true },
    // RFC 7591 dynamic registration, open: how a test registers a client whose public key
    // Waybill made (private_key_jwt), as a person would in a provider's console.
    registration: { enabled: true },
    deviceFlow: { enabled: true },
    // RFC 9449. With OIDC_DPOP_NONCE=1 every DPoP proof must carry the server's nonce (token
    // endpoint and userinfo alike), so a client has to retry with it.
    dPoP: {
      enabled: true,
      nonceSecret: Buffer.alloc(32, 7),
      requireNonce: () => process.env.OIDC_DPOP_NONCE === '1',
    },
  },

  // Refresh tokens: issued when the client may use the refresh_token grant and
  // the grant includes `offline_access` (this is the library default, spelled
  // out here). Covers rt-client and native-pkce; native-implicit never gets
  // one. Note that oidc-provider drops `offline_access` from an authorization
  // request unless it has prompt=consent (and a response_type with `code`).
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && code.scopes.has('offline_access'),

  // Refresh token rotation: ON by default (OIDC_ROTATE_REFRESH_TOKEN=1). Each
  // refresh_token grant consumes the presented refresh token and returns a new
  // one. Presenting a consumed refresh token again fails with invalid_grant and
  // (reuse detection) revokes the whole grant, including the newest refresh
  // token. With OIDC_ROTATE_REFRESH_TOKEN=0 the refresh token never rotates and
  // the response carries the same refresh_token value back.
  rotateRefreshToken: ROTATE,

  ttl: {
    AccessToken: AT_TTL,
    ClientCredentials: AT_TTL,
    AuthorizationCode: 60,
    IdToken: 3600,
    RefreshToken: 14 * DAY,
    Grant: 14 * DAY,
    Interaction: 3600,
    Session: 14 * DAY,
    DeviceCode: envInt('OIDC_DEVICE_TTL', 600, { min: 1 }),
  },

  cookies: { keys: ['waybill-oidc-test-server-cookie-key'] },
};

let provider; // set once the port is known
let providerCallback;

async function mintRefreshToken() {
  const client = await provider.Client.find(RT_CLIENT_ID);
  const grant = new provider.Grant({ accountId: TEST_ACCOUNT_ID, clientId: RT_CLIENT_ID });
  grant.addOIDCScope(TEST_RT_SCOPE);
  const grantId = await grant.save();
  const refreshToken = new provider.RefreshToken({
    client,
    accountId: TEST_ACCOUNT_ID,
    grantId,
    gty: 'authorization_code',
    scope: TEST_RT_SCOPE,
    authTime: Math.floor(Date.now() / 1000),
    expiresWithSession: false,
  });
  return refreshToken.save();
}

function sendJson(res, status, body) {
  const data = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(data),
    'cache-control': 'no-store',
  });
  res.end(data);
}

async function handleTestRoute(req, res, pathname) {
  req.resume(); // ignore any body
  if (pathname !== '/test/refresh-token') {
    return sendJson(res, 404, { error: 'not_found' });
  }
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendJson(res, 405, { error: 'method_not_allowed' });
  }
  try {
    const refreshToken = await mintRefreshToken();
    return sendJson(res, 200, { refresh_token: refreshToken });
  } catch (err) {
    console.error('POST /test/refresh-token failed:', err);
    return sendJson(res, 500, { error: 'server_error', error_description: String(err?.message ?? err) });
  }
}

const server = http.createServer((req, res) => {
  if (!providerCallback) {
    return sendJson(res, 503, { error: 'temporarily_unavailable' });
  }
  const pathname = req.url.split('?', 1)[0];
  if (pathname === '/test' || pathname.startsWith('/test/')) {
    handleTestRoute(req, res, pathname);
    return undefined;
  }
  return providerCallback(req, res);
});

let shuttingDown = false;
function shutdown(reason) {
  if (shuttingDown) return;
  shuttingDown = true;
  console.error(`oidc test server: shutting down (${reason})`);
  server.close();
  server.closeAllConnections();
  process.exit(0);
}

process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
if (!IGNORE_STDIN) {
  // The parent (a Rust test) holds our stdin pipe; when it goes away, so do we.
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.on('data', () => {}); // discard anything written to us
  process.stdin.resume();
}

server.on('error', (err) => {
  console.error('oidc test server: listen failed:', err);
  process.exit(1);
});

server.listen(PORT, '127.0.0.1', async () => {
  try {
    const { port } = server.address();
    const issuer = `http://127.0.0.1:${port}`;
    provider = new Provider(issuer, configuration);
    provider.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));
    // oidc-provider leaves `interval` out (clients then wait 5 s); a server may set it, and 1 s
    // keeps the device-flow tests short.
    provider.use(async (ctx, next) => {
      await next();
      if (ctx.path === '/device/auth' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
        ctx.body.interval = 1;
      }
    });
    providerCallback = provider.callback();

    // Take the endpoint URLs from the provider's own discovery document.
    const discoveryRes = await fetch(`${issuer}/.well-known/openid-configuration`);
    if (!discoveryRes.ok) throw new Error(`discovery returned HTTP ${discoveryRes.status}`);
    const discovery = await discoveryRes.json();
    const line = {
      issuer: discovery.issuer,
      authorization_endpoint: discovery.authorization_endpoint,
      token_endpoint: discovery.token_endpoint,
      introspection_endpoint: discovery.introspection_endpoint,
      revocation_endpoint: discovery.revocation_endpoint,
      registration_endpoint: discovery.registration_endpoint,
    };
    for (const [k, v] of Object.entries(line)) {
      if (typeof v !== 'string' || !v) throw new Error(`discovery document lacks ${k}`);
    }
    process.stdout.write(`${JSON.stringify(line)}\n`);
    console.error(`oidc test server: listening on ${issuer}`);
  } catch (err) {
    console.error('oidc test server: start-up failed:', err);
    process.exit(1);
  }
});
