import { countOf } from './format';

describe('countOf', () => {
  it('uses the singular for exactly one and groups thousands', () => {
    expect(countOf(1, 'extension')).toBe('1 extension');
    expect(countOf(0, 'extension')).toBe('0 extensions');
    expect(countOf(20000, 'extension')).toBe('20,000 extensions');
    expect(countOf(2, 'match', 'matches')).toBe('2 matches');
  });
});
