/* eslint-disable @typescript-eslint/unbound-method -- Angular's Validators are static functions that never use `this`. */
import {
  ChangeDetectionStrategy,
  Component,
  ElementRef,
  inject,
  signal,
  viewChild,
  type AfterViewInit,
} from '@angular/core';
import { NonNullableFormBuilder, ReactiveFormsModule, Validators } from '@angular/forms';
import { ActivatedRoute, Router } from '@angular/router';
import { ApiError, explain, type Explanation } from '../core/api-error';
import { ErrorPanel } from '../shared/error-panel';
import { SessionService } from './session.service';

@Component({
  selector: 'app-sign-in',
  imports: [ReactiveFormsModule, ErrorPanel],
  template: `
    <section class="card narrow" aria-labelledby="sign-in-title">
      <h2 id="sign-in-title">Sign in</h2>
      @if (expired) {
        <p class="notice" role="status">Your session expired. Sign in again to go back to where you were.</p>
      }
      <form [formGroup]="form" (ngSubmit)="submit()" novalidate>
        <label for="email">Email</label>
        <input #email id="email" type="email" autocomplete="username" formControlName="email" required />
        <label for="password">Password</label>
        <input id="password" type="password" autocomplete="current-password" formControlName="password" required />
        @if (error(); as failure) {
          <app-error-panel [error]="failure" />
        }
        <button type="submit" class="primary" [disabled]="busy()">{{ busy() ? 'Signing in…' : 'Sign in' }}</button>
      </form>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class SignIn implements AfterViewInit {
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);
  private readonly route = inject(ActivatedRoute);
  private readonly emailInput = viewChild.required<ElementRef<HTMLInputElement>>('email');

  protected readonly form = inject(NonNullableFormBuilder).group({
    email: ['', [Validators.required, Validators.email]],
    password: ['', Validators.required],
  });
  protected readonly busy = signal(false);
  protected readonly error = signal<Explanation | null>(null);
  protected readonly expired = this.route.snapshot.queryParamMap.get('reason') === 'expired';

  ngAfterViewInit(): void {
    this.emailInput().nativeElement.focus();
  }

  protected async submit(): Promise<void> {
    if (this.form.invalid) {
      this.error.set({
        code: 'INVALID',
        title: 'Missing sign-in details',
        message: 'Enter your email address and your password.',
        action: 'Fill in both fields and sign in.',
      });
      return;
    }
    this.busy.set(true);
    this.error.set(null);
    try {
      const { email, password } = this.form.getRawValue();
      await this.session.signIn(email, password);
      const returnUrl = this.route.snapshot.queryParamMap.get('returnUrl');
      // Only paths inside the console: never an absolute URL someone put in the link.
      await this.router.navigateByUrl(returnUrl?.startsWith('/') && !returnUrl.startsWith('//') ? returnUrl : '/');
    } catch (failure) {
      const error = ApiError.from(failure);
      this.error.set(
        error.status === 401
          ? {
              code: error.code,
              title: 'Sign-in failed',
              message: 'The email or the password is wrong.',
              action: 'Check both and try again.',
            }
          : explain(error),
      );
    } finally {
      this.busy.set(false);
    }
  }
}
