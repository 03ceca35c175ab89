import type { components, paths } from './generated/openapi.js';

export type { components, operations, paths } from './generated/openapi.js';

/** A named schema of the document, e.g. `Schema<'VersionDetailDto'>`. */
export type Schema<Name extends keyof components['schemas']> = components['schemas'][Name];

type Operation<Path extends keyof paths, Method extends keyof paths[Path]> = paths[Path][Method];

type JsonContent<Response> = Response extends { content: { 'application/json': infer Body } } ? Body : never;

type Responses<Path extends keyof paths, Method extends keyof paths[Path]> =
  Operation<Path, Method> extends { responses: infer R } ? R : never;

/** The JSON body of an operation's 2xx answer (`never` while the document does not describe it). */
export type SuccessBody<Path extends keyof paths, Method extends keyof paths[Path]> = {
  [Status in keyof Responses<Path, Method>]: Status extends 200 | 201 | 202
    ? JsonContent<Responses<Path, Method>[Status]>
    : never;
}[keyof Responses<Path, Method>];

/** The JSON request body of an operation. */
export type RequestBody<Path extends keyof paths, Method extends keyof paths[Path]> =
  Operation<Path, Method> extends { requestBody?: infer Body } ? JsonContent<NonNullable<Body>> : never;

/** The query parameters of an operation. */
export type QueryParams<Path extends keyof paths, Method extends keyof paths[Path]> =
  Operation<Path, Method> extends { parameters: { query?: infer Query } } ? NonNullable<Query> : never;

export type HttpMethod = 'get' | 'put' | 'post' | 'patch' | 'delete';

/** The paths that have an operation for `Method`, e.g. `PathsWith<'post'>`. */
export type PathsWith<Method extends HttpMethod> = {
  [Path in keyof paths]: paths[Path][Method] extends undefined ? never : Path;
}[keyof paths];

/** The `{name}` parameters of an operation's path. */
export type PathParams<Path extends keyof paths, Method extends keyof paths[Path]> =
  Operation<Path, Method> extends { parameters: { path?: infer Params } } ? NonNullable<Params> : never;

/**
 * A documented path with its `{name}` parameters filled in, each URL-encoded:
 * `fillPath('/api/installs/{installId}', { installId })`.
 */
export function fillPath(path: keyof paths, params: Record<string, string> = {}): string {
  return path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${path} needs the parameter ${name}`);
    return encodeURIComponent(value);
  });
}
