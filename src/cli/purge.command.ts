import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

@Command({
  name: 'purge',
  description:
    'delete expired user tokens, sessions, revocations and RSA salts, quiet lockout state, ' +
    'audit events past retention and security events no stream is owed, once; prints how many ' +
    'of each went',
})
export class PurgeCommand extends CommandRunner {
  async run(): Promise<void> {
    await runVerb(
      async () => (await import('./purge.task.js')).verb,
      (task) => task.run(),
    );
  }
}
