import { ChangeDetectionStrategy, Component, input } from '@angular/core';
import type { Explanation } from '../core/api-error';

/** An error as people need it: what happened, what to do, and the details (issues, failed checks). */
@Component({
  selector: 'app-error-panel',
  template: `
    @let failure = error();
    <div class="error-panel" role="alert" [attr.data-code]="failure.code">
      <strong>{{ failure.title }}</strong>
      <p>{{ failure.message }}</p>
      @if (failure.issues?.length) {
        <ul class="issues">
          @for (issue of failure.issues; track $index) {
            <li>
              <code>{{ issue.path }}</code>: {{ issue.message }}
            </li>
          }
        </ul>
      }
      @if (failure.checks?.length) {
        <ul class="checks">
          @for (check of failure.checks; track check.name) {
            <li [class]="check.status">
              {{ check.name }}: {{ check.status }}
              @if (check.message) {
                — {{ check.message }}
              }
            </li>
          }
        </ul>
      }
      <p class="action">{{ failure.action }}</p>
      @if (failure.requestId) {
        <p class="muted small">
          Request id: <code>{{ failure.requestId }}</code>
        </p>
      }
    </div>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class ErrorPanel {
  readonly error = input.required<Explanation>();
}
