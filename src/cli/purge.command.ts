import { Command, CommandRunner } from 'nest-commander';
import { PurgeService } from '../maintenance/purge.service.js';

@Command({
  name: 'purge',
  description:
    'delete expired user tokens, sessions, revocations and RSA salts, quiet lockout state and ' +
    'audit events past retention, once; prints how many of each went',
})
export class PurgeCommand extends CommandRunner {
  constructor(private readonly purge: PurgeService) {
    super();
  }

  async run(): Promise<void> {
    const counts = await this.purge.purgeAll();
    for (const [kind, count] of Object.entries(counts)) console.log(`${kind}: ${count}`);
  }
}
