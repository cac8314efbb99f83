// A real OpenID provider on loopback for the single sign-on tests: the certified
// oidc-provider, configured from a JSON file (issuer, port, clients, people).
//
//   node provider.mjs settings.json
//
// People sign in on a plain login form (login and password) of this script's own: the
// package's development pages load a web font from another host, which the browser tests
// would rightly flag. The client is first-party, so no consent page follows (as with a
// newsroom's own Keycloak or Entra ID). Prints "ready" once it listens.

import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

import Provider, { interactionPolicy } from 'oidc-provider';

const settings = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const people = settings.people;

const signingKey = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
  .export({ format: 'jwk' });

// The clients are registered as native (RFC 8252) so that their loopback redirect URI
// matches whatever port the service under test listens on; unlike the package's default,
// they are not asked for consent on every sign-in.
const policy = interactionPolicy.base();
policy.get('consent').checks.remove('native_client_prompt');

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Test provider: sign in</title></head>
<body><main>
<h1>Test provider</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}">
  <label for="login">Login</label> <input id="login" name="login" required autofocus>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" required>
  <button type="submit">Sign in</button>
</form>
</main></body></html>`;
}

async function formOf(request) {
  let body = '';
  for await (const chunk of request) body += chunk;
  return new URLSearchParams(body);
}

const provider = new Provider(settings.issuer, {
  clients: settings.clients,
  jwks: { keys: [{ ...signingKey, kid: 'test-key', use: 'sig', alg: 'RS256' }] },
  cookies: { keys: ['test-provider-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  scopes: ['openid', 'email', 'profile', 'groups'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: false } },
  interactions: { policy, url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const person = people[id];
    if (!person) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...person.claims }) };
  },
  // First-party client: whatever it asks for is granted without a consent page.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
  renderError(ctx, out) {
    ctx.type = 'text/plain';
    ctx.body = `${out.error}: ${out.error_description ?? ''}`;
  },
});

provider.use(async (ctx, next) => {
  const match = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
  if (!match) return next();
  const { uid, prompt } = await provider.interactionDetails(ctx.req, ctx.res);
  if (prompt.name !== 'login') ctx.throw(501, `no page for the ${prompt.name} prompt`);
  ctx.set('Cache-Control', 'no-store');
  if (ctx.method === 'GET') {
    ctx.type = 'html';
    ctx.body = loginPage(uid);
    return undefined;
  }
  const form = await formOf(ctx.req);
  const login = form.get('login') ?? '';
  if (!Object.hasOwn(people, login) || people[login].password !== form.get('password')) {
    ctx.status = 401;
    ctx.type = 'html';
    ctx.body = loginPage(uid, 'Unknown login or wrong password.');
    return undefined;
  }
  ctx.status = 303;
  ctx.redirect(await provider.interactionResult(ctx.req, ctx.res,
    { login: { accountId: login } }, { mergeWithLastSubmission: false }));
  return undefined;
});

// The issuer is http://localhost:<port>, a site of its own beside the service's 127.0.0.1 (as
// a real provider is): browsers may try either loopback address for localhost.
const app = provider.callback();
createServer(app).listen(settings.port, '127.0.0.1', () => console.log('ready'));
createServer(app).on('error', () => {}).listen(settings.port, '::1');
