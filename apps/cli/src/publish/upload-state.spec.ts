import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExitCode } from '../exit-codes.js';
import { readUploadState, statePathFor, UploadStateFile, writeFileAtomic, type UploadState } from './upload-state.js';

function fresh(): { directory: string; bundle: string; state: UploadState } {
  const directory = mkdtempSync(join(tmpdir(), 'extctl-state-'));
  const bundle = join(directory, 'ext-1.0.0.tar.zst');
  return {
    directory,
    bundle,
    state: {
      format: 1,
      uploadId: '4f0c1d5e-0000-4000-8000-000000000001',
      api: 'http://localhost:3000',
      bundle,
      contentHash: `sha256:${'a'.repeat(64)}`,
      size: 12,
      partSize: 5,
      partCount: 3,
      strategy: 'presigned-multipart',
      startedAt: '2025-01-01T00:00:00.000Z',
      parts: [],
    },
  };
}

describe('upload state file', () => {
  it('lives next to the bundle', () => {
    expect(statePathFor('dist/ext.tar.zst')).toBe('dist/ext.tar.zst.upload.json');
  });

  it('is absent until saved, then reads back as written, readable by its owner only', async () => {
    const { bundle, state } = fresh();
    const path = statePathFor(bundle);
    expect(await readUploadState(path)).toBeUndefined();
    const file = new UploadStateFile(path, state);
    await file.save();
    expect(await readUploadState(path)).toEqual(state);
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('records parts as they finish, in part order, with every concurrent save kept', async () => {
    const { bundle, state, directory } = fresh();
    const file = new UploadStateFile(statePathFor(bundle), state);
    await Promise.all([
      file.recordPart({ partNumber: 3, size: 2, etag: 'c' }),
      file.recordPart({ partNumber: 1, size: 5, etag: 'a' }),
      file.recordPart({ partNumber: 2, size: 5, etag: 'b' }),
    ]);
    const saved = await readUploadState(statePathFor(bundle));
    expect(saved?.parts.map((part) => part.partNumber)).toEqual([1, 2, 3]);
    // A part sent again (after a failed finalize check) replaces its record.
    await file.recordPart({ partNumber: 2, size: 5, etag: 'b2' });
    expect((await readUploadState(statePathFor(bundle)))?.parts).toEqual([
      { partNumber: 1, size: 5, etag: 'a' },
      { partNumber: 2, size: 5, etag: 'b2' },
      { partNumber: 3, size: 2, etag: 'c' },
    ]);
    // Atomic writes leave no temporary files behind.
    expect(readdirSync(directory)).toEqual(['ext-1.0.0.tar.zst.upload.json']);
  });

  it('is removed after the last save', async () => {
    const { bundle, state, directory } = fresh();
    const file = new UploadStateFile(statePathFor(bundle), state);
    void file.recordPart({ partNumber: 1, size: 5, etag: 'a' });
    await file.remove();
    expect(readdirSync(directory)).toEqual([]);
    await file.remove();
  });

  it('refuses a file that is not an upload state', async () => {
    const { bundle, state } = fresh();
    const path = statePathFor(bundle);
    writeFileSync(path, '{"uploadId": "x"}');
    await expect(readUploadState(path)).rejects.toMatchObject({ exitCode: ExitCode.INPUT, code: 'STATE_INVALID' });
    writeFileSync(path, 'not json');
    await expect(readUploadState(path)).rejects.toMatchObject({ code: 'STATE_INVALID' });
    writeFileSync(path, JSON.stringify({ ...state, parts: [{ partNumber: 1 }] }));
    await expect(readUploadState(path)).rejects.toMatchObject({ code: 'STATE_INVALID' });
    // The API is compared with --api on resume: it must be an http(s) URL.
    for (const api of ['localhost:3000/api', 'ftp://example.com', 'not a url']) {
      writeFileSync(path, JSON.stringify({ ...state, api }));
      await expect(readUploadState(path)).rejects.toMatchObject({ code: 'STATE_INVALID' });
    }
  });

  it('replaces a file in one step', async () => {
    const { directory } = fresh();
    const path = join(directory, 'target.json');
    writeFileSync(path, 'old');
    await writeFileAtomic(path, 'new');
    expect(readFileSync(path, 'utf8')).toBe('new');
    expect(readdirSync(directory)).toEqual(['target.json']);
  });
});
