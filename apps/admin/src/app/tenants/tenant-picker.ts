import {
  afterNextRender,
  ChangeDetectionStrategy,
  Component,
  computed,
  Directive,
  ElementRef,
  inject,
  Injector,
  input,
  output,
  signal,
  viewChildren,
} from '@angular/core';
import { ActiveDescendantKeyManager, type Highlightable } from '@angular/cdk/a11y';
import type { Tenant } from '@extplat/api-client';
import { ServerList } from '../core/server-list';
import { TenantContext } from '../core/tenant-context.service';

let nextPickerId = 0;

/** One row of the picker's list box: a tenant, "all tenants", or "show more". */
@Directive({
  selector: '[appPickerOption]',
  host: {
    role: 'option',
    '[id]': 'optionId()',
    '[class.active]': 'active()',
    '[attr.aria-selected]': 'active()',
  },
})
export class PickerOption implements Highlightable {
  readonly optionId = input.required<string>();
  readonly kind = input<'tenant' | 'all' | 'more'>('tenant');
  readonly tenant = input<Tenant | null>(null);
  readonly active = signal(false);
  private readonly element = inject<ElementRef<HTMLElement>>(ElementRef);

  setActiveStyles(): void {
    this.active.set(true);
    this.element.nativeElement.scrollIntoView?.({ block: 'nearest' });
  }

  setInactiveStyles(): void {
    this.active.set(false);
  }
}

/**
 * Picks one tenant among any number: a combobox whose list box shows the first page of tenants and
 * narrows on the server as you type (slug or name prefix). Arrow keys move, Enter picks (the first match
 * when none is highlighted), Escape closes. Used wherever the console asks for a tenant.
 */
@Component({
  selector: 'app-tenant-picker',
  imports: [PickerOption],
  template: `
    <input
      #box
      type="text"
      role="combobox"
      autocomplete="off"
      spellcheck="false"
      aria-autocomplete="list"
      [id]="inputId()"
      [attr.aria-label]="label()"
      [attr.aria-expanded]="open()"
      [attr.aria-controls]="listId"
      [attr.aria-activedescendant]="open() ? activeId() : null"
      [title]="label() + ': ' + (current() || 'none')"
      [placeholder]="open() ? current() || 'Type to search tenants' : allLabel() || 'Choose a tenant'"
      [value]="open() ? query() : current()"
      (focus)="show()"
      (click)="show()"
      (input)="type(box.value)"
      (keydown)="onKeydown($event, box)"
      (blur)="hide()"
    />
    @if (open()) {
      <ul class="picker-list" role="listbox" [id]="listId" [attr.aria-label]="label()" data-testid="tenant-options">
        @if (allLabel() && !query()) {
          <li
            appPickerOption
            kind="all"
            [optionId]="listId + '-all'"
            (mousedown)="$event.preventDefault()"
            (click)="pickAll()"
          >
            {{ allLabel() }}
          </li>
        }
        @for (tenant of list.items(); track tenant.id) {
          <li
            appPickerOption
            [tenant]="tenant"
            [optionId]="listId + '-' + tenant.id"
            [attr.data-slug]="tenant.slug"
            (mousedown)="$event.preventDefault()"
            (click)="pick(tenant)"
          >
            <span class="name">{{ tenant.name }}</span> <span class="slug">{{ tenant.slug }}</span>
          </li>
        } @empty {
          <li class="note" role="presentation">
            {{ list.loading() ? 'Searching…' : list.error() ? list.error()!.message : 'No tenant starts with that.' }}
          </li>
        }
        @if (list.hasMore()) {
          <li
            appPickerOption
            kind="more"
            [optionId]="listId + '-more'"
            (mousedown)="$event.preventDefault()"
            (click)="more()"
          >
            Show more tenants…
          </li>
        }
      </ul>
    }
  `,
  styles: `
    :host {
      position: relative;
      display: inline-block;
      min-width: 0;
    }
    input {
      width: 100%;
      text-overflow: ellipsis;
      /* Its own colours: in the header it would inherit the bar's light text onto a light field. */
      color: var(--text);
      background: var(--surface);
    }
    .picker-list {
      position: absolute;
      z-index: 20;
      top: 100%;
      left: 0;
      width: max(100%, 20rem);
      max-width: calc(100vw - 2rem);
      max-height: 18rem;
      overflow-y: auto;
      margin: 0.25rem 0 0;
      padding: 0.25rem 0;
      list-style: none;
      color: var(--text);
      background: var(--surface);
      border: 1px solid var(--border);
      border-radius: 0.375rem;
      box-shadow: 0 6px 16px rgb(0 0 0 / 20%);
    }
    li {
      display: flex;
      justify-content: space-between;
      align-items: baseline;
      gap: 0.75rem;
      padding: 0.35rem 0.75rem;
      cursor: pointer;
      overflow-wrap: anywhere;
    }
    li.active {
      color: var(--accent-text);
      background: var(--accent);
    }
    .slug {
      opacity: 0.7;
      font-size: 0.85em;
      white-space: nowrap;
    }
    .note {
      cursor: default;
      opacity: 0.7;
    }
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class TenantPicker {
  private readonly context = inject(TenantContext);

  /** The chosen tenant's id; null for none (or for "all" when `allLabel` is set). */
  readonly value = input<string | null>(null);
  readonly label = input('Tenant');
  readonly inputId = input(`tenant-picker-${nextPickerId}`);
  /** When set, a first option that picks no tenant in particular (e.g. "All tenants"). */
  readonly allLabel = input<string | null>(null);
  readonly picked = output<Tenant | null>();

  protected readonly listId = `tenant-picker-list-${nextPickerId++}`;
  protected readonly open = signal(false);
  protected readonly query = signal('');
  protected readonly activeId = signal<string | null>(null);
  protected readonly list = new ServerList<Tenant, string>((q, cursor) => this.context.search(q, cursor));
  protected readonly current = computed(() => {
    const id = this.value();
    return id === null ? (this.allLabel() ?? '') : this.context.nameOf(id);
  });

  private readonly options = viewChildren(PickerOption);
  private readonly injector = inject(Injector);
  private readonly keys = new ActiveDescendantKeyManager(this.options, this.injector).withWrap();

  constructor() {
    this.keys.change.subscribe(() => this.activeId.set(this.keys.activeItem?.optionId() ?? null));
  }

  protected show(): void {
    if (this.open()) return;
    this.open.set(true);
    this.query.set('');
    this.activeId.set(null);
    void this.list.load('');
  }

  protected hide(): void {
    this.open.set(false);
  }

  protected type(text: string): void {
    this.open.set(true);
    this.query.set(text);
    this.keys.updateActiveItem(-1);
    this.activeId.set(null);
    this.list.search(text.trim());
  }

  protected onKeydown(event: KeyboardEvent, box: HTMLInputElement): void {
    switch (event.key) {
      case 'Escape':
        if (!this.open()) return;
        event.stopPropagation();
        this.hide();
        // The chosen name is back in the box, selected, so typing starts a new search instead of adding to it.
        afterNextRender(() => box.select(), { injector: this.injector });
        return;
      case 'Enter': {
        if (!this.open()) return;
        event.preventDefault();
        const option = this.keys.activeItem ?? this.options().find((item) => item.kind() === 'tenant');
        if (option) this.choose(option);
        return;
      }
      case 'Tab':
        this.hide();
        return;
      case 'ArrowDown':
      case 'ArrowUp':
        if (!this.open()) {
          event.preventDefault();
          this.show();
          return;
        }
        this.keys.onKeydown(event);
        return;
      default:
        // Home and End move the text cursor, as in any text box; the list keys are the arrows.
        return;
    }
  }

  protected pick(tenant: Tenant): void {
    this.picked.emit(tenant);
    this.hide();
  }

  protected pickAll(): void {
    this.picked.emit(null);
    this.hide();
  }

  protected async more(): Promise<void> {
    const shown = this.list.items().length;
    await this.list.more();
    // Keep the keyboard where the new rows begin (once they are drawn), so reading goes on from there.
    afterNextRender(
      () => {
        const first = this.options().find((option) => option.tenant() === this.list.items()[shown]);
        if (first) this.keys.setActiveItem(first);
      },
      { injector: this.injector },
    );
  }

  private choose(option: PickerOption): void {
    const tenant = option.tenant();
    if (option.kind() === 'more') void this.more();
    else if (option.kind() === 'all') this.pickAll();
    else if (tenant) this.pick(tenant);
  }
}
