import type { ObjectLiteral, Repository } from 'typeorm';

/** Rows one purge statement deletes at most, so that no statement holds its locks for long. */
export const PURGE_BATCH_SIZE = 1_000;

/**
 * Deletes every row matching `condition` (SQL over the table's unqualified, quoted column names),
 * a batch at a time, and returns how many went. Each batch re-checks the condition as it deletes,
 * so a row that stopped matching meanwhile stays, and instances purging at once only share the
 * work: a row another one deleted first is simply not counted twice.
 */
export async function deleteInBatches<Entity extends ObjectLiteral>(
  repository: Repository<Entity>,
  condition: string,
  parameters: ObjectLiteral,
  batchSize = PURGE_BATCH_SIZE,
): Promise<number> {
  const keys = repository.metadata.primaryColumns.map((column) => `row.${column.propertyName}`);
  let deleted = 0;
  for (;;) {
    const batch = await repository
      .createQueryBuilder('row')
      .select(keys)
      .where(condition, parameters)
      .limit(batchSize)
      .getMany();
    if (batch.length === 0) return deleted;
    const { affected } = await repository
      .createQueryBuilder()
      .delete()
      .whereInIds(batch.map((row) => repository.metadata.getEntityIdMap(row)))
      .andWhere(condition, parameters)
      .execute();
    deleted += affected ?? 0;
    if (batch.length < batchSize) return deleted;
  }
}
