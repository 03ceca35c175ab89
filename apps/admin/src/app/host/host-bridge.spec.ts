import type { Theme } from '../core/theme.service';
import { BRIDGE_VERSION, type ConsoleMessage } from './bridge-protocol';
import { type BridgeHost, gatewayUrl, HostBridge } from './host-bridge';

const theme: Theme = {
  mode: 'dark',
  colors: { background: '#000', surface: '#111', text: '#fff', muted: '#999', accent: '#0af', danger: '#f00' },
  fontFamily: 'sans-serif',
};

function setup() {
  const target = new EventTarget() as unknown as Window;
  const frameWindow = { postMessage: vi.fn() };
  const frame = { contentWindow: frameWindow } as unknown as HTMLIFrameElement;
  const host: BridgeHost = {
    call: vi.fn(() =>
      Promise.resolve({ status: 200, headers: { 'content-type': 'application/json' }, body: '{"message":"hi"}' }),
    ),
    resize: vi.fn(),
    navigated: vi.fn(),
  };
  const bridge = new HostBridge(
    () => frame,
    'com.acme.tickets',
    host,
    { theme: () => theme, path: () => '/start' },
    target,
  );
  const say = (source: unknown, data: unknown) =>
    target.dispatchEvent(Object.assign(new Event('message'), { source, data }));
  /** The frame's end of the channel, once the console has connected. */
  const framePort = () => {
    const call = frameWindow.postMessage.mock.calls[0] as [unknown, string, MessagePort[]];
    return { message: call[0], targetOrigin: call[1], port: call[2][0] };
  };
  const next = (port: MessagePort) =>
    new Promise<ConsoleMessage>((resolve) => {
      port.onmessage = (event: MessageEvent<ConsoleMessage>) => resolve(event.data);
    });
  return { bridge, host, frameWindow, say, framePort, next };
}

describe('HostBridge', () => {
  it('answers a hello from the frame itself with a port, the theme and the path', () => {
    const { bridge, frameWindow, say, framePort } = setup();
    say(frameWindow, { type: 'extplat:hello', version: BRIDGE_VERSION });
    const { message, targetOrigin, port } = framePort();
    expect(message).toEqual({
      type: 'extplat:connect',
      version: BRIDGE_VERSION,
      extensionId: 'com.acme.tickets',
      theme,
      path: '/start',
    });
    expect(targetOrigin).toBe('*');
    expect(port).toBeInstanceOf(MessagePort);
    expect(bridge.connected).toBe(true);
    bridge.close();
  });

  it('ignores hellos from any other window, and unknown versions', () => {
    const { bridge, frameWindow, say } = setup();
    say({ postMessage: vi.fn() }, { type: 'extplat:hello', version: BRIDGE_VERSION });
    say(null, { type: 'extplat:hello', version: BRIDGE_VERSION });
    say(frameWindow, { type: 'extplat:hello', version: 99 });
    expect(frameWindow.postMessage).not.toHaveBeenCalled();
    expect(bridge.connected).toBe(false);
  });

  it('proxies API calls to the extension gateway only, without the frame choosing headers that matter', async () => {
    const { bridge, host, frameWindow, say, framePort, next } = setup();
    say(frameWindow, { type: 'extplat:hello', version: BRIDGE_VERSION });
    const { port } = framePort();
    const reply = next(port);
    port.postMessage({
      type: 'api:request',
      id: '1',
      method: 'post',
      path: '/tickets?state=open',
      headers: { 'Content-Type': 'application/json', authorization: 'Bearer stolen', cookie: 'x' },
      body: '{}',
    });
    expect(await reply).toEqual({
      type: 'api:response',
      id: '1',
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: '{"message":"hi"}',
    });
    expect(host.call).toHaveBeenCalledWith({
      method: 'POST',
      url: '/api/ext/com.acme.tickets/tickets?state=open',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    bridge.close();
  });

  it('refuses paths that leave the extension and methods it does not know', async () => {
    const { bridge, host, frameWindow, say, framePort, next } = setup();
    say(frameWindow, { type: 'extplat:hello', version: BRIDGE_VERSION });
    const { port } = framePort();
    let reply = next(port);
    port.postMessage({ type: 'api:request', id: '2', method: 'GET', path: '/../../auth/me' });
    expect(await reply).toMatchObject({ type: 'api:error', id: '2', error: { code: 'BAD_PATH' } });
    reply = next(port);
    port.postMessage({ type: 'api:request', id: '3', method: 'TRACE', path: '/x' });
    expect(await reply).toMatchObject({ type: 'api:error', id: '3', error: { code: 'BAD_METHOD' } });
    expect(host.call).not.toHaveBeenCalled();
    bridge.close();
  });

  it('passes resize (clamped) and navigation to the host', async () => {
    const { bridge, host, frameWindow, say, framePort } = setup();
    say(frameWindow, { type: 'extplat:hello', version: BRIDGE_VERSION });
    const { port } = framePort();
    port.postMessage({ type: 'resize', height: 10 });
    port.postMessage({ type: 'resize', height: 321.4 });
    port.postMessage({ type: 'navigation', path: '/tickets/42' });
    port.postMessage({ type: 'navigation', path: 'https://evil.example' });
    await vi.waitFor(() => expect(host.navigated).toHaveBeenCalled());
    expect(host.resize).toHaveBeenNthCalledWith(1, 80);
    expect(host.resize).toHaveBeenNthCalledWith(2, 322);
    expect(host.navigated).toHaveBeenCalledTimes(1);
    expect(host.navigated).toHaveBeenCalledWith('/tickets/42');
    bridge.close();
  });
});

describe('gatewayUrl', () => {
  it.each([
    ['/greeting', '/api/ext/com.acme.x/greeting'],
    ['/a/./b?q=1', '/api/ext/com.acme.x/a/b?q=1'],
    ['/a/../b', '/api/ext/com.acme.x/b'],
  ])('keeps %s inside the extension', (path, url) => {
    expect(gatewayUrl('com.acme.x', path)).toBe(url);
  });

  it.each(['greeting', '//evil.example/x', '/../auth/me', '/%2e%2e/%2e%2e/auth/me', '/a\\..\\..\\b', 42])(
    'refuses %s',
    (path) => {
      expect(gatewayUrl('com.acme.x', path)).toBeNull();
    },
  );
});
