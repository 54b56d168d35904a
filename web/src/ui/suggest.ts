/** A search box with suggestions from GET /nodes?q= (arrow keys, Enter, Esc). */
import type { ApiClient } from '../api/client';
import type { NodeSummary } from '../api/types';
import { debounce, errorText, h } from './dom';

export interface SuggestBox {
  el: HTMLElement;
  input: HTMLInputElement;
  value: NodeSummary | null;
  set(n: NodeSummary | null): void;
}

export function suggestBox(
  api: ApiClient,
  opts: { placeholder: string; testid: string; onPick: (n: NodeSummary) => void },
): SuggestBox {
  const input = h('input', {
    type: 'search',
    placeholder: opts.placeholder,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-autocomplete': 'list',
    'data-testid': opts.testid,
  });
  const list = h('ul', {
    class: 'suggest',
    role: 'listbox',
    hidden: true,
    'data-testid': `${opts.testid}-list`,
  });
  let items: NodeSummary[] = [];
  let active = -1;
  let seq = 0;
  const box: SuggestBox = {
    el: h('div', { class: 'suggest-box' }, input, list),
    input,
    value: null,
    set(n) {
      box.value = n;
      input.value = n ? n.name : '';
    },
  };
  const close = () => {
    list.hidden = true;
    active = -1;
  };
  const paint = () => {
    list.replaceChildren(
      ...items.map((n, i) =>
        h(
          'li',
          {
            role: 'option',
            class: i === active ? 'active' : '',
            'aria-selected': i === active ? 'true' : 'false',
            onmousedown: (e: Event) => {
              e.preventDefault();
              pick(i);
            },
          },
          h('span', { class: `dot p-${n.provider}` }),
          h('span', { class: 'name' }, `${n.tierZero ? '★ ' : ''}${n.name}`),
          h('span', { class: 'muted' }, ` ${n.kind}${n.account ? ` · ${n.account}` : ''}`),
        ),
      ),
    );
    if (!items.length) list.append(h('li', { class: 'muted empty' }, 'No match'));
    list.hidden = false;
  };
  const pick = (i: number) => {
    const n = items[i];
    if (!n) return;
    box.set(n);
    close();
    opts.onPick(n);
  };
  const search = debounce(async (q: string) => {
    const my = ++seq;
    try {
      const r = await api.searchNodes(q, { limit: 12 });
      if (my !== seq) return;
      items = r.items;
      active = items.length ? 0 : -1;
      paint();
    } catch (e) {
      if (my !== seq) return;
      items = [];
      list.replaceChildren(h('li', { class: 'error' }, errorText(e)));
      list.hidden = false;
    }
  }, 180);
  input.addEventListener('input', () => {
    box.value = null;
    const q = input.value.trim();
    if (q.length < 1) return close();
    search(q);
  });
  input.addEventListener('keydown', (e) => {
    if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      if (!items.length) return;
      active = (active + (e.key === 'ArrowDown' ? 1 : items.length - 1)) % items.length;
      paint();
    } else if (e.key === 'Enter') {
      e.preventDefault();
      if (!list.hidden && active >= 0) pick(active);
    } else if (e.key === 'Escape') {
      if (!list.hidden) {
        e.stopPropagation();
        close();
      } else input.blur();
    }
  });
  input.addEventListener('blur', () => setTimeout(close, 100));
  return box;
}
