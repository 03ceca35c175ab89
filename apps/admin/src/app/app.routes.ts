import type { Routes } from '@angular/router';
import { Permission } from '@extplat/contracts';
import { permissionGuard, signedInGuard } from './auth/guards';

export const routes: Routes = [
  { path: 'sign-in', title: 'Sign in', loadComponent: () => import('./auth/sign-in').then((m) => m.SignIn) },
  {
    path: '',
    canActivate: [signedInGuard],
    children: [
      { path: '', pathMatch: 'full', redirectTo: 'extensions' },
      {
        path: 'extensions',
        title: 'Extensions',
        loadComponent: () => import('./extensions/extension-list').then((m) => m.ExtensionList),
      },
      {
        path: 'extensions/:name',
        title: 'Extension',
        loadComponent: () => import('./extensions/extension-detail').then((m) => m.ExtensionDetail),
      },
      {
        path: 'installs/:installId',
        title: 'Install',
        canActivate: [permissionGuard(Permission.InstallManage)],
        loadComponent: () => import('./install-detail/install-detail').then((m) => m.InstallDetail),
      },
      {
        path: 'install',
        title: 'Install an extension',
        canActivate: [permissionGuard(Permission.BundleUpload)],
        loadComponent: () => import('./install/install-wizard').then((m) => m.InstallWizard),
      },
      {
        path: 'api-keys',
        title: 'API keys',
        canActivate: [permissionGuard(Permission.ApiKeyManage)],
        loadComponent: () => import('./api-keys/api-keys-page').then((m) => m.ApiKeysPage),
      },
      {
        path: 'tenants',
        title: 'Tenants',
        canActivate: [permissionGuard(Permission.TenantManage)],
        loadComponent: () => import('./tenants/tenants-page').then((m) => m.TenantsPage),
      },
      {
        path: 'users',
        title: 'Users',
        canActivate: [permissionGuard(Permission.UserManage)],
        loadComponent: () => import('./users/users-page').then((m) => m.UsersPage),
      },
      {
        path: 'apps/:extensionId',
        title: 'Extension',
        loadComponent: () => import('./host/extension-host').then((m) => m.ExtensionHost),
      },
      {
        path: 'forbidden',
        title: 'Not allowed',
        loadComponent: () => import('./auth/forbidden').then((m) => m.Forbidden),
      },
    ],
  },
  { path: '**', redirectTo: '' },
];
