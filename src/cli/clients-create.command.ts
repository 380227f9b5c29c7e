import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { Command, CommandRunner } from 'nest-commander';
import { CreateServiceClientDto } from '../oauth2/dto/service-client.dto.js';
import { ServiceClientsService } from '../oauth2/service-clients.service.js';
import { UsageError } from './usage-error.js';

/**
 * Registers a service client for introspection and revocation, and prints its id and secret: the
 * one time the secret is shown, on standard output only, for the operator to hand to the service.
 */
@Command({
  name: 'clients:create',
  arguments: '<name>',
  description: 'register a service client (introspection, revocation); prints its id and secret',
})
export class ClientsCreateCommand extends CommandRunner {
  constructor(private readonly clients: ServiceClientsService) {
    super();
  }

  async run([name]: string[]): Promise<void> {
    const dto = plainToInstance(CreateServiceClientDto, { name });
    const [error] = validateSync(dto);
    if (error) throw new UsageError(Object.values(error.constraints ?? {})[0] ?? 'invalid name');
    const client = await this.clients.create({ api: 'cli' }, dto.name);
    console.log(`client_id=${client.clientId}`);
    console.log(`client_secret=${client.clientSecret}`);
  }
}
