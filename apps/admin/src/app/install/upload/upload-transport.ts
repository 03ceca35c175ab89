import { inject, Injectable } from '@angular/core';
import { HttpClient, HttpEventType, type HttpEvent } from '@angular/common/http';
import { type Observable } from 'rxjs';
import {
  fillPath,
  type FinalizeResponse,
  type InitiateUploadResponse,
  type PresignedPart,
  type UploadStatus,
} from '@extplat/api-client';
import { ApiHttp } from '../../core/api-http';

/** Request headers a browser sets itself and refuses from scripts (the body fixes Content-Length). */
const BROWSER_MANAGED_HEADERS = new Set(['content-length', 'host']);

/** The calls an upload makes: the API's `/api/ext-bundles` routes and part PUTs straight to S3. */
export interface UploadTransport {
  initiate(request: { filename: string; size: number; sha256: string }): Promise<InitiateUploadResponse>;
  status(uploadId: string): Promise<UploadStatus>;
  presign(uploadId: string, partNumbers: number[]): Promise<PresignedPart[]>;
  putPresigned(
    part: PresignedPart,
    body: Blob,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<void>;
  putProxy(
    uploadId: string,
    partNumber: number,
    body: Blob,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<void>;
  finalize(request: { uploadId: string; sha256: string; signature?: string }): Promise<FinalizeResponse>;
  abort(uploadId: string): Promise<void>;
}

@Injectable({ providedIn: 'root' })
export class HttpUploadTransport implements UploadTransport {
  private readonly http = inject(HttpClient);
  private readonly api = inject(ApiHttp);

  initiate(request: { filename: string; size: number; sha256: string }): Promise<InitiateUploadResponse> {
    return this.api.post('/api/ext-bundles/initiate-upload', { body: { ...request, contentType: 'application/zstd' } });
  }

  status(uploadId: string): Promise<UploadStatus> {
    return this.api.get('/api/ext-bundles/uploads/{uploadId}', { path: { uploadId } });
  }

  async presign(uploadId: string, partNumbers: number[]): Promise<PresignedPart[]> {
    const response = await this.api.post('/api/ext-bundles/uploads/{uploadId}/parts', {
      path: { uploadId },
      body: { partNumbers },
    });
    return response.parts;
  }

  putPresigned(
    part: PresignedPart,
    body: Blob,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const headers = Object.fromEntries(
      Object.entries(part.headers).filter(([name]) => !BROWSER_MANAGED_HEADERS.has(name.toLowerCase())),
    );
    return track(
      this.http.request('PUT', part.url, {
        body,
        headers,
        reportProgress: true,
        observe: 'events',
        responseType: 'text',
      }),
      onProgress,
      signal,
    );
  }

  putProxy(
    uploadId: string,
    partNumber: number,
    body: Blob,
    onProgress: (loaded: number) => void,
    signal: AbortSignal,
  ): Promise<void> {
    return track(
      // Sent by HttpClient itself, not ApiHttp: only it reports upload progress events.
      this.http.request('PUT', fillPath('/api/ext-bundles/upload-proxy'), {
        body,
        params: { uploadId, partNumber },
        headers: { 'content-type': 'application/octet-stream' },
        reportProgress: true,
        observe: 'events',
        responseType: 'text',
      }),
      onProgress,
      signal,
    );
  }

  finalize(request: { uploadId: string; sha256: string; signature?: string }): Promise<FinalizeResponse> {
    return this.api.post('/api/ext-bundles/finalize', { body: request });
  }

  async abort(uploadId: string): Promise<void> {
    await this.api.post('/api/ext-bundles/abort', { body: { uploadId } });
  }
}

/** Runs a PUT, reporting upload progress; aborting the signal cancels the request (XHR abort). */
function track(
  events: Observable<HttpEvent<string>>,
  onProgress: (loaded: number) => void,
  signal: AbortSignal,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal.aborted) {
      reject(new DOMException('Part cancelled', 'AbortError'));
      return;
    }
    const subscription = events.subscribe({
      next: (event) => {
        if (event.type === HttpEventType.UploadProgress) onProgress(event.loaded);
        if (event.type === HttpEventType.Response) resolve();
      },
      error: (error: unknown) => {
        signal.removeEventListener('abort', cancel);
        // HttpClient fails with HttpErrorResponse (not an Error); ApiError.from reads it.
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
        reject(error);
      },
      complete: () => signal.removeEventListener('abort', cancel),
    });
    function cancel(): void {
      subscription.unsubscribe();
      reject(new DOMException('Part cancelled', 'AbortError'));
    }
    signal.addEventListener('abort', cancel, { once: true });
  });
}
