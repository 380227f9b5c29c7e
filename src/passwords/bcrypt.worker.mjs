// Plain JavaScript so that Node runs it as it is, from src/ under Vitest as from the build.
import { setPriority } from 'node:os';
import bcrypt from 'bcrypt';

// On Linux this lowers only this thread, so the event loop always wins the CPU over bcrypt (on
// other systems it would lower the whole process).
if (process.platform === 'linux') setPriority(19);

/** @param {{ password: string, cost: number }} task */
export function hash({ password, cost }) {
  return bcrypt.hashSync(password, cost);
}

/** @param {{ password: string, hash: string }} task */
export function compare({ password, hash }) {
  return bcrypt.compareSync(password, hash);
}
