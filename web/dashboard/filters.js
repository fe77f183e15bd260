// SPDX-License-Identifier: MIT
// The segment bar of the page view: the active filters as removable chips
// and an editor that adds one. The same editor sets what the second set of
// a comparison changes (target "b"), where device and dates may change too.
// Tag values and goal names come from the site's data when the API can
// tell them; free text is always allowed. Values from the API only reach
// the DOM as text and option values.
import { h, icon, ICONS, clear } from './dom.js';
import {
  FILTERS, BANDS, DEVICES, MAX_TAGS, TAG_KEY_RE, filterText, filterEntries, validFilter, parseBand, validDate, utcDay,
} from './page-state.js';

// One removable chip: text, its remove button, ids from prefix and name.
export function chip(prefix, name, value, text, onRemove, letter) {
  const id = `${prefix}-chip-${name.replace(/[^a-z0-9_]/gi, '-')}`;
  return h('span', { className: 'chip chip-filter' + (letter ? ` chip-${letter}` : ''), id, dataset: { name, value }, title: text },
    h('span', { className: 'chip-text', text }),
    onRemove ? h('button', {
      type: 'button', className: 'chip-x', 'aria-label': `Remove ${text}`, title: 'Remove',
      on: { click: () => onRemove(name) },
    }, icon(ICONS.close, 12)) : null);
}

const KINDS_B = [
  { id: 'device', label: 'Device', kind: 'device' },
  { id: 'dates', label: 'Dates', kind: 'dates' },
];

// The editor: a kind select, a value control, Apply and Cancel.
// opts: { prefix, target: 'a'|'b', device, st, discover, onApply(changes), onCancel() }
// changes: [[name, value], ...] (dates: from and to).
function editor(opts) {
  const { prefix, target, device, discover } = opts;
  const kinds = [...(target === 'b' ? KINDS_B : []), ...FILTERS];
  const row = h('div', { className: 'filter-editor', id: `${prefix}-editor`, role: 'group', 'aria-label': target === 'b' ? 'Change for B' : 'Add a filter' });
  const kindSel = h('select', { id: `${prefix}-kind`, className: 'select', 'aria-label': 'Filter' },
    kinds.map((k) => h('option', { value: k.id, text: k.label })));
  const valueBox = h('span', { className: 'filter-value-box' });
  const msg = h('span', { className: 'filter-msg', id: `${prefix}-msg`, role: 'status' });
  let read = () => null; // -> changes, or null when the value is not valid

  const input = (id, label, placeholder, list) => h('input', {
    type: 'text', id, className: 'input input-plain', 'aria-label': label, placeholder, list,
    spellcheck: 'false', autocomplete: 'off', maxlength: '128',
  });
  const datalist = (id, values) => h('datalist', { id }, values.map((v) => h('option', { value: v })));

  function build() {
    clear(valueBox);
    msg.textContent = '';
    const k = kinds.find((x) => x.id === kindSel.value);
    if (k.kind === 'enum') {
      const sel = h('select', { id: `${prefix}-value`, className: 'select', 'aria-label': k.label },
        k.values.map(([id, label]) => h('option', { value: id, text: label })));
      valueBox.append(sel);
      read = () => [[k.id, sel.value]];
    } else if (k.kind === 'device') {
      const sel = h('select', { id: `${prefix}-value`, className: 'select', 'aria-label': 'Device of B' },
        DEVICES.filter((d) => d.id !== device.id).map((d) => h('option', { value: d.id, text: d.label })));
      valueBox.append(sel);
      read = () => [['device', sel.value]];
    } else if (k.kind === 'dates') {
      const from = h('input', { type: 'date', id: `${prefix}-from`, className: 'input input-date', 'aria-label': 'B from (UTC day)', max: utcDay(0) });
      const to = h('input', { type: 'date', id: `${prefix}-to`, className: 'input input-date', 'aria-label': 'B to (UTC day, included)', max: utcDay(0) });
      valueBox.append(from, h('span', { className: 'muted', text: '–' }), to);
      read = () => {
        if ((from.value && !validDate(from.value)) || (to.value && !validDate(to.value)) || (!from.value && !to.value)) return null;
        const out = [];
        if (from.value) out.push(['from', from.value]);
        if (to.value) out.push(['to', to.value]);
        return out;
      };
    } else if (k.kind === 'band') {
      const bands = BANDS[device.id] || [];
      const sel = h('select', { id: `${prefix}-value`, className: 'select', 'aria-label': 'Screen width' },
        bands.map((b) => h('option', { value: b, text: filterText('vw', b).replace(/^Screen width: /, '') })),
        h('option', { value: '', text: 'Other widths…' }));
      const min = h('input', { type: 'number', id: `${prefix}-vw-min`, className: 'input input-plain input-num', min: '1', max: '16384', placeholder: 'min px', 'aria-label': 'Narrowest viewport, px' });
      const max = h('input', { type: 'number', id: `${prefix}-vw-max`, className: 'input input-plain input-num', min: '1', max: '16384', placeholder: 'max px', 'aria-label': 'Widest viewport, px' });
      const custom = h('span', { className: 'filter-custom', hidden: true }, min, h('span', { className: 'muted', text: '–' }), max);
      sel.addEventListener('change', () => { custom.hidden = sel.value !== ''; });
      if (!bands.length) { sel.value = ''; custom.hidden = false; }
      valueBox.append(sel, custom);
      read = () => {
        const v = sel.value || `${min.value.trim()}-${max.value.trim()}`;
        return parseBand(v) ? [['vw', v]] : null;
      };
    } else if (k.kind === 'tag') {
      const keyIn = input(`${prefix}-tag-key`, 'Tag key', 'key, e.g. variant', `${prefix}-tag-keys`);
      keyIn.value = 'variant';
      keyIn.maxLength = 32;
      const valIn = input(`${prefix}-value`, 'Tag value', 'value, e.g. B', `${prefix}-tag-values`);
      valIn.maxLength = 64;
      const keys = datalist(`${prefix}-tag-keys`, ['variant']);
      const vals = datalist(`${prefix}-tag-values`, []);
      let asked = '';
      const ask = () => {
        const key = keyIn.value.trim();
        if (!TAG_KEY_RE.test(key) || key === asked || !discover) return;
        asked = key;
        discover.tagValues(key).then((values) => {
          if (keyIn.value.trim() !== key) return;
          clear(vals).append(...values.map((v) => h('option', { value: v })));
          vals.dataset.key = key;
          vals.dataset.count = String(values.length);
        }).catch(() => {});
      };
      keyIn.addEventListener('change', ask);
      keyIn.addEventListener('input', ask);
      ask();
      valueBox.append(keyIn, h('span', { className: 'muted', text: '=' }), valIn, keys, vals);
      read = () => {
        const key = keyIn.value.trim();
        const v = valIn.value;
        return validFilter(`tag.${key}`, v) ? [[`tag.${key}`, v]] : null;
      };
    } else if (k.kind === 'goal') {
      const valIn = input(`${prefix}-value`, 'Goal name', 'goal, e.g. signup', `${prefix}-goals`);
      const goals = datalist(`${prefix}-goals`, []);
      if (discover) discover.goals().then((names) => { clear(goals).append(...names.map((v) => h('option', { value: v }))); if (!valIn.value && names[0]) valIn.value = names[0]; }).catch(() => {});
      valueBox.append(valIn, goals);
      read = () => (validFilter(k.id, valIn.value.trim()) ? [[k.id, valIn.value.trim()]] : null);
    } else {
      const valIn = input(`${prefix}-value`, k.label, k.kind === 'host' ? 'host, e.g. news.example.com' : 'value');
      valueBox.append(valIn);
      read = () => (validFilter(k.id, valIn.value.trim()) ? [[k.id, valIn.value.trim()]] : null);
    }
  }
  kindSel.addEventListener('change', build);
  build();

  const apply = () => {
    const changes = read();
    if (!changes) {
      msg.textContent = 'That value cannot be used here.';
      for (const el of valueBox.querySelectorAll('input')) el.setAttribute('aria-invalid', 'true');
      return;
    }
    if (changes.some(([n]) => n.startsWith('tag.')) && opts.tagCount >= MAX_TAGS && !changes.some(([n]) => n in opts.current)) {
      msg.textContent = `At most ${MAX_TAGS} tags at once.`;
      return;
    }
    opts.onApply(changes);
  };
  row.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT') { e.preventDefault(); apply(); }
    if (e.key === 'Escape') { e.preventDefault(); opts.onCancel(); }
  });
  row.append(kindSel, valueBox,
    h('button', { type: 'button', className: 'btn btn-primary btn-small', id: `${prefix}-apply`, on: { click: apply } }, target === 'b' ? 'Set for B' : 'Apply'),
    h('button', { type: 'button', className: 'btn btn-secondary btn-small', id: `${prefix}-cancel`, on: { click: () => opts.onCancel() } }, 'Cancel'),
    msg);
  setTimeout(() => { if (kindSel.isConnected) kindSel.focus(); }, 0);
  return row;
}

// The segment bar. opts: { st, device, discover, onChange(filters) }.
// Returns { el, render(st) }.
export function segmentBar(opts) {
  const el = h('div', { className: 'toolbar-row toolbar-row-sub filter-row', id: 'filter-bar', role: 'group', 'aria-label': 'Segment' });
  let open = false;
  let st = opts.st;

  function render(next) {
    if (next) st = next;
    const entries = filterEntries(st.filters);
    const remove = (name) => {
      const f = { ...st.filters };
      delete f[name];
      opts.onChange(f);
    };
    const chips = h('span', { className: 'chips', id: 'filter-chips' },
      entries.length
        ? entries.map(([k, v]) => chip('filter', k, v, filterText(k, v), remove))
        : h('span', { className: 'muted chips-none', id: 'filter-none', text: 'All visitors' }));
    const kids = [
      h('span', { className: 'control-label filter-label' }, icon(ICONS.filter, 16, 'icon control-icon'), 'Segment'),
      chips,
      open ? null : h('button', {
        type: 'button', className: 'btn btn-secondary btn-small', id: 'filter-add', 'aria-expanded': 'false',
        on: { click: () => { open = true; render(); } },
      }, icon(ICONS.plus, 14), 'Add filter'),
      entries.length > 1 && !open ? h('button', {
        type: 'button', className: 'btn-link', id: 'filter-clear', on: { click: () => opts.onChange({}) },
      }, 'Clear all') : null,
    ];
    if (open) {
      kids.push(editor({
        prefix: 'filter', target: 'a', device: opts.device, discover: opts.discover, current: st.filters,
        tagCount: entries.filter(([k]) => k.startsWith('tag.')).length,
        onApply: (changes) => {
          open = false;
          const f = { ...st.filters };
          for (const [k, v] of changes) f[k] = v;
          opts.onChange(f);
          render();
        },
        onCancel: () => { open = false; render(); const b = document.getElementById('filter-add'); if (b) b.focus(); },
      }));
    }
    clear(el).append(...kids.filter(Boolean));
  }
  render();
  return { el, render };
}

// B's changes in a custom comparison: chips and the same editor.
// opts: { st, device, discover, changes: [[name, value]], onChange(changes) }
export function changesEditor(opts) {
  const wrap = h('span', { className: 'vs-changes', id: 'vs-changes' });
  let open = false;
  function render() {
    const items = opts.changes.map(([k, v]) => {
      let text;
      if (k === 'device') text = `Device: ${(DEVICES.find((d) => d.id === v) || { label: v }).label}`;
      else if (k === 'from') text = `From ${v}`;
      else if (k === 'to') text = `Until ${v}`;
      else text = filterText(k, v);
      return chip('vs', k, v, text, (name) => opts.onChange(opts.changes.filter(([n]) => n !== name)), 'b');
    });
    const kids = [items.length ? items : h('span', { className: 'muted', id: 'vs-none', text: 'nothing yet: add what B changes' })];
    if (open) {
      kids.push(editor({
        prefix: 'vs-filter', target: 'b', device: opts.device, discover: opts.discover,
        current: Object.fromEntries(opts.changes), tagCount: opts.changes.filter(([k]) => k.startsWith('tag.')).length,
        onApply: (changes) => {
          open = false;
          const names = new Set(changes.map(([k]) => k));
          const dates = names.has('from') || names.has('to');
          opts.onChange([...opts.changes.filter(([k]) => !names.has(k) && !(dates && (k === 'from' || k === 'to'))), ...changes]);
        },
        onCancel: () => { open = false; render(); },
      }));
    } else {
      kids.push(h('button', {
        type: 'button', className: 'btn btn-secondary btn-small', id: 'vs-add', on: { click: () => { open = true; render(); } },
      }, icon(ICONS.plus, 14), 'Change for B'));
    }
    clear(wrap).append(...kids.flat());
  }
  render();
  return wrap;
}
