import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
} from 'class-validator';

/** The most SETs one poll answers, and the most it may acknowledge or refuse. */
export const MAX_POLL_EVENTS = 1000;
const JTI_LENGTH = 64;
const ERR_LENGTH = 64;
const DESCRIPTION_LENGTH = 1024;

/** A SET the receiver refused (RFC 8936 §2.4): its error code and why. */
export interface SetError {
  err: string;
  description?: string;
}

function isSetError(value: unknown): value is SetError {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const { err, description } = value as Record<string, unknown>;
  return (
    typeof err === 'string' &&
    err.length > 0 &&
    err.length <= ERR_LENGTH &&
    (description === undefined ||
      (typeof description === 'string' && description.length <= DESCRIPTION_LENGTH))
  );
}

/** `setErrs`: an object of at most MAX_POLL_EVENTS jtis, each naming its error. */
function isSetErrors(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_POLL_EVENTS &&
    entries.every(([jti, error]) => jti.length <= JTI_LENGTH && isSetError(error))
  );
}

/** A poll (RFC 8936 §2.4): acknowledge or refuse what came before, and ask for more. */
export class PollRequestDto {
  @ApiPropertyOptional({
    example: 100,
    minimum: 0,
    maximum: MAX_POLL_EVENTS,
    description: 'The most SETs to answer (default 100); 0 only acknowledges',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_POLL_EVENTS)
  maxEvents?: number;

  @ApiPropertyOptional({
    example: false,
    description: 'false (the default): with nothing pending, wait up to 30 s for an event',
  })
  @IsOptional()
  @IsBoolean()
  returnImmediately?: boolean;

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_POLL_EVENTS,
    example: ['4d3559ec-6744-4e1c-8d6a-2ab8c3d6f7e1'],
    description: 'The jtis of SETs received: they are not answered again',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_POLL_EVENTS)
  @IsString({ each: true })
  @MaxLength(JTI_LENGTH, { each: true })
  ack?: string[];

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: {
      type: 'object',
      required: ['err'],
      properties: { err: { type: 'string' }, description: { type: 'string' } },
    },
    example: {
      '9a2d0e1b-0c4f-4c55-a3a1-5d2f0b6e8c90': {
        err: 'invalid_key',
        description: 'The key that signed it is unknown',
      },
    },
    description: 'SETs refused, by jti: dropped, and the error logged',
  })
  @IsOptional()
  @ValidateBy({
    name: 'isSetErrors',
    validator: {
      validate: isSetErrors,
      defaultMessage: () =>
        `setErrs must be an object of at most ${MAX_POLL_EVENTS} jtis, each {err, description?}`,
    },
  })
  setErrs?: Record<string, SetError>;
}

/** What a poll answers (RFC 8936 §2.5). */
export class PollResponseDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string' },
    example: { '4d3559ec-6744-4e1c-8d6a-2ab8c3d6f7e1': 'eyJ0eXAiOiJzZWNldmVudCtqd3QiLC4uLn0…' },
    description: 'The SETs, by jti, oldest first',
  })
  sets: Record<string, string>;

  @ApiProperty({ example: false, description: 'Whether more are pending than were answered' })
  moreAvailable: boolean;
}
