// SPDX-License-Identifier: MIT
// The colour theme: System (follows prefers-color-scheme), Light or Dark,
// picked with the radio group in the sidebar's foot and kept in
// localStorage. style.css holds the colours; this only sets
// <html data-theme> to the theme in force ("light" or "dark": System is
// resolved here, and again when the OS setting changes, so style.css needs
// one dark block, not a second copy under prefers-color-scheme),
// <html data-theme-choice> to the choice, and the color-scheme meta tag.
//
// Unlike the other files this is a classic script, loaded from <head>
// before the stylesheet: it runs before the first paint, so a stored
// "dark" never flashes light (the CSP allows no inline script, and a
// module would run only after the page is parsed). It exports nothing.
(() => {
  const KEY = 'calor-theme';
  const CHOICES = ['system', 'light', 'dark'];
  const root = document.documentElement;
  const osDark = window.matchMedia('(prefers-color-scheme: dark)');

  function stored() {
    try {
      const v = localStorage.getItem(KEY);
      return CHOICES.includes(v) ? v : 'system';
    } catch (e) {
      return 'system'; // storage blocked: follow the system
    }
  }

  let current = 'system';
  function apply(choice) {
    current = choice;
    root.dataset.themeChoice = choice;
    root.dataset.theme = choice === 'system' ? (osDark.matches ? 'dark' : 'light') : choice;
    // form controls and scrollbars follow before style.css has loaded too
    const meta = document.querySelector('meta[name="color-scheme"]');
    if (meta) meta.content = choice === 'system' ? 'light dark' : choice;
    for (const input of document.querySelectorAll('input[name="theme"]')) input.checked = input.value === choice;
  }

  function choose(choice) {
    try { localStorage.setItem(KEY, choice); } catch (e) { /* kept for this page only */ }
    apply(choice);
  }

  apply(stored());

  function wire() {
    const group = document.getElementById('theme-switch');
    if (!group) return;
    group.addEventListener('change', (e) => {
      if (e.target.name === 'theme' && CHOICES.includes(e.target.value)) choose(e.target.value);
    });
    apply(stored());
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', wire);
  else wire();

  // another tab of the dashboard changed it, or the OS did
  window.addEventListener('storage', (e) => { if (e.key === KEY) apply(stored()); });
  osDark.addEventListener('change', () => apply(current));
})();
