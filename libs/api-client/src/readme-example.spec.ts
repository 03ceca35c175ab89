import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** The README's TypeScript blocks, joined into one module (the example is one program, in steps). */
function readmeExample(): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]!);
  return blocks.join('\n');
}

/** Type errors of `source` as a module beside this file, compiled with the repository's strict settings. */
function typeErrors(source: string): string[] {
  const configPath = join(root, 'tsconfig.json');
  const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, root);
  const fileName = join(here, '__readme_example__.ts');
  const host = ts.createCompilerHost({ ...options, noEmit: true });
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.fileExists = (path) => path === fileName || ts.sys.fileExists(path);
  host.readFile = (path) => (path === fileName ? source : readFile(path));
  host.getSourceFile = (path, language) =>
    path === fileName ? ts.createSourceFile(path, source, language, true) : getSourceFile(path, language);
  const program = ts.createProgram([fileName], { ...options, noEmit: true }, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file?.fileName === fileName)
    .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
}

describe('the README example', () => {
  it('typechecks under strict against the generated client', () => {
    const example = readmeExample();
    expect(example).toContain("from '@extplat/api-client'");
    expect(typeErrors(example)).toEqual([]);
  }, 60_000);

  it('would fail on a call the document does not have', () => {
    const broken = `${readmeExample()}\nawait createApiClient({ baseUrl }).GET('/api/no-such-route');\n`;
    expect(typeErrors(broken).length).toBeGreaterThan(0);
  }, 60_000);
});
