import { escapeLike, likePrefix } from './like.js';

describe('LIKE patterns', () => {
  it('escapes the wildcards and the escape character, so they match only themselves', () => {
    expect(escapeLike('50%_off\\now')).toBe('50\\%\\_off\\\\now');
    expect(escapeLike('plain')).toBe('plain');
  });

  it('matches a prefix', () => {
    expect(likePrefix('a_c')).toBe('a\\_c%');
    expect(likePrefix('')).toBe('%');
  });
});
