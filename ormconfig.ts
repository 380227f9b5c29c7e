import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config.js';
import { loadDotEnv } from './src/config/environment.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

loadDotEnv();

/** The DataSource of the TypeORM CLI (`npm run migration:run`): the app's own options. */
export default new DataSource(dataSourceOptions(loadAppConfig(process.env).databaseUrl));
