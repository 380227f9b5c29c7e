import { randomBytes } from 'node:crypto';
import { Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { DataSource, Repository } from 'typeorm';
import { AuditService, type AuditEventInput } from '../../audit/audit.service.js';
import { Clock } from '../../clock/clock.service.js';
import { hashSecret, secretMatches } from '../../common/secret-hash.js';
import { holdsNul } from '../../common/validation/client-text.js';
import type { BasicCredentials } from '../../identity/request-credentials.js';
import { CredentialStateCache, type EpochSnapshot } from '../liveness/credential-state-cache.js';
import { LivenessService } from '../liveness/liveness.service.js';
import { PreparedRead } from '../liveness/prepared-read.js';
import type { IssuedClientDto, ServiceClientDto } from './dto/service-client.dto.js';
import { ServiceClient } from './entities/service-client.entity.js';

/** Compared with when the client id is unknown, so that an unknown id costs what a wrong secret does. */
const NO_SUCH_HASH = hashSecret('');

/** Service clients kept: a few, and the unknown ids guessed at them. */
const CLIENTS_KEPT = 1_000;

/** Who made a change to a service client, for the audit trail: an admin over HTTP, or the CLI. */
export type ClientChangeActor = Pick<AuditEventInput, 'api' | 'actorId' | 'address' | 'agent'>;

/** The service clients of introspection and revocation: created, listed, changed, checked. */
@Injectable()
export class ServiceClientsService {
  private readonly clientRead: PreparedRead;
  private readonly keptClients = new CredentialStateCache<ServiceClient | null>(CLIENTS_KEPT);

  constructor(
    @InjectRepository(ServiceClient) private readonly clients: Repository<ServiceClient>,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    private readonly liveness: LivenessService,
    dataSource: DataSource,
  ) {
    this.clientRead = new PreparedRead(
      dataSource,
      (columns) =>
        `SELECT ${columns(ServiceClient, 'client')} FROM "service_client" "client" ` +
        `WHERE "client"."clientId" = ?`,
    );
  }

  /** A new client, with its secret: the only time the secret is seen. */
  async create(actor: ClientChangeActor, name: string): Promise<IssuedClientDto> {
    const secret = newSecret();
    const now = this.clock.now();
    const client = await this.clients.save(
      this.clients.create({
        // 128 random bits: public, but not to be guessed, so that ids say nothing of each other.
        clientId: randomBytes(16).toString('base64url'),
        name,
        enabled: true,
        secretHash: hashSecret(secret),
        createdAt: now,
        updatedAt: now,
      }),
    );
    await this.record(actor, client, 'clients.create');
    return { clientId: client.clientId, clientSecret: secret, name: client.name };
  }

  async list(): Promise<ServiceClientDto[]> {
    const clients = await this.clients.find({ order: { createdAt: 'ASC', clientId: 'ASC' } });
    return clients.map(toDto);
  }

  async setEnabled(
    actor: ClientChangeActor,
    clientId: string,
    enabled: boolean,
  ): Promise<ServiceClientDto> {
    const client = await this.existing(clientId);
    client.enabled = enabled;
    client.updatedAt = this.clock.now();
    await this.clients.update({ clientId }, { enabled, updatedAt: client.updatedAt });
    await this.record(actor, client, enabled ? 'clients.enable' : 'clients.disable');
    return toDto(client);
  }

  /** A new secret for the client; the old one stops working at once. */
  async rotateSecret(actor: ClientChangeActor, clientId: string): Promise<IssuedClientDto> {
    const client = await this.existing(clientId);
    const secret = newSecret();
    await this.clients.update(
      { clientId },
      { secretHash: hashSecret(secret), updatedAt: this.clock.now() },
    );
    await this.record(actor, client, 'clients.secret');
    return { clientId, clientSecret: secret, name: client.name };
  }

  async remove(actor: ClientChangeActor, clientId: string): Promise<void> {
    const client = await this.existing(clientId);
    await this.clients.delete({ clientId });
    await this.record(actor, client, 'clients.delete');
  }

  /**
   * The enabled client these Basic credentials name, or null. The secret's hash is compared in
   * constant time, and an unknown id is compared too, so that timing tells nothing. The client is
   * kept under the credential epoch: a service that introspects on every request of
   * its own costs one read of the credential epoch, not a lookup.
   */
  async authenticate(
    credentials: BasicCredentials,
    snapshot?: EpochSnapshot,
  ): Promise<ServiceClient | null> {
    const clientId = formDecoded(credentials.username);
    const secret = formDecoded(credentials.password);
    const client =
      clientId !== null && mayBeClientId(clientId)
        ? await this.liveClient(clientId, snapshot ?? this.liveness.snapshot())
        : null;
    const matches = secretMatches(secret ?? '', client?.secretHash ?? NO_SUCH_HASH);
    return client && matches && client.enabled ? client : null;
  }

  /**
   * The enabled client with this id, or null: for a credential that named it when issued (its
   * token), which a disable or a delete ends at once. Kept, as authenticate() keeps it.
   */
  async enabledClient(clientId: string, snapshot?: EpochSnapshot): Promise<ServiceClient | null> {
    if (!mayBeClientId(clientId)) return null;
    const client = await this.liveClient(clientId, snapshot ?? this.liveness.snapshot());
    return client?.enabled ? client : null;
  }

  /** The service client with this id, enabled or not, or null (kept). */
  private liveClient(clientId: string, snapshot: EpochSnapshot): Promise<ServiceClient | null> {
    return this.keptClients.get(clientId, snapshot, async () => {
      const [row] = await this.clientRead.rows([clientId]);
      return row ? this.clientRead.entity(ServiceClient, 'client', row) : null;
    });
  }

  private async existing(clientId: string): Promise<ServiceClient> {
    const client = mayBeClientId(clientId) ? await this.clients.findOneBy({ clientId }) : null;
    if (!client) throw new NotFoundException('No service client has this id');
    return client;
  }

  private record(actor: ClientChangeActor, client: ServiceClient, action: string): Promise<void> {
    return this.audit.record({
      type: 'admin.change',
      outcome: 'success',
      ...actor,
      detail: { action, clientId: client.clientId, name: client.name },
    });
  }
}

/**
 * Whether `clientId`, as a request gives it (in Basic credentials, or an admin route's path), may
 * name a client, and so be looked up: no longer than the column, and holding no NUL, as no text a
 * client sends may (client-text.ts). Any other names no client: 401 or 404, never a query.
 */
function mayBeClientId(clientId: string): boolean {
  return clientId.length <= 32 && !holdsNul(clientId);
}

/**
 * A Basic user name or password as RFC 6749 §2.3.1 has clients send them: form-urlencoded first
 * (oauth4webapi, under openid-client, encodes even `-` and `_`); null when it is not.
 */
function formDecoded(value: string): string | null {
  try {
    return decodeURIComponent(value.replaceAll('+', ' '));
  } catch {
    return null;
  }
}

/** A client secret: 256 random bits, base64url. */
function newSecret(): string {
  return randomBytes(32).toString('base64url');
}

function toDto(client: ServiceClient): ServiceClientDto {
  return {
    clientId: client.clientId,
    name: client.name,
    enabled: client.enabled,
    createdAt: client.createdAt.toISOString(),
    updatedAt: client.updatedAt.toISOString(),
  };
}
