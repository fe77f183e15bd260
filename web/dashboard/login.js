// SPDX-License-Identifier: MIT
// Access: who is looking at the dashboard, and what they see first.
//
//   - signed in: the session cookie (HttpOnly, so only the server reads
//     it) and its CSRF token from /auth/me or the sign-in answer, which
//     api.js sends with every state change; the user's name and a Sign out
//     button in the sidebar;
//   - signed out: the sign-in screen, whatever the hash; after signing in
//     the hash is still there, so the view asked for opens;
//   - a share link (#/share/TOKEN): a read-only dashboard of that one page,
//     with a banner saying so and when it expires; no sidebar, no way to
//     other pages or sites; an expired or forged link is explained.
//
// The router asks gate(route) before every view: it answers the view to
// show instead (sign-in, a check in progress, a share link's error), or
// null for the view the hash names. Every 401 from the API comes here
// through api.js's handler and re-routes.
import { h, clear, announce } from './dom.js';
import { getJSON, send, setCsrf, setShareToken, setUnauthorizedHandler, clearCache, ApiError } from './api.js';
import { errorBox } from './ui.js';
import { viewEl, mainEl, reroute, setTitle, setShared, sharedView, hashShare, done } from './shell.js';
import { fmtExpiry } from './share.js';

// mode: unknown (not asked yet), user, signed-out; why: what the sign-in
// screen says first (null, 'signed-out' after Sign out, 'ended' when the
// session ended under a view)
const access = { mode: 'unknown', user: null, shareError: null, why: null };
export const signedInUser = () => (access.mode === 'user' ? access.user : null);

function setAccess(state) {
  document.body.dataset.access = state;
  renderUserBox();
  renderShareBanner();
}

function signedIn(answer) {
  access.mode = 'user';
  access.user = String(answer && answer.user || '');
  setCsrf(answer && typeof answer.csrf === 'string' ? answer.csrf : null);
}

function signedOut(why) {
  access.why = why || null;
  access.mode = 'signed-out';
  access.user = null;
  setCsrf(null);
  clearCache();
}

// Every 401 of the API: the session is gone (or never was), or the share
// link expired while it was open.
setUnauthorizedHandler((err) => {
  if (sharedView()) {
    if (access.shareError) return;
    access.shareError = err;
    reroute();
    return;
  }
  if (access.mode === 'signed-out') return;
  signedOut(access.mode === 'user' ? 'ended' : null);
  reroute();
});

// ------------------------------------------------------------------- gate

export function gate(route) {
  if (route.name === 'share') return viewOpenShare;
  if (route.shared) {
    if (access.shareError) return viewShareError;
    setAccess('share');
    return null;
  }
  if (sharedView()) leaveShare();
  if (access.mode === 'unknown') return viewCheck;
  if (access.mode === 'signed-out') return viewSignIn;
  setAccess('user');
  return null;
}

function leaveShare() {
  setShared(null);
  setShareToken(null);
  access.shareError = null;
  clearCache();
  access.mode = 'unknown';
}

// Asks the server whether the browser has a session.
async function viewCheck(ctx) {
  setAccess('checking');
  try {
    signedIn(await getJSON('/auth/me', ctx.ctrl.signal, { auth: false }));
  } catch (e) {
    if (!ctx.alive || e.name === 'AbortError') return;
    if (!(e instanceof ApiError) || e.status !== 401) {
      viewEl.appendChild(errorBox('Could not reach calor', e, () => reroute()));
      done(ctx, 'error');
      return;
    }
    signedOut();
  }
  if (ctx.alive) reroute();
}

// ---------------------------------------------------------------- sign in

function brand() {
  return h('div', { className: 'access-brand' },
    h('span', { className: 'access-mark', 'aria-hidden': 'true' }),
    h('span', { className: 'access-brand-name', text: 'calor' }));
}

function field(id, label, input) {
  return h('div', { className: 'field' },
    h('label', { className: 'field-label', for: id, text: label }),
    input);
}

function retryText(seconds) {
  if (!(seconds > 0)) return 'Try again in a few minutes.';
  if (seconds < 90) return `Try again in ${Math.ceil(seconds)} seconds.`;
  return `Try again in ${Math.ceil(seconds / 60)} minutes.`;
}

function viewSignIn(ctx) {
  setAccess('signed-out');
  setTitle('Sign in');
  const user = h('input', {
    id: 'signin-user', name: 'username', type: 'text', className: 'input input-field',
    autocomplete: 'username', autocapitalize: 'none', spellcheck: 'false', required: true,
    'aria-describedby': 'signin-error',
  });
  const password = h('input', {
    id: 'signin-password', name: 'password', type: 'password', className: 'input input-field',
    autocomplete: 'current-password', required: true, 'aria-describedby': 'signin-error',
  });
  const errorText = h('p', { className: 'callout-text', id: 'signin-error-text' });
  const error = h('div', { className: 'callout callout-error callout-compact signin-error', id: 'signin-error', role: 'alert', hidden: true },
    h('div', { className: 'callout-body' }, errorText));
  const submit = h('button', { type: 'submit', className: 'btn btn-primary btn-block', id: 'signin-submit' },
    h('span', { className: 'spinner spinner-small spinner-on-accent', 'aria-hidden': 'true', hidden: true }),
    h('span', { className: 'signin-submit-label', text: 'Sign in' }));
  const form = h('form', { className: 'signin-form', id: 'signin-form', method: 'post', action: '/auth/login', novalidate: true },
    field('signin-user', 'User name', user),
    field('signin-password', 'Password', password),
    error,
    submit);

  function showError(msg, input) {
    errorText.textContent = msg;
    error.hidden = false;
    for (const i of [user, password]) i.removeAttribute('aria-invalid');
    if (input) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      input.select();
    }
  }

  let busy = false;
  function setBusy(on) {
    busy = on;
    submit.disabled = on;
    submit.querySelector('.spinner').hidden = !on;
    submit.querySelector('.signin-submit-label').textContent = on ? 'Signing in…' : 'Sign in';
    form.setAttribute('aria-busy', on ? 'true' : 'false');
  }

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    if (busy) return;
    const name = user.value.trim();
    if (!name) { showError('Enter your user name.', user); return; }
    if (!password.value) { showError('Enter your password.', password); return; }
    setBusy(true);
    let answer;
    try {
      answer = await send('POST', '/auth/login', { user: name, password: password.value }, ctx.ctrl.signal, { auth: false });
    } catch (err) {
      if (!ctx.alive || err.name === 'AbortError') return;
      setBusy(false);
      if (err.status === 401) showError('Wrong user name or password.', password);
      else if (err.status === 429) showError(`Too many wrong passwords for this user. ${retryText(err.retryAfter)}`, null);
      else if (err.status === 0) showError(err.detail, null);
      else showError(`Could not sign in: ${err.detail}`, null);
      return;
    }
    if (!ctx.alive) return;
    signedIn(answer);
    announce(`Signed in as ${access.user}`);
    reroute();
  });

  const wanted = location.hash && location.hash !== '#' && location.hash !== '#/';
  const why = access.why === 'signed-out' ? 'You are signed out.'
    : access.why === 'ended' ? 'Your session has ended.' : null;
  viewEl.appendChild(h('div', { className: 'access-screen', id: 'signin' },
    h('div', { className: 'access-card card' },
      brand(),
      h('h1', { className: 'access-title', id: 'signin-title', text: 'Sign in' }),
      h('p', { className: 'access-sub', id: 'signin-sub' },
        why ? h('strong', { className: 'access-why', id: 'signin-why', text: why }) : null, why ? ' ' : null,
        wanted ? 'Sign in to open the view you asked for.' : 'Sign in to see your heatmaps.'),
      form),
    h('p', { className: 'access-note' },
      'No user yet? On the server, run ', h('code', { text: 'calor user add NAME' }), '.',
      h('br'), h('code', { text: 'make run' }), ' prints the password of its user ', h('code', { text: 'admin' }), '.')));
  done(ctx, 'signin');
  user.focus();
}

// Sign out: the server forgets the session and clears the cookie; then the
// sign-in screen.
async function signOut(btn) {
  btn.disabled = true;
  try {
    await send('POST', '/auth/logout', undefined, undefined, { auth: false });
  } catch (e) {
    btn.disabled = false;
    // 401: the session had ended anyway
    if (!(e instanceof ApiError) || e.status !== 401) {
      announce(`Could not sign out: ${e.detail || e.message}`);
      return;
    }
  }
  signedOut('signed-out');
  announce('Signed out');
  reroute();
}

const userBox = h('div', { className: 'user-box', id: 'user-box', hidden: true });
const foot = document.querySelector('.sidebar-foot');
if (foot) foot.before(userBox);

function renderUserBox() {
  const name = document.body.dataset.access === 'user' ? access.user : null;
  userBox.hidden = !name;
  if (!name) { clear(userBox); delete userBox.dataset.user; return; }
  if (userBox.dataset.user === name) return;
  userBox.dataset.user = name;
  const btn = h('button', { type: 'button', className: 'btn btn-secondary btn-small user-signout', id: 'sign-out' }, 'Sign out');
  btn.addEventListener('click', () => signOut(btn));
  userBox.replaceChildren(
    h('span', { className: 'user-avatar', 'aria-hidden': 'true', text: name.slice(0, 1).toUpperCase() }),
    h('span', { className: 'user-text' },
      h('span', { className: 'user-label', text: 'Signed in as' }),
      h('span', { className: 'user-name', id: 'user-name', text: name, title: name })),
    btn);
}

// ------------------------------------------------------------- share links

// #/share/TOKEN not yet checked: ask the server what it opens.
async function viewOpenShare(ctx) {
  setAccess('checking');
  const token = ctx.route.token;
  let info;
  try {
    info = await getJSON(`/auth/share?${new URLSearchParams({ token })}`, ctx.ctrl.signal, { auth: false });
  } catch (e) {
    if (!ctx.alive || e.name === 'AbortError') return;
    if (e instanceof ApiError && e.status === 401) {
      shareProblem(ctx, e);
      return;
    }
    viewEl.appendChild(errorBox('Could not open the shared view', e, () => reroute()));
    done(ctx, 'error');
    return;
  }
  if (!ctx.alive) return;
  if (!info || typeof info.site !== 'string' || typeof info.page !== 'string') {
    shareProblem(ctx, new ApiError(401, 'bad_share', 'this share link is not valid'));
    return;
  }
  const view = typeof info.view === 'string' ? info.view : '';
  setShared({ token, site: info.site, page: info.page, view, expires: Number(info.expires) || 0 });
  setShareToken(token);
  access.shareError = null;
  clearCache();
  // no state in the hash yet: the view the link was made from
  if (![...ctx.route.query.keys()].length) {
    const qi = view.indexOf('?');
    const query = Object.fromEntries(new URLSearchParams(qi >= 0 ? view.slice(qi + 1) : ''));
    history.replaceState(null, '', hashShare(token, query));
  }
  reroute();
}

function viewShareError(ctx) {
  shareProblem(ctx, access.shareError);
}

function shareProblem(ctx, err) {
  setAccess('share-error');
  const expired = /expired/.test(err && err.detail || '');
  const title = expired ? 'This share link has expired' : 'This share link is not valid';
  setTitle(title);
  viewEl.appendChild(h('div', { className: 'access-screen', id: 'share-problem', dataset: { reason: expired ? 'expired' : 'invalid' } },
    h('div', { className: 'access-card card' },
      brand(),
      h('h1', { className: 'access-title', id: 'view-title', tabindex: '-1', text: title }),
      h('p', { className: 'access-sub', id: 'share-problem-text', text: expired
        ? 'Share links work for a limited time, and this one is over. Ask the person who sent it for a new link.'
        : 'The link is incomplete or was changed: calor cannot vouch for it. Check that you copied all of it, or ask for a new one.' }),
      h('p', { className: 'callout-meta' }, h('code', { text: err && err.code || 'bad_share' }), ' · HTTP 401'),
      h('div', { className: 'access-actions' },
        h('a', { className: 'btn btn-secondary', href: '#/', id: 'share-signin', text: 'Sign in to calor' })))));
  done(ctx, 'share-error');
  const t = document.getElementById('view-title');
  if (t) t.focus({ preventScroll: true });
}

const banner = h('div', { className: 'share-banner', id: 'share-banner', role: 'note', hidden: true });
mainEl.insertBefore(banner, viewEl);

function renderShareBanner() {
  const s = document.body.dataset.access === 'share' ? sharedView() : null;
  banner.hidden = !s;
  if (!s) { clear(banner); delete banner.dataset.token; return; }
  if (banner.dataset.token === s.token) return;
  banner.dataset.token = s.token;
  banner.replaceChildren(
    h('span', { className: 'access-brand access-brand-small' },
      h('span', { className: 'access-mark', 'aria-hidden': 'true' }),
      h('span', { className: 'access-brand-name', text: 'calor' })),
    h('span', { className: 'share-pill', text: 'Shared view' }),
    h('span', { className: 'share-banner-text', id: 'share-banner-text' },
      h('strong', { text: 'Read-only' }), ': heatmaps of ', h('code', { text: s.page, title: s.page }),
      ', shared from calor. ',
      h('span', { id: 'share-expires', text: `Expires ${fmtExpiry(s.expires)}.` })),
    h('a', { className: 'btn-link share-banner-signin', href: '#/', text: 'Sign in' }));
}
