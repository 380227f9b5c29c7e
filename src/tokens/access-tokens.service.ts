import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { User } from '../users/entities/user.entity.js';
import { isCredentialLive } from '../users/user-status.js';
import { SigningKeysService } from './signing-keys.service.js';

export const ACCESS_TOKEN_ALGORITHM = 'RS256';
/** Leeway for clocks of other instances and services that disagree by a little. */
const CLOCK_TOLERANCE_SECONDS = 30;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export interface AccessTokenClaims {
  sub: string;
  sub_type: string;
  iss: string;
  iat: number;
  exp: number;
  scope: string;
  jti: string;
  aud?: string | string[];
}

export interface VerifiedAccessToken {
  user: User;
  claims: AccessTokenClaims;
}

/**
 * Issues access JWTs and is the one place any of them is checked: algorithm pinned to RS256, the
 * `kid` looked up in the key store, the claims checked, and the user still enabled.
 */
@Injectable()
export class AccessTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  issue(user: User, ttlSeconds = this.config.jwt.accessTokenTtl): string {
    const signer = this.keys.signingKey();
    return this.jwt.sign(
      { sub: String(user.id), sub_type: user.privilege, scope: this.scopeOf(user) },
      {
        algorithm: ACCESS_TOKEN_ALGORITHM,
        privateKey: signer.privateKey!,
        keyid: signer.kid,
        issuer: this.config.jwt.issuer,
        expiresIn: ttlSeconds,
        jwtid: randomUUID(),
      },
    );
  }

  /** The verified token and its user, or null for anything that is not a live Gatehouse access token. */
  async verify(token: string): Promise<VerifiedAccessToken | null> {
    const claims = await this.verifySignature(token);
    if (!claims) return null;
    const user = await this.users.findOneBy({ id: Number(claims.sub) });
    return isCredentialLive(user, new Date(claims.iat * 1000)) ? { user, claims } : null;
  }

  looksLikeAccessToken(value: string): boolean {
    return value.length > 64 && JWT_SHAPE.test(value);
  }

  private async verifySignature(token: string): Promise<AccessTokenClaims | null> {
    if (!JWT_SHAPE.test(token)) return null;
    const header = this.jwt.decode<{ header?: { alg?: unknown; kid?: unknown } }>(token, {
      complete: true,
    })?.header;
    if (header?.alg !== ACCESS_TOKEN_ALGORITHM || typeof header.kid !== 'string') return null;
    const key = await this.keys.verificationKey(header.kid);
    if (!key) return null;
    try {
      const claims = this.jwt.verify<AccessTokenClaims>(token, {
        publicKey: key.publicKey as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.jwt.issuer,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      return hasGatehouseClaims(claims) ? claims : null;
    } catch {
      return null;
    }
  }

  private scopeOf(user: User): string {
    return user.scope ?? this.config.defaultScopes[user.privilege];
  }
}

function hasGatehouseClaims(claims: AccessTokenClaims): boolean {
  return (
    /^[1-9][0-9]{0,15}$/.test(String(claims.sub)) &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp) &&
    typeof claims.jti === 'string'
  );
}
