// Runs in a sandboxed iframe on the Runner's origin. It talks to the console only through the
// MessageChannel port the console hands over; it never sees the user's session.
const status = document.getElementById('status');

window.addEventListener('message', (event) => {
  const [port] = event.ports;
  if (event.source !== window.parent || !port) return;
  port.onmessage = (message) => {
    if (message.data?.type === 'theme') document.body.dataset.theme = message.data.theme;
  };
  port.postMessage({ type: 'ready' });
  status.textContent = 'Connected to the console.';
});
