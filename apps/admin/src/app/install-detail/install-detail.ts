import {
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  ElementRef,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { DatePipe } from '@angular/common';
import { Dialog } from '@angular/cdk/dialog';
import { Router, RouterLink } from '@angular/router';
import { compareSemver } from '@extplat/contracts';
import type { AuditEvent, Grant, Install, VersionDiff, VersionSummary } from '@extplat/api-client';
import { firstValueFrom } from 'rxjs';
import { explain, type Explanation } from '../core/api-error';
import { TenantContext } from '../core/tenant-context.service';
import { SessionService } from '../auth/session.service';
import { RegistryService } from '../extensions/registry.service';
import { InstallsService } from '../installs/installs.service';
import { ErrorPanel } from '../shared/error-panel';
import { countOf } from '../shared/format';
import { ConfirmService } from '../shared/confirm-dialog';
import { allPages } from '../core/pages';
import { ConfigForm } from './config-form';
import { GrantItem } from './grant-item';
import { actorOf, describeInstallEvent } from './install-events';
import { grantForSwitch } from './switch-grant';
import { UninstallDialog, type UninstallDialogData } from './uninstall-dialog';

interface PendingSwitch {
  diff: VersionDiff;
  /** The additions the admin ticked: nothing is ticked until they do. */
  approved: ReadonlySet<string>;
}

/**
 * One install, for the admins of its tenant: state, configuration (a form from the version's schema),
 * secrets (names only), grants explained from the capability catalog, upgrade and roll back with explicit
 * approval of what a version adds, uninstall, and the install's audit trail.
 */
@Component({
  selector: 'app-install-detail',
  imports: [DatePipe, RouterLink, ErrorPanel, ConfigForm, GrantItem],
  template: `
    @if (install(); as current) {
      <p>
        <a [routerLink]="['/extensions', current.extension.name]">← {{ title() }}</a>
      </p>
      <div class="heading-row">
        <h2>{{ title() }} {{ current.version }}</h2>
        <span [class]="current.enabled ? 'badge ok' : 'badge'" data-testid="install-enabled">
          {{ current.enabled ? 'enabled' : 'disabled' }}
        </span>
      </div>
      <p class="muted">
        {{ current.extension.name }}{{ tenantName() ? ' · for ' + tenantName() : '' }}
        @if (current.versionStatus === 'yanked') {
          · <span class="badge warn">version yanked</span>
        }
      </p>
      <div class="actions">
        <button type="button" [disabled]="busy()" (click)="setEnabled(current, !current.enabled)">
          {{ current.enabled ? 'Disable' : 'Enable' }}
        </button>
        @if (current.enabled && current.ui) {
          <a class="button" [routerLink]="['/apps', current.extension.name]">Open it</a>
        }
      </div>
      @if (notice()) {
        <p class="ok-text" role="status">{{ notice() }}</p>
      }
      @if (actionError(); as failure) {
        <app-error-panel [error]="failure" />
      }

      <section class="card" aria-labelledby="config-title">
        <h3 id="config-title">Configuration</h3>
        @if (schemaLoaded()) {
          <app-config-form [install]="current" [schema]="schema()" (changed)="replace($event)" />
        } @else {
          <p aria-live="polite">Loading…</p>
        }
      </section>

      <section class="card" aria-labelledby="secrets-title">
        <h3 id="secrets-title">Secrets</h3>
        <p class="muted small">Values are sealed when saved and never shown again, here or anywhere else.</p>
        @if (current.declaredSecrets; as declared) {
          @if (current.missingSecrets.length) {
            <p class="notice" role="status" data-testid="missing-secrets">
              Required and not set: {{ current.missingSecrets.join(', ') }}. Calls that need
              {{ current.missingSecrets.length === 1 ? 'it' : 'them' }} fail until
              {{ current.missingSecrets.length === 1 ? 'it is' : 'they are' }} set.
            </p>
          }
          <ul class="plain-list declared" data-testid="secrets">
            @for (secret of declared; track secret.name) {
              <li [attr.data-secret]="secret.name">
                <div class="secret-text">
                  <strong>{{ secret.title || secret.name }}</strong>
                  @if (secret.title) {
                    <code>{{ secret.name }}</code>
                  }
                  @if (secret.set) {
                    <span class="badge ok">set</span>
                    @if (updatedAt(current, secret.name); as updated) {
                      <span class="muted small">updated {{ updated | date: 'medium' }}</span>
                    }
                  } @else if (secret.required) {
                    <span class="badge warn">required, not set</span>
                  } @else {
                    <span class="badge">optional, not set</span>
                  }
                  @if (secret.description) {
                    <p class="muted small description">{{ secret.description }}</p>
                  }
                </div>
                <div class="secret-actions">
                  <button type="button" (click)="startSecret(secret.name)">
                    {{ secret.set ? 'Replace' : 'Set' }} {{ secret.name }}
                  </button>
                  @if (secret.set) {
                    <button type="button" class="danger" (click)="deleteSecret(current, secret.name)">
                      Delete {{ secret.name }}
                    </button>
                  }
                </div>
              </li>
            } @empty {
              <li class="muted">Version {{ current.version }} declares no secrets.</li>
            }
          </ul>
          @if (undeclared(current).length) {
            <p class="muted small">Set earlier, not declared by {{ current.version }} (it cannot read them):</p>
            <ul class="plain-list" data-testid="undeclared-secrets">
              @for (secret of undeclared(current); track secret.name) {
                <li>
                  <code>{{ secret.name }}</code>
                  <button type="button" class="danger" (click)="deleteSecret(current, secret.name)">
                    Delete {{ secret.name }}
                  </button>
                </li>
              }
            </ul>
          }
        } @else {
          <ul class="plain-list" data-testid="secrets">
            @for (secret of current.secrets; track secret.name) {
              <li>
                <code>{{ secret.name }}</code>
                <span class="badge ok">set</span>
                <span class="muted small">updated {{ secret.updatedAt | date: 'medium' }}</span>
                <button type="button" (click)="startSecret(secret.name)">Replace {{ secret.name }}</button>
                <button type="button" class="danger" (click)="deleteSecret(current, secret.name)">
                  Delete {{ secret.name }}
                </button>
              </li>
            } @empty {
              <li class="muted">No secret is set.</li>
            }
          </ul>
        }
        <!-- A version that declares an empty list takes no secret at all: nothing to set. -->
        @if (!current.declaredSecrets || current.declaredSecrets.length) {
          <form class="inline-form" (submit)="$event.preventDefault(); saveSecret(current)">
            <label for="secret-name">Name</label>
            @if (current.declaredSecrets; as declared) {
              <select
                id="secret-name"
                name="secretName"
                [value]="secretName()"
                (change)="secretName.set($any($event.target).value)"
              >
                <option value="">Choose a secret</option>
                @for (secret of declared; track secret.name) {
                  <option [value]="secret.name" [selected]="secret.name === secretName()">{{ secret.name }}</option>
                }
              </select>
            } @else {
              <input
                id="secret-name"
                name="secretName"
                autocomplete="off"
                [value]="secretName()"
                (input)="secretName.set($any($event.target).value)"
              />
            }
            <label for="secret-value">Value</label>
            <input
              #secretValueInput
              id="secret-value"
              name="secretValue"
              type="password"
              autocomplete="new-password"
              [value]="secretValue()"
              (input)="secretValue.set($any($event.target).value)"
            />
            <button type="submit" class="primary" [disabled]="busy() || !secretName().trim() || !secretValue()">
              {{ isSet(current, secretName().trim()) ? 'Replace secret' : 'Set secret' }}
            </button>
          </form>
        }
      </section>

      <section class="card" aria-labelledby="grants-title">
        <h3 id="grants-title">What it may do</h3>
        <p class="muted small">
          Version {{ current.version }} requests {{ countOf(requestedCount(), 'permission') }}; it may use only what is
          ticked.
        </p>
        <ul class="grant-list" data-testid="grants">
          @for (capability of current.capabilities.requested; track capability) {
            <li>
              <input
                type="checkbox"
                [id]="'grant-cap-' + $index"
                [checked]="draft().has(capability)"
                (change)="toggleDraft(capability)"
              />
              <label [for]="'grant-cap-' + $index"><app-grant-item kind="capability" [name]="capability" /></label>
            </li>
          }
          @for (origin of current.egress.requested; track origin) {
            <li>
              <input
                type="checkbox"
                [id]="'grant-egress-' + $index"
                [checked]="draft().has(origin)"
                (change)="toggleDraft(origin)"
              />
              <label [for]="'grant-egress-' + $index"><app-grant-item kind="egress" [name]="origin" /></label>
            </li>
          }
        </ul>
        @if (requestedCount() === 0) {
          <p class="muted">This version requests nothing.</p>
        } @else {
          <div class="actions">
            <button type="button" [disabled]="busy() || !draftChanged()" (click)="saveGrants(current, draftGrant())">
              Save grants
            </button>
            <button
              type="button"
              [disabled]="busy() || allGranted()"
              (click)="
                saveGrants(current, { capabilities: current.capabilities.requested, egress: current.egress.requested })
              "
            >
              Grant everything {{ current.version }} requests
            </button>
          </div>
        }
      </section>

      <section class="card" aria-labelledby="versions-title">
        <h3 id="versions-title">Other versions</h3>
        <ul class="plain-list">
          @for (version of otherVersions(); track version.id) {
            <li>
              <button type="button" [disabled]="busy()" (click)="prepareSwitch(current, version.version)">
                {{ isNewer(version.version, current.version) ? 'Upgrade' : 'Roll back' }} to {{ version.version }}
              </button>
            </li>
          } @empty {
            <li class="muted">No other published version.</li>
          }
        </ul>
        @if (pending(); as switching) {
          <div class="card inset" role="region" aria-labelledby="diff-title" data-testid="version-diff">
            <h4 id="diff-title">
              {{ switching.diff.direction === 'rollback' ? 'Roll back' : 'Upgrade' }} from {{ switching.diff.from }} to
              {{ switching.diff.to }}
            </h4>
            @if (additions(switching.diff).length) {
              <p>{{ switching.diff.to }} asks for more. Tick what you grant; nothing is granted unless you tick it.</p>
              <ul class="grant-list">
                @for (added of additions(switching.diff); track added.name) {
                  <li>
                    <input
                      type="checkbox"
                      [id]="'approve-' + $index"
                      [checked]="switching.approved.has(added.name)"
                      (change)="toggleApproval(added.name)"
                    />
                    <label [for]="'approve-' + $index"
                      ><app-grant-item [kind]="added.kind" [name]="added.name"
                    /></label>
                  </li>
                }
              </ul>
            } @else {
              <p>{{ switching.diff.to }} asks for nothing beyond what is granted now.</p>
            }
            @if (switching.diff.missingSecrets.length) {
              <p class="notice" data-testid="diff-missing-secrets">
                {{ switching.diff.to }} requires secrets that are not set:
                {{ switching.diff.missingSecrets.join(', ') }}. Set them after switching; calls that need them fail
                until then.
              </p>
            }
            @if (dropped(switching.diff).length) {
              <p>No longer requested, so dropped:</p>
              <ul class="grant-list">
                @for (removed of dropped(switching.diff); track removed.name) {
                  <li><app-grant-item [kind]="removed.kind" [name]="removed.name" /></li>
                }
              </ul>
            }
            <div class="actions">
              <button
                type="button"
                class="primary"
                [disabled]="busy()"
                (click)="confirmSwitch(current, switching, false)"
              >
                Switch to {{ switching.diff.to }}{{ additions(switching.diff).length ? ' with what is ticked' : '' }}
              </button>
              @if (additions(switching.diff).length) {
                <button type="button" [disabled]="busy()" (click)="confirmSwitch(current, switching, true)">
                  Grant everything {{ switching.diff.to }} requests and switch
                </button>
              }
              <button type="button" (click)="pending.set(null)">Keep {{ switching.diff.from }}</button>
            </div>
          </div>
        }
      </section>

      <section class="card" aria-labelledby="audit-title">
        <h3 id="audit-title">History</h3>
        <ol class="timeline" data-testid="install-audit">
          @for (event of audit(); track event.id) {
            <li>
              <time [attr.datetime]="event.occurredAt">{{ event.occurredAt | date: 'medium' }}</time>
              <strong>{{ describe(event) }}</strong>
              @if (event.outcome === 'failure') {
                <span class="field-error">failed</span>
              }
              <span>by {{ actor(event) }}</span>
            </li>
          } @empty {
            <li class="muted">No events yet.</li>
          }
        </ol>
        @if (auditError()) {
          <p class="field-error" role="status">The history could not be loaded: {{ auditError() }}</p>
        }
      </section>

      <section class="card" aria-labelledby="danger-title">
        <h3 id="danger-title">Uninstall</h3>
        <p class="muted small">Removes the install, its configuration and its secrets for this tenant.</p>
        <button type="button" class="danger" [disabled]="busy()" (click)="uninstall(current)">
          Uninstall {{ title() }}…
        </button>
      </section>
    } @else if (loadError(); as failure) {
      <p><a routerLink="/extensions">← Extensions</a></p>
      <app-error-panel [error]="failure" />
    } @else {
      <p aria-live="polite">Loading…</p>
    }
  `,
  styles: `
    .plain-list,
    .grant-list {
      list-style: none;
      padding: 0;
      margin: 0.5rem 0;
    }
    .plain-list li {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.5rem;
    }
    .grant-list li {
      display: flex;
      align-items: flex-start;
      gap: 0.5rem;
      padding: 0.4rem 0;
      border-bottom: 1px solid var(--border);
    }
    .grant-list label {
      margin: 0;
      font-weight: 400;
      min-width: 0;
    }
    .grant-list input {
      margin-top: 0.3rem;
    }
    .heading-row {
      flex-wrap: wrap;
    }
    .declared li {
      justify-content: space-between;
      padding: 0.4rem 0;
      border-bottom: 1px solid var(--border);
    }
    .secret-text {
      display: flex;
      flex-wrap: wrap;
      align-items: baseline;
      gap: 0.5rem;
      min-width: 0;
    }
    .secret-text code,
    .secret-text strong {
      overflow-wrap: anywhere;
    }
    .secret-text .description {
      flex-basis: 100%;
      margin: 0;
      white-space: pre-line;
    }
    .secret-actions {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    h2 {
      overflow-wrap: anywhere;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InstallDetail {
  private readonly tenants = inject(TenantContext);
  private readonly session = inject(SessionService);
  private readonly installs = inject(InstallsService);
  private readonly registry = inject(RegistryService);
  private readonly dialog = inject(Dialog);
  private readonly confirmations = inject(ConfirmService);
  private readonly router = inject(Router);

  /** From the route (`/installs/:installId`). */
  readonly installId = input.required<string>();

  protected readonly install = signal<Install | null>(null);
  // Compared by content: a reload after saving a secret or a grant brings an equal schema, which must not
  // redraw the config form and throw away what the admin is typing there.
  protected readonly schema = signal<Record<string, unknown> | undefined>(undefined, {
    equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });
  protected readonly schemaLoaded = signal(false);
  protected readonly versions = signal<VersionSummary[]>([]);
  protected readonly audit = signal<AuditEvent[]>([]);
  protected readonly auditError = signal('');
  protected readonly loadError = signal<Explanation | null>(null);
  protected readonly actionError = signal<Explanation | null>(null);
  protected readonly notice = signal('');
  protected readonly busy = signal(false);
  protected readonly pending = signal<PendingSwitch | null>(null);
  protected readonly draft = signal<ReadonlySet<string>>(new Set());
  protected readonly secretName = signal('');
  protected readonly secretValue = signal('');
  private readonly secretValueInput = viewChild<ElementRef<HTMLInputElement>>('secretValueInput');

  /** Shown to platform admins; a tenant admin's page is always their own tenant's. */
  protected readonly tenantName = computed(() => {
    const tenantId = this.install()?.tenantId;
    return tenantId && this.session.isPlatformAdmin() ? this.tenants.nameOf(tenantId) : null;
  });
  protected readonly title = computed(() => {
    const current = this.install();
    return current ? current.extension.displayName || current.extension.name : '';
  });
  protected readonly otherVersions = computed(() =>
    this.versions().filter((version) => version.status === 'published' && version.version !== this.install()?.version),
  );
  protected readonly requestedCount = computed(() => {
    const current = this.install();
    return current ? current.capabilities.requested.length + current.egress.requested.length : 0;
  });
  protected readonly draftGrant = computed<Grant>(() => {
    const current = this.install();
    const draft = this.draft();
    return {
      capabilities: current?.capabilities.requested.filter((item) => draft.has(item)) ?? [],
      egress: current?.egress.requested.filter((item) => draft.has(item)) ?? [],
    };
  });
  protected readonly draftChanged = computed(() => {
    const current = this.install();
    if (!current) return false;
    const granted = new Set([...current.capabilities.granted, ...current.egress.granted]);
    const draft = this.draft();
    return granted.size !== draft.size || [...draft].some((item) => !granted.has(item));
  });
  protected readonly allGranted = computed(() => {
    const current = this.install();
    return (
      !!current &&
      current.capabilities.granted.length === current.capabilities.requested.length &&
      current.egress.granted.length === current.egress.requested.length
    );
  });

  protected readonly describe = describeInstallEvent;
  protected readonly countOf = countOf;
  protected readonly actor = actorOf;

  constructor() {
    effect(() => {
      void this.load(this.installId());
    });
  }

  protected isNewer(candidate: string, current: string): boolean {
    return compareSemver(candidate, current) > 0;
  }

  /** When the secret was last set, from the install's list of set names. */
  protected updatedAt(install: Install, name: string): string | undefined {
    return install.secrets.find((secret) => secret.name === name)?.updatedAt;
  }

  /** Secrets still set that the installed version does not declare (left by another version). */
  protected undeclared(install: Install): Install['secrets'] {
    const declared = install.declaredSecrets;
    if (!declared) return [];
    return install.secrets.filter((secret) => !declared.some((entry) => entry.name === secret.name));
  }

  protected isSet(install: Install, name: string): boolean {
    return install.secrets.some((secret) => secret.name === name);
  }

  protected replace(install: Install): void {
    this.install.set(install);
    void this.loadAudit(install.id);
  }

  protected async setEnabled(install: Install, enabled: boolean): Promise<void> {
    await this.act(async () => {
      this.replace(await this.installs.setEnabled(install.id, enabled));
      return enabled ? 'Enabled: calls reach it again.' : 'Disabled: calls to it are refused until it is enabled.';
    });
  }

  protected startSecret(name: string): void {
    this.secretName.set(name);
    this.secretValue.set('');
    this.secretValueInput()?.nativeElement.focus();
  }

  protected async saveSecret(install: Install): Promise<void> {
    const name = this.secretName().trim();
    const replacing = this.isSet(install, name);
    await this.act(async () => {
      await this.installs.setSecret(install.id, name, this.secretValue());
      this.secretName.set('');
      this.secretValue.set('');
      await this.reload(install.id);
      return `Secret ${name} ${replacing ? 'replaced' : 'set'}.`;
    });
  }

  protected async deleteSecret(install: Install, name: string): Promise<void> {
    // A secret's value can never be shown again: deleting it is confirmed like any other loss.
    const confirmed = await this.confirmations.confirm({
      title: `Delete the secret ${name}?`,
      message: `The extension can no longer read ${name}; to restore it, its value must be set again.`,
      confirmLabel: 'Delete secret',
      danger: true,
    });
    if (!confirmed) return;
    await this.act(async () => {
      await this.installs.deleteSecret(install.id, name);
      await this.reload(install.id);
      return `Secret ${name} deleted.`;
    });
  }

  protected toggleDraft(item: string): void {
    this.draft.update((current) => toggled(current, item));
  }

  protected async saveGrants(install: Install, grant: Grant): Promise<void> {
    await this.act(async () => {
      const { install: updated } = await this.installs.switchVersion(install.id, install.version, grant);
      this.replace(updated);
      this.syncDraft(updated);
      return 'Grants saved.';
    });
  }

  protected additions(diff: VersionDiff): { kind: 'capability' | 'egress'; name: string }[] {
    return [
      ...diff.capabilities.added.map((name) => ({ kind: 'capability' as const, name })),
      ...diff.egress.added.map((name) => ({ kind: 'egress' as const, name })),
    ];
  }

  protected dropped(diff: VersionDiff): { kind: 'capability' | 'egress'; name: string }[] {
    return [
      ...diff.capabilities.removed.map((name) => ({ kind: 'capability' as const, name })),
      ...diff.egress.removed.map((name) => ({ kind: 'egress' as const, name })),
    ];
  }

  protected async prepareSwitch(install: Install, version: string): Promise<void> {
    this.actionError.set(null);
    this.notice.set('');
    try {
      this.pending.set({ diff: await this.installs.versionDiff(install.id, version), approved: new Set() });
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  protected toggleApproval(item: string): void {
    this.pending.update((current) => current && { ...current, approved: toggled(current.approved, item) });
  }

  protected async confirmSwitch(install: Install, switching: PendingSwitch, everything: boolean): Promise<void> {
    const { diff } = switching;
    const approved = everything ? new Set(this.additions(diff).map((item) => item.name)) : switching.approved;
    const grant = grantForSwitch(
      { capabilities: install.capabilities.granted, egress: install.egress.granted },
      diff,
      approved,
    );
    await this.act(async () => {
      const { install: updated } = await this.installs.switchVersion(install.id, diff.to, grant);
      this.pending.set(null);
      await this.reload(updated.id);
      return `Now on version ${updated.version}.`;
    });
  }

  protected async uninstall(install: Install): Promise<void> {
    const ref = this.dialog.open<boolean, UninstallDialogData>(UninstallDialog, {
      data: { title: this.title(), name: install.extension.name, tenant: this.tenantName() },
      ariaLabelledBy: 'uninstall-title',
      autoFocus: '#uninstall-name',
    });
    if ((await firstValueFrom(ref.closed)) !== true) return;
    await this.act(async () => {
      await this.installs.uninstall(install.id);
      await this.router.navigate(['/extensions', install.extension.name]);
      return '';
    });
  }

  /** Runs one change: its message on success, the API's explanation on failure. */
  private async act(change: () => Promise<string>): Promise<void> {
    this.busy.set(true);
    this.actionError.set(null);
    this.notice.set('');
    try {
      this.notice.set(await change());
    } catch (failure) {
      this.actionError.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }

  private async load(installId: string): Promise<void> {
    try {
      await this.reload(installId);
      this.loadError.set(null);
    } catch (failure) {
      this.loadError.set(explain(failure));
    }
  }

  private async reload(installId: string): Promise<void> {
    const install = await this.installs.get(installId);
    const name = install.extension.name;
    const [detail, versions] = await Promise.all([
      this.registry.getVersion(name, install.version),
      allPages((cursor) => this.registry.versions(name, cursor)),
    ]);
    const config = detail.manifest['config'];
    this.schema.set(config && typeof config === 'object' ? (config as Record<string, unknown>) : undefined);
    this.schemaLoaded.set(true);
    this.versions.set(versions);
    this.install.set(install);
    this.syncDraft(install);
    await this.loadAudit(install.id);
  }

  private syncDraft(install: Install): void {
    this.draft.set(new Set([...install.capabilities.granted, ...install.egress.granted]));
  }

  /**
   * The newest page of the install's history (the audit page has the rest). It never fails the action that
   * asked for it: a secret that was saved stays saved when only the history cannot be read.
   */
  private async loadAudit(installId: string): Promise<void> {
    try {
      const { items } = await this.registry.audit(`install:${installId}`);
      this.audit.set([...items].sort((a, b) => b.seq - a.seq));
      this.auditError.set('');
    } catch (failure) {
      this.auditError.set(explain(failure).message);
    }
  }
}

function toggled(set: ReadonlySet<string>, item: string): ReadonlySet<string> {
  const next = new Set(set);
  if (next.has(item)) next.delete(item);
  else next.add(item);
  return next;
}
