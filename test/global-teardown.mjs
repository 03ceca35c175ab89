import { teardownTestEnvironment } from '@extplat/testing';

export default async function globalTeardown() {
  await teardownTestEnvironment();
}
