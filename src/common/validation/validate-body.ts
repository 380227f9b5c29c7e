import type { Type } from '@nestjs/common';
import { createValidationPipe } from './validation.pipe.js';

const pipe = createValidationPipe();

/**
 * Validates a body against a DTO chosen at run time, exactly as the global pipe would: for a
 * route whose body depends on which API the request is for (the shared `POST /auth/login`).
 */
export async function validateBody<T extends object>(dto: Type<T>, body: unknown): Promise<T> {
  return (await pipe.transform(body, { type: 'body', metatype: dto })) as T;
}
