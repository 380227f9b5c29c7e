import type { User } from '../user-store/entities/user.entity.js';
import type { UsersService } from '../user-store/users.service.js';

/**
 * The user a verb names, found as a login finds them (case and compatibility forms folded), or
 * the verb's one-line failure.
 */
export async function namedUser(users: UsersService, username: string): Promise<User> {
  const user = await users.findByUsername(username);
  if (!user) throw new Error(`No user named ${username}`);
  return user;
}
