import { existsSync } from 'node:fs';
import { SIGNING_POLICIES, TrustStore, verifyBundleSignature, type SigningPolicy } from '@extplat/signing';
import type { Command } from 'commander';
import { CliError, ExitCode } from '../exit-codes.js';
import type { Output } from '../output.js';
import { inspectFile } from './inspect.js';
import { readInput } from './keygen.js';

interface VerifyOptions {
  trust: string;
  sig?: string;
  revoked?: string;
  policy: string;
}

export function registerVerify(program: Command, output: Output): void {
  program
    .command('verify')
    .description('check a bundle and its signature against a trust bundle, printing every check')
    .argument('<bundle>', 'bundle file (.tar.zst)')
    .requiredOption('--trust <pem>', 'trust bundle: PEM file of trusted CA certificates')
    .option('--sig <file>', 'signature envelope (default: <bundle>.sig)')
    .option('--revoked <fingerprints>', 'comma-separated SHA-256 fingerprints of revoked certificates')
    .option('--policy <policy>', `signing policy: ${SIGNING_POLICIES.join(', ')}`, 'enforce')
    .action(async (bundle: string, options: VerifyOptions) => {
      if (!(SIGNING_POLICIES as readonly string[]).includes(options.policy)) {
        throw new CliError(ExitCode.USAGE, `--policy must be one of ${SIGNING_POLICIES.join(', ')}`, 'INVALID_OPTION');
      }
      const signaturePath = options.sig ?? `${bundle}.sig`;
      // Every rule of the format first: the publisher to check comes from the verified manifest.
      const inspection = await inspectFile(bundle, output);
      const envelope = existsSync(signaturePath) ? await readInput(signaturePath) : null;
      if (envelope === null && options.sig)
        throw new CliError(ExitCode.INPUT, `${signaturePath}: no such file`, 'FILE_NOT_FOUND');
      const verdict = verifyBundleSignature({
        contentHash: inspection.contentHash,
        envelope,
        publisher: inspection.manifest.publisher,
        trust: TrustStore.fromPem(await readInput(options.trust)),
        revokedFingerprints: (options.revoked ?? '')
          .split(',')
          .map((item) =>
            item
              .trim()
              .replace(/^sha256:/, '')
              .replaceAll(':', '')
              .toLowerCase(),
          )
          .filter((item) => item !== ''),
        policy: options.policy as SigningPolicy,
      });
      const lines = [
        `${bundle}: ${verdict.status}${verdict.accepted ? '' : ` (${verdict.code ?? 'rejected'})`}`,
        `  content hash  ${inspection.contentHash}`,
        `  publisher     ${inspection.manifest.publisher}`,
        ...(verdict.signer
          ? [`  signer        ${verdict.signer.commonName} (sha256 ${verdict.signer.fingerprint})`]
          : []),
        ...verdict.checks.map(
          (check) =>
            `  ${check.status === 'pass' ? 'ok  ' : check.status === 'fail' ? 'FAIL' : '--  '}  ${check.name}${check.message ? `: ${check.message}` : ''}`,
        ),
      ];
      output.result(
        { bundle, contentHash: inspection.contentHash, publisher: inspection.manifest.publisher, verdict },
        lines.join('\n'),
      );
      if (!verdict.accepted) {
        throw new CliError(
          ExitCode.SIGNATURE,
          verdict.message ?? 'signature rejected',
          verdict.code ?? 'SIGNATURE_REJECTED',
          { reported: true },
        );
      }
    });
}
