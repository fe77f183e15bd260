// SPDX-License-Identifier: MIT
// UI pieces shared by the views: states (loading, empty, error), headers,
// stats, copy buttons, row links.
import { h, icon, ICONS, announce } from './dom.js';
import { ApiError } from './api.js';

export function spinner(label) {
  return h('div', { className: 'loading', role: 'status' },
    h('span', { className: 'spinner', 'aria-hidden': 'true' }),
    h('span', { text: label || 'Loading…' }));
}

export function errorBox(title, err, retry) {
  const isApi = err instanceof ApiError;
  return h('div', { className: 'callout callout-error', role: 'alert', id: 'error' },
    icon(ICONS.alert, 20, 'icon callout-icon'),
    h('div', { className: 'callout-body' },
      h('p', { className: 'callout-title', text: title }),
      h('p', { className: 'callout-text', id: 'error-detail', text: isApi ? err.detail : String(err && err.message || err) }),
      isApi && err.code ? h('p', { className: 'callout-meta' },
        h('code', { id: 'error-code', text: err.code }),
        err.status ? ` · HTTP ${err.status}` : '') : null,
      retry ? h('div', { className: 'callout-actions' },
        h('button', { type: 'button', className: 'btn btn-secondary', on: { click: () => retry() } },
          icon(ICONS.retry), 'Try again')) : null));
}

export function emptyState(title, text, extra, id) {
  return h('div', { className: 'empty', id: id || null },
    h('div', { className: 'empty-art', 'aria-hidden': 'true' }),
    h('p', { className: 'empty-title', text: title }),
    text ? h('p', { className: 'empty-text', text }) : null,
    extra || null);
}

// A callout: kind is info, warn, empty or error.
export function callout(kind, iconPaths, title, text, props) {
  return h('div', { className: `callout callout-${kind}`, ...props },
    icon(iconPaths, 20, 'icon callout-icon'),
    h('div', { className: 'callout-body' },
      title ? h('p', { className: 'callout-title' }, title) : null,
      text ? h('p', { className: 'callout-text' }, text) : null));
}

export function breadcrumbs(items) {
  const ol = h('ol', { className: 'crumbs-list' });
  items.forEach((it, i) => {
    const last = i === items.length - 1;
    ol.appendChild(h('li', { className: 'crumb' },
      last || !it.href
        ? h('span', { className: 'crumb-current', 'aria-current': last ? 'page' : null, text: it.text, title: it.text })
        : h('a', { href: it.href, text: it.text, title: it.text }),
      last ? null : icon(ICONS.chevron, 14, 'icon crumb-sep')));
  });
  return h('nav', { className: 'crumbs', 'aria-label': 'Breadcrumb' }, ol);
}

export function pageHeader({ crumbs, title, titleClass, sub, actions }) {
  return h('header', { className: 'page-header' },
    crumbs ? breadcrumbs(crumbs) : null,
    h('div', { className: 'page-header-row' },
      h('div', { className: 'page-header-text' },
        h('h1', { className: 'page-title' + (titleClass ? ' ' + titleClass : ''), id: 'view-title', tabindex: '-1', text: title }),
        sub ? h('p', { className: 'page-sub' }, sub) : null),
      actions ? h('div', { className: 'page-actions' }, actions) : null));
}

export function stat(label, value, id, hint) {
  return h('div', { className: 'stat' },
    h('span', { className: 'stat-label', text: label }),
    h('span', { className: 'stat-value', id, text: value }),
    hint ? h('span', { className: 'stat-hint', text: hint }) : null);
}

export function copyButton(text, label) {
  const btn = h('button', { type: 'button', className: 'btn-icon', title: label, 'aria-label': label }, icon(ICONS.copy, 14));
  btn.addEventListener('click', async (e) => {
    e.stopPropagation();
    try {
      await navigator.clipboard.writeText(text);
      btn.dataset.copied = 'true';
      announce('Copied');
      setTimeout(() => { delete btn.dataset.copied; }, 1500);
    } catch (err) {
      announce('Copy failed: select the text and copy it by hand');
    }
  });
  return btn;
}

// Clicking anywhere in a row follows the row's link (the link itself stays
// the keyboard target; ctrl/middle click on the link opens a new tab).
export function rowLink(tr, href) {
  tr.classList.add('row-link');
  tr.addEventListener('click', (e) => {
    if (e.target.closest('a, button, input')) return;
    if (String(window.getSelection() || '') !== '') return;
    location.hash = href;
  });
}
