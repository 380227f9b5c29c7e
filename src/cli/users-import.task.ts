import { createReadStream } from 'node:fs';
import { Injectable, Module } from '@nestjs/common';
import { UsersImportModule } from '../user-store/import/users-import.module.js';
import {
  importCounts,
  type ImportOptions,
  type NameMatch,
  type RefusedLine,
  UsersImportService,
} from '../user-store/import/users-import.service.js';
import type { VerbTask } from './verb-context.js';

/** Lines between two progress lines on a terminal. */
const PROGRESS_EVERY_LINES = 10_000;

/**
 * `users:import`: each refused line and each name matched to a user spelled otherwise is reported
 * on stderr as it is found, the summary goes to stdout at the end; on a terminal, stderr also
 * shows progress every 10,000 lines (not when piped, where stderr is the lines reported alone).
 */
@Injectable()
export class UsersImportTask {
  constructor(private readonly importer: UsersImportService) {}

  async run(
    file: string | undefined,
    switches: Pick<ImportOptions, 'update' | 'updateAdmins' | 'dryRun'>,
  ): Promise<void> {
    const input = file === undefined ? process.stdin : createReadStream(file);
    const started = performance.now();
    let nextProgress = PROGRESS_EVERY_LINES;
    const summary = await this.importer.import(input, {
      ...switches,
      actor: { api: 'cli' },
      onRefused: (refusal) => process.stderr.write(`${describeRefusal(refusal)}\n`),
      onMatched: (match) => process.stderr.write(`${describeMatch(match)}\n`),
      onBatch: (linesRead, counts) => {
        if (!process.stderr.isTTY || linesRead < nextProgress) return;
        nextProgress = linesRead + PROGRESS_EVERY_LINES;
        const seconds = (performance.now() - started) / 1000;
        process.stderr.write(
          `${linesRead.toLocaleString('en')} lines in ${seconds.toFixed(1)} s: ${importCounts(counts)}\n`,
        );
      },
    });
    const report = [
      ...(switches.dryRun ? ['dry run: nothing was written'] : []),
      importCounts(summary),
      ...named('updated', summary.updatedUsers, summary.updated),
      ...named('skipped', summary.skippedUsers, summary.skipped),
    ];
    console.log(report.join('\n'));
    if (summary.refused > 0) {
      throw new Error(
        `${summary.refused} line(s) refused (listed above); nothing of them was stored`,
      );
    }
  }
}

/** `updated: a, b and 3 more`, or nothing when there are none. */
function named(what: string, names: string[], count: number): string[] {
  if (count === 0) return [];
  const more = count - names.length;
  return [`${what}: ${names.join(', ')}${more > 0 ? ` and ${more} more` : ''}`];
}

function describeRefusal({ line, field, message }: RefusedLine): string {
  return `line ${line}${field === null ? '' : ` (${field})`}: ${message}`;
}

function describeMatch({ line, given, stored }: NameMatch): string {
  return `line ${line}: ${JSON.stringify(given)} matches the existing user ${JSON.stringify(stored)}`;
}

@Module({
  imports: [UsersImportModule],
  providers: [UsersImportTask],
})
class UsersImportTaskModule {}

export const verb: VerbTask<UsersImportTask> = {
  module: UsersImportTaskModule,
  task: UsersImportTask,
};
