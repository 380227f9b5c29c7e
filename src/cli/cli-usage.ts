import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import type { Command } from 'commander';
import { InjectCommander } from 'nest-commander';

/**
 * Makes commander report a usage error (unknown verb, missing or excess argument, unknown option)
 * by throwing instead of exiting, on every verb: commander sets this per command, and
 * nest-commander only on the top one. cli.ts then chooses the exit code. After the error comes
 * the usage line of what was called, so that the operator sees the right form at once.
 */
@Injectable()
export class CliUsage implements OnApplicationBootstrap {
  constructor(@InjectCommander() private readonly program: Command) {}

  onApplicationBootstrap(): void {
    this.program
      .name('gatehouse')
      .exitOverride()
      .allowExcessArguments(false)
      .showHelpAfterError('Usage: gatehouse <verb> [arguments] (gatehouse --help lists the verbs)');
    for (const command of this.program.commands) {
      command
        .exitOverride()
        .allowExcessArguments(false)
        .showHelpAfterError(
          `Usage: gatehouse ${command.name()} ${command.usage()} (--help for more)`,
        );
    }
  }
}
