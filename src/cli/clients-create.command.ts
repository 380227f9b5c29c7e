import { Command, CommandRunner } from 'nest-commander';
import { runVerb } from './verb-context.js';

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
  async run([name]: string[]): Promise<void> {
    const error = await clientNameError(name);
    if (error) this.command.error(error);
    await runVerb(
      async () => (await import('./clients-create.task.js')).verb,
      (task) => task.run(name),
    );
  }
}

/**
 * What is wrong with the name under the admin route's rules, or null when nothing is: a usage
 * error, found before anything boots (the rules' classes alone are loaded).
 */
async function clientNameError(name: string): Promise<string | null> {
  const [{ plainToInstance }, { validateSync }, { CreateServiceClientDto }] = await Promise.all([
    import('class-transformer'),
    import('class-validator'),
    import('../credentials/service-clients/dto/service-client.dto.js'),
  ]);
  const [error] = validateSync(plainToInstance(CreateServiceClientDto, { name }));
  return error ? (Object.values(error.constraints ?? {})[0] ?? 'invalid name') : null;
}
