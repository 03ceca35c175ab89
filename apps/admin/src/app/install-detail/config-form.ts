import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  effect,
  inject,
  Injector,
  input,
  output,
  signal,
  untracked,
} from '@angular/core';
import { FormGroup, FormsModule, ReactiveFormsModule } from '@angular/forms';
import type { Install } from '@extplat/api-client';
import { type FormlyFieldConfig, FormlyForm, provideFormlyCore } from '@ngx-formly/core';
import { FormlyJsonschema } from '@ngx-formly/core/json-schema';
import { ApiError, explain, type Explanation, type Issue } from '../core/api-error';
import { placeServerIssues } from '../core/server-issues';
import { InstallsService } from '../installs/installs.service';
import { ErrorPanel } from '../shared/error-panel';
import { CONFIG_FORM_CONFIG } from './config-fields';
import { schemaForForm } from './schema-for-form';

/**
 * An install's config as a form generated from the version's JSON Schema (formly), with the raw JSON as an
 * advanced view. The server validates every save; the issues of its INVALID_CONFIG answer land on the
 * fields their paths name, and any it cannot place are listed above the form.
 */
@Component({
  selector: 'app-config-form',
  imports: [FormsModule, ReactiveFormsModule, FormlyForm, ErrorPanel],
  providers: [provideFormlyCore(CONFIG_FORM_CONFIG)],
  template: `
    @if (!schema()) {
      <p class="muted">This version takes no configuration.</p>
    } @else {
      <div class="actions view-switch" role="group" aria-label="Configuration view">
        <button type="button" [attr.aria-pressed]="!rawView()" (click)="showForm()">Form</button>
        <button type="button" [attr.aria-pressed]="rawView()" (click)="showRaw()">JSON (advanced)</button>
      </div>
      @if (rawView()) {
        <label for="config-json">Configuration as JSON</label>
        <textarea
          id="config-json"
          rows="8"
          [(ngModel)]="rawText"
          [attr.aria-invalid]="rawError() ? true : null"
          aria-describedby="config-json-error"
        ></textarea>
        <p id="config-json-error" class="field-error small" aria-live="polite">{{ rawError() }}</p>
        <button type="button" class="primary" [disabled]="busy()" (click)="saveRaw()">Save configuration</button>
      } @else {
        <form class="stack config-form" [formGroup]="form()" (ngSubmit)="saveForm()" novalidate>
          <formly-form [form]="form()" [fields]="fields()" [model]="model" />
          <button type="submit" class="primary" [disabled]="busy()">
            {{ busy() ? 'Saving…' : 'Save configuration' }}
          </button>
        </form>
      }
    }
    @if (error(); as failure) {
      <app-error-panel [error]="failure" />
    }
    @if (saved()) {
      <p class="ok-text" role="status">{{ saved() }}</p>
    }
  `,
  styles: `
    .view-switch button[aria-pressed='true'] {
      background: var(--accent);
      color: var(--accent-text);
      border-color: var(--accent);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfigForm {
  private readonly installs = inject(InstallsService);
  private readonly jsonSchema = inject(FormlyJsonschema);
  private readonly injector = inject(Injector);

  readonly install = input.required<Install>();
  /** The version's config schema (`manifest.config`); absent when the version takes no config. */
  readonly schema = input<Record<string, unknown> | undefined>();
  readonly changed = output<Install>();

  protected readonly rawView = signal(false);
  protected readonly busy = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly rawError = signal('');
  protected readonly saved = signal('');
  protected readonly form = signal(new FormGroup({}));
  protected readonly fields = signal<FormlyFieldConfig[]>([]);
  /** Formly edits this object in place. */
  protected model: Record<string, unknown> = {};
  protected rawText = '{}';

  /**
   * The saved config, changing only when its content does: enabling the install or setting a secret
   * hands in a new install object, which must not throw away edits that are not saved yet.
   */
  private readonly savedConfig = computed(() => this.install().config, {
    equal: (a, b) => JSON.stringify(a) === JSON.stringify(b),
  });

  constructor() {
    effect(() => {
      const config = this.savedConfig();
      this.schema();
      untracked(() => this.load(config));
    });
  }

  protected showForm(): void {
    const parsed = this.parseRaw();
    if (parsed === undefined) return;
    this.load(parsed);
    this.rawView.set(false);
  }

  protected showRaw(): void {
    this.rawText = JSON.stringify(this.model, null, 2);
    this.rawError.set('');
    this.rawView.set(true);
  }

  protected async saveForm(): Promise<void> {
    const form = this.form();
    if (form.invalid) {
      form.markAllAsTouched();
      this.error.set(null);
      this.saved.set('');
      return;
    }
    await this.save(structuredClone(this.model));
  }

  protected async saveRaw(): Promise<void> {
    const parsed = this.parseRaw();
    if (parsed !== undefined) await this.save(parsed);
  }

  private async save(config: Record<string, unknown>): Promise<void> {
    this.busy.set(true);
    this.error.set(null);
    this.saved.set('');
    try {
      const install = await this.installs.updateConfig(this.install().id, config);
      this.saved.set('Configuration saved.');
      this.changed.emit(install);
    } catch (failure) {
      const explanation = explain(failure);
      if (ApiError.from(failure).code === 'INVALID_CONFIG') {
        // Show what was sent, in the form, with each problem next to its field.
        this.load(config);
        this.rawView.set(false);
        afterNextRender(() => this.showIssues(explanation, explanation.issues ?? []), { injector: this.injector });
      } else {
        this.error.set(explanation);
      }
    } finally {
      this.busy.set(false);
    }
  }

  private showIssues(explanation: Explanation, issues: Issue[]): void {
    const unplaced = placeServerIssues(this.form(), issues);
    this.error.set({
      ...explanation,
      message:
        unplaced.length === issues.length
          ? explanation.message
          : 'The server refused the configuration; the fields with problems are marked below.',
      issues: unplaced,
    });
  }

  /** A fresh model, form and field tree: formly keeps state in its field configs, so none is reused. */
  private load(config: Record<string, unknown>): void {
    const schema = this.schema();
    this.model = structuredClone(config);
    this.form.set(new FormGroup({}));
    this.fields.set(schema ? [this.jsonSchema.toFieldConfig(schemaForForm(schema))] : []);
  }

  private parseRaw(): Record<string, unknown> | undefined {
    try {
      const parsed: unknown = JSON.parse(this.rawText || '{}');
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
      this.rawError.set('');
      return parsed as Record<string, unknown>;
    } catch {
      this.rawError.set('The configuration must be a JSON object, e.g. {"greeting": "Hello"}.');
      return undefined;
    }
  }
}
