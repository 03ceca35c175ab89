import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { describeCapability, describeEgressOrigin } from '@extplat/contracts';

/** One capability or egress origin, explained from the contracts catalog: title, what it allows, risk. */
@Component({
  selector: 'app-grant-item',
  template: `
    @let grant = described();
    <span class="grant-title">
      <strong>{{ grant.title }}</strong>
      <span class="badge risk" [class]="'badge risk risk-' + grant.risk">{{ grant.risk }} risk</span>
    </span>
    <span class="muted small grant-description">{{ grant.description }}</span>
    <code class="small grant-name">{{ name() }}</code>
  `,
  styles: `
    :host {
      display: flex;
      flex-direction: column;
      gap: 0.15rem;
      min-width: 0;
      overflow-wrap: anywhere;
    }
    .risk {
      margin-left: 0.5rem;
    }
    .risk-high {
      background: transparent;
      border: 1px solid var(--danger);
      color: var(--danger);
    }
    .risk-medium {
      background: var(--warn-bg);
      color: var(--warn-text);
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class GrantItem {
  readonly kind = input.required<'capability' | 'egress'>();
  readonly name = input.required<string>();
  protected readonly described = computed(() =>
    this.kind() === 'capability' ? describeCapability(this.name()) : describeEgressOrigin(this.name()),
  );
}
