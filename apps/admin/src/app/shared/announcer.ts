import { inject, Injectable } from '@angular/core';
import { LiveAnnouncer } from '@angular/cdk/a11y';

/**
 * Tells screen-reader users what just happened when nothing they focus says it (a row revoked, a version
 * yanked). One polite live region for the whole console instead of one per page; failures need none,
 * since the error panel is an alert itself.
 */
@Injectable({ providedIn: 'root' })
export class Announcer {
  private readonly live = inject(LiveAnnouncer);

  announce(message: string): void {
    void this.live.announce(message, 'polite');
  }
}
