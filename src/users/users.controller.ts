import {
  applyDecorators,
  BadRequestException,
  Body,
  Controller,
  Get,
  Param,
  Post,
  Put,
  Req,
  Res,
} from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBasicAuth,
  ApiConsumes,
  ApiHeader,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiSecurity,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CurrentUser } from '../common/decorators/current-user.decorator.js';
import { Dialect } from '../common/decorators/dialect.decorator.js';
import { FORM, type FormRouteConfig } from '../common/form-body.js';
import { PositiveIntPipe } from '../common/validation/positive-int.pipe.js';
import { AccessTokensService } from '../credentials/access-tokens/access-tokens.service.js';
import { CreateUserDto } from '../user-store/dto/create-user.dto.js';
import { PublicKeyDto } from './dto/public-key.dto.js';
import { NO_SUCH_URL, UserIdPipe } from './user-id.pipe.js';
import {
  ResourceResponseDto,
  TokenResponseDto,
  UsernameResponseDto,
} from './dto/user-response.dto.js';
import type { User } from '../user-store/entities/user.entity.js';
import { UsersService } from '../user-store/users.service.js';
import {
  basicOwnerOf,
  CredentialLifecycleService,
} from '../identity/credential-lifecycle.service.js';
import { ApiRateLimitedResponse, LoginRoute } from '../identity/limited-route.decorator.js';
import { SECOND_FACTOR_REQUIRED_HEADERS } from '../common/errors/second-factor-required.exception.js';
import { SECOND_FACTOR_CODE_HEADER_DOC } from '../credentials/second-factor/dto/second-factor.dto.js';
import { Public } from '../common/decorators/route-access.decorator.js';
import { Access } from '../identity/access.decorator.js';

/** `duration` of the REST-auth API's tokens, as its document shows. */
export const REST_AUTH_TOKEN_TTL_SECONDS = 600;

/** Basic credentials: a password (a password check, so rate-limited), or a token as username. */
const BasicOrToken = () =>
  applyDecorators(
    Access({
      accepts: ['password', 'token-as-username'],
      rule: 'signed-in',
      strategy: 'basic-or-token',
    }),
    ApiRateLimitedResponse(),
    ApiHeader(SECOND_FACTOR_CODE_HEADER_DOC),
  );
/**
 * The REST-auth document's 401: a text page and a Basic challenge; the right password of a user
 * with a second factor on, without a code, adds Gatehouse-OTP: required.
 */
const unauthorized = {
  description: 'Unauthorized Access',
  headers: {
    'WWW-Authenticate': {
      schema: { type: 'string', example: 'Basic realm="Authentication Required"' },
    },
    ...SECOND_FACTOR_REQUIRED_HEADERS,
  },
  content: { 'text/html': { schema: { type: 'string', example: 'Unauthorized Access' } } },
};
/**
 * Any other REST-auth error: its status text and a message. Not closed to other keys: a path
 * Fastify's router cannot decode (`/api/users/%`) is answered before the route, in Fastify's own
 * shape, which adds `statusCode` and `code`.
 */
const failureSchema = {
  type: 'object',
  properties: { error: { type: 'string' }, message: { type: 'string' } },
  required: ['error', 'message'],
};
const failure = (error: string, message: string) => ({
  description: message,
  schema: { ...failureSchema, example: { error, message } },
});
/** A taken username, in the words of the fork the document was copied from. */
const usernameExists = {
  type: 'object',
  properties: { status: { type: 'string', example: 'Username hawk already exists' } },
  required: ['status'],
  additionalProperties: false,
};

@ApiTags('REST-auth API')
@Dialect('rest-auth')
@Controller('api')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly accessTokens: AccessTokensService,
    private readonly lifecycle: CredentialLifecycleService,
  ) {}

  @Post('users')
  // A registration hashes a password: every request counts against the password-ops limit,
  // before the admin's credentials are read while registration is closed.
  @Access({
    accepts: ['password', 'token-as-username'],
    rule: 'registration',
    strategy: 'basic-or-token',
    before: ['password-ops-limit'],
  })
  // The fork the document was copied from reads request.form before the JSON.
  @RouteConfig({ form: true } satisfies FormRouteConfig)
  @ApiRateLimitedResponse()
  @ApiOperation({
    summary: 'Register a new user',
    description:
      'Open to anyone unless REGISTRATION_OPEN=false; then only an admin, by Basic credentials, may add users. ' +
      'The body is JSON or an HTML form (application/x-www-form-urlencoded) of the same fields, validated alike.',
  })
  @ApiConsumes('application/json', FORM)
  @ApiSecurity({})
  @ApiBasicAuth('basic')
  @ApiHeader(SECOND_FACTOR_CODE_HEADER_DOC)
  @ApiCreatedResponse({
    type: UsernameResponseDto,
    headers: {
      Location: {
        required: true,
        description: 'URI of the new user',
        schema: { type: 'string', example: '/api/users/2' },
      },
    },
  })
  @ApiBadRequestResponse({
    description: 'Missing fields or a bad value; or the username is taken (in any case)',
    content: {
      'application/json': {
        schema: { oneOf: [failureSchema, usernameExists] },
        examples: {
          badValue: {
            summary: 'A bad value',
            value: { error: 'Bad Request', message: 'password must be at least 8 characters' },
          },
          taken: { summary: 'A taken username', value: { status: 'Username hawk already exists' } },
        },
      },
    },
  })
  @ApiUnauthorizedResponse({
    ...unauthorized,
    description: 'Registration is closed and the credentials are missing or wrong',
  })
  @ApiForbiddenResponse(failure('Forbidden', 'Registration is closed; only an admin may add users'))
  async register(
    @Body() dto: CreateUserDto,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<UsernameResponseDto> {
    const user = await this.users.register(dto);
    reply.header('Location', `/api/users/${user.id}`);
    return { username: user.username };
  }

  @Get('users/:id')
  @Public()
  @ApiOperation({ summary: 'Return a user' })
  @ApiOkResponse({ type: UsernameResponseDto })
  @ApiBadRequestResponse(failure('Bad Request', 'No user has this id'))
  @ApiNotFoundResponse({
    ...failure('Not Found', NO_SUCH_URL),
    description: 'The id is not a number (digits only), as Flask’s <int:id> route answers',
  })
  async findOne(@Param('id', UserIdPipe) id: number): Promise<UsernameResponseDto> {
    const user = await this.users.findById(id);
    if (!user) throw new BadRequestException('No user has this id');
    return { username: user.username };
  }

  @Put('users/:id/public-key')
  @Access({ accepts: ['password'], rule: 'signed-in', checkedByRoute: true })
  @LoginRoute()
  @ApiBasicAuth('basic')
  @ApiHeader(SECOND_FACTOR_CODE_HEADER_DOC)
  @ApiOperation({
    summary: "Add or replace my RSA public key (Basic with the user's password)",
    description:
      'A login key is a credential: only the user adds or replaces it, proving the password ' +
      '(never a token as username) and, while a second factor is on, a code in X-OTP. Checked ' +
      'as a login is (failures count towards the lock; a success resets nothing). Admins ' +
      'remove keys (DELETE /api/admin/users/{id}/public-key), never set one. Audited.',
  })
  @ApiOkResponse({ type: UsernameResponseDto })
  @ApiBadRequestResponse(failure('Bad Request', 'Not an RSA public key of at least 2048 bits'))
  @ApiUnauthorizedResponse({
    ...unauthorized,
    description:
      'Unauthorized Access: no Basic password, a token as username, wrong credentials, or the ' +
      'right password without the code a second factor asks for (Gatehouse-OTP: required)',
  })
  @ApiForbiddenResponse(failure('Forbidden', 'Only the user may set their own key'))
  async setPublicKey(
    @Req() request: FastifyRequest,
    @Param('id', PositiveIntPipe) id: number,
    @Body() dto: PublicKeyDto,
  ): Promise<UsernameResponseDto> {
    const { owner, proof } = basicOwnerOf(request, 'rest-auth');
    const user = await this.lifecycle.setLoginKey(owner, dto.publicKey, proof, id);
    return { username: user.username };
  }

  @Get('token')
  @BasicOrToken()
  @ApiBasicAuth('basic')
  @ApiOperation({
    summary: 'Return an authentication token (Basic credentials, or a valid token as username)',
  })
  @ApiOkResponse({
    type: TokenResponseDto,
    headers: {
      token: {
        required: true,
        description: "The body's token again, as the document's example shows",
        schema: { type: 'string' },
      },
    },
  })
  @ApiUnauthorizedResponse(unauthorized)
  async token(
    @CurrentUser() user: User,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    const token = await this.accessTokens.issue(user, 'rest-auth', REST_AUTH_TOKEN_TTL_SECONDS);
    reply.header('token', token);
    return { token, duration: REST_AUTH_TOKEN_TTL_SECONDS };
  }

  @Get('resource')
  @BasicOrToken()
  @ApiBasicAuth('basic')
  @ApiOperation({ summary: 'Return a protected resource' })
  @ApiOkResponse({ type: ResourceResponseDto })
  @ApiUnauthorizedResponse(unauthorized)
  resource(@CurrentUser() user: User): ResourceResponseDto {
    return { data: `Hello, ${user.username}!` };
  }
}
