import { Inject, Injectable } from '@nestjs/common';
import type { ContentHash } from '@extplat/contracts';
import {
  type CertificateSummary,
  TrustStore,
  verifyBundleSignature,
  type SignatureVerdict,
  type SigningPolicy,
} from '@extplat/signing';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';

/** A CA of the trust bundle, as publishers and the console are shown it. */
export interface TrustedCa {
  subject: string;
  fingerprint: string;
}

/**
 * Signature verdicts under the configured policy and trust bundle. The trust bundle is parsed once at
 * start-up, so a broken one stops the API before it accepts any upload (fail closed).
 */
@Injectable()
export class VerificationService {
  private readonly trust: TrustStore | null;

  constructor(@Inject(API_CONFIG) private readonly config: ApiConfig) {
    this.trust = config.signing.trustBundlePem ? TrustStore.fromPem(config.signing.trustBundlePem) : null;
  }

  get policy(): SigningPolicy {
    return this.config.signing.policy;
  }

  /** The trust anchors by subject and fingerprint: what a publisher compares their CA against. */
  get trustedCas(): TrustedCa[] {
    return (this.trust?.anchors ?? []).map(({ subject, fingerprint }: CertificateSummary) => ({
      subject,
      fingerprint,
    }));
  }

  /** `envelope` is the detached signature's JSON text, or null when the upload came without one. */
  verify(contentHash: ContentHash, envelope: string | null, publisher: string): SignatureVerdict {
    return verifyBundleSignature({
      contentHash,
      envelope,
      publisher,
      trust: this.trust,
      revokedFingerprints: this.config.signing.revokedFingerprints,
      policy: this.config.signing.policy,
    });
  }
}
