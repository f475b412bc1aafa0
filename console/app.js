// The console: a one-page app whose views live in the URL's hash (#/journeys, #/journeys/<id>, ...).
import { gql, session } from './api.js';
import { h } from './dom.js';
import { activityView } from './views/activity.js';
import { deliveriesView } from './views/deliveries.js';
import { instanceView } from './views/instance.js';
import { journeyView } from './views/journey.js';
import { journeysView } from './views/journeys.js';
import { profileView } from './views/profile.js';
import { signInView } from './views/sign-in.js';

const routes = [
  [/^#\/journeys\/([^/]+)$/, (viewer, id) => journeyView(viewer, id)],
  [/^#\/instances\/([^/]+)$/, (viewer, id) => instanceView(viewer, id)],
  [/^#\/profiles\/(.+)$/, (viewer, userId) => profileView(viewer, userId)],
  [/^#\/activity(?:\?(.*))?$/, (viewer, query) => activityView(viewer, new URLSearchParams(query ?? ''))],
  [/^#\/deliveries(?:\?(.*))?$/, (viewer, query) => deliveriesView(viewer, new URLSearchParams(query ?? ''))],
  [/^#\/journeys$|^#?\/?$/, (viewer) => journeysView(viewer)],
];

let leaveView = () => {};
let viewer = null;

/** The token's workspace and scope; actions are shown only when the scope is ADMIN. */
async function loadViewer() {
  const { viewer: loaded } = await gql('{ viewer { workspaceId scope } }');
  return { ...loaded, canChange: loaded.scope === 'ADMIN' };
}

async function render() {
  leaveView();
  leaveView = () => {};
  const main = document.getElementById('view');
  if (!session.token()) return showSignIn(main);
  if (!viewer) {
    try {
      viewer = await loadViewer();
    } catch (error) {
      session.signOut();
      return showSignIn(main, error.message);
    }
  }
  showChrome(viewer);
  const hash = decodeURIComponent(location.hash || '#/journeys');
  for (const [pattern, view] of routes) {
    const match = pattern.exec(hash);
    if (!match) continue;
    main.replaceChildren(h('p', { class: 'muted' }, 'Loading…'));
    try {
      const shown = await view(viewer, ...match.slice(1));
      main.replaceChildren(shown.element);
      leaveView = shown.leave ?? (() => {});
    } catch (error) {
      main.replaceChildren(h('p', { class: 'error' }, error.message));
    }
    return;
  }
  main.replaceChildren(h('p', { class: 'error' }, 'No such page.'));
}

function showSignIn(main, message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('who').replaceChildren();
  main.replaceChildren(
    signInView(message, (token) => {
      session.signIn(token);
      viewer = null;
      void render();
    }),
  );
}

function showChrome(current) {
  document.getElementById('nav').hidden = false;
  document.getElementById('who').replaceChildren(
    h('span', { class: `scope scope-${current.scope.toLowerCase()}`, title: `workspace ${current.workspaceId}` }, current.scope === 'ADMIN' ? 'admin' : 'read-only'),
    h('button', { id: 'sign-out', onclick: () => { session.signOut(); viewer = null; void render(); } }, 'Sign out'),
  );
}

window.addEventListener('hashchange', () => void render());
void render();
