import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { validateSync } from 'class-validator';
import { DataSource, type EntityManager, In } from 'typeorm';
import { AuditService } from '../../audit/audit.service.js';
import { AppConfig } from '../../config/app-config.js';
import { holdsNul } from '../../common/validation/client-text.js';
import { isUniqueViolation } from '../../common/errors/database-errors.js';
import { readPasswordHash } from '../../password-hashing/imported-hash.js';
import { Group } from '../entities/group.entity.js';
import { User } from '../entities/user.entity.js';
import {
  checkedScope,
  type ImportDigests,
  type ImportedUser,
  importedUserColumns,
  usernameKey,
  UsersService,
} from '../users.service.js';
import { IMPORT_LINE_FIELDS, ImportUserLineDto } from './import-line.dto.js';
import { MAX_LINE_BYTES, type NdjsonLine, ndjsonLines } from './ndjson-lines.js';

/** Lines written in one transaction: a crash leaves whole batches, never half of one. */
export const IMPORT_BATCH_LINES = 1000;
/** Refused lines and name matches an answer lists (all are counted; the command line prints each as found). */
export const LISTED_REFUSALS = 1000;
/** Updated and skipped users an answer names; the counts say how many there are in all. */
export const LISTED_USERS = 100;
/** Reads of a batch again after a name or group was created meanwhile by another writer. */
const BATCH_ATTEMPTS = 3;
/** Names per IN list: well within SQLite's and PostgreSQL's bound parameters. */
const IN_CHUNK = 500;

export interface RefusedLine {
  line: number;
  /** The field at fault; null when the line as a whole is (not JSON, too long). */
  field: string | null;
  /** Names the field and what is wrong; never repeats a hash. */
  message: string;
}

/** A line whose name folds onto an existing user spelled otherwise ("Hawk" onto "hawk"). */
export interface NameMatch {
  line: number;
  /** The name as the line spells it. */
  given: string;
  /** The name as the user has it, which stays. */
  stored: string;
}

export interface ImportCounts {
  created: number;
  updated: number;
  unchanged: number;
  skipped: number;
  refused: number;
}

export interface ImportSummary extends ImportCounts {
  /** The first LISTED_REFUSALS names that matched a user spelled otherwise. */
  matched: NameMatch[];
  /** The first LISTED_USERS users updated, by their stored names. */
  updatedUsers: string[];
  /** The first LISTED_USERS users skipped, by their stored names. */
  skippedUsers: string[];
  /** The first LISTED_REFUSALS refused lines. */
  refusedLines: RefusedLine[];
}

/** The counts as the summary says them, for the command line and the admin route alike. */
export function importCounts({ created, updated, unchanged, skipped, refused }: ImportCounts) {
  return `created ${created}, updated ${updated}, unchanged ${unchanged}, skipped ${skipped}, refused ${refused}`;
}

/** Who imports, for the audit trail and for what a line may not do to its caller. */
export interface ImportActor {
  api: 'cli' | 'admin';
  /** The admin importing over HTTP, whom no line may disable or demote. */
  userId?: number;
  address?: string | null;
  agent?: string | null;
}

export interface ImportOptions {
  /** Whether a line naming an existing user updates them (otherwise it is skipped). */
  update: boolean;
  /** Whether admins are updated too (otherwise their lines are skipped); implies update. */
  updateAdmins: boolean;
  /** Checks and reports every line as an import would, writing nothing. */
  dryRun: boolean;
  actor: ImportActor;
  /** Each refused line as it is found. */
  onRefused?: (refusal: RefusedLine) => void;
  /** Each name that matched a user spelled otherwise, as it is found. */
  onMatched?: (match: NameMatch) => void;
  /** After each batch is settled, with the lines read so far. */
  onBatch?: (linesRead: number, counts: ImportCounts) => void;
}

interface CheckedLine {
  line: number;
  key: string;
  user: ImportedUser;
  groups: string[] | undefined;
  /** SHA-256 of the hash and of the line as read: what an import records of it. */
  hashDigest: string;
  lineDigest: string;
}

type LineReading = CheckedLine | { refusal: RefusedLine } | null;

/** A user as an import compares lines with: stored, or as a dry run would have left them. */
type KnownUser = Pick<
  User,
  | 'username'
  | 'usernameKey'
  | 'passwordHash'
  | 'privilege'
  | 'scope'
  | 'firstName'
  | 'lastName'
  | 'email'
  | 'description'
  | 'enabled'
  | 'importedHashDigest'
  | 'importedLineDigest'
> & {
  /** Absent for a user a dry run would have created. */
  id?: number;
  /** Group names; absent when not read (only lines naming groups need them). */
  groupNames?: string[];
};

/** The profile fields a line may name, compared one by one with the user's. */
const PROFILE_FIELDS = [
  'privilege',
  'scope',
  'firstName',
  'lastName',
  'email',
  'description',
  'enabled',
] as const;

type ProfileColumns = Pick<ImportedUser, (typeof PROFILE_FIELDS)[number]>;

interface PlannedUpdate {
  line: CheckedLine;
  user: KnownUser;
  /** The line's hash, when it replaces the user's. */
  passwordHash?: string;
  columns: ProfileColumns;
  /** Whether the line's groups differ from the user's. */
  regroup: boolean;
  digests: ImportDigests;
}

/** What a batch does, decided before anything is written. */
interface BatchPlan {
  fresh: CheckedLine[];
  /** Users changed, and users unchanged whose recorded digests move (written, not counted). */
  updates: PlannedUpdate[];
  updated: string[];
  unchanged: number;
  skipped: string[];
  refusals: RefusedLine[];
  matches: NameMatch[];
}

/**
 * Imports users from JSON lines, for the `users:import` command and the admin route alike. Every
 * line is checked whole before its batch is written, and a batch is one transaction, so a refused
 * line stores nothing and a crash leaves whole batches. Hashes are stored as they came: nothing is
 * hashed here, which is what makes it fast.
 *
 * A line names an existing user when its name folds onto theirs (usernameKey, as logins fold it).
 * Such a line is skipped unless updating, and an admin's unless updating admins; an update applies
 * the fields the line names, and its hash only over the hash the user's earlier import stored, so
 * that what happened since (a password set, an upgrade to bcrypt at login) stays. The same line
 * again changes nothing.
 */
@Injectable()
export class UsersImportService {
  constructor(
    private readonly config: AppConfig,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async import(
    chunks: AsyncIterable<Buffer | string>,
    options: ImportOptions,
  ): Promise<ImportSummary> {
    const summary: ImportSummary = {
      created: 0,
      updated: 0,
      unchanged: 0,
      skipped: 0,
      refused: 0,
      matched: [],
      updatedUsers: [],
      skippedUsers: [],
      refusedLines: [],
    };
    const refuse = (refusal: RefusedLine) => {
      summary.refused += 1;
      if (summary.refusedLines.length < LISTED_REFUSALS) summary.refusedLines.push(refusal);
      options.onRefused?.(refusal);
    };
    const list = (names: string[], listed: string[]) =>
      listed.push(...names.slice(0, Math.max(0, LISTED_USERS - listed.length)));
    // What a dry run would have written so far, by username key: later lines find it there.
    const dryRun = options.dryRun ? new Map<string, KnownUser>() : null;
    let batch: CheckedLine[] = [];
    const keysInBatch = new Set<string>();
    let linesRead = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const plan = dryRun
        ? await this.planBatch(this.dataSource.manager, batch, options, dryRun)
        : await this.writeBatch(batch, options);
      if (dryRun) rememberDryRun(dryRun, plan);
      for (const match of plan.matches) {
        if (summary.matched.length < LISTED_REFUSALS) summary.matched.push(match);
        options.onMatched?.(match);
      }
      summary.created += plan.fresh.length;
      summary.updated += plan.updated.length;
      summary.unchanged += plan.unchanged;
      summary.skipped += plan.skipped.length;
      list(plan.updated, summary.updatedUsers);
      list(plan.skipped, summary.skippedUsers);
      plan.refusals.forEach(refuse);
      batch = [];
      keysInBatch.clear();
      options.onBatch?.(linesRead, summary);
    };
    let finished = false;
    try {
      for await (const line of ndjsonLines(chunks)) {
        linesRead = line.number;
        const reading = this.check(line);
        if (reading === null) continue;
        if ('refusal' in reading) {
          refuse(reading.refusal);
          continue;
        }
        // A name twice in a batch: the first is settled before the second is looked at, so the
        // second finds it as it would find any existing user.
        if (keysInBatch.has(reading.key)) await flush();
        batch.push(reading);
        keysInBatch.add(reading.key);
        if (batch.length >= IMPORT_BATCH_LINES) await flush();
      }
      await flush();
      finished = true;
      return summary;
    } finally {
      if (!options.dryRun) await this.record(options, summary, finished);
    }
  }

  /** A line as it will be written, why it is refused, or null for a blank line. */
  private check(line: NdjsonLine): LineReading {
    const refusal = (field: string | null, message: string) => ({
      refusal: { line: line.number, field, message },
    });
    if ('tooLong' in line) {
      return refusal(null, `the line is longer than ${MAX_LINE_BYTES / 1024} KiB`);
    }
    if (line.text.trim() === '') return null;
    let parsed: unknown;
    try {
      parsed = JSON.parse(line.text);
    } catch {
      return refusal(null, 'the line is not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      return refusal(null, 'the line is not a JSON object');
    }
    const fields = parsed as Record<string, unknown>;
    if (Object.keys(fields).some(holdsNul)) {
      return refusal(null, 'a field name holds a NUL character');
    }
    // Before anything is copied: a key such as __proto__ never reaches an object's prototype.
    const unknown = Object.keys(fields).find((field) => !IMPORT_LINE_FIELDS.has(field));
    if (unknown !== undefined) {
      return refusal(unknown, `${unknown} is not a field of an import line`);
    }
    for (const required of ['username', 'passwordHash']) {
      if (fields[required] === undefined || fields[required] === null) {
        return refusal(required, `${required} is required`);
      }
    }
    // PostgreSQL stores no NUL (SQLite would): refused here alike on both, before a batch fails.
    const withNul = Object.keys(fields).find((field) => textHoldsNul(fields[field]));
    if (withNul !== undefined) {
      return refusal(withNul, `${withNul} must not contain NUL characters`);
    }
    const dto = Object.assign(new ImportUserLineDto(), fields);
    const [error] = validateSync(dto);
    if (error) {
      const message = Object.values(error.constraints ?? {})[0] ?? `${error.property} is invalid`;
      return refusal(error.property, message);
    }
    const hash = readPasswordHash(dto.passwordHash, this.config.bcryptCost);
    if ('problem' in hash) return refusal('passwordHash', `passwordHash ${hash.problem}`);
    if (dto.scope !== undefined && dto.scope !== null) {
      try {
        checkedScope(dto.scope);
      } catch (problem) {
        return refusal('scope', (problem as Error).message);
      }
    }
    // The fields in one order whatever the line's, so that the same line digests the same.
    const user: ImportedUser = {
      username: dto.username,
      passwordHash: dto.passwordHash,
      privilege: dto.privilege,
      scope: dto.scope,
      firstName: dto.firstName,
      lastName: dto.lastName,
      email: dto.email,
      description: dto.description,
      enabled: dto.enabled,
    };
    const groups = dto.groups && [...new Set(dto.groups)].sort();
    return {
      line: line.number,
      key: usernameKey(dto.username),
      user,
      groups,
      hashDigest: sha256Hex(dto.passwordHash),
      lineDigest: sha256Hex(JSON.stringify({ ...user, groups })),
    };
  }

  /**
   * Plans and writes one batch in one transaction. A user or group created meanwhile by another
   * writer fails it on a unique index: the batch is then read, planned and written again, and
   * finds them.
   */
  private async writeBatch(batch: CheckedLine[], options: ImportOptions): Promise<BatchPlan> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction(async (manager) => {
          const plan = await this.planBatch(manager, batch, options, null);
          await this.write(manager, plan);
          return plan;
        });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= BATCH_ATTEMPTS) throw error;
      }
    }
  }

  /**
   * What each line of a batch does to the users there are (in the database, and for a dry run
   * as its earlier batches would have left them), read in a few queries for the whole batch.
   */
  private async planBatch(
    manager: EntityManager,
    batch: CheckedLine[],
    { update, updateAdmins, actor }: ImportOptions,
    dryRun: Map<string, KnownUser> | null,
  ): Promise<BatchPlan> {
    const existing = new Map<string, KnownUser>();
    const unread = dryRun ? batch.filter((line) => !dryRun.has(line.key)) : batch;
    for (const keys of chunked(unread.map((line) => line.key))) {
      for (const user of await manager.find(User, { where: { usernameKey: In(keys) } })) {
        existing.set(user.usernameKey, user);
      }
    }
    for (const line of batch) {
      const planned = dryRun?.get(line.key);
      if (planned) existing.set(line.key, planned);
    }
    const plan: BatchPlan = {
      fresh: [],
      updates: [],
      updated: [],
      unchanged: 0,
      skipped: [],
      refusals: [],
      matches: [],
    };
    const candidates: [CheckedLine, KnownUser][] = [];
    for (const line of batch) {
      const user = existing.get(line.key);
      if (!user) {
        plan.fresh.push(line);
        continue;
      }
      if (user.username !== line.user.username) {
        plan.matches.push({ line: line.line, given: line.user.username, stored: user.username });
      }
      if (!(update || updateAdmins) || (user.privilege === 'admin' && !updateAdmins)) {
        plan.skipped.push(user.username);
        continue;
      }
      const refusal = user.id !== undefined && user.id === actor.userId && selfChange(line, user);
      if (refusal) plan.refusals.push(refusal);
      else if (user.importedLineDigest === line.lineDigest) plan.unchanged += 1;
      else candidates.push([line, user]);
    }
    await this.readGroups(
      manager,
      candidates.filter(([line]) => line.groups !== undefined).map(([, user]) => user),
    );
    for (const [line, user] of candidates) {
      const planned = plannedUpdate(line, user);
      const changes =
        planned.passwordHash !== undefined ||
        Object.keys(planned.columns).length > 0 ||
        planned.regroup;
      if (changes) plan.updated.push(user.username);
      else plan.unchanged += 1;
      // An unchanged line is written only to record a hash it now holds (the same as the user's).
      if (changes || planned.digests.importedHashDigest !== user.importedHashDigest) {
        plan.updates.push(planned);
      }
    }
    return plan;
  }

  /** Reads the group names of the stored users among `users` that have none read yet. */
  private async readGroups(manager: EntityManager, users: KnownUser[]): Promise<void> {
    const byId = new Map(
      users
        .filter((user) => user.groupNames === undefined && user.id !== undefined)
        .map((user) => [user.id!, user]),
    );
    for (const ids of chunked([...byId.keys()])) {
      const rows = await manager.find(User, {
        select: { id: true, groups: { id: true, name: true } },
        relations: { groups: true },
        where: { id: In(ids) },
      });
      for (const row of rows) {
        byId.get(row.id)!.groupNames = (row.groups ?? []).map((group) => group.name);
      }
    }
  }

  /** Writes a planned batch in the caller's transaction. */
  private async write(manager: EntityManager, plan: BatchPlan): Promise<void> {
    const { fresh } = plan;
    const regrouped = plan.updates.filter((planned) => planned.regroup).map(({ line }) => line);
    const groups = await this.groupsNamed(manager, [...fresh, ...regrouped]);
    if (fresh.length > 0) {
      const ids = await this.users.insertImported(
        manager,
        fresh.map((line) => ({
          ...line.user,
          importedHashDigest: line.hashDigest,
          importedLineDigest: line.lineDigest,
        })),
      );
      const memberships = fresh.flatMap((line) =>
        (line.groups ?? []).map((name) => ({
          userId: ids.get(line.key)!,
          groupId: groups.get(name)!.id,
        })),
      );
      for (let start = 0; start < memberships.length; start += IN_CHUNK) {
        await manager
          .createQueryBuilder()
          .insert()
          .into('user_group', ['userId', 'groupId'])
          .values(memberships.slice(start, start + IN_CHUNK))
          .orIgnore()
          .updateEntity(false)
          .execute();
      }
    }
    for (const { line, user, passwordHash, columns, regroup, digests } of plan.updates) {
      // Read from the database in this transaction: a stored user, with an id.
      await this.users.applyImported(
        manager,
        { ...user, id: user.id! },
        {
          ...digests,
          passwordHash,
          columns,
          groups: regroup ? line.groups!.map((name) => groups.get(name)!) : undefined,
        },
      );
    }
  }

  /** The groups the lines name, by name; those missing are created at the root of the tree. */
  private async groupsNamed(
    manager: EntityManager,
    lines: CheckedLine[],
  ): Promise<Map<string, Group>> {
    const names = [...new Set(lines.flatMap((line) => line.groups ?? []))];
    const groups = new Map<string, Group>();
    const load = async (wanted: string[]) => {
      for (const chunk of chunked(wanted)) {
        for (const group of await manager.find(Group, { where: { name: In(chunk) } })) {
          groups.set(group.name, group);
        }
      }
    };
    await load(names);
    const missing = names.filter((name) => !groups.has(name));
    for (const chunk of chunked(missing)) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(Group)
        .values(chunk.map((name) => ({ name, description: null, parentId: null })))
        .updateEntity(false)
        .execute();
    }
    await load(missing);
    return groups;
  }

  /** One audit event an import, with its counts: how far it got when it stopped on an error. */
  private record(
    { update, updateAdmins, actor }: ImportOptions,
    { created, updated, unchanged, skipped, refused }: ImportCounts,
    finished: boolean,
  ): Promise<void> {
    return this.audit.record({
      type: 'admin.change',
      outcome: finished ? 'success' : 'failure',
      api: actor.api,
      actorId: actor.userId ?? null,
      address: actor.address ?? null,
      agent: actor.agent ?? null,
      detail: {
        action: 'users.import',
        update: update || updateAdmins,
        updateAdmins,
        created,
        updated,
        unchanged,
        skipped,
        refused,
      },
    });
  }
}

/**
 * What a line changes of an existing user: the fields it names that differ, its groups when they
 * differ, and its hash when the user's is still the one their earlier import stored. A hash the
 * user holds already is recorded as the import's, so that a later line may replace it.
 */
function plannedUpdate(line: CheckedLine, user: KnownUser): PlannedUpdate {
  const { passwordHash } = line.user;
  const heldSinceImport =
    user.importedHashDigest !== null && user.importedHashDigest === sha256Hex(user.passwordHash);
  const replaces = passwordHash !== user.passwordHash && heldSinceImport;
  const columns: Record<string, unknown> = {};
  for (const field of PROFILE_FIELDS) {
    const value = line.user[field];
    if (value !== undefined && value !== user[field]) columns[field] = value;
  }
  const regroup =
    line.groups !== undefined &&
    (line.groups.length !== user.groupNames!.length ||
      line.groups.some((name) => !user.groupNames!.includes(name)));
  return {
    line,
    user,
    passwordHash: replaces ? passwordHash : undefined,
    columns: columns as ProfileColumns,
    regroup,
    digests: {
      importedHashDigest:
        passwordHash === user.passwordHash || replaces ? line.hashDigest : user.importedHashDigest,
      importedLineDigest: line.lineDigest,
    },
  };
}

/** Records in a dry run's map the users a planned batch would have created or changed. */
function rememberDryRun(dryRun: Map<string, KnownUser>, plan: BatchPlan): void {
  for (const line of plan.fresh) {
    const { user } = line;
    dryRun.set(line.key, {
      ...importedUserColumns({
        ...user,
        importedHashDigest: line.hashDigest,
        importedLineDigest: line.lineDigest,
      }),
      groupNames: line.groups ?? [],
    });
  }
  for (const { line, user, passwordHash, columns, regroup, digests } of plan.updates) {
    dryRun.set(line.key, {
      ...user,
      ...columns,
      ...digests,
      passwordHash: passwordHash ?? user.passwordHash,
      groupNames: regroup ? line.groups : user.groupNames,
    });
  }
}

/**
 * A line that would disable or demote the admin importing: refused, as the admin API refuses it
 * (409), so that no admin locks themselves out by a line of a file.
 */
function selfChange(line: CheckedLine, caller: KnownUser): RefusedLine | null {
  if (line.user.enabled === false) {
    return { line: line.line, field: 'enabled', message: 'an admin cannot disable themselves' };
  }
  if (caller.privilege === 'admin' && line.user.privilege === 'user') {
    return { line: line.line, field: 'privilege', message: 'an admin cannot demote themselves' };
  }
  return null;
}

/**
 * A NUL in a field's text or in the strings of its array (groups); anything nested deeper is no
 * field's shape, and the DTO refuses it.
 */
function textHoldsNul(value: unknown): boolean {
  const isNulText = (text: unknown) => typeof text === 'string' && holdsNul(text);
  return Array.isArray(value) ? value.some(isNulText) : isNulText(value);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function chunked<T>(items: T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += IN_CHUNK) {
    chunks.push(items.slice(start, start + IN_CHUNK));
  }
  return chunks;
}
