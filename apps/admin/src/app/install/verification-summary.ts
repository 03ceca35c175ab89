import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import type { UploadResult } from './upload/upload-controller';
import { formatBytes } from '../shared/format';

/** What the platform verified and registered: hash, signature checks and the manifest's promises. */
@Component({
  selector: 'app-verification-summary',
  template: `
    @let version = result().version;
    <section class="card" aria-labelledby="summary-title" data-testid="verification-summary">
      <h3 id="summary-title">
        {{ version.extension }} {{ version.version }}
        {{ result().created ? 'is verified and registered' : 'was already registered' }}
      </h3>
      <dl class="facts">
        <dt>Content hash</dt>
        <dd>
          <code class="wrap" data-testid="summary-hash">{{ version.contentHash }}</code>
        </dd>
        <dt>Size</dt>
        <dd>{{ bytes(version.size) }} ({{ bytes(version.unpackedSize) }} unpacked)</dd>
        <dt>Signature</dt>
        <dd data-testid="summary-signature">
          <span class="badge" [class.ok]="version.signature.status === 'verified'">{{ version.signature.status }}</span>
          @if (version.signature.signer) {
            signed by <strong>{{ version.signature.signer }}</strong>
          }
          (policy {{ version.signature.policy }})
        </dd>
        @if (version.signature.signerFingerprint) {
          <dt>Signer fingerprint</dt>
          <dd>
            <code class="wrap">{{ version.signature.signerFingerprint }}</code>
          </dd>
        }
      </dl>
      @if (version.signature.checks.length) {
        <h4>Signature checks</h4>
        <ul class="checks">
          @for (check of version.signature.checks; track check.name) {
            <li [class]="check.status">
              {{ check.name }}: {{ check.status }}
              @if (check.message) {
                — {{ check.message }}
              }
            </li>
          }
        </ul>
      }
      <h4>Manifest</h4>
      <dl class="facts">
        <dt>Name</dt>
        <dd>
          {{ version.extension }}
          @if (displayName()) {
            — {{ displayName() }}
          }
        </dd>
        <dt>Version</dt>
        <dd>{{ version.version }}</dd>
        <dt>Publisher</dt>
        <dd>{{ version.publisher }}</dd>
        <dt>Capabilities</dt>
        <dd>{{ version.capabilities.join(', ') || 'none' }}</dd>
        <dt>Egress</dt>
        <dd>{{ version.egress.join(', ') || 'none' }}</dd>
        <dt>Endpoints</dt>
        <dd>
          @for (endpoint of version.endpoints; track endpoint.method + endpoint.path) {
            <code>{{ endpoint.method }} {{ endpoint.path }}</code
            >&nbsp;
          } @empty {
            none
          }
        </dd>
        <dt>UI entry</dt>
        <dd>{{ version.uiEntry ?? 'no UI' }}</dd>
      </dl>
    </section>
  `,
  styles: `
    /* Hashes and fingerprints are single long words: they wrap instead of widening the page at 390 px. */
    .facts {
      grid-template-columns: max-content minmax(0, 1fr);
    }
    .facts dd {
      min-width: 0;
      overflow-wrap: anywhere;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class VerificationSummary {
  readonly result = input.required<UploadResult>();
  protected readonly displayName = computed(() => {
    const value = this.result().version.manifest['displayName'];
    return typeof value === 'string' ? value : null;
  });
  protected readonly bytes = formatBytes;
}
