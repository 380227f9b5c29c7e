import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../client/gatehouse-api.js';
import { expectDocumented, type OpenApiContract } from './openapi-contract.js';

export type GatehouseApi = Client<paths>;

/** Statuses whose responses have no body, which a fetch Response refuses to be given one. */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * The client generated from the OpenAPI document, bound to a test app. Its requests go into
 * Fastify with `inject` rather than over a socket, so the app need not listen; each response is
 * held against the document before the caller sees it. The base URL only fills in the Request
 * openapi-fetch builds.
 */
export function clientOf(
  app: NestFastifyApplication,
  contract: OpenApiContract,
  beforeEachRequest: () => void,
): GatehouseApi {
  return createClient<paths>({
    baseUrl: 'http://gatehouse.test',
    fetch: async (request: Request) => {
      beforeEachRequest();
      const url = new URL(request.url);
      const body = request.body ? Buffer.from(await request.arrayBuffer()) : undefined;
      const answer = await app.inject({
        method: request.method as 'GET',
        url: url.pathname + url.search,
        headers: Object.fromEntries(request.headers),
        payload: body,
      });
      expectDocumented(contract, {
        method: request.method,
        url: url.pathname + url.search,
        status: answer.statusCode,
        headers: answer.headers as Record<string, string | string[] | undefined>,
        text: answer.body,
      });
      const headers = new Headers();
      for (const [name, value] of Object.entries(answer.headers)) {
        for (const each of [value ?? []].flat()) headers.append(name, String(each));
      }
      const empty = NO_BODY.has(answer.statusCode) || request.method === 'HEAD';
      return new Response(empty ? null : new Uint8Array(answer.rawPayload), {
        status: answer.statusCode,
        headers,
      });
    },
  });
}
