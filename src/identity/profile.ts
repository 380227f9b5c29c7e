import { passkeySummaryOf } from '../credentials/passkeys/dto/passkey.dto.js';
import type { Passkey } from '../credentials/passkeys/entities/passkey.entity.js';
import type { User } from '../user-store/entities/user.entity.js';
import type { ProfileDto } from './dto/profile.dto.js';

/** What a profile says of a user's credentials besides the user row: second factor, passkeys. */
export interface CredentialsShown {
  secondFactor: boolean;
  passkeys: Passkey[];
}

/**
 * A user (loaded with its groups) as ProfileDto: every field but the password hash and lockout
 * state, whether their second factor is on, and their passkeys by name.
 */
export function toProfileDto(user: User, { secondFactor, passkeys }: CredentialsShown): ProfileDto {
  return {
    id: user.id,
    username: user.username,
    privilege: user.privilege,
    scope: user.scope,
    firstName: user.firstName,
    lastName: user.lastName,
    email: user.email,
    description: user.description,
    publicKey: user.publicKey,
    groups: (user.groups ?? [])
      .map((group) => ({ id: group.id, name: group.name }))
      .sort((a, b) => a.id - b.id),
    secondFactor,
    passkeys: passkeys.map(passkeySummaryOf),
    lastLoginTime: user.lastLoginTime?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
