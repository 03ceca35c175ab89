import type { AbstractControl } from '@angular/forms';
import type { Issue } from './api-error';

/** The error key a server issue is stored under on a control; validation messages read it from there. */
export const SERVER_ISSUE = 'server';

/**
 * Puts each issue of a server validation error (`INVALID_CONFIG`, ...) on the form control its path names
 * (`endpoint.timeout`, `hosts[2]`), so the message shows next to the field like a client-side one; editing
 * the field clears it, as its validators run again. Returns the issues no control matches (the whole
 * document, or a setting the form has no field for), which the caller shows above the form.
 */
export function placeServerIssues(root: AbstractControl, issues: readonly Issue[]): Issue[] {
  const unplaced: Issue[] = [];
  for (const issue of issues) {
    const segments = pathSegments(issue.path);
    const control = segments.length > 0 ? root.get(segments) : null;
    if (control === null) {
      unplaced.push(issue);
      continue;
    }
    control.setErrors({ ...control.errors, [SERVER_ISSUE]: issue.message });
    control.markAsTouched();
  }
  return unplaced;
}

/** `a.b[2].c` → `['a', 'b', '2', 'c']`; the root ('' or the console's "(root)") has none. */
export function pathSegments(path: string): string[] {
  if (path === '' || path === '(root)') return [];
  return path.split(/\.|\[(\d+)\]/).filter((segment): segment is string => segment !== undefined && segment !== '');
}
