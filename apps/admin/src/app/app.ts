import { ChangeDetectionStrategy, Component, effect, inject, signal } from '@angular/core';
import { NavigationEnd, Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { filter } from 'rxjs';
import type { Install } from '@extplat/api-client';
import { TenantContext } from './core/tenant-context.service';
import { ThemeService } from './core/theme.service';
import { SessionService } from './auth/session.service';
import { InstallsService } from './installs/installs.service';
import { PlatformStatus } from './status/platform-status';
import { TenantPicker } from './tenants/tenant-picker';

@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive, PlatformStatus, TenantPicker],
  templateUrl: './app.html',
  styleUrl: './app.scss',
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class App {
  protected readonly session = inject(SessionService);
  protected readonly tenants = inject(TenantContext);
  protected readonly theme = inject(ThemeService);
  private readonly installs = inject(InstallsService);
  /** Enabled extensions with a UI, for the tenant user's apps menu: one page, filtered on the server. */
  protected readonly apps = signal<Install[]>([]);
  /** More apps exist than the menu lists. */
  protected readonly moreApps = signal(false);
  /** The folded navigation at small widths; closed again by every navigation. */
  protected readonly menuOpen = signal(false);

  constructor() {
    const router = inject(Router);
    effect(() => {
      if (this.session.principal()?.tenantId) void this.loadApps();
      else {
        this.apps.set([]);
        this.moreApps.set(false);
      }
    });
    // Installs change on other pages (enable, install): refresh the menu on each navigation.
    let initial = true;
    router.events.pipe(filter((event) => event instanceof NavigationEnd)).subscribe(() => {
      if (this.session.principal()?.tenantId) void this.loadApps();
      this.menuOpen.set(false);
      // After a navigation, keyboard and screen-reader users start at the new page, unless it focused something.
      if (!initial) setTimeout(() => focusMainUnlessInside());
      initial = false;
    });
  }

  private async loadApps(): Promise<void> {
    try {
      const page = await this.installs.apps();
      this.apps.set(page.items);
      this.moreApps.set(!!page.nextCursor);
    } catch {
      this.apps.set([]);
      this.moreApps.set(false);
    }
  }
}

function focusMainUnlessInside(): void {
  const main = document.getElementById('main');
  if (main && !main.contains(document.activeElement)) main.focus();
}
