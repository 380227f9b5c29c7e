/**
 * An HTTP Basic `Authorization` value. A module of its own, so that the tests that talk to a
 * server in a process of its own use it without loading the app, as test/support/app.ts does.
 */
export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}
