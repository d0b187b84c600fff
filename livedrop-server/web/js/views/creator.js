// #/creators/{id}: a creator's storefront: name, follow toggle with the follower count,
// and all their drops (newest first, paged). Following needs a sign-in; the button's
// state comes from /follow/check and every follow/unfollow answer carries the exact count.

import { api, withQuery } from '../api.js';
import { creatorById } from '../catalog.js';
import { dropCard } from '../drop-card.js';
import { h, isAbort, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { countdowns } from '../format.js';
import { pager } from '../pager.js';
import { currentUser } from '../session.js';

const PAGE_SIZE = 12;

export function creatorView({ root, params, signal }) {
  const creatorId = params.id;
  const heading = pageHeading('Loading creator…');
  const page = feedback();
  const timers = countdowns();
  root.append(heading, page.element);
  setPageTitle('Creator');

  const count = h('span', { id: 'follower-count' });
  const countWord = h('span', {}, ' followers');
  const countLine = h('p', { hidden: true }, count, countWord);
  const follow = h('button', { type: 'button', id: 'follow', 'aria-pressed': 'false', disabled: true }, 'Follow');
  const followResult = feedback();
  const list = h('div', { class: 'card-grid' });
  const dropsResult = feedback();
  const dropPages = pager({
    path: `/api/creators/${encodeURIComponent(creatorId)}/drops`,
    limit: PAGE_SIZE,
    signal,
    feedback: dropsResult,
    clearsFeedback: true,
    show: (drops) => list.append(...drops.map((drop) => dropCard(drop, { countdowns: timers, level: 3 }))),
    showEmpty: () => list.append(h('p', { class: 'muted' }, 'No drops yet.')),
  });
  let following = false;

  function showCount(value) {
    if (!Number.isInteger(value)) return;
    count.textContent = String(value);
    countWord.textContent = value === 1 ? ' follower' : ' followers';
    countLine.hidden = false;
  }

  function showFollowing(value) {
    following = value;
    follow.textContent = value ? 'Unfollow' : 'Follow';
    follow.setAttribute('aria-pressed', String(value));
  }

  async function toggle() {
    follow.disabled = true;
    followResult.clear();
    try {
      const change = following
        ? await api(`/follow/${encodeURIComponent(creatorId)}`, { method: 'DELETE' })
        : await api('/follow', { method: 'POST', body: { creatorId } });
      if (signal.aborted) return;
      showFollowing(change.following);
      showCount(change.followerCount);
    } catch (error) {
      if (!signal.aborted) followResult.error(error);
    } finally {
      follow.disabled = false;
    }
  }

  async function load() {
    let creator;
    try {
      creator = await creatorById(creatorId);
    } catch (error) {
      if (signal.aborted) return;
      heading.textContent = error?.status === 404 || error?.status === 400 ? 'Creator not found' : 'Creator unavailable';
      setPageTitle(heading.textContent);
      page.error(error);
      return;
    }
    if (signal.aborted) return;
    heading.textContent = creator.displayName;
    setPageTitle(creator.displayName);
    // A follow answered meanwhile carries the newer count: keep that one.
    let answered = false;
    follow.addEventListener('click', () => { answered = true; });
    api(`/api/creators/${encodeURIComponent(creatorId)}/follower-count`, { signal })
      .then((counted) => { if (!answered) showCount(counted.followerCount); })
      .catch(() => {}); // the count is a nicety: the page stands without it
    const me = currentUser();
    const next = encodeURIComponent(`/creators/${creatorId}`);
    root.append(
      h('p', { class: 'muted' }, `@${creator.handle}`),
      countLine,
      me ? follow : h('p', {}, h('a', { href: `#/login?next=${next}` }, 'Log in to follow')),
      followResult.element,
      h('h2', {}, 'Drops'),
      list,
      dropsResult.element,
      h('p', {}, dropPages.button),
    );
    follow.addEventListener('click', toggle);
    dropPages.start();
    if (me) {
      try {
        const check = await api(withQuery('/follow/check', { userId: me.id, creatorId }), { signal });
        showFollowing(check.following);
        follow.disabled = false;
      } catch (error) {
        if (!isAbort(error)) followResult.error(error);
      }
    }
  }

  load();
  return () => timers.stop();
}
