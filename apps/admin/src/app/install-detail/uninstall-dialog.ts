import { ChangeDetectionStrategy, Component, computed, inject, signal } from '@angular/core';
import { DIALOG_DATA, DialogRef } from '@angular/cdk/dialog';

export interface UninstallDialogData {
  /** The extension as the page names it (its display name). */
  title: string;
  /** What the admin types to confirm: the extension's name (reverse-DNS), which is unique. */
  name: string;
  tenant: string | null;
}

/**
 * Confirms an uninstall: the admin types the extension's name, so a stray Enter cannot remove it. Opened
 * with CDK Dialog, which traps focus, closes on Escape and gives focus back to the button that opened it.
 * Closes with `true` to uninstall.
 */
@Component({
  selector: 'app-uninstall-dialog',
  template: `
    <form class="dialog stack" (submit)="$event.preventDefault(); confirm()">
      <h2 id="uninstall-title">Uninstall {{ data.title }}?</h2>
      <p id="uninstall-help">
        The install{{ data.tenant ? ' for ' + data.tenant : '' }}, its configuration and its secrets are removed at
        once; calls to it stop working. Type <strong>{{ data.name }}</strong> to confirm.
      </p>
      <label for="uninstall-name">Extension name</label>
      <input
        id="uninstall-name"
        name="confirmName"
        autocomplete="off"
        aria-describedby="uninstall-help"
        [value]="typed()"
        (input)="typed.set($any($event.target).value)"
      />
      <div class="actions">
        <button type="submit" class="danger" [disabled]="!matches()">Uninstall</button>
        <button type="button" (click)="ref.close(false)">Cancel</button>
      </div>
    </form>
  `,
  // The panel's look is the shared .dialog rule (styles.scss); only the width is this dialog's own.
  styles: `
    .dialog {
      width: min(28rem, calc(100vw - 2rem));
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class UninstallDialog {
  protected readonly ref = inject<DialogRef<boolean>>(DialogRef);
  protected readonly data = inject<UninstallDialogData>(DIALOG_DATA);
  protected readonly typed = signal('');
  protected readonly matches = computed(() => this.typed().trim() === this.data.name);

  protected confirm(): void {
    if (this.matches()) this.ref.close(true);
  }
}
