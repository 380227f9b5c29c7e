import { resolve } from 'node:path';
import { databaseStartError, describeDatabase } from './database-start.js';

describe('describeDatabase', () => {
  it('shows an SQLite file by its absolute path', () => {
    expect(describeDatabase('sqlite:./data/gatehouse.sqlite')).toBe(
      `sqlite:${resolve('data/gatehouse.sqlite')}`,
    );
    expect(describeDatabase('sqlite::memory:')).toBe('sqlite::memory:');
  });

  it('shows a PostgreSQL server without its password or query string', () => {
    const shown = describeDatabase(
      'postgres://gatehouse:Db-Secret-1@db.internal:5432/auth?sslmode=require&password=Db-Secret-2',
    );
    expect(shown).toBe('postgres://gatehouse@db.internal:5432/auth');
    expect(databaseStartError('postgres://u:Db-Secret-1@h/d', new Error('refused')).message).toBe(
      'Cannot open the database at DATABASE_URL=postgres://u@h/d: refused',
    );
  });
});
