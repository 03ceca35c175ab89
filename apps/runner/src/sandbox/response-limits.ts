import { EXTENSION_STATUS_RANGE, isExtensionStatus } from '@extplat/contracts';
import type { SandboxResponse } from './types.js';

/** Caps on what a guest may return; checked in the worker so an oversized body never leaves it. */
export interface ResponseLimits {
  bodyMaxBytes: number;
  headersMax: number;
  /** Bytes of one header's name and value together. */
  headerMaxBytes: number;
}

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
// CR, LF and NUL would split or corrupt the HTTP response the gateway writes.
const UNSAFE_HEADER_VALUE = /[\r\n\0]/;

const encoder = new TextEncoder();

/** Why `response` is unacceptable, or undefined when it is within the limits. */
export function checkResponse(response: SandboxResponse, limits: ResponseLimits): string | undefined {
  const { status, headers, body } = response;
  if (!isExtensionStatus(status)) {
    return `status ${status} is outside ${EXTENSION_STATUS_RANGE.min}-${EXTENSION_STATUS_RANGE.max}`;
  }
  if (headers.length > limits.headersMax) return `${headers.length} headers, more than ${limits.headersMax}`;
  for (const [name, value] of headers) {
    if (!HEADER_NAME.test(name)) return `header name ${JSON.stringify(name.slice(0, 64))} is not a valid token`;
    if (UNSAFE_HEADER_VALUE.test(value)) return `header ${name} has a CR, LF or NUL in its value`;
    const size = encoder.encode(name).length + encoder.encode(value).length;
    if (size > limits.headerMaxBytes) return `header ${name} is ${size} bytes, more than ${limits.headerMaxBytes}`;
  }
  if (body.length > limits.bodyMaxBytes)
    return `body of ${body.length} bytes is over the cap of ${limits.bodyMaxBytes}`;
  return undefined;
}
