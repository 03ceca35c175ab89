import { HttpErrorResponse, type HttpInterceptorFn } from '@angular/common/http';
import { inject } from '@angular/core';
import { catchError, throwError } from 'rxjs';
import { SessionService } from './session.service';

/** Only the console's own API gets the session; presigned S3 URLs and anything else never do. */
function isApiRequest(url: string): boolean {
  return url.startsWith('/api/');
}

/** Adds the session token to API calls, and ends the session when the API no longer accepts it. */
export const authInterceptor: HttpInterceptorFn = (request, next) => {
  if (!isApiRequest(request.url)) return next(request);
  const session = inject(SessionService);
  const token = session.token;
  const authorized = token ? request.clone({ setHeaders: { authorization: `Bearer ${token}` } }) : request;
  return next(authorized).pipe(
    catchError((error: unknown) => {
      if (error instanceof HttpErrorResponse && error.status === 401 && request.url !== '/api/auth/login') {
        session.expire();
      }
      return throwError(() => error);
    }),
  );
};
