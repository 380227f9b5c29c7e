import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { InjectRepository } from '@nestjs/typeorm';
import { LessThan, Repository } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { User } from '../users/entities/user.entity.js';
import { isCredentialLive } from '../users/user-status.js';
import { RevokedToken } from './entities/revoked-token.entity.js';
import { kidOf, SigningKeysService } from './signing-keys.service.js';

export const ACCESS_TOKEN_ALGORITHM = 'RS256';
/** Leeway for clocks of other instances and services that disagree by a little. */
export const CLOCK_TOLERANCE_SECONDS = 30;
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
 * `kid` looked up in the key store, the claims checked, not revoked, and the user still enabled.
 */
@Injectable()
export class AccessTokensService {
  constructor(
    private readonly config: AppConfig,
    private readonly jwt: JwtService,
    private readonly keys: SigningKeysService,
    @InjectRepository(User) private readonly users: Repository<User>,
    @InjectRepository(RevokedToken) private readonly revoked: Repository<RevokedToken>,
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

  /**
   * The verified token and its user, or null for anything that is not a live Gatehouse access
   * token; with `audience`, a token that names audiences must name this one.
   */
  async verify(token: string, audience?: string): Promise<VerifiedAccessToken | null> {
    const claims = await this.verifySignature(token);
    return claims ? this.checkClaims(claims, audience) : null;
  }

  /** What every holder of signature-checked claims must still ask: Gatehouse's claims, not revoked, user live. */
  async checkClaims(
    claims: AccessTokenClaims,
    audience?: string,
  ): Promise<VerifiedAccessToken | null> {
    if (!hasGatehouseClaims(claims) || !isForAudience(claims, audience)) return null;
    const [user, revoked] = await Promise.all([
      this.users.findOneBy({ id: Number(claims.sub) }),
      this.revoked.existsBy({ jti: claims.jti }),
    ]);
    return !revoked && isCredentialLive(user, new Date(claims.iat * 1000))
      ? { user, claims }
      : null;
  }

  /** Revokes a token everywhere at once; expired revocations are dropped on the way. */
  async revoke(jti: string, expiresAt: Date): Promise<void> {
    await this.revoked.upsert({ jti, expiresAt }, ['jti']);
    await this.revoked.delete({
      expiresAt: LessThan(new Date(Date.now() - CLOCK_TOLERANCE_SECONDS * 1000)),
    });
  }

  looksLikeAccessToken(value: string): boolean {
    return value.length > 64 && JWT_SHAPE.test(value);
  }

  private async verifySignature(token: string): Promise<AccessTokenClaims | null> {
    if (!JWT_SHAPE.test(token)) return null;
    const kid = kidOf(token);
    const key = kid ? await this.keys.verificationKey(kid) : null;
    if (!key) return null;
    try {
      return this.jwt.verify<AccessTokenClaims>(token, {
        publicKey: key.publicKey as unknown as string,
        algorithms: [ACCESS_TOKEN_ALGORITHM],
        issuer: this.config.jwt.issuer,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
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
    /^[1-9][0-9]{0,9}$/.test(String(claims.sub)) &&
    Number.isInteger(claims.iat) &&
    Number.isInteger(claims.exp) &&
    typeof claims.jti === 'string' &&
    claims.jti.length <= 64
  );
}

function isForAudience(claims: AccessTokenClaims, audience: string | undefined): boolean {
  if (claims.aud === undefined) return true;
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  return audience !== undefined && audiences.includes(audience);
}
