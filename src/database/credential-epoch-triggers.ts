import type { QueryRunner } from 'typeorm';
import { isPostgres } from './migrations/column-types.js';

/**
 * Every trigger that moves the credential epoch, by the migration that creates it: the migrations
 * create and drop them from here, the start-up check (speed-up-check.ts) asks for each of them, and
 * the tests drop each in turn. Checks keep what they read for as long as the epoch stands still, so
 * a trigger missing means a write no check sees; a trigger added anywhere but here would be one the
 * start-up check never asks for.
 *
 * A migration that has run must keep doing what it did: an entry here is only ever added, never
 * changed, and a new trigger comes with the migration that creates it.
 */

/** The database's own word for the write that moves the epoch. */
export const ADVANCE_EPOCH = `UPDATE "credential_epoch" SET "value" = "value" + 1`;

/** One trigger: on SQLite one event, on PostgreSQL a statement trigger on several. */
export interface EpochTrigger {
  name: string;
  table: string;
  events: string[];
}

interface MigrationTriggers {
  /** The migration's class name, as TypeORM records it. */
  migration: string;
  postgres: EpochTrigger[];
  sqlite: EpochTrigger[];
}

/**
 * The writes to `table` that move the epoch: on PostgreSQL one statement trigger a table, which also
 * watches TRUNCATE (it fires no DELETE trigger there); on SQLite, whose triggers take one event, one
 * a write (a DELETE of every row runs them, and SQLite has no TRUNCATE).
 */
function watching(table: string, events: string[]): Omit<MigrationTriggers, 'migration'> {
  return {
    postgres: [{ name: `credential_epoch_${table}`, table, events: [...events, 'TRUNCATE'] }],
    sqlite: events.map((event, index) => ({
      name: `credential_epoch_${table}_${index}`,
      table,
      events: [event],
    })),
  };
}

/** One trigger, the same on both databases. */
function onBoth(trigger: EpochTrigger): Omit<MigrationTriggers, 'migration'> {
  return { postgres: [trigger], sqlite: [trigger] };
}

function merged(
  migration: string,
  ...parts: Omit<MigrationTriggers, 'migration'>[]
): MigrationTriggers {
  return {
    migration,
    postgres: parts.flatMap((part) => part.postgres),
    sqlite: parts.flatMap((part) => part.sqlite),
  };
}

/** Oldest first, as the migrations run. */
export const EPOCH_TRIGGERS: readonly MigrationTriggers[] = [
  // A user disabled, deleted or given new credentials, a revocation added or removed, a group or a
  // membership changed (the session API answers a user's group trees).
  merged(
    'CredentialEpoch1764460000000',
    watching('user', ['UPDATE OF "enabled", "credentialsChangedAt"', 'DELETE']),
    watching('revoked_token', ['INSERT', 'UPDATE', 'DELETE']),
    watching('group', ['INSERT', 'UPDATE', 'DELETE']),
    watching('user_group', ['INSERT', 'UPDATE', 'DELETE']),
  ),
  // The credential version every access JWT carries; the user's own trigger above already watches
  // a TRUNCATE of the table.
  merged(
    'CredentialVersion1764700000000',
    onBoth({
      name: 'credential_epoch_user_version',
      table: 'user',
      events: ['UPDATE OF "credentialVersion"'],
    }),
  ),
  // A signing key withdrawn or removed.
  merged(
    'SigningKeyLifecycle1764810000000',
    watching('signing_key', ['UPDATE OF "withdrawnAt"', 'DELETE']),
  ),
  // A service client created, disabled, given a new secret or deleted.
  merged(
    'ServiceClientEpoch1765100000000',
    watching('service_client', ['INSERT', 'UPDATE', 'DELETE']),
  ),
];

/** The triggers `migration` creates, on this database. */
export function epochTriggersOf(migration: string, postgres: boolean): EpochTrigger[] {
  const entry = EPOCH_TRIGGERS.find((candidate) => candidate.migration === migration);
  if (!entry) throw new Error(`${migration} creates no credential epoch trigger`);
  return postgres ? entry.postgres : entry.sqlite;
}

/** Every credential epoch trigger a fully migrated database of this kind has, with its migration. */
export function allEpochTriggers(postgres: boolean): (EpochTrigger & { migration: string })[] {
  return EPOCH_TRIGGERS.flatMap(({ migration, ...triggers }) =>
    (postgres ? triggers.postgres : triggers.sqlite).map((trigger) => ({ ...trigger, migration })),
  );
}

/** The statement that creates `trigger` (on PostgreSQL, the function it calls exists already). */
export function createEpochTriggerSql(trigger: EpochTrigger, postgres: boolean): string {
  return (
    `CREATE TRIGGER "${trigger.name}" AFTER ${trigger.events.join(' OR ')} ON "${trigger.table}" ` +
    (postgres
      ? `FOR EACH STATEMENT EXECUTE FUNCTION "credential_epoch_advance"()`
      : `BEGIN ${ADVANCE_EPOCH}; END`)
  );
}

export function dropEpochTriggerSql(trigger: EpochTrigger, postgres: boolean): string {
  return `DROP TRIGGER "${trigger.name}"${postgres ? ` ON "${trigger.table}"` : ''}`;
}

/** Creates the triggers of `migration`, in the registry's order. */
export async function createEpochTriggers(
  queryRunner: QueryRunner,
  migration: string,
): Promise<void> {
  const postgres = isPostgres(queryRunner);
  for (const trigger of epochTriggersOf(migration, postgres))
    await queryRunner.query(createEpochTriggerSql(trigger, postgres));
}

/** Drops the triggers of `migration`, in the order they were created. */
export async function dropEpochTriggers(
  queryRunner: QueryRunner,
  migration: string,
): Promise<void> {
  const postgres = isPostgres(queryRunner);
  for (const trigger of epochTriggersOf(migration, postgres))
    await queryRunner.query(dropEpochTriggerSql(trigger, postgres));
}
