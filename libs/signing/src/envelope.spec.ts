import { beforeAll, describe, expect, it } from '@jest/globals';
import { contentHashFromHex } from '@extplat/contracts';
import fc from 'fast-check';
import { MAX_SIGNATURE_ENVELOPE_BYTES, parseSignatureEnvelope, type SignatureEnvelope } from './envelope.js';
import { SigningError, type SigningErrorCode } from './errors.js';
import { createDevCa, issuePublisherCertificate } from './keygen.js';
import { scanPem } from './pem.js';
import { signBundle } from './sign.js';
import { TrustStore } from './trust-store.js';
import { verifyBundleSignature } from './verify.js';

const HASH = contentHashFromHex('5e'.repeat(32));

let envelope: SignatureEnvelope;
let text: string;
let trust: TrustStore;

beforeAll(() => {
  const ca = createDevCa({ commonName: 'Envelope Test CA', validDays: 30, keyBits: 2048 });
  const publisher = issuePublisherCertificate({ ca, publisher: 'acme', validDays: 30, keyBits: 2048 });
  envelope = signBundle({
    contentHash: HASH,
    privateKeyPem: publisher.keyPem,
    // The CA copy is allowed (it is the anchor) and gives the mutations a second certificate to damage.
    certificatesPem: [publisher.certificatePem, ca.certificatePem],
  });
  text = JSON.stringify(envelope, null, 2);
  trust = TrustStore.fromPem(ca.certificatePem);
});

function withFields(changes: Record<string, unknown>): string {
  return JSON.stringify({ ...envelope, ...changes });
}

function without(field: keyof SignatureEnvelope): string {
  const copy: Record<string, unknown> = { ...envelope };
  delete copy[field];
  return JSON.stringify(copy);
}

function thrownBy(action: () => unknown): SigningError {
  try {
    action();
  } catch (error) {
    if (error instanceof SigningError) return error;
    throw error;
  }
  throw new Error('expected a SigningError');
}

function verify(input: SignatureEnvelope | string) {
  return verifyBundleSignature({
    contentHash: HASH,
    envelope: input,
    publisher: 'acme',
    trust,
    revokedFingerprints: [],
    policy: 'enforce',
  });
}

describe('parseSignatureEnvelope', () => {
  it('reads what signBundle writes', () => {
    expect(parseSignatureEnvelope(text)).toEqual(envelope);
    expect(verify(text).status).toBe('verified');
  });

  const certificate = () => envelope.certificates[0] ?? '';
  const cases: [string, () => unknown, RegExp][] = [
    ['not JSON', () => '{"format": ', /not valid JSON/],
    ['a JSON array', () => '[]', /not a JSON object/],
    ['a JSON string', () => '"extplat-signature/v1"', /not a JSON object/],
    ['not text at all', () => 42, /expected JSON text/],
    ['a wrong format string', () => withFields({ format: 'extplat-signature/v2' }), /format must be/],
    ['a missing signature', () => without('signature'), /missing field\(s\) signature/],
    ['a missing signedAt', () => without('signedAt'), /missing field\(s\) signedAt/],
    ['an extra field', () => withFields({ comment: 'hi' }), /unexpected field\(s\) comment/],
    ['a __proto__ field', () => text.replace('{', '{"__proto__": {},'), /unexpected field\(s\) __proto__/],
    ['an upper-case digest', () => withFields({ digest: HASH.toUpperCase() }), /digest must be/],
    ['a digest without its prefix', () => withFields({ digest: HASH.slice(7) }), /digest must be/],
    ['a non-string algorithm', () => withFields({ algorithm: 1 }), /algorithm must be a string/],
    ['signature bytes in hex', () => withFields({ signature: 'zz' + envelope.signature }), /canonical base64/],
    ['non-canonical base64 padding', () => withFields({ signature: 'QUJ=' }), /canonical base64/],
    ['an empty signature', () => withFields({ signature: '' }), /canonical base64/],
    ['certificates as one string', () => withFields({ certificates: certificate() }), /non-empty array/],
    ['no certificates', () => withFields({ certificates: [] }), /non-empty array/],
    ['six certificates', () => withFields({ certificates: Array(6).fill(certificate()) }), /at most 5/],
    [
      'a repeated certificate',
      () => withFields({ certificates: [certificate(), certificate().replace(/\n/g, '\r\n')] }),
      /certificates\[1\] repeats an earlier certificate/,
    ],
    ['a non-PEM certificate', () => withFields({ certificates: ['MIIB'] }), /certificates\[0\] is not one PEM/],
    [
      'a private key as certificate',
      () => withFields({ certificates: [certificate().replace(/CERTIFICATE/g, 'PRIVATE KEY')] }),
      /certificates\[0\]/,
    ],
    [
      'two PEM blocks in one entry',
      () => withFields({ certificates: [certificate() + certificate()] }),
      /certificates\[0\]/,
    ],
    ['text around the PEM', () => withFields({ certificates: ['leaf:\n' + certificate()] }), /certificates\[0\]/],
    ['a number as certificate', () => withFields({ certificates: [7] }), /certificates\[0\]/],
    ['a date without time zone', () => withFields({ signedAt: '2026-01-02T03:04:05' }), /signedAt/],
    ['a date that is not ISO 8601', () => withFields({ signedAt: 'yesterday' }), /signedAt/],
    ['an impossible date', () => withFields({ signedAt: '2026-13-02T03:04:05Z' }), /signedAt/],
    ['too many bytes', () => text + ' '.repeat(MAX_SIGNATURE_ENVELOPE_BYTES), /larger than the limit of 65536/],
  ];

  it.each(cases)('rejects %s (SIGNATURE_MALFORMED)', (_case, input, message) => {
    const error = thrownBy(() => parseSignatureEnvelope(input() as string));
    expect(error.code).toBe('SIGNATURE_MALFORMED');
    expect(error.message).toMatch(message);
    // The same text given to the verifier is a rejected verdict, not an exception.
    const verdict = verify(input() as string);
    expect(verdict).toMatchObject({ status: 'rejected', code: 'SIGNATURE_MALFORMED' });
    expect(verdict.checks[0]).toMatchObject({ name: 'envelope', status: 'fail', code: 'SIGNATURE_MALFORMED' });
  });

  it('rejects an unknown algorithm name as UNSUPPORTED_ALGORITHM, but parses ECDSA-P256-SHA256', () => {
    for (const algorithm of ['RSA-SHA1', 'rsassa-pss-sha256', 'Ed25519']) {
      const error = thrownBy(() => parseSignatureEnvelope(withFields({ algorithm })));
      expect(error.code).toBe('UNSUPPORTED_ALGORITHM' satisfies SigningErrorCode);
      expect(error.message).toMatch(/only RSASSA-PSS-SHA256 is accepted/);
    }
    expect(parseSignatureEnvelope(withFields({ algorithm: 'ECDSA-P256-SHA256' })).algorithm).toBe('ECDSA-P256-SHA256');
  });

  it('leaves X.509 parsing to the verifier, which reports an unreadable certificate as SIGNATURE_MALFORMED', () => {
    const notX509 = '-----BEGIN CERTIFICATE-----\nMAMCAQE=\n-----END CERTIFICATE-----\n';
    const parsed = parseSignatureEnvelope(withFields({ certificates: [notX509] }));
    const verdict = verify(parsed);
    expect(verdict).toMatchObject({ status: 'rejected', code: 'SIGNATURE_MALFORMED' });
    expect(verdict.message).toMatch(/the signing certificate is not a valid X\.509 certificate/);
  });
});

describe('envelope mutations (property)', () => {
  /** What the signature and chain depend on; signedAt is asserted by the signer and not signed. */
  function signedContent(value: SignatureEnvelope) {
    return {
      format: value.format,
      digest: value.digest,
      algorithm: value.algorithm,
      signature: value.signature,
      certificates: value.certificates.map((pem) => scanPem(pem).blocks[0]?.der?.toString('hex')),
    };
  }

  function mutations(): fc.Arbitrary<(input: string) => string> {
    const at = fc.nat({ max: text.length - 1 });
    const piece = fc.oneof(
      fc.string({ minLength: 1, maxLength: 4 }),
      fc.constantFrom('"', '\\', '{', '}', '[', ']', ',', ':', '\\n', '=', '+', '/', 'A', '0', ' '),
    );
    const field = fc.constantFrom('format', 'digest', 'algorithm', 'signature', 'certificates', 'signedAt', 'extra');
    return fc.oneof(
      fc.tuple(at, piece).map(
        ([index, value]) =>
          (input: string) =>
            input.slice(0, index) + value + input.slice(index + 1),
      ),
      fc.tuple(at, piece).map(
        ([index, value]) =>
          (input: string) =>
            input.slice(0, index) + value + input.slice(index),
      ),
      fc.tuple(at, fc.integer({ min: 1, max: 40 })).map(
        ([index, length]) =>
          (input: string) =>
            input.slice(0, index) + input.slice(index + length),
      ),
      at.map((index) => (input: string) => input.slice(0, index)),
      fc.tuple(field, fc.jsonValue()).map(([name, value]) => (input: string) => {
        const object = JSON.parse(input) as Record<string, unknown>;
        return JSON.stringify({ ...object, [name]: value });
      }),
      // Base64 characters changed inside the signature or a certificate (forge then parses damaged DER).
      fc
        .tuple(
          fc.constantFrom(
            () => envelope.signature,
            () => JSON.stringify(envelope.certificates[0]).slice(1, -1),
            () => JSON.stringify(envelope.certificates[1]).slice(1, -1),
          ),
          fc.nat(),
          fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'),
        )
        .map(([target, offset, char]) => (input: string) => {
          const encoded = target();
          // Skip the PEM header so the change lands in the base64 body.
          const skip = encoded.startsWith('-----') ? 30 : 0;
          const index = input.indexOf(encoded) + skip + (offset % (encoded.length - 2 * skip));
          return input.slice(0, index) + char + input.slice(index + 1);
        }),
      fc.constant((input: string) => {
        const object = JSON.parse(input) as SignatureEnvelope;
        return JSON.stringify({ ...object, certificates: [...object.certificates, ...object.certificates] });
      }),
      // Harmless changes, so the accepting branch of the property is exercised too.
      fc.constant((input: string) =>
        JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(input) as object).reverse())),
      ),
      fc.date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) }).map((date) => (input: string) => {
        return JSON.stringify({ ...(JSON.parse(input) as object), signedAt: date.toISOString() });
      }),
    );
  }

  it('parse throws only SigningError, and only unchanged signed content is ever accepted', () => {
    fc.assert(
      fc.property(mutations(), (mutate) => {
        const mutated = mutate(text);
        let parsed: SignatureEnvelope;
        try {
          parsed = parseSignatureEnvelope(mutated);
        } catch (error) {
          expect(error).toBeInstanceOf(SigningError);
          return;
        }
        const verdict = verify(mutated);
        expect(verify(parsed).accepted).toBe(verdict.accepted);
        if (verdict.accepted) expect(signedContent(parsed)).toEqual(signedContent(envelope));
      }),
      { numRuns: 400 },
    );
  });
});
