import { Command, CommandRunner, Option } from 'nest-commander';
import { runVerb } from './verb-context.js';

interface KeysRotateOptions {
  now?: boolean;
}

@Command({
  name: 'keys:rotate',
  description:
    'make a new signing key, published at once, signing after JWT_KEY_ACTIVATION_DELAY; ' +
    'older keys keep verifying what they signed',
})
export class KeysRotateCommand extends CommandRunner {
  @Option({
    flags: '--now',
    description:
      'an emergency: sign with the new key at once and withdraw every other key, ' +
      'so that no token they signed validates any more',
  })
  parseNow(): boolean {
    return true;
  }

  async run(_: string[], options: KeysRotateOptions): Promise<void> {
    await runVerb(
      async () => (await import('./keys-rotate.task.js')).verb,
      (task) => task.run(options.now ?? false),
    );
  }
}
