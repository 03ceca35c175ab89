import { describe, expect, it } from '@jest/globals';
import type { Principal } from './principal.js';
import { canSeeTenant, resolveGrant, resolveListScope } from './tenant-scope.js';

const TENANT_A = '0b6a8c56-1d7e-4d0c-9a51-2f0b7f0a0001';
const TENANT_B = '0b6a8c56-1d7e-4d0c-9a51-2f0b7f0a0002';
const platformAdmin: Principal = { kind: 'user', id: 'u0', tenantId: null, role: 'platform-admin', name: 'root' };
const tenantAdmin: Principal = { kind: 'user', id: 'u1', tenantId: TENANT_A, role: 'tenant-admin', name: 'a' };
const member: Principal = { kind: 'api-key', id: 'k1', tenantId: TENANT_A, role: 'member', name: 'ci' };

describe('who may grant what to whom', () => {
  it('lets platform admins grant any role, with a tenant exactly for the tenant roles', () => {
    expect(resolveGrant(platformAdmin, { role: 'platform-admin' })).toEqual({ role: 'platform-admin', tenantId: null });
    expect(resolveGrant(platformAdmin, { role: 'member', tenantId: TENANT_B })).toEqual({
      role: 'member',
      tenantId: TENANT_B,
    });
    expect(() => resolveGrant(platformAdmin, { role: 'platform-admin', tenantId: TENANT_A })).toThrow(
      expect.objectContaining({ code: 'INVALID_ROLE_SCOPE' }),
    );
    expect(() => resolveGrant(platformAdmin, { role: 'tenant-admin' })).toThrow(
      expect.objectContaining({ code: 'INVALID_ROLE_SCOPE' }),
    );
  });

  it('keeps tenant admins inside their tenant and below platform admin', () => {
    expect(resolveGrant(tenantAdmin, { role: 'member' })).toEqual({ role: 'member', tenantId: TENANT_A });
    expect(resolveGrant(tenantAdmin, { role: 'tenant-admin', tenantId: TENANT_A })).toEqual({
      role: 'tenant-admin',
      tenantId: TENANT_A,
    });
    expect(() => resolveGrant(tenantAdmin, { role: 'platform-admin' })).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
    expect(() => resolveGrant(tenantAdmin, { role: 'member', tenantId: TENANT_B })).toThrow(
      expect.objectContaining({ code: 'FORBIDDEN' }),
    );
  });

  it('lets members grant nothing', () => {
    expect(() => resolveGrant(member, { role: 'member' })).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });
});

describe('list scope', () => {
  it('shows platform admins everything unless they filter', () => {
    expect(resolveListScope(platformAdmin, undefined)).toEqual({});
    expect(resolveListScope(platformAdmin, TENANT_B)).toEqual({ tenantId: TENANT_B });
  });

  it('limits everyone else to their tenant and refuses another', () => {
    expect(resolveListScope(tenantAdmin, undefined)).toEqual({ tenantId: TENANT_A });
    expect(resolveListScope(tenantAdmin, TENANT_A)).toEqual({ tenantId: TENANT_A });
    expect(() => resolveListScope(tenantAdmin, TENANT_B)).toThrow(expect.objectContaining({ code: 'FORBIDDEN' }));
  });

  it('hides rows of other tenants and platform rows from tenant principals', () => {
    expect(canSeeTenant(platformAdmin, TENANT_B)).toBe(true);
    expect(canSeeTenant(platformAdmin, null)).toBe(true);
    expect(canSeeTenant(tenantAdmin, TENANT_A)).toBe(true);
    expect(canSeeTenant(tenantAdmin, TENANT_B)).toBe(false);
    expect(canSeeTenant(tenantAdmin, null)).toBe(false);
  });
});
