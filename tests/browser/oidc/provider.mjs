// A real OpenID Connect provider (panva/oidc-provider) for the console's browser tests.
//
// Configured from the environment, so the tests start it on a free port:
//   OIDC_PORT            port to listen on, 0 (default) picks a free one
//   OIDC_CLIENT_ID       the portal's client id
//   OIDC_CLIENT_SECRET   the portal's client secret
//   OIDC_REDIRECT_URIS   comma-separated callback URLs of the portal
//   OIDC_ACCOUNTS        JSON: {"<login>": {"password": "..", "sub": "..", "email": "..",
//                                           "name": "..", "groups": ["support"]}}
// Once listening it prints one JSON line to stdout: {"issuer": "http://127.0.0.1:<port>"}.
//
// The sign-in page checks the password; consent is implied for this first-party client.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

import Provider from 'oidc-provider';

const clientId = process.env.OIDC_CLIENT_ID ?? 'portal';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'portal-secret';
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? '').split(',').filter(Boolean);
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const scopes = 'openid email profile groups';

function signingKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function escapeHtml(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function loginPage(uid, clientName, error) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Sign in – Test identity provider</title>
<style>
  body { font: 16px system-ui, sans-serif; background: #eef1f5; display: grid; place-items: center; min-height: 100vh; margin: 0; }
  form { background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 2px 8px #0002; width: 20rem; display: grid; gap: .75rem; }
  input, button { font: inherit; padding: .5rem; }
  button { background: #1f4e79; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
  .error { color: #b00020; }
</style></head><body>
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
  <h1>Test identity provider</h1>
  <p>Sign in to continue to <strong>${escapeHtml(clientName)}</strong>.</p>
  ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
  <label>Username <input name="login" autocomplete="username" required autofocus></label>
  <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
  <button type="submit">Sign in</button>
</form></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return new URLSearchParams(body);
}

const configuration = {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    client_name: 'OpenCRVS–MOSIP portal',
    redirect_uris: redirectUris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_post',
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  features: { devInteractions: { enabled: false } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  // The portal is a first-party client: its users are not asked for consent.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(scopes);
    await grant.save();
    return grant;
  },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        return {
          sub: account.sub ?? id,
          email: account.email,
          email_verified: true,
          name: account.name ?? id,
          preferred_username: id,
          groups: account.groups ?? [],
        };
      },
    };
  },
};

const server = createServer();
server.listen(Number(process.env.OIDC_PORT ?? 0), '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration);

  // The sign-in interaction: show the form, check the password, finish the login.
  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const client = await provider.Client.find(details.params.client_id);
    if (ctx.method === 'GET' && !match[2]) {
      ctx.type = 'html';
      ctx.body = loginPage(details.uid, client.clientName);
      return undefined;
    }
    if (ctx.method === 'POST' && match[2]) {
      const form = await readForm(ctx.req);
      const account = accounts[form.get('login')];
      if (!account || account.password !== form.get('password')) {
        ctx.status = 401;
        ctx.type = 'html';
        ctx.body = loginPage(details.uid, client.clientName, 'Wrong username or password.');
        return undefined;
      }
      await provider.interactionFinished(ctx.req, ctx.res, {
        login: { accountId: form.get('login') },
      }, { mergeWithLastSubmission: false });
      ctx.respond = false;
      return undefined;
    }
    return next();
  });

  server.on('request', provider.callback());
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
