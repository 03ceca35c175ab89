import {
  type ApiErrorMessage,
  type ApiResponseMessage,
  ALLOWED_METHODS,
  ALLOWED_REQUEST_HEADERS,
  BRIDGE_VERSION,
  type ConnectMessage,
  type ConsoleMessage,
  type FrameMessage,
  MAX_BODY_CHARS,
  MAX_HEIGHT,
  MIN_HEIGHT,
} from './bridge-protocol';
import type { Theme } from '../core/theme.service';

export interface ProxiedRequest {
  method: string;
  /** Always `/api/ext/{extensionId}/...`: the frame can reach nothing else. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

export interface BridgeHost {
  /** Performs the call with the user's session; the frame never sees it. */
  call(request: ProxiedRequest): Promise<Omit<ApiResponseMessage, 'type' | 'id'>>;
  resize(height: number): void;
  navigated(path: string): void;
}

/**
 * The console's end of the bridge for one iframe. The frame is sandboxed without allow-same-origin, so its
 * origin is the opaque "null": it is recognised by `event.source === frame.contentWindow`, never by origin.
 * It gets a MessageChannel port; API calls over it are confined to the extension's gateway path.
 */
export class HostBridge {
  private port: MessagePort | null = null;
  private readonly listener = (event: MessageEvent) => this.onWindowMessage(event);

  constructor(
    private readonly frame: () => HTMLIFrameElement | undefined,
    private readonly extensionId: string,
    private readonly host: BridgeHost,
    private readonly state: { theme: () => Theme; path: () => string },
    private readonly target: Window = window,
  ) {
    target.addEventListener('message', this.listener);
  }

  get connected(): boolean {
    return this.port !== null;
  }

  send(message: ConsoleMessage): void {
    this.port?.postMessage(message);
  }

  close(): void {
    this.target.removeEventListener('message', this.listener);
    this.port?.close();
    this.port = null;
  }

  private onWindowMessage(event: MessageEvent): void {
    const frameWindow = this.frame()?.contentWindow;
    if (!frameWindow || event.source !== frameWindow) return;
    const data = event.data as { type?: unknown; version?: unknown } | null;
    if (data?.type !== 'extplat:hello' || data.version !== BRIDGE_VERSION) return;
    // A hello again (the frame reloaded itself) replaces the old channel.
    this.port?.close();
    const channel = new MessageChannel();
    this.port = channel.port1;
    this.port.onmessage = (message: MessageEvent<FrameMessage>) => void this.onPortMessage(message.data);
    const connect: ConnectMessage = {
      type: 'extplat:connect',
      version: BRIDGE_VERSION,
      extensionId: this.extensionId,
      theme: this.state.theme(),
      path: this.state.path(),
    };
    // An opaque origin cannot be named as targetOrigin; the recipient is fixed by the window reference.
    frameWindow.postMessage(connect, '*', [channel.port2]);
  }

  private async onPortMessage(message: FrameMessage): Promise<void> {
    switch (message?.type) {
      case 'ready':
        return;
      case 'resize':
        if (typeof message.height === 'number' && Number.isFinite(message.height)) {
          this.host.resize(Math.min(MAX_HEIGHT, Math.max(MIN_HEIGHT, Math.ceil(message.height))));
        }
        return;
      case 'navigation':
        if (typeof message.path === 'string' && message.path.startsWith('/')) this.host.navigated(message.path);
        return;
      case 'api:request':
        this.send(await this.proxy(message));
        return;
      default:
        return;
    }
  }

  private async proxy(
    request: Extract<FrameMessage, { type: 'api:request' }>,
  ): Promise<ApiResponseMessage | ApiErrorMessage> {
    const id = String(request.id);
    const refuse = (code: string, message: string): ApiErrorMessage => ({
      type: 'api:error',
      id,
      error: { code, message },
    });
    const method = String(request.method ?? 'GET').toUpperCase();
    if (!(ALLOWED_METHODS as readonly string[]).includes(method))
      return refuse('BAD_METHOD', `Method ${method} is not allowed`);
    const url = gatewayUrl(this.extensionId, request.path);
    if (!url) return refuse('BAD_PATH', 'The path must start with "/" and stay inside the extension');
    if (request.body !== undefined && (typeof request.body !== 'string' || request.body.length > MAX_BODY_CHARS)) {
      return refuse('BAD_BODY', `The body must be a string of at most ${MAX_BODY_CHARS} characters`);
    }
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers ?? {})) {
      if ((ALLOWED_REQUEST_HEADERS as readonly string[]).includes(name.toLowerCase()) && typeof value === 'string') {
        headers[name.toLowerCase()] = value;
      }
    }
    try {
      const response = await this.host.call({
        method,
        url,
        headers,
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      return { type: 'api:response', id, ...response };
    } catch (error) {
      return refuse('NETWORK', error instanceof Error ? error.message : 'The call failed');
    }
  }
}

/**
 * `/api/ext/{extensionId}{path}` when `path` stays inside the extension: dot segments (also encoded ones)
 * are resolved first, and the result must still be under the extension's prefix.
 */
export function gatewayUrl(extensionId: string, path: unknown): string | null {
  if (typeof path !== 'string' || !path.startsWith('/') || path.startsWith('//') || path.includes('\\')) return null;
  const prefix = `/api/ext/${encodeURIComponent(extensionId)}`;
  let resolved: URL;
  try {
    resolved = new URL(`${prefix}${path}`, 'http://console.invalid');
  } catch {
    return null;
  }
  if (resolved.origin !== 'http://console.invalid' || !resolved.pathname.startsWith(`${prefix}/`)) return null;
  return `${resolved.pathname}${resolved.search}`;
}
