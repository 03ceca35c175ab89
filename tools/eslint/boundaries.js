// ESLint rule `extplat/boundaries`: keeps the dependency direction of the workspace.
//   apps/<a> may import libs (through their @extplat/<lib> alias) but never another app;
//   libs never import apps; a lib or app never reaches into another package with a relative path.
import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

const ROOT = resolve(dirname(new URL(import.meta.url).pathname), '../..');

/** 'apps/api', 'libs/storage', or null for files outside the packages (tests, scripts, tools). */
function packageOf(absolutePath) {
  const parts = relative(ROOT, absolutePath).split(sep);
  if ((parts[0] === 'apps' || parts[0] === 'libs') && parts[1]) return `${parts[0]}/${parts[1]}`;
  return null;
}

function targetPackage(specifier, fromFile) {
  if (specifier.startsWith('.')) return packageOf(resolve(dirname(fromFile), specifier));
  const alias = /^@extplat\/([a-z0-9-]+)(?:\/|$)/.exec(specifier);
  if (!alias) return null;
  if (existsSync(resolve(ROOT, 'libs', alias[1]))) return `libs/${alias[1]}`;
  return `apps/${alias[1]}`;
}

export const boundariesRule = {
  meta: {
    type: 'problem',
    docs: { description: 'Forbid app-to-app and lib-to-app imports, and relative imports across packages' },
    schema: [],
    messages: {
      appToApp: '{{from}} must not import from {{to}}: apps never import each other; move shared code to a lib.',
      libToApp: '{{from}} must not import from {{to}}: libs never depend on apps.',
      relativeAcross: 'Import {{to}} through its alias @extplat/{{name}}, not a relative path.',
    },
  },
  create(context) {
    const file = context.physicalFilename;
    const from = packageOf(file);
    const check = (node, specifier) => {
      if (typeof specifier !== 'string') return;
      const to = targetPackage(specifier, file);
      if (!to || to === from) return;
      const name = to.split('/')[1];
      if (from?.startsWith('libs/') && to.startsWith('apps/')) {
        context.report({ node, messageId: 'libToApp', data: { from, to } });
      } else if (from?.startsWith('apps/') && to.startsWith('apps/')) {
        context.report({ node, messageId: 'appToApp', data: { from, to } });
      } else if (from && specifier.startsWith('.') && to.startsWith('libs/')) {
        context.report({ node, messageId: 'relativeAcross', data: { to, name } });
      }
    };
    const fromSource = (node) => node.source && check(node.source, node.source.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression: (node) => node.source.type === 'Literal' && check(node.source, node.source.value),
    };
  },
};

export default { rules: { boundaries: boundariesRule } };
