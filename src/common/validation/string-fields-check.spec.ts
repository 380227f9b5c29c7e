import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Type, ValidationPipe } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validate, ValidationTypes } from 'class-validator';
import fc from 'fast-check';
import { CheckTokenDto } from '../../security/dto/security.dto.js';
import { RequestValidationError } from './request-validation.error.js';
import { compileStringFieldsCheck, type StringFieldsCheck } from './string-fields-check.js';
import { createValidationPipe } from './validation.pipe.js';

/*
 * The quick check decides a body without running class-validator, on the belief that its verdict
 * is class-validator's. These tests hold that belief against class-validator itself, for every
 * request body class the quick check takes, over bodies built from each class's own rules: an
 * upgrade that changes what a rule passes, how validate() reads the rules, or which classes the
 * check can take fails here rather than letting a body through that validate() would refuse.
 */

const SRC = fileURLToPath(new URL('../../', import.meta.url));
const sourceFiles = readdirSync(SRC, { recursive: true, encoding: 'utf8' })
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'))
  .map((file) => join(SRC, file));

/** The files that hold request body classes: every `*.dto.ts` and every file under a `dto/`. */
const dtoFiles = sourceFiles.filter((file) => /(\/dto\/|\.dto\.ts$)/.test(file));

/**
 * The class names routes declare as `@Body()`, wherever they are (an interface or type is no class
 * at run time: the pipe sees Object, which it never validates).
 */
const sources = sourceFiles.map((file) => readFileSync(file, 'utf8'));
const typeOnlyNames = new Set(
  sources.flatMap((text) =>
    [...text.matchAll(/^(?:export\s+)?(?:interface|type)\s+([A-Z]\w*)/gm)].map(([, name]) => name),
  ),
);
const bodyClassNames = new Set(
  sources.flatMap((text) =>
    [...text.matchAll(/@Body\(\)\s+\w+:\s*([A-Z]\w*)/g)]
      .map(([, name]) => name)
      .filter((name) => !typeOnlyNames.has(name)),
  ),
);

async function dtoClasses(): Promise<Map<string, Type<object>>> {
  const classes = new Map<string, Type<object>>();
  for (const file of dtoFiles) {
    const exports = (await import(file)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(exports)) {
      if (typeof value === 'function') classes.set(name, value as Type<object>);
    }
  }
  return classes;
}

// The options createValidationPipe gives Nest's pipe, which hands these to validate().
const VALIDATOR_OPTIONS = { whitelist: true, forbidUnknownValues: true };
const stockPipe = new ValidationPipe({
  ...VALIDATOR_OPTIONS,
  transform: true,
  exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
});
const pipe = createValidationPipe();

/** Each property's rules, as the class declares them: for building bodies near every bound. */
function lengthBoundsOf(dto: Type<object>): Map<string, number[]> {
  const bounds = new Map<string, number[]>();
  for (const metadata of getMetadataStorage().getTargetValidationMetadatas(dto, '', false, false)) {
    const numbers = bounds.get(metadata.propertyName) ?? [];
    bounds.set(metadata.propertyName, numbers);
    if (metadata.type !== ValidationTypes.CUSTOM_VALIDATION) continue;
    for (const constraint of metadata.constraints ?? []) {
      if (typeof constraint === 'number') numbers.push(constraint);
    }
  }
  return bounds;
}

/**
 * Characters whose length class-validator counts in its own way (an astral character is one,
 * a variation selector none), or that a check might trip on (NUL, a lone surrogate).
 */
const unit = fc.constantFrom('a', 'é', '😀', '\uFE0F', '\u0301', ' ', '\u0000', '\uD800', '\n');

/** A string of about `length` characters, mixing units counted differently. */
const stringNear = (length: number) =>
  fc
    .integer({ min: Math.max(0, length - 2), max: length + 2 })
    .chain((units) => fc.array(unit, { minLength: units, maxLength: units }))
    .map((units) => units.join(''));

const otherJson = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 2 }),
);

/** Bodies as JSON parses them: the class's properties near their bounds, some missing, some of another type. */
function bodiesFor(dto: Type<object>, extraKeys: boolean): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.fromEntries(
    [...lengthBoundsOf(dto)].map(([name, bounds]) => [
      name,
      fc.oneof(
        { weight: 6, arbitrary: fc.oneof(...[0, 1, 12, ...bounds].map(stringNear)) },
        { weight: 1, arbitrary: otherJson },
      ),
    ]),
  );
  const known = fc.record(fields, { requiredKeys: [] });
  if (!extraKeys) return known;
  const extra = fc.dictionary(
    fc.constantFrom('extra', 'constructor', '__proto__', 'prototype', 'id', 'privilege'),
    fc.oneof(fc.string({ maxLength: 4 }), otherJson),
    { minKeys: 1, maxKeys: 2 },
  );
  return fc
    .tuple(known, extra)
    .map(([fields, more]) => JSON.parse(JSON.stringify({ ...more, ...fields })) as typeof fields);
}

/** The quick verdict as the pipe reaches it: on the body as it came, then on the instance. */
function quickVerdict(check: StringFieldsCheck, dto: Type<object>, body: object): boolean {
  return check(body) && check(plainToInstance(dto, body) as object);
}

/** class-validator's own verdict on the instance, and whether its whitelist took anything away. */
async function classValidatorVerdict(dto: Type<object>, body: object) {
  const instance = plainToInstance(dto, structuredClone(body)) as object;
  const before = Object.keys(instance);
  const errors = await validate(instance, VALIDATOR_OPTIONS);
  return { passes: errors.length === 0, stripped: Object.keys(instance).length < before.length };
}

async function pipeOutcome(subject: ValidationPipe, dto: Type<object>, body: unknown) {
  try {
    const value = (await subject.transform(structuredClone(body), {
      type: 'body',
      metatype: dto,
    })) as object;
    return { ok: true, type: value.constructor, value: { ...value } };
  } catch (error) {
    return { ok: false, issues: (error as RequestValidationError).issues };
  }
}

const classes = await dtoClasses();
const quick = [...classes]
  .map(([name, dto]) => ({ name, dto, check: compileStringFieldsCheck(dto) }))
  .filter((entry): entry is { name: string; dto: Type<object>; check: StringFieldsCheck } =>
    Boolean(entry.check),
  );

describe('the quick check of request bodies', () => {
  it('finds every route body class among the DTO files it looks through', () => {
    const missing = [...bodyClassNames].filter((name) => !classes.has(name));
    expect(missing, `declare these body classes in a *.dto.ts file: ${missing.join(', ')}`).toEqual(
      [],
    );
  });

  it('takes the token check’s body, the benchmark’s hot path', () => {
    expect(quick.map(({ name }) => name)).toContain('CheckTokenDto');
    expect(compileStringFieldsCheck(CheckTokenDto)).not.toBeNull();
  });

  describe.each(quick.map((entry) => [entry.name, entry] as const))(
    'for %s',
    (_, { dto, check }) => {
      it('is tried on bodies that pass and bodies that fail', async () => {
        const verdicts = await Promise.all(
          fc.sample(bodiesFor(dto, false), 200).map((body) => classValidatorVerdict(dto, body)),
        );
        const passing = verdicts.filter(({ passes }) => passes).length;
        expect(passing).toBeGreaterThan(20);
        expect(passing).toBeLessThan(180);
      });

      it('passes a body of its own properties exactly when class-validator’s validate() does', async () => {
        await fc.assert(
          fc.asyncProperty(bodiesFor(dto, false), async (body) => {
            const verdict = await classValidatorVerdict(dto, body);
            expect(quickVerdict(check, dto, body)).toBe(verdict.passes);
          }),
          { numRuns: 1_000 },
        );
      });

      it('passes nothing class-validator would refuse or strip, whatever else the body holds', async () => {
        await fc.assert(
          fc.asyncProperty(bodiesFor(dto, true), async (body) => {
            if (!quickVerdict(check, dto, body)) return;
            expect(await classValidatorVerdict(dto, body)).toEqual({
              passes: true,
              stripped: false,
            });
          }),
          { numRuns: 500 },
        );
      });

      it('gives the same answer as Nest’s own ValidationPipe, instance and errors alike', async () => {
        await fc.assert(
          fc.asyncProperty(fc.oneof(bodiesFor(dto, false), bodiesFor(dto, true)), async (body) => {
            expect(await pipeOutcome(pipe, dto, body)).toEqual(
              await pipeOutcome(stockPipe, dto, body),
            );
          }),
          { numRuns: 500 },
        );
      });
    },
  );
});
