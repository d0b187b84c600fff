// #/inbox: the user's notifications, newest first, paged, with "Mark all as read".
// New notifications from the user stream are added to the top as they arrive; a stream
// `reset` (events were missed) reloads the list from the API, which is the record.

import { api } from '../api.js';
import { currentReadMark, markedRead, NOTIFICATION_TYPES } from '../badge.js';
import { h, pageHeading, setPageTitle, srOnly } from '../dom.js';
import { feedback } from '../feedback.js';
import { formatDateTime } from '../format.js';
import { noticeText } from '../notice-text.js';
import { pager } from '../pager.js';
import { currentUser } from '../session.js';
import { onUserEvent } from '../user-events.js';
import { signInPrompt } from './needs-sign-in.js';

const PAGE_SIZE = 20;

/** Whether `event` is newer than the read mark {eventId, occurredAt} (null: all unread). */
function isUnread(event, mark) {
  if (!mark) return true;
  const when = Date.parse(event.occurredAt);
  const markWhen = Date.parse(mark.occurredAt);
  return when > markWhen || (when === markWhen && event.id > mark.eventId);
}

export function inboxView({ root, signal }) {
  if (!currentUser()) {
    signInPrompt(root, 'Inbox', 'Log in to see your notifications.');
    return undefined;
  }
  setPageTitle('Inbox');
  const list = h('ul', { id: 'inbox-list', class: 'rows' });
  const empty = h('p', { class: 'muted', hidden: true }, 'Nothing yet. Follow creators to hear about their drops.');
  const result = feedback();
  const markAll = h('button', { type: 'button', class: 'secondary' }, 'Mark all as read');
  const shown = new Map(); // event id → its row: at-least-once delivery must not duplicate
  let newest = null;

  function row(event) {
    const text = h('span', { class: 'notice-text' }, 'Loading…');
    const unread = isUnread(event, currentReadMark());
    const item = h(
      'li',
      { class: unread ? 'row unread' : 'row', dataset: { eventId: event.id } },
      h('div', { class: 'row-main' },
        unread ? srOnly('Unread: ') : null,
        event.dropId ? h('a', { href: `#/drops/${encodeURIComponent(event.dropId)}` }, text) : text,
        h('p', { class: 'muted' }, h('time', { datetime: event.occurredAt }, formatDateTime(event.occurredAt)))),
    );
    noticeText(event).then((words) => {
      text.textContent = words;
    });
    shown.set(event.id, item);
    return item;
  }

  function noteNewest(event) {
    if (!newest || Date.parse(event.occurredAt) >= Date.parse(newest.occurredAt)) newest = event;
    empty.hidden = true;
  }

  // A (re)start keeps the old rows on screen until the first page arrives to replace them.
  function showPage(items, first) {
    if (first) {
      list.replaceChildren();
      shown.clear();
      newest = null;
    }
    for (const { event } of items) {
      if (shown.has(event.id)) continue;
      list.append(row(event));
      noteNewest(event);
    }
    empty.hidden = list.children.length > 0;
  }

  const pages = pager({ path: '/api/notifications', limit: PAGE_SIZE, signal, feedback: result, show: showPage });

  markAll.addEventListener('click', async () => {
    if (!newest) return;
    markAll.disabled = true;
    result.clear();
    const upTo = { eventId: newest.id, occurredAt: newest.occurredAt };
    try {
      await api('/api/notifications/read', { method: 'POST', body: { upTo } });
      markedRead(upTo);
      for (const item of list.querySelectorAll('.unread')) {
        item.classList.remove('unread');
        item.querySelector('.visually-hidden')?.remove();
      }
      result.success('All notifications are marked as read.');
    } catch (error) {
      result.error(error);
    } finally {
      markAll.disabled = false;
    }
  });

  const stopListening = onUserEvent((message) => {
    if (message.type === 'reset') pages.start();
    else if (NOTIFICATION_TYPES.has(message.type) && message.data?.id && !shown.has(message.data.id)) {
      list.prepend(row(message.data));
      noteNewest(message.data);
    }
  });

  root.append(pageHeading('Inbox'), h('p', {}, markAll), result.element, empty, list, h('p', {}, pages.button));
  pages.start();
  return stopListening;
}
