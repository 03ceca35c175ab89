import {
  ChangeDetectionStrategy,
  Component,
  computed,
  DestroyRef,
  effect,
  ElementRef,
  inject,
  signal,
  viewChild,
} from '@angular/core';
import { RouterLink } from '@angular/router';
import { type ApiError, explain } from '../core/api-error';
import { ConsoleConfigService } from '../core/console-config.service';
import type { ConsoleConfig, Install } from '@extplat/api-client';
import { InstallForm } from '../installs/install-form';
import { ErrorPanel } from '../shared/error-panel';
import { formatBytes, formatDuration } from '../shared/format';
import { checkBundleHead, checkSignaturePresent, checkSignatureText } from './early-checks';
import { VerificationSummary } from './verification-summary';
import { UploadController, type UploadPhase } from './upload/upload-controller';
import { type UploadRecord, uploadRecords } from './upload/upload-record';
import { UploadService } from './upload/upload.service';

const PHASE_LABELS: Record<UploadPhase, string> = {
  idle: 'Ready',
  hashing: 'Computing the content hash…',
  initiating: 'Checking with the platform…',
  uploading: 'Uploading…',
  paused: 'Paused',
  offline: 'Connection lost — waiting to continue',
  finalizing: 'Verifying the bundle on the server…',
  cancelling: 'Cancelling: removing the upload from the server…',
  done: 'Done',
  failed: 'Stopped by an error',
  cancelled: 'Cancelled: the upload was removed from the server',
};

/**
 * The install wizard of platform admins: pick a bundle and its signature, upload (hash in a worker,
 * multipart with progress, pause/resume/cancel, resume after reload), read the verification summary,
 * then install the version for a tenant.
 */
@Component({
  selector: 'app-install-wizard',
  imports: [ErrorPanel, InstallForm, RouterLink, VerificationSummary],
  template: `
    <h2 #stepHeading tabindex="-1">{{ stepTitle() }}</h2>
    <ol class="steps" aria-label="Install steps">
      @for (step of steps; track step; let index = $index) {
        <li [attr.aria-current]="stepIndex() === index ? 'step' : null" [class.done]="stepIndex() > index">
          {{ step }}
        </li>
      }
    </ol>

    @if (pending(); as record) {
      <section class="card" aria-labelledby="resume-title" data-testid="resume-banner">
        <h3 id="resume-title">An upload was interrupted</h3>
        <p>
          <strong>{{ record.file.name }}</strong> ({{ bytes(record.file.size) }}) was being uploaded
          @if (pendingReceived() !== null) {
            — {{ bytes(pendingReceived()!) }} are on the server
          }
          . Pick the same file again to continue where it stopped; it is checked by its hash.
        </p>
        <label class="button" for="resume-file">Pick {{ record.file.name }} again</label>
        <input
          id="resume-file"
          class="visually-hidden"
          type="file"
          accept=".zst,.tar.zst"
          (change)="resumeFrom($event, record)"
        />
        <button type="button" (click)="discard(record)">Discard it</button>
      </section>
    }

    @switch (stepIndex()) {
      @case (0) {
        <section class="card" aria-labelledby="files-title">
          <h3 id="files-title">Bundle and signature</h3>
          <div
            class="drop-zone"
            [class.over]="dragOver()"
            (dragover)="onDragOver($event)"
            (dragleave)="dragOver.set(false)"
            (drop)="onDrop($event)"
            data-testid="drop-zone"
          >
            <p>Drop <code>bundle.tar.zst</code> and <code>bundle.tar.zst.sig</code> here, or choose them:</p>
            <label class="button" for="bundle-file">Choose files</label>
            <input
              id="bundle-file"
              class="visually-hidden"
              type="file"
              multiple
              accept=".zst,.sig"
              (change)="onPick($event)"
              data-testid="file-input"
            />
          </div>
          <dl class="facts">
            <dt>Bundle</dt>
            <dd data-testid="picked-bundle">
              {{ bundle() ? bundle()!.name + ' (' + bytes(bundle()!.size) + ')' : 'none yet' }}
            </dd>
            <dt>Signature</dt>
            <dd data-testid="picked-signature">
              {{ signatureName() ?? unsignedNote() }}
            </dd>
          </dl>
          @if (pickError()) {
            <p class="field-error" role="alert">{{ pickError() }}</p>
          }
          @for (problem of earlyProblems(); track problem.code) {
            <div class="field-error" role="alert" data-testid="early-check" [attr.data-code]="problem.code">
              <strong>{{ problem.title }}.</strong> {{ problem.message }}
            </div>
          }
          <button
            type="button"
            class="primary"
            [disabled]="!bundle() || earlyProblems().length > 0"
            (click)="startUpload()"
          >
            Upload and verify
          </button>
        </section>
      }
      @case (1) {
        <section class="card" aria-labelledby="upload-title">
          <h3 id="upload-title">{{ bundle()?.name }}</h3>
          <p
            class="phase"
            [class.field-error]="upload.phase() === 'failed'"
            data-testid="upload-phase"
            [attr.data-phase]="upload.phase()"
          >
            {{ phaseLabel() }}
          </p>
          @if (upload.phase() === 'hashing') {
            <label for="hash-progress">Content hash</label>
            <progress id="hash-progress" [max]="upload.fileSize()" [value]="upload.hashedBytes()"></progress>
          } @else {
            <label for="upload-progress">Upload progress</label>
            <progress
              id="upload-progress"
              [max]="100"
              [value]="progress().percent"
              [class.failed]="upload.phase() === 'failed'"
              data-testid="upload-progress"
              [attr.aria-valuetext]="progress().percent + ' percent'"
            ></progress>
            <p class="stats" data-testid="upload-stats">
              <span>{{ bytes(progress().uploadedBytes) }} of {{ bytes(progress().totalBytes) }}</span>
              <span data-testid="upload-percent">{{ progress().percent }}%</span>
              <span>{{ progress().bytesPerSecond > 0 ? bytes(progress().bytesPerSecond) + '/s' : '—' }}</span>
              <span>{{ progress().secondsLeft !== null ? duration(progress().secondsLeft!) + ' left' : '' }}</span>
            </p>
          }
          <p class="visually-hidden" aria-live="polite" data-testid="upload-announcement">{{ announcement() }}</p>
          @if (upload.retryNotice()) {
            <p class="notice" role="status">{{ upload.retryNotice() }}</p>
          }
          @if (upload.error() && upload.phase() !== 'done') {
            <app-error-panel [error]="explanation()!" />
          }
          <div class="actions">
            @if (upload.phase() === 'uploading' || upload.phase() === 'offline') {
              <button type="button" (click)="upload.pause()">Pause</button>
            }
            @if (upload.phase() === 'paused' || (upload.phase() === 'failed' && upload.resumable)) {
              <button type="button" class="primary" (click)="upload.resume()">Resume</button>
            }
            @if (cancellable()) {
              <button type="button" class="danger" (click)="cancel()">Cancel upload</button>
            }
            @if (upload.phase() === 'failed' || upload.phase() === 'cancelled') {
              <button type="button" (click)="restart()">Choose other files</button>
            }
          </div>
        </section>
      }
      @case (2) {
        @if (upload.result(); as result) {
          <app-verification-summary [result]="result" />
          <div class="actions">
            <button type="button" class="primary" (click)="stepIndex.set(3)">Install for a tenant</button>
            <a [routerLink]="['/extensions', result.version.extension]">Open the extension</a>
            <button type="button" (click)="restart()">Upload another bundle</button>
          </div>
        }
      }
      @case (3) {
        @if (upload.result(); as result) {
          @if (installedAs(); as install) {
            <section class="card" role="status" data-testid="install-done">
              <h3>Installed</h3>
              <p>
                {{ install.extension.name }} {{ install.version }} is installed and
                <strong>{{ install.enabled ? 'enabled' : 'disabled' }}</strong>.
              </p>
              <a [routerLink]="['/extensions', install.extension.name]">Open the extension</a>
            </section>
          } @else {
            <section class="card" aria-labelledby="install-title">
              <h3 id="install-title">Install {{ result.version.extension }} {{ result.version.version }}</h3>
              <app-install-form [version]="result.version" (installed)="installedAs.set($event)" />
            </section>
          }
        }
      }
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class InstallWizard {
  private readonly uploads = inject(UploadService);
  private readonly consoleConfig = inject(ConsoleConfigService);
  private readonly heading = viewChild.required<ElementRef<HTMLElement>>('stepHeading');

  protected readonly steps = ['Choose files', 'Upload', 'Verification', 'Install'];
  protected readonly upload: UploadController = this.uploads.create();
  protected readonly stepIndex = signal(0);
  protected readonly bundle = signal<File | null>(null);
  protected readonly signatureText = signal<string | null>(null);
  protected readonly signatureName = signal<string | null>(null);
  protected readonly pickError = signal('');
  protected readonly dragOver = signal(false);
  protected readonly pending = signal<UploadRecord | null>(uploadRecords.load());
  protected readonly pendingReceived = signal<number | null>(null);
  protected readonly installedAs = signal<Install | null>(null);
  /** Null until the console config arrives (or when it cannot be loaded: the server still decides). */
  protected readonly signingPolicy = signal<ConsoleConfig['signingPolicy'] | null>(null);
  private readonly bundleProblem = signal<ApiError | null>(null);
  private readonly signatureProblem = signal<ApiError | null>(null);

  /** What the browser can tell is wrong before uploading, each with the catalog's title for its code. */
  protected readonly earlyProblems = computed(() =>
    [
      this.bundleProblem(),
      this.signatureProblem(),
      this.bundle() ? checkSignaturePresent(this.signingPolicy(), this.signatureName()) : null,
    ]
      .filter((problem) => problem !== null)
      .map((problem) => {
        const { code, title, message, action } = explain(problem);
        return { code, title, message: `${message} ${action}` };
      }),
  );
  protected readonly unsignedNote = computed(() =>
    this.signingPolicy() === 'enforce'
      ? 'none (this platform requires a signature)'
      : 'none (accepted only when the platform does not require signatures)',
  );

  protected readonly stepTitle = computed(() => `Install an extension — ${this.steps[this.stepIndex()]}`);
  protected readonly progress = this.upload.progress;
  protected readonly phaseLabel = computed(() => PHASE_LABELS[this.upload.phase()]);
  protected readonly explanation = computed(() => (this.upload.error() ? explain(this.upload.error()) : null));
  protected readonly cancellable = computed(
    () =>
      ['hashing', 'initiating', 'uploading', 'paused', 'offline'].includes(this.upload.phase()) ||
      (this.upload.phase() === 'failed' && this.upload.resumable),
  );
  /** Screen readers hear every 10 % and each change of phase, not every progress event. */
  protected readonly announcement = computed(() => {
    const phase = this.upload.phase();
    if (phase === 'uploading') return `Uploading: ${Math.floor(this.progress().percent / 10) * 10} percent`;
    // The error panel is an alert that says what stopped it: announcing the phase too would say it twice.
    if (phase === 'failed') return '';
    return PHASE_LABELS[phase];
  });

  protected readonly bytes = formatBytes;
  protected readonly duration = formatDuration;

  constructor() {
    // Focus follows the step, so keyboard and screen-reader users land on what just appeared.
    let first = true;
    effect(() => {
      this.stepIndex();
      if (first) {
        first = false;
        return;
      }
      queueMicrotask(() => this.heading().nativeElement.focus());
    });
    effect(() => {
      if (this.upload.phase() === 'done' && this.stepIndex() === 1) this.stepIndex.set(2);
    });
    this.consoleConfig
      .load()
      .then((config) => this.signingPolicy.set(config.signingPolicy))
      .catch(() => undefined);
    const record = this.pending();
    if (record) {
      this.uploads.transport
        .status(record.uploadId)
        .then((status) => {
          if (status.state === 'initiated') this.pendingReceived.set(status.receivedBytes);
          else {
            uploadRecords.clear();
            this.pending.set(null);
          }
        })
        .catch(() => undefined);
    }
    inject(DestroyRef).onDestroy(() => {
      // Leaving the page pauses the upload; the stored record lets the user resume it later.
      if (this.upload.busy) this.upload.pause();
    });
  }

  protected onDragOver(event: DragEvent): void {
    event.preventDefault();
    this.dragOver.set(true);
  }

  protected async onDrop(event: DragEvent): Promise<void> {
    event.preventDefault();
    this.dragOver.set(false);
    await this.take([...(event.dataTransfer?.files ?? [])]);
  }

  protected async onPick(event: Event): Promise<void> {
    const input = event.target as HTMLInputElement;
    await this.take([...(input.files ?? [])]);
    input.value = '';
  }

  /** Sorts picked files into the bundle and its .sig; anything else is named as not usable. */
  private async take(files: File[]): Promise<void> {
    this.pickError.set('');
    const unusable: string[] = [];
    for (const file of files) {
      if (file.name.endsWith('.sig')) {
        if (file.size > 256 * 1024) {
          unusable.push(`${file.name} is too large for a signature file`);
          continue;
        }
        const text = await file.text();
        this.signatureText.set(text);
        this.signatureName.set(file.name);
        this.signatureProblem.set(checkSignatureText(file.name, text));
      } else if (file.name.endsWith('.tar.zst') || file.name.endsWith('.zst')) {
        this.bundle.set(file);
        this.bundleProblem.set(await checkBundleHead(file));
      } else {
        unusable.push(`${file.name} is neither a .tar.zst bundle nor a .sig signature`);
      }
    }
    if (unusable.length) this.pickError.set(unusable.join('; ') + '.');
  }

  protected async startUpload(): Promise<void> {
    const file = this.bundle();
    if (!file || this.earlyProblems().length > 0) return;
    this.pending.set(null);
    this.stepIndex.set(1);
    const text = this.signatureText();
    await this.upload.start(file, text ? { text, name: this.signatureName() ?? 'signature' } : undefined);
  }

  protected async resumeFrom(event: Event, record: UploadRecord): Promise<void> {
    const input = event.target as HTMLInputElement;
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    this.pending.set(null);
    this.bundle.set(file);
    this.signatureName.set(record.signatureName ?? null);
    this.stepIndex.set(1);
    await this.upload.resumeWith(record, file);
    if (this.upload.phase() === 'failed' && this.upload.error() && !this.upload.resumable) {
      // Not the same file: the stored upload stays available for another try.
      const stillThere = uploadRecords.load();
      if (stillThere) this.pending.set(stillThere);
    }
  }

  protected async discard(record: UploadRecord): Promise<void> {
    await UploadController.discard(this.uploads.transport, record);
    this.pending.set(null);
  }

  protected async cancel(): Promise<void> {
    await this.upload.cancel();
  }

  protected restart(): void {
    this.bundle.set(null);
    this.signatureText.set(null);
    this.signatureName.set(null);
    this.bundleProblem.set(null);
    this.signatureProblem.set(null);
    this.installedAs.set(null);
    this.pending.set(uploadRecords.load());
    this.stepIndex.set(0);
  }
}
