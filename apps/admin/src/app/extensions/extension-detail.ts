import { ChangeDetectionStrategy, Component, effect, inject, input, signal } from '@angular/core';
import { DatePipe } from '@angular/common';
import { RouterLink } from '@angular/router';
import { compareSemver } from '@extplat/contracts';
import { explain, type Explanation } from '../core/api-error';
import type {
  AuditEvent,
  ExtensionSummary,
  Install,
  VersionDetail,
  VersionDiff,
  VersionSummary,
} from '@extplat/api-client';
import { TenantContext } from '../core/tenant-context.service';
import { SessionService } from '../auth/session.service';
import { InstallForm } from '../installs/install-form';
import { InstallsService } from '../installs/installs.service';
import { ErrorPanel } from '../shared/error-panel';
import { formatBytes, shortHash } from '../shared/format';
import { RegistryService } from './registry.service';

interface PendingSwitch {
  version: string;
  diff: VersionDiff;
}

/** One extension: its versions, the tenant's install (upgrade, roll back, install), yank, and its audit trail. */
@Component({
  selector: 'app-extension-detail',
  imports: [DatePipe, RouterLink, ErrorPanel, InstallForm],
  template: `
    <p><a routerLink="/extensions">← Extensions</a></p>
    @if (extension(); as ext) {
      <h2>{{ ext.displayName || ext.name }}</h2>
      <p class="muted">{{ ext.name }} · publisher {{ ext.publisher }}</p>
      @if (ext.description) {
        <p>{{ ext.description }}</p>
      }
    } @else if (!error()) {
      <p aria-live="polite">Loading…</p>
    }
    @if (error(); as failure) {
      <app-error-panel [error]="failure" />
    }

    <section class="card" aria-labelledby="install-state-title">
      <h3 id="install-state-title">Install{{ tenants.tenant() ? ' for ' + tenants.tenant()!.name : '' }}</h3>
      @if (install(); as current) {
        <p data-testid="install-state">
          Version <strong>{{ current.version }}</strong>, {{ current.enabled ? 'enabled' : 'disabled' }}. Granted
          capabilities: {{ current.capabilities.granted.join(', ') || 'none' }}; egress:
          {{ current.egress.granted.join(', ') || 'none' }}.
          @if (current.enabled && current.ui) {
            <a [routerLink]="['/apps', name()]">Open it</a>
          }
          @if (session.canManageInstalls()) {
            <a [routerLink]="['/installs', current.id]">Manage this install</a>
          }
        </p>
      } @else if (tenants.tenantId()) {
        <p>Not installed for this tenant.</p>
      } @else {
        <p class="muted">Choose a tenant to see its install.</p>
      }
      @if (pendingSwitch(); as pending) {
        <div class="card inset" role="region" aria-labelledby="diff-title" data-testid="version-diff">
          <h4 id="diff-title">
            {{ pending.diff.direction === 'rollback' ? 'Roll back' : 'Upgrade' }} from {{ pending.diff.from }} to
            {{ pending.diff.to }}
          </h4>
          <ul>
            <li>Capabilities added: {{ pending.diff.capabilities.added.join(', ') || 'none' }}</li>
            <li>Capabilities dropped: {{ pending.diff.capabilities.removed.join(', ') || 'none' }}</li>
            <li>Egress added: {{ pending.diff.egress.added.join(', ') || 'none' }}</li>
            <li>Egress dropped: {{ pending.diff.egress.removed.join(', ') || 'none' }}</li>
          </ul>
          @if (pending.diff.requiresApproval) {
            <label class="check">
              <input type="checkbox" [checked]="approved()" (change)="approved.set(!approved())" />
              I approve granting what {{ pending.diff.to }} adds.
            </label>
          }
          <div class="actions">
            <button
              type="button"
              class="primary"
              [disabled]="busy() || (pending.diff.requiresApproval && !approved())"
              (click)="confirmSwitch(pending)"
            >
              Switch to {{ pending.diff.to }}
            </button>
            <button type="button" (click)="pendingSwitch.set(null)">Keep {{ pending.diff.from }}</button>
          </div>
        </div>
      }
      @if (installing(); as version) {
        <app-install-form [version]="version" (installed)="onInstalled($event)" />
      }
      @if (notice()) {
        <p class="ok-text" role="status">{{ notice() }}</p>
      }
      @if (actionError(); as failure) {
        <app-error-panel [error]="failure" />
      }
    </section>

    <section class="card" aria-labelledby="versions-title">
      <h3 id="versions-title">Versions</h3>
      <table class="grid">
        <thead>
          <tr>
            <th scope="col">Version</th>
            <th scope="col">Status</th>
            <th scope="col">Signature</th>
            <th scope="col">Published</th>
            <th scope="col">Size / hash</th>
            <th scope="col"><span class="visually-hidden">Actions</span></th>
          </tr>
        </thead>
        <tbody>
          @for (version of versions(); track version.id) {
            <tr [attr.data-version]="version.version">
              <td>{{ version.version }}</td>
              <td>
                @if (version.status === 'yanked') {
                  <span class="badge warn">yanked</span>
                } @else {
                  published
                }
              </td>
              <td>{{ version.signatureStatus }} {{ version.signer ?? '' }}</td>
              <td>{{ version.publishedAt | date: 'medium' }}</td>
              <td>
                {{ bytes(version.size) }}
                <code class="small" [title]="version.contentHash">{{ short(version.contentHash) }}</code>
              </td>
              <td class="actions">
                @if (session.canManageInstalls() && tenants.tenantId() && version.status === 'published') {
                  @if (install(); as current) {
                    @if (current.version !== version.version) {
                      <button type="button" (click)="prepareSwitch(current, version.version)">
                        {{ isNewer(version.version, current.version) ? 'Upgrade' : 'Roll back' }} to
                        {{ version.version }}
                      </button>
                    }
                  } @else {
                    <button type="button" (click)="startInstall(version)">Install</button>
                  }
                }
                @if (session.isPlatformAdmin()) {
                  @if (version.status === 'published') {
                    <button type="button" class="danger" (click)="yank(version)">Yank</button>
                  } @else {
                    <button type="button" (click)="unyank(version)">Unyank</button>
                  }
                }
              </td>
            </tr>
          }
        </tbody>
      </table>
    </section>

    @if (session.canManageInstalls()) {
      <section class="card" aria-labelledby="audit-title">
        <h3 id="audit-title">Audit timeline</h3>
        <ol class="timeline" data-testid="audit-timeline">
          @for (event of audit(); track event.id) {
            <li>
              <time [attr.datetime]="event.occurredAt">{{ event.occurredAt | date: 'medium' }}</time>
              <strong>{{ event.type }}</strong>
              <span [class]="event.outcome === 'failure' ? 'field-error' : ''">{{ event.outcome }}</span>
              by {{ event.actor?.name ?? 'the platform' }}
              <span class="muted small">{{ event.subject }}</span>
            </li>
          } @empty {
            <li class="muted">No events yet.</li>
          }
        </ol>
      </section>
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ExtensionDetail {
  protected readonly session = inject(SessionService);
  protected readonly tenants = inject(TenantContext);
  private readonly registry = inject(RegistryService);
  private readonly installs = inject(InstallsService);

  /** From the route (`/extensions/:name`). */
  readonly name = input.required<string>();

  protected readonly extension = signal<ExtensionSummary | null>(null);
  protected readonly versions = signal<VersionSummary[]>([]);
  protected readonly install = signal<Install | null>(null);
  protected readonly audit = signal<AuditEvent[]>([]);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly actionError = signal<Explanation | null>(null);
  protected readonly notice = signal('');
  protected readonly busy = signal(false);
  protected readonly pendingSwitch = signal<PendingSwitch | null>(null);
  protected readonly approved = signal(false);
  protected readonly installing = signal<VersionDetail | null>(null);
  private readonly reloads = signal(0);

  protected readonly bytes = formatBytes;
  protected readonly short = shortHash;

  constructor() {
    effect(() => {
      this.reloads();
      void this.load(this.name(), this.tenants.tenantId());
    });
  }

  protected isNewer(candidate: string, current: string): boolean {
    return compareSemver(candidate, current) > 0;
  }

  protected async prepareSwitch(current: Install, version: string): Promise<void> {
    this.actionError.set(null);
    this.notice.set('');
    this.approved.set(false);
    try {
      this.pendingSwitch.set({ version, diff: await this.installs.versionDiff(current.id, version) });
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  protected async confirmSwitch(pending: PendingSwitch): Promise<void> {
    const current = this.install();
    if (!current) return;
    this.busy.set(true);
    this.actionError.set(null);
    try {
      // Approval grants what the target adds on top of today's grant; what it drops is dropped.
      const grant = pending.diff.requiresApproval
        ? {
            capabilities: withChanges(current.capabilities.granted, pending.diff.capabilities),
            egress: withChanges(current.egress.granted, pending.diff.egress),
          }
        : undefined;
      const { install } = await this.installs.switchVersion(current.id, pending.version, grant);
      this.install.set(install);
      this.pendingSwitch.set(null);
      this.notice.set(`Now on version ${install.version}.`);
      this.reloads.update((count) => count + 1);
    } catch (failure) {
      this.actionError.set(explain(failure));
    } finally {
      this.busy.set(false);
    }
  }

  protected async startInstall(version: VersionSummary): Promise<void> {
    this.actionError.set(null);
    try {
      this.installing.set(await this.registry.getVersion(this.name(), version.version));
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  protected onInstalled(install: Install): void {
    this.installing.set(null);
    this.install.set(install);
    this.notice.set(`Installed ${install.version}${install.enabled ? ' and enabled' : ''}.`);
    this.reloads.update((count) => count + 1);
  }

  protected async yank(version: VersionSummary): Promise<void> {
    const reason = prompt(`Why must ${this.name()} ${version.version} no longer be installed?`, '');
    if (reason === null) return;
    await this.act(() => this.registry.yank(this.name(), version.version, reason), `Yanked ${version.version}.`);
  }

  protected async unyank(version: VersionSummary): Promise<void> {
    await this.act(() => this.registry.unyank(this.name(), version.version), `${version.version} is published again.`);
  }

  private async act(action: () => Promise<unknown>, done: string): Promise<void> {
    this.actionError.set(null);
    try {
      await action();
      this.notice.set(done);
      this.reloads.update((count) => count + 1);
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  private async load(name: string, tenantId: string | null): Promise<void> {
    try {
      const [extension, versions, installs] = await Promise.all([
        this.registry.getExtension(name),
        this.registry.listVersions(name),
        tenantId ? this.installs.list(this.session.isPlatformAdmin() ? tenantId : null) : Promise.resolve([]),
      ]);
      this.extension.set(extension);
      this.versions.set(versions);
      const install = installs.find((item) => item.extension.name === name) ?? null;
      this.install.set(install);
      this.error.set(null);
      if (this.session.canManageInstalls()) await this.loadAudit(name, install);
    } catch (failure) {
      this.error.set(explain(failure));
    }
  }

  private async loadAudit(name: string, install: Install | null): Promise<void> {
    const [extensionEvents, installEvents] = await Promise.all([
      this.registry.audit(`extension:${name}`),
      install ? this.registry.audit(`install:${install.id}`) : Promise.resolve([]),
    ]);
    // The subject filter is a prefix: drop other extensions whose name merely starts with this one.
    const own = extensionEvents.filter(
      (event) => event.subject === `extension:${name}` || event.subject?.startsWith(`extension:${name}@`),
    );
    this.audit.set([...own, ...installEvents].sort((a, b) => b.seq - a.seq));
  }
}

function withChanges(granted: string[], change: { added: string[]; removed: string[] }): string[] {
  return [...new Set([...granted, ...change.added])].filter((item) => !change.removed.includes(item));
}
