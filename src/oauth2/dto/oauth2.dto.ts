import type { ApiResponseSchemaHost } from '@nestjs/swagger';
import { OAUTH2_ERROR_CODES } from '../oauth2-error.js';

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

/** A token request (RFC 6749 §4.4.2): the client credentials grant, and perhaps a scope. */
export interface TokenRequestForm {
  grant_type?: string;
  scope?: string;
}

export const TOKEN_REQUEST_FORM_SCHEMA: SchemaObject = {
  type: 'object',
  required: ['grant_type'],
  properties: {
    grant_type: { type: 'string', enum: ['client_credentials'], example: 'client_credentials' },
    scope: {
      type: 'string',
      description: 'Space-separated; `ssf` is the only scope, and the one granted without this',
      example: 'ssf',
    },
  },
};

/** A token answer (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
}

export const TOKEN_RESPONSE_SCHEMA: SchemaObject = {
  type: 'object',
  example: {
    access_token: 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs…',
    token_type: 'Bearer',
    expires_in: 300,
    scope: 'ssf',
  },
  required: ['access_token', 'token_type', 'expires_in', 'scope'],
  properties: {
    access_token: {
      type: 'string',
      description:
        'An RFC 9068 JWT (`typ: at+jwt`, RS256 by a key of the JWKS): `sub` and `client_id` the ' +
        'client id, `aud` PUBLIC_URL, `iss` JWT_ISSUER',
      example: 'eyJhbGciOiJSUzI1NiIsInR5cCI6ImF0K2p3dCIs…',
    },
    token_type: { type: 'string', enum: ['Bearer'] },
    expires_in: { type: 'integer', description: 'Seconds', example: 300 },
    scope: { type: 'string', example: 'ssf' },
  },
  additionalProperties: false,
};

/** An introspection answer (RFC 7662 §2.2). */
export type IntrospectionResponse =
  | { active: false }
  | {
      active: true;
      client_id: string;
      sub: string;
      scope: string;
      iat: number;
      exp: number;
      iss: string;
      aud: string[];
      token_type: 'Bearer';
      kind: 'client-token';
    }
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
      description: 'A live token of a service client (client credentials grant)',
      example: {
        active: true,
        client_id: 'Zk3mQ0x8v1b2TqXw9rLs4A',
        sub: 'Zk3mQ0x8v1b2TqXw9rLs4A',
        scope: 'ssf',
        iat: 1767225600,
        exp: 1767225900,
        iss: 'https://auth.example.com',
        aud: ['https://auth.example.com'],
        token_type: 'Bearer',
        kind: 'client-token',
      },
      required: [
        'active',
        'client_id',
        'sub',
        'scope',
        'iat',
        'exp',
        'iss',
        'aud',
        'token_type',
        'kind',
      ],
      properties: {
        active: { type: 'boolean', enum: [true] },
        client_id: { type: 'string', description: 'The service client the token is for' },
        sub: { type: 'string', description: 'The client id again' },
        scope: { type: 'string', example: 'ssf' },
        iat: { type: 'integer', description: 'Issued at, seconds since 1970' },
        exp: { type: 'integer', description: 'Seconds since 1970' },
        iss: { type: 'string', description: 'JWT_ISSUER' },
        aud: { type: 'array', items: { type: 'string' }, description: 'PUBLIC_URL' },
        token_type: { type: 'string', enum: ['Bearer'] },
        kind: { type: 'string', enum: ['client-token'] },
      },
      additionalProperties: false,
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
    error: { type: 'string', enum: [...OAUTH2_ERROR_CODES] },
  },
};
