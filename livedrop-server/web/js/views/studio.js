// #/studio: where a creator works. A user without a creator profile first becomes one;
// then the page offers their products (create, pick, add an image) and their drops
// (schedule, watch selling). What is selected stays in memory while the tab lives, so
// leaving the studio and coming back keeps the creator's place.

import { api, mine } from '../api.js';
import { h, isAbort, pageHeading, setPageTitle } from '../dom.js';
import { feedback } from '../feedback.js';
import { field } from '../fields.js';
import { currentUser } from '../session.js';
import { signInPrompt } from './needs-sign-in.js';
import { productSection } from './studio-product.js';
import { dropsSection } from './studio-drops.js';

/** The studio's memory: whose it is, their creator, the product being worked on. */
const memory = { userId: null, creator: null, productId: null };

/** The signed-in user's creator (a user has at most one), or null when they have none yet. */
async function findMyCreator(signal) {
  try {
    return await api(mine('creator'), { signal });
  } catch (error) {
    if (error?.status === 404) return null;
    throw error;
  }
}

function becomeCreatorForm(onCreated) {
  const displayName = field('Display name', { name: 'displayName', required: true, maxlength: 80 });
  const handle = field('Handle', {
    name: 'handle', required: true, minlength: 3, maxlength: 30, autocapitalize: 'none',
    spellcheck: 'false', pattern: '[A-Za-z][A-Za-z0-9_]{2,29}',
  }, { hint: '3 to 30 letters, digits or _, starting with a letter. Your page is @handle.' });
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Become a creator');
  const result = feedback();
  const form = h('form', { class: 'stack narrow', 'aria-labelledby': 'become-heading' },
    h('h2', { id: 'become-heading' }, 'Start selling'),
    h('p', {}, 'Sell limited drops of your products to your followers.'),
    displayName.element, handle.element, submit, result.element);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    submit.disabled = true;
    result.clear();
    try {
      const creator = await api('/api/creators', {
        method: 'POST',
        body: { displayName: displayName.input.value.trim(), handle: handle.input.value.trim().toLowerCase() },
      });
      onCreated(creator);
    } catch (error) {
      result.error(error);
      submit.disabled = false;
    }
  });
  return form;
}

export function studioView({ root, signal }) {
  const user = currentUser();
  if (!user) {
    signInPrompt(root, 'Studio', 'Log in to sell your drops.');
    return undefined;
  }
  setPageTitle('Studio');
  if (memory.userId !== user.id) Object.assign(memory, { userId: user.id, creator: null, productId: null });
  const body = h('div', { class: 'stack' });
  const page = feedback();
  root.append(pageHeading('Studio'), page.element, body);
  const cleanups = [];

  function showWorkspace(creator) {
    memory.creator = creator;
    if (signal.aborted) return; // left the studio meanwhile: open no streams
    const drops = dropsSection({ creator, signal });
    cleanups.push(drops.cleanup);
    const products = productSection({ creator, memory, signal, onSelect: drops.useProduct });
    body.replaceChildren(
      h('p', {}, 'Creator: ', h('a', { href: `#/creators/${encodeURIComponent(creator.id)}` }, creator.displayName),
        ` (@${creator.handle})`),
      products,
      drops.element,
    );
  }

  (async () => {
    try {
      const creator = memory.creator ?? (await findMyCreator(signal));
      if (signal.aborted) return;
      if (creator) showWorkspace(creator);
      else {
        body.replaceChildren(becomeCreatorForm((created) => {
          showWorkspace(created);
          root.querySelector('h2')?.setAttribute('tabindex', '-1');
          root.querySelector('h2')?.focus();
        }));
      }
    } catch (error) {
      if (!isAbort(error)) page.error(error);
    }
  })();

  return () => cleanups.forEach((cleanup) => cleanup());
}
