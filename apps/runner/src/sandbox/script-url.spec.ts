import { describe, expect, it } from '@jest/globals';
import { sandboxScriptUrl } from './script-url.js';

describe('sandboxScriptUrl', () => {
  it('uses the sibling file when running from the build output', () => {
    expect(sandboxScriptUrl('worker', 'file:///srv/app/apps/runner/dist/sandbox/sandbox.js').href).toBe(
      'file:///srv/app/apps/runner/dist/sandbox/worker.js',
    );
  });

  it('maps TypeScript sources under src/ to the build output', () => {
    expect(sandboxScriptUrl('transpile-worker', 'file:///srv/app/apps/runner/src/sandbox/sandbox.ts').href).toBe(
      'file:///srv/app/apps/runner/dist/sandbox/transpile-worker.js',
    );
  });

  it('resolves this module to the runner build output', () => {
    expect(sandboxScriptUrl('worker').pathname).toMatch(/\/apps\/runner\/dist\/sandbox\/worker\.js$/);
  });

  it('refuses a source path it cannot map', () => {
    expect(() => sandboxScriptUrl('worker', 'file:///elsewhere/sandbox.ts')).toThrow(/no \/src\//);
  });
});
