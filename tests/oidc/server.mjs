// server.mjs: an independent OAuth 2.0 server at Chutes' paths, for tests
//
// SPDX-License-Identifier: GPL-3.0-or-later
//
// oidc-provider (a certified OpenID Connect / OAuth 2.0 implementation,
// from npm, pinned in package-lock.json) configured the way Chutes'
// identity provider behaves, so that tests/test-oidc-provider.c can check
// the app against a server we did not write:
//
//   /idp/authorize, /idp/token, /idp/token/revoke, /idp/token/introspect,
//   /idp/userinfo; PKCE S256 required; refresh tokens issued without
//   offline_access and rotated on every use; opaque tokens.
//
// Two confidential clients share one secret: oidc-provider ties each client
// to one token_endpoint_auth_method (RFC 7591 has a single value), so
// client_secret_post and client_secret_basic get one client each.
// Login and consent are automatic: the test plays the browser and follows
// redirects, with cookies, from /idp/authorize to the loopback redirect.
//
// Usage: node server.mjs --redirect-uri URI [--user NAME] [--access-ttl S]
// Prints one JSON line on stdout once listening on 127.0.0.1:
//   {"issuer": ..., "client_id": ..., "basic_client_id": ..., "client_secret": ...}
// and runs until stdin closes or SIGTERM.

import http from 'node:http';
import { parseArgs } from 'node:util';

import Provider from 'oidc-provider';

const { values: args } = parseArgs({
  options: {
    'redirect-uri': { type: 'string' },
    user: { type: 'string', default: 'alice' },
    'access-ttl': { type: 'string', default: '3600' },
  },
});

if (!args['redirect-uri']) {
  process.stderr.write('usage: node server.mjs --redirect-uri URI [--user NAME] [--access-ttl S]\n');
  process.exit(2);
}

const CLIENT_ID = 'cid_oidcprovider_post_0000001';
const BASIC_CLIENT_ID = 'cid_oidcprovider_basic_000001';
const CLIENT_SECRET = 'csc_oidc+provider/secret=with:odd&characters_0123456789abcdef';
const SCOPES = ['openid', 'profile', 'chutes:invoke'];
const accessTtl = Number.parseInt(args['access-ttl'], 10);

// Listen first: the issuer names the port.
let handler = (req, res) => { res.statusCode = 503; res.end(); };
const server = http.createServer((req, res) => handler(req, res));
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const client = (id, method) => ({
  client_id: id,
  client_secret: CLIENT_SECRET,
  application_type: 'native',
  redirect_uris: [args['redirect-uri']],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: method,
  introspection_endpoint_auth_method: method,
  revocation_endpoint_auth_method: method,
  scope: SCOPES.join(' '),
});

const provider = new Provider(issuer, {
  clients: [
    client(CLIENT_ID, 'client_secret_post'),
    client(BASIC_CLIENT_ID, 'client_secret_basic'),
  ],
  clientAuthMethods: ['client_secret_post', 'client_secret_basic'],
  routes: {
    authorization: '/idp/authorize',
    token: '/idp/token',
    revocation: '/idp/token/revoke',
    introspection: '/idp/token/introspect',
    userinfo: '/idp/userinfo',
    jwks: '/idp/jwks',
    end_session: '/idp/session/end',
  },
  scopes: SCOPES,
  claims: { openid: ['sub'], profile: ['username'] },
  async findAccount(ctx, id) {
    return {
      accountId: id,
      async claims() { return { sub: id, username: id }; },
    };
  },
  pkce: { methods: ['S256'], required: () => true },
  features: {
    devInteractions: { enabled: false },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
    resourceIndicators: { enabled: false },
  },
  // Chutes issues a refresh token without offline_access, single use.
  issueRefreshToken: async (ctx, c) => c.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  ttl: {
    AccessToken: accessTtl,
    AuthorizationCode: 600,
    RefreshToken: 30 * 24 * 3600,
    Grant: 30 * 24 * 3600,
    Interaction: 600,
    Session: 3600,
    IdToken: 3600,
  },
  interactions: {
    url: (ctx, interaction) => `/interaction/${interaction.uid}`,
  },
  cookies: { keys: ['chutes-desktop-test-only'] },
});

// The person signs in and allows, at once.
async function interact(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;

  if (prompt.name === 'login') {
    await provider.interactionFinished(req, res, { login: { accountId: args.user } },
                                       { mergeWithLastSubmission: false });
    return;
  }

  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope));
  const grantId = await grant.save();
  await provider.interactionFinished(req, res, { consent: { grantId } },
                                     { mergeWithLastSubmission: true });
}

const callback = provider.callback();
handler = (req, res) => {
  if (req.method === 'GET' && req.url.startsWith('/interaction/')) {
    interact(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
};

process.stdout.write(`${JSON.stringify({
  issuer,
  client_id: CLIENT_ID,
  basic_client_id: BASIC_CLIENT_ID,
  client_secret: CLIENT_SECRET,
})}\n`);

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
