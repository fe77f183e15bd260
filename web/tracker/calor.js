/* SPDX-License-Identifier: MIT
 * calor.js — the calor tracker: clicks and taps (with dead/error flags),
 * pointer moves, scroll depth, fold, reversals and attention, page view
 * context (query allow-list, UTM, tags, goals), SPA page views, consent.
 * Wire format: docs/wire.md. Behaviour and privacy rules: docs/tracker.md.
 * Plain ES2017, no dependencies; esbuild bundles it with the element
 * naming it shares with the dashboard (web/dashboard/selector.js) into one
 * minified script at build time (Makefile, build/web/calor.js). */
import { bytes, cut, selector, IA } from '../dashboard/selector.js';

(() => {
  try {
    const w = window, d = document, n = navigator, L = location;
    // Never record the dashboard's own preview, nor visitors who opted out,
    // nor twice when the snippet is on the page twice.
    if (w.name === 'calor-preview' || n.doNotTrack === '1' || n.globalPrivacyControl === true || (w.calor && w.calor.l)) return;

    let s = d.currentScript;
    if (!s || !s.dataset.site) s = d.querySelector('script[src*="calor"][data-site]') || d.querySelector('script[data-site]');
    const cfg = s && s.dataset, site = cfg && cfg.site;
    if (!site || !/^[\w-]{1,64}$/.test(site)) return;
    const endpoint = new URL(s.src).origin + '/collect';
    const STORE = cfg.storage !== 'none', HASH = cfg.hash === 'true';
    const QK = (cfg.queryKeys || '').split(',').map((k) => k.trim()).filter((k) => k).sort();

    // Batches stay small: a page's beacons and keepalive fetches share a
    // 64 KiB in-flight quota, and the server takes at most 128 KiB.
    const MAX_Q = 500, MAX_BATCH = 32000, EARLY = 50, WINDOW = 3000;
    const M = Math, R = M.round, min = M.min, now = Date.now;
    const clamp = (v, lo, hi) => (v = R(v) || 0) < lo ? lo : v > hi ? hi : v;
    const rid = (k) => {
      const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      let r = '';
      for (const b of crypto.getRandomValues(new Uint8Array(k))) r += a[b & 63];
      return r;
    };
    const de = () => d.documentElement;
    const docH = () => clamp(de().scrollHeight, 1, 1e6);
    const vw = () => clamp(w.innerWidth, 1, 16384), vh = () => clamp(w.innerHeight, 1, 16384);
    // Storage is touched only after consent and never with data-storage="none".
    const st = (o, k, v) => {
      try {
        if (STORE) return v == null ? w[o].getItem(k) : w[o].setItem(k, v);
      } catch (e) {}
    };

    // The normalised page URL: path, allow-listed query keys (sorted), and
    // the fragment only with data-hash="true".
    const pageUrl = () => {
      const sp = new URLSearchParams(L.search), o = new URLSearchParams();
      for (const k of QK) for (const v of sp.getAll(k)) o.append(k, v);
      let u = L.pathname || '/';
      if (u[0] !== '/') u = '/' + u;
      return cut(u + (QK.length && o + '' ? '?' + o : '') + (HASH && L.hash.length > 1 ? L.hash : ''), 2048);
    };

    let on = 0, off = 0, dirty = 0, pv, sid, ref = '', utm;
    const q = [], tags = Object.create(null);
    const push = (e) => { q.push(e); if (q.length > MAX_Q) q.shift(); };
    const guard = (f) => (e) => { if (!off) try { f(e); } catch (x) {} };
    const listen = (t, type, f, c = true) => t.addEventListener(type, guard(f), { capture: c, passive: true });


    // Clicks wait out their observation window in `pend`. The first DOM
    // mutation, navigation, scroll, text selection or focus change after a
    // click sets its `rt` (ms after the click), the first uncaught error its
    // `et`; the server decides dead and error clicks from them by the
    // site's windows (9000: nothing seen). The MutationObserver and the
    // beforeunload listener exist only while a click waits (beforeunload
    // costs the page its bfcache in some browsers).
    let pend = [];
    const stamp = (k) => () => { for (const c of pend) c[k] = min(c[k], now() - c.ts); };
    const bump = stamp('rt');
    const mo = new MutationObserver(bump);
    const fin = (c) => {
      const i = pend.indexOf(c);
      if (i < 0) return;
      pend.splice(i, 1);
      if (!pend.length) { mo.disconnect(); w.removeEventListener('beforeunload', bump); }
      push(c);
      if (q.length >= EARLY) flush();
    };
    const settle = () => { while (pend.length) fin(pend[0]); };

    // Scroll: deepest bottom, fold, reversals, and visible time per 1% band.
    // Each sample credits the time since the previous one to the bands that
    // were in view then (only while the tab was visible).
    let depth, depthDh, sentDepth, fold, rev, dir, lastY, dwell, b0 = 0, b1 = 0, lastT = now(), vis = 0, raf = 0;
    let moves, nMoves, mx = 0, my = 0, mt = 0;
    const measure = () => {
      raf = 0;
      const t = now(), sy = w.scrollY, dh = docH(), ih = w.innerHeight;
      if (vis) for (let i = b0; i < b1; i++) dwell[i] += t - lastT;
      lastT = t;
      vis = d.visibilityState === 'visible';
      b0 = clamp(M.floor((sy * 100) / dh), 0, 100);
      b1 = clamp(M.ceil(((sy + ih) * 100) / dh), 0, 100);
      const y = min(clamp(sy + ih, 0, 1e6), dh);
      if (y > depth) { depth = y; depthDh = dh; }
      const k = M.sign(R(sy) - lastY);
      if (k) { if (dir && k !== dir) rev++; dir = k; lastY = R(sy); }
    };
    const sched = () => { if (!raf) raf = requestAnimationFrame(guard(measure)); };

    const newPv = () => {
      pv = {
        id: rid(22), seq: 0, sid, url: pageUrl(), ref, ts: now(), vw: vw(), vh: vh(),
        dpr: min(16, M.max(0.25, +(w.devicePixelRatio || 1).toFixed(3))),
        new: sid[0] === 'n', utm, tags: Object.keys(tags).length ? tags : void 0,
      };
      ref = '';
      depth = sentDepth = rev = dir = nMoves = 0;
      depthDh = 1;
      moves = null;
      lastY = R(w.scrollY);
      fold = clamp(w.innerHeight + w.scrollY, 1, 1e6);
      dwell = Array(100).fill(0);
      vis = 0;
      measure();
    };

    // Transport: beacon, else keepalive fetch; never retried.
    const send = (body) => {
      let sent = false;
      try { sent = n.sendBeacon(endpoint, body); } catch (e) {}
      if (!sent) try { fetch(endpoint, { method: 'POST', body, keepalive: true, mode: 'no-cors' }).catch(() => {}); } catch (e) {}
    };
    // `last`: the page is being left, so time in view is sent even when
    // nothing else is new (otherwise it rides along with other events).
    const flush = (last) => {
      if (off || !pv) return;
      measure();
      const anyDwell = dwell.some((v) => v);
      if (depth > sentDepth || fold || rev || (anyDwell && (last || q.length))) {
        const e = { t: 'scroll', ts: now(), y: depth, dh: depthDh };
        if (fold) e.fold = fold;
        if (rev) e.rev = min(rev, 1e5);
        if (anyDwell) {
          e.dwell = dwell.map((v) => min(v, 36e5));
          dwell = dwell.map((v, i) => v - e.dwell[i]);
        }
        push(e);
        sentDepth = depth;
        fold = rev = 0;
      }
      moves = null;
      while ((q.length || dirty) && pv.seq <= 1e6) {
        dirty = 0;
        // Greedy split so every batch stays under the byte budget; each
        // event is serialised once.
        let body = JSON.stringify({ v: 1, site, now: now(), pv, ev: [] }).slice(0, -2), size = bytes(body) + 2, k = 0;
        for (; k < q.length && k < MAX_Q; k++) {
          const j = JSON.stringify(q[k]), b = bytes(j) + 1;
          if (k && size + b > MAX_BATCH) break;
          body += (k ? ',' : '') + j;
          size += b;
        }
        q.splice(0, k);
        send(body + ']}');
        pv.seq++;
      }
    };
    const leave = () => { bump(); settle(); flush(1); vis = 0; };

    // SPA navigation: a new normalised URL is a new page view.
    const nav = () => {
      bump();
      if (pageUrl() !== pv.url) { settle(); flush(1); newPv(); }
    };

    const start = () => {
      on = 1;
      // "new" holds for the whole first session of a browser. Storage may
      // be off, missing, full or forbidden: then the session id lives in
      // this page only and the visit counts as returning.
      const first = st('localStorage', 'calor_seen') === null;
      st('localStorage', 'calor_seen', '1');
      const mk = () => (first ? 'n' : 'r') + rid(21), ok = (x) => /^[\w-]{8,64}$/.test(x);
      sid = st('sessionStorage', 'calor_sid') || '';
      if (!ok(sid)) st('sessionStorage', 'calor_sid', (sid = mk()));
      if (!ok(sid)) sid = mk();
      try {
        const h = d.referrer && new URL(d.referrer).hostname;
        if (h && h !== L.hostname && /^[A-Za-z0-9.-]{1,253}$/.test(h)) ref = h;
      } catch (e) {}
      // UTM parameters of the landing URL, kept for the session.
      const sp = new URLSearchParams(L.search), u = {};
      let src = {};
      for (const k of ['source', 'medium', 'campaign', 'term', 'content']) if (sp.get('utm_' + k)) src[k] = sp.get('utm_' + k);
      if (Object.keys(src).length) st('sessionStorage', 'calor_utm', JSON.stringify(src));
      else try { src = JSON.parse(st('sessionStorage', 'calor_utm')) || {}; } catch (e) {}
      for (const k in src) if (/^(source|medium|campaign|term|content)$/.test(k)) u[k] = cut(src[k], 128);
      if (Object.keys(u).length) utm = u;
      newPv();

      // Pointer type of the most recent pointerdown: a tap also produces a click.
      let pt = 'mouse', lastClick = -1;
      listen(d, 'pointerdown', (e) => { pt = /^(mouse|touch|pen)$/.test(e.pointerType) ? e.pointerType : 'mouse'; });
      // A click on a <label> is re-dispatched to its control with the same
      // timeStamp: keep only the click the visitor made. Script clicks are
      // not the visitor's.
      listen(d, 'click', (e) => {
        const t = e.target;
        if (!e.isTrusted || e.timeStamp === lastClick) return;
        lastClick = e.timeStamp;
        if (!t || !t.closest || t.closest('[data-calor-ignore]')) return;
        const r = t.getBoundingClientRect(), key = e.detail === 0;
        const cx = key ? r.left + r.width / 2 : e.clientX, cy = key ? r.top + r.height / 2 : e.clientY;
        const frac = (v, len) => (len > 0 ? clamp((v / len) * 65535, 0, 65535) : 0);
        let fx = 0;
        for (let el = t; el && el.nodeType === 1 && !fx; el = el.parentElement) fx = /fixed|sticky/.test(getComputedStyle(el).position) ? 1 : 0;
        const ia = t.closest(IA) ? 1 : 0;
        const c = {
          t: 'click', ts: now(),
          x: clamp(cx + w.scrollX, 0, 32767), y: clamp(cy + w.scrollY, 0, 999999),
          vw: vw(), vh: vh(), dw: clamp(de().scrollWidth, 1, 32768), dh: docH(),
          sel: selector(t),
          ex: frac(cx - r.left, r.width), ey: frac(cy - r.top, r.height),
          ew: clamp(r.width, 0, 32768), eh: clamp(r.height, 0, 1e6),
          pt: key ? 'key' : pt, fx, ia, rt: 9e3, et: 9e3,
        };
        pend.push(c);
        mo.observe(de(), { subtree: true, attributes: true, childList: true, characterData: true });
        w.addEventListener('beforeunload', bump);
        setTimeout(guard(() => fin(c)), WINDOW);
      });
      for (const type of ['focus', 'blur', 'hashchange']) listen(w, type, bump);
      listen(d, 'selectionchange', () => { if (!getSelection().isCollapsed) bump(); });
      const oops = stamp('et');
      listen(w, 'error', oops, false);
      listen(w, 'unhandledrejection', oops, false);

      // Moves: a point after 20 px or 100 ms, mouse and pen only, 1000 per
      // page view, in events of at most 300 points (and one per width).
      listen(d, 'pointermove', (e) => {
        const t = now(), x = e.pageX, y = e.pageY;
        if (!e.isTrusted || e.pointerType === 'touch' || nMoves >= 1000 || (M.hypot(x - mx, y - my) < 20 && t - mt < 100)) return;
        if (e.target.closest && e.target.closest('[data-calor-ignore]')) return;
        if (!moves || moves.p.length >= 900 || t - moves.ts > 36e5) push((moves = { t: 'move', ts: t, p: [], vw: vw(), dh: docH() }));
        moves.p.push(clamp(x, 0, 32767), clamp(y, 0, 999999), t - moves.ts);
        nMoves++; mx = x; my = y; mt = t;
        if (q.length >= EARLY) flush();
      });

      // Scroll of the page or of any element: a scroll clears `dead`.
      listen(d, 'scroll', () => { bump(); sched(); });
      // a new width starts a new move event (reading innerWidth on every
      // move would force layouts)
      listen(w, 'resize', () => { moves = null; sched(); });
      for (const m of ['pushState', 'replaceState']) {
        const orig = history[m];
        history[m] = function () {
          const r = orig.apply(this, arguments);
          guard(nav)();
          return r;
        };
      }
      listen(w, 'popstate', nav);
      if (HASH) listen(w, 'hashchange', nav);
      setInterval(guard(() => flush()), 5000);
      listen(w, 'pagehide', leave);
      listen(w, 'pageshow', measure);
      listen(d, 'visibilitychange', () => { measure(); if (!vis) leave(); });
    };

    // The command queue: calor('tag', k, v), calor('goal', name),
    // calor('consent', true|false). Calls made before this script loaded
    // wait in calor.q and are replayed in order.
    const calor = (c, a, b) => {
      try {
        if (c === 'consent') {
          if (a === true) {
            if (!on) start();
            else if (off) { off = 0; newPv(); }
          } else if (a === false && !off) {
            off = 1; q.length = 0; pend = []; mo.disconnect();
            for (const k of ['calor_sid', 'calor_utm']) try { sessionStorage.removeItem(k); } catch (e) {}
            try { localStorage.removeItem('calor_seen'); } catch (e) {}
          }
        } else if (c === 'tag' && /^[a-z0-9_]{1,32}$/.test(a) && b != null && (a in tags || Object.keys(tags).length < 10)) {
          b = cut(b, 64);
          if (tags[a] !== b) { tags[a] = b; dirty = on; if (pv) pv.tags = tags; }
        } else if (c === 'goal' && on && !off && /^[a-z0-9_-]{1,64}$/.test(a)) push({ t: 'goal', ts: now(), name: a });
      } catch (e) {}
    };
    calor.l = 1;
    const early = w.calor && w.calor.q;
    w.calor = calor;
    if (cfg.consent !== 'required') start();
    if (early && early.length) for (const a of [].slice.call(early)) calor.apply(null, a);
  } catch (e) {}
})();
