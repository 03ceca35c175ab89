import { effect, Injectable, signal } from '@angular/core';

export type ThemeMode = 'light' | 'dark';

/** What an extension UI gets to match the console's look (see BRIDGE.md, message `theme`). */
export interface Theme {
  mode: ThemeMode;
  colors: { background: string; surface: string; text: string; muted: string; accent: string; danger: string };
  fontFamily: string;
}

const PALETTES: Record<ThemeMode, Theme['colors']> = {
  light: {
    background: '#f9fafb',
    surface: '#ffffff',
    text: '#111827',
    muted: '#4b5563',
    accent: '#1d4ed8',
    danger: '#b91c1c',
  },
  dark: {
    background: '#111827',
    surface: '#1f2937',
    text: '#f9fafb',
    muted: '#9ca3af',
    accent: '#93c5fd',
    danger: '#fca5a5',
  },
};
const FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif";
const STORAGE_KEY = 'extplat.theme';

/** Light or dark, chosen by the user (default: the system's preference); applied to <html data-theme>. */
@Injectable({ providedIn: 'root' })
export class ThemeService {
  readonly mode = signal<ThemeMode>(initialMode());

  constructor() {
    effect(() => {
      document.documentElement.dataset['theme'] = this.mode();
      localStorage.setItem(STORAGE_KEY, this.mode());
    });
  }

  theme(): Theme {
    const mode = this.mode();
    return { mode, colors: PALETTES[mode], fontFamily: FONT };
  }

  toggle(): void {
    this.mode.update((mode) => (mode === 'light' ? 'dark' : 'light'));
  }
}

function initialMode(): ThemeMode {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'light' || stored === 'dark') return stored;
  return typeof matchMedia === 'function' && matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}
