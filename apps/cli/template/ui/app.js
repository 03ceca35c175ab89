// Runs in a sandboxed iframe on the Runner's origin (opaque origin "null"). It talks to the admin console
// only through the MessageChannel port the console hands over (protocol: apps/admin/BRIDGE.md); API calls
// go through the console, which adds the user's session: this page never sees it.
const status = document.getElementById('status');
const greeting = document.getElementById('greeting');

let port = null;
let nextId = 1;
const pending = new Map();

/** Calls this extension's own API (`/api/ext/<id><path>`) through the console. */
function api(method, path, body) {
  if (!port) return Promise.reject(new Error('not connected to the console'));
  const id = String(nextId++);
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve, reject });
    port.postMessage({
      type: 'api:request',
      id,
      method,
      path,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
  });
}

function applyTheme(theme) {
  if (!theme || typeof theme !== 'object') return;
  document.documentElement.dataset.theme = theme.mode === 'dark' ? 'dark' : 'light';
  const style = document.documentElement.style;
  for (const [name, value] of Object.entries(theme.colors ?? {})) {
    if (typeof value === 'string') style.setProperty(`--${name}`, value);
  }
  if (typeof theme.fontFamily === 'string') style.setProperty('--font', theme.fontFamily);
}

function onPortMessage(event) {
  const message = event.data;
  switch (message?.type) {
    case 'theme':
      applyTheme(message.theme);
      break;
    case 'navigation':
      status.dataset.path = message.path;
      break;
    case 'api:response':
    case 'api:error': {
      const call = pending.get(message.id);
      pending.delete(message.id);
      if (!call) break;
      if (message.type === 'api:response') call.resolve(message);
      else call.reject(new Error(`${message.error.code}: ${message.error.message}`));
      break;
    }
  }
}

// The content's own height (not scrollHeight, which never drops below the frame's current height).
function reportHeight() {
  port?.postMessage({ type: 'resize', height: Math.ceil(document.documentElement.getBoundingClientRect().height) });
}

async function showGreeting() {
  try {
    const response = await api('GET', '/greeting');
    const body = JSON.parse(response.body);
    if (response.status !== 200) throw new Error(body?.error?.message ?? `status ${response.status}`);
    greeting.textContent = body.message;
    status.textContent = `Connected to the console · version ${body.version}`;
  } catch (error) {
    status.textContent = `The greeting could not be loaded: ${error.message}`;
  }
}

window.addEventListener('message', (event) => {
  // Only the console (our parent) may connect, and only once per page load.
  if (event.source !== window.parent || port || event.data?.type !== 'extplat:connect') return;
  const [received] = event.ports;
  if (!received) return;
  port = received;
  port.onmessage = onPortMessage;
  applyTheme(event.data.theme);
  port.postMessage({ type: 'ready' });
  new ResizeObserver(reportHeight).observe(document.documentElement);
  reportHeight();
  void showGreeting();
});

window.parent.postMessage({ type: 'extplat:hello', version: 1 }, '*');
