// SPDX-License-Identifier: MIT
// demo.js — the Lumio demo site's own script (no inline scripts: the demo
// runs under a strict Content-Security-Policy). It shows how a site talks to
// calor before calor.js has loaded (the command-queue stub below), and it
// gives the tests and the simulator the behaviours a heatmap tool must see:
// a button with a bug (error clicks), a slow button (rage clicks) and a
// single-page app whose views change with history.pushState.

// The calor command-queue stub: calls wait in calor.q until calor.js loads.
window.calor = window.calor || function () { (window.calor.q = window.calor.q || []).push(arguments); };

(() => {
	const $ = id => document.getElementById(id);
	const click = (id, f) => { const el = $(id); if (el) el.addEventListener('click', f); };

	// Home: a finished signup is the demo's conversion.
	const signup = $('signup-form');
	if (signup) signup.addEventListener('submit', () => calor('goal', 'signup'));

	// The home page's A/B test (the simulator's planted truth: B converts
	// better). `?variant=A` or `?variant=B` on any page assigns the session
	// (kept in sessionStorage); the home page assigns A when the session has
	// none. Every page view of an assigned session carries the tag, and the
	// home page shows its variant (B: the trial button above the headline).
	const ab = v => /^[AB]$/.test(v || '');
	const home = document.body.classList.contains('home');
	let variant = new URLSearchParams(location.search).get('variant');
	try {
		if (!ab(variant)) variant = sessionStorage.getItem('lumio_variant');
		if (!ab(variant) && home) variant = 'A';
		if (ab(variant)) sessionStorage.setItem('lumio_variant', variant);
	} catch (e) { /* storage blocked: this page only */ }
	if (!ab(variant) && home) variant = 'A';
	if (ab(variant)) {
		if (home) document.body.dataset.variant = variant;
		calor('tag', 'variant', variant);
	}

	// Pricing: the billing period is a tag of the page view; starting a
	// trial is a goal; the coupon button has a bug and throws on every click.
	const yearly = $('billing-yearly'), monthly = $('billing-monthly');
	const billing = () => calor('tag', 'billing', yearly.checked ? 'yearly' : 'monthly');
	if (yearly && monthly) {
		billing();
		yearly.addEventListener('change', billing);
		monthly.addEventListener('change', billing);
	}
	for (const id of ['plan-starter', 'plan-pro', 'plan-enterprise']) click(id, () => calor('goal', 'trial_start'));
	click('apply-coupon', () => {
		const code = $('coupon-code').value.trim().toUpperCase();
		// the bug: `checkout` was renamed in a refactor and never defined
		// eslint-disable-next-line no-undef
		checkout.applyCoupon(code);
	});

	// Product: add to cart answers at once (and is a goal).
	click('add-to-cart', () => {
		const b = $('add-to-cart');
		b.textContent = 'Added \u2713';
		calor('goal', 'add_to_cart');
		setTimeout(() => { b.textContent = 'Add to cart'; }, 2500);
	});

	// App: two views switched with pushState; back/forward with popstate.
	const views = { overview: $('view-overview'), settings: $('view-settings') };
	const show = name => {
		if (!views.overview) return;
		if (!views[name]) name = 'overview';
		for (const k in views) {
			views[k].hidden = k !== name;
			const tab = $('spa-tab-' + k);
			if (k === name) tab.setAttribute('aria-current', 'page'); else tab.removeAttribute('aria-current');
		}
		document.title = (name === 'settings' ? 'Settings' : 'Workspace') + ' \u2014 Lumio';
	};
	const viewOf = () => new URLSearchParams(location.search).get('view') || 'overview';
	if (views.overview) {
		show(viewOf());
		for (const k of ['overview', 'settings'])
			click('spa-tab-' + k, e => {
				e.preventDefault();
				if (viewOf() === k) return;
				history.pushState({ view: k }, '', k === 'overview' ? 'app.html' : 'app.html?view=' + k);
				show(k);
				window.scrollTo(0, 0);
			});
		window.addEventListener('popstate', () => show(viewOf()));
	}
	// "Sync calendars" fails with an unhandled rejection (an error click).
	const sync = async () => { throw new Error('calendar sync: token expired'); };
	click('sync-calendars', () => { sync(); });
	// "Save changes" takes three seconds to say anything: people click again.
	let saving = 0;
	click('slow-save', () => {
		if (saving) return;
		saving = 1;
		setTimeout(() => { $('save-status').textContent = 'Saved \u2713'; saving = 0; }, 3000);
	});
})();
