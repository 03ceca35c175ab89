import { RuleTester } from 'eslint';
import tseslint from 'typescript-eslint';
import { boundariesRule } from './boundaries.js';

const root = new URL('../../', import.meta.url).pathname;
const tester = new RuleTester({ languageOptions: { parser: tseslint.parser, sourceType: 'module' } });
const at = (path) => `${root}${path}`;

tester.run('extplat/boundaries', boundariesRule, {
  valid: [
    { code: "import { KeyPolicy } from '@extplat/storage';", filename: at('apps/api/src/main.ts') },
    { code: "import { x } from './config/api-config.js';", filename: at('apps/api/src/main.ts') },
    { code: "import { x } from '../errors.js';", filename: at('libs/storage/src/fs/driver.ts') },
    { code: "import { x } from '@extplat/contracts';", filename: at('libs/storage/src/index.ts') },
    { code: "import { x } from '../apps/api/dist/database/migrate.js';", filename: at('test/global-setup.ts') },
  ],
  invalid: [
    {
      code: "import { x } from '../../runner/src/app.js';",
      filename: at('apps/api/src/main.ts'),
      errors: [{ messageId: 'appToApp' }],
    },
    {
      code: "import { x } from '@extplat/runner';",
      filename: at('apps/api/src/main.ts'),
      errors: [{ messageId: 'appToApp' }],
    },
    {
      code: "export * from '../../../apps/api/src/app.js';",
      filename: at('libs/storage/src/index.ts'),
      errors: [{ messageId: 'libToApp' }],
    },
    {
      code: "const m = await import('@extplat/api');",
      filename: at('libs/testing/src/x.ts'),
      errors: [{ messageId: 'libToApp' }],
    },
    {
      code: "import { x } from '../../../libs/storage/src/index.js';",
      filename: at('apps/api/src/main.ts'),
      errors: [{ messageId: 'relativeAcross' }],
    },
    {
      code: "import { x } from '../../bundle/src/index.js';",
      filename: at('libs/storage/src/index.ts'),
      errors: [{ messageId: 'relativeAcross' }],
    },
  ],
});
