'use strict';

// Signing in with Tieline's own OAuth 2.0 provider: authorization code with PKCE (S256, which
// Tieline requires of every client), refresh tokens that rotate on every use. The client is
// registered in Tieline (`tieline api clients add`) with Zapier's redirect URL; its id and
// secret live in the app's environment (`zapier env:set`), never in this code.

const { SCOPES, apiUrl, baseUrl, normaliseBaseUrl } = require('./api');

const FORM = 'application/x-www-form-urlencoded';

const clientCredentials = () => {
  const credentials = { client_id: process.env.CLIENT_ID };
  // A confidential client (the usual for Zapier) proves itself with its secret; a public
  // one is identified by its id alone, PKCE standing in for the secret.
  if (process.env.CLIENT_SECRET) {
    credentials.client_secret = process.env.CLIENT_SECRET;
  }
  return credentials;
};

const authorizeUrl = (z, bundle) => {
  const url = new URL(`${normaliseBaseUrl(bundle.inputData.base_url)}/oauth/authorize`);
  url.search = new URLSearchParams({
    client_id: process.env.CLIENT_ID,
    state: bundle.inputData.state,
    redirect_uri: bundle.inputData.redirect_uri,
    response_type: 'code',
    scope: SCOPES,
  }).toString();
  // With `enablePkce`, Zapier adds code_challenge and code_challenge_method=S256 itself and
  // hands the verifier to getAccessToken.
  return url.toString();
};

/**
 * One call to Tieline's token endpoint; its answer, or the provider's own error
 * (`invalid_grant`, `invalid_client`, ...) as a Zapier error. `onInvalidGrant` picks the error
 * for a code or refresh token Tieline no longer takes.
 */
const tokenRequest = async (z, bundle, form, onInvalidGrant) => {
  const response = await z.request({
    method: 'POST',
    url: `${baseUrl(bundle)}/oauth/token`,
    headers: { 'content-type': FORM, accept: 'application/json' },
    body: { ...form, ...clientCredentials() },
    skipThrowForStatus: true,
  });
  const data = response.data && typeof response.data === 'object' ? response.data : {};
  if (response.status === 200 && data.access_token) {
    return {
      access_token: data.access_token,
      refresh_token: data.refresh_token,
      expires_in: data.expires_in,
      scope: data.scope,
      base_url: baseUrl(bundle),
    };
  }
  const code = data.error || `http-${response.status}`;
  const message = data.error_description
    ? `Tieline refused the sign-in: ${data.error_description} (${code})`
    : `Tieline refused the sign-in (${code}, HTTP ${response.status})`;
  if (code === 'invalid_grant' && onInvalidGrant) {
    throw onInvalidGrant(message);
  }
  throw new z.errors.Error(message, code, response.status);
};

const getAccessToken = (z, bundle) =>
  tokenRequest(z, bundle, {
    grant_type: 'authorization_code',
    code: bundle.inputData.code,
    redirect_uri: bundle.inputData.redirect_uri,
    code_verifier: bundle.inputData.code_verifier,
  });

// Each refresh spends the refresh token and returns a new one, which Zapier stores in its
// place; presenting a spent one ends the whole sign-in, so the person must connect again.
const refreshAccessToken = (z, bundle) =>
  tokenRequest(
    z,
    bundle,
    { grant_type: 'refresh_token', refresh_token: bundle.authData.refresh_token },
    (message) => new z.errors.ExpiredAuthError(message),
  );

/** Any valid token may read the OpenAPI document: it proves the connection works. */
const test = async (z, bundle) => {
  const response = await z.request({ url: apiUrl(bundle, '/openapi.json') });
  const doc = response.data || {};
  return {
    base_url: baseUrl(bundle),
    api_version: doc.info && doc.info.version,
  };
};

const connectionLabel = (z, bundle) => `Tieline at ${new URL(baseUrl(bundle)).host}`;

module.exports = {
  type: 'oauth2',
  fields: [
    {
      key: 'base_url',
      label: 'Tieline address',
      required: true,
      type: 'string',
      helpText:
        "The public **https** address of a tunnel to your Tieline web face (for example `https://tieline.example.net`). Tieline listens on 127.0.0.1 only, so Zapier reaches it through a tunnel or relay forwarding to `web.port`; add the tunnel's host name to `web.allowed_hosts`.",
    },
  ],
  oauth2Config: {
    authorizeUrl,
    getAccessToken,
    refreshAccessToken,
    scope: SCOPES,
    autoRefresh: true,
    enablePkce: true,
  },
  test,
  connectionLabel,
};
