import { readdirSync, readFileSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { allEpochTriggers } from './credential-epoch-triggers.js';

/** The lowest scheduling priority, at which bin/gatehouse-server's preload starts libuv's pool. */
const LOWEST_PRIORITY = 19;

/**
 * Checks, once migrations have run, that what the speed-ups rely on is in place, and says so in
 * one line. The credential epoch's triggers must all exist: checks keep what they read for as long
 * as the epoch stands still, so a write that no trigger sees (SQLite drops a table's triggers when
 * TypeORM rebuilds it) would go unnoticed by every check; the server refuses to start without
 * them. Which triggers there are is credential-epoch-triggers.ts's to say, for every migration. libuv's thread pool should run at nice 19 (bin/gatehouse-server's preload), or a login
 * storm slows the checks down: only worth a warning, the server still serves.
 */
export async function checkSpeedUps(dataSource: DataSource): Promise<void> {
  const triggers = await epochTriggersPresent(dataSource);
  const pool = threadPoolPriority();
  const line = `speed-ups: epoch triggers ${triggers}, ${pool.description}`;
  const logger = new Logger('SpeedUps');
  if (pool.lowered) logger.log(line);
  else logger.warn(line);
}

/** "n/n present", or an error naming the missing triggers (main.ts prints it as one line). */
async function epochTriggersPresent(dataSource: DataSource): Promise<string> {
  const postgres = dataSource.options.type === 'postgres';
  const expected = allEpochTriggers(postgres);
  const present = new Set(await triggerNames(dataSource, postgres));
  const missing = expected.filter(({ name }) => !present.has(name));
  if (missing.length > 0) {
    const migrations = [...new Set(missing.map(({ migration }) => migration))];
    throw new Error(
      `credential epoch triggers missing: ${missing.map(({ name }) => name).join(', ')}. ` +
        `Checks would not see the writes they watch (a table rebuilt on SQLite loses its ` +
        `triggers): create them again as the migrations ${migrations.join(', ')} do.`,
    );
  }
  return `${expected.length}/${expected.length} present`;
}

async function triggerNames(dataSource: DataSource, postgres: boolean): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(
    postgres
      ? `SELECT t.tgname AS name FROM pg_trigger t
           JOIN pg_class c ON c.oid = t.tgrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE n.nspname = current_schema() AND NOT t.tgisinternal`
      : `SELECT name FROM sqlite_master WHERE type = 'trigger'`,
  );
  return rows.map(({ name }) => name);
}

/**
 * Whether libuv's pool threads run below the event loop, at nice 19. Linux only: elsewhere the
 * preload leaves the pool alone (a thread's priority is the process's).
 */
function threadPoolPriority(): { lowered: boolean; description: string } {
  if (process.platform !== 'linux')
    return { lowered: false, description: 'thread pool priority not lowered (not Linux)' };
  const eventLoop = niceOf('/proc/self/stat');
  // A process started at nice 19 as a whole has no thread below its event loop.
  const lowered =
    eventLoop < LOWEST_PRIORITY
      ? threadNices().filter((nice) => nice === LOWEST_PRIORITY).length
      : 0;
  return lowered > 0
    ? { lowered: true, description: `thread pool at nice ${LOWEST_PRIORITY} (${lowered} threads)` }
    : {
        lowered: false,
        description:
          `thread pool NOT at nice ${LOWEST_PRIORITY} but at the event loop's ${eventLoop}: ` +
          `start the server with bin/gatehouse-server, or a login storm slows the checks down`,
      };
}

/** The nice value of each of the process's threads (one may end while they are read). */
function threadNices(): number[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      return [niceOf(`/proc/self/task/${tid}/stat`)];
    } catch {
      return [];
    }
  });
}

/** A thread's nice value: field 19 of its stat line, counted after the parenthesised name. */
export function niceOf(statPath: string): number {
  const stat = readFileSync(statPath, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}
