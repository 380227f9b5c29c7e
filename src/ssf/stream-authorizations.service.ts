import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { SSF_SECRET } from '../database/migrations/1765610000000-ssf-streams.js';

const IV_BYTES = 12;
const FORMAT = 'v1';

/**
 * The `Authorization` header a push receiver asked its events to carry is its credential: kept
 * only sealed (AES-256-GCM under a key derived from the server secret every instance shares),
 * bound to its stream so that a value copied to another stream's row does not open, and opened
 * only to push.
 */
@Injectable()
export class StreamAuthorizations implements OnModuleInit {
  private key!: Buffer;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const [row] = (await this.dataSource.query(
      `SELECT "value" FROM "server_secret" WHERE "name" = '${SSF_SECRET}'`,
    )) as { value: string }[];
    const secret = Buffer.from(row.value, 'base64');
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'gatehouse ssf push authorization', 32));
  }

  seal(streamId: string, header: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(boundTo(streamId));
    const sealed = Buffer.concat([cipher.update(header, 'utf8'), cipher.final()]);
    return [
      FORMAT,
      ...[iv, cipher.getAuthTag(), sealed].map((part) => part.toString('base64url')),
    ].join('.');
  }

  /** The header `sealed` holds for `streamId`; throws when it was not sealed for that stream here. */
  open(streamId: string, sealed: string): string {
    const [format, iv, tag, value] = sealed.split('.');
    if (format !== FORMAT || iv === undefined || tag === undefined || value === undefined)
      throw new Error(`The push authorization of stream ${streamId} is not in a known format`);
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(boundTo(streamId));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(value, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  }
}

function boundTo(streamId: string): Buffer {
  return Buffer.from(`gatehouse ssf push authorization of stream ${streamId}`);
}
