import { bootstrapApplication } from '@angular/platform-browser';
import { appConfig } from './app/app.config';
import { App } from './app/app';

bootstrapApplication(App, appConfig).catch((error: unknown) => {
  // Nothing is on screen when bootstrap fails: the browser console is the only place left to say why.
  // eslint-disable-next-line no-console
  console.error(error);
});
