import { Logger } from 'nestjs-pino';
import { StartupError } from '../errors/startup-error.js';

/**
 * Nest's own classes that log each module, controller and route as the app is built (about 150
 * lines a start): at debug, so that a start at info says only what an operator acts on.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Nest's logger on the root pino logger (nestjs-pino), with two departures: the framework's
 * start-up lines go to debug, and a StartupError is not logged, since main.ts prints it as the
 * one line of the failed start (Nest's exception zone would log it again, with its stack).
 */
export class NestLogger extends Logger {
  override log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context)) {
      super.debug(message, ...optionalParams);
    } else {
      super.log(message, ...optionalParams);
    }
  }

  override error(message: unknown, ...optionalParams: unknown[]): void {
    if (message instanceof StartupError) return;
    super.error(message, ...optionalParams);
  }
}
