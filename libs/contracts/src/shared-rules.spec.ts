import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import ts from 'typescript';
import { SIGNING_ERROR_CODES } from './error-codes.js';

/**
 * One source for the rules two apps need: the API, the CLI and the console call the contracts' SemVer
 * order, part arithmetic, role table and error catalog, and nobody keeps a copy. Checked on the sources
 * (the console is built by Angular, not by this runner), so a reintroduced copy fails here.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

interface SourceFacts {
  path: string;
  /** Names imported from `@extplat/contracts`. */
  contractImports: Set<string>;
  /** Top-level functions and constants it declares. */
  declared: Set<string>;
  /** String literals it holds. */
  strings: Set<string>;
}

function sourcesOf(dir: string): SourceFacts[] {
  const found: SourceFacts[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name !== 'node_modules' && entry.name !== 'dist') walk(full);
      } else if (/\.ts$/.test(entry.name) && !/\.(int-)?spec\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
        found.push(factsOf(full));
      }
    }
  };
  walk(join(ROOT, dir));
  return found;
}

function factsOf(path: string): SourceFacts {
  const file = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
  const facts: SourceFacts = {
    path: relative(ROOT, path),
    contractImports: new Set(),
    declared: new Set(),
    strings: new Set(),
  };
  for (const statement of file.statements) {
    if (
      ts.isImportDeclaration(statement) &&
      ts.isStringLiteral(statement.moduleSpecifier) &&
      statement.moduleSpecifier.text === '@extplat/contracts'
    ) {
      const bindings = statement.importClause?.namedBindings;
      if (bindings && ts.isNamedImports(bindings)) {
        for (const element of bindings.elements) facts.contractImports.add(element.name.text);
      }
    }
    if (ts.isFunctionDeclaration(statement) && statement.name) facts.declared.add(statement.name.text);
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) facts.declared.add(declaration.name.text);
      }
    }
  }
  const visit = (node: ts.Node): void => {
    if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) facts.strings.add(node.text);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return facts;
}

const apps = {
  api: sourcesOf('apps/api/src'),
  cli: sourcesOf('apps/cli/src'),
  console: sourcesOf('apps/admin/src'),
};
const everywhereButContracts = [
  ...Object.values(apps).flat(),
  ...sourcesOf('apps/runner/src'),
  ...['bundle', 'signing', 'storage', 'server-core'].flatMap((lib) => sourcesOf(`libs/${lib}/src`)),
];

function importersOf(sources: SourceFacts[], name: string): string[] {
  return sources.filter((source) => source.contractImports.has(name)).map((source) => source.path);
}

describe('shared rules come from libs/contracts', () => {
  it.each([
    ['SemVer order', 'api', 'compareSemver'],
    ['SemVer order', 'console', 'compareSemver'],
    ['the latest version', 'api', 'maxSemver'],
    ['part arithmetic', 'api', 'partLength'],
    ['part arithmetic', 'cli', 'partRange'],
    ['part arithmetic', 'console', 'partRange'],
    ['the role table', 'api', 'roleHasPermission'],
    ['the role table', 'console', 'roleHasPermission'],
    ['the error catalog', 'console', 'errorCodeInfo'],
  ] as const)('%s: the %s imports %s from the contracts', (_rule, app, name) => {
    expect(importersOf(apps[app], name)).not.toEqual([]);
  });

  it('keeps no copy of a shared rule anywhere else', () => {
    const sharedNames = [
      'compareSemver',
      'compareVersions',
      'SEMVER_PATTERN',
      'partCountFor',
      'partRange',
      'partLength',
      'ROLES',
      'ROLE_PERMISSIONS',
      'TENANT_GRANTABLE_ROLES',
      'SIGNING_ERROR_CODES',
    ];
    const copies = everywhereButContracts.flatMap((source) =>
      sharedNames.filter((name) => source.declared.has(name)).map((name) => `${source.path}: ${name}`),
    );
    expect(copies).toEqual([]);
  });

  it('keeps no list of signing error codes in the console', () => {
    const listed = apps.console
      .filter((source) => SIGNING_ERROR_CODES.some((code) => source.strings.has(code)))
      .map((source) => source.path);
    expect(listed).toEqual([]);
  });

  it('names roles in the console only through the contracts', () => {
    const hardCoded = apps.console
      .filter((source) => ['platform-admin', 'tenant-admin'].some((role) => source.strings.has(role)))
      .map((source) => source.path);
    expect(hardCoded).toEqual([]);
  });

  it('leaves the status of error codes to the catalog: no module pairs a code with a status', () => {
    const pairs = everywhereButContracts
      .filter((source) => /defineErrorCodes\(\{/.test(readFileSync(join(ROOT, source.path), 'utf8')))
      .map((source) => source.path);
    expect(pairs).toEqual([]);
  });
});
