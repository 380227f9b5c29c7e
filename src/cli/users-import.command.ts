import { createReadStream } from 'node:fs';
import { Command, CommandRunner, Option } from 'nest-commander';
import {
  type ImportCounts,
  type RefusedLine,
  UsersImportService,
} from '../users/import/users-import.service.js';

interface UsersImportOptions {
  update?: boolean;
}

/** Lines between two progress lines on a terminal. */
const PROGRESS_EVERY_LINES = 10_000;

/**
 * Imports users from JSON lines (SPEC §3, "Importing users"), from FILE or standard input. Each
 * refused line is reported on stderr as it is found, the summary goes to stdout at the end; on a
 * terminal, stderr also shows progress every 10,000 lines (not when piped, where stderr is the
 * refused lines alone).
 */
@Command({
  name: 'users:import',
  arguments: '[file]',
  description:
    'import users from JSON lines (FILE, or standard input): username, passwordHash as the ' +
    'former service stored it (bcrypt, Werkzeug pbkdf2 or scrypt, argon2id), profile fields, ' +
    'privilege, scope, groups, enabled; existing names are skipped unless --update',
})
export class UsersImportCommand extends CommandRunner {
  constructor(private readonly importer: UsersImportService) {
    super();
  }

  @Option({ flags: '--update', description: 'update users whose name exists instead of skipping' })
  parseUpdate(): boolean {
    return true;
  }

  async run([file]: string[], options: UsersImportOptions): Promise<void> {
    const input = file === undefined ? process.stdin : createReadStream(file);
    const started = Date.now();
    let nextProgress = PROGRESS_EVERY_LINES;
    const summary = await this.importer.import(input, {
      update: options.update === true,
      actor: { api: 'cli' },
      onRefused: (refusal) => process.stderr.write(`${describe(refusal)}\n`),
      onBatch: (linesRead, counts) => {
        if (!process.stderr.isTTY || linesRead < nextProgress) return;
        nextProgress = linesRead + PROGRESS_EVERY_LINES;
        const seconds = (Date.now() - started) / 1000;
        process.stderr.write(
          `${linesRead.toLocaleString('en')} lines in ${seconds.toFixed(1)} s: ${countsOf(counts)}\n`,
        );
      },
    });
    console.log(countsOf(summary));
    if (summary.refused > 0) {
      throw new Error(
        `${summary.refused} line(s) refused (listed above); nothing of them was stored`,
      );
    }
  }
}

function countsOf({ imported, skipped, refused }: ImportCounts): string {
  return `imported ${imported}, skipped ${skipped}, refused ${refused}`;
}

function describe({ line, field, message }: RefusedLine): string {
  return `line ${line}${field === null ? '' : ` (${field})`}: ${message}`;
}
