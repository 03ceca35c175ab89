import type { OrPending, SuccessBody } from './schema.js';

/*
 * Bodies apps/api/openapi.json does not describe yet (issue 12, item 1 adds them). Each exported type is
 * the generated one as soon as the document has it; the `Pending*` shapes below only stand in until then
 * and are to be deleted once `npm run client:generate` has picked the real ones up.
 */

type PendingRole = 'platform-admin' | 'tenant-admin' | 'member';

interface PendingPrincipal {
  kind: 'user' | 'api-key';
  id: string;
  tenantId: string | null;
  role: PendingRole;
  name: string;
}

interface PendingLoginResponse {
  accessToken: string;
  tokenType: 'Bearer';
  expiresAt: string;
  principal: PendingPrincipal;
}

interface PendingApiKey {
  id: string;
  name: string;
  prefix: string;
  role: PendingRole;
  tenantId: string | null;
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface PendingTenant {
  id: string;
  slug: string;
  name: string;
  createdAt: string;
}

/** `POST /api/auth/login` */
export type LoginResponse = OrPending<SuccessBody<'/api/auth/login', 'post'>, PendingLoginResponse>;
/** `GET /api/auth/me` */
export type Principal = OrPending<SuccessBody<'/api/auth/me', 'get'>, PendingPrincipal>;
export type Role = Principal['role'];
/** `DELETE /api/api-keys/{id}` answers the revoked key. */
export type ApiKey = OrPending<SuccessBody<'/api/api-keys/{id}', 'delete'>, PendingApiKey>;
/** `POST /api/api-keys`: the only answer that carries the whole key. */
export type CreatedApiKey = OrPending<SuccessBody<'/api/api-keys', 'post'>, PendingApiKey & { key: string }>;
export type ApiKeyList = OrPending<SuccessBody<'/api/api-keys', 'get'>, PendingApiKey[]>;
/** `POST /api/tenants` */
export type Tenant = OrPending<SuccessBody<'/api/tenants', 'post'>, PendingTenant>;
export type TenantList = OrPending<SuccessBody<'/api/tenants', 'get'>, PendingTenant[]>;
