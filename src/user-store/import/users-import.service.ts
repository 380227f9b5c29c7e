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
import { checkedScope, type ImportedUser, usernameKey, UsersService } from '../users.service.js';
import { IMPORT_LINE_FIELDS, ImportUserLineDto } from './import-line.dto.js';
import { MAX_LINE_BYTES, type NdjsonLine, ndjsonLines } from './ndjson-lines.js';

/** Lines written in one transaction: a crash leaves whole batches, never half of one. */
export const IMPORT_BATCH_LINES = 1000;
/** Refused lines an answer lists (all are counted; the command line prints each as found). */
export const LISTED_REFUSALS = 1000;
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

export interface ImportCounts {
  imported: number;
  skipped: number;
  refused: number;
}

export interface ImportSummary extends ImportCounts {
  /** The first LISTED_REFUSALS refused lines. */
  refusedLines: RefusedLine[];
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
  actor: ImportActor;
  /** Each refused line as it is found. */
  onRefused?: (refusal: RefusedLine) => void;
  /** After each batch is written, with the lines read so far. */
  onBatch?: (linesRead: number, counts: ImportCounts) => void;
}

interface CheckedLine {
  line: number;
  key: string;
  user: ImportedUser;
  groups: string[] | undefined;
}

type LineReading = CheckedLine | { refusal: RefusedLine } | null;

/**
 * Imports users from JSON lines, for the `users:import` command and the admin route alike. Every
 * line is checked whole before its batch is written, and a batch is one transaction, so a refused
 * line stores nothing and a crash leaves whole batches. Hashes are stored as they came: nothing is
 * hashed here, which is what makes it fast.
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
    const summary: ImportSummary = { imported: 0, skipped: 0, refused: 0, refusedLines: [] };
    const refuse = (refusal: RefusedLine) => {
      summary.refused += 1;
      if (summary.refusedLines.length < LISTED_REFUSALS) summary.refusedLines.push(refusal);
      options.onRefused?.(refusal);
    };
    let batch: CheckedLine[] = [];
    const keysInBatch = new Set<string>();
    let linesRead = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const written = await this.writeBatch(batch, options);
      summary.imported += written.imported;
      summary.skipped += written.skipped;
      written.refusals.forEach(refuse);
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
        // A name twice in a batch: the first is written before the second is looked at, so the
        // second finds it as it would find any existing user (skipped, or updated with --update).
        if (keysInBatch.has(reading.key)) await flush();
        batch.push(reading);
        keysInBatch.add(reading.key);
        if (batch.length >= IMPORT_BATCH_LINES) await flush();
      }
      await flush();
      finished = true;
      return summary;
    } finally {
      await this.record(options, summary, finished);
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
    const { groups, ...user } = dto;
    return { line: line.number, key: usernameKey(dto.username), user, groups };
  }

  /**
   * Writes one batch in one transaction. A user or group created meanwhile by another writer
   * fails it on a unique index: the batch is then read and written again, and finds them.
   */
  private async writeBatch(
    batch: CheckedLine[],
    options: ImportOptions,
  ): Promise<{ imported: number; skipped: number; refusals: RefusedLine[] }> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.dataSource.transaction((manager) =>
          this.writeBatchIn(manager, batch, options),
        );
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= BATCH_ATTEMPTS) throw error;
      }
    }
  }

  private async writeBatchIn(
    manager: EntityManager,
    batch: CheckedLine[],
    { update, actor }: ImportOptions,
  ): Promise<{ imported: number; skipped: number; refusals: RefusedLine[] }> {
    const existing = new Map<string, User>();
    for (const keys of chunked(batch.map((line) => line.key))) {
      for (const user of await manager.find(User, { where: { usernameKey: In(keys) } })) {
        existing.set(user.usernameKey, user);
      }
    }
    const fresh: CheckedLine[] = [];
    const updates: [CheckedLine, User][] = [];
    const refusals: RefusedLine[] = [];
    let skipped = 0;
    for (const line of batch) {
      const user = existing.get(line.key);
      if (!user) fresh.push(line);
      else if (!update) skipped += 1;
      else {
        const refusal = user.id === actor.userId ? selfChange(line, user) : null;
        if (refusal) refusals.push(refusal);
        else updates.push([line, user]);
      }
    }
    const groups = await this.groupsNamed(manager, [...fresh, ...updates.map(([line]) => line)]);
    if (fresh.length > 0) {
      const ids = await this.users.insertImported(
        manager,
        fresh.map((line) => line.user),
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
    for (const [line, user] of updates) {
      await this.users.applyImported(
        manager,
        user,
        line.user,
        line.groups?.map((name) => groups.get(name)!),
      );
    }
    return { imported: fresh.length + updates.length, skipped, refusals };
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
    { update, actor }: ImportOptions,
    counts: ImportCounts,
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
        update,
        imported: counts.imported,
        skipped: counts.skipped,
        refused: counts.refused,
      },
    });
  }
}

/**
 * A line that would disable or demote the admin importing: refused, as the admin API refuses it
 * (409), so that no admin locks themselves out by a line of a file.
 */
function selfChange(line: CheckedLine, caller: User): RefusedLine | null {
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

function chunked<T>(items: T[]): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += IN_CHUNK) {
    chunks.push(items.slice(start, start + IN_CHUNK));
  }
  return chunks;
}
