import { randomBytes } from 'node:crypto';
import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { isPostgres, timestampType } from './column-types.js';

/** The secret that keys the opaque user handle a passkey carries instead of the user's id. */
export const PASSKEY_USER_HANDLE_SECRET = 'passkey-user-handle';

/**
 * Passkeys (WebAuthn): each user's credentials by their public keys, the challenges waiting for
 * an answer, and on a session the time its browser signed in with a passkey. No epoch trigger
 * watches these tables: adding or removing a passkey ends no token or session, so nothing a
 * check keeps depends on them.
 *
 * The session's column comes by a plain ALTER TABLE on both databases: TypeORM's SQLite query
 * runner would rebuild the table.
 */
export class Passkeys1765500000000 implements MigrationInterface {
  name = 'Passkeys1765500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const time = timestampType(queryRunner);
    const ofUser = (table: string) => ({
      name: `FK_${table}_user`,
      columnNames: ['userId'],
      referencedTableName: 'user',
      referencedColumnNames: ['id'],
      onDelete: 'CASCADE',
    });
    await queryRunner.createTable(
      new Table({
        name: 'passkey',
        columns: [
          {
            name: 'id',
            type: 'integer',
            isPrimary: true,
            isGenerated: true,
            generationStrategy: 'increment',
          },
          { name: 'userId', type: 'integer' },
          { name: 'credentialId', type: 'varchar', length: '1366' },
          { name: 'publicKey', type: 'text' },
          { name: 'counter', type: isPostgres(queryRunner) ? 'bigint' : 'integer' },
          { name: 'transports', type: 'text' },
          { name: 'aaguid', type: 'varchar', length: '36' },
          { name: 'name', type: 'varchar', length: '64' },
          { name: 'createdAt', type: time },
          { name: 'lastUsedAt', type: time, isNullable: true },
        ],
        indices: [
          { name: 'IDX_passkey_user', columnNames: ['userId'] },
          { name: 'IDX_passkey_credential', columnNames: ['credentialId'], isUnique: true },
        ],
        foreignKeys: [ofUser('passkey')],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'webauthn_challenge',
        columns: [
          { name: 'challenge', type: 'varchar', length: '64', isPrimary: true },
          { name: 'purpose', type: 'varchar', length: '16' },
          { name: 'userId', type: 'integer', isNullable: true },
          { name: 'browser', type: 'varchar', length: '64', isNullable: true },
          { name: 'expiresAt', type: time },
        ],
        indices: [{ name: 'IDX_webauthn_challenge_expires', columnNames: ['expiresAt'] }],
        foreignKeys: [ofUser('webauthn_challenge')],
      }),
    );
    await queryRunner.query(`ALTER TABLE "session" ADD COLUMN "passkeyVerifiedAt" ${time}`);
    // Base64 and a fixed name: nothing here needs quoting beyond the literal's quotes.
    const secret = randomBytes(32).toString('base64');
    await queryRunner.query(
      `INSERT INTO "server_secret" ("name", "value") VALUES ('${PASSKEY_USER_HANDLE_SECRET}', '${secret}')`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DELETE FROM "server_secret" WHERE "name" = '${PASSKEY_USER_HANDLE_SECRET}'`,
    );
    await queryRunner.query(`ALTER TABLE "session" DROP COLUMN "passkeyVerifiedAt"`);
    await queryRunner.dropTable('webauthn_challenge');
    await queryRunner.dropTable('passkey');
  }
}
