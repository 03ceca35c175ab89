import { ChangeDetectionStrategy, Component, inject, Injectable, signal } from '@angular/core';
import { Dialog, DIALOG_DATA, DialogRef } from '@angular/cdk/dialog';
import { firstValueFrom } from 'rxjs';

/** What a confirmation asks. With `reason`, the dialog also asks for a line of text (yank reason, ...). */
export interface ConfirmRequest {
  title: string;
  message: string;
  /** The button that goes ahead, named after the action ("Revoke key"), never just "OK". */
  confirmLabel: string;
  /** Marks the action as destructive (red button). */
  danger?: boolean;
  reason?: { label: string; required?: boolean };
}

/** The answer: `null` when the user cancelled (button, Escape or backdrop). */
export interface ConfirmAnswer {
  reason: string;
}

/**
 * A modal confirmation on the CDK dialog: focus is trapped inside and returns to the button that opened it,
 * Escape or the backdrop cancels.
 */
@Component({
  selector: 'app-confirm-dialog',
  template: `
    <form class="dialog" (submit)="$event.preventDefault(); accept()">
      <h2 [id]="request.id + '-title'">{{ request.title }}</h2>
      <p [id]="request.id + '-message'">{{ request.message }}</p>
      @if (request.reason; as reason) {
        <label [for]="request.id + '-reason'">{{ reason.label }}</label>
        <input
          [id]="request.id + '-reason'"
          type="text"
          maxlength="500"
          [required]="reason.required ?? false"
          [value]="reasonText()"
          (input)="reasonText.set($any($event.target).value)"
        />
      }
      <div class="actions dialog-actions">
        <button type="button" data-cancel (click)="cancel()">Cancel</button>
        <button
          type="submit"
          [class]="request.danger ? 'danger' : 'primary'"
          [disabled]="request.reason?.required && !reasonText().trim()"
        >
          {{ request.confirmLabel }}
        </button>
      </div>
    </form>
  `,
  styles: `
    input {
      width: 100%;
      box-sizing: border-box;
    }
    .dialog-actions {
      justify-content: flex-end;
      margin-top: 1rem;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ConfirmDialog {
  protected readonly request = inject<ConfirmRequest & { id: string }>(DIALOG_DATA);
  private readonly ref = inject<DialogRef<ConfirmAnswer>>(DialogRef);
  protected readonly reasonText = signal('');

  protected accept(): void {
    if (this.request.reason?.required && !this.reasonText().trim()) return;
    this.ref.close({ reason: this.reasonText().trim() });
  }

  protected cancel(): void {
    this.ref.close();
  }
}

/** Opens confirmations; pages call `confirm()` instead of the browser's blocking `confirm()`/`prompt()`. */
@Injectable({ providedIn: 'root' })
export class ConfirmService {
  private readonly dialog = inject(Dialog);
  private opened = 0;

  async confirm(request: ConfirmRequest): Promise<ConfirmAnswer | null> {
    const id = `confirm-${++this.opened}`;
    const ref = this.dialog.open<ConfirmAnswer, ConfirmRequest & { id: string }, ConfirmDialog>(ConfirmDialog, {
      data: { ...request, id },
      role: 'alertdialog',
      ariaLabelledBy: `${id}-title`,
      ariaDescribedBy: `${id}-message`,
      // Cancel first, so that Enter right after opening never runs a destructive action.
      autoFocus: request.reason ? 'input' : 'button[data-cancel]',
      width: 'min(28rem, calc(100vw - 2rem))',
    });
    return (await firstValueFrom(ref.closed)) ?? null;
  }
}
