import { dictionary } from '@zxcvbn-ts/language-common';
import {
  normalizePassword,
  passwordPolicyViolation,
  type PasswordPolicy,
} from './password-policy.js';

const DEFAULT: PasswordPolicy = { minLength: 8, refuseCommon: true };

describe('normalizePassword', () => {
  it.each([
    ['fullwidth letters', 'ｃｏｒｒｅｃｔ－ｈｏｒｓｅ', 'correct-horse'],
    ['a ligature', 'ﬁsh-and-chips', 'fish-and-chips'],
    ['a combining accent', 'cafe\u0301-terrace', 'café-terrace'],
  ])('maps %s to the one form', (_, typed, normalized) => {
    expect(normalizePassword(typed)).toBe(normalized);
  });
});

describe('passwordPolicyViolation', () => {
  it('accepts a password that is long enough, hashable and uncommon', () => {
    expect(passwordPolicyViolation('quiet-lantern-orbit', DEFAULT)).toBeNull();
  });

  it.each(['password', 'PassWord', '12345678', 'iloveyou', 'ｐａｓｓｗｏｒｄ', 'changeme'])(
    'refuses the common password %j, in any case or width, with a clear message',
    (password) => {
      expect(passwordPolicyViolation(password, DEFAULT)).toBe(
        'password is among the most common passwords, which attackers try first; choose another',
      );
    },
  );

  it('refuses each of the 10,000 most common passwords, whatever their length', () => {
    const mostCommon = dictionary['passwords-common'].slice(0, 10_000);
    const admitted = mostCommon.filter(
      (password) =>
        passwordPolicyViolation(password, { minLength: 1, refuseCommon: true }) === null,
    );
    expect(mostCommon).toHaveLength(10_000);
    expect(admitted).toEqual([]);
  });

  it('admits a common password when the policy does not refuse them', () => {
    expect(passwordPolicyViolation('password', { ...DEFAULT, refuseCommon: false })).toBeNull();
  });

  it('counts the length in characters of the normalized form', () => {
    // 'ﬃ㎏' is two characters as typed and five ('ffikg') once normalized; 'ｘｙｚ' is three either way.
    expect(passwordPolicyViolation('ﬃ㎏', { minLength: 5, refuseCommon: false })).toBeNull();
    expect(passwordPolicyViolation('ｘｙｚ', { minLength: 4, refuseCommon: false })).toBe(
      'password must be at least 4 characters',
    );
  });

  it('judges the 72 bytes on the normalized form', () => {
    // 30 fullwidth letters are 90 bytes as typed and 30 once normalized; 36 'ﬀ' (108 bytes as
    // typed) become 72 ASCII bytes, and one more character is too many.
    expect(passwordPolicyViolation('ｑ'.repeat(30), DEFAULT)).toBeNull();
    expect(passwordPolicyViolation('ﬀ'.repeat(36), DEFAULT)).toBeNull();
    expect(passwordPolicyViolation(`${'ﬀ'.repeat(36)}x`, DEFAULT)).toMatch(/at most 72 bytes/);
  });

  it('refuses NUL characters', () => {
    expect(passwordPolicyViolation('quiet\0lantern', DEFAULT)).toMatch(/NUL/);
  });
});
