// SPDX-License-Identifier: MIT
// The Share button of the page view: a read-only link to the view on show
// (its hash: type, device, dates, segment, settings), signed by the server
// and valid for a day, a week or a month. Whoever opens it sees this one
// page of this one site, without signing in (login.js, shared mode).
import { h, icon, ICONS, announce } from './dom.js';
import { send, ApiError } from './api.js';

const expiryFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
export const fmtExpiry = (ms) => (typeof ms === 'number' && Number.isFinite(ms) && ms > 0 ? expiryFormat.format(new Date(ms)) : 'at an unknown time');

const LIFETIMES = [
  { hours: 24, label: '1 day' },
  { hours: 24 * 7, label: '7 days' },
  { hours: 24 * 30, label: '30 days' },
];

const SHARE_ICON = ['M14.5 3.5a2 2 0 1 1 0 4a2 2 0 1 1 0-4z', 'M5.5 8a2 2 0 1 1 0 4a2 2 0 1 1 0-4z', 'M14.5 12.5a2 2 0 1 1 0 4a2 2 0 1 1 0-4z', 'M7.3 9.1l5.4-2.7M7.3 10.9l5.4 2.7'];

// The button; ctx: the view's context (its dialog goes when the view goes).
export function shareButton(ctx, key, page) {
  const btn = h('button', {
    type: 'button', className: 'btn btn-secondary', id: 'share', title: 'A read-only link to this view',
    'aria-haspopup': 'dialog',
  }, icon(SHARE_ICON, 14), 'Share');
  let dialog = null;
  btn.addEventListener('click', () => {
    if (!dialog) {
      dialog = shareDialog(key, page, () => btn.focus());
      document.body.appendChild(dialog.el);
      ctx.cleanup.push(() => { dialog.el.remove(); });
    }
    dialog.open();
  });
  return btn;
}

function shareDialog(key, page, onClose) {
  let hours = 24 * 7;
  let seq = 0;
  const lifetime = h('div', { className: 'seg', role: 'radiogroup', 'aria-labelledby': 'share-lifetime-label', id: 'share-lifetime' });
  const result = h('div', { className: 'share-result', id: 'share-result', hidden: true });
  const error = h('div', { className: 'callout callout-error callout-compact', id: 'share-error', role: 'alert', hidden: true });
  const create = h('button', { type: 'button', className: 'btn btn-primary', id: 'share-create' }, 'Create link');
  const actions = h('div', { className: 'dialog-actions' }, create);
  const showCreate = (on) => { create.hidden = !on; actions.hidden = !on; };

  function renderLifetime() {
    lifetime.replaceChildren(...LIFETIMES.map((l) => {
      const on = l.hours === hours;
      const b = h('button', {
        type: 'button', className: 'seg-btn', role: 'radio', 'aria-checked': on ? 'true' : 'false', 'aria-pressed': on ? 'true' : 'false',
        id: `share-hours-${l.hours}`, dataset: { hours: String(l.hours) }, tabindex: on ? '0' : '-1',
      }, l.label);
      b.addEventListener('click', () => {
        if (hours === l.hours) return;
        hours = l.hours;
        // a link already made keeps its own lifetime: make a new one
        result.hidden = true;
        showCreate(true);
        renderLifetime();
        document.getElementById(`share-hours-${l.hours}`).focus();
      });
      return b;
    }));
  }
  lifetime.addEventListener('keydown', (e) => {
    const i = LIFETIMES.findIndex((l) => l.hours === hours);
    let j = -1;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') j = Math.min(i + 1, LIFETIMES.length - 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') j = Math.max(i - 1, 0);
    if (j < 0) return;
    e.preventDefault();
    document.getElementById(`share-hours-${LIFETIMES[j].hours}`).click();
  });
  renderLifetime();

  async function make() {
    const mine = ++seq;
    error.hidden = true;
    create.disabled = true;
    create.textContent = 'Creating…';
    const asked = hours;
    let answer;
    try {
      answer = await send('POST', '/api/v1/share', { site: key, page, view: location.hash.replace(/^#/, ''), hours: asked });
    } catch (e) {
      if (mine !== seq) return;
      create.disabled = false;
      create.textContent = 'Create link';
      error.replaceChildren(icon(ICONS.alert, 18, 'icon callout-icon'), h('div', { className: 'callout-body' },
        h('p', { className: 'callout-text', text: `Could not create the link: ${e instanceof ApiError ? e.detail : e.message}` })));
      error.hidden = false;
      return;
    }
    if (mine !== seq) return;
    create.disabled = false;
    create.textContent = 'Create link';
    const url = new URL(String(answer && answer.url || ''), location.origin).href;
    const input = h('input', { type: 'text', className: 'input input-field share-url', id: 'share-url', readonly: true, value: url, 'aria-label': 'Share link' });
    input.addEventListener('focus', () => input.select());
    const copy = h('button', { type: 'button', className: 'btn btn-secondary', id: 'share-copy' }, icon(ICONS.copy, 14), 'Copy');
    copy.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(url);
        copy.dataset.copied = 'true';
        copy.lastChild.textContent = 'Copied';
        announce('Link copied');
        setTimeout(() => { delete copy.dataset.copied; copy.lastChild.textContent = 'Copy'; }, 1500);
      } catch (err) {
        input.focus();
        announce('Copy failed: the link is selected, copy it by hand');
      }
    });
    result.replaceChildren(
      h('div', { className: 'share-url-row' }, input, copy),
      h('p', { className: 'share-expiry', id: 'share-expiry' },
        icon(ICONS.calendar, 14), `Works for ${LIFETIMES.find((l) => l.hours === asked).label}, until ${fmtExpiry(Number(answer.expires))}`));
    result.hidden = false;
    showCreate(false);
    input.focus();
    announce('Share link created');
  }
  create.addEventListener('click', make);

  const close = h('button', { type: 'button', className: 'btn-icon dialog-close', id: 'share-close', 'aria-label': 'Close' }, icon(ICONS.close, 16));
  const el = h('dialog', { className: 'dialog', id: 'share-dialog', 'aria-labelledby': 'share-title' }, h('div', { className: 'dialog-body' },
    h('div', { className: 'dialog-head' },
      h('h2', { className: 'dialog-title', id: 'share-title', text: 'Share this view' }),
      close),
    h('p', { className: 'dialog-text' },
      'Anyone with the link sees the heatmaps of ', h('code', { text: page }),
      ' as they are here, read-only, without signing in: this page only, no other page or site, nothing they can change.'),
    h('div', { className: 'dialog-field' },
      h('span', { className: 'field-label', id: 'share-lifetime-label', text: 'The link works for' }),
      lifetime),
    error,
    result,
    actions));
  close.addEventListener('click', () => el.close());
  el.addEventListener('close', () => onClose());
  // a click on the backdrop (the dialog itself, outside its body) closes it
  el.addEventListener('click', (e) => { if (e.target === el) el.close(); });

  return {
    el,
    open() {
      // every opening shares the view as it is now
      seq++;
      result.hidden = true;
      error.hidden = true;
      showCreate(true);
      create.disabled = false;
      create.textContent = 'Create link';
      el.showModal();
      create.focus();
    },
  };
}
