import { ServiceClientsModule } from '../credentials/service-clients/service-clients.module.js';
import { Injectable, Module } from '@nestjs/common';
import { ServiceClientsService } from '../credentials/service-clients/service-clients.service.js';
import type { VerbTask } from './verb-context.js';

/** `clients:create`: registers the client and prints its id and secret, the one time it is seen. */
@Injectable()
export class ClientsCreateTask {
  constructor(private readonly clients: ServiceClientsService) {}

  async run(name: string): Promise<void> {
    const client = await this.clients.create({ api: 'cli' }, name);
    console.log(`client_id=${client.clientId}`);
    console.log(`client_secret=${client.clientSecret}`);
  }
}

@Module({
  imports: [ServiceClientsModule],
  providers: [ClientsCreateTask],
})
class ClientsCreateModule {}

export const verb: VerbTask<ClientsCreateTask> = {
  module: ClientsCreateModule,
  task: ClientsCreateTask,
};
