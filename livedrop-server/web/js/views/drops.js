// #/ : the drops to browse, as two tabs (Live, Upcoming), each a cursor-paged list of drop
// cards with a "Load more" button. The chosen tab is kept in the address (replaceState,
// so it is not a new history entry and does not re-render) for back/forward and reloads.

import { dropCard } from '../drop-card.js';
import { h, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { countdowns } from '../format.js';
import { pager } from '../pager.js';

const TABS = [
  { id: 'live', label: 'Live', empty: 'No drops are live right now.' },
  { id: 'upcoming', label: 'Upcoming', empty: 'No drops are scheduled yet.' },
];
const PAGE_SIZE = 12;

export function dropsView({ root, query, signal }) {
  setPageTitle('Drops');
  const timers = countdowns();
  let current = TABS.find((tab) => tab.id === query.get('tab')) ?? TABS[0];

  const list = h('div', { class: 'card-grid' });
  const result = feedback();
  // Choosing a tab starts the pager again, which drops the answer for the tab left.
  const pages = pager({
    path: '/browse/drops',
    query: () => ({ status: current.id }),
    limit: PAGE_SIZE,
    signal,
    feedback: result,
    clearsFeedback: true,
    show: (drops) => list.append(...drops.map((drop) => dropCard(drop, { countdowns: timers }))),
    showEmpty: () => list.append(h('p', { class: 'muted' }, current.empty)),
  });
  const panel = h(
    'div',
    { role: 'tabpanel', id: 'drops-panel', tabindex: '0' },
    list,
    result.element,
    h('p', {}, pages.button),
  );
  const tabs = TABS.map((tab) =>
    h('button', { type: 'button', role: 'tab', id: `tab-${tab.id}`, 'aria-controls': 'drops-panel' }, tab.label),
  );
  const tablist = h('div', { role: 'tablist', 'aria-label': 'Drops by status', class: 'tabs' }, tabs);

  function select(tab, focus = false) {
    current = tab;
    TABS.forEach((each, index) => {
      const selected = each === tab;
      tabs[index].setAttribute('aria-selected', String(selected));
      tabs[index].tabIndex = selected ? 0 : -1;
      if (selected && focus) tabs[index].focus();
    });
    panel.setAttribute('aria-labelledby', `tab-${tab.id}`);
    history.replaceState(null, '', tab === TABS[0] ? '#/' : `#/?tab=${tab.id}`);
    list.replaceChildren();
    pages.start();
  }

  tabs.forEach((button, index) => {
    button.addEventListener('click', () => select(TABS[index]));
    // The ARIA tabs pattern: arrow keys move between tabs, Tab goes into the panel.
    button.addEventListener('keydown', (event) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[event.key];
      if (!step) return;
      event.preventDefault();
      select(TABS[(index + step + TABS.length) % TABS.length], true);
    });
  });

  root.append(pageHeading('Drops'), tablist, panel);
  select(current);
  return () => timers.stop();
}
