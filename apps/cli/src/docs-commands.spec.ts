import { describe, expect, it } from '@jest/globals';
import { readdirSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { main } from './main.js';

const root = new URL('../../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

/** Markdown and workflow files whose shell commands readers copy. */
const DOCUMENTS = [
  'README.md',
  'apps/cli/template/README.md',
  ...readdirSync(new URL('docs/', root))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
  ...readdirSync(new URL('docs/examples/', root)).map((name) => `docs/examples/${name}`),
];

/** Shell lines of a document: fenced sh/bash/shell blocks, or a workflow's `run:` steps; continuations joined. */
function shellLines(path: string): string[] {
  const text = read(path);
  const blocks = path.endsWith('.yml')
    ? [...text.matchAll(/^\s*run: ?\|?\n?([\s\S]*?)(?=^\s*- |^\s*$|(?![\s\S]))/gm)].map((match) => match[1]!)
    : [...text.matchAll(/^```(?:sh|bash|shell)[^\n]*\n([\s\S]*?)^```$/gm)].map((match) => match[1]!);
  return blocks.flatMap((block) =>
    block
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .map((line) => line.replace(/(^|\s)#.*$/, '').trim())
      .filter((line) => line !== ''),
  );
}

/** `extctl` invocations in a line: the words after it up to a shell operator. */
function extctlCalls(line: string): string[][] {
  const calls: string[][] = [];
  for (const match of line.matchAll(/(?:^|[\s(;|&$])extctl\s+([^|;&><)]*)/g)) {
    const words = match[1]!.match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
    calls.push(words);
  }
  return calls;
}

async function help(words: string[]): Promise<string> {
  const stdout = new PassThrough();
  let text = '';
  stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await main(['node', 'extctl', ...words, '--help'], { stdout, stderr: new PassThrough() });
  // An unknown command falls back to the global help: only a command's own usage line counts.
  if (code !== 0 || (words.length > 0 && !text.includes(`Usage: extctl ${words.join(' ')} `))) {
    throw new Error(`extctl ${words.join(' ')}: no such command`);
  }
  return text;
}

describe('commands in the documentation', () => {
  const lines = DOCUMENTS.flatMap((path) => shellLines(path).map((line) => ({ path, line })));

  it('reads shell commands from every document', () => {
    expect(lines.length).toBeGreaterThan(40);
    expect([...new Set(lines.map((entry) => entry.path))]).toEqual(
      expect.arrayContaining([
        'README.md',
        'docs/developer-guide.md',
        'docs/operations.md',
        'docs/examples/publish-extension.yml',
      ]),
    );
  });

  it('names only npm scripts that exist', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    const missing = lines.flatMap(({ path, line }) =>
      [...line.matchAll(/npm run (?:--silent )?([a-z][\w:-]*)/g)]
        .map((match) => match[1]!)
        .filter((script) => !(script in scripts))
        .map((script) => `${path}: npm run ${script}`),
    );
    expect(missing).toEqual([]);
  });

  it('uses only extctl commands and options that exist', async () => {
    const problems: string[] = [];
    const helps = new Map<string, string>();
    const global = await help([]);
    for (const { path, line } of lines) {
      for (const words of extctlCalls(line)) {
        const positional = words.filter((word) => !word.startsWith('-'));
        const command = positional[0] === 'secret' ? positional.slice(0, 2) : positional.slice(0, 1);
        const key = command.join(' ');
        if (!helps.has(key)) {
          try {
            helps.set(key, await help(command));
          } catch {
            problems.push(`${path}: extctl ${key}: no such command`);
            continue;
          }
        }
        const text = `${helps.get(key)}\n${global}`;
        for (const option of words.filter((word) => word.startsWith('-'))) {
          const name = option.split('=')[0]!;
          if (!new RegExp(`(^|[\\s,])${name.replace(/[-]/g, '\\-')}([\\s,=<\\[]|$)`, 'm').test(text)) {
            problems.push(`${path}: extctl ${key} has no option ${name} (in: ${line})`);
          }
        }
      }
    }
    expect(problems).toEqual([]);
    expect(helps.size).toBeGreaterThanOrEqual(12);
  });
});
