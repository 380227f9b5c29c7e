import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import ts from 'typescript';
import type { OpenAPIV3 } from 'openapi-types';
import { startTestApp, type TestApp } from '../support/app.js';
import { CLIENT_TYPES_FILE, clientTypesOf } from './client-types.js';
import { callEveryRoute } from './every-route.js';

const PROGRAM_FILE = new URL('./every-route.ts', import.meta.url).pathname;
const VERBS = new Set(['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE']);
const ADMIN = { username: 'client-admin', password: 'client-admin-password' };

/** `METHOD /path` of every operation of the document. */
function operationsOf(document: OpenAPIV3.Document): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item ?? {})
      .map((key) => key.toUpperCase())
      .filter((method) => VERBS.has(method))
      .map((method) => `${method} ${path}`),
  );
}

/** `METHOD /path` of every `api.METHOD('/path', …)` call the client program makes. */
function callsOf(source: ts.SourceFile): string[] {
  const calls: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      VERBS.has(node.expression.name.text) &&
      node.arguments[0] &&
      ts.isStringLiteral(node.arguments[0])
    ) {
      calls.push(`${node.expression.name.text} ${node.arguments[0].text}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return calls;
}

/**
 * Type-checks the client program as the project's compiler options would, with the freshly
 * generated types standing in for the committed ones.
 */
function diagnosticsOf(freshTypes: string): string[] {
  const options: ts.CompilerOptions = {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2023,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    // What a client program has where it runs: the DOM's fetch, no Node.js types to load.
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const getSourceFile = host.getSourceFile.bind(host);
  const readFile = host.readFile.bind(host);
  host.readFile = (file) => (file === CLIENT_TYPES_FILE ? freshTypes : readFile(file));
  host.getSourceFile = (file, language, ...rest) =>
    file === CLIENT_TYPES_FILE
      ? ts.createSourceFile(file, freshTypes, language)
      : getSourceFile(file, language, ...rest);
  const program = ts.createProgram([PROGRAM_FILE], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((diagnostic) => ts.formatDiagnostic(diagnostic, host));
}

describe('the typed client generated from the OpenAPI document', () => {
  let t: TestApp;
  let document: OpenAPIV3.Document;
  let fresh: string;

  beforeAll(async () => {
    t = await startTestApp({ ADMIN_USERNAME: ADMIN.username, ADMIN_PASSWORD: ADMIN.password });
    document = (await t.http().get('/docs-json').expect(200)).body as OpenAPIV3.Document;
    fresh = await clientTypesOf(document);
  });
  afterAll(() => t.close());

  it('is committed as generated from the document the app serves (npm run openapi:client)', async () => {
    await expect(fresh).toMatchFileSnapshot(CLIENT_TYPES_FILE);
  });

  it('types a client program that calls every operation of the document, and no other', () => {
    const program = ts.createSourceFile(
      PROGRAM_FILE,
      readFileSync(PROGRAM_FILE, 'utf8'),
      ts.ScriptTarget.ES2023,
    );
    const called = new Set(callsOf(program));
    const operations = operationsOf(document);
    expect(operations.filter((operation) => !called.has(operation))).toEqual([]);
    expect([...called].filter((call) => !operations.includes(call))).toEqual([]);
    expect(diagnosticsOf(fresh)).toEqual([]);
  });

  it('runs that program against the app, every answer as the document says', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await callEveryRoute(t.api, {
      adminUsername: ADMIN.username,
      adminPassword: ADMIN.password,
      password: 'every-route-password',
      publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    });
  });
});
