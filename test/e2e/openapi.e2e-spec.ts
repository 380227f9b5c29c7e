import SwaggerParser from '@apidevtools/swagger-parser';
import { lintFromString, loadConfig } from '@redocly/openapi-core';
import type { OpenAPIV3 } from 'openapi-types';
import { startTestApp, type TestApp } from '../support/app.js';

/**
 * Operations anyone may call: registration, the logins (they take the credentials in the body or
 * a trusted proxy's header; a passkey sign-in its options first), the token and key checks other services make, and the probes.
 */
const PUBLIC_OPERATIONS = new Set([
  'POST /api/users',
  'GET /api/users/{id}',
  'POST /v1/auth',
  'POST /webauthn/authentication/options',
  'POST /webauthn/authentication',
  'POST /api/v1/security/authentication',
  'POST /api/v1/security/token',
  'POST /auth/loginwithrsa',
  'GET /auth/login',
  'GET /auth/ssologin',
  'GET /auth/globalprefix',
  'GET /.well-known/jwks.json',
  'GET /.well-known/openid-configuration',
  'GET /.well-known/oauth-authorization-server',
  'GET /.well-known/ssf-configuration',
  'GET /health/live',
  'GET /health/ready',
  'GET /metrics',
]);

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const;

interface Operation {
  name: string;
  operation: OpenAPIV3.OperationObject;
}

function operationsOf(doc: OpenAPIV3.Document): Operation[] {
  return Object.entries(doc.paths).flatMap(([path, item]) =>
    METHODS.filter((method) => item?.[method]).map((method) => ({
      name: `${method.toUpperCase()} ${path}`,
      operation: item![method]!,
    })),
  );
}

/** Whether a 2xx response says what it returns: a schema, or 204 for nothing at all. */
function documentsSuccess(operation: OpenAPIV3.OperationObject): boolean {
  return Object.entries(operation.responses).some(
    ([status, response]) =>
      status === '204' ||
      (/^2\d\d$/.test(status) &&
        Object.values((response as OpenAPIV3.ResponseObject).content ?? {}).some(
          (media) => media.schema,
        )),
  );
}

type Schema = OpenAPIV3.SchemaObject | OpenAPIV3.ReferenceObject;

/**
 * Whether a schema shows an example: its own, or one on each of its properties and items, through
 * references (a schema that refers back to itself counts once).
 */
function hasExample(doc: OpenAPIV3.Document, schema: Schema, seen = new Set<string>()): boolean {
  if ('$ref' in schema) {
    if (seen.has(schema.$ref)) return true;
    const name = schema.$ref.replace('#/components/schemas/', '');
    return hasExample(doc, doc.components!.schemas![name], new Set(seen).add(schema.$ref));
  }
  if (schema.example !== undefined) return true;
  if (schema.type === 'array') return hasExample(doc, schema.items, seen);
  const parts = [...(schema.allOf ?? []), ...(schema.oneOf ?? []), ...(schema.anyOf ?? [])];
  const properties = Object.values(schema.properties ?? {});
  if (parts.length + properties.length === 0) return false;
  return [...parts, ...properties].every((part) => hasExample(doc, part, seen));
}

/** The JSON bodies an operation takes and returns on success, with their examples if any. */
function jsonBodiesOf(operation: OpenAPIV3.OperationObject): OpenAPIV3.MediaTypeObject[] {
  const responses = Object.entries(operation.responses)
    .filter(([status]) => /^2\d\d$/.test(status))
    .map(([, response]) => response as OpenAPIV3.ResponseObject);
  const request = operation.requestBody as OpenAPIV3.RequestBodyObject | undefined;
  return [request, ...responses]
    .map((body) => body?.content?.['application/json'])
    .filter((media) => media !== undefined);
}

describe('the OpenAPI document', () => {
  let t: TestApp;
  let doc: OpenAPIV3.Document;
  let operations: Operation[];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
    operations = operationsOf(doc);
  });
  afterAll(() => t.close());

  it('is valid OpenAPI', async () => {
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    expect(operations.length).toBeGreaterThan(20);
  });

  it('gives every operation a summary and a tag', () => {
    const missing = operations
      .filter(({ operation }) => !operation.summary?.trim() || !operation.tags?.length)
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it('describes every tag an operation has', () => {
    const described = new Set(
      (doc.tags ?? []).filter((tag) => tag.description).map((tag) => tag.name),
    );
    const undescribed = operations
      .flatMap(({ operation }) => operation.tags ?? [])
      .filter((tag) => !described.has(tag));
    expect([...new Set(undescribed)]).toEqual([]);
  });

  it('gives every operation a successful response with a schema, or a 204', () => {
    const missing = operations.filter(({ operation }) => !documentsSuccess(operation));
    expect(missing.map(({ name }) => name)).toEqual([]);
  });

  it('shows an example of every JSON body an operation takes or returns', () => {
    const missing = operations
      .filter(({ operation }) =>
        jsonBodiesOf(operation).some(
          (media) =>
            media.example === undefined &&
            !media.examples &&
            !(media.schema && hasExample(doc, media.schema)),
        ),
      )
      .map(({ name }) => name);
    expect(missing).toEqual([]);
  });

  it('names a security scheme for every operation that is not public', () => {
    const schemes = Object.keys(doc.components?.securitySchemes ?? {});
    const unguarded = operations
      .filter(({ name }) => !PUBLIC_OPERATIONS.has(name))
      .filter(({ operation }) => !operation.security?.length)
      .map(({ name }) => name);
    expect(unguarded).toEqual([]);
    const unknown = operations
      .flatMap(({ operation }) => operation.security ?? [])
      .flatMap((requirement) => Object.keys(requirement))
      .filter((scheme) => !schemes.includes(scheme));
    expect(unknown).toEqual([]);
  });

  it('lets the session form of POST /auth/login go without credentials', () => {
    const login = operations.find(({ name }) => name === 'POST /auth/login')!;
    expect(login.operation.security).toEqual([{ basic: [] }, {}]);
  });

  it('names the public operations it allows, and no operation that does not exist', () => {
    const names = new Set(operations.map(({ name }) => name));
    expect([...PUBLIC_OPERATIONS].filter((name) => !names.has(name))).toEqual([]);
  });

  it('says security: [] on every public operation, as OpenAPI wants a public one to say', () => {
    const unsaid = operations
      .filter(({ name }) => PUBLIC_OPERATIONS.has(name))
      .filter(({ operation }) => !Array.isArray(operation.security))
      .map(({ name }) => name);
    expect(unsaid).toEqual([]);
  });

  it("passes Redocly's recommended rules with no error and no warning (redocly.yaml says why a rule is off)", async () => {
    const config = await loadConfig({ configPath: 'redocly.yaml' });
    const problems = await lintFromString({ source: JSON.stringify(doc), config });
    const described = problems.map(
      (problem) =>
        `${problem.severity} ${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`,
    );
    expect(described).toEqual([]);
  });

  it('types every nullable field as what it holds, never as an object that says nothing', () => {
    const untyped = Object.entries(doc.components?.schemas ?? {}).flatMap(([name, schema]) =>
      Object.entries((schema as OpenAPIV3.SchemaObject).properties ?? {})
        .filter(([, property]) => {
          const field = property as OpenAPIV3.SchemaObject;
          const saysNothing =
            field.type === undefined ||
            (field.type === 'object' && !field.properties && !field.additionalProperties);
          return field.nullable === true && saysNothing;
        })
        .map(([property]) => `${name}.${property}`),
    );
    expect(untyped).toEqual([]);
  });

  it('documents the 429 with Retry-After of every route that checks, hashes or logs in with a password', () => {
    const limited = [
      'POST /v1/auth',
      'POST /webauthn/authentication/options',
      'POST /webauthn/authentication',
      'POST /api/v1/security/authentication',
      'POST /auth/login',
      'POST /auth/loginwithrsa',
      'GET /auth/login',
      'GET /auth/ssologin',
      'GET /api/token',
      'GET /api/resource',
      'PUT /api/users/{id}/public-key',
      'POST /api/users',
      'POST /auth/hashpassword',
      'POST /auth/matchpassword',
      'POST /api/me/password',
      'PUT /api/me/public-key',
      'DELETE /api/me/public-key',
      'POST /api/me/totp',
      'POST /api/me/totp/confirm',
      'DELETE /api/me/totp',
      'POST /api/me/passkeys/options',
    ];
    const undocumented = limited.filter((name) => {
      const found = operations.find((operation) => operation.name === name);
      const tooMany = found?.operation.responses['429'] as OpenAPIV3.ResponseObject | undefined;
      return !tooMany?.headers?.['Retry-After'];
    });
    expect(undocumented).toEqual([]);
  });

  it('documents 408 everywhere, 413 and 415 wherever a body is taken, and 503 wherever the database is read', () => {
    // The REST-auth API answers a body that is not JSON with its 400, and never 415.
    const notJson = (operation: OpenAPIV3.OperationObject) =>
      operation.tags?.includes('REST-auth API')
        ? operation.responses['400'] && !operation.responses['415']
        : operation.responses['415'];
    const missing = operations.flatMap(({ name, operation }) => [
      ...(operation.responses['408'] ? [] : [`${name} 408`]),
      ...(operation.requestBody && !(operation.responses['413'] && notJson(operation))
        ? [`${name} 413/415`]
        : []),
      ...(!['GET /health/live', 'GET /metrics'].includes(name) && !operation.responses['503']
        ? [`${name} 503`]
        : []),
    ]);
    expect(missing).toEqual([]);
  });

  it('documents the session cookie a session login sets, and the 400 of a bad login body', () => {
    for (const [name, status] of [
      ['POST /auth/login', '201'],
      ['POST /auth/loginwithrsa', '201'],
      ['GET /auth/login', '200'],
    ]) {
      const { operation } = operations.find((candidate) => candidate.name === name)!;
      const answer = operation.responses[status] as OpenAPIV3.ResponseObject;
      expect(answer.headers?.['Set-Cookie'], name).toBeDefined();
    }
    for (const name of ['POST /auth/login', 'POST /auth/loginwithrsa']) {
      const { operation } = operations.find((candidate) => candidate.name === name)!;
      expect(operation.responses['400'], name).toBeDefined();
    }
  });

  it("takes either form's body at POST /auth/login (anyOf: a session body is a valid user-token body too)", () => {
    const { operation } = operations.find(({ name }) => name === 'POST /auth/login')!;
    const body = operation.requestBody as OpenAPIV3.RequestBodyObject;
    const schema = body.content['application/json'].schema as OpenAPIV3.SchemaObject;
    expect(schema.oneOf).toBeUndefined();
    expect(
      schema.anyOf?.map((alternative) => (alternative as OpenAPIV3.ReferenceObject).$ref),
    ).toEqual(['#/components/schemas/CreateUserTokenDto', '#/components/schemas/LoginRequestDto']);
  });

  it('declares the sid of every path that has one, as a string', () => {
    const undeclared = operations
      .filter(({ name }) => name.includes('{sid}'))
      .filter(({ operation }) => {
        const sid = (operation.parameters ?? []).find(
          (parameter) => (parameter as OpenAPIV3.ParameterObject).name === 'sid',
        ) as OpenAPIV3.ParameterObject | undefined;
        return !sid || sid.in !== 'path' || !sid.schema;
      })
      .map(({ name }) => name);
    expect(undeclared).toEqual([]);
  });
});

describe('the OpenAPI document follows the configuration', () => {
  it('names PUBLIC_URL in servers and SESSION_COOKIE_NAME as the session scheme', async () => {
    const t = await startTestApp({
      PUBLIC_URL: 'https://auth.example.test/',
      SESSION_COOKIE_NAME: 'OUR_SESSION',
    });
    try {
      const doc = (await t.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
      expect(doc.servers).toEqual([{ url: 'https://auth.example.test' }]);
      expect(doc.components?.securitySchemes?.session).toMatchObject({
        type: 'apiKey',
        in: 'cookie',
        name: 'OUR_SESSION',
      });
      expect(doc.components?.securitySchemes?.['user-token']).toMatchObject({
        bearerFormat: 'UUID',
      });
    } finally {
      await t.close();
    }
  });
});
