import { inject, Injectable } from '@angular/core';
import { HttpClient } from '@angular/common/http';
import { firstValueFrom } from 'rxjs';
import {
  fillPath,
  type HttpMethod,
  type PathParams,
  type PathsWith,
  type QueryParams,
  type RequestBody,
  type SuccessBody,
} from '@extplat/api-client';

interface ApiRequest<Path extends PathsWith<Method>, Method extends HttpMethod> {
  path?: PathParams<Path, Method>;
  query?: QueryParams<Path, Method>;
  body?: RequestBody<Path, Method>;
}

/**
 * The console's calls to the API: paths, parameters, bodies and answers typed by the client generated from
 * the OpenAPI document (`@extplat/api-client`), sent through Angular's HttpClient so the auth interceptor,
 * XHR upload progress and HttpTestingController keep working. Failures stay HttpErrorResponse;
 * `ApiError.from` turns them into typed errors.
 */
@Injectable({ providedIn: 'root' })
export class ApiHttp {
  private readonly http = inject(HttpClient);

  get<Path extends PathsWith<'get'>>(
    path: Path,
    request: ApiRequest<Path, 'get'> = {},
  ): Promise<SuccessBody<Path, 'get'>> {
    return this.send('GET', path, request);
  }

  post<Path extends PathsWith<'post'>>(
    path: Path,
    request: ApiRequest<Path, 'post'> = {},
  ): Promise<SuccessBody<Path, 'post'>> {
    return this.send('POST', path, request);
  }

  put<Path extends PathsWith<'put'>>(
    path: Path,
    request: ApiRequest<Path, 'put'> = {},
  ): Promise<SuccessBody<Path, 'put'>> {
    return this.send('PUT', path, request);
  }

  patch<Path extends PathsWith<'patch'>>(
    path: Path,
    request: ApiRequest<Path, 'patch'> = {},
  ): Promise<SuccessBody<Path, 'patch'>> {
    return this.send('PATCH', path, request);
  }

  delete<Path extends PathsWith<'delete'>>(
    path: Path,
    request: ApiRequest<Path, 'delete'> = {},
  ): Promise<SuccessBody<Path, 'delete'>> {
    return this.send('DELETE', path, request);
  }

  private send<Body>(
    method: string,
    path: PathsWith<HttpMethod>,
    request: { path?: object; query?: object; body?: unknown },
  ): Promise<Body> {
    let url: string;
    try {
      url = fillPath(path, request.path as Record<string, string> | undefined);
    } catch (error) {
      // A path missing a parameter rejects like any other failure instead of throwing.
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    return firstValueFrom(this.http.request<Body>(method, url, { params: queryOf(request.query), body: request.body }));
  }
}

/** Query parameters for HttpParams: the ones left undefined are not sent. */
function queryOf(query: object | undefined): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(query ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') params[name] = value;
  }
  return params;
}
