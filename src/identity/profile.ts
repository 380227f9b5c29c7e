import type { User } from '../user-store/entities/user.entity.js';
import type { ProfileDto } from './dto/profile.dto.js';

/**
 * A user (loaded with its groups) as ProfileDto: every field but the password hash and lockout
 * state, and whether their second factor is on.
 */
export function toProfileDto(user: User, secondFactor: boolean): ProfileDto {
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
    lastLoginTime: user.lastLoginTime?.toISOString() ?? null,
    createdAt: user.createdAt.toISOString(),
    updatedAt: user.updatedAt.toISOString(),
  };
}
