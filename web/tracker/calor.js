/* SPDX-License-Identifier: MIT
 * calor.js — the calor tracker (v0: clicks, taps, scroll depth, batching).
 * Wire format: docs/wire.md. Behaviour and privacy rules: docs/tracker.md.
 * Plain ES2017, no dependencies; minified by esbuild at build time. */
(() => {
  try {
    const w = window, d = document, n = navigator;
    // Never record the dashboard's own preview, nor visitors who opted out.
    if (w.name === 'calor-preview' || n.doNotTrack === '1' || n.globalPrivacyControl === true) return;

    let s = d.currentScript;
    if (!s || !s.dataset.site) s = d.querySelector('script[src*="calor"][data-site]') || d.querySelector('script[data-site]');
    const site = s && s.dataset.site;
    if (!site || !/^[\w-]{1,64}$/.test(site)) return;
    const endpoint = new URL(s.src).origin + '/collect';

    // Batches stay small: a page's beacons and keepalive fetches share a
    // 64 KiB in-flight quota, and the server takes at most 128 KiB.
    const MAX_Q = 500, MAX_BATCH = 32000, EARLY = 50;
    const enc = new TextEncoder(), bytes = (x) => enc.encode(x).length;
    const R = Math.round;
    const clamp = (v, lo, hi) => (v = R(v) || 0) < lo ? lo : v > hi ? hi : v;
    const now = Date.now;
    const rid = (k) => {
      const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      let r = '';
      for (const b of crypto.getRandomValues(new Uint8Array(k))) r += a[b & 63];
      return r;
    };
    const de = () => d.documentElement;
    const docW = () => clamp(de().scrollWidth, 1, 32768);
    const docH = () => clamp(de().scrollHeight, 1, 1e6);

    // Page view context, sent with every batch (the server upserts it).
    // "new" holds for the whole first session of a browser. Storage may be
    // missing, full or forbidden: then the session id lives in this page only.
    let first = false, sid = '';
    const mk = () => (first ? 'n' : 'r') + rid(21), ok = (x) => /^[\w-]{8,64}$/.test(x);
    try {
      first = !localStorage.getItem('calor_seen');
      localStorage.setItem('calor_seen', '1');
    } catch (e) {}
    try {
      sid = sessionStorage.getItem('calor_sid');
      if (!ok(sid)) sessionStorage.setItem('calor_sid', (sid = mk()));
    } catch (e) {}
    if (!ok(sid)) sid = mk();
    let ref = '';
    try {
      const h = d.referrer && new URL(d.referrer).hostname;
      if (h && h !== location.hostname && /^[A-Za-z0-9.-]{1,253}$/.test(h)) ref = h;
    } catch (e) {}
    let url = location.pathname || '/';
    if (url[0] !== '/') url = '/' + url;
    url = url.slice(0, 2048).replace(/[\x00-\x1f\x7f]/g, '');
    const pv = {
      id: rid(22), seq: 0, sid, url, ref, ts: now(),
      vw: clamp(w.innerWidth, 1, 16384), vh: clamp(w.innerHeight, 1, 16384),
      dpr: Math.min(16, Math.max(0.25, +(w.devicePixelRatio || 1).toFixed(3))),
      new: sid[0] === 'n',
    };

    const q = [];
    const push = (e) => { q.push(e); if (q.length > MAX_Q) q.shift(); };

    // Stable selector: Clarity-style, no text, no attribute values but id/class.
    const IDENT = /^-?[A-Za-z_][A-Za-z_-]*$/; // plain CSS identifier without digits
    const STATE = /active|open|show|hover|focus|visible|selected|hidden|disabled|current|expanded|collapsed|checked/i;
    const selector = (t) => {
      let sel = '';
      for (let e = t; e && e !== d.body; e = e.parentElement) {
        let p;
        if (e.id && IDENT.test(e.id)) p = '#' + e.id;
        else {
          const tag = e.localName;
          p = tag;
          let k = 0;
          for (const c of e.classList) if (k < 2 && IDENT.test(c) && !STATE.test(c)) { p += '.' + c; k++; }
          const par = e.parentElement;
          if (par) {
            let i = 0, same = 0;
            for (const c of par.children) if (c.localName === tag) { same++; if (c === e) i = same; }
            if (same > 1) p += ':nth-of-type(' + i + ')';
          }
        }
        const next = sel ? p + ' > ' + sel : p;
        if (bytes(next) > 512) break;
        sel = next;
        if (p[0] === '#') break;
      }
      if (!sel) sel = (t.localName || 'html').slice(0, 64);
      return sel.replace(/[\x00-\x1f\x7f]/g, '') || 'html';
    };

    // Pointer type of the most recent pointerdown: a tap also produces a click.
    let pt = 'mouse';
    const on = (target, type, f) => target.addEventListener(type, (e) => { try { f(e); } catch (x) {} }, { capture: true, passive: true });
    on(d, 'pointerdown', (e) => { pt = /^(mouse|touch|pen)$/.test(e.pointerType) ? e.pointerType : 'mouse'; });
    // A click on a <label> is re-dispatched to its control with the same
    // timeStamp: keep only the click the visitor made. Script clicks are not
    // the visitor's.
    let lastClick = -1;
    on(d, 'click', (e) => {
      const t = e.target;
      if (!e.isTrusted || e.timeStamp === lastClick) return;
      lastClick = e.timeStamp;
      if (!t || !t.closest || t.closest('[data-calor-ignore]')) return;
      const r = t.getBoundingClientRect();
      const key = e.detail === 0;
      const cx = key ? r.left + r.width / 2 : e.clientX, cy = key ? r.top + r.height / 2 : e.clientY;
      const frac = (v, len) => (len > 0 ? clamp((v / len) * 65535, 0, 65535) : 0);
      push({
        t: 'click', ts: now(),
        x: clamp(key ? cx + w.scrollX : e.pageX, 0, 32767),
        y: clamp(key ? cy + w.scrollY : e.pageY, 0, 999999),
        vw: clamp(w.innerWidth, 1, 16384), vh: clamp(w.innerHeight, 1, 16384),
        dw: docW(), dh: docH(),
        sel: selector(t),
        ex: frac(cx - r.left, r.width), ey: frac(cy - r.top, r.height),
        ew: clamp(r.width, 0, 32768), eh: clamp(r.height, 0, 1e6),
        pt: key ? 'key' : pt,
      });
      if (q.length >= EARLY) flush();
    });

    // Scroll depth: the deepest visible bottom, one event per batch if it grew.
    let depth = 0, depthDh = 1, depthTs = 0, sentDepth = 0, raf = 0;
    const measure = () => {
      raf = 0;
      const dh = docH(), y = Math.min(clamp(w.scrollY + w.innerHeight, 0, 1e6), dh);
      if (y > depth) { depth = y; depthDh = dh; depthTs = now(); }
    };
    on(w, 'scroll', () => { if (!raf) raf = requestAnimationFrame(measure); });
    measure();

    // Transport: beacon, else keepalive fetch; never retried.
    const send = (body) => {
      let sent = false;
      try { sent = n.sendBeacon(endpoint, body); } catch (e) {}
      if (!sent) try { fetch(endpoint, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {}); } catch (e) {}
    };
    const flush = () => {
      measure();
      if (depth > sentDepth) {
        push({ t: 'scroll', ts: depthTs, y: depth, dh: depthDh });
        sentDepth = depth;
      }
      while (q.length && pv.seq <= 1e6) {
        // Greedy split so every batch stays under the byte budget.
        const head = JSON.stringify({ v: 1, site, now: now(), pv, ev: [] });
        let size = bytes(head), k = 0;
        while (k < q.length && k < MAX_Q) {
          const b = bytes(JSON.stringify(q[k])) + 1;
          if (k && size + b > MAX_BATCH) break;
          size += b; k++;
        }
        send(JSON.stringify({ v: 1, site, now: now(), pv, ev: q.splice(0, k) }));
        pv.seq++;
      }
    };
    setInterval(() => { try { flush(); } catch (e) {} }, 5000);
    on(w, 'pagehide', flush);
    on(d, 'visibilitychange', () => { if (d.visibilityState === 'hidden') flush(); });
  } catch (e) {}
})();
