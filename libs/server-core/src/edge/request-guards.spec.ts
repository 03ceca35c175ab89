import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Body, Controller, Get, type INestApplication, Module, Param, Post, Query } from '@nestjs/common';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { pino } from 'pino';
import { createHttpApp, listen } from '../bootstrap.js';

class CreateThingDto {
  @IsString()
  name!: string;

  @IsOptional()
  @IsObject()
  config?: Record<string, unknown>;
}

@Controller('things')
class ThingController {
  @Get(':id')
  get(@Param('id') id: string, @Query('q') q?: string): { id: string; q: string | null } {
    return { id, q: q ?? null };
  }

  @Post()
  create(@Body() body: CreateThingDto): CreateThingDto {
    return body;
  }
}

@Module({ controllers: [ThingController] })
class ThingModule {}

const nested = (depth: number) => `{"name":"n","config":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`;

describe('the edge rule for text and nesting, over HTTP', () => {
  let app: INestApplication;
  let base: string;
  const lines: { level: number; msg?: string }[] = [];

  beforeAll(async () => {
    const logger = pino({ level: 'trace' }, { write: (line: string) => lines.push(JSON.parse(line) as never) });
    app = await createHttpApp({ module: ThingModule, logger });
    base = await listen(app, { host: '127.0.0.1', port: 0 });
  });

  afterAll(() => app.close());

  const post = async (body: string) => {
    const response = await fetch(`${base}/things`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    return {
      status: response.status,
      body: (await response.json()) as { error?: { code: string; details?: unknown } },
    };
  };
  const get = async (path: string) => {
    const response = await fetch(`${base}${path}`);
    return { status: response.status, body: (await response.json()) as { error?: { code: string } } };
  };

  it('refuses a NUL or a lone surrogate in any string of a JSON body, value or key, at any depth', async () => {
    const cases: [string, string][] = [
      ['{"name":"a\\u0000b"}', 'name'],
      ['{"name":"\\ud800"}', 'name'],
      ['{"name":"x\\udc00y"}', 'name'],
      ['{"name":"ok","config":{"list":[1,{"deep":"\\u0000"}]}}', 'config.list[1].deep'],
      ['{"name":"ok","config":{"k\\u0000":1}}', 'config["k?"]'],
      ['{"name":"ok","config":{"\\ud83d":true}}', 'config["?"]'],
    ];
    for (const [body, path] of cases) {
      expect([body, await post(body)]).toEqual([
        body,
        {
          status: 400,
          body: expect.objectContaining({
            error: expect.objectContaining({ code: 'INVALID_TEXT', details: expect.objectContaining({ path }) }),
          }),
        },
      ]);
    }
  });

  it('accepts well-formed text, surrogate pairs included', async () => {
    expect(await post('{"name":"caf\\u00e9 \\ud83d\\ude00 😀","config":{"ключ":["值"]}}')).toEqual({
      status: 201,
      body: { name: 'café 😀 😀', config: { ключ: ['值'] } },
    });
  });

  it('refuses a body nested deeper than the limit with 400 JSON_TOO_DEEP, however deep', async () => {
    for (const depth of [70, 5000, 100_000]) {
      const result = await post(nested(depth));
      expect([depth, result.status, result.body.error?.code]).toEqual([depth, 400, 'JSON_TOO_DEEP']);
    }
    expect((await post(nested(32))).status).toBe(201);
  });

  it('answers 404 for a NUL in a path parameter, and 400 for one in the query', async () => {
    expect(await get('/things/a%00b')).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
    expect(await get('/things/ok?q=a%00b')).toMatchObject({ status: 400, body: { error: { code: 'INVALID_TEXT' } } });
    expect(await get('/things/ok?q=%E2%82%AC')).toEqual({ status: 200, body: { id: 'ok', q: '€' } });
  });

  it('logs none of these client mistakes at error level', async () => {
    lines.length = 0;
    await post('{"name":"\\u0000"}');
    await post(nested(5000));
    await get('/things/a%00b');
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.filter((line) => line.level >= 50)).toEqual([]);
  });
});
