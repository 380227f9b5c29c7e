// A service behind Gatehouse that checks access JWTs locally and hears of revocations through
// its shared-signals stream, by push or by poll:
//
//   GATEHOUSE_URL=http://localhost:3000 CLIENT_ID=… CLIENT_SECRET=… node server.mjs
//
// GET /protected answers 200 with the token's subject, or 401; POST /ssf/events takes pushed
// SETs. DELIVERY=poll polls instead of being pushed to; RECEIVER_URL is where Gatehouse reaches
// this service (http://127.0.0.1:$PORT by default).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { createReceiver } from './receiver.mjs';

const { GATEHOUSE_URL, CLIENT_ID, CLIENT_SECRET, DELIVERY = 'push' } = process.env;
const PORT = Number(process.env.PORT ?? 4000);
const RECEIVER_URL = process.env.RECEIVER_URL ?? `http://127.0.0.1:${PORT}`;
/** Every event Gatehouse transmits that changes what a token check answers. */
const EVENTS = [
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  'https://schemas.openid.net/secevent/caep/event-type/credential-change',
  'https://schemas.openid.net/secevent/caep/event-type/token-claims-change',
  'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-enabled',
  'https://schemas.openid.net/secevent/risc/event-type/account-purged',
];
const PUSH = 'urn:ietf:rfc:8935';
const POLL = 'urn:ietf:rfc:8936';
const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
/** What Gatehouse must send with each push: a secret only it and this process know. */
const pushAuthorization = `Bearer ${randomBytes(32).toString('base64url')}`;

const ssf = await getJson(new URL('/.well-known/ssf-configuration', GATEHOUSE_URL));
const receiver = createReceiver({
  issuer: ssf.issuer,
  jwksUrl: ssf.jwks_uri,
  audience: CLIENT_ID,
});
const stream = await subscribe();

const server = createServer(async (request, response) => {
  if (request.method === 'GET' && request.url === '/protected') {
    const token = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const claims = token ? await receiver.checkAccessToken(token) : null;
    return answer(
      response,
      claims ? 200 : 401,
      claims ? { sub: claims.sub } : { error: 'invalid_token' },
    );
  }
  if (request.method === 'POST' && request.url === '/ssf/events' && DELIVERY === 'push') {
    if (request.headers.authorization !== pushAuthorization) return answer(response, 401, {});
    try {
      await receiver.acceptSet(await bodyOf(request));
    } catch (error) {
      return answer(response, 400, { err: 'invalid_request', description: String(error) });
    }
    response.writeHead(202).end();
    return;
  }
  answer(response, 404, {});
});
server.listen(PORT, () =>
  console.log(`ssf-receiver on :${PORT}, stream ${stream.stream_id} (${DELIVERY})`),
);
if (DELIVERY === 'poll') void pollForever(stream.delivery.endpoint_url);

/** Creates this client's stream, or takes over the one it has, with this process's delivery. */
async function subscribe() {
  const delivery =
    DELIVERY === 'push'
      ? {
          method: PUSH,
          endpoint_url: `${RECEIVER_URL}/ssf/events`,
          authorization_header: pushAuthorization,
        }
      : { method: POLL };
  const config = { delivery, events_requested: EVENTS };
  const created = await ssfRequest('POST', ssf.configuration_endpoint, config);
  if (created.status !== 409) return created.json();
  const [existing] = await (await ssfRequest('GET', ssf.configuration_endpoint)).json();
  return (
    await ssfRequest('PUT', ssf.configuration_endpoint, {
      ...config,
      stream_id: existing.stream_id,
    })
  ).json();
}

/** RFC 8936: each poll acknowledges what the one before it returned, and waits for more. */
async function pollForever(url) {
  let ack = [];
  let setErrs = {};
  for (;;) {
    const polled = await ssfRequest('POST', url, {
      ack,
      setErrs,
      returnImmediately: false,
      maxEvents: 100,
    })
      .then((reply) => reply.json())
      .catch(async () => {
        // Gatehouse unreachable: what was not acknowledged comes again; try once a second.
        await new Promise((resolve) => setTimeout(resolve, 1000));
        return { sets: {} };
      });
    ack = [];
    setErrs = {};
    for (const [jti, set] of Object.entries(polled.sets ?? {})) {
      try {
        await receiver.acceptSet(set);
        ack.push(jti);
      } catch (error) {
        setErrs[jti] = { err: 'invalid_request', description: String(error) };
      }
    }
  }
}

/** A request to the SSF API with this client's Basic credentials. */
function ssfRequest(method, url, body) {
  return fetch(url, {
    method,
    headers: { authorization: basic, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
}

async function getJson(url) {
  const reply = await fetch(url);
  if (!reply.ok) throw new Error(`${url}: ${reply.status}`);
  return reply.json();
}

async function bodyOf(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function answer(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}
