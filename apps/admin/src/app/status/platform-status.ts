import { ChangeDetectionStrategy, Component, OnInit, signal } from '@angular/core';

type Readiness = 'checking' | 'ready' | 'not-ready' | 'unreachable';

const LABELS: Record<Readiness, string> = {
  checking: 'Checking the platform…',
  ready: 'Platform ready',
  'not-ready': 'Platform not ready: a dependency is down',
  unreachable: 'API unreachable',
};

/** Shows whether the API and its dependencies answer, from the API's readiness probe. */
@Component({
  selector: 'app-platform-status',
  template: `<span class="status" [class]="state()" role="status" aria-live="polite">{{ label() }}</span>`,
  styles: `
    .status {
      font-size: 0.875rem;
      padding: 0.25rem 0.5rem;
      border-radius: 0.25rem;
      background: #374151;
    }
    .ready {
      background: #065f46;
    }
    .not-ready,
    .unreachable {
      background: #991b1b;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class PlatformStatus implements OnInit {
  protected readonly state = signal<Readiness>('checking');
  protected readonly label = () => LABELS[this.state()];

  ngOnInit(): void {
    void this.check();
  }

  private async check(): Promise<void> {
    try {
      const response = await fetch('/readyz', { headers: { accept: 'application/json' } });
      this.state.set(response.ok ? 'ready' : 'not-ready');
    } catch {
      this.state.set('unreachable');
    }
  }
}
