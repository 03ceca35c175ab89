import { FormArray, FormControl, FormGroup } from '@angular/forms';
import { pathSegments, placeServerIssues } from './server-issues';

describe('placeServerIssues', () => {
  const form = () =>
    new FormGroup({
      greeting: new FormControl('hi'),
      endpoint: new FormGroup({ timeout: new FormControl(5) }),
      hosts: new FormArray([new FormControl('a'), new FormControl('b'), new FormControl('c')]),
    });

  it('puts each issue on the control its path names and marks it touched', () => {
    const root = form();
    const unplaced = placeServerIssues(root, [
      { path: 'endpoint.timeout', message: 'must be <= 60' },
      { path: 'hosts[2]', message: 'must match pattern "^[a-z]+$"' },
    ]);
    expect(unplaced).toEqual([]);
    const timeout = root.get(['endpoint', 'timeout']);
    expect(timeout?.errors).toEqual({ server: 'must be <= 60' });
    expect(timeout?.touched).toBe(true);
    expect(root.get(['hosts', '2'])?.errors).toEqual({ server: 'must match pattern "^[a-z]+$"' });
    expect(root.get('greeting')?.errors).toBeNull();
  });

  it('returns the issues of the whole document and of settings without a field', () => {
    const root = form();
    const issues = [
      { path: '(root)', message: 'must be a JSON object' },
      { path: 'colour', message: 'is not a known setting' },
    ];
    expect(placeServerIssues(root, issues)).toEqual(issues);
  });

  it('lets the field lose the message once it is edited', () => {
    const root = form();
    placeServerIssues(root, [{ path: 'greeting', message: 'is required' }]);
    root.get('greeting')?.setValue('hello');
    expect(root.get('greeting')?.errors).toBeNull();
  });
});

describe('pathSegments', () => {
  it.each([
    ['', []],
    ['(root)', []],
    ['a', ['a']],
    ['a.b.c', ['a', 'b', 'c']],
    ['hosts[12]', ['hosts', '12']],
    ['a[0].b[1][2]', ['a', '0', 'b', '1', '2']],
  ])('splits %j', (path, segments) => {
    expect(pathSegments(path)).toEqual(segments);
  });
});
