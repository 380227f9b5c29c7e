import type { DynamicModule, Type } from '@nestjs/common';

/** What a verb's task file exports: the Nest module of its task, and the task's class. */
export interface VerbTask<T> {
  module: Type<unknown>;
  task: Type<T>;
}

/**
 * Boots what one verb needs and runs `work` with its task: the configuration, read here and not
 * before, so that `--help` and a usage error answer whatever the environment holds; then an
 * application context of the verb's modules alone (no HTTP server, no other API). The context
 * closes when the work is done or has failed.
 */
export async function runVerb<T>(
  load: () => Promise<VerbTask<T>>,
  work: (task: T) => Promise<void>,
): Promise<void> {
  // A bad value stops the verb before its modules load. A verb runs once and ends: the purge
  // schedule is the server's, never the command line's.
  const { appConfigFromEnvironment } = await import('../config/app-config.js');
  const config = appConfigFromEnvironment({ PURGE_INTERVAL_SECONDS: '0' });
  const [{ NestFactory }, { VerbModule }, { module, task }] = await Promise.all([
    import('@nestjs/core'),
    import('./verb.module.js'),
    load(),
  ]);
  const root: DynamicModule = VerbModule.forTask(config, module);
  // abortOnError off: a failure to boot (the database out of reach) is an error to report in one
  // line, not a reason for Nest to abort the process.
  const context = await NestFactory.createApplicationContext(root, {
    logger: false,
    abortOnError: false,
  });
  try {
    await work(context.get(task));
  } finally {
    await context.close();
  }
}
