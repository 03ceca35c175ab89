import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, type INestApplication, Module, Post } from '@nestjs/common';
import { IsInt, IsString, Max, ValidateNested } from 'class-validator';
import { Type } from 'class-transformer';
import { StorageError } from '@extplat/storage';
import { createHttpApp, listen } from '../bootstrap.js';
import { createRootLogger } from '../logging/index.js';
import { ERROR_CATALOG } from '@extplat/contracts';
import { DomainError, defineErrorCodes, registeredErrorCodes, statusForCode } from './domain-error.js';

// Two codes of the catalog, standing in for a feature module's own.
const TestErrors = defineErrorCodes(['TENANT_SLUG_TAKEN', 'BUNDLE_TOO_LARGE']);

class SizeDto {
  @IsInt()
  @Max(10)
  bytes!: number;
}

class CreateWidgetDto {
  @IsString()
  name!: string;

  @ValidateNested()
  @Type(() => SizeDto)
  size!: SizeDto;
}

@Controller('widgets')
class WidgetController {
  @Get('taken')
  taken(): never {
    throw new DomainError(TestErrors.TENANT_SLUG_TAKEN, 'A widget with that name exists', { name: 'w1' });
  }

  @Get('store-down')
  storeDown(): never {
    throw new StorageError('UNAVAILABLE', 'connect ECONNREFUSED 10.0.0.7:9000');
  }

  @Get('bug')
  bug(): never {
    throw new Error('secret internal detail');
  }

  @Post()
  create(@Body() body: CreateWidgetDto): CreateWidgetDto {
    return body;
  }
}

@Module({ controllers: [WidgetController] })
class WidgetModule {}

describe('errors over HTTP', () => {
  let app: INestApplication;
  let base: string;

  beforeAll(async () => {
    app = await createHttpApp({ module: WidgetModule, logger: createRootLogger({ level: 'silent', service: 'test' }) });
    base = await listen(app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(() => app.close());

  const get = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, { ...init, headers: { 'x-request-id': 'r-1', ...init?.headers } });
    return {
      status: response.status,
      body: await response.json(),
      cache: response.headers.get('cache-control'),
    };
  };

  it('maps a domain error to its declared status and the standard body', async () => {
    expect(await get('/widgets/taken')).toEqual({
      status: 409,
      cache: 'no-store',
      body: {
        error: { code: 'TENANT_SLUG_TAKEN', message: 'A widget with that name exists', details: { name: 'w1' } },
        requestId: 'r-1',
      },
    });
  });

  it('answers 503 when the bundle store is unreachable, without its address', async () => {
    const result = await get('/widgets/store-down');
    expect(result.status).toBe(503);
    expect(JSON.stringify(result.body)).not.toContain('10.0.0.7');
    expect(result.body).toMatchObject({ error: { code: 'SERVICE_UNAVAILABLE' } });
  });

  it('hides unexpected errors behind INTERNAL_ERROR', async () => {
    const result = await get('/widgets/bug');
    expect(result.status).toBe(500);
    expect(JSON.stringify(result.body)).not.toContain('secret internal detail');
    expect(result.body).toMatchObject({ error: { code: 'INTERNAL_ERROR' }, requestId: 'r-1' });
  });

  it('lists every validation issue by path and refuses unknown properties', async () => {
    const result = await get('/widgets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ size: { bytes: 11 }, colour: 'red' }),
    });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: { code: 'VALIDATION_FAILED' } });
    const issues = (result.body as { error: { details: { issues: { path: string }[] } } }).error.details.issues;
    expect(issues.map((issue) => issue.path).sort()).toEqual(['colour', 'name', 'size.bytes']);
  });

  it('answers malformed JSON with a 400 in the standard body', async () => {
    const result = await get('/widgets', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"name":',
    });
    expect(result.status).toBe(400);
    expect(result.body).toMatchObject({ error: { code: 'BAD_REQUEST' }, requestId: 'r-1' });
  });

  it('refuses a code missing from the catalog, and takes statuses from it', () => {
    // The types refuse it too; a caller that casts its way past them still fails at module load.
    expect(() => defineErrorCodes(['WIDGET_EXISTS' as 'CONFLICT'])).toThrow(/not in the error catalog/);
    expect(statusForCode('WIDGET_EXISTS')).toBeUndefined();
    expect(statusForCode(TestErrors.BUNDLE_TOO_LARGE)).toBe(ERROR_CATALOG.BUNDLE_TOO_LARGE.status);
    expect(registeredErrorCodes()).toEqual(expect.arrayContaining(['BAD_REQUEST', 'TENANT_SLUG_TAKEN']));
    expect(registeredErrorCodes()).not.toContain('WIDGET_EXISTS');
  });
});

describe('registeredErrorCodes', () => {
  it('lists every declared code once, sorted (the OpenAPI enum is made from it)', () => {
    defineErrorCodes(['VERSION_NOT_FOUND', 'EXTENSION_NOT_FOUND']);
    const codes = registeredErrorCodes();
    expect(codes).toEqual(expect.arrayContaining(['VERSION_NOT_FOUND', 'EXTENSION_NOT_FOUND', 'INVALID_CURSOR']));
    expect(codes).toEqual([...codes].sort());
    expect(new Set(codes).size).toBe(codes.length);
    expect(statusForCode('INVALID_CURSOR')).toBe(400);
  });
});
