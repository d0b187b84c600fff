// creator.mjs: the creator's steps in the studio: become a creator, create a product, upload
// its image, schedule its drop, and see the drop sold out.

import { check, log, show, solidPng, waitUntil } from './support.mjs';
import { STOCK } from './run.mjs';
import { clickAndAwait, expectStatus, field, navLink, use } from './pages.mjs';
import { visit } from './audit.mjs';

/** "YYYY-MM-DDTHH:MM:SS" in UTC: a datetime-local value in the contexts' timezone. */
function localInputValue(date) {
  return date.toISOString().slice(0, 19);
}

export async function becomeCreator(creator, profile) {
  const page = use(creator);
  await navLink(page, 'Studio').click();
  await field(page, 'Display name').fill(profile.displayName);
  await field(page, 'Handle').fill(profile.handle);
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Become a creator' }), 'POST', /^\/api\/creators$/);
  const created = await expectStatus(answer, 201, 'becoming a creator');
  log(`  creator ${created.id} (@${profile.handle})`);
  return created;
}

export async function createProduct(creator, product) {
  const page = use(creator);
  await field(page, 'Title').fill(product.title);
  await field(page, 'Description').fill(product.description);
  await field(page, 'Price').fill(product.price);
  const currency = field(page, 'Currency');
  if ((await currency.evaluate((element) => element.tagName)) === 'SELECT') await currency.selectOption('USD');
  else await currency.fill('USD');
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Create product' }), 'POST', /^\/products$/);
  const created = await expectStatus(answer, 201, 'creating the product');
  check(created.priceCents === 2500, `price "${product.price}" was sent as priceCents ${created.priceCents}, expected 2500`);
  log(`  product ${created.id}`);
  return created;
}

export async function uploadImage(creator) {
  const page = use(creator);
  await field(page, 'Product image').setInputFiles({ name: 'swatch.png', mimeType: 'image/png', buffer: solidPng(64, 64, [214, 40, 57]) });
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Upload image' }), 'PUT', /^\/api\/products\/[^/]+\/images$/);
  const product = await expectStatus(answer, 200, 'attaching the uploaded image');
  check(product.images?.length === 1, `the product's images after the upload are ${show(product.images)}, expected one key`);
  await waitUntil('#studio-image to load', async () => {
    const image = await page.evaluate(() => {
      const element = document.getElementById('studio-image');
      return element && { src: element.getAttribute('src'), complete: element.complete, naturalWidth: element.naturalWidth };
    });
    return { done: Boolean(image?.complete && image.naturalWidth > 0), seen: image };
  });
  log(`  image ${product.images[0]}`);
}

export async function scheduleDrop(creator, creatorId, startAt) {
  const page = use(creator);
  const endAt = new Date(startAt.getTime() + 3600_000);
  await field(page, 'Starts at').fill(localInputValue(startAt));
  await field(page, 'Ends at').fill(localInputValue(endAt));
  await field(page, 'Stock').fill(String(STOCK));
  await field(page, 'Low-stock threshold').fill('1');
  await field(page, 'Limit per buyer').fill('1');
  const answer = await clickAndAwait(page, page.getByRole('button', { name: 'Schedule drop' }), 'POST', /^\/drops$/);
  const drop = await expectStatus(answer, 201, 'scheduling the drop');
  check(drop.creatorId === creatorId, `the drop belongs to creator ${drop.creatorId}, expected ${creatorId}`);
  const skewMs = Date.parse(drop.startAt) - startAt.getTime();
  check(Math.abs(skewMs) < 1000, `"Starts at" ${localInputValue(startAt)} (UTC context) became startAt ${drop.startAt}: the input's local time or seconds were lost`);
  const href = await page.getByRole('link', { name: 'View drop' }).getAttribute('href');
  check(href === `#/drops/${drop.id}`, `the "View drop" link goes to ${show(href)}, expected #/drops/${drop.id}`);
  log(`  drop ${drop.id} starts ${drop.startAt} (in ${((startAt.getTime() - Date.now()) / 1000).toFixed(1)} s)`);
  return drop;
}

export async function studio(creator) {
  const page = use(creator);
  await waitUntil(`the studio to show "sold ${STOCK} of ${STOCK}"`, async () => {
    const text = await page.locator('main').first().innerText();
    return { done: new RegExp(`sold\\s+${STOCK}\\s+of\\s+${STOCK}`, 'i').test(text), seen: text.replace(/\s+/g, ' ').slice(-200) };
  });
  await visit(page, 'studio');
}
