import { ChangeDetectionStrategy, Component, computed, effect, inject, input, signal } from '@angular/core';
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
import { Announcer } from '../shared/announcer';
import { auditDetail, auditLabel, auditSubject } from '../shared/audit-labels';
import { ConfirmService } from '../shared/confirm-dialog';
import { ErrorPanel } from '../shared/error-panel';
import { formatBytes, shortHash } from '../shared/format';
import { RegistryService } from './registry.service';

/** One audit stream (events of one subject prefix) read page by page. */
interface AuditStream {
  prefix: string;
  events: AuditEvent[];
  /** Sequence number of the oldest event read so far, kept even when the prefix filter dropped it. */
  oldestSeq: number;
  cursor: string | null;
}

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
          @if (current.enabled && current.ui && !session.isPlatformAdmin()) {
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
      <table class="grid stacked" data-testid="version-table">
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
              <td data-label="Version">{{ version.version }}</td>
              <td data-label="Status">
                @if (version.status === 'yanked') {
                  <span class="badge warn">yanked</span>
                } @else {
                  published
                }
              </td>
              <td data-label="Signature">{{ version.signatureStatus }} {{ version.signer ?? '' }}</td>
              <td data-label="Published">{{ version.publishedAt | date: 'medium' }}</td>
              <td data-label="Size / hash">
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
      @if (versionCursor()) {
        <p class="more">
          <button type="button" (click)="moreVersions()">Show older versions</button>
        </p>
      }
    </section>

    @if (session.canManageInstalls()) {
      <section class="card" aria-labelledby="audit-title">
        <h3 id="audit-title">Audit timeline</h3>
        <ol class="timeline" data-testid="audit-timeline">
          @for (event of audit(); track event.id) {
            <li [attr.data-type]="event.type">
              <time [attr.datetime]="event.occurredAt">{{ event.occurredAt | date: 'medium' }}</time>
              <strong [class]="event.outcome === 'failure' ? 'field-error' : ''">{{ label(event) }}</strong>
              @if (detail(event); as text) {
                <span>{{ text }}</span>
              }
              <span>by {{ event.actor?.name ?? 'the platform' }}</span>
              <span class="muted small" [title]="event.subject ?? ''">{{ subject(event.subject) }}</span>
            </li>
          } @empty {
            <li class="muted">No events yet.</li>
          }
        </ol>
        @if (auditHasMore()) {
          <p class="more">
            <button type="button" (click)="moreAudit()">Show older events</button>
          </p>
        }
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
  private readonly confirmations = inject(ConfirmService);
  private readonly announcer = inject(Announcer);

  /** From the route (`/extensions/:name`). */
  readonly name = input.required<string>();

  protected readonly extension = signal<ExtensionSummary | null>(null);
  protected readonly versions = signal<VersionSummary[]>([]);
  protected readonly install = signal<Install | null>(null);
  protected readonly versionCursor = signal<string | null>(null);
  private readonly auditStreams = signal<AuditStream[]>([]);
  /**
   * The streams merged newest first, down to the oldest event that is surely in order: below the last
   * loaded event of a stream with more pages, that stream's next page may still hold newer events.
   */
  protected readonly audit = computed(() => {
    const streams = this.auditStreams();
    const floor = Math.max(...streams.filter((stream) => stream.cursor).map((stream) => stream.oldestSeq));
    return streams
      .flatMap((stream) => stream.events)
      .filter((event) => event.seq >= floor)
      .sort((a, b) => b.seq - a.seq);
  });
  protected readonly auditHasMore = computed(() => this.auditStreams().some((stream) => stream.cursor));
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
  protected readonly label = auditLabel;
  protected readonly detail = auditDetail;
  protected readonly subject = auditSubject;

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
    const answer = await this.confirmations.confirm({
      title: `Yank ${this.name()} ${version.version}?`,
      message: 'Tenants can no longer install it or switch to it; installs that run it keep running.',
      confirmLabel: 'Yank version',
      danger: true,
      reason: { label: 'Why must it no longer be installed?' },
    });
    if (!answer) return;
    await this.act(() => this.registry.yank(this.name(), version.version, answer.reason), `Yanked ${version.version}.`);
  }

  protected async unyank(version: VersionSummary): Promise<void> {
    await this.act(() => this.registry.unyank(this.name(), version.version), `${version.version} is published again.`);
  }

  private async act(action: () => Promise<unknown>, done: string): Promise<void> {
    this.actionError.set(null);
    try {
      await action();
      this.notice.set(done);
      this.announcer.announce(done);
      this.reloads.update((count) => count + 1);
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  private async load(name: string, tenantId: string | null): Promise<void> {
    try {
      const [extension, versions, installs] = await Promise.all([
        this.registry.getExtension(name),
        this.registry.versions(name),
        tenantId
          ? this.installs.forExtensions([name], this.session.isPlatformAdmin() ? tenantId : null)
          : Promise.resolve([]),
      ]);
      this.extension.set(extension);
      this.versions.set(versions.items);
      this.versionCursor.set(versions.nextCursor ?? null);
      const install = installs.find((item) => item.extension.name === name) ?? null;
      this.install.set(install);
      this.error.set(null);
      if (this.session.canManageInstalls()) await this.loadAudit(name, install);
    } catch (failure) {
      this.error.set(explain(failure));
    }
  }

  protected async moreVersions(): Promise<void> {
    const cursor = this.versionCursor();
    if (!cursor) return;
    try {
      const page = await this.registry.versions(this.name(), cursor);
      this.versions.update((current) => [...current, ...page.items]);
      this.versionCursor.set(page.nextCursor ?? null);
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  protected async moreAudit(): Promise<void> {
    try {
      const streams = this.auditStreams().map((stream) =>
        stream.cursor ? this.nextAuditPage(stream) : Promise.resolve(stream),
      );
      this.auditStreams.set(await Promise.all(streams));
    } catch (failure) {
      this.actionError.set(explain(failure));
    }
  }

  private async loadAudit(name: string, install: Install | null): Promise<void> {
    const prefixes = [`extension:${name}`, ...(install ? [`install:${install.id}`] : [])];
    this.auditStreams.set(
      await Promise.all(
        prefixes.map((prefix) => this.nextAuditPage({ prefix, events: [], oldestSeq: Infinity, cursor: null })),
      ),
    );
  }

  /** The stream with its next page added (its first page while its cursor is null). */
  private async nextAuditPage(stream: AuditStream): Promise<AuditStream> {
    const page = await this.registry.audit(stream.prefix, stream.cursor ?? undefined);
    // The subject filter is a prefix: drop other extensions whose name merely starts with this one.
    const extension = stream.prefix.startsWith('extension:') ? stream.prefix : null;
    const own = extension
      ? page.items.filter((event) => event.subject === extension || event.subject?.startsWith(`${extension}@`))
      : page.items;
    return {
      prefix: stream.prefix,
      events: [...stream.events, ...own],
      oldestSeq: page.items.at(-1)?.seq ?? stream.oldestSeq,
      cursor: page.nextCursor ?? null,
    };
  }
}

function withChanges(granted: string[], change: { added: string[]; removed: string[] }): string[] {
  return [...new Set([...granted, ...change.added])].filter((item) => !change.removed.includes(item));
}
