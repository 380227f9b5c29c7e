import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { UserToken } from '../../user-store/entities/user-token.entity.js';
import { Session } from '../../user-store/entities/session.entity.js';
import { Group } from '../../user-store/entities/group.entity.js';
import { User } from '../../user-store/entities/user.entity.js';
import {
  ACCESS_TOKEN_LIVENESS_COLUMNS,
  CREDENTIAL_LIVENESS_COLUMNS,
} from '../../user-store/user-status.js';
import { CredentialStateCache, EpochSnapshot } from './credential-state-cache.js';
import { PreparedRead, sqlBoolean } from './prepared-read.js';

/** Answers kept of each kind, a few hundred bytes each. */
const KEPT = 10_000;
/** The credential epoch's one row. */
const EPOCH = `SELECT "value" AS "epoch" FROM "credential_epoch" WHERE "id" = 1`;
/** How deep below a user's group the session API looks for subgroups. */
const MAX_GROUP_DEPTH = 32;

/**
 * What the check keeps of the user: liveness, and who the holder is. A username never changes,
 * and a change of privilege moves the credential version, which ends the token: what is kept
 * stays true while the token lives.
 */
const HOLDER_COLUMNS = [...ACCESS_TOKEN_LIVENESS_COLUMNS, 'username', 'privilege'];
/** What a user token's liveness and the record of its use read of it. */
const TOKEN_LIVENESS_COLUMNS = ['id', 'enabled', 'expirationTime', 'creationTime', 'lastUsageTime'];
/** What a session's liveness, its end and the record of its use read of it. */
const SESSION_LIVENESS_COLUMNS = ['id', 'userId', 'secretHash', 'createdAt', 'lastSeenAt'];
/** What a session check reads of its user: liveness, and who the holder is (CheckedIdentity). */
const SESSION_HOLDER_COLUMNS = [...CREDENTIAL_LIVENESS_COLUMNS, 'username', 'privilege', 'scope'];

/** An access token's subject, read with the token's revocation and its key's withdrawal. */
export interface AccessTokenSubject {
  user: User;
  revoked: boolean;
  keyWithdrawn: boolean;
}

/** A session with its user, and the credential epoch read in the same statement. */
export interface SessionRead {
  session: Session;
  snapshot: EpochSnapshot;
}

/** The user's groups and every group below them, the user's own marked. */
export interface GroupsReached {
  memberOf: Group[];
  reached: Group[];
}

/**
 * How much of the user a read returns: `user` the whole entity, for the routes that answer with
 * it; `liveness` only what deciding liveness (and naming the holder) takes, for checks.
 */
export type Detail = 'user' | 'liveness';

/**
 * The one place the checks read the database: the liveness of a credential and of its user, as
 * fixed statements prepared once (PreparedRead), and the answers kept under the credential epoch
 * where that pays (CredentialStateCache). Services ask for what they decide on and build no SQL.
 *
 * A kept answer costs one read of the epoch's one-row table instead of the check's own read: on
 * SQLite that is a quarter of an access-JWT check, and group trees are a recursive read. A request
 * that asks more than once shares one read of the epoch (an EpochSnapshot: introspection's client
 * and token); a session's read brings the epoch along, so that validating one is one round trip.
 */
@Injectable()
export class LivenessService {
  private readonly accessTokenReads: Record<Detail, PreparedRead>;
  private readonly userTokenReads: Record<Detail, PreparedRead>;
  private readonly sessionReads: Record<Detail, PreparedRead>;
  private readonly groupsRead: PreparedRead;
  private readonly liveKidsRead: PreparedRead;
  private readonly epochRead: PreparedRead;
  private readonly keptSubjects: CredentialStateCache<AccessTokenSubject | null>;
  private readonly keptGroups: CredentialStateCache<GroupsReached>;

  constructor(dataSource: DataSource) {
    const read = (sql: ConstructorParameters<typeof PreparedRead>[1]) =>
      new PreparedRead(dataSource, sql);
    const withRevocation = (userColumns: string) =>
      `SELECT ${userColumns}, EXISTS (SELECT 1 FROM "revoked_token" WHERE "jti" = ?) AS "revoked", ` +
      `EXISTS (SELECT 1 FROM "signing_key" WHERE "kid" = ? AND "withdrawnAt" IS NOT NULL) ` +
      `AS "keyWithdrawn" FROM "user" "user" WHERE "user"."id" = ?`;
    this.accessTokenReads = {
      user: read((columns) => withRevocation(columns(User, 'user'))),
      liveness: read((columns) => withRevocation(columns(User, 'user', HOLDER_COLUMNS))),
    };
    const tokenByHash = (selectList: string) =>
      `SELECT ${selectList} FROM "user_token" "token" ` +
      `JOIN "user" "user" ON "user"."id" = "token"."userId" WHERE "token"."tokenHash" = ?`;
    this.userTokenReads = {
      user: read((columns) =>
        tokenByHash(`${columns(UserToken, 'token')}, ${columns(User, 'user')}`),
      ),
      liveness: read((columns) =>
        tokenByHash(
          `${columns(UserToken, 'token', TOKEN_LIVENESS_COLUMNS)}, ` +
            `${columns(User, 'user', CREDENTIAL_LIVENESS_COLUMNS)}`,
        ),
      ),
    };
    const sessionById = (selectList: string) =>
      `SELECT ${selectList}, (${EPOCH}) AS "epoch" FROM "session" "session" ` +
      `JOIN "user" "user" ON "user"."id" = "session"."userId" WHERE "session"."id" = ?`;
    this.sessionReads = {
      user: read((columns) =>
        sessionById(`${columns(Session, 'session')}, ${columns(User, 'user')}`),
      ),
      liveness: read((columns) =>
        sessionById(
          `${columns(Session, 'session', SESSION_LIVENESS_COLUMNS)}, ` +
            `${columns(User, 'user', SESSION_HOLDER_COLUMNS)}`,
        ),
      ),
    };
    this.groupsRead = read(
      (columns) =>
        // UNION ALL with a depth bound: no duplicate-removing pass, and a cycle cannot loop.
        `WITH RECURSIVE "tree" AS (` +
        `SELECT ${columns(Group, 'group')}, 1 AS "member", 0 AS "depth" FROM "group" "group" ` +
        `JOIN "user_group" "membership" ON "membership"."groupId" = "group"."id" ` +
        `WHERE "membership"."userId" = ? ` +
        `UNION ALL SELECT ${columns(Group, 'group')}, 0, "tree"."depth" + 1 FROM "group" "group" ` +
        `JOIN "tree" ON "group"."parentId" = "tree"."group.id" WHERE "tree"."depth" < ${MAX_GROUP_DEPTH}) ` +
        `SELECT * FROM "tree"`,
    );
    this.liveKidsRead = read(() => `SELECT "kid" FROM "signing_key" WHERE "withdrawnAt" IS NULL`);
    this.epochRead = read(() => `${EPOCH}`);
    this.keptSubjects = new CredentialStateCache(KEPT);
    this.keptGroups = new CredentialStateCache(KEPT);
  }

  /** A read of the credential epoch, made when first needed, for the reads of one request. */
  snapshot(): EpochSnapshot {
    return EpochSnapshot.reading(async () => {
      const [row] = await this.epochRead.rows([]);
      return String(this.epochRead.value(row, 'epoch'));
    });
  }

  /**
   * The subject of an access token with the token's revocation and its key's withdrawal, or null
   * when there is no such user. `liveness` answers may be kept: the kid is part of the key, since
   * a token of a withdrawn key may repeat a live token's jti.
   */
  accessTokenSubject(
    detail: Detail,
    userId: number,
    jti: string,
    kid: string,
    snapshot = this.snapshot(),
  ): Promise<AccessTokenSubject | null> {
    const readNow = () =>
      this.readAccessTokenSubject(this.accessTokenReads[detail], userId, jti, kid);
    if (detail === 'user') return readNow();
    return this.keptSubjects.get(`${userId}:${jti}:${kid}`, snapshot, readNow);
  }

  /** The user token with this SHA-256 and its user (with `detail`'s columns), or null. */
  async userToken(detail: Detail, tokenHash: string): Promise<UserToken | null> {
    const read = this.userTokenReads[detail];
    const [row] = await read.rows([tokenHash]);
    if (!row) return null;
    const userToken = read.entity(UserToken, 'token', row);
    userToken.user = read.entity(User, 'user', row);
    return userToken;
  }

  /** The session with this sid and its user (as much as `detail` asks), or null. */
  async session(detail: Detail, sid: number): Promise<SessionRead | null> {
    const read = this.sessionReads[detail];
    const [row] = await read.rows([sid]);
    if (!row) return null;
    const session = read.entity(Session, 'session', row);
    session.user = read.entity(User, 'user', row);
    return { session, snapshot: EpochSnapshot.of(read.value(row, 'epoch')) };
  }

  /** The user's groups and every group below them (kept). */
  groupsOf(userId: number, snapshot = this.snapshot()): Promise<GroupsReached> {
    return this.keptGroups.get(userId, snapshot, () => this.readGroups(userId));
  }

  /** The kids of the signing keys that are not withdrawn. */
  async liveSigningKids(): Promise<string[]> {
    const rows = await this.liveKidsRead.rows([]);
    return rows.map((row) => String(this.liveKidsRead.value(row, 'kid')));
  }

  private async readAccessTokenSubject(
    read: PreparedRead,
    userId: number,
    jti: string,
    kid: string,
  ): Promise<AccessTokenSubject | null> {
    const [row] = await read.rows([jti, kid, userId]);
    if (!row) return null;
    return {
      user: read.entity(User, 'user', row),
      revoked: sqlBoolean(read.value(row, 'revoked')),
      keyWithdrawn: sqlBoolean(read.value(row, 'keyWithdrawn')),
    };
  }

  private async readGroups(userId: number): Promise<GroupsReached> {
    const rows = await this.groupsRead.rows([userId]);
    const reached = rows.map((row) => this.groupsRead.entity(Group, 'group', row));
    const memberOf = reached.filter((_, index) =>
      sqlBoolean(this.groupsRead.value(rows[index], 'member')),
    );
    return { memberOf, reached };
  }
}
