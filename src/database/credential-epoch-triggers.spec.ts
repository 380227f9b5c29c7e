import type { MigrationInterface, QueryRunner } from 'typeorm';
import {
  allEpochTriggers,
  createEpochTriggerSql,
  dropEpochTriggerSql,
  EPOCH_TRIGGERS,
  type EpochTrigger,
} from './credential-epoch-triggers.js';
import { migrations } from './migrations/index.js';

/** A query runner that only writes down what a migration asks of it. */
function recordingRunner(postgres: boolean, statements: string[]): QueryRunner {
  return new Proxy({} as QueryRunner, {
    get(_, property) {
      if (property === 'connection')
        return { driver: { options: { type: postgres ? 'postgres' : 'better-sqlite3' } } };
      if (property === 'then') return undefined;
      return (...args: unknown[]) => {
        statements.push(property === 'query' ? String(args[0]) : String(property));
        return Promise.resolve([]);
      };
    },
  });
}

async function statementsOf(
  migration: MigrationInterface,
  direction: 'up' | 'down',
  postgres: boolean,
): Promise<string[]> {
  const statements: string[] = [];
  await migration[direction](recordingRunner(postgres, statements));
  return statements;
}

const registered = (migration: string, postgres: boolean): EpochTrigger[] =>
  allEpochTriggers(postgres).filter((trigger) => trigger.migration === migration);

describe.each([
  ['PostgreSQL', true],
  ['SQLite', false],
])('the registry of credential epoch triggers, on %s', (_, postgres) => {
  it.each(migrations.map((Migration) => [new Migration().name!, Migration] as const))(
    '%s creates exactly the triggers the registry gives it, and its down() drops them',
    async (name, Migration) => {
      const expected = registered(name, postgres);
      const up = await statementsOf(new Migration(), 'up', postgres);
      expect(up.filter((statement) => /\bCREATE\s+TRIGGER\b/i.test(statement))).toEqual(
        expected.map((trigger) => createEpochTriggerSql(trigger, postgres)),
      );
      const down = await statementsOf(new Migration(), 'down', postgres);
      expect(down.filter((statement) => /\bDROP\s+TRIGGER\b/i.test(statement))).toEqual(
        expected.map((trigger) => dropEpochTriggerSql(trigger, postgres)),
      );
    },
  );

  it('names each trigger once, and each of its migrations is one that runs', () => {
    const names = allEpochTriggers(postgres).map(({ name }) => name);
    expect(new Set(names).size).toBe(names.length);
    const run = migrations.map((Migration) => new Migration().name);
    for (const { migration } of EPOCH_TRIGGERS) expect(run).toContain(migration);
  });
});
