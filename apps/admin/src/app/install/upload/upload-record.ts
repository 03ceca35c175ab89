import type { UploadStrategy } from '@extplat/api-client';

/** Which file an upload carries: enough to recognise it when the user picks it again after a reload. */
export interface FileIdentity {
  name: string;
  size: number;
  lastModified: number;
  contentHash: string;
}

/** An upload in progress, kept in localStorage so a reload or a lost connection can resume it. */
export interface UploadRecord {
  uploadId: string;
  strategy: UploadStrategy;
  partSize: number;
  partCount: number;
  file: FileIdentity;
  /** The .sig file's text (a few KiB): kept so only the bundle has to be picked again. */
  signature?: string;
  signatureName?: string;
  startedAt: string;
}

const RECORD_KEY = 'extplat.upload.pending';
const LIMIT_KEY = 'extplat.upload.maxBytes';

export const uploadRecords = {
  load(): UploadRecord | null {
    try {
      const value = JSON.parse(localStorage.getItem(RECORD_KEY) ?? 'null') as UploadRecord | null;
      return value && typeof value.uploadId === 'string' && value.file ? value : null;
    } catch {
      return null;
    }
  },
  save(record: UploadRecord): void {
    localStorage.setItem(RECORD_KEY, JSON.stringify(record));
  },
  clear(): void {
    localStorage.removeItem(RECORD_KEY);
  },
  /** The size limit the server last announced, to refuse an oversize file before hashing it. */
  knownLimit(): number | null {
    const value = Number(localStorage.getItem(LIMIT_KEY));
    return Number.isFinite(value) && value > 0 ? value : null;
  },
  rememberLimit(maxBytes: number): void {
    localStorage.setItem(LIMIT_KEY, String(maxBytes));
  },
};
