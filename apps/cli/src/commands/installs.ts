import { readFile } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { describeCapability, describeEgressOrigin, type GrantDescription } from '@extplat/contracts';
import type { Command } from 'commander';
import { ApiClient, resolveConnection, withApiOptions, type ApiOptions } from '../api/api-client.js';
import type { CreatedInstall, Grant, Install, VersionDetail, VersionDiff, VersionSummary } from '@extplat/api-client';
import type { CliContext } from '../context.js';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';

interface TenantOption extends ApiOptions {
  tenant?: string;
}

interface InstallOptions extends TenantOption {
  grantCapability: string[];
  grantEgress: string[];
  grantAll?: boolean;
  grantNone?: boolean;
  config?: string;
  configJson?: string;
  enable?: boolean;
}

interface UpgradeOptions extends TenantOption {
  approve?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];
const TENANT_HELP = 'tenant id (platform-admin keys; a tenant key always acts in its own tenant)';

/**
 * The REST side for tenant admins and integrators: list versions, install with explicit grants, enable,
 * disable, upgrade with an approval step, set secrets. Each command is one or two API calls; the rules
 * (grants = request ∩ approval, config against the schema, tenancy) stay in the API.
 */
export function registerInstallCommands(program: Command, output: Output, context: CliContext): void {
  const client = (options: ApiOptions): ApiClient =>
    new ApiClient(resolveConnection(options, context.env), context.signal);

  withApiOptions(
    program
      .command('versions')
      .description("list an extension's versions: status, signature, publication date, content hash")
      .argument('<extensionId>', 'extension name, e.g. com.acme.tickets'),
  ).action(async (extensionId: string, options: ApiOptions) => {
    const versions = await listVersions(client(options), extensionId);
    output.result(
      { extension: extensionId, versions },
      versions.length === 0
        ? `${extensionId} has no versions`
        : formatTable(
            ['VERSION', 'STATUS', 'SIGNATURE', 'PUBLISHED', 'CONTENT HASH'],
            versions.map((version) => [
              version.version,
              version.status,
              version.signatureStatus + (version.signer ? ` (${version.signer})` : ''),
              shortDate(version.publishedAt),
              version.contentHash,
            ]),
          ),
    );
  });

  withApiOptions(
    program
      .command('install')
      .description('install a published version in a tenant, granting capabilities and egress explicitly')
      .argument('<extensionId>', 'extension name, e.g. com.acme.tickets')
      .argument('<version>', 'published version, e.g. 1.2.0'),
  )
    .option('--grant-capability <cap>', 'grant a capability the version requests (repeatable)', collect, [])
    .option('--grant-egress <origin>', 'grant an egress origin the version requests (repeatable)', collect, [])
    .option('--grant-all', 'grant everything the version requests')
    .option('--grant-none', 'grant nothing (calls that need a requested capability fail)')
    .option('--config <file>', 'config as a JSON file, validated against the version schema')
    .option('--config-json <json>', 'config as inline JSON')
    .option('--tenant <id>', TENANT_HELP)
    .option('--enable', 'enable it right away (default: installed disabled)')
    .action(async (extensionId: string, version: string, options: InstallOptions) => {
      const api = client(options);
      const config = await readConfig(options);
      const grant: Grant = { capabilities: [...options.grantCapability], egress: [...options.grantEgress] };
      const named = grant.capabilities.length > 0 || grant.egress.length > 0;
      if (options.grantNone && (named || options.grantAll)) {
        throw new CliError(ExitCode.USAGE, '--grant-none excludes the other --grant options', 'INVALID_OPTION');
      }
      const readVersion = (): Promise<VersionDetail> =>
        api.call(`reading ${extensionId} ${version}`, (client, init) =>
          client.GET('/api/extensions/{name}/versions/{version}', {
            ...init,
            params: { path: { name: extensionId, version } },
          }),
        );
      if (options.grantAll) {
        const detail = await readVersion();
        grant.capabilities = unique([...grant.capabilities, ...detail.capabilities]);
        grant.egress = unique([...grant.egress, ...detail.egress]);
      } else if (!named && !options.grantNone) {
        // No choice on the command line: ask at a terminal, refuse elsewhere. Installing with nothing
        // granted by default would leave an extension that fails every call, with exit status 0.
        const detail = await readVersion();
        const requests = requestsOf(detail);
        if (requests.length > 0) {
          if (output.json || context.stdin.isTTY !== true) throw grantRequired(extensionId, version, requests);
          Object.assign(grant, await askGrants(requests, context.stdin, output));
        }
      }
      const install = await api.call(
        'install',
        (client, init) =>
          client.POST('/api/installs', {
            ...init,
            body: {
              extensionId,
              version,
              grant,
              ...(options.tenant ? { tenantId: options.tenant } : {}),
              ...(config ? { config } : {}),
              ...(options.enable ? { enabled: true } : {}),
            },
          }),
        { retry: false },
      );
      output.result({ ...install }, installLines(install).join('\n'));
    });

  for (const enabled of [true, false]) {
    withApiOptions(
      program
        .command(enabled ? 'enable' : 'disable')
        .description(`${enabled ? 'enable' : 'disable'} an installed extension in a tenant`)
        .argument('<extensionId>', 'extension name, e.g. com.acme.tickets')
        .option('--tenant <id>', TENANT_HELP),
    ).action(async (extensionId: string, options: TenantOption) => {
      const api = client(options);
      const found = await findInstall(api, extensionId, options.tenant);
      const install = await api.call(enabled ? 'enable' : 'disable', (client, init) =>
        client.PUT('/api/installs/{installId}/state', {
          ...init,
          params: { path: { installId: found.id } },
          body: { enabled },
        }),
      );
      output.result(
        {
          installId: install.id,
          extension: install.extension.name,
          version: install.version,
          tenantId: install.tenantId,
          enabled: install.enabled,
          configVersion: install.configVersion,
        },
        `${install.extension.name} ${install.version} is ${install.enabled ? 'enabled' : 'disabled'} in tenant ${install.tenantId}`,
      );
    });
  }

  withApiOptions(
    program
      .command('upgrade')
      .description('move an install to another version (upgrade or rollback), showing what it adds or drops')
      .argument('<extensionId>', 'extension name, e.g. com.acme.tickets')
      .argument('<version>', 'target version')
      .option('--approve', 'grant what the target version adds (without it, such a switch is refused)')
      .option('--tenant <id>', TENANT_HELP),
  ).action(async (extensionId: string, version: string, options: UpgradeOptions) => {
    const api = client(options);
    const install = await findInstall(api, extensionId, options.tenant);
    const diff = await api.call('comparing versions', (client, init) =>
      client.GET('/api/installs/{installId}/version-diff', {
        ...init,
        params: { path: { installId: install.id }, query: { version } },
      }),
    );
    const described = diffLines(extensionId, diff);
    if (diff.requiresApproval && !options.approve) {
      output.note(described.join('\n'));
      throw new CliError(
        ExitCode.APPROVAL_REQUIRED,
        `${version} requests capabilities or egress beyond the current grant: review them and run again with --approve`,
        'APPROVAL_REQUIRED',
        { installId: install.id, diff },
      );
    }
    // Approving: the current grant plus what the target adds; whatever it no longer requests is dropped.
    const grant: Grant | undefined = options.approve
      ? {
          capabilities: unique([...install.capabilities.granted, ...diff.capabilities.added]),
          egress: unique([...install.egress.granted, ...diff.egress.added]),
        }
      : undefined;
    const switched = await api.call('upgrade', (client, init) =>
      client.PUT('/api/installs/{installId}/version', {
        ...init,
        params: { path: { installId: install.id } },
        body: { version, ...(grant ? { grant } : {}) },
      }),
    );
    const after = switched.install;
    output.result(
      { installId: after.id, diff: switched.diff, install: after },
      [
        ...described,
        `${after.extension.name} is now at ${after.version} (${after.enabled ? 'enabled' : 'disabled'})`,
        `  capabilities  ${list(after.capabilities.granted)}`,
        `  egress        ${list(after.egress.granted)}`,
      ].join('\n'),
    );
  });

  const secret = program.command('secret').description("manage an install's secrets (values are never shown)");
  withApiOptions(
    secret
      .command('set')
      .description('set a secret of an install; the value is read from stdin, never from the command line')
      .argument('<extensionId>', 'extension name, e.g. com.acme.tickets')
      .argument('<name>', 'secret name, as the handler reads it, e.g. api-token')
      .option('--tenant <id>', TENANT_HELP),
  ).action(async (extensionId: string, name: string, options: TenantOption) => {
    const api = client(options);
    const install = await findInstall(api, extensionId, options.tenant);
    refuseUndeclaredSecret(install, name);
    if (context.stdin.isTTY) output.note(`value of ${name} (then Enter and Ctrl-D):`);
    const value = await readSecretValue(context.stdin);
    await api.call('setting the secret', (client, init) =>
      client.PUT('/api/installs/{installId}/secrets/{name}', {
        ...init,
        params: { path: { installId: install.id, name } },
        body: { value },
      }),
    );
    output.result(
      { installId: install.id, extension: extensionId, secret: name, set: true },
      `secret ${name} of ${extensionId} is set (${Buffer.byteLength(value)} bytes)`,
    );
  });
}

async function listVersions(api: ApiClient, extensionId: string): Promise<VersionSummary[]> {
  const versions: VersionSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.call(`listing versions of ${extensionId}`, (client, init) =>
      client.GET('/api/extensions/{name}/versions', {
        ...init,
        params: { path: { name: extensionId }, query: { limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    );
    versions.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return versions;
}

/**
 * The install of `extensionId` in the key's tenant. A platform-admin key sees every tenant's installs,
 * so with more than one match it must say which tenant it means.
 */
export async function findInstall(api: ApiClient, extensionId: string, tenant: string | undefined): Promise<Install> {
  const installs: Install[] = [];
  let cursor: string | undefined;
  do {
    const page = await api.call('listing installs', (client, init) =>
      client.GET('/api/installs', {
        ...init,
        params: { query: { ...(tenant ? { tenantId: tenant } : {}), limit: 100, ...(cursor ? { cursor } : {}) } },
      }),
    );
    installs.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const matches = installs.filter(
    (install) => install.extension.name === extensionId && (tenant === undefined || install.tenantId === tenant),
  );
  const [first] = matches;
  if (!first) {
    throw new CliError(
      ExitCode.NOT_FOUND,
      `${extensionId} is not installed${tenant ? ` in tenant ${tenant}` : ''}`,
      'INSTALL_NOT_FOUND',
      { extensionId },
    );
  }
  if (matches.length > 1) {
    throw new CliError(
      ExitCode.USAGE,
      `${extensionId} is installed in ${matches.length} tenants: name one with --tenant`,
      'TENANT_REQUIRED',
      { tenants: matches.map((install) => install.tenantId) },
    );
  }
  return first;
}

/**
 * Refuses, before the value is read, a name the installed version does not declare (the API would refuse it
 * too, with SECRET_NOT_DECLARED, but only after the value was typed). A version that declares no secrets
 * accepts any name. Names are case-sensitive; a near miss (`API_TOKEN` for `api-token`) is pointed out.
 */
export function refuseUndeclaredSecret(install: Install, name: string): void {
  const declared = install.declaredSecrets?.map((secret) => secret.name);
  if (!declared || declared.includes(name)) return;
  const loose = (text: string) => text.toLowerCase().replace(/[-_.]/g, '');
  const near = declared.find((candidate) => loose(candidate) === loose(name));
  const known = declared.length === 0 ? 'declares no secrets' : `declares ${declared.join(', ')}`;
  throw new CliError(
    ExitCode.INVALID_REQUEST,
    `${install.extension.name} ${install.version} does not declare a secret named ${name}: it ${known}` +
      (near ? ` (did you mean ${near}? names are case-sensitive)` : ''),
    'SECRET_NOT_DECLARED',
    { name, declared },
  );
}

/** --config (a file) or --config-json (inline): either way a JSON object, checked before any call. */
export async function readConfig(options: {
  config?: string;
  configJson?: string;
}): Promise<Record<string, unknown> | undefined> {
  if (options.config !== undefined && options.configJson !== undefined) {
    throw new CliError(ExitCode.USAGE, '--config and --config-json exclude each other', 'INVALID_OPTION');
  }
  let text: string;
  let source: string;
  if (options.config !== undefined) {
    source = options.config;
    text = await readFile(options.config, 'utf8').catch(() => {
      throw new CliError(ExitCode.INPUT, `${options.config}: no such file or not readable`, 'FILE_NOT_FOUND');
    });
  } else if (options.configJson !== undefined) {
    source = '--config-json';
    text = options.configJson;
  } else {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CliError(ExitCode.USAGE, `${source} is not JSON (${(error as Error).message})`, 'INVALID_CONFIG_JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new CliError(ExitCode.USAGE, `${source} must hold a JSON object`, 'INVALID_CONFIG_JSON');
  }
  return value as Record<string, unknown>;
}

const MAX_SECRET_INPUT = 64 * 1024;

/** All of stdin, without the one line break a shell or `echo` adds at the end. */
export async function readSecretValue(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    length += buffer.length;
    if (length > MAX_SECRET_INPUT) {
      throw new CliError(ExitCode.USAGE, 'the secret on stdin is too long', 'SECRET_TOO_LONG');
    }
    chunks.push(buffer);
  }
  const value = Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
  if (value === '') throw new CliError(ExitCode.USAGE, 'no secret value on stdin', 'SECRET_EMPTY');
  return value;
}

interface GrantRequest extends GrantDescription {
  kind: 'capability' | 'egress';
  name: string;
}

/** What a version requests, each explained from the contracts catalog (as the console shows it). */
function requestsOf(detail: VersionDetail): GrantRequest[] {
  return [
    ...detail.capabilities.map((name) => ({ kind: 'capability' as const, name, ...describeCapability(name) })),
    ...detail.egress.map((name) => ({ kind: 'egress' as const, name, ...describeEgressOrigin(name) })),
  ];
}

function requestLine(request: GrantRequest): string {
  return `  ${request.name}: ${request.title} (${request.risk} risk). ${request.description}`;
}

function grantRequired(extensionId: string, version: string, requests: GrantRequest[]): CliError {
  return new CliError(
    ExitCode.USAGE,
    [
      `${extensionId} ${version} requests:`,
      ...requests.map(requestLine),
      'Choose what to grant: --grant-capability <cap> and --grant-egress <origin> (repeatable), --grant-all, or --grant-none',
    ].join('\n'),
    'GRANT_REQUIRED',
    { requests: requests.map(({ kind, name, risk }) => ({ kind, name, risk })) },
  );
}

/** One question per request, answered y or n; anything but yes grants nothing. */
async function askGrants(requests: GrantRequest[], stdin: NodeJS.ReadableStream, output: Output): Promise<Grant> {
  const lines = createInterface({ input: stdin, terminal: false });
  const answers = lines[Symbol.asyncIterator]();
  const grant: Grant = { capabilities: [], egress: [] };
  try {
    output.note('This version requests the following. Grant each? (y/N)');
    for (const request of requests) {
      output.note(requestLine(request));
      output.note(`  grant ${request.name}? [y/N]`);
      const answer = await answers.next();
      if (answer.done) {
        throw new CliError(ExitCode.USAGE, 'stdin ended before every grant was answered', 'GRANT_REQUIRED');
      }
      if (/^y(es)?$/i.test(answer.value.trim())) {
        (request.kind === 'capability' ? grant.capabilities : grant.egress).push(request.name);
      }
    }
  } finally {
    lines.close();
  }
  return grant;
}

export function installLines(install: CreatedInstall): string[] {
  const { notGranted, notRequested } = install.grantReport;
  const withheld = [...notGranted.capabilities, ...notGranted.egress];
  const ignored = [...notRequested.capabilities, ...notRequested.egress];
  return [
    `installed ${install.extension.name} ${install.version} in tenant ${install.tenantId} (${install.enabled ? 'enabled' : 'disabled'})`,
    `  install id    ${install.id}`,
    `  capabilities  ${list(install.capabilities.granted)}`,
    `  egress        ${list(install.egress.granted)}`,
    ...(withheld.length > 0 ? [`  not granted   ${withheld.join(', ')} (requested; calls that need them fail)`] : []),
    ...(ignored.length > 0 ? [`  ignored       ${ignored.join(', ')} (granted but not requested)`] : []),
    `  config        version ${install.configVersion}`,
    ...(install.enabled ? [] : [`  enable it with: extctl enable ${install.extension.name}`]),
  ];
}

export function diffLines(extensionId: string, diff: VersionDiff): string[] {
  const changes = (added: string[], removed: string[]): string =>
    [...added.map((item) => `+${item}`), ...removed.map((item) => `-${item}`)].join(' ') || 'no change';
  return [
    `${extensionId}: ${diff.from} -> ${diff.to} (${diff.direction})`,
    `  capabilities  ${changes(diff.capabilities.added, diff.capabilities.removed)}`,
    `  egress        ${changes(diff.egress.added, diff.egress.removed)}`,
    `  approval      ${diff.requiresApproval ? 'required: the target requests more than is granted' : 'not needed'}`,
    // An API from before declared secrets sends no missingSecrets: say nothing rather than crash.
    ...((diff.missingSecrets ?? []).length
      ? [`  secrets       required by ${diff.to}, not set: ${(diff.missingSecrets ?? []).join(', ')}`]
      : []),
  ];
}

/** Left-aligned columns, two spaces apart: readable in a terminal, easy to cut in a shell. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ');
  return [line(headers), ...rows.map(line)].join('\n');
}

function shortDate(iso: string): string {
  return iso.replace('T', ' ').replace(/:\d\d(\.\d+)?Z$/, 'Z');
}

function list(items: string[]): string {
  return items.length > 0 ? items.join(', ') : '(none)';
}

function unique(items: string[]): string[] {
  return [...new Set(items)];
}
