import { isSecretName, isSemver, SECRET_NAME_RULE } from '@extplat/contracts';
import { compileConfigSchema } from './config-schema.js';
import { BundleError } from './errors.js';
import { MANIFEST_PATH } from './limits.js';
import { bundlePathProblem, endpointPathProblem, endpointShape } from './manifest-paths.js';

export { endpointShape } from './manifest-paths.js';

export const KNOWN_CAPABILITIES = [
  'cap:log.emit',
  'cap:context.read',
  'cap:secrets.get',
  'cap:http.fetch',
  'cap:storage.kv',
] as const;
export type Capability = (typeof KNOWN_CAPABILITIES)[number];

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

/**
 * Stable codes of the problems a manifest's `secrets` list can have, so tools can tell them apart without
 * reading the message. Other issues carry no code yet.
 */
export const MANIFEST_SECRET_ISSUE_CODES = [
  /** `secrets` is not an array, an entry is not an object, or has an unknown field or a wrong type. */
  'SECRET_ENTRY_INVALID',
  /** A name breaks the secret name rule the secrets API enforces. */
  'SECRET_NAME_INVALID',
  /** Two entries declare the same name. */
  'SECRET_DUPLICATE',
  /** More entries than MAX_DECLARED_SECRETS. */
  'SECRETS_TOO_MANY',
  /** A title or description is longer than allowed. */
  'SECRET_TEXT_TOO_LONG',
  /** A title or description holds control or bidirectional-override characters. */
  'SECRET_TEXT_INVALID',
  /** Secrets are declared without the capability `cap:secrets.get`, so the handler could read none of them. */
  'SECRETS_CAPABILITY_MISSING',
] as const;
export type ManifestSecretIssueCode = (typeof MANIFEST_SECRET_ISSUE_CODES)[number];

/** One problem in a manifest. `path` is like `api.endpoints[2].path`; '' means the whole document. */
export interface ManifestIssue {
  path: string;
  message: string;
  code?: ManifestSecretIssueCode;
}

/** A secret the handler reads, declared so the console can ask for it by name. */
export interface ManifestSecret {
  name: string;
  title?: string;
  description?: string;
  /** The extension cannot work without it; the console marks it while it is not set. */
  required: boolean;
}

export interface ManifestUi {
  type: 'iframe';
  entry: string;
  hooks?: { appMenu?: { label: string } };
}

export interface ManifestEndpoint {
  method: HttpMethod;
  path: string;
  handler: string;
}

/** A validated manifest v2 (ARCHITECTURE §3), with defaults applied and egress origins normalised. */
export interface ManifestV2 {
  manifestVersion?: 2;
  name: string;
  publisher: string;
  version: string;
  displayName?: string;
  description?: string;
  runtime: 'wasm-component@1';
  entry: string;
  capabilities: Capability[];
  egress: string[];
  ui?: ManifestUi;
  api: { endpoints: ManifestEndpoint[] };
  /** A JSON Schema (type "object") for the install config. */
  config?: Record<string, unknown>;
  /**
   * The secrets the handler reads. Absent: the version declares none, and an install may set any name.
   * Present (even empty): only these names may be set.
   */
  secrets?: ManifestSecret[];
}

export type ManifestResult = { ok: true; manifest: ManifestV2 } | { ok: false; issues: ManifestIssue[] };

export interface ManifestOptions {
  /** The regular files of the archive (normalised relative paths); when given, entry and ui.entry must be among them. */
  files?: ReadonlySet<string>;
}

const RUNTIME = 'wasm-component@1';
const HTTP_FETCH: Capability = 'cap:http.fetch';

const MAX_NAME_LENGTH = 128;
const MAX_VERSION_LENGTH = 64;
const MAX_DISPLAY_NAME_LENGTH = 100;
const MAX_DESCRIPTION_LENGTH = 2000;
const MAX_LABEL_LENGTH = 64;
/** `https://` + a 253-character host + `:65535` + `/`, rounded up. */
const MAX_ORIGIN_LENGTH = 300;
const MAX_EGRESS_ORIGINS = 64;
const MAX_ENDPOINTS = 128;
const MAX_CONFIG_BYTES = 64 * 1024;
const MAX_CONFIG_DEPTH = 32;
export const MAX_DECLARED_SECRETS = 32;
const MAX_SECRET_TITLE_LENGTH = 100;
const MAX_SECRET_DESCRIPTION_LENGTH = 500;

const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;
const PUBLISHER_PATTERN = /^[a-z0-9-]{2,64}$/;
const HANDLER_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
const DNS_HOST = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/;
const IPV6_HOST = /^\[[0-9a-f:.]+\]$/;
// Bidirectional overrides and isolates can make a name in the admin console read as another one.
const BIDI_CONTROL = /[\u202a-\u202e\u2066-\u2069]/;

const TOP_LEVEL_FIELDS = [
  'manifestVersion',
  'name',
  'publisher',
  'version',
  'displayName',
  'description',
  'runtime',
  'entry',
  'capabilities',
  'egress',
  'ui',
  'api',
  'config',
  'secrets',
];
const SECRET_FIELDS = ['name', 'title', 'description', 'required'];
const SECRETS_CAPABILITY: Capability = 'cap:secrets.get';

type JsonObject = Record<string, unknown>;

/** Collects issues; every check reports and carries on, so one pass finds every problem. */
class IssueList {
  readonly items: ManifestIssue[] = [];

  add(path: string, message: string, code?: ManifestSecretIssueCode): undefined {
    this.items.push(code === undefined ? { path, message } : { path, message, code });
    return undefined;
  }

  get empty(): boolean {
    return this.items.length === 0;
  }
}

/** Validates a parsed manifest against ARCHITECTURE §3 and reports every issue, never only the first. */
export function validateManifest(input: unknown, options: ManifestOptions = {}): ManifestResult {
  if (!isObject(input)) {
    return { ok: false, issues: [{ path: '', message: `the manifest must be a JSON object, got ${describe(input)}` }] };
  }
  const issues = new IssueList();
  reportUnknownFields(issues, input, '', TOP_LEVEL_FIELDS);

  const manifestVersion = own(input, 'manifestVersion');
  if (manifestVersion !== undefined && manifestVersion !== 2) {
    issues.add('manifestVersion', `must be 2 (the only manifest version), got ${describe(manifestVersion)}`);
  }
  const name = stringField(issues, input, 'name', 'name', true, nameProblem);
  const publisher = stringField(issues, input, 'publisher', 'publisher', true, publisherProblem);
  const version = stringField(issues, input, 'version', 'version', true, versionProblem);
  const displayName = stringField(issues, input, 'displayName', 'displayName', false, (text) =>
    textProblem(text, MAX_DISPLAY_NAME_LENGTH, false),
  );
  const description = stringField(issues, input, 'description', 'description', false, (text) =>
    textProblem(text, MAX_DESCRIPTION_LENGTH, true),
  );
  const runtime = stringField(issues, input, 'runtime', 'runtime', true, (text) =>
    text === RUNTIME ? undefined : `must be "${RUNTIME}" (the only supported runtime), got ${quote(text)}`,
  );
  const entry = stringField(issues, input, 'entry', 'entry', true, (path) =>
    bundleFileProblem(path, options.files, 'dist/main.wasm'),
  );
  const capabilities = capabilitiesField(issues, own(input, 'capabilities'));
  const requestedEgress = own(input, 'egress');
  const egress = egressField(issues, requestedEgress);
  if (Array.isArray(requestedEgress) && requestedEgress.length > 0 && capabilities?.includes(HTTP_FETCH) === false) {
    issues.add('egress', `lists origins, which requires the capability "${HTTP_FETCH}"; add it or remove the origins`);
  }
  const ui = uiField(issues, own(input, 'ui'), options.files);
  const api = apiField(issues, own(input, 'api'));
  const config = configField(issues, own(input, 'config'));
  const secrets = secretsField(issues, own(input, 'secrets'));
  if (secrets !== undefined && secrets.length > 0 && capabilities?.includes(SECRETS_CAPABILITY) === false) {
    issues.add(
      'secrets',
      `declares secrets, which the handler can read only with the capability "${SECRETS_CAPABILITY}"; add it or remove the list`,
      'SECRETS_CAPABILITY_MISSING',
    );
  }

  if (
    !issues.empty ||
    name === undefined ||
    publisher === undefined ||
    version === undefined ||
    runtime === undefined ||
    entry === undefined ||
    capabilities === undefined ||
    egress === undefined ||
    api === undefined
  ) {
    return { ok: false, issues: issues.items };
  }
  return {
    ok: true,
    manifest: {
      ...(manifestVersion === 2 && { manifestVersion }),
      name,
      publisher,
      version,
      ...(displayName !== undefined && { displayName }),
      ...(description !== undefined && { description }),
      runtime: RUNTIME,
      entry,
      capabilities,
      egress,
      ...(ui !== undefined && { ui }),
      api,
      ...(config !== undefined && { config }),
      ...(secrets !== undefined && { secrets }),
    },
  };
}

/** Parses manifest.json text and validates it; a syntax error is one issue at '' that says where it is. */
export function parseManifest(text: string, options: ManifestOptions = {}): ManifestResult {
  let input: unknown;
  try {
    input = JSON.parse(text);
  } catch (error) {
    return { ok: false, issues: [{ path: '', message: jsonSyntaxMessage(text, error) }] };
  }
  return validateManifest(input, options);
}

// ---- fields ----------------------------------------------------------------------------------------

/**
 * Reads an optional or required string field and applies `problemOf` to it. Returns the string when it
 * is valid, undefined when it is absent or invalid (an invalid or missing required one is reported).
 */
// Fatal: a replaced byte would make the manifest read differ from the signed bytes. The BOM is kept, so
// JSON.parse refuses it as before.
const MANIFEST_DECODER = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * The text of `manifest.json` from its bytes, as the bundle reader and extctl both read it: bytes that are
 * not UTF-8 are refused (BundleError INVALID_MANIFEST, with the offset), never replaced.
 */
export function decodeManifestText(bytes: Uint8Array): string {
  try {
    return MANIFEST_DECODER.decode(bytes);
  } catch {
    const problem = `is not valid UTF-8 (invalid byte sequence at byte ${firstInvalidUtf8(bytes)})`;
    throw new BundleError('INVALID_MANIFEST', `${MANIFEST_PATH} ${problem}`, {
      entry: MANIFEST_PATH,
      issues: [{ path: '', message: problem }],
    });
  }
}

/** Offset of the first byte that starts no valid UTF-8 sequence, found by halving (the decoder does not say). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let valid = 0;
  let invalid = bytes.length;
  // Invariant: bytes[0, valid) decodes (but for a sequence cut at its end), bytes[0, invalid) does not.
  while (invalid - valid > 1) {
    const middle = (valid + invalid) >> 1;
    if (decodesUpTo(bytes, middle)) valid = middle;
    else invalid = middle;
  }
  return valid;
}

function decodesUpTo(bytes: Uint8Array, end: number): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream: true });
    return true;
  } catch {
    return false;
  }
}

function stringField(
  issues: IssueList,
  object: JsonObject,
  key: string,
  path: string,
  required: boolean,
  problemOf: (value: string) => string | undefined,
): string | undefined {
  const value = own(object, key);
  if (value === undefined) return required ? issues.add(path, 'is required') : undefined;
  if (typeof value !== 'string') return issues.add(path, `must be a string, got ${describe(value)}`);
  const problem = problemOf(value);
  return problem === undefined ? value : issues.add(path, problem);
}

function nameProblem(name: string): string | undefined {
  return (
    lengthProblem(name, MAX_NAME_LENGTH) ??
    (NAME_PATTERN.test(name)
      ? undefined
      : `must be a lowercase reverse-DNS id: two or more dot-separated segments of a-z, 0-9 and inner "-" (e.g. "com.acme.tickets"), got ${quote(name)}`)
  );
}

function publisherProblem(publisher: string): string | undefined {
  return PUBLISHER_PATTERN.test(publisher)
    ? undefined
    : `must be 2 to 64 characters of a-z, 0-9 and "-" (the signer's certificate CN), got ${quote(publisher)}`;
}

function versionProblem(version: string): string | undefined {
  return (
    lengthProblem(version, MAX_VERSION_LENGTH) ??
    (isSemver(version)
      ? undefined
      : `must be a SemVer 2.0.0 version such as "1.4.0" or "2.0.0-rc.1" (numbers without leading zeros), got ${quote(version)}`)
  );
}

/** Human-readable text: bounded length, no control characters (optionally tab and newline), no bidi controls. */
function textProblem(text: string, maxLength: number, multiline: boolean): string | undefined {
  const controls = multiline ? /(?![\t\n])\p{Cc}/u : /\p{Cc}/u;
  if (controls.test(text)) {
    return multiline
      ? 'must not contain control characters other than tab and newline'
      : 'must not contain control characters such as newlines or tabs';
  }
  if (BIDI_CONTROL.test(text)) return 'must not contain bidirectional override or isolate characters';
  return lengthProblem(text, maxLength);
}

function lengthProblem(text: string, maxLength: number): string | undefined {
  const length = [...text].length;
  return length > maxLength ? `is ${length} characters long; at most ${maxLength} are allowed` : undefined;
}

/** Why `path` cannot name a file of the bundle; `example` shows a good one in the message. */
function bundleFileProblem(
  path: string,
  files: ReadonlySet<string> | undefined,
  example: string,
  extension = '',
): string | undefined {
  const problem = bundlePathProblem(path);
  if (problem !== undefined) return `${problem}, got ${quote(path)}; a bundle path looks like ${quote(example)}`;
  if (!path.endsWith(extension)) return `must name a ${extension} file, got ${quote(path)}`;
  if (files !== undefined && !files.has(path)) return `names ${quote(path)}, which is not a file in the bundle`;
  return undefined;
}

function capabilitiesField(issues: IssueList, value: unknown): Capability[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return issues.add('capabilities', `must be an array of strings, got ${describe(value)}`);
  const firstIndex = new Map<Capability, number>();
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    const path = `capabilities[${index}]`;
    if (typeof item !== 'string') {
      issues.add(path, `must be a string, got ${describe(item)}`);
    } else if (!isCapability(item)) {
      issues.add(path, `unknown capability ${quote(item)}; known capabilities are ${KNOWN_CAPABILITIES.join(', ')}`);
    } else {
      const earlier = firstIndex.get(item);
      if (earlier === undefined) firstIndex.set(item, index);
      else issues.add(path, `repeats capabilities[${earlier}] (${item}); each capability is listed once`);
    }
  }
  return [...firstIndex.keys()];
}

function egressField(issues: IssueList, value: unknown): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return issues.add('egress', `must be an array of origins, got ${describe(value)}`);
  if (value.length > MAX_EGRESS_ORIGINS) {
    issues.add('egress', `has ${value.length} origins; at most ${MAX_EGRESS_ORIGINS} are allowed`);
  }
  const firstIndex = new Map<string, number>();
  for (let index = 0; index < value.length; index++) {
    const item: unknown = value[index];
    const path = `egress[${index}]`;
    if (typeof item !== 'string') {
      issues.add(path, `must be a string such as "https://api.example.com", got ${describe(item)}`);
      continue;
    }
    const parsed = parseOrigin(item);
    if ('problem' in parsed) {
      issues.add(path, `${parsed.problem}; an origin is "https://host" or "http://host", with an optional ":port"`);
      continue;
    }
    const earlier = firstIndex.get(parsed.origin);
    if (earlier === undefined) firstIndex.set(parsed.origin, index);
    else issues.add(path, `repeats egress[${earlier}] (both are ${parsed.origin}); each origin is listed once`);
  }
  return [...firstIndex.keys()];
}

/** Checks an egress origin strictly and normalises it to `URL.origin` (default port dropped, IDN in punycode). */
function parseOrigin(text: string): { origin: string } | { problem: string } {
  if (text.length > MAX_ORIGIN_LENGTH) {
    return { problem: `is ${text.length} characters long; at most ${MAX_ORIGIN_LENGTH} are allowed` };
  }
  // The URL parser silently drops tabs and newlines, which would hide what the author wrote.
  if (/[\s\p{Cc}]/u.test(text)) return { problem: 'must not contain whitespace or control characters' };
  if (!/^https?:\/\//.test(text)) return { problem: `must start with "https://" or "http://", got ${quote(text)}` };
  const parts = /^https?:\/\/([^/?#]*)\/?$/.exec(text);
  if (parts === null) return { problem: `must not have a path, query or fragment, got ${quote(text)}` };
  const authority = parts[1] ?? '';
  if (authority.includes('@')) return { problem: 'must not contain user information ("user@")' };
  if (authority !== authority.toLowerCase()) return { problem: `must have a lowercase host, got ${quote(text)}` };
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { problem: `is not a valid origin, got ${quote(text)}` };
  }
  if (!DNS_HOST.test(url.hostname) && !IPV6_HOST.test(url.hostname)) {
    return { problem: `has host ${quote(url.hostname)}, which is not a DNS name or IP address` };
  }
  return { origin: url.origin };
}

function uiField(issues: IssueList, value: unknown, files: ReadonlySet<string> | undefined): ManifestUi | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    return issues.add(
      'ui',
      `must be an object like {"type": "iframe", "entry": "ui/index.html"}, got ${describe(value)}`,
    );
  }
  reportUnknownFields(issues, value, 'ui', ['type', 'entry', 'hooks']);
  const type = stringField(issues, value, 'type', 'ui.type', true, (text) =>
    text === 'iframe' ? undefined : `must be "iframe" (the only UI type), got ${quote(text)}`,
  );
  const entry = stringField(issues, value, 'entry', 'ui.entry', true, (path) =>
    bundleFileProblem(path, files, 'ui/index.html', '.html'),
  );
  const hooks = hooksField(issues, own(value, 'hooks'));
  if (type === undefined || entry === undefined) return undefined;
  return { type: 'iframe', entry, ...(hooks !== undefined && { hooks }) };
}

function hooksField(issues: IssueList, value: unknown): ManifestUi['hooks'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) return issues.add('ui.hooks', `must be an object, got ${describe(value)}`);
  reportUnknownFields(issues, value, 'ui.hooks', ['appMenu']);
  const appMenu = own(value, 'appMenu');
  if (appMenu === undefined) return {};
  if (!isObject(appMenu)) {
    return issues.add('ui.hooks.appMenu', `must be an object like {"label": "Tickets"}, got ${describe(appMenu)}`);
  }
  reportUnknownFields(issues, appMenu, 'ui.hooks.appMenu', ['label']);
  const label = stringField(issues, appMenu, 'label', 'ui.hooks.appMenu.label', true, (text) =>
    text === '' ? 'must not be empty' : textProblem(text, MAX_LABEL_LENGTH, false),
  );
  return label === undefined ? undefined : { appMenu: { label } };
}

function apiField(issues: IssueList, value: unknown): ManifestV2['api'] | undefined {
  if (value === undefined) return { endpoints: [] };
  if (!isObject(value)) return issues.add('api', `must be an object like {"endpoints": [...]}, got ${describe(value)}`);
  reportUnknownFields(issues, value, 'api', ['endpoints']);
  const endpoints = own(value, 'endpoints');
  if (endpoints === undefined) return issues.add('api.endpoints', 'is required (an array, which may be empty)');
  if (!Array.isArray(endpoints)) return issues.add('api.endpoints', `must be an array, got ${describe(endpoints)}`);
  if (endpoints.length > MAX_ENDPOINTS) {
    issues.add('api.endpoints', `has ${endpoints.length} endpoints; at most ${MAX_ENDPOINTS} are allowed`);
  }
  const result: ManifestEndpoint[] = [];
  const firstIndex = new Map<string, number>();
  for (let index = 0; index < endpoints.length; index++) {
    const path = `api.endpoints[${index}]`;
    const endpoint = endpointField(issues, endpoints[index], path);
    if (endpoint === undefined) continue;
    const route = `${endpoint.method} ${endpointShape(endpoint.path)}`;
    const earlier = firstIndex.get(route);
    if (earlier === undefined) {
      firstIndex.set(route, index);
      result.push(endpoint);
    } else {
      issues.add(
        path,
        `duplicates api.endpoints[${earlier}]: both are ${route} (parameter names do not tell routes apart)`,
      );
    }
  }
  return { endpoints: result };
}

function endpointField(issues: IssueList, value: unknown, path: string): ManifestEndpoint | undefined {
  if (!isObject(value)) {
    return issues.add(
      path,
      `must be an object like {"method": "GET", "path": "/items/:id", "handler": "getItem"}, got ${describe(value)}`,
    );
  }
  reportUnknownFields(issues, value, path, ['method', 'path', 'handler']);
  const method = stringField(issues, value, 'method', `${path}.method`, true, (text) =>
    isHttpMethod(text) ? undefined : `must be one of ${HTTP_METHODS.join(', ')} (uppercase), got ${quote(text)}`,
  );
  const routePath = stringField(issues, value, 'path', `${path}.path`, true, (text) => {
    const problem = endpointPathProblem(text);
    return problem === undefined ? undefined : `${problem} (e.g. "/tickets/:id"), got ${quote(text)}`;
  });
  const handler = stringField(issues, value, 'handler', `${path}.handler`, true, (text) =>
    HANDLER_PATTERN.test(text)
      ? undefined
      : `must be 1 to 64 characters of letters, digits, "_", "." and "-", starting with a letter or "_", got ${quote(text)}`,
  );
  if (method === undefined || !isHttpMethod(method) || routePath === undefined || handler === undefined) {
    return undefined;
  }
  return { method, path: routePath, handler };
}

/** The declared secrets, defaults applied; undefined when absent (declares none) or not an array. */
function secretsField(issues: IssueList, value: unknown): ManifestSecret[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    return issues.add(
      'secrets',
      `must be an array like [{"name": "api-token", "required": true}], got ${describe(value)}`,
      'SECRET_ENTRY_INVALID',
    );
  }
  if (value.length > MAX_DECLARED_SECRETS) {
    issues.add(
      'secrets',
      `declares ${value.length} secrets; at most ${MAX_DECLARED_SECRETS} are allowed`,
      'SECRETS_TOO_MANY',
    );
  }
  const result: ManifestSecret[] = [];
  const firstIndex = new Map<string, number>();
  for (let index = 0; index < value.length; index++) {
    const path = `secrets[${index}]`;
    const secret = secretEntry(issues, value[index], path);
    if (secret === undefined) continue;
    const earlier = firstIndex.get(secret.name);
    if (earlier === undefined) {
      firstIndex.set(secret.name, index);
      result.push(secret);
    } else {
      issues.add(
        `${path}.name`,
        `repeats secrets[${earlier}] (${quote(secret.name)}); each secret is declared once`,
        'SECRET_DUPLICATE',
      );
    }
  }
  return result;
}

function secretEntry(issues: IssueList, value: unknown, path: string): ManifestSecret | undefined {
  if (!isObject(value)) {
    return issues.add(
      path,
      `must be an object like {"name": "api-token", "title": "API token", "required": true}, got ${describe(value)}`,
      'SECRET_ENTRY_INVALID',
    );
  }
  const before = issues.items.length;
  reportUnknownFields(issues, value, path, SECRET_FIELDS);
  for (const issue of issues.items.slice(before)) issue.code = 'SECRET_ENTRY_INVALID';
  const name = secretString(issues, value, 'name', path, true, (text) =>
    isSecretName(text)
      ? undefined
      : {
          code: 'SECRET_NAME_INVALID',
          message: `must be ${SECRET_NAME_RULE} (the names the secrets API accepts), got ${quote(text)}`,
        },
  );
  const title = secretString(issues, value, 'title', path, false, (text) =>
    secretTextProblem(text, MAX_SECRET_TITLE_LENGTH, false),
  );
  const description = secretString(issues, value, 'description', path, false, (text) =>
    secretTextProblem(text, MAX_SECRET_DESCRIPTION_LENGTH, true),
  );
  const required = own(value, 'required');
  if (required !== undefined && typeof required !== 'boolean') {
    issues.add(`${path}.required`, `must be true or false, got ${describe(required)}`, 'SECRET_ENTRY_INVALID');
  }
  if (name === undefined || issues.items.length > before) return undefined;
  return {
    name,
    ...(title !== undefined && { title }),
    ...(description !== undefined && { description }),
    required: required === true,
  };
}

interface CodedProblem {
  code: ManifestSecretIssueCode;
  message: string;
}

function secretString(
  issues: IssueList,
  object: JsonObject,
  key: string,
  parent: string,
  required: boolean,
  problemOf: (value: string) => CodedProblem | undefined,
): string | undefined {
  const path = `${parent}.${key}`;
  const value = own(object, key);
  if (value === undefined) return required ? issues.add(path, 'is required', 'SECRET_ENTRY_INVALID') : undefined;
  if (typeof value !== 'string') {
    return issues.add(path, `must be a string, got ${describe(value)}`, 'SECRET_ENTRY_INVALID');
  }
  const problem = problemOf(value);
  return problem === undefined ? value : issues.add(path, problem.message, problem.code);
}

function secretTextProblem(text: string, maxLength: number, multiline: boolean): CodedProblem | undefined {
  const tooLong = lengthProblem(text, maxLength);
  if (tooLong !== undefined) return { code: 'SECRET_TEXT_TOO_LONG', message: tooLong };
  const problem = textProblem(text, maxLength, multiline);
  return problem === undefined ? undefined : { code: 'SECRET_TEXT_INVALID', message: problem };
}

function configField(issues: IssueList, value: unknown): JsonObject | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    return issues.add('config', `must be a JSON Schema object with "type": "object", got ${describe(value)}`);
  }
  const type = own(value, 'type');
  if (type !== 'object') {
    issues.add('config.type', `must be "object" (install config is a JSON object), got ${describe(type)}`);
  }
  const shapeProblem = jsonShapeProblem(value);
  if (shapeProblem !== undefined) return issues.add('config', shapeProblem);
  const serialised = JSON.stringify(value);
  const bytes = Buffer.byteLength(serialised, 'utf8');
  if (bytes > MAX_CONFIG_BYTES) {
    return issues.add('config', `is ${bytes} bytes as JSON; at most ${MAX_CONFIG_BYTES} bytes are allowed`);
  }
  // A copy, so the manifest shares nothing with the caller's object.
  const schema = JSON.parse(serialised) as JsonObject;
  // A schema that cannot be compiled (an unresolvable $ref, a pattern RE2 refuses) would make every install
  // of the version fail: refuse it at publication instead.
  const compiled = compileConfigSchema(schema);
  if (!compiled.ok) return issues.add('config', `is not a usable JSON Schema: ${compiled.problem}`);
  return schema;
}

/**
 * Why `root` is not a JSON value within the config depth limit. Iterative and with a budget of values, so
 * that no input from a JavaScript caller (deep, cyclic, or a web of shared references with exponentially
 * many paths) can exhaust the stack or run for long.
 */
function jsonShapeProblem(root: JsonObject): string | undefined {
  const pending: { value: unknown; depth: number }[] = [{ value: root, depth: 1 }];
  // Every JSON value takes at least one byte, so more values than the byte limit cannot fit.
  let budget = MAX_CONFIG_BYTES;
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { value, depth } = next;
    if (Array.isArray(value) || isObject(value)) {
      if (depth > MAX_CONFIG_DEPTH) return `is nested deeper than ${MAX_CONFIG_DEPTH} levels`;
      const children = Object.values(value);
      budget -= children.length;
      if (budget < 0) return `is larger than ${MAX_CONFIG_BYTES} bytes as JSON`;
      for (const child of children) pending.push({ value: child, depth: depth + 1 });
    } else if (
      value !== null &&
      typeof value !== 'string' &&
      typeof value !== 'boolean' &&
      !(typeof value === 'number' && Number.isFinite(value))
    ) {
      return `contains ${describe(value)}, which is not a JSON value`;
    }
  }
  return undefined;
}

// ---- helpers -------------------------------------------------------------------------------------

function reportUnknownFields(issues: IssueList, object: JsonObject, parent: string, allowed: readonly string[]): void {
  for (const key of Object.keys(object)) {
    if (!allowed.includes(key)) {
      const path = parent === '' ? key : `${parent}.${key}`;
      issues.add(
        path,
        `is not a known field; allowed fields${parent === '' ? '' : ` of ${parent}`} are ${allowed.join(', ')}`,
      );
    }
  }
}

/** Own properties only: a key such as "constructor" must not resolve to something inherited. */
function own(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** A plain object (as JSON.parse makes), not an array, null, or a Date, Map and the like. */
function isObject(value: unknown): value is JsonObject {
  return Object.prototype.toString.call(value) === '[object Object]';
}

function isCapability(value: string): value is Capability {
  return (KNOWN_CAPABILITIES as readonly string[]).includes(value);
}

function isHttpMethod(value: string): value is HttpMethod {
  return (HTTP_METHODS as readonly string[]).includes(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${quote(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean') return `${typeof value} ${String(value)}`;
  if (typeof value === 'object') return 'an object';
  return typeof value;
}

/** A value quoted for a message: escaped, and shortened so one huge field cannot swell the report. */
function quote(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > 80 ? `${chars.slice(0, 80).join('')}…` : text);
}

// ---- JSON syntax errors ---------------------------------------------------------------------------

/**
 * V8's messages do not always give a position (`Unexpected token 'x', "..." is not valid JSON`), so the
 * first syntax error is located here by a small scanner that follows RFC 8259.
 */
function jsonSyntaxMessage(text: string, error: unknown): string {
  const found = findJsonSyntaxError(text);
  if (found === undefined) {
    return `manifest.json is not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
  }
  const before = text.slice(0, found.offset);
  const line = before.split('\n').length;
  const column = found.offset - before.lastIndexOf('\n');
  return `manifest.json is not valid JSON at line ${line}, column ${column} (position ${found.offset}): ${found.problem}`;
}

interface SyntaxProblem {
  offset: number;
  problem: string;
}

/** The first place where `text` departs from the JSON grammar, or undefined when it is valid JSON. Iterative, so deep nesting is safe. */
function findJsonSyntaxError(text: string): SyntaxProblem | undefined {
  const closers: ('}' | ']')[] = [];
  let at = 0;
  let expecting: 'value' | 'key' | 'next' = 'value';
  const skipWhitespace = (): void => {
    while (at < text.length && ' \t\n\r'.includes(text.charAt(at))) at++;
  };
  const unexpected = (wanted: string): SyntaxProblem => ({
    offset: at,
    problem: `expected ${wanted}, found ${at < text.length ? quote(text.charAt(at)) : 'the end of the text'}`,
  });
  for (;;) {
    skipWhitespace();
    const char = text.charAt(at);
    if (expecting === 'value') {
      if (char === '{' || char === '[') {
        at++;
        skipWhitespace();
        const closer = char === '{' ? '}' : ']';
        if (text.charAt(at) === closer) {
          at++;
          expecting = 'next';
        } else {
          closers.push(closer);
          expecting = char === '{' ? 'key' : 'value';
        }
        continue;
      }
      const end = scanScalar(text, at);
      if (typeof end !== 'number') return end;
      at = end;
      expecting = 'next';
    } else if (expecting === 'key') {
      if (char !== '"') return unexpected('a double-quoted property name');
      const end = scanString(text, at);
      if (typeof end !== 'number') return end;
      at = end;
      skipWhitespace();
      if (text.charAt(at) !== ':') return unexpected('":" after the property name');
      at++;
      expecting = 'value';
    } else {
      const closer = closers.at(-1);
      if (closer === undefined) return at < text.length ? unexpected('nothing after the JSON value') : undefined;
      if (char === ',') {
        at++;
        expecting = closer === '}' ? 'key' : 'value';
      } else if (char === closer) {
        at++;
        closers.pop();
      } else {
        return unexpected(`"," or "${closer}"`);
      }
    }
  }
}

/** Scans a string, number or literal that starts at `start`: its end offset, or the problem. */
function scanScalar(text: string, start: number): number | SyntaxProblem {
  const char = text.charAt(start);
  if (char === '"') return scanString(text, start);
  if (char === '-' || isDigit(char)) return scanNumber(text, start);
  const literal = ['true', 'false', 'null'].find((word) => word.startsWith(char) && char !== '');
  if (literal !== undefined) {
    for (let index = 1; index < literal.length; index++) {
      if (text.charAt(start + index) !== literal.charAt(index)) {
        return { offset: start + index, problem: `expected ${literal}` };
      }
    }
    return start + literal.length;
  }
  return {
    offset: start,
    problem: `expected a value, found ${start < text.length ? quote(char) : 'the end of the text'}`,
  };
}

function scanString(text: string, start: number): number | SyntaxProblem {
  for (let at = start + 1; at < text.length; at++) {
    const char = text.charAt(at);
    if (char === '"') return at + 1;
    if (char < ' ') return { offset: at, problem: 'control characters must be escaped inside strings' };
    if (char === '\\') {
      at++;
      const escape = text.charAt(at);
      if (escape === 'u') {
        for (let digit = 0; digit < 4; digit++) {
          at++;
          if (!/^[0-9a-fA-F]$/.test(text.charAt(at))) {
            return { offset: at, problem: 'a \\u escape needs four hexadecimal digits' };
          }
        }
      } else if (escape !== '' && !'"\\/bfnrt'.includes(escape)) {
        return {
          offset: at,
          problem: 'invalid escape sequence in string; allowed are \\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX',
        };
      }
    }
  }
  return { offset: text.length, problem: 'unterminated string' };
}

function scanNumber(text: string, start: number): number | SyntaxProblem {
  let at = start;
  const digits = (): number => {
    const from = at;
    while (isDigit(text.charAt(at))) at++;
    return at - from;
  };
  if (text.charAt(at) === '-') at++;
  if (text.charAt(at) === '0') at++;
  else if (digits() === 0) return { offset: at, problem: 'expected a digit in the number' };
  if (text.charAt(at) === '.') {
    at++;
    if (digits() === 0) return { offset: at, problem: 'expected a digit after the decimal point' };
  }
  if (text.charAt(at) === 'e' || text.charAt(at) === 'E') {
    at++;
    if (text.charAt(at) === '+' || text.charAt(at) === '-') at++;
    if (digits() === 0) return { offset: at, problem: 'expected a digit in the exponent' };
  }
  return at;
}

function isDigit(char: string): boolean {
  return char.length === 1 && char >= '0' && char <= '9';
}
