// A real OAuth 2.0 authorization server for Tieline's auth tests: oidc-provider 9 on
// 127.0.0.1 with an ephemeral port. It prints one JSON line {"issuer": ...} on stdout once it
// listens, then serves until stdin closes or it is signalled.
//
// Client "tieline-test": public (no secret, PKCE S256 required), native, loopback redirect on any
// port, device grant and refresh tokens with rotation (reusing a rotated token is rejected).
// Dev interactions render the login / consent pages that tests drive with httpx.
//
// Test-only extras on the same origin:
//   GET  /__stats    {"refresh": n, "device_polls": n} -- counts of token requests by grant
//   POST /__arrange  JSON {"device_poll": "slow_down" | "expired_token"} -- the next device-code
//                    poll gets that error. oidc-provider never emits slow_down itself; GitHub
//                    does, so the tests arrange it here instead of racing a clock.
import http from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import Provider from 'oidc-provider';

const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const stats = { refresh: 0, device_polls: 0 };
const arranged = [];

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address();
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'tieline-test',
      application_type: 'native',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1/callback'],
      grant_types: ['authorization_code', 'refresh_token', DEVICE_GRANT],
      response_types: ['code'],
    },
  ],
  scopes: ['openid', 'offline_access', 'repo', 'read:org'],
  features: {
    devInteractions: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
  },
  pkce: { required: () => true },
  issueRefreshToken: async () => true,
  rotateRefreshToken: true,
  ttl: { AccessToken: 3600, RefreshToken: 86400, DeviceCode: 600, Grant: 86400 },
  cookies: { keys: ['tieline-test-cookie-key'] },
  findAccount: async (_ctx, sub) => ({
    accountId: sub,
    claims: async () => ({ sub, preferred_username: sub }),
  }),
  async renderError(ctx, out) {
    ctx.type = 'json';
    ctx.body = out;
  },
});
provider.proxy = false;

const providerCallback = provider.callback();

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

server.on('request', async (req, res) => {
  try {
    const path = req.url.split('?')[0];
    if (path === '/__stats' && req.method === 'GET') {
      json(res, 200, stats);
      return;
    }
    if (path === '/__arrange' && req.method === 'POST') {
      const body = JSON.parse((await readBody(req)) || '{}');
      if (body.device_poll) arranged.push(body.device_poll);
      json(res, 200, { queued: arranged.length });
      return;
    }
    if (path === '/token' && req.method === 'POST') {
      // Read the form here to count grants; oidc-provider accepts an already-read body.
      const raw = await readBody(req);
      const form = parseQuery(raw);
      if (form.grant_type === 'refresh_token') stats.refresh += 1;
      if (form.grant_type === DEVICE_GRANT) {
        stats.device_polls += 1;
        if (arranged.length) {
          const error = arranged.shift();
          json(res, 400, { error, error_description: `arranged by the test: ${error}` });
          return;
        }
      }
      req.body = raw;
    }
    providerCallback(req, res);
  } catch (err) {
    json(res, 500, { error: 'server_error', error_description: String(err) });
  }
});

process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
process.on('SIGTERM', () => process.exit(0));
