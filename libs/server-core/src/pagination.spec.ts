import { DomainError } from './errors/domain-error.js';
import { decodeCursor, decodeTimeCursor, encodeCursor, pageOf } from './pagination.js';

function codeOf(action: () => unknown): string | undefined {
  try {
    action();
  } catch (error) {
    return error instanceof DomainError ? error.code : 'not a DomainError';
  }
  return undefined;
}

describe('keyset cursors', () => {
  it('round-trips a key, and refuses anything that is not a key of the right shape with INVALID_CURSOR', () => {
    expect(decodeCursor(encodeCursor(['acme', 'é/ü?']), 2)).toEqual(['acme', 'é/ü?']);
    for (const cursor of [
      '',
      'not base64!',
      encodeCursor(['one']),
      'e30',
      Buffer.from('[1,2]').toString('base64url'),
    ]) {
      expect({ cursor, code: codeOf(() => decodeCursor(cursor, 2)) }).toEqual({ cursor, code: 'INVALID_CURSOR' });
    }
  });

  it('checks the time and the tie-break of a time cursor before any query sees them', () => {
    const id = '0b6f4a52-3c1e-4a8e-9f55-2f1d6c7b8a90';
    const at = '2026-12-04T14:00:00.123Z';
    expect(decodeTimeCursor(encodeCursor([at, id]), 'uuid')).toEqual({ at, tieBreak: id });
    expect(decodeTimeCursor(encodeCursor([at, 'a@b.test']), 'text')).toEqual({ at, tieBreak: 'a@b.test' });
    expect(codeOf(() => decodeTimeCursor(encodeCursor([at, 'a@b.test']), 'uuid'))).toBe('INVALID_CURSOR');
    expect(codeOf(() => decodeTimeCursor(encodeCursor(['yesterday', id]), 'uuid'))).toBe('INVALID_CURSOR');
    expect(codeOf(() => decodeTimeCursor(encodeCursor(['2026-13-45T00:00:00.000Z', id]), 'uuid'))).toBe(
      'INVALID_CURSOR',
    );
  });

  it('gives a next cursor only when more rows follow the page', () => {
    const key = (row: number): string[] => [String(row)];
    expect(pageOf([1, 2, 3], 2, key, (row) => row * 10)).toEqual({ items: [10, 20], nextCursor: encodeCursor(['2']) });
    expect(pageOf([1, 2], 2, key, (row) => row)).toEqual({ items: [1, 2], nextCursor: null });
    expect(pageOf([], 2, key, (row) => row)).toEqual({ items: [], nextCursor: null });
  });
});
