import 'reflect-metadata';
import { type Type, ValidationPipe } from '@nestjs/common';
import fc from 'fast-check';
import { CreateUserTokenDto } from '../../auth/dto/create-user-token.dto.js';
import { CredentialsDto } from '../../auth/dto/credentials.dto.js';
import { CheckTokenDto } from '../../security/dto/security.dto.js';
import { LoginRequestDto } from '../../sessions/dto/session-requests.dto.js';
import { CreateUserDto } from '../../user-store/dto/create-user.dto.js';
import { RequestValidationError } from './request-validation.error.js';
import { compileStringFieldsCheck } from './string-fields-check.js';
import { createValidationPipe } from './validation.pipe.js';

const stockPipe = new ValidationPipe({
  whitelist: true,
  transform: true,
  forbidUnknownValues: true,
  exceptionFactory: (errors) => RequestValidationError.fromValidationErrors(errors),
});
const pipe = createValidationPipe();

async function outcome(subject: ValidationPipe, dto: Type<object>, body: unknown) {
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

const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ minLength: 250, maxLength: 300 }),
  fc.string({ unit: 'grapheme', maxLength: 6 }),
);
const value = fc.oneof(
  text,
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(text, { maxLength: 2 }),
);
const keys = fc.constantFrom(
  'token',
  'service',
  'username',
  'password',
  'login',
  'note',
  'extra',
  'constructor',
);
const bodies = fc.oneof(
  fc.dictionary(keys, value, { maxKeys: 4 }),
  fc.record({ token: text, service: text }),
  fc.record({ username: text, password: text }),
  value,
);

describe('the validation pipe', () => {
  it.each([
    ['CheckTokenDto', CheckTokenDto],
    ['CredentialsDto', CredentialsDto],
    ['LoginRequestDto', LoginRequestDto],
    ['CreateUserDto', CreateUserDto],
    ['CreateUserTokenDto', CreateUserTokenDto],
  ] as const)('answers exactly as Nest’s own ValidationPipe for %s', async (_, dto) => {
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        expect(await outcome(pipe, dto, body)).toEqual(await outcome(stockPipe, dto, body));
      }),
      { numRuns: 400 },
    );
  });

  it('answers a body the fuzzer found (nested `constructor` keys) with a 400, not a throw', async () => {
    const body = { username: { prototype: { username: { constructor: [] } } } };
    expect(await outcome(pipe, CredentialsDto, body)).toEqual(
      await outcome(stockPipe, CredentialsDto, body),
    );
    expect((await outcome(pipe, CredentialsDto, body)).ok).toBe(false);
  });

  it('takes the quick check only for all-required string bodies', () => {
    expect(compileStringFieldsCheck(CheckTokenDto)).not.toBeNull();
    expect(compileStringFieldsCheck(CreateUserTokenDto)).toBeNull();
  });

  it('passes a well-formed token check body and nothing with an unknown or wrong field', () => {
    const check = compileStringFieldsCheck(CheckTokenDto)!;
    const dto = (fields: object) => Object.assign(new CheckTokenDto(), fields);
    expect(check(dto({ token: 'abc', service: 'orders' }))).toBe(true);
    expect(check(dto({ token: 'abc', service: 'orders', extra: 1 }))).toBe(false);
    expect(check(dto({ token: 'abc', service: 'x'.repeat(257) }))).toBe(false);
    expect(check(dto({ token: 'abc' }))).toBe(false);
    expect(check(dto({ token: 1, service: 'orders' }))).toBe(false);
  });
});
