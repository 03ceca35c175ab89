import { plural } from './format';

describe('plural', () => {
  it('uses the singular for one only', () => {
    expect(plural(1, 'tenant')).toBe('1 tenant');
    expect(plural(0, 'tenant')).toBe('0 tenants');
    expect(plural(2, 'entry', 'entries')).toBe('2 entries');
  });
});
