import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateNested,
} from 'class-validator';
import type { DeliveryMethod } from '../../security-events/entities/ssf-stream.entity.js';
import { SUBSCRIBABLE_EVENT_TYPES } from '../../security-events/event-types.js';

export const PUSH: DeliveryMethod = 'urn:ietf:rfc:8935';
export const POLL: DeliveryMethod = 'urn:ietf:rfc:8936';
export const DELIVERY_METHODS: readonly DeliveryMethod[] = [PUSH, POLL];

/** The most event types a stream may ask for: far more than there are. */
const MAX_EVENTS_REQUESTED = 64;
const EXAMPLE_STREAM_ID = 'f67e39a0-3d5c-4c6f-8f55-1a7c9c1b2e3d';
const EXAMPLE_EVENTS = [
  'https://schemas.openid.net/secevent/caep/event-type/session-revoked',
  'https://schemas.openid.net/secevent/caep/event-type/credential-change',
];

/** An HTTP header value: visible ASCII and spaces, never a line break that would start another. */
const HEADER_VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** How a stream's events reach its receiver, as the receiver writes it. */
export class DeliveryRequestDto {
  @ApiProperty({ enum: DELIVERY_METHODS, example: PUSH })
  @IsDefined()
  @IsIn(DELIVERY_METHODS)
  method: DeliveryMethod;

  @ApiPropertyOptional({
    example: 'https://receiver.example.com/events',
    maxLength: 2048,
    description:
      'Push: where the events are posted (http or https). Poll: ignored, Gatehouse names it',
  })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  endpoint_url?: string;

  @ApiPropertyOptional({
    example: 'Bearer 4d3f2c1b0a',
    maxLength: 4096,
    nullable: true,
    type: String,
    description:
      'Push: the Authorization header each push carries. Kept sealed and never shown again; ' +
      'left out of an update, the one kept stays (null removes it)',
  })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  @Matches(HEADER_VALUE, { message: 'delivery.authorization_header must be an HTTP header value' })
  authorization_header?: string | null;
}

/** What a receiver writes of its stream when it creates or replaces it (SSF 1.0 §8.1.1). */
export class CreateStreamDto {
  @ApiPropertyOptional({
    type: [String],
    example: EXAMPLE_EVENTS,
    maxItems: MAX_EVENTS_REQUESTED,
    description:
      'The event types wanted; those Gatehouse does not send are left out of events_delivered',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_REQUESTED)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  events_requested?: string[];

  @ApiProperty({ type: DeliveryRequestDto })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryRequestDto)
  delivery: DeliveryRequestDto;

  @ApiPropertyOptional({ example: 'Orders service', maxLength: 256 })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  description?: string;
}

/** `PUT`: the whole of what the receiver writes, for the stream it names. */
export class ReplaceStreamDto extends CreateStreamDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID, maxLength: 64 })
  @IsDefined()
  @IsString()
  @MaxLength(64)
  stream_id: string;
}

/** `PATCH`: only what is given changes. */
export class UpdateStreamDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID, maxLength: 64 })
  @IsDefined()
  @IsString()
  @MaxLength(64)
  stream_id: string;

  @ApiPropertyOptional({ type: [String], example: EXAMPLE_EVENTS, maxItems: MAX_EVENTS_REQUESTED })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_EVENTS_REQUESTED)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  events_requested?: string[];

  @ApiPropertyOptional({
    type: DeliveryRequestDto,
    description: 'The same method keeps what is not given; another method starts afresh',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => DeliveryRequestDto)
  delivery?: DeliveryRequestDto;

  @ApiPropertyOptional({
    example: 'Orders service',
    maxLength: 256,
    nullable: true,
    type: String,
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  description?: string | null;
}

/** `?stream_id=` where the route may be called without it (the list). */
export class StreamQueryDto {
  @ApiPropertyOptional({ maxLength: 64, description: 'The stream; left out: all of the client’s' })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  stream_id?: string;
}

/** `?stream_id=` where the route is about one stream. */
export class RequiredStreamQueryDto {
  @ApiProperty({ maxLength: 64, description: 'The stream' })
  @IsDefined()
  @IsString()
  @MaxLength(64)
  stream_id: string;
}

/** A stream's delivery as Gatehouse answers it: never the authorization header. */
export class DeliveryDto {
  @ApiProperty({ enum: DELIVERY_METHODS, example: PUSH }) method: DeliveryMethod;
  @ApiProperty({ example: 'https://receiver.example.com/events' }) endpoint_url: string;
}

/** A stream's configuration (SSF 1.0 §8.1.1). */
export class StreamConfigurationDto {
  @ApiProperty({ example: EXAMPLE_STREAM_ID }) stream_id: string;
  @ApiProperty({ example: 'https://auth.example.com', description: 'JWT_ISSUER' }) iss: string;
  @ApiProperty({ example: 'c0ffee0123456789abcdef0123456789', description: 'The client id' })
  aud: string;

  @ApiProperty({ type: [String], example: SUBSCRIBABLE_EVENT_TYPES })
  events_supported: string[];

  @ApiProperty({ type: [String], example: EXAMPLE_EVENTS }) events_requested: string[];
  @ApiProperty({ type: [String], example: EXAMPLE_EVENTS }) events_delivered: string[];
  @ApiProperty({ type: DeliveryDto }) delivery: DeliveryDto;

  @ApiProperty({
    example: 10,
    description: 'Seconds between two verification requests; one sooner is answered 429',
  })
  min_verification_interval: number;

  @ApiPropertyOptional({ example: 'Orders service' }) description?: string;
}
