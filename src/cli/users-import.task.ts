import { createReadStream } from 'node:fs';
import { Injectable, Module } from '@nestjs/common';
import { UsersImportModule } from '../user-store/import/users-import.module.js';
import {
  type ImportCounts,
  type RefusedLine,
  UsersImportService,
} from '../user-store/import/users-import.service.js';
import type { VerbTask } from './verb-context.js';

/** Lines between two progress lines on a terminal. */
const PROGRESS_EVERY_LINES = 10_000;

/**
 * `users:import`: each refused line is reported on stderr as it is found, the summary goes to
 * stdout at the end; on a terminal, stderr also shows progress every 10,000 lines (not when piped,
 * where stderr is the refused lines alone).
 */
@Injectable()
export class UsersImportTask {
  constructor(private readonly importer: UsersImportService) {}

  async run(file: string | undefined, update: boolean): Promise<void> {
    const input = file === undefined ? process.stdin : createReadStream(file);
    const started = performance.now();
    let nextProgress = PROGRESS_EVERY_LINES;
    const summary = await this.importer.import(input, {
      update,
      actor: { api: 'cli' },
      onRefused: (refusal) => process.stderr.write(`${describe(refusal)}\n`),
      onBatch: (linesRead, counts) => {
        if (!process.stderr.isTTY || linesRead < nextProgress) return;
        nextProgress = linesRead + PROGRESS_EVERY_LINES;
        const seconds = (performance.now() - started) / 1000;
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

@Module({
  imports: [UsersImportModule],
  providers: [UsersImportTask],
})
class UsersImportTaskModule {}

export const verb: VerbTask<UsersImportTask> = {
  module: UsersImportTaskModule,
  task: UsersImportTask,
};
