import { hkdfSync } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PORTAL_SECRET } from '../database/migrations/1765400000000-portal-secret.js';

/**
 * The portal's keys, derived from the one secret every instance shares in the database: each use
 * has a key of its own, so that a value made for one is never taken for the other.
 */
@Injectable()
export class PortalKeys implements OnModuleInit {
  /** Keys the form tokens (CSRF). */
  formTokens!: Buffer;
  /** Keys the pending second step of a sign-in. */
  pendingSignIn!: Buffer;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT "value" FROM "server_secret" WHERE "name" = '${PORTAL_SECRET}'`,
    )) as { value: string }[];
    const secret = Buffer.from(row.value, 'base64');
    const derive = (use: string) => Buffer.from(hkdfSync('sha256', secret, '', use, 32));
    this.formTokens = derive('gatehouse portal form tokens');
    this.pendingSignIn = derive('gatehouse portal pending sign-in');
  }
}
