import { Inject, Injectable } from '@nestjs/common';
import type { ContentHash } from '@extplat/contracts';
import { TrustStore, verifyBundleSignature, type SignatureVerdict } from '@extplat/signing';
import type { ApiConfig } from '../config/api-config.js';
import { API_CONFIG } from '../config/config.module.js';

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
