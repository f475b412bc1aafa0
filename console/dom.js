// A tiny element builder: h('a', { href }, 'text', child) — enough for a console without a framework.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) element.addEventListener(name.slice(2).toLowerCase(), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

export function append(element, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : String(child));
  }
  return element;
}

export const formatTime = (value) => (value ? new Date(value).toLocaleString() : '—');
export const formatPercent = (value) => (value === null || value === undefined ? '—' : `${Number(value).toFixed(1)}%`);

/** A short, readable rendering of an activity record's or event's JSON detail. */
export function formatDetail(detail) {
  if (!detail || typeof detail !== 'object') return '';
  return Object.entries(detail)
    .map(([key, value]) => `${key}: ${typeof value === 'object' ? JSON.stringify(value) : value}`)
    .join(', ');
}

/** Runs `run` at most once per `ms` however often it is asked (live records arrive in bursts). */
export function throttle(run, ms) {
  let timer = null;
  return () => {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      run();
    }, ms);
  };
}

/** Asks before an action changes anything; resolves true when confirmed. */
export function confirmAction(message) {
  const dialog = document.getElementById('confirm');
  document.getElementById('confirm-message').textContent = message;
  return new Promise((resolve) => {
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok'), { once: true });
    dialog.showModal();
  });
}
