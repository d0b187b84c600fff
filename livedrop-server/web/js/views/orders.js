// #/orders: the signed-in user's orders, newest first, paged; a confirmed order can be
// cancelled here (its stock goes back to the drop). Each row names the product, which is
// looked up through the shared catalog cache.

import { api, mine } from '../api.js';
import { dropTitle } from '../catalog.js';
import { h, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { formatDateTime } from '../format.js';
import { pager } from '../pager.js';
import { currentUser } from '../session.js';
import { signInPrompt } from './needs-sign-in.js';

const PAGE_SIZE = 20;

export function ordersView({ root, signal }) {
  if (!currentUser()) {
    signInPrompt(root, 'My orders', 'Log in to see your orders.');
    return undefined;
  }
  setPageTitle('My orders');
  const list = h('ul', { id: 'orders-list', class: 'rows' });
  const result = feedback();

  function row(order) {
    const titleId = `order-${order.id}-title`;
    const title = h('a', { id: titleId, href: `#/drops/${encodeURIComponent(order.dropId)}` }, 'Loading…');
    dropTitle(order.dropId).then((text) => {
      title.textContent = text;
    });
    const status = h('span', { class: `order-status order-${order.status}` }, order.status);
    const item = h(
      'li',
      { class: 'row', dataset: { orderId: order.id } },
      h('div', { class: 'row-main' },
        title,
        h('p', { class: 'muted' }, `Qty ${order.qty} · ordered ${formatDateTime(order.createdAt)} · status: `, status)),
    );
    if (order.status === 'confirmed') {
      // Named "Cancel" like every row's; described by its product for screen readers.
      const cancel = h('button', { type: 'button', class: 'secondary', 'aria-describedby': titleId }, 'Cancel');
      item.append(cancel);
      cancel.addEventListener('click', async () => {
        cancel.disabled = true;
        result.clear();
        try {
          const answer = await api(`/orders/${encodeURIComponent(order.id)}/cancel`, { method: 'POST' });
          status.textContent = answer.order.status;
          status.className = `order-status order-${answer.order.status}`;
          cancel.remove();
          result.success(`Order cancelled: ${title.textContent}.`);
        } catch (error) {
          cancel.disabled = false;
          result.error(error);
        }
      });
    }
    return item;
  }

  // `result` also reports cancellations, so a load does not clear it.
  const pages = pager({
    path: mine('orders'),
    limit: PAGE_SIZE,
    signal,
    feedback: result,
    show: (orders) => list.append(...orders.map(row)),
    showEmpty: () => list.before(h('p', { class: 'muted' }, 'No orders yet. ', h('a', { href: '#/' }, 'Browse the drops'), '.')),
  });

  root.append(pageHeading('My orders'), result.element, list, h('p', {}, pages.button));
  pages.start();
  return undefined;
}
