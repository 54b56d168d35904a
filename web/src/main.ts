/** Entry: theme, sign-in with an API token, then the explorer shell. */

import { ApiClient, ApiError } from './api/client';
import type { Me } from './api/types';
import { App } from './app';
import './styles.css';
import { installTestHook } from './test-hook';
import { clear, errorText, h } from './ui/dom';

const root = document.getElementById('app')!;
const stored = localStorage.getItem('permgraph.theme');
document.documentElement.dataset.theme =
  stored === 'dark' || stored === 'light'
    ? stored
    : matchMedia('(prefers-color-scheme: dark)').matches
      ? 'dark'
      : 'light';

const api = new ApiClient();
installTestHook(root);

function signIn(message?: string): void {
  api.onUnauthorized = () => {};
  const token = h('input', {
    type: 'password',
    autocomplete: 'off',
    placeholder: 'pg_…',
    required: true,
    'data-testid': 'token',
    'aria-label': 'API token',
  });
  const err = h('p', { class: 'error', 'data-testid': 'signin-error', role: 'alert' }, message ?? '');
  const health = h('p', { class: 'muted' });
  void api
    .health()
    .then((hl) => {
      health.textContent = `Server ${hl.version} · graph ${hl.neo4j ? 'available' : 'unavailable'}`;
    })
    .catch(() => {
      health.textContent = 'The API does not answer.';
    });
  const form = h(
    'form',
    {
      class: 'signin stack',
      onsubmit: async (e: Event) => {
        e.preventDefault();
        api.setToken(token.value.trim());
        try {
          const me = await api.me();
          await start(me);
        } catch (ex) {
          api.setToken(null);
          err.textContent =
            ex instanceof ApiError && ex.status === 401
              ? 'This token is not valid (or was revoked).'
              : errorText(ex);
        }
      },
    },
    h('h1', {}, 'permgraph'),
    h(
      'p',
      {},
      'Multi-cloud permissions and attack paths. Sign in with an API token (`permgraph token create`).',
    ),
    h('label', {}, 'API token', token),
    h('button', { type: 'submit', class: 'primary', 'data-testid': 'signin' }, 'Sign in'),
    err,
    health,
  );
  clear(root, h('main', { class: 'signin-page' }, form));
  token.focus();
}

async function start(me: Me): Promise<void> {
  const schema = await api.schema();
  api.onUnauthorized = () => {
    api.setToken(null);
    signIn('Your session ended: the token is no longer valid.');
  };
  const app = new App(api, schema, me, root);
  (window as unknown as { permgraphApp?: App }).permgraphApp = app;
  app.mount(() => {
    api.setToken(null);
    history.replaceState(null, '', location.pathname + location.search);
    signIn();
  });
}

if (api.signedIn) {
  api
    .me()
    .then(start)
    .catch((e) => signIn(errorText(e)));
} else signIn();
