import { ConflictException, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { RequestActor } from '../identity/request-actor.decorator.js';
import { actorFields } from '../identity/request-actor.decorator.js';
import { AuditService } from '../audit/audit.service.js';
import { isUniqueViolation } from '../common/errors/database-errors.js';
import { Group } from '../user-store/entities/group.entity.js';
import { User } from '../user-store/entities/user.entity.js';
import type { AdminGroupDto, CreateGroupDto, UpdateGroupDto } from './dto/admin-group.dto.js';

/** The group tree the session API returns with each user: create, rename, move, delete. */
@Injectable()
export class AdminGroupsService {
  constructor(
    private readonly audit: AuditService,
    @InjectRepository(Group) private readonly groups: Repository<Group>,
    @InjectRepository(User) private readonly users: Repository<User>,
  ) {}

  /** Every group, as trees under the root groups. */
  async tree(): Promise<AdminGroupDto[]> {
    const groups = await this.groups.find({ order: { id: 'ASC' } });
    const counts: { groupId: number | string; count: number | string }[] = await this.users
      .createQueryBuilder('user')
      .innerJoin('user.groups', 'group')
      .select('group.id', 'groupId')
      .addSelect('COUNT(*)', 'count')
      .groupBy('group.id')
      .getRawMany();
    const userCounts = new Map(counts.map((row) => [Number(row.groupId), Number(row.count)]));
    const nodes = new Map<number, AdminGroupDto>(
      groups.map((group) => [
        group.id,
        {
          id: group.id,
          name: group.name,
          description: group.description,
          parentId: group.parentId,
          userCount: userCounts.get(group.id) ?? 0,
          children: [],
        },
      ]),
    );
    const roots: AdminGroupDto[] = [];
    for (const node of nodes.values()) {
      const parent = node.parentId === null ? undefined : nodes.get(node.parentId);
      (parent ? parent.children : roots).push(node);
    }
    return roots;
  }

  async create(actor: RequestActor, dto: CreateGroupDto): Promise<AdminGroupDto> {
    if (dto.parentId != null) await this.existing(dto.parentId);
    const group = await this.saveNamed(
      this.groups.create({
        name: dto.name,
        description: dto.description ?? null,
        parentId: dto.parentId ?? null,
      }),
    );
    await this.recordChange(actor, { action: 'group.create', groupId: group.id, name: group.name });
    return this.describe(group);
  }

  /** Renames or moves a group; a move under itself or one of its descendants is refused (409). */
  async update(actor: RequestActor, id: number, dto: UpdateGroupDto): Promise<AdminGroupDto> {
    const group = await this.existing(id);
    const changed: string[] = [];
    if (dto.name !== undefined) {
      group.name = dto.name;
      changed.push('name');
    }
    if (dto.description !== undefined) {
      group.description = dto.description;
      changed.push('description');
    }
    if (dto.parentId !== undefined) {
      if (dto.parentId !== null) await this.refuseCycle(id, dto.parentId);
      group.parentId = dto.parentId;
      changed.push('parentId');
    }
    // The relation is not loaded, so that save() writes the parentId column as set above.
    delete group.parent;
    await this.saveNamed(group);
    await this.recordChange(actor, {
      action: 'group.update',
      groupId: id,
      fields: changed.join(','),
    });
    return this.describe(group);
  }

  /** Deletes a group that has no subgroups and no users (409 otherwise). */
  async remove(actor: RequestActor, id: number): Promise<void> {
    const group = await this.existing(id);
    if (await this.groups.existsBy({ parentId: id })) {
      throw new ConflictException('The group has subgroups: move or delete them first');
    }
    if (await this.users.exists({ where: { groups: { id } } })) {
      throw new ConflictException('The group has users: take them out first');
    }
    await this.groups.delete({ id });
    await this.recordChange(actor, { action: 'group.delete', groupId: id, name: group.name });
  }

  private async existing(id: number): Promise<Group> {
    const group = await this.groups.findOneBy({ id });
    if (!group) throw new NotFoundException(`No group has id ${id}`);
    return group;
  }

  /** Refuses to put `id` under `parentId` when that is `id` itself or below it. */
  private async refuseCycle(id: number, parentId: number): Promise<void> {
    await this.existing(parentId);
    const parentOf = new Map(
      (await this.groups.find({ select: { id: true, parentId: true } })).map((group) => [
        group.id,
        group.parentId,
      ]),
    );
    const seen = new Set<number>();
    for (
      let current: number | null = parentId;
      current !== null;
      current = parentOf.get(current) ?? null
    ) {
      if (current === id) {
        throw new ConflictException(
          'A group cannot be moved under itself or one of its descendants',
        );
      }
      if (seen.has(current)) break;
      seen.add(current);
    }
  }

  private async saveNamed(group: Group): Promise<Group> {
    try {
      return await this.groups.save(group);
    } catch (error) {
      if (isUniqueViolation(error)) throw new ConflictException('A group with this name exists');
      throw error;
    }
  }

  /** The group as a node of the tree, with its subtree. */
  private async describe(group: Group): Promise<AdminGroupDto> {
    const find = (nodes: AdminGroupDto[]): AdminGroupDto | undefined =>
      nodes.reduce<AdminGroupDto | undefined>(
        (found, node) => found ?? (node.id === group.id ? node : find(node.children)),
        undefined,
      );
    const node = find(await this.tree());
    if (!node) throw new NotFoundException(`No group has id ${group.id}`);
    return node;
  }

  private recordChange(
    actor: RequestActor,
    detail: Record<string, string | number | boolean | null>,
  ): Promise<void> {
    return this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      api: 'admin',
      ...actorFields(actor),
      detail,
    });
  }
}
