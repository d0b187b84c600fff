// The studio's product part: create a product (price typed in currency units, sent in
// minor units), pick which product to work on, and give it an image. An image goes
// straight to storage through a signed upload URL (the API never carries the bytes), and
// only then is its key attached to the product.

import { api, withQuery } from '../api.js';
import { rememberProduct } from '../catalog.js';
import { h, isAbort } from '../dom.js';
import { feedback } from '../feedback.js';
import { problemFrom } from '../http.js';
import { field } from '../fields.js';
import { formatPrice, parsePrice } from '../format.js';

const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/**
 * Where to send the bytes. The server's own store signs URLs under its configured address
 * (`/media/...`), which may name another host than the one this page came from (127.0.0.1
 * vs localhost); the page's CSP only lets it talk to its own origin, which is the same
 * server, so such a URL is used as a path. A bucket's URL is left alone.
 */
function uploadUrl(signed) {
  const url = new URL(signed, location.href);
  return url.pathname.startsWith('/media/') ? url.pathname + url.search : url.href;
}

/**
 * The section element. `onSelect(product)` is told which product is being worked on
 * (also remembered in `memory.productId`).
 */
export function productSection({ creator, memory, signal, onSelect }) {
  const products = new Map();
  const picker = field('Product', { name: 'product' }, { tag: 'select' });
  picker.element.hidden = true;
  const imageSlot = h('div', { class: 'studio-image-slot' });
  const imageHeading = h('h3', {}, 'Image');
  const pickResult = feedback();

  function select(product) {
    memory.productId = product.id;
    picker.input.value = product.id;
    imageSlot.replaceChildren(product.images?.[0]
      ? h('img', { id: 'studio-image', src: `/media/${product.images[0]}`, alt: product.title })
      : h('p', { class: 'muted' }, 'No image yet.'));
    imageHeading.textContent = `Image of ${product.title}`;
    onSelect(product);
  }

  function addChoice(product, first = false) {
    products.set(product.id, product);
    const option = h('option', { value: product.id },
      `${product.title} (${formatPrice(product.priceCents, product.currencyCode)})`);
    if (first) picker.input.prepend(option);
    else picker.input.append(option);
    picker.element.hidden = false;
  }

  picker.input.addEventListener('change', () => {
    const product = products.get(picker.input.value);
    if (product) select(product);
  });

  // Creating a product.
  const title = field('Title', { name: 'title', required: true, maxlength: 120 });
  const description = field('Description', { name: 'description', rows: 3, maxlength: 5000 }, { tag: 'textarea' });
  const price = field('Price', { name: 'price', required: true, inputmode: 'decimal', autocomplete: 'off' },
    { hint: 'In currency units, e.g. 25.00' });
  const currency = field('Currency', {
    name: 'currency', required: true, value: 'USD', maxlength: 3, minlength: 3, autocapitalize: 'characters',
  }, { hint: 'Three-letter code, e.g. USD or EUR.' });
  const create = h('button', { type: 'submit', class: 'primary' }, 'Create product');
  const createResult = feedback();
  const createForm = h('form', { class: 'stack narrow', 'aria-labelledby': 'new-product-heading' },
    h('h3', { id: 'new-product-heading' }, 'New product'),
    title.element, description.element, price.element, currency.element, create, createResult.element);
  createForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    createResult.clear();
    const currencyCode = currency.input.value.trim().toUpperCase();
    const priceCents = parsePrice(price.input.value, currencyCode);
    if (priceCents === null) {
      createResult.refuse('Enter the price as a number, e.g. 25.00.');
      price.input.focus();
      return;
    }
    create.disabled = true;
    try {
      const product = await api('/products', {
        method: 'POST',
        body: { creatorId: creator.id, title: title.input.value.trim(), description: description.input.value, priceCents, currencyCode },
      });
      rememberProduct(product);
      addChoice(product, true);
      select(product);
      createForm.reset();
      createResult.success(`Created ${product.title}. Add an image or schedule a drop below.`);
    } catch (error) {
      createResult.error(error);
    } finally {
      create.disabled = false;
    }
  });

  // The image of the selected product.
  const file = field('Product image', { type: 'file', name: 'image', accept: IMAGE_TYPES.join(',') });
  const upload = h('button', { type: 'submit' }, 'Upload image');
  const uploadResult = feedback();
  const uploadForm = h('form', { class: 'stack narrow' },
    imageHeading, imageSlot, file.element, upload, uploadResult.element);
  uploadForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    uploadResult.clear();
    const chosen = file.input.files?.[0];
    const product = products.get(memory.productId);
    if (!product || !chosen) {
      uploadResult.refuse(product ? 'Choose an image file first.' : 'Create or pick a product first.');
      return;
    }
    if (!IMAGE_TYPES.includes(chosen.type)) {
      uploadResult.refuse('Choose a PNG, JPEG, WebP or GIF image.');
      return;
    }
    upload.disabled = true;
    uploadResult.success('Uploading…');
    try {
      const productPath = `/api/products/${encodeURIComponent(product.id)}/images`;
      const target = await api(productPath, { method: 'POST', body: { contentType: chosen.type } });
      const sent = await fetch(uploadUrl(target.url), { method: target.method, headers: target.headers, body: chosen });
      if (!sent.ok) throw await problemFrom(sent);
      const updated = await api(productPath, { method: 'PUT', body: { keys: [target.key] } });
      rememberProduct(updated);
      products.set(updated.id, updated);
      file.input.value = '';
      if (memory.productId === updated.id) select(updated);
      uploadResult.success(`Image added to ${updated.title}.`);
    } catch (error) {
      uploadResult.error(error);
    } finally {
      upload.disabled = false;
    }
  });

  (async () => {
    try {
      const page = await api(withQuery('/browse/products', { creatorId: creator.id, limit: 50 }), { signal });
      for (const product of page.items) {
        rememberProduct(product);
        if (!products.has(product.id)) addChoice(product);
      }
      const chosen = products.get(memory.productId) ?? page.items[0];
      if (chosen) select(chosen);
    } catch (error) {
      if (!isAbort(error)) pickResult.error(error);
    }
  })();

  return h('section', { class: 'stack', 'aria-labelledby': 'products-heading' },
    h('h2', { id: 'products-heading' }, 'Products'),
    picker.element, pickResult.element, createForm, uploadForm);
}
