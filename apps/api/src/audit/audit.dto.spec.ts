import { describe, expect, it } from '@jest/globals';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ListAuditEventsQueryDto } from './audit.dto.js';

async function problems(query: Record<string, string>): Promise<string[]> {
  const errors = await validate(plainToInstance(ListAuditEventsQueryDto, query), { forbidUnknownValues: true });
  return errors.map((error) => error.property).sort();
}

describe('GET /api/audit query', () => {
  it('accepts a full, valid query and converts the limit', async () => {
    const query = {
      limit: '200',
      cursor: '1234',
      type: 'upload.expire',
      subject: 'upload:',
      since: '2025-11-27T10:00:00Z',
      tenantId: '0f5b8a7e-6c1d-4b8e-9f3a-2d7c6b5a4e3f',
    };
    expect(await problems(query)).toEqual([]);
    expect(plainToInstance(ListAuditEventsQueryDto, query).limit).toBe(200);
  });

  it('refuses pages over 200, cursors that are not sequence numbers, unknown types, bad instants and ids', async () => {
    expect(await problems({ limit: '201' })).toEqual(['limit']);
    expect(await problems({ limit: '0' })).toEqual(['limit']);
    expect(await problems({ cursor: '0' })).toEqual(['cursor']);
    expect(await problems({ cursor: '12; DROP TABLE' })).toEqual(['cursor']);
    expect(await problems({ type: 'upload.explode' })).toEqual(['type']);
    expect(await problems({ since: 'yesterday' })).toEqual(['since']);
    expect(await problems({ tenantId: 'acme' })).toEqual(['tenantId']);
  });
});
