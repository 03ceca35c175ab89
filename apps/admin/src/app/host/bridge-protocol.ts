/**
 * The console ⇄ extension UI bridge, version 1 (documented in apps/admin/BRIDGE.md). The frame says hello
 * on window.parent; the console answers on the frame's window with a MessageChannel port; everything else
 * goes over that port.
 */
import type { Theme } from '../core/theme.service';

export const BRIDGE_VERSION = 1;

/** frame → console, on `window.parent`, to ask for a port. */
export interface HelloMessage {
  type: 'extplat:hello';
  version: number;
}

/** console → frame, on the frame's window, carrying the port in `event.ports[0]`. */
export interface ConnectMessage {
  type: 'extplat:connect';
  version: number;
  extensionId: string;
  theme: Theme;
  /** The path inside the extension's UI the console's URL points at (deep links), `/` by default. */
  path: string;
}

/** Messages the frame sends over the port. */
export type FrameMessage =
  | { type: 'ready' }
  | { type: 'resize'; height: number }
  | { type: 'navigation'; path: string }
  | {
      type: 'api:request';
      id: string;
      method: string;
      path: string;
      headers?: Record<string, string>;
      body?: string;
    };

export interface ApiResponseMessage {
  type: 'api:response';
  id: string;
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ApiErrorMessage {
  type: 'api:error';
  id: string;
  error: { code: string; message: string };
}

/** Messages the console sends over the port. */
export type ConsoleMessage =
  { type: 'theme'; theme: Theme } | { type: 'navigation'; path: string } | ApiResponseMessage | ApiErrorMessage;

export const ALLOWED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
/** Request headers a frame may set; the session and anything that could impersonate stay with the console. */
export const ALLOWED_REQUEST_HEADERS = ['accept', 'content-type', 'if-match', 'if-none-match'] as const;
export const MAX_BODY_CHARS = 1024 * 1024;
export const MIN_HEIGHT = 80;
export const MAX_HEIGHT = 20_000;
