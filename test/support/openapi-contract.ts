import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { OpenAPIV3 } from 'openapi-types';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;

/** A response as the tests saw it: enough to hold it against the document. */
export interface ObservedResponse {
  method: string;
  /** The request target: the path, with its query if any. */
  url: string;
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body as text; undefined when there was none. */
  text: string | undefined;
}

interface DocumentedPath {
  template: string;
  pattern: RegExp;
  /** How many segments are parameters: a literal path wins over a template that matches too. */
  parameters: number;
  item: OpenAPIV3.PathItemObject;
}

/**
 * The OpenAPI document as a contract: what each operation may answer, with which headers and
 * which body. The document's own JSON pointers name each schema, so that its `$ref`s to the
 * components resolve as they are written.
 */
export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly paths: DocumentedPath[];
  private readonly validators = new Map<string, ValidateFunction>();

  constructor(document: OpenAPIV3.Document) {
    // strict: false, for the OpenAPI keywords JSON Schema does not know (example, xml, …); Ajv
    // reads OpenAPI 3.0's nullable itself.
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats.default(this.ajv);
    this.ajv.addSchema(document as object, 'openapi');
    this.paths = Object.entries(document.paths)
      .map(([template, item]) => {
        const segments = template.split('/');
        const pattern = segments
          .map((segment) =>
            /^\{[^}]+\}$/.test(segment) ? '[^/]+' : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
          )
          .join('/');
        return {
          template,
          pattern: new RegExp(`^${pattern}$`),
          parameters: segments.filter((segment) => segment.startsWith('{')).length,
          item: item!,
        };
      })
      .sort((a, b) => a.parameters - b.parameters);
  }

  /**
   * What is wrong with a response of a documented operation: an undeclared status, a required
   * header missing, a content type or body the document does not describe. Nothing for a path or
   * method the document does not have: such a request was meant to miss.
   */
  problemsOf(response: ObservedResponse): string[] {
    const method = response.method.toLowerCase() as (typeof METHODS)[number];
    const path = response.url.split('?')[0];
    const documented = this.paths.find((candidate) => candidate.pattern.test(path));
    const operation = documented?.item[method];
    if (!documented || !operation) return [];
    const name = `${method.toUpperCase()} ${documented.template}`;
    const pointer = ['paths', documented.template, method, 'responses'];
    const status = String(response.status);
    const key = [status, `${status[0]}XX`, 'default'].find((code) => operation.responses[code]);
    if (!key) {
      return [
        `${name} answered ${status}, which it does not declare (it declares ${Object.keys(operation.responses).join(', ')}): ${response.text?.slice(0, 200) ?? ''}`,
      ];
    }
    const answer = operation.responses[key] as OpenAPIV3.ResponseObject;
    const problems = Object.entries(answer.headers ?? {})
      .filter(([, declared]) => (declared as OpenAPIV3.HeaderObject).required)
      .filter(([header]) => response.headers[header.toLowerCase()] === undefined)
      .map(([header]) => `${name} ${status} has no ${header} header, which it declares required`);
    if (!answer.content || response.text === undefined || response.text === '') return problems;
    const contentType = String(response.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    const mediaType = [contentType, `${contentType.split('/')[0]}/*`, '*/*'].find(
      (candidate) => answer.content![candidate],
    );
    if (!mediaType) {
      return [
        ...problems,
        `${name} ${status} answered ${contentType || 'no content type'}, which it does not declare (it declares ${Object.keys(answer.content).join(', ')})`,
      ];
    }
    if (!answer.content[mediaType].schema) return problems;
    let body: unknown = response.text;
    if (/[/+]json$/.test(contentType)) {
      try {
        body = JSON.parse(response.text);
      } catch {
        return [...problems, `${name} ${status} ${contentType} body is not JSON`];
      }
    }
    const validate = this.validatorFor([...pointer, key, 'content', mediaType, 'schema']);
    if (validate(body)) return problems;
    return [
      ...problems,
      ...(validate.errors ?? []).map(
        (error) =>
          `${name} ${status} ${contentType} body${error.instancePath || ' itself'} ${error.message} (schema ${error.schemaPath}): ${JSON.stringify(body).slice(0, 300)}`,
      ),
    ];
  }

  private validatorFor(pointer: string[]): ValidateFunction {
    const ref = `openapi#/${pointer.map((part) => encodeURIComponent(part.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/')}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.compile({ $ref: ref });
      this.validators.set(ref, validate);
    }
    return validate;
  }
}

const contracts = new Map<string, OpenApiContract>();

/** One contract per distinct document, however many apps serve it. */
export function contractOf(document: OpenAPIV3.Document): OpenApiContract {
  const key = JSON.stringify(document);
  let contract = contracts.get(key);
  if (!contract) {
    contract = new OpenApiContract(document);
    contracts.set(key, contract);
  }
  return contract;
}

/** Fails, naming each problem, when a response is not what the document says. */
export function expectDocumented(contract: OpenApiContract, response: ObservedResponse): void {
  const problems = contract.problemsOf(response);
  if (problems.length > 0) {
    throw new Error(
      `The OpenAPI document does not describe this answer to ${response.method} ${response.url}:\n  ${problems.join('\n  ')}`,
    );
  }
}
