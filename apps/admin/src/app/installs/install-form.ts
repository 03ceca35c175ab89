import { ChangeDetectionStrategy, Component, computed, effect, inject, input, output, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { explain, type Explanation } from '../core/api-error';
import type { Install, VersionDetail } from '@extplat/api-client';
import { TenantContext } from '../core/tenant-context.service';
import { TenantPicker } from '../tenants/tenant-picker';
import { SessionService } from '../auth/session.service';
import { GrantItem } from '../install-detail/grant-item';
import { ErrorPanel } from '../shared/error-panel';
import { InstallsService } from './installs.service';

/**
 * Installs a version for a tenant: the admin grants capabilities and egress (each requested one listed
 * with what it allows and its risk, none granted until chosen; granting all is one explicit action), sets the config (JSON, validated by the server against the version's schema) and
 * chooses whether to enable it now.
 */
@Component({
  selector: 'app-install-form',
  imports: [FormsModule, ErrorPanel, GrantItem, TenantPicker],
  template: `
    <form (ngSubmit)="submit()" class="stack" aria-describedby="install-help">
      <p id="install-help" class="muted">
        Install {{ version().extension }} {{ version().version }} for a tenant. Only what you grant can be used.
      </p>
      @if (session.isPlatformAdmin()) {
        <label for="install-tenant">Tenant</label>
        <app-tenant-picker
          inputId="install-tenant"
          label="Tenant"
          [value]="tenants.tenantId()"
          (picked)="tenants.choose($event)"
        />
        @if (!tenants.tenantId()) {
          <p class="notice">No tenant chosen: pick one, or create one on the Tenants page first.</p>
        }
      }
      @if (requestedCount() > 0) {
        <div class="grant-all">
          <p class="muted" data-testid="grant-summary" aria-live="polite">{{ grantSummary() }}</p>
          <button type="button" (click)="grantAll()" [disabled]="grantedCount() === requestedCount()">
            Grant everything this version requests
          </button>
        </div>
      }
      <fieldset>
        <legend>Capabilities</legend>
        @for (capability of version().capabilities; track capability) {
          <label class="check grant">
            <input
              type="checkbox"
              [name]="'cap-' + capability"
              [ngModel]="capabilities().has(capability)"
              (ngModelChange)="toggle(capabilities, capability, $event)"
            />
            <app-grant-item kind="capability" [name]="capability" />
          </label>
        } @empty {
          <p class="muted">This version requests no capabilities.</p>
        }
      </fieldset>
      <fieldset>
        <legend>Egress (origins it may call)</legend>
        @for (origin of version().egress; track origin) {
          <label class="check grant">
            <input
              type="checkbox"
              [name]="'egress-' + origin"
              [ngModel]="egress().has(origin)"
              (ngModelChange)="toggle(egress, origin, $event)"
            />
            <app-grant-item kind="egress" [name]="origin" />
          </label>
        } @empty {
          <p class="muted">This version calls no outside origins.</p>
        }
      </fieldset>
      <label for="install-config">Configuration (JSON)</label>
      <textarea
        id="install-config"
        name="config"
        rows="5"
        [(ngModel)]="configText"
        [attr.aria-invalid]="configError() ? true : null"
        aria-describedby="install-config-error"
      ></textarea>
      <p id="install-config-error" class="field-error" aria-live="polite">{{ configError() }}</p>
      <label class="check"> <input type="checkbox" name="enabled" [(ngModel)]="enableNow" /> Enable right away </label>
      @if (error(); as failure) {
        <app-error-panel [error]="failure" />
      }
      <button type="submit" class="primary" [disabled]="busy() || !tenants.tenantId()">
        {{ busy() ? 'Installing…' : 'Install' }}
      </button>
    </form>
  `,
  styles: `
    .grant {
      align-items: flex-start;
    }
    .grant-all {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InstallForm {
  protected readonly session = inject(SessionService);
  protected readonly tenants = inject(TenantContext);
  private readonly installs = inject(InstallsService);

  readonly version = input.required<VersionDetail>();
  readonly installed = output<Install>();

  protected readonly capabilities = signal<ReadonlySet<string>>(new Set());
  protected readonly egress = signal<ReadonlySet<string>>(new Set());
  protected configText = '{}';
  protected enableNow = true;
  protected readonly busy = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly configError = signal('');

  protected readonly requestedCount = computed(() => this.version().capabilities.length + this.version().egress.length);
  protected readonly grantedCount = computed(() => this.capabilities().size + this.egress().size);
  protected readonly grantSummary = computed(() => {
    const requested = this.requestedCount();
    const granted = this.grantedCount();
    const noun = requested === 1 ? 'permission' : 'permissions';
    return granted === 0
      ? `Nothing granted yet: this version requests ${requested} ${noun}.`
      : `${granted} of ${requested} requested ${noun} granted.`;
  });

  constructor() {
    // Least privilege: a new version starts with nothing granted; the admin chooses each grant.
    effect(() => {
      this.version();
      this.capabilities.set(new Set());
      this.egress.set(new Set());
    });
  }

  protected grantAll(): void {
    this.capabilities.set(new Set(this.version().capabilities));
    this.egress.set(new Set(this.version().egress));
  }

  protected toggle(set: typeof this.capabilities, value: string, checked: boolean): void {
    set.update((current) => {
      const next = new Set(current);
      if (checked) next.add(value);
      else next.delete(value);
      return next;
    });
  }

  protected async submit(): Promise<void> {
    let config: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(this.configText || '{}');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      config = parsed as Record<string, unknown>;
      this.configError.set('');
    } catch {
      this.configError.set('The configuration must be a JSON object, e.g. {"greeting": "Hello"}.');
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const install = await this.installs.create({
        extensionId: this.version().extension,
        version: this.version().version,
        ...(this.session.isPlatformAdmin() ? { tenantId: this.tenants.tenantId() ?? undefined } : {}),
        grant: { capabilities: [...this.capabilities()], egress: [...this.egress()] },
        config,
        enabled: this.enableNow,
      });
      this.installed.emit(install);
    } catch (failure) {
      this.error.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }
}
