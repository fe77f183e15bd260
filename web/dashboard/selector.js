// SPDX-License-Identifier: MIT
// How calor names an element, the one copy of the rules: the tracker
// (web/tracker/calor.js, into which esbuild bundles this file) stores each
// click under selector(target); the dashboard (hover.js) names the element
// under the pointer with it to find that element's row in the element
// table; scripts/demo-layout.mjs names the demo's elements with it.
//
// Clarity-style and stable, no text and no attribute values but id and
// class: #id when the id is a plain identifier without digits (and the
// walk stops there), else the tag, at most two classes without digits or
// state words, and :nth-of-type when the parent has siblings of the same
// tag; joined with " > " up to <body>, at most 512 bytes of UTF-8.
// Plain ES2017 (the tracker's target).

let enc;
export const bytes = (x) => (enc || (enc = new TextEncoder())).encode(x).length;

// A string without control characters, at most k bytes of UTF-8, never
// ending inside a surrogate pair.
export const cut = (x, k) => {
  // eslint-disable-next-line no-control-regex
  x = String(x).replace(/[\x00-\x1f\x7f]/g, '').slice(0, k);
  while (bytes(x) > k || /[\ud800-\udbff]$/.test(x)) x = x.slice(0, -1);
  return x;
};

const IDENT = /^-?[A-Za-z_][A-Za-z_-]*$/; // plain CSS identifier without digits
const STATE = /active|open|show|hover|focus|visible|selected|hidden|disabled|current|expanded|collapsed|checked/i;

export const selector = (t) => {
  const body = t.ownerDocument && t.ownerDocument.body;
  let sel = '';
  for (let e = t; e && e !== body; e = e.parentElement) {
    let p;
    if (e.id && IDENT.test(e.id)) p = '#' + e.id;
    else {
      const tag = e.localName;
      p = tag;
      let k = 0;
      for (const c of (e.getAttribute('class') || '').split(/\s+/)) if (k < 2 && IDENT.test(c) && !STATE.test(c)) { p += '.' + c; k++; }
      const par = e.parentElement;
      if (par) {
        let i = 0, same = 0;
        for (let c = par.firstElementChild; c; c = c.nextElementSibling) if (c.localName === tag) { same++; if (c === e) i = same; }
        if (same > 1) p += ':nth-of-type(' + i + ')';
      }
    }
    const next = sel ? p + ' > ' + sel : p;
    if (next.length > 170 && bytes(next) > 512) break;
    sel = next;
    if (p[0] === '#') break;
  }
  return cut(sel || t.localName || 'html', 512) || 'html';
};

// What counts as interactive: a click on (or inside) one of these is on a
// link or control, so no dead click (docs/tracker.md).
export const IA = 'a[href],button,input,select,textarea,label,summary,[role=button],[role=link],[onclick],[tabindex]';
