import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { consoleContentSecurityPolicy } from './console-static.js';

const NGINX_DIR = fileURLToPath(new URL('../../../docker/nginx/', import.meta.url));
const template = readFileSync(`${NGINX_DIR}console.conf.template`, 'utf8');

describe('the console Content-Security-Policy', () => {
  it('frames only the Runner, runs only its own scripts and is never framed', () => {
    expect(
      consoleContentSecurityPolicy({
        runnerPublicBase: 'https://ext-ui.example.com/base/',
        uploadOrigins: ['https://s3.example.com:9000/bucket', 'https://s3.example.com:9000'],
      }).split('; '),
    ).toEqual([
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self' https://s3.example.com:9000",
      'frame-src https://ext-ui.example.com',
      "object-src 'none'",
      "base-uri 'self'",
      "form-action 'self'",
      "frame-ancestors 'none'",
    ]);
  });

  it('is the same in the nginx image as in the embedded default', () => {
    const rendered = /set \$console_csp "([^"]+)";/
      .exec(template)?.[1]
      ?.replace('${CONSOLE_UPLOAD_ORIGINS}', 'http://localhost:9000')
      .replace('${CONSOLE_FRAME_ORIGIN}', 'http://localhost:8081');
    expect(rendered).toBe(
      consoleContentSecurityPolicy({
        runnerPublicBase: 'http://localhost:8081',
        uploadOrigins: ['http://localhost:9000'],
      }),
    );
  });

  it('is sent by every nginx location that serves the console, and not over the API', () => {
    const locations = [...template.matchAll(/^ *location (.+) \{\n([\s\S]*?)^ *\}/gm)].map(([, match, body]) => ({
      match: match!.trim(),
      headers: body!.includes('include /etc/nginx/console-security-headers.conf;'),
    }));
    const served = locations.filter((location) => !/api|healthz|readyz/.test(location.match));
    expect(served.length).toBeGreaterThanOrEqual(3);
    for (const location of locations) {
      expect([location.match, location.headers]).toEqual([location.match, served.includes(location)]);
    }
    const snippet = readFileSync(`${NGINX_DIR}console-security-headers.conf`, 'utf8');
    for (const header of ['Content-Security-Policy $console_csp', 'X-Content-Type-Options', 'Referrer-Policy']) {
      expect(snippet).toContain(`add_header ${header}`);
    }
  });
});
