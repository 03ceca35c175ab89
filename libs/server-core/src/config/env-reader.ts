import { existsSync, readFileSync, statSync } from 'node:fs';

export type Env = Readonly<Record<string, string | undefined>>;

/** Every problem found in the environment, so an operator fixes them all in one go. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';

  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  }
}

interface Common<T> {
  default?: T;
  /** The value is a secret: messages never echo it. */
  secret?: boolean;
}

/**
 * Reads and checks environment variables one by one, collecting a message per problem that names the
 * variable and the rule it breaks. `finish()` throws them all at once.
 */
export class EnvReader {
  private readonly problems: string[] = [];

  constructor(private readonly env: Env) {}

  /** True when the variable is set to a non-empty value. */
  has(name: string): boolean {
    return (this.env[name] ?? '').trim() !== '';
  }

  problem(name: string, rule: string, value?: string, secret = false): void {
    const shown =
      value === undefined ? '' : secret ? ` (got a value of ${value.length} characters)` : ` (got "${value}")`;
    this.problems.push(`${name}: ${rule}${shown}`);
  }

  private raw(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  string(
    name: string,
    options: Common<string> & { required: true; rule: string; pattern?: RegExp; minLength?: number },
  ): string;
  string(
    name: string,
    options: Common<string> & { required?: false; rule: string; pattern?: RegExp; minLength?: number },
  ): string | undefined;
  string(
    name: string,
    options: Common<string> & { required?: boolean; rule: string; pattern?: RegExp; minLength?: number },
  ): string | undefined {
    const value = this.raw(name) ?? options.default;
    if (value === undefined) {
      if (options.required) this.problem(name, `is required: ${options.rule}`);
      return undefined;
    }
    if ((options.pattern && !options.pattern.test(value)) || value.length < (options.minLength ?? 0)) {
      this.problem(name, `must be ${options.rule}`, value, options.secret);
    }
    return value;
  }

  int(name: string, options: { default: number; min: number; max: number }): number {
    const value = this.raw(name);
    if (value === undefined) return options.default;
    const parsed = /^-?\d+$/.test(value) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(parsed) || parsed < options.min || parsed > options.max) {
      this.problem(name, `must be a whole number from ${options.min} to ${options.max}`, value);
      return options.default;
    }
    return parsed;
  }

  bool(name: string, options: { default: boolean }): boolean {
    const value = this.raw(name)?.toLowerCase();
    if (value === undefined) return options.default;
    if (['true', '1', 'yes'].includes(value)) return true;
    if (['false', '0', 'no'].includes(value)) return false;
    this.problem(name, 'must be true or false', value);
    return options.default;
  }

  oneOf<T extends string>(name: string, values: readonly T[], options: { default: T }): T {
    const value = this.raw(name);
    if (value === undefined) return options.default;
    if (!(values as readonly string[]).includes(value)) {
      this.problem(name, `must be one of ${values.join(', ')}`, value);
      return options.default;
    }
    return value as T;
  }

  url(name: string, options: { required: true; default?: string; protocols?: string[]; origin?: boolean }): string;
  url(
    name: string,
    options: { required?: false; default?: string; protocols?: string[]; origin?: boolean },
  ): string | undefined;
  url(
    name: string,
    options: { required?: boolean; default?: string; protocols?: string[]; origin?: boolean },
  ): string | undefined {
    const protocols = options.protocols ?? ['http:', 'https:'];
    const rule = `an absolute ${protocols.map((p) => p.replace(':', '')).join(' or ')} URL${options.origin ? ' with no path (an origin)' : ''}`;
    const value = this.raw(name) ?? options.default;
    if (value === undefined) {
      if (options.required) this.problem(name, `is required: ${rule}`);
      return undefined;
    }
    const parsed = URL.canParse(value) ? new URL(value) : undefined;
    if (
      !parsed ||
      !protocols.includes(parsed.protocol) ||
      (options.origin && parsed.pathname !== '/' && parsed.pathname !== '')
    ) {
      this.problem(name, `must be ${rule}`, redactUrl(value));
      return undefined;
    }
    return options.origin ? parsed.origin : value.replace(/\/+$/, '');
  }

  /** Comma-separated list; each item is checked by `check`, which returns a rule text when it fails. */
  list(name: string, check: (item: string) => string | undefined): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const items = value
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    for (const item of items) {
      const rule = check(item);
      if (rule) this.problem(name, `each item must be ${rule}`, item);
    }
    return items;
  }

  /** A directory path; created later by whoever writes there, but never a file. */
  directory(name: string, options: { required: boolean; default?: string }): string | undefined {
    const value = this.raw(name) ?? options.default;
    if (value === undefined) {
      if (options.required) this.problem(name, 'is required: a directory path');
      return undefined;
    }
    if (existsSync(value) && !statSync(value).isDirectory())
      this.problem(name, 'must be a directory, not a file', value);
    return value;
  }

  /** Inline PEM text or the path of a readable file holding it; returns the PEM text. */
  pem(name: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const text = value.includes('-----BEGIN') ? value.replaceAll('\\n', '\n') : readIfFile(value);
    if (text === undefined) {
      this.problem(name, 'must be inline PEM text or the path of a readable PEM file', value);
      return undefined;
    }
    if (!/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.test(text)) {
      this.problem(
        name,
        'must contain at least one PEM "CERTIFICATE" block',
        value.includes('-----BEGIN') ? 'inline PEM' : value,
      );
      return undefined;
    }
    return text;
  }

  finish(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }
}

function readIfFile(path: string): string | undefined {
  try {
    return statSync(path).isFile() ? readFileSync(path, 'utf8') : undefined;
  } catch {
    return undefined;
  }
}

/** Hides the password part of a URL for messages and logs. */
export function redactUrl(value: string): string {
  if (!URL.canParse(value)) return value;
  const parsed = new URL(value);
  if (!parsed.password) return value;
  parsed.password = '***';
  return parsed.toString();
}

/** Exit status for a configuration error (EX_CONFIG in sysexits.h). */
export const EXIT_CONFIG = 78;

/** Loads a process's config at boot; a ConfigError is printed for the operator and ends the process. */
export function loadConfigOrExit<T>(processName: string, load: (env: Env) => T): T {
  try {
    return load(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${processName}: ${error.message}\n`);
    process.exit(EXIT_CONFIG);
  }
}
