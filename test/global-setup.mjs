// Global setup of the jest "integration" project. Runs from the build output (npm test builds first),
// because jest loads this file natively, outside its TypeScript transform.
import { fileURLToPath } from 'node:url';
import { prepareTestEnvironment } from '@extplat/testing';
import { migrateDatabase } from '../apps/api/dist/database/migrate.js';

export default async function globalSetup() {
  await prepareTestEnvironment({
    migrate: async (url) => {
      await migrateDatabase(url);
    },
    s3StartScript: fileURLToPath(new URL('../scripts/s3-rgw.sh', import.meta.url)),
  });
}
