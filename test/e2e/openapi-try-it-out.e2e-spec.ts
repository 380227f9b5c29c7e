import bcrypt from 'bcrypt';
import type { OpenAPIV3 } from 'openapi-types';
import { createApp } from '../../src/app.setup.js';
import { loadAppConfig } from '../../src/config/app-config.js';
import { basic, startTestApp, type TestApp } from '../support/app.js';
import { accessTokenFor } from '../support/credentials.js';
import { createTestDatabase } from '../support/database.js';
import { registerUser, uniqueName } from '../support/fixtures.js';

/**
 * What Swagger UI's "Try it out" does with the OpenAPI document: where it sends requests, what it
 * fills in by itself, and what it shows each status to answer, held against what the server does.
 */

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;
const ADMIN = { username: 'docs-admin', password: 'docs-admin-password-1' };

type Parameter = OpenAPIV3.ParameterObject;
type Schema = OpenAPIV3.SchemaObject;

interface Operation {
  name: string;
  path: string;
  method: (typeof METHODS)[number];
  operation: OpenAPIV3.OperationObject;
}

function operationsOf(doc: OpenAPIV3.Document): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method]).map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      path,
      method,
      operation: item![method]!,
    })),
  );
}

/** A schema with its references followed, and its allOf and first oneOf/anyOf merged in. */
function resolved(doc: OpenAPIV3.Document, schema: unknown): Schema | undefined {
  if (!schema || typeof schema !== 'object') return undefined;
  if ('$ref' in schema) {
    const name = (schema as OpenAPIV3.ReferenceObject).$ref.replace('#/components/schemas/', '');
    return resolved(doc, doc.components!.schemas![name]);
  }
  const own = schema as Schema;
  const parts = [...(own.allOf ?? []), own.oneOf?.[0] ?? own.anyOf?.[0]].map((part) =>
    resolved(doc, part),
  );
  return Object.assign({}, ...parts, own) as Schema;
}

/**
 * The value Swagger UI 5 puts in a parameter's field when the operation is opened, in its own
 * order (ParameterRow.setDefaultValue): the first of the parameter's examples, its content's
 * example, its example, its schema's example, its schema's default; without any, a sample it makes
 * up for an object. Undefined: the field stays empty and nothing is sent unless typed.
 */
function prefilled(doc: OpenAPIV3.Document, parameter: Parameter): unknown {
  const examples = Object.values(parameter.examples ?? {}) as OpenAPIV3.ExampleObject[];
  const content = Object.values(parameter.content ?? {})[0];
  const schema = resolved(doc, parameter.schema ?? content?.schema);
  const candidates = [
    examples[0]?.value,
    content?.example,
    parameter.example,
    schema?.example,
    schema?.default,
  ];
  const value = candidates.find((candidate) => candidate !== undefined);
  if (value !== undefined) return value;
  const items = resolved(doc, (schema as OpenAPIV3.ArraySchemaObject | undefined)?.items);
  if (!parameter.examples && (schema?.type === 'object' || items?.type === 'object')) {
    return 'a sample object';
  }
  return undefined;
}

/** Every parameter of an operation, its path item's included. */
function parametersOf(doc: OpenAPIV3.Document, { path, operation }: Operation): Parameter[] {
  return [...(doc.paths[path]!.parameters ?? []), ...(operation.parameters ?? [])].map(
    (parameter) => parameter as Parameter,
  );
}

/**
 * The structure of a JSON value: object keys and value kinds, the first item of an array. An
 * empty array says nothing of its items, so it is any array's shape (see sameShape).
 */
function shapeOf(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return value.length > 0 ? [shapeOf(value[0])] : [];
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as object)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, entry]) => [key, shapeOf(entry)]),
    );
  }
  return typeof value;
}

/** Two shapes agree: the same keys and kinds, where an empty array agrees with any array. */
function sameShape(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === 0 || b.length === 0 || sameShape(a[0], b[0]);
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = Object.keys(a);
    return (
      keys.length === Object.keys(b).length &&
      keys.every((key) => key in b && sameShape((a as never)[key], (b as never)[key]))
    );
  }
  return a === b;
}

describe('Try it out from any address', () => {
  it('names a relative server unless PUBLIC_URL is set, then PUBLIC_URL as given', async () => {
    const byDefault = await startTestApp();
    try {
      const doc = (await byDefault.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      expect(doc.servers).toEqual([{ url: '/' }]);
    } finally {
      await byDefault.close();
    }
    // The very value of the default, set on purpose, is named: an operator chose it.
    const given = await startTestApp({ PUBLIC_URL: 'http://localhost:3000' });
    try {
      const doc = (await given.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      expect(doc.servers).toEqual([{ url: 'http://localhost:3000' }]);
    } finally {
      await given.close();
    }
  });
});

describe('DOCS_ENABLED=false', () => {
  it('serves neither /docs nor /docs-json: both are 404 as any unknown path', async () => {
    const database = await createTestDatabase();
    const app = await createApp(
      loadAppConfig({ LOG_LEVEL: 'silent', DATABASE_URL: database.url, DOCS_ENABLED: 'false' }),
    );
    try {
      const unknown = await app.inject({ method: 'GET', url: '/no-such-page' });
      expect(unknown.statusCode).toBe(404);
      for (const url of ['/docs', '/docs/', '/docs-json', '/docs/swagger-ui-init.js']) {
        const answer = await app.inject({ method: 'GET', url });
        expect(answer.statusCode, url).toBe(404);
        expect(answer.json(), url).toEqual({
          ...unknown.json(),
          message: `Cannot GET ${url}`,
        });
      }
      expect((await app.inject({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    } finally {
      await app.close();
      await database.drop();
    }
  });

  it('is refused at start unless true or false', () => {
    expect(() => loadAppConfig({ DOCS_ENABLED: 'no' })).toThrow(/DOCS_ENABLED/);
    expect(loadAppConfig({ DOCS_ENABLED: 'true' }).docsEnabled).toBe(true);
  });
});

describe('the OpenAPI document, as Swagger UI uses it', () => {
  let t: TestApp;
  let doc: OpenAPIV3.Document;
  let operations: Operation[];
  let adminJwt: string;

  beforeAll(async () => {
    t = await startTestApp({
      ADMIN_USERNAME: ADMIN.username,
      ADMIN_PASSWORD: ADMIN.password,
    });
    doc = (await t.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
    operations = operationsOf(doc);
    adminJwt = await accessTokenFor(t, ADMIN);
  });
  afterAll(() => t?.close());

  it('tells a value Swagger UI would fill in from one it would not', () => {
    const query = (schema: Schema, more: Partial<Parameter> = {}): Parameter => ({
      name: 'update',
      in: 'query',
      schema,
      ...more,
    });
    expect(prefilled(doc, query({ type: 'boolean', example: true }))).toBe(true);
    expect(prefilled(doc, query({ type: 'boolean' }, { example: false }))).toBe(false);
    expect(prefilled(doc, query({ type: 'string', default: 'x' }))).toBe('x');
    expect(prefilled(doc, query({ type: 'string' }, { examples: { a: { value: 'y' } } }))).toBe(
      'y',
    );
    expect(prefilled(doc, query({ type: 'object' }))).toBeDefined();
    expect(prefilled(doc, query({ type: 'boolean', description: 'such as true' }))).toBeUndefined();
  });

  it('fills in no parameter by itself, but with the value the server takes when it is left out', () => {
    // A value that is the parameter's default changes nothing (the next test holds the server to
    // it); any other would filter, change or prove something the person did not ask for.
    const filled = operations.flatMap((operation) =>
      parametersOf(doc, operation)
        .map((parameter) => ({ parameter, value: prefilled(doc, parameter) }))
        .filter(({ value }) => value !== undefined)
        .filter(({ parameter, value }) => {
          const schema = resolved(doc, parameter.schema);
          return parameter.required || schema?.default === undefined || value !== schema.default;
        })
        .map(
          ({ parameter, value }) =>
            `${operation.name} ${parameter.in} ${parameter.name}: ${JSON.stringify(value)}`,
        ),
    );
    expect(filled).toEqual([]);
  });

  it('answers alike with a parameter left out and with its documented default', async () => {
    const defaulted = operations
      .map((operation) => ({
        operation,
        defaults: parametersOf(doc, operation).filter(
          (parameter) => resolved(doc, parameter.schema)?.default !== undefined,
        ),
      }))
      .filter(({ defaults }) => defaults.length > 0);
    // A default is only checked by asking twice, which a GET without path parameters allows.
    expect(
      defaulted
        .filter(({ operation }) => operation.method !== 'get' || operation.path.includes('{'))
        .map(({ operation }) => operation.name),
    ).toEqual([]);
    expect(defaulted.length).toBeGreaterThan(0);
    for (const { operation, defaults } of defaulted) {
      const query = new URLSearchParams(
        defaults
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => [parameter.name, String(resolved(doc, parameter.schema)!.default)]),
      );
      const headers = Object.fromEntries(
        defaults
          .filter((parameter) => parameter.in === 'header')
          .map((parameter) => [parameter.name, String(resolved(doc, parameter.schema)!.default)]),
      );
      const without = await t.http().get(operation.path).set('Authorization', `Bearer ${adminJwt}`);
      const withDefaults = await t
        .http()
        .get(`${operation.path}?${query.toString()}`)
        .set({ ...headers, Authorization: `Bearer ${adminJwt}` });
      expect(without.status, operation.name).toBe(200);
      expect(withDefaults.status, operation.name).toBe(200);
      expect(withDefaults.body, operation.name).toEqual(without.body);
    }
  });

  it('shows an example of every error status that has a body', () => {
    const missing = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => Number(status) >= 400 && status !== '408')
        .filter(([, response]) => {
          const content = Object.values((response as OpenAPIV3.ResponseObject).content ?? {});
          return (
            content.length === 0 ||
            !content.every(
              (media) =>
                media.example !== undefined ||
                media.examples !== undefined ||
                (media.schema as Schema | undefined)?.example !== undefined,
            )
          );
        })
        .map(([status]) => `${name} ${status}`),
    );
    expect(missing).toEqual([]);
  });

  it('shows, for each status, an example its own schema takes', () => {
    const problems = operations.flatMap(({ path, method, operation }) =>
      Object.entries(operation.responses).flatMap(([status, answer]) => {
        const response = answer as OpenAPIV3.ResponseObject;
        const headers = Object.fromEntries(
          Object.keys(response.headers ?? {}).map((header) => [header.toLowerCase(), 'x']),
        );
        return Object.entries(response.content ?? {}).flatMap(([type, media]) => {
          const shown = [
            media.example,
            (media.schema as Schema | undefined)?.example,
            ...Object.values(media.examples ?? {}).map(
              (example) => (example as OpenAPIV3.ExampleObject).value,
            ),
          ].filter((example) => example !== undefined);
          return shown.flatMap((example) =>
            t.contract.problemsOf({
              method,
              url: path.replace(/\{[^}]+\}/g, '1'),
              status: Number(status),
              headers: { ...headers, 'content-type': type },
              text: typeof example === 'string' ? example : JSON.stringify(example),
            }),
          );
        });
      }),
    );
    expect(problems).toEqual([]);
  });

  it("shows each status's example in the shape the server answers that status with", async () => {
    const user = await registerUser(t, uniqueName('docs'), 'docs-user-password-1');
    const userJwt = await accessTokenFor(t, user);
    const client = (
      await t
        .http()
        .post('/api/admin/clients')
        .set('Authorization', `Bearer ${adminJwt}`)
        .send({ name: uniqueName('docs-svc') })
        .expect(201)
    ).body as { clientId: string; clientSecret: string };
    const asAdmin = { Authorization: `Bearer ${adminJwt}` };
    const form = 'application/x-www-form-urlencoded';
    const line = (fields: object) => `${JSON.stringify(fields)}\n`;
    const hash = await bcrypt.hash('imported-password-1', 4);

    const samples: {
      method: (typeof METHODS)[number];
      path: string;
      url: string;
      status: number;
      headers?: Record<string, string>;
      body?: string;
    }[] = [
      { method: 'post', path: '/oauth2/introspect', url: '/oauth2/introspect', status: 401 },
      {
        method: 'post',
        path: '/oauth2/introspect',
        url: '/oauth2/introspect',
        status: 400,
        headers: {
          'Content-Type': form,
          Authorization: basic(client.clientId, client.clientSecret),
        },
        body: '',
      },
      {
        method: 'post',
        path: '/oauth2/introspect',
        url: '/oauth2/introspect',
        status: 415,
        headers: { 'Content-Type': 'text/plain' },
        body: 'token=x',
      },
      {
        method: 'post',
        path: '/api/admin/users/import',
        url: '/api/admin/users/import',
        status: 200,
        headers: { ...asAdmin, 'Content-Type': 'application/x-ndjson' },
        body: line({ username: uniqueName('imported'), passwordHash: hash }),
      },
      {
        method: 'post',
        path: '/api/admin/users/import',
        url: '/api/admin/users/import',
        status: 422,
        headers: { ...asAdmin, 'Content-Type': 'application/x-ndjson' },
        body: line({ username: uniqueName('imported'), passwordHash: 'pbkdf2:sha256:0$x$y' }),
      },
      {
        method: 'post',
        path: '/api/admin/users/import',
        url: '/api/admin/users/import',
        status: 415,
        headers: { ...asAdmin, 'Content-Type': 'application/json' },
        body: '{}',
      },
      {
        method: 'get',
        path: '/api/admin/users/{id}',
        url: '/api/admin/users/999999',
        status: 404,
        headers: asAdmin,
      },
      {
        method: 'get',
        path: '/api/admin/users/{id}',
        url: '/api/admin/users/abc',
        status: 400,
        headers: asAdmin,
      },
      { method: 'get', path: '/api/admin/users/{id}', url: '/api/admin/users/1', status: 401 },
      {
        method: 'get',
        path: '/api/admin/users/{id}',
        url: '/api/admin/users/1',
        status: 403,
        headers: { Authorization: `Bearer ${userJwt}` },
      },
      {
        method: 'get',
        path: '/api/admin/users/{id}',
        url: `/api/admin/users/${'1'.repeat(101)}`,
        status: 414,
        headers: asAdmin,
      },
      {
        method: 'post',
        path: '/api/admin/groups',
        url: '/api/admin/groups',
        status: 413,
        headers: { ...asAdmin, 'Content-Type': 'application/json' },
        body: JSON.stringify({ name: 'x'.repeat(200_000) }),
      },
      { method: 'get', path: '/api/me', url: '/api/me', status: 401 },
      { method: 'get', path: '/auth/validate/{sid}', url: '/auth/validate/abc', status: 400 },
      {
        method: 'get',
        path: '/auth/validate/{sid}',
        url: `/auth/validate/12345${'a'.repeat(64)}`,
        status: 404,
      },
      {
        method: 'post',
        path: '/auth/hashpassword',
        url: '/auth/hashpassword?sid=1',
        status: 401,
        headers: { 'Content-Type': 'application/json' },
        body: '{"password":"x"}',
      },
      {
        method: 'post',
        path: '/v1/auth',
        url: '/v1/auth',
        status: 415,
        headers: { 'Content-Type': 'text/plain' },
        body: 'x',
      },
      {
        method: 'post',
        path: '/api/users',
        url: '/api/users',
        status: 400,
        headers: { 'Content-Type': 'text/plain' },
        body: 'x',
      },
      {
        method: 'post',
        path: '/api/v1/security/token',
        url: '/api/v1/security/token',
        status: 400,
        headers: { 'Content-Type': 'application/json' },
        body: '{}',
      },
    ];
    const mismatches: string[] = [];
    for (const sample of samples) {
      const name = `${sample.method.toUpperCase()} ${sample.path} ${sample.status}`;
      const answer = await t.app.inject({
        method: sample.method.toUpperCase() as 'GET',
        url: sample.url,
        headers: sample.headers,
        payload: sample.body,
      });
      expect(answer.statusCode, `${name}: ${answer.body.slice(0, 200)}`).toBe(sample.status);
      const response = doc.paths[sample.path]![sample.method]!.responses[String(sample.status)] as
        OpenAPIV3.ResponseObject | undefined;
      const media = response?.content?.['application/json'];
      const example =
        media?.example ??
        (media?.schema as Schema | undefined)?.example ??
        (Object.values(media?.examples ?? {})[0] as OpenAPIV3.ExampleObject | undefined)?.value;
      expect(example, `${name} shows no example`).toBeDefined();
      // A documented alternative of the same status (several examples) may be the one answered.
      const shown = [
        example,
        ...Object.values(media?.examples ?? {}).map((e) => (e as OpenAPIV3.ExampleObject).value),
      ];
      if (!shown.some((candidate) => sameShape(shapeOf(candidate), shapeOf(answer.json())))) {
        mismatches.push(
          `${name}: shows ${JSON.stringify(example)}, answers ${answer.body.slice(0, 300)}`,
        );
      }
    }
    expect(mismatches).toEqual([]);
  });
});

describe('/health/ready, as documented', () => {
  it('answers 200 and, with the database gone, 503 in the shapes its examples show', async () => {
    const t = await startTestApp();
    try {
      const doc = (await t.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      const example = (status: string) =>
        (doc.paths['/health/ready']!.get!.responses[status] as OpenAPIV3.ResponseObject).content![
          'application/json'
        ].example as unknown;
      const ready = await t.http().get('/health/ready').expect(200);
      expect(shapeOf(ready.body)).toEqual(shapeOf(example('200')));
      await t.db.destroy();
      const down = await t.http().get('/health/ready').expect(503);
      expect(shapeOf(down.body)).toEqual(shapeOf(example('503')));
    } finally {
      await t.close();
    }
  });
});
