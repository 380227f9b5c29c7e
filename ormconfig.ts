import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config.js';
import { loadDotEnv } from './src/config/environment.js';
import { dataSourceOptions } from './src/database/data-source-options.js';
import { entities } from './src/entities.js';

loadDotEnv();

/**
 * The DataSource of the TypeORM CLI, for writing migrations (`typeorm migration:generate -d
 * dist/ormconfig.js`): the app's own options. Migrations are applied by `npm run migration:run`,
 * which is the `migrations:run` verb and takes the same lock as the server's start; the TypeORM
 * CLI's own `migration:run` would take none.
 */
export default new DataSource(dataSourceOptions(loadAppConfig(process.env).databaseUrl, entities));
