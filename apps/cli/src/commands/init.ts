import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateManifest } from '@extplat/bundle';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';

const TEMPLATE_DIR = fileURLToPath(new URL('../../template', import.meta.url));
/** Template files and where they go; `gitignore` is renamed because npm drops `.gitignore` from packages. */
const TEMPLATE_FILES: [source: string, target: string][] = [
  ['src/handler.js', 'src/handler.js'],
  ['ui/index.html', 'ui/index.html'],
  ['ui/app.js', 'ui/app.js'],
  ['ui/style.css', 'ui/style.css'],
  ['README.md', 'README.md'],
  ['gitignore', '.gitignore'],
];

export interface InitOptions {
  name?: string;
  publisher: string;
  displayName?: string;
}

/** The template's manifest: three endpoints, an iframe UI, a config schema with two settings, one declared secret. */
export function templateManifest(name: string, publisher: string, displayName: string): Record<string, unknown> {
  return {
    manifestVersion: 2,
    name,
    publisher,
    version: '0.1.0',
    displayName,
    description: 'Created with extctl init.',
    runtime: 'wasm-component@1',
    entry: 'dist/main.wasm',
    capabilities: ['cap:log.emit', 'cap:context.read', 'cap:secrets.get', 'cap:http.fetch'],
    egress: [],
    ui: { type: 'iframe', entry: 'ui/index.html', hooks: { appMenu: { label: displayName } } },
    api: {
      endpoints: [
        { method: 'GET', path: '/greeting', handler: 'greeting' },
        { method: 'GET', path: '/secret-status', handler: 'secretStatus' },
        { method: 'GET', path: '/upstream', handler: 'upstream' },
      ],
    },
    config: {
      type: 'object',
      properties: {
        greeting: { type: 'string', maxLength: 100, default: 'Hello' },
        upstreamUrl: { type: 'string', maxLength: 2000, description: 'URL that GET /upstream calls' },
      },
      additionalProperties: false,
    },
    // The name src/handler.js reads: declared, so the console asks for it and a misspelt name is refused.
    secrets: [
      {
        name: 'api-token',
        title: 'API token',
        description: 'Read by GET /secret-status; the handler only reports whether it is set.',
        required: false,
      },
    ],
  };
}

export async function initExtension(
  directory: string,
  options: InitOptions,
): Promise<{ directory: string; name: string; files: string[] }> {
  const target = resolve(directory);
  if (existsSync(target) && (await readdir(target)).length > 0) {
    throw new CliError(
      ExitCode.EXISTS,
      `${directory} exists and is not empty; choose a new directory`,
      'TARGET_EXISTS',
    );
  }
  const slug =
    basename(target)
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'extension';
  const name = options.name ?? `com.${options.publisher}.${slug}`;
  const displayName =
    options.displayName ??
    slug.replace(/(^|-)([a-z0-9])/g, (_m, dash: string, char: string) => `${dash ? ' ' : ''}${char.toUpperCase()}`);
  const manifest = templateManifest(name, options.publisher, displayName);
  const checked = validateManifest(manifest);
  if (!checked.ok) {
    throw new CliError(
      ExitCode.USAGE,
      checked.issues
        .map(
          (issue) =>
            `${issue.path === 'name' ? '--name' : issue.path === 'publisher' ? '--publisher' : issue.path}: ${issue.message}`,
        )
        .join('; '),
      'INVALID_OPTION',
    );
  }
  const written: string[] = [];
  for (const [source, destination] of TEMPLATE_FILES) {
    const text = (await readFile(join(TEMPLATE_DIR, source), 'utf8'))
      // Formatters like to write {{ displayName }}: accept the spaces.
      .replace(/\{\{\s*displayName\s*\}\}/g, () => displayName)
      .replace(/\{\{\s*publisher\s*\}\}/g, () => options.publisher)
      .replace(/\{\{\s*name\s*\}\}/g, () => name);
    await mkdir(join(target, destination, '..'), { recursive: true });
    await writeFile(join(target, destination), text, { flag: 'wx' });
    written.push(destination);
  }
  await writeFile(join(target, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`, { flag: 'wx' });
  written.push('manifest.json');
  return { directory: target, name, files: written.sort() };
}

export function registerInit(program: Command, output: Output): void {
  program
    .command('init')
    .description('create a new extension from the template (handler with three endpoints, iframe UI)')
    .argument('<dir>', 'directory to create (must not exist, or be empty)')
    .option('--name <id>', 'extension id, reverse-DNS (default: com.<publisher>.<dir>)')
    .option('--publisher <id>', 'publisher id; must match the signing certificate CN', 'example')
    .option('--display-name <text>', 'name shown in the console')
    .action(async (dir: string, options: { name?: string; publisher: string; displayName?: string }) => {
      const result = await initExtension(dir, options);
      const where = relative(process.cwd(), result.directory) || '.';
      output.result(
        { ...result },
        [
          `Created ${result.name} in ${where}:`,
          ...result.files.map((file) => `  ${file}`),
          '',
          'Next:',
          `  cd ${where}`,
          '  extctl build',
          '  extctl pack . -o bundle.tar.zst',
        ].join('\n'),
      );
    });
}
