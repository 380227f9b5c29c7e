import { ArgumentsHost, Catch, type ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** The challenge of a failed client authentication (RFC 6749 §5.2). */
export const CLIENT_CHALLENGE = 'Basic realm="gatehouse"';

/** The error codes Gatehouse's OAuth 2.0 endpoints answer with. */
export const OAUTH2_ERROR_CODES = [
  'invalid_client',
  'invalid_request',
  'unsupported_grant_type',
  'invalid_scope',
  'unsupported_token_type',
] as const;

/** An OAuth 2.0 error (RFC 6749 §5.2, RFC 7009 §2.2.1): `{"error": code}`, with a challenge on 401. */
export class OAuth2Exception extends HttpException {
  constructor(
    status: number,
    readonly code: (typeof OAUTH2_ERROR_CODES)[number],
  ) {
    super({ error: code }, status);
  }

  static invalidClient(): OAuth2Exception {
    return new OAuth2Exception(401, 'invalid_client');
  }
}

/**
 * Answers OAuth2Exception as the RFCs do, which no API dialect does: the bare error code, a Basic
 * challenge with 401, and no caching. Every other error keeps the default dialect.
 */
@Catch(OAuth2Exception)
export class OAuth2ExceptionFilter implements ExceptionFilter {
  catch(exception: OAuth2Exception, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    if (exception.getStatus() === 401) reply.header('WWW-Authenticate', CLIENT_CHALLENGE);
    void reply
      .code(exception.getStatus())
      .header('Cache-Control', 'no-store')
      .send({ error: exception.code });
  }
}
