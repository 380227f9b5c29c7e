import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config.js';
import { databaseStartError, openDatabase } from './database-start.js';
import { dataSourceOptions } from './data-source-options.js';
import { runMigrations } from './migration-runner.js';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        try {
          return {
            ...dataSourceOptions(config.databaseUrl),
            // Each module registers its entities (TypeOrmModule.forFeature): the database names none.
            autoLoadEntities: true,
            // openDatabase retries what waiting can fix, in a line each; TypeORM's own retries
            // would log every failure with its stack trace.
            toRetry: () => false,
          };
        } catch (error) {
          // An SQLite directory that cannot be made.
          throw databaseStartError(config.databaseUrl, error);
        }
      },
      dataSourceFactory: async (options) => {
        const dataSource = await openDatabase(options!);
        await runMigrations(dataSource);
        return dataSource;
      },
    }),
  ],
})
export class DatabaseModule {}
