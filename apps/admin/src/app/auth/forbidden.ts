import { ChangeDetectionStrategy, Component, inject } from '@angular/core';
import { ActivatedRoute, RouterLink } from '@angular/router';
import { SessionService } from './session.service';

@Component({
  selector: 'app-forbidden',
  imports: [RouterLink],
  template: `
    <section class="card narrow" aria-labelledby="forbidden-title">
      <h2 id="forbidden-title">Not available for your role</h2>
      <p role="alert">
        {{ page ? 'The page ' + page : 'This page' }} needs the role {{ needs }}; you are signed in as
        {{ session.principal()?.name }} ({{ session.role() }}).
      </p>
      <p>Ask a platform admin to do it for you, or sign in with an account that has that role.</p>
      <a routerLink="/extensions">Back to the extensions</a>
    </section>
  `,
  changeDetection: ChangeDetectionStrategy.OnPush,
})
export class Forbidden {
  protected readonly session = inject(SessionService);
  private readonly query = inject(ActivatedRoute).snapshot.queryParamMap;
  protected readonly page = this.query.get('page');
  protected readonly needs = (this.query.get('needs') ?? '').split(',').filter(Boolean).join(' or ') || 'another';
}
