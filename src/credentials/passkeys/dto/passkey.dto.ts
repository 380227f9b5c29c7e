import { ApiProperty } from '@nestjs/swagger';
import type { Passkey } from '../entities/passkey.entity.js';

/** A passkey just added: its id, its name and when. */
export class NewPasskeyDto {
  @ApiProperty({ example: 3 }) id: number;
  @ApiProperty({ example: 'Laptop', description: "The owner's name for it" }) name: string;
  @ApiProperty({ example: '2026-11-23T16:00:00.000Z', format: 'date-time' }) createdAt: string;
}

/** A passkey as a profile lists it: by name, when it was added and last signed in with. */
export class PasskeySummaryDto extends NewPasskeyDto {
  @ApiProperty({
    type: String,
    example: '2026-11-24T08:15:00.000Z',
    format: 'date-time',
    nullable: true,
    description: 'When it last signed in; null: never',
  })
  lastUsedAt: string | null;
}

/** A passkey as its owner lists it; never its key, which checks signatures and makes none. */
export class PasskeyDto extends PasskeySummaryDto {
  @ApiProperty({
    type: [String],
    example: ['internal', 'hybrid'],
    description: 'How the browser may reach its authenticator, as the browser said when adding it',
  })
  transports: string[];
}

export function newPasskeyDtoOf(passkey: Passkey): NewPasskeyDto {
  return { id: passkey.id, name: passkey.name, createdAt: passkey.createdAt.toISOString() };
}

export function passkeySummaryOf(passkey: Passkey): PasskeySummaryDto {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
  };
}

export function passkeyDtoOf(passkey: Passkey): PasskeyDto {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: passkey.createdAt.toISOString(),
    lastUsedAt: passkey.lastUsedAt?.toISOString() ?? null,
    transports: passkey.transports,
  };
}
