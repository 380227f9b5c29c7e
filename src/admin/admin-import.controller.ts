import type { Readable } from 'node:stream';
import {
  Controller,
  HttpCode,
  PayloadTooLargeException,
  Post,
  Query,
  Req,
  Res,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiTags,
  ApiUnprocessableEntityResponse,
  ApiUnsupportedMediaTypeResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponseDto } from '../common/dialects/error-response.dto.js';
import type { GatehouseRouteConfig } from '../common/decorators/dialect.decorator.js';
import {
  BodyTooLargeError,
  NDJSON,
  type NdjsonRouteConfig,
  readAhead,
} from '../common/ndjson-body.js';
import { AppConfig } from '../config/app-config.js';
import { Authenticated } from '../identity/authenticated.decorator.js';
import { Actor, type RequestActor } from '../identity/request-actor.decorator.js';
import { ImportUserLineDto } from '../user-store/import/import-line.dto.js';
import {
  type ImportCounts,
  importCounts,
  UsersImportService,
} from '../user-store/import/users-import.service.js';
import { ImportQueryDto, ImportSummaryDto } from './dto/admin-import.dto.js';

/**
 * `POST /api/admin/users/import` (docs/migrating-users.md): the `users:import` command over
 * HTTP, its JSON lines streamed in as they arrive, up to IMPORT_MAX_BYTES.
 */
@ApiTags('Administration')
@ApiExtraModels(ImportUserLineDto)
@Authenticated('admin')
@Controller('api/admin/users/import')
export class AdminImportController {
  constructor(
    private readonly config: AppConfig,
    private readonly importer: UsersImportService,
  ) {}

  @Post()
  @HttpCode(200)
  // The default dialect, as @Dialect('default') gives the other admin routes (it would overwrite
  // this config), and the JSON lines the route takes.
  @RouteConfig({ dialect: 'default', ndjson: true } satisfies GatehouseRouteConfig &
    NdjsonRouteConfig)
  @ApiOperation({
    summary: 'Import users from JSON lines, their password hashes as another service stored them',
    description:
      'One user a line: `username` and `passwordHash` (bcrypt, Werkzeug ' +
      'pbkdf2:<sha1|sha256|sha512> or scrypt, or argon2id), optionally `firstName`, `lastName`, ' +
      '`email`, `description`, `privilege`, `scope`, `groups` (names; missing groups are ' +
      'created at the root) and `enabled`. A name matches the existing user it folds onto ' +
      '(case and NFKC, as logins do); each match spelled otherwise is listed in `matched`. ' +
      'Existing users are skipped unless update=true, admins unless updateAdmins=true; an ' +
      'update applies the fields the line names, and its hash only over the hash the ' +
      'user’s earlier import stored (a password set or upgraded since stays), which ends that ' +
      'user’s tokens and sessions; the same line again changes nothing. dryRun=true answers ' +
      'the same summary and writes nothing. Lines are written a thousand to a transaction, ' +
      'each checked whole first: a refused line stores nothing. An imported hash is replaced ' +
      'by bcrypt at the next login. Up to IMPORT_MAX_BYTES; a body found larger once lines ' +
      'were written leaves the batches written before (the 413 says how many).',
  })
  @ApiConsumes(NDJSON)
  @ApiBody({
    description: 'JSON lines, each an object of this shape',
    schema: { $ref: getSchemaPath(ImportUserLineDto) },
  })
  @ApiOkResponse({
    type: ImportSummaryDto,
    description: 'No line refused',
    example: {
      created: 996,
      updated: 1,
      unchanged: 1,
      skipped: 2,
      refused: 0,
      matched: [{ line: 12, given: 'Hawk', stored: 'hawk' }],
      updatedUsers: ['hawk'],
      skippedUsers: ['root', 'ann'],
      refusedLines: [],
    },
  })
  @ApiBadRequestResponse({ type: ErrorResponseDto, description: 'A malformed query' })
  @ApiUnprocessableEntityResponse({
    type: ImportSummaryDto,
    description: 'Some lines refused (each named with its field); the others were imported',
    example: {
      created: 997,
      updated: 0,
      unchanged: 0,
      skipped: 1,
      refused: 1,
      matched: [],
      updatedUsers: [],
      skippedUsers: ['root'],
      refusedLines: [
        {
          line: 3,
          field: 'passwordHash',
          message: 'passwordHash has 2,000,000 pbkdf2 sha256 iterations: 1 to 1,300,000 are taken',
        },
      ],
    },
  })
  @ApiPayloadTooLargeResponse({
    type: ErrorResponseDto,
    description: 'The body is larger than IMPORT_MAX_BYTES',
  })
  @ApiUnsupportedMediaTypeResponse({
    type: ErrorResponseDto,
    description: `The body is not ${NDJSON}`,
  })
  async import(
    @Actor() actor: RequestActor,
    @Query() query: ImportQueryDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<ImportSummaryDto> {
    const body = request.body as Readable | undefined;
    if (!isStream(body)) throw new UnsupportedMediaTypeException(`The body must be ${NDJSON}`);
    const maxBytes = this.config.importMaxBytes;
    if (Number(request.headers['content-length']) > maxBytes) {
      throw new PayloadTooLargeException(tooLarge(maxBytes, null));
    }
    let written: ImportCounts | null = null;
    try {
      const summary = await this.importer.import(readAhead(body, maxBytes), {
        update: query.update === true,
        updateAdmins: query.updateAdmins === true,
        dryRun: query.dryRun === true,
        actor: {
          api: 'admin',
          userId: actor.caller.user.id,
          address: actor.address,
          agent: actor.agent,
        },
        onBatch: (_, counts) => (written = { ...counts }),
      });
      reply.status(summary.refused > 0 ? 422 : 200);
      return summary;
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // The rest of the body is never read: the connection ends with the answer.
      reply.header('connection', 'close');
      throw new PayloadTooLargeException(tooLarge(maxBytes, written));
    }
  }
}

function isStream(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.pipe === 'function';
}

function tooLarge(maxBytes: number, written: ImportCounts | null): string {
  const limit = `The body is larger than IMPORT_MAX_BYTES (${maxBytes} bytes)`;
  if (!written) return `${limit}; nothing was imported`;
  return `${limit}; the batches before the limit was reached were settled: ${importCounts(written)}`;
}
