import { readFileSync } from 'node:fs';
import { checkedFetch, OpenApiResponseCheck, type OpenApiDocument } from '@extplat/testing';

/** The committed document (`npm run openapi:check` keeps it equal to what the code generates). */
export const API_DOCUMENT = JSON.parse(
  readFileSync(new URL('../openapi.json', import.meta.url), 'utf8'),
) as OpenApiDocument;

/** The check itself, for a client that sends raw requests (the route fuzzer). */
export const apiResponseCheck = new OpenApiResponseCheck(API_DOCUMENT);

/**
 * The one hook: every request an API test sends goes through this `fetch`, which fails the test when the
 * answer's status is not documented for the operation or its body does not match the schema.
 */
export const fetchApi: typeof fetch = checkedFetch(apiResponseCheck);
