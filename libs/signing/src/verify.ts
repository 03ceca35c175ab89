import { type ContentHash, isContentHash } from '@extplat/contracts';
import {
  envelopeCertificateDer,
  parseSignatureEnvelope,
  type SignatureAlgorithm,
  type SignatureEnvelope,
  validateSignatureEnvelope,
  VERIFIED_ALGORITHM,
} from './envelope.js';
import { SigningError, type SigningErrorCode } from './errors.js';
import { decodeBase64 } from './pem.js';
import { SIGNING_POLICIES, type SigningPolicy } from './policy.js';
import { pssVerify } from './rsa-pss.js';
import type { TrustStore } from './trust-store.js';
import {
  allowsCodeSigning,
  basicConstraints,
  type CertificateSummary,
  commonNames,
  extensionProblem,
  issuedBy,
  keyUsage,
  normalizeFingerprint,
  notACaReason,
  type ParsedCertificate,
  parseCertificate,
  summarize,
} from './x509.js';

/** The checks of a verdict, always all of them and in this order. */
export const SIGNATURE_CHECKS = [
  'envelope',
  'integrity',
  'signature',
  'chain',
  'validity',
  'keyUsage',
  'publisher',
  'revocation',
] as const;
export type SignatureCheckName = (typeof SIGNATURE_CHECKS)[number];

export interface CheckResult {
  name: SignatureCheckName;
  status: 'pass' | 'fail' | 'skipped';
  /** Set when the check failed. */
  code?: SigningErrorCode;
  message?: string;
}

export type VerdictStatus = 'verified' | 'unsigned' | 'rejected' | 'not-checked';

export interface SignerInfo extends CertificateSummary {
  algorithm: SignatureAlgorithm;
}

export interface SignatureVerdict {
  policy: SigningPolicy;
  status: VerdictStatus;
  accepted: boolean;
  /** The failed check's code, when rejected. */
  code?: SigningErrorCode;
  message?: string;
  checks: CheckResult[];
  /** The signing certificate, whenever the envelope could be read (also for a rejected signature). */
  signer?: SignerInfo;
  /** As asserted by the signer; not covered by the signature. */
  signedAt?: string;
}

export interface VerifyBundleSignatureOptions {
  contentHash: ContentHash;
  /** The envelope, or its JSON text (parsed here, so a malformed file becomes a rejected verdict), or null. */
  envelope: SignatureEnvelope | string | null;
  /** `manifest.publisher`; must equal the signing certificate's Subject CN. */
  publisher: string;
  /** null when no trust bundle is configured: any present signature then fails the chain check. */
  trust: TrustStore | null;
  /** SHA-256 fingerprints of revoked certificates (hex, any case, colons allowed). */
  revokedFingerprints: readonly string[];
  policy: SigningPolicy;
  now?: Date;
}

interface Passed<T> {
  value: T;
  message: string;
}

interface ReadEnvelope {
  envelope: SignatureEnvelope;
  signer: SignerInfo;
  signature: Buffer;
  leaf: ParsedCertificate;
  intermediates: ParsedCertificate[];
}

/** The code of a check that fails with an unexpected exception (a forge bug or an unforeseen input). */
const FALLBACK_CODES: Record<SignatureCheckName, SigningErrorCode> = {
  envelope: 'SIGNATURE_MALFORMED',
  integrity: 'DIGEST_MISMATCH',
  signature: 'SIGNATURE_INVALID',
  chain: 'SIGNER_UNTRUSTED',
  validity: 'CERT_EXPIRED',
  keyUsage: 'KEY_USAGE_INVALID',
  publisher: 'PUBLISHER_MISMATCH',
  revocation: 'CERT_REVOKED',
};

function fail(code: SigningErrorCode, message: string): SigningError {
  return new SigningError(code, message);
}

function role(index: number, chainLength: number): string {
  if (index === 0) return 'the signing certificate';
  return index === chainLength - 1 ? 'the trust anchor' : 'the intermediate CA';
}

function readEnvelope(input: SignatureEnvelope | string): Passed<ReadEnvelope> {
  const envelope = typeof input === 'string' ? parseSignatureEnvelope(input) : validateSignatureEnvelope(input);
  if (envelope.algorithm !== VERIFIED_ALGORITHM) {
    throw fail(
      'UNSUPPORTED_ALGORITHM',
      `${envelope.algorithm} signatures are not supported; only ${VERIFIED_ALGORITHM} is accepted`,
    );
  }
  const [leaf, ...intermediates] = envelope.certificates.map((pem, index) => {
    const label = index === 0 ? 'the signing certificate' : `intermediate certificate ${index}`;
    const der = envelopeCertificateDer(pem);
    try {
      if (!der) throw fail('CERTIFICATE_INVALID', `${label} is not a PEM certificate`);
      return parseCertificate(der, label);
    } catch (error) {
      // Only the code changes: an unreadable certificate makes the envelope malformed.
      if (error instanceof SigningError && error.code === 'CERTIFICATE_INVALID') {
        throw fail('SIGNATURE_MALFORMED', `signature envelope: ${error.message}`);
      }
      throw error;
    }
  });
  const signature = decodeBase64(envelope.signature);
  if (!leaf || !signature) throw fail('SIGNATURE_MALFORMED', 'signature envelope: no certificate or signature');
  return {
    value: { envelope, signer: { ...summarize(leaf), algorithm: envelope.algorithm }, signature, leaf, intermediates },
    message: `${envelope.format}, ${envelope.algorithm}, ${envelope.certificates.length} certificate(s)`,
  };
}

function checkIntegrity(envelope: SignatureEnvelope, contentHash: ContentHash): Passed<true> {
  if (envelope.digest !== contentHash) {
    throw fail('DIGEST_MISMATCH', `the signature is for ${envelope.digest}, but the bundle is ${contentHash}`);
  }
  return { value: true, message: `the signed digest is the bundle's ${contentHash}` };
}

function checkSignature(read: ReadEnvelope, contentHash: ContentHash): Passed<true> {
  if (!pssVerify(contentHash, read.signature, read.leaf.publicKey)) {
    throw fail(
      'SIGNATURE_INVALID',
      `the ${VERIFIED_ALGORITHM} signature does not verify with the key of ${read.leaf.subject}`,
    );
  }
  return { value: true, message: `${VERIFIED_ALGORITHM} signature verifies with the key of ${read.leaf.subject}` };
}

/** The first candidate whose signature on `child` verifies; the reasons of the others go to `problems`. */
function firstIssuer(
  child: ParsedCertificate,
  candidates: ParsedCertificate[],
  problems: string[],
): ParsedCertificate | undefined {
  for (const candidate of candidates) {
    const problem = issuedBy(child, candidate);
    if (problem === null) return candidate;
    problems.push(problem);
  }
  return undefined;
}

/**
 * Builds leaf → intermediates → anchor. At each step a trust anchor is preferred, so an anchor also
 * sent in the envelope ends the chain there; every certificate signature on the path is verified.
 */
function buildChain(read: ReadEnvelope, trust: TrustStore): ParsedCertificate[] {
  const chain = [read.leaf];
  const unused = [...read.intermediates];
  let current = read.leaf;
  for (;;) {
    const problems: string[] = [];
    const anchor = firstIssuer(current, trust.candidateIssuers(current), problems);
    if (anchor) return [...chain, anchor];
    const named = unused.filter((candidate) => candidate.certificate.issued(current.certificate));
    const next = firstIssuer(current, named, problems);
    if (!next) {
      throw fail(
        'SIGNER_UNTRUSTED',
        problems[0] ?? `the issuer of ${current.subject} (${current.issuer}) is neither in the envelope nor trusted`,
      );
    }
    unused.splice(unused.indexOf(next), 1);
    chain.push(next);
    current = next;
  }
}

function checkChain(read: ReadEnvelope, trust: TrustStore | null): Passed<ParsedCertificate[]> {
  if (!trust) {
    throw fail('SIGNER_UNTRUSTED', 'no trust bundle is configured (SIGNING_TRUST_BUNDLE), so no signer is trusted');
  }
  const chain = buildChain(read, trust);
  // Nothing unverified rides along: every envelope certificate is on the chain or is an anchor itself.
  const stray = read.intermediates.find((certificate) => !chain.includes(certificate) && !trust.contains(certificate));
  if (stray) throw fail('SIGNER_UNTRUSTED', `${stray.subject} in the envelope is not on the chain to a trust anchor`);
  for (const [index, certificate] of chain.entries()) {
    const problem = extensionProblem(certificate);
    if (problem) throw fail('SIGNER_UNTRUSTED', problem);
    const child = chain[index - 1];
    if (!child) continue;
    const notCa = notACaReason(certificate);
    if (notCa) throw fail('SIGNER_UNTRUSTED', `${notCa}, but it issued ${child.subject}`);
    // CA certificates below this one on the path; pathLenConstraint caps them (anchors included).
    const below = index - 1;
    const pathLen = basicConstraints(certificate)?.pathLen;
    if (pathLen !== undefined && below > pathLen) {
      throw fail(
        'SIGNER_UNTRUSTED',
        `${certificate.subject} allows ${pathLen} intermediate CA(s) below it (pathLenConstraint), the chain has ${below}`,
      );
    }
  }
  return {
    value: chain,
    message: chain.map((certificate) => certificate.subject).join(' → ') + ' (trust anchor)',
  };
}

function checkValidity(chain: ParsedCertificate[], now: Date): Passed<true> {
  for (const [index, { certificate, subject }] of chain.entries()) {
    const { notBefore, notAfter } = certificate.validity;
    if (now < notBefore) {
      throw fail(
        'CERT_NOT_YET_VALID',
        `${role(index, chain.length)} ${subject} is not valid before ${notBefore.toISOString()}`,
      );
    }
    if (now > notAfter) {
      throw fail('CERT_EXPIRED', `${role(index, chain.length)} ${subject} expired at ${notAfter.toISOString()}`);
    }
  }
  return { value: true, message: `${chain.length} certificate(s) valid at ${now.toISOString()}` };
}

function checkKeyUsage(leaf: ParsedCertificate): Passed<true> {
  if (basicConstraints(leaf)?.cA === true) {
    throw fail(
      'KEY_USAGE_INVALID',
      `the signing certificate ${leaf.subject} is a CA certificate; sign with an end-entity publisher certificate`,
    );
  }
  const usage = keyUsage(leaf);
  if (usage && !usage.digitalSignature) {
    throw fail('KEY_USAGE_INVALID', `the keyUsage of ${leaf.subject} does not include digitalSignature`);
  }
  const codeSigning = allowsCodeSigning(leaf);
  if (codeSigning === false) {
    throw fail('KEY_USAGE_INVALID', `the extKeyUsage of ${leaf.subject} does not include codeSigning`);
  }
  const allowed = [usage && 'keyUsage digitalSignature', codeSigning && 'extKeyUsage codeSigning'].filter(Boolean);
  return { value: true, message: allowed.length > 0 ? allowed.join(', ') : 'no key usage restrictions' };
}

function checkPublisher(leaf: ParsedCertificate, publisher: string): Passed<true> {
  const names = commonNames(leaf);
  const [name] = names;
  if (names.length !== 1 || name === undefined) {
    throw fail(
      'PUBLISHER_MISMATCH',
      `the signing certificate has ${names.length} Subject CNs; exactly one, the publisher, is required`,
    );
  }
  if (name !== publisher) {
    throw fail('PUBLISHER_MISMATCH', `the bundle is signed by "${name}", but its manifest publisher is "${publisher}"`);
  }
  return { value: true, message: `Subject CN is the publisher "${publisher}"` };
}

function checkRevocation(chain: ParsedCertificate[], revoked: ReadonlySet<string>): Passed<true> {
  for (const [index, { fingerprint, subject }] of chain.entries()) {
    if (revoked.has(fingerprint)) {
      throw fail('CERT_REVOKED', `${role(index, chain.length)} ${subject} (sha256 ${fingerprint}) is revoked`);
    }
  }
  return { value: true, message: `no certificate of the chain is among ${revoked.size} revoked fingerprint(s)` };
}

interface Evaluation {
  results: CheckResult[];
  signer?: SignerInfo;
  signedAt?: string;
}

/** Runs the checks in order and stops at the first failure; the verdict marks the rest as skipped. */
function evaluate(
  options: VerifyBundleSignatureOptions & { envelope: SignatureEnvelope | string },
  revoked: ReadonlySet<string>,
  now: Date,
): Evaluation {
  const results: CheckResult[] = [];
  const step = <T>(name: SignatureCheckName, check: () => Passed<T>): T | undefined => {
    try {
      const { value, message } = check();
      results.push({ name, status: 'pass', message });
      return value;
    } catch (error) {
      const known = error instanceof SigningError;
      const code = known ? error.code : FALLBACK_CODES[name];
      const message = known
        ? error.message
        : `unexpected error: ${error instanceof Error ? error.message : String(error)}`;
      results.push({ name, status: 'fail', code, message });
      return undefined;
    }
  };

  const read = step('envelope', () => readEnvelope(options.envelope));
  if (!read) return { results };
  const evaluation: Evaluation = { results, signer: read.signer, signedAt: read.envelope.signedAt };
  if (!step('integrity', () => checkIntegrity(read.envelope, options.contentHash))) return evaluation;
  if (!step('signature', () => checkSignature(read, options.contentHash))) return evaluation;
  const chain = step('chain', () => checkChain(read, options.trust));
  if (!chain) return evaluation;
  if (!step('validity', () => checkValidity(chain, now))) return evaluation;
  if (!step('keyUsage', () => checkKeyUsage(read.leaf))) return evaluation;
  if (!step('publisher', () => checkPublisher(read.leaf, options.publisher))) return evaluation;
  step('revocation', () => checkRevocation(chain, revoked));
  return evaluation;
}

function allSkipped(message: string): CheckResult[] {
  return SIGNATURE_CHECKS.map((name) => ({ name, status: 'skipped', message }));
}

/**
 * Verifies a bundle's detached signature and applies the signing policy (ARCHITECTURE §5):
 * - `off`: nothing is checked; status `not-checked`, accepted.
 * - no envelope: `enforce` rejects with SIGNATURE_REQUIRED; `warn` accepts with status `unsigned`.
 * - an envelope (under `enforce` or `warn`): the checks run in SIGNATURE_CHECKS order and stop at the
 *   first failure, whose code rejects the bundle; later checks are reported as skipped. All pass: `verified`.
 * Never throws for anything about the signature; throws TypeError for invalid options (a content hash,
 * policy or revoked fingerprint that is not well-formed), because those are configuration or caller bugs.
 */
export function verifyBundleSignature(options: VerifyBundleSignatureOptions): SignatureVerdict {
  const { contentHash, envelope, policy, now = new Date() } = options;
  if (!SIGNING_POLICIES.includes(policy)) throw new TypeError(`unknown signing policy "${String(policy)}"`);
  if (!isContentHash(contentHash)) throw new TypeError('contentHash must be "sha256:" and 64 lowercase hex digits');
  if (Number.isNaN(now.getTime())) throw new TypeError('now is not a valid date');
  const revoked = new Set(options.revokedFingerprints.map(normalizeFingerprint));

  if (policy === 'off') {
    return {
      policy,
      status: 'not-checked',
      accepted: true,
      message: 'signature not checked: the signing policy is off',
      checks: allSkipped('the signing policy is off'),
    };
  }
  if (envelope === null) {
    if (policy === 'warn') {
      return {
        policy,
        status: 'unsigned',
        accepted: true,
        message: 'unsigned bundle accepted: the signing policy is warn',
        checks: allSkipped('no signature'),
      };
    }
    const message = 'a signature is required: the signing policy is enforce';
    return {
      policy,
      status: 'rejected',
      accepted: false,
      code: 'SIGNATURE_REQUIRED',
      message,
      checks: [
        { name: 'envelope', status: 'fail', code: 'SIGNATURE_REQUIRED', message },
        ...allSkipped('no signature').slice(1),
      ],
    };
  }

  const { results, signer, signedAt } = evaluate({ ...options, envelope }, revoked, now);
  const failure = results.find((result) => result.status === 'fail');
  const checks = SIGNATURE_CHECKS.map(
    (name): CheckResult =>
      results.find((result) => result.name === name) ?? {
        name,
        status: 'skipped',
        message: `not evaluated: the ${failure?.name ?? 'previous'} check failed`,
      },
  );
  const details = { checks, ...(signer ? { signer } : {}), ...(signedAt ? { signedAt } : {}) };
  if (failure) {
    return { policy, status: 'rejected', accepted: false, code: failure.code, message: failure.message, ...details };
  }
  return { policy, status: 'verified', accepted: true, message: `signed by ${signer?.subject ?? '?'}`, ...details };
}
