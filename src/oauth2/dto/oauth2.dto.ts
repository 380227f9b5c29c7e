import type { ApiResponseSchemaHost } from '@nestjs/swagger';

/** An OpenAPI schema as the swagger decorators take it. */
type SchemaObject = ApiResponseSchemaHost['schema'];
/** What RFC 7662 and RFC 7009 clients send: the token, and perhaps a hint of its type. */
export interface TokenForm {
  token?: string;
  token_type_hint?: string;
}

export const TOKEN_FORM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['token'],
  properties: {
    token: {
      type: 'string',
      description:
        'An access JWT, a user token, or a session: the sid followed directly by its 64-hex secret',
      example: 'eyJhbGciOiJSUzI1NiIs…',
    },
    token_type_hint: {
      type: 'string',
      description: 'Read as RFC 7009 allows: a hint only; every kind is recognised by its shape',
      example: 'access_token',
    },
  },
};

/** An introspection answer (RFC 7662 §2.2). */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      sub: string;
      username: string;
      scope: string;
      iat: number;
      exp?: number;
      iss: string;
      aud?: string[];
      token_type: 'Bearer' | 'session';
      kind: 'access-jwt' | 'user-token' | 'session';
      privilege: string;
    };

export const INTROSPECTION_RESPONSE_SCHEMA: SchemaObject = {
  oneOf: [
    {
      type: 'object',
      description: 'A live credential',
      example: {
        active: true,
        sub: '42',
        username: 'ann',
        scope: 'read write',
        iat: 1767225600,
        exp: 1767312000,
        iss: 'https://auth.example.com',
        token_type: 'Bearer',
        kind: 'access-jwt',
        privilege: 'user',
      },
      required: [
        'active',
        'sub',
        'username',
        'scope',
        'iat',
        'iss',
        'token_type',
        'kind',
        'privilege',
      ],
      properties: {
        active: { type: 'boolean', enum: [true] },
        sub: { type: 'string', description: 'The user id', example: '42' },
        username: { type: 'string', example: 'ann' },
        scope: { type: 'string', description: 'Space-separated', example: 'read write' },
        iat: { type: 'integer', description: 'Issued at, seconds since 1970', example: 1767225600 },
        exp: {
          type: 'integer',
          description:
            'When it ends by itself, seconds since 1970; none for a user token without an expiry',
          example: 1767312000,
        },
        iss: { type: 'string', description: 'JWT_ISSUER', example: 'https://auth.example.com' },
        aud: {
          type: 'array',
          items: { type: 'string' },
          description: 'The audiences an access JWT names',
        },
        token_type: {
          type: 'string',
          enum: ['Bearer', 'session'],
          description: '`Bearer` for access JWTs and user tokens; `session` for a session',
        },
        kind: { type: 'string', enum: ['access-jwt', 'user-token', 'session'] },
        privilege: { type: 'string', enum: ['user', 'admin'] },
      },
    },
    {
      type: 'object',
      description: 'Anything else: dead, unknown or malformed',
      example: { active: false },
      required: ['active'],
      properties: { active: { type: 'boolean', enum: [false] } },
      additionalProperties: false,
    },
  ],
};

export const OAUTH2_ERROR_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'string',
      enum: ['invalid_client', 'invalid_request', 'unsupported_token_type'],
    },
  },
};
