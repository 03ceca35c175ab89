import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  certificateFingerprint,
  createDevCa,
  developmentCaName,
  issuePublisherCertificate,
  type KeyAndCertificate,
} from '@extplat/signing';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';

export interface KeygenOptions {
  publisher: string;
  out: string;
  days: number;
  caCert?: string;
  caKey?: string;
}

export interface KeygenResult {
  caCertificate: string;
  /** SHA-256 of the CA certificate: what a platform's trust bundle (and a SIGNER_UNTRUSTED error) names. */
  caFingerprint: string;
  caKey?: string;
  certificate: string;
  key: string;
  created: boolean;
}

/**
 * A development CA (unless an existing one is given) and a publisher certificate issued by it, whose CN
 * is the publisher id that manifests name. Keys are written with mode 0600 and never overwritten.
 */
export async function generateKeys(options: KeygenOptions): Promise<KeygenResult> {
  if (!/^[a-z0-9-]{2,64}$/.test(options.publisher)) {
    throw new CliError(
      ExitCode.USAGE,
      '--publisher must be 2-64 characters of a-z, 0-9 and "-" (as in manifest.json)',
      'INVALID_OPTION',
    );
  }
  if ((options.caCert === undefined) !== (options.caKey === undefined)) {
    throw new CliError(ExitCode.USAGE, '--ca-cert and --ca-key go together', 'INVALID_OPTION');
  }
  const certificate = join(options.out, `${options.publisher}.pem`);
  const key = join(options.out, `${options.publisher}.key`);
  const caCertificate = options.caCert ?? join(options.out, 'ca.pem');
  const caKey = options.caKey ?? join(options.out, 'ca.key');
  const toWrite = options.caCert ? [certificate, key] : [certificate, key, caCertificate, caKey];
  const existing = toWrite.filter((path) => existsSync(path));
  if (existing.length > 0) {
    throw new CliError(ExitCode.EXISTS, `refusing to overwrite ${existing.join(', ')}`, 'TARGET_EXISTS');
  }
  await mkdir(options.out, { recursive: true, mode: 0o700 });
  let ca: KeyAndCertificate;
  if (options.caCert && options.caKey) {
    ca = { certificatePem: await readInput(options.caCert), keyPem: await readInput(options.caKey) };
  } else {
    ca = createDevCa({
      commonName: developmentCaName(resolve(options.out)),
      validDays: Math.max(options.days, 3650),
    });
    await writeFile(caCertificate, ca.certificatePem, { flag: 'wx', mode: 0o644 });
    await writeFile(caKey, ca.keyPem, { flag: 'wx', mode: 0o600 });
  }
  const issued = issuePublisherCertificate({ ca, publisher: options.publisher, validDays: options.days });
  await writeFile(certificate, issued.certificatePem, { flag: 'wx', mode: 0o644 });
  await writeFile(key, issued.keyPem, { flag: 'wx', mode: 0o600 });
  return {
    caCertificate,
    caFingerprint: certificateFingerprint(ca.certificatePem),
    ...(options.caCert ? {} : { caKey }),
    certificate,
    key,
    created: !options.caCert,
  };
}

export async function readInput(path: string): Promise<string> {
  return readFile(path, 'utf8').catch(() => {
    throw new CliError(ExitCode.INPUT, `${path}: no such file or not readable`, 'FILE_NOT_FOUND');
  });
}

export function registerKeygen(program: Command, output: Output): void {
  program
    .command('keygen')
    .description(
      "create a publisher signing certificate + key, issued by the platform's CA (--ca-cert/--ca-key) or by a new development CA",
    )
    .requiredOption('--publisher <id>', 'publisher id (the certificate CN; must equal manifest.publisher)')
    .option('--out <dir>', 'where to write the files', 'keys')
    .option('--days <n>', 'validity of the publisher certificate in days', (value) => Number.parseInt(value, 10), 365)
    .option('--ca-cert <pem>', 'issue from this existing CA certificate instead of creating one')
    .option('--ca-key <pem>', 'private key of --ca-cert')
    .action(async (options: KeygenOptions) => {
      if (!Number.isSafeInteger(options.days) || options.days < 1 || options.days > 3650) {
        throw new CliError(ExitCode.USAGE, '--days must be a whole number from 1 to 3650', 'INVALID_OPTION');
      }
      const progress = output.progress('keygen');
      progress.update('generating RSA keys');
      const result = await generateKeys(options);
      progress.done();
      output.result(
        { ...result },
        [
          `publisher certificate  ${result.certificate}`,
          `publisher key          ${result.key}  (keep it secret)`,
          `CA certificate         ${result.caCertificate}`,
          `CA fingerprint         ${result.caFingerprint}`,
          ...(result.caKey
            ? [
                `CA key                 ${result.caKey}  (development only)`,
                '',
                "This CA is new: no platform trusts it until its certificate is in the platform's SIGNING_TRUST_BUNDLE.",
                'To publish to a running platform, issue from the CA it trusts instead; for npm start that is',
                '  extctl keygen --publisher <id> --ca-cert .data/dev-ca/ca.pem --ca-key .data/dev-ca/ca.key',
              ]
            : []),
        ].join('\n'),
      );
    });
}
