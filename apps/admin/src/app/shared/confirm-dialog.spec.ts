import { TestBed } from '@angular/core/testing';
import { ConfirmService } from './confirm-dialog';

const settled = () => new Promise((resolve) => setTimeout(resolve));
const dialog = () => document.querySelector<HTMLElement>('[role=alertdialog]');
const button = (name: string) =>
  [...(dialog()?.querySelectorAll('button') ?? [])].find((item) => item.textContent?.trim() === name)!;

describe('ConfirmService', () => {
  afterEach(() => document.querySelectorAll('.cdk-overlay-container').forEach((node) => node.remove()));

  it('answers null when cancelled, and the reason when confirmed', async () => {
    const confirmations = TestBed.inject(ConfirmService);
    const cancelled = confirmations.confirm({
      title: 'Revoke ci?',
      message: 'It stops working.',
      confirmLabel: 'Revoke key',
    });
    await settled();
    expect(dialog()?.getAttribute('aria-labelledby')).toBeTruthy();
    expect(document.getElementById(dialog()!.getAttribute('aria-labelledby')!)?.textContent).toBe('Revoke ci?');
    button('Cancel').click();
    await expect(cancelled).resolves.toBeNull();

    const confirmed = confirmations.confirm({
      title: 'Yank 1.0.0?',
      message: 'Tenants can no longer install it.',
      confirmLabel: 'Yank version',
      reason: { label: 'Why?' },
    });
    await settled();
    TestBed.tick();
    const input = dialog()!.querySelector('input')!;
    input.value = ' leaks tokens ';
    input.dispatchEvent(new Event('input'));
    TestBed.tick();
    button('Yank version').click();
    await expect(confirmed).resolves.toEqual({ reason: 'leaks tokens' });
  });

  it('keeps the action disabled while a required reason is empty', async () => {
    void TestBed.inject(ConfirmService).confirm({
      title: 'Delete?',
      message: 'Gone for good.',
      confirmLabel: 'Delete',
      reason: { label: 'Why?', required: true },
    });
    await settled();
    TestBed.tick();
    expect(button('Delete').disabled).toBe(true);
  });
});
