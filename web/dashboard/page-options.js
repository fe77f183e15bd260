// SPDX-License-Identifier: MIT
// The options row of the page view: the controls of the type on show
// (frustration signal, compare sets and view, confetti colours and dots,
// colour scale, radius, palette), rebuilt from the view's state on every
// change, and the small controls the view's toolbar shares with it.
import { h, icon, ICONS, fmt, clear } from './dom.js';
import {
  DEVICES, TYPES, FRUSTRATION, BY, DOTS, DEFAULT_RADIUS, validDate, validBy, utcDay, dayShift, rangeText, vsChanges,
} from './page-state.js';
import { changesEditor } from './filters.js';

// A segmented control: items [{id, label, ...}], pressed id, onPick(id).
export function seg(id, label, items, pressed, onPick, small) {
  return h('div', { className: 'seg' + (small ? ' seg-small' : ''), role: 'group', 'aria-label': label, id },
    items.map((it) => h('button', {
      type: 'button', className: 'seg-btn', id: it.elId, 'aria-pressed': it.id === pressed ? 'true' : 'false',
      title: it.title, dataset: { value: it.id },
      on: { click: () => { if (it.id !== pressed) onPick(it.id); } },
    }, it.icon ? icon(ICONS[it.icon], 16) : null, h('span', { className: 'seg-label', text: it.label }),
    it.badgeId ? h('span', { className: 'seg-badge', id: it.badgeId, dataset: { count: it.count === undefined ? '' : String(it.count) }, text: it.count === undefined ? '' : fmt(it.count) }) : null)));
}

export function dateInput(id, label, value, onChange) {
  const input = h('input', {
    type: 'date', id, className: 'input input-date', value, 'aria-label': label, max: utcDay(0),
  });
  input.addEventListener('change', () => {
    if (input.value === '' || validDate(input.value)) onChange(input.value);
  });
  return input;
}

// The options row view.row: view.state() the state now, view.go(over)
// a change of it, view.device the device on show, view.discover the
// site's tags and goals, view.counts() the frustration counts of the
// sample (or null).
// Returns { render }: rebuild the row.
export function typeOptions(view) {
  const { row, state, go, device, discover, counts } = view;
  let customTag = false; // "Another tag…" is open

  function normControl() {
    const st = state();
    return h('div', { className: 'control' },
      h('span', { className: 'control-label', id: 'norm-label', text: 'Scale to' }),
      seg('norm-switch', 'Scale colours to', [
        { id: 'p99', label: '99th pct', elId: 'norm-p99', title: 'Scale colours to the 99th percentile: one very hot spot does not wash out the rest' },
        { id: 'max', label: 'Max', elId: 'norm-max', title: 'Scale colours to the hottest spot' },
      ], st.norm, (v) => go({ norm: v }), true));
  }

  function radiusControl() {
    const st = state();
    const input = h('input', {
      type: 'range', id: 'radius', className: 'range range-short', min: '5', max: '80', step: '1', value: String(st.radius),
      'aria-describedby': 'radius-value',
    });
    const out = h('output', { id: 'radius-value', className: 'range-value', for: 'radius', text: `${st.radius} px` });
    input.addEventListener('input', () => { out.textContent = `${input.value} px`; });
    input.addEventListener('change', () => go({ radius: Number(input.value) }));
    return h('div', { className: 'control' },
      h('label', { className: 'control-label', for: 'radius', text: 'Radius' }), input, out,
      st.radius !== DEFAULT_RADIUS ? h('button', {
        type: 'button', className: 'btn-icon', id: 'radius-reset', title: `Back to ${DEFAULT_RADIUS} px`, 'aria-label': `Radius back to ${DEFAULT_RADIUS} px`,
        on: { click: () => go({ radius: DEFAULT_RADIUS }) },
      }, icon(ICONS.retry, 14)) : null);
  }

  function paletteControl() {
    const st = state();
    const select = h('select', { id: 'palette', className: 'select', title: 'Classic: blue to red. Colour-blind safe: viridis, dark blue to yellow.' },
      h('option', { value: 'classic', text: 'Classic', selected: st.palette === 'classic' }),
      h('option', { value: 'viridis', text: 'Colour-blind safe', selected: st.palette === 'viridis' }));
    select.addEventListener('change', () => go({ palette: select.value }));
    return h('div', { className: 'control' }, h('label', { className: 'control-label', for: 'palette', text: 'Palette' }), select);
  }

  function byControl() {
    const st = state();
    const known = BY.some((b) => b.id === st.by);
    const select = h('select', { id: 'confetti-by', className: 'select', 'aria-label': 'Colour dots by' },
      BY.map((b) => h('option', { value: b.id, text: b.label, selected: b.id === st.by })),
      !known ? h('option', { value: st.by, text: `Tag: ${st.by.slice(4)}`, selected: true }) : null,
      h('option', { value: '', text: 'Another tag…', selected: customTag && known }));
    const wrap = h('div', { className: 'control' }, h('label', { className: 'control-label', for: 'confetti-by', text: 'Colour by' }), select);
    if (customTag) {
      const input = h('input', {
        type: 'text', id: 'confetti-tag', className: 'input input-plain input-tag', placeholder: 'tag key, e.g. plan',
        'aria-label': 'Tag key', pattern: '[a-z0-9_]{1,32}', maxlength: '32', spellcheck: 'false', autocomplete: 'off',
      });
      const apply = () => {
        const v = `tag.${input.value.trim()}`;
        if (!validBy(v)) { input.setAttribute('aria-invalid', 'true'); return; }
        customTag = false;
        // the tag on show already: no new hash, so close the field here
        if (state().by === v) renderOptions(); else go({ by: v });
      };
      input.addEventListener('keydown', (e) => { if (e.key === 'Enter') apply(); });
      wrap.append(input, h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: 'confetti-tag-apply', on: { click: apply } }, 'Show'));
      setTimeout(() => { if (input.isConnected) input.focus(); }, 0);
    }
    select.addEventListener('change', () => {
      if (select.value === '') { customTag = true; renderOptions(); return; }
      customTag = false;
      go({ by: select.value });
    });
    return wrap;
  }

  function dotControl() {
    const st = state();
    return h('div', { className: 'control' },
      h('span', { className: 'control-label', text: 'Dots' }),
      seg('dot-size', 'Dot size', Object.entries(DOTS).map(([id, d]) => ({ id, label: d.label, elId: `dot-${id}`, title: `Dots ${d.radius / 5 * 2} px wide` })),
        st.dot, (v) => go({ dot: v }), true));
  }

  async function applyPreset(v) {
    const st = state();
    const none = { vsDevice: '', vsFrom: '', vsTo: '', vsFilters: {} };
    if (v === 'devices') {
      go({ vs: 'device', vsDevice: device.id === 'mobile' ? 'desktop' : 'mobile' });
    } else if (v === 'weeks') {
      go({ vs: 'dates', from: utcDay(-6), to: utcDay(0), vsFrom: utcDay(-13), vsTo: utcDay(-7) });
    } else if (v === 'variant') {
      let values = [];
      try { values = await discover.tagValues('variant'); } catch (e) { /* free choice below */ }
      const [a, b] = values.length >= 2 ? values : ['A', 'B'];
      go({ ...none, vs: 'custom', filters: { ...st.filters, 'tag.variant': a }, vsFilters: { 'tag.variant': b } });
    } else if (v === 'visitors') {
      go({ ...none, vs: 'custom', filters: { ...st.filters, visitor: 'new' }, vsFilters: { visitor: 'returning' } });
    } else if (v === 'goal') {
      let goals = [];
      try { goals = await discover.goals(); } catch (e) { /* none known */ }
      const g = goals[0] || 'signup';
      const f = { ...st.filters, goal: g };
      delete f.nogoal;
      go({ ...none, vs: 'custom', filters: f, vsFilters: { nogoal: g } });
    }
  }

  function compareControl() {
    const st = state();
    const letter = (x) => h('span', { className: `side-letter side-letter-${x}`, text: x.toUpperCase(), 'aria-hidden': 'true' });
    const preset = h('select', { id: 'vs-preset', className: 'select', 'aria-label': 'Compare preset' },
      h('option', { value: '', text: 'Presets…', selected: true }),
      h('option', { value: 'devices', text: device.id === 'mobile' ? 'Mobile vs desktop' : `${device.label} vs mobile` }),
      h('option', { value: 'weeks', text: 'Last 7 days vs the 7 before' }),
      h('option', { value: 'variant', text: 'Variant A vs B (tag variant)' }),
      h('option', { value: 'visitors', text: 'New vs returning visitors' }),
      h('option', { value: 'goal', text: 'Converted vs not converted' }));
    preset.addEventListener('change', () => { if (preset.value) applyPreset(preset.value); });
    const kids = [
      h('span', { className: 'control-label', text: 'Compare with' }),
      seg('vs-mode', 'Compare with', [
        { id: 'device', label: 'Another device', elId: 'vs-mode-device' },
        { id: 'dates', label: 'Other dates', elId: 'vs-mode-dates' },
        { id: 'custom', label: 'Any change', elId: 'vs-mode-custom', title: 'B is A with any filters changed: tag, browser, source, goal…' },
      ], st.vs, (v) => {
        const st = state();
        if (v === 'device') { go({ vs: 'device' }); return; }
        if (v === 'custom') { go({ vs: 'custom', vsDevice: st.vs === 'device' ? st.vsDevice : '' }); return; }
        // dates: B defaults to the same number of days just before A
        let { from, to, vsFrom, vsTo } = st;
        if (!from && !to) { from = utcDay(-6); to = utcDay(0); }
        if (!from) from = to;
        if (!to) to = utcDay(0);
        if (!vsFrom && !vsTo) {
          const days = Math.round((Date.parse(to) - Date.parse(from)) / 86400000) + 1;
          vsTo = dayShift(from, -1);
          vsFrom = dayShift(from, -days);
        }
        go({ vs: 'dates', from, to, vsFrom, vsTo });
      }, true),
      preset,
    ];
    if (st.vs === 'device') {
      const select = h('select', { id: 'vs-device', className: 'select', 'aria-label': 'Device of B' },
        DEVICES.filter((d) => d.id !== device.id).map((d) => h('option', { value: d.id, text: d.label, selected: d.id === st.vsDevice })));
      select.addEventListener('change', () => go({ vsDevice: select.value }));
      kids.push(h('span', { className: 'vs-sides' },
        letter('a'), h('span', { className: 'vs-fixed', text: device.label }),
        h('span', { className: 'muted', text: 'vs' }),
        letter('b'), select));
    } else if (st.vs === 'dates') {
      kids.push(h('span', { className: 'vs-sides' },
        letter('a'), h('span', { className: 'vs-fixed', id: 'vs-a-dates', text: rangeText(st.from, st.to) }),
        h('span', { className: 'muted', text: 'vs' }),
        letter('b'),
        dateInput('vs-from', 'B from (UTC day)', st.vsFrom, (v) => go({ vsFrom: v })),
        h('span', { className: 'muted', text: '–' }),
        dateInput('vs-to', 'B to (UTC day, included)', st.vsTo, (v) => go({ vsTo: v }))));
    } else {
      kids.push(h('span', { className: 'vs-sides vs-sides-custom' },
        letter('a'), h('span', { className: 'vs-fixed', text: 'the segment above' }),
        h('span', { className: 'muted', text: 'vs' }),
        letter('b'), h('span', { className: 'vs-fixed', text: 'A with' }),
        changesEditor({
          st, device, discover, changes: vsChanges(st),
          onChange: (changes) => {
            const over = { vs: 'custom', vsDevice: '', vsFrom: '', vsTo: '', vsFilters: {} };
            for (const [k, v] of changes) {
              if (k === 'device') over.vsDevice = v;
              else if (k === 'from') over.vsFrom = v;
              else if (k === 'to') over.vsTo = v;
              else over.vsFilters[k] = v;
            }
            go(over);
          },
        })));
    }
    const view = h('div', { className: 'control' },
      h('span', { className: 'control-label', text: 'Show' }),
      seg('cmp-view', 'Show', [
        { id: 'diff', label: 'Difference', elId: 'cmp-diff', title: 'One map: red where A clicks more per page view, blue where B does' },
        { id: 'side', label: 'Side by side', elId: 'cmp-side', title: 'Each set over its own copy of the page' },
      ], st.cmp, (v) => go({ cmp: v }), true));
    return [h('div', { className: 'control control-compare' }, kids), view];
  }

  function renderOptions() {
    const st = state();
    const type = st.type;
    const kind = TYPES[type].kind;
    const kids = [];
    if (TYPES[type].tab === 'frustration') {
      kids.push(seg('frust-switch', 'Frustration signal', FRUSTRATION.map((t) => ({
        id: t, label: TYPES[t].label.replace(' clicks', ''), elId: `frust-${t}`, badgeId: `frust-${t}-badge`,
        count: counts() ? counts()[t] : undefined, title: TYPES[t].about,
      })), type, (v) => go({ type: v })));
    }
    if (type === 'diff') kids.push(...compareControl());
    if (type === 'confetti') kids.push(byControl(), dotControl());
    if ((kind === 'density' || kind === 'diff') && !(type === 'diff' && st.cmp === 'side')) kids.push(normControl(), radiusControl());
    if (kind === 'density' || kind === 'bands') kids.push(paletteControl());
    clear(row).append(...kids);
  }

  return { render: renderOptions };
}
