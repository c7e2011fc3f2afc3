// A real OpenID Provider for the SSO tests: panva's oidc-provider (OpenID Certified) on
// 127.0.0.1 over https, with one confidential client and a few test users.
//
// Usage: node oidc_provider.mjs <config.json>
//   {"port": 0, "cert": "cert.pem", "key": "key.pem", "client_id": "...",
//    "client_secret": "...", "redirect_uris": ["..."], "users": {"login": {"email": ...,
//    "email_verified": true}}}
// Prints one line "ready <issuer>" on stdout once it listens; runs until killed.
//
// Sign-in uses oidc-provider's devInteractions pages (a login form that takes the account
// id, then a consent form), which a test can fill in with plain HTTP: no browser needed.

import { readFileSync } from 'node:fs';
import https from 'node:https';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The package lives in tests/interop's node_modules, next to the other test-only Node tools.
const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '..', 'interop', 'package.json'));
const { default: Provider } = await import(require.resolve('oidc-provider'));
const { generateKeyPair, exportJWK } = await import(require.resolve('jose'));

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const server = https.createServer({ cert: readFileSync(config.cert), key: readFileSync(config.key) });
await new Promise((resolve) => { server.listen(config.port || 0, '127.0.0.1', resolve); });
const issuer = `https://127.0.0.1:${server.address().port}`;

// A fresh signing key per run, so a test cannot pass on a key it saw before.
const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-1', alg: 'RS256', use: 'sig' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: config.token_endpoint_auth_method || 'client_secret_basic',
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ['oidc-test-cookie-key-0123456789'] },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // Scope claims in the ID token itself, so the relying party needs no userinfo call.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const user = config.users[id];
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...user }; } };
  },
});
provider.on('server_error', (_ctx, err) => { console.error('server_error', err); });
server.on('request', provider.callback());
console.log(`ready ${issuer}`);
