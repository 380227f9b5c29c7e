import { RouteConfig } from '@nestjs/platform-fastify';
import type { FormRouteConfig } from '../common/form-body.js';

/** A form's fields as the browser sent them: text, or nothing. */
export type FormFields = Record<string, string | undefined>;

/** A form post: the HTML form body, read as text fields. */
export const FormPost = () => RouteConfig({ form: true } satisfies FormRouteConfig);

/** The text fields of a form body; anything else (no body, a JSON body's other values) is none. */
export function fieldsOf(body: unknown): FormFields {
  if (typeof body !== 'object' || body === null) return {};
  return Object.fromEntries(
    Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

/**
 * A field holding a JSON object (what a page's script put there), parsed; undefined when it is
 * missing, not JSON, or not an object.
 */
export function jsonObjectFieldOf(field: string | undefined): Record<string, unknown> | undefined {
  if (!field) return undefined;
  try {
    const value: unknown = JSON.parse(field);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}
