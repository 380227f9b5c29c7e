import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

/*
 * Two rules the code states and these tests keep true, read from the syntax of every source file
 * (not its text, so that a comment is no finding and `Date . now` or `process['env']` is one):
 * one clock, the injectable Clock, for every time rule, so that a test that moves the Clock moves
 * every rule with it; and one reader of the environment, src/config (besides the entry points,
 * which hand it the environment), so that every variable is validated and documented in one place.
 */

const SRC = fileURLToPath(new URL('.', import.meta.url));
const sourceFiles = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
  .sort();

type Finder = (node: ts.Node) => string | null;

const isIdentifier = (node: ts.Node, name: string) => ts.isIdentifier(node) && node.text === name;

/** `object.property` or `object['property']`. */
function isMember(node: ts.Node, object: string, property: string): boolean {
  if (ts.isPropertyAccessExpression(node)) {
    return isIdentifier(node.expression, object) && node.name.text === property;
  }
  return (
    ts.isElementAccessExpression(node) &&
    isIdentifier(node.expression, object) &&
    ts.isStringLiteralLike(node.argumentExpression) &&
    node.argumentExpression.text === property
  );
}

/** A read of the system time: `Date.now`, `new Date()` without a time, `Date()`. */
const readsSystemTime: Finder = (node) => {
  if (isMember(node, 'Date', 'now')) return 'Date.now';
  if (ts.isNewExpression(node) && isIdentifier(node.expression, 'Date')) {
    return (node.arguments?.length ?? 0) === 0 ? 'new Date()' : null;
  }
  if (ts.isCallExpression(node) && isIdentifier(node.expression, 'Date')) return 'Date()';
  return null;
};

/** A read of the environment: `process.env`, `const { env } = process`, `env` of node:process. */
const readsEnvironment: Finder = (node) => {
  if (isMember(node, 'process', 'env')) return 'process.env';
  if (
    ts.isVariableDeclaration(node) &&
    ts.isObjectBindingPattern(node.name) &&
    node.initializer !== undefined &&
    isIdentifier(node.initializer, 'process') &&
    node.name.elements.some((element) => (element.propertyName ?? element.name).getText() === 'env')
  ) {
    return 'env of process';
  }
  if (
    ts.isImportDeclaration(node) &&
    ts.isStringLiteral(node.moduleSpecifier) &&
    ['process', 'node:process'].includes(node.moduleSpecifier.text)
  ) {
    return 'an import of node:process';
  }
  return null;
};

/** Each place in `text` that `find` reports, as `file:line: what`. */
function findingsIn(file: string, text: string, find: Finder): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const findings: string[] = [];
  const visit = (node: ts.Node): void => {
    const what = find(node);
    if (what !== null) {
      const { line } = source.getLineAndCharacterOfPosition(node.getStart(source));
      findings.push(`${file}:${line + 1}: ${what}`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return findings;
}

function findingsOutside(allowed: (file: string) => boolean, find: Finder): string[] {
  return sourceFiles
    .filter((file) => !allowed(file))
    .flatMap((file) => findingsIn(file, readFileSync(join(SRC, file), 'utf8'), find));
}

describe('one clock', () => {
  it('is the only reader of the system time in src/', () => {
    expect(findingsOutside((file) => file === 'clock/clock.service.ts', readsSystemTime)).toEqual(
      [],
    );
  });

  it('finds every way of reading the system time, and no time that is given', () => {
    const text = [
      'const a = Date.now();',
      "const b = Date['now']();",
      'const c = new Date();',
      'const d = new Date;',
      'const e = Date();',
      '// Date.now() in a comment',
      'const f = new Date(0);',
      'const g = new Date(a + 1000);',
      'const h = performance.now();',
    ].join('\n');
    expect(findingsIn('x.ts', text, readsSystemTime)).toEqual([
      'x.ts:1: Date.now',
      'x.ts:2: Date.now',
      'x.ts:3: new Date()',
      'x.ts:4: new Date()',
      'x.ts:5: Date()',
    ]);
  });
});

describe('one reader of the environment', () => {
  const ENTRY_POINTS = new Set(['main.ts', 'cli.ts']);

  it('is src/config (and the entry points main.ts and cli.ts)', () => {
    expect(
      findingsOutside(
        (file) => file.startsWith('config/') || ENTRY_POINTS.has(file),
        readsEnvironment,
      ),
    ).toEqual([]);
  });

  it('finds every way of reading the environment', () => {
    const text = [
      'const a = process.env.PORT;',
      "const b = process['env'];",
      'const { env } = process;',
      'const { env: e } = process;',
      "import { env as f } from 'node:process';",
      '// process.env in a comment',
      'process.stdout.write(String(process.pid));',
    ].join('\n');
    expect(findingsIn('x.ts', text, readsEnvironment)).toEqual([
      'x.ts:1: process.env',
      'x.ts:2: process.env',
      'x.ts:3: env of process',
      'x.ts:4: env of process',
      'x.ts:5: an import of node:process',
    ]);
  });
});
