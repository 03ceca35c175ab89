// Global setup of the jest "integration" project. Runs from the build output (npm test builds first),
// because jest loads this file natively, outside its TypeScript transform. The build is checked before
// anything is imported from it.
import { fileURLToPath } from 'node:url';
import { assertBuildIsFresh } from '../tools/dist-freshness.mjs';

export default async function globalSetup() {
  assertBuildIsFresh(fileURLToPath(new URL('..', import.meta.url)));
  const { prepareTestEnvironment } = await import('@extplat/testing');
  const { migrateDatabase } = await import('../apps/api/dist/database/migrate.js');
  await prepareTestEnvironment({
    migrate: async (url) => {
      await migrateDatabase(url);
    },
    s3StartScript: fileURLToPath(new URL('../scripts/s3-rgw.sh', import.meta.url)),
  });
}
