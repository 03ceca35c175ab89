import { describe, expect, it } from '@jest/globals';
import type { ManifestV2 } from '@extplat/bundle';
import { parseUiRequestPath, resolveUiPath } from './ui-path.js';

const info = { size: 1, sha256: '0'.repeat(64) };
function bundleWith(uiEntry: string | undefined, paths: string[]) {
  const manifest = {
    name: 'com.example.tickets',
    publisher: 'example',
    version: '1.0.0',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    capabilities: [],
    egress: [],
    api: { endpoints: [] },
    ...(uiEntry ? { ui: { type: 'iframe', entry: uiEntry } } : {}),
  } as ManifestV2;
  const files = new Map(['manifest.json', 'dist/main.wasm', ...paths].map((path) => [path, info]));
  return { manifest, files };
}

describe('parseUiRequestPath', () => {
  it('decodes ordinary paths segment by segment', () => {
    expect(parseUiRequestPath('')).toEqual({ segments: [], directory: true });
    expect(parseUiRequestPath('app.js')).toEqual({ segments: ['app.js'], directory: false });
    expect(parseUiRequestPath('assets/my%20logo.png')).toEqual({
      segments: ['assets', 'my logo.png'],
      directory: false,
    });
    expect(parseUiRequestPath('caf%C3%A9/')).toEqual({ segments: ['café'], directory: true });
  });

  it.each([
    '..',
    '../x.js',
    'a/../x.js',
    '.',
    './x.js',
    '.env',
    '.git/config',
    '%2e%2e/x.js',
    '%2E%2E/x.js',
    '.%2e/x.js',
    'app%2ejs',
    'a%2fb.js',
    'a%2Fb.js',
    'a%5cb.js',
    'a%5Cb.js',
    'a\\b.js',
    'a%00.js',
    'a%0a.js',
    'a//b.js',
    '/a.js',
    'a%zz.js',
    'a%.js',
    '%ff.js',
  ])('refuses %j', (raw) => {
    expect(parseUiRequestPath(raw)).toBeNull();
  });
});

describe('resolveUiPath', () => {
  const bundle = bundleWith('ui/index.html', ['ui/index.html', 'ui/app.js', 'ui/assets/logo.png', 'secret.txt']);

  it('resolves paths relative to the folder of the UI entry', () => {
    expect(resolveUiPath(bundle, 'index.html')).toBe('ui/index.html');
    expect(resolveUiPath(bundle, 'app.js')).toBe('ui/app.js');
    expect(resolveUiPath(bundle, 'assets/logo.png')).toBe('ui/assets/logo.png');
  });

  it('falls back to the entry for the empty path, directories and extension-less routes', () => {
    for (const raw of ['', 'settings', 'tickets/42', 'assets/', 'ui'])
      expect(resolveUiPath(bundle, raw)).toBe('ui/index.html');
  });

  it('serves nothing outside the UI folder and nothing missing with an extension', () => {
    for (const raw of ['missing.js', 'manifest.json', 'secret.txt', 'dist/main.wasm', '../secret.txt', 'ui/app.js']) {
      expect(resolveUiPath(bundle, raw)).toBeNull();
    }
  });

  it('hides the manifest and the component when the UI lives at the bundle root', () => {
    const root = bundleWith('index.html', ['index.html', 'main.js']);
    expect(resolveUiPath(root, 'main.js')).toBe('main.js');
    expect(resolveUiPath(root, 'manifest.json')).toBeNull();
    expect(resolveUiPath(root, 'dist/main.wasm')).toBeNull();
  });

  it('serves nothing of a bundle without a UI', () => {
    const headless = bundleWith(undefined, ['ui/index.html']);
    expect(resolveUiPath(headless, '')).toBeNull();
    expect(resolveUiPath(headless, 'index.html')).toBeNull();
  });
});
