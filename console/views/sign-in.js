import { h } from '../dom.js';

/** Asks for an API token (admin or read-only); `onToken` keeps it for this browser. */
export function signInView(message, onToken) {
  const input = h('input', { id: 'token-input', name: 'token', type: 'password', autocomplete: 'off', required: true, placeholder: 'itn_admin_…', size: 50 });
  return h(
    'section',
    { class: 'sign-in' },
    h('h1', {}, 'Sign in'),
    h('p', {}, 'Paste an API token of your workspace. It stays in this browser only, and the API explorer uses it too.'),
    message ? h('p', { class: 'error', id: 'sign-in-error' }, message) : null,
    h(
      'form',
      {
        id: 'sign-in',
        onsubmit: (event) => {
          event.preventDefault();
          onToken(input.value.trim());
        },
      },
      h('label', {}, 'API token ', input),
      h('button', { type: 'submit', class: 'primary' }, 'Sign in'),
    ),
  );
}
