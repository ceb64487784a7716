// Shared helpers of the admin: DOM building (text only, never HTML), the cookie session and
// the REST client. Visitor-provided text only ever reaches the page through textContent/value.

export class Halt extends Error {}

const SAFE_URL = /^(https?:|mailto:|\/(?!\/))/i;

/** Build an element. Strings become text nodes; attributes are set as properties or
 *  attributes, never as event handlers, and links only with safe schemes. */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith('on')) {
      if (typeof value === 'function') el.addEventListener(key.slice(2).toLowerCase(), value);
      continue;
    }
    if ((key === 'href' || key === 'src') && !SAFE_URL.test(String(value))) continue;
    if (key === 'class') el.className = value;
    else if (key === 'value' || key === 'checked' || key === 'selected' || key === 'disabled' || key === 'hidden') el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export const $ = (sel, root = document) => root.querySelector(sel);
export const view = () => $('#view');

let accessToken = null;
let accessExpires = 0;
let me = null;
let refreshing = null;

function cookie(name) {
  const hit = document.cookie.split('; ').find((c) => c.startsWith(name + '='));
  return hit ? decodeURIComponent(hit.slice(name.length + 1)) : '';
}

export class ApiError extends Error {
  constructor(status, error) {
    super(error?.message || `HTTP ${status}`);
    this.status = status;
    this.code = error?.code || 'http_error';
    this.details = error?.details;
  }
}

async function parse(res) {
  if (res.status === 204) return null;
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError(res.status, body.error);
  return body;
}

const sleep = (ms) => new Promise((resolve) => { setTimeout(resolve, ms); });

/** A failure worth retrying: no answer at all (offline, connection reset) or a server that is
 *  restarting or overloaded. A 4xx answer is final. */
export function transient(err) {
  return !(err instanceof ApiError) || err.status >= 500 || err.status === 429;
}

/** The server refused the session itself (not a network failure): time to sign in again. */
export function isSignedOut(err) {
  return err instanceof ApiError && (err.status === 401 || err.status === 403);
}

/** Run `fn` until it succeeds or fails for good; transient failures are retried with a backoff
 *  capped at `maxDelay` ms (default 1 s), so work resumes within about a second of the network
 *  returning. `attempts` bounds the tries (Infinity: until the network is back). */
export async function retrying(fn, { attempts = Infinity, maxDelay = 1000 } = {}) {
  for (let i = 1; ; i += 1) {
    try {
      return await fn();
    } catch (err) {
      if (!transient(err) || i >= attempts) throw err;
      await sleep(Math.min(maxDelay, 150 * 2 ** Math.min(i, 8)));
    }
  }
}

/** Trade the HttpOnly refresh cookie for a short-lived access token (double-submit CSRF).
 *  Network failures are retried: a blip never signs the agent out, only a refused cookie does. */
export function refresh() {
  if (!refreshing) {
    refreshing = retrying(() => fetch('/api/v1/auth/refresh', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cookie('chinwag_csrf') },
      body: '{}',
    }).then(parse))
      .then((body) => {
        accessToken = body.access_token;
        accessExpires = Date.now() + (body.expires_in - 30) * 1000;
        return accessToken;
      })
      .finally(() => { refreshing = null; });
  }
  return refreshing;
}

export async function token() {
  if (!accessToken || Date.now() > accessExpires) await refresh();
  return accessToken;
}

/** JSON request to the core's REST API with the bearer token; one retry after a refresh.
 *  `form` sends a FormData body (uploads). Reads (GET) are retried through network blips. */
export async function api(path, { method = 'GET', body, form, retry = true, extra } = {}) {
  const once = async () => {
    const headers = { ...extra, Authorization: `Bearer ${await token()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, {
        method, headers, credentials: 'same-origin',
        body: form !== undefined ? form : body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiError(0, { code: 'network_error', message: 'The server cannot be reached. Check your connection.' });
    }
    if (res.status === 401 && retry) {
      accessToken = null;
      return api(path, { method, body, form, retry: false, extra });
    }
    return parse(res);
  };
  return method === 'GET' ? retrying(once, { attempts: 8 }) : once();
}

export function currentUser() { return me; }

function toLogin() {
  const next = location.pathname + location.search;
  location.replace('/admin/login?next=' + encodeURIComponent(next));
}

/** Sign in from the cookie session, draw the navigation, enforce the page's roles. */
export async function requireSession() {
  try {
    await refresh();
    me = await api('/api/v1/auth/me');
  } catch (err) {
    if (!isSignedOut(err)) {
      view()?.replaceChildren(h('p', { role: 'alert', class: 'error' }, humanError(err)));
      throw new Halt();
    }
    toLogin();
    throw new Halt();
  }
  $('#who').textContent = `${me.name || me.email} (${me.role})`;
  const out = $('#signout');
  out.hidden = false;
  out.addEventListener('click', signOut);
  await drawNav();
  const roles = (document.body.dataset.roles || '').split(',');
  if (!roles.includes(me.role)) {
    view().replaceChildren(h('p', { role: 'alert', class: 'error' }, 'Your role does not allow this page.'),
      h('p', {}, h('a', { href: '/admin/' }, 'Go to the inbox')));
    throw new Halt();
  }
  return me;
}

export async function signOut() {
  await fetch('/api/v1/auth/logout', {
    method: 'POST', credentials: 'same-origin',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': cookie('chinwag_csrf') },
    body: '{}',
  });
  accessToken = null;
  location.assign('/admin/login');
}

export async function drawNav() {
  const items = [['/admin/', 'Inbox']];
  if (me.role === 'admin') {
    items.push(['/admin/sites', 'Sites'], ['/admin/users', 'Users'], ['/admin/plugins', 'Plugins'], ['/admin/canned', 'Canned responses'], ['/admin/privacy', 'Privacy'], ['/admin/audit', 'Audit log'], ['/admin/teams', 'Teams']);
  }
  items.push(['/admin/profile', 'Your profile']);
  let pages = [];
  try { pages = await api('/api/v1/admin-pages'); } catch (err) { pages = []; }
  for (const p of pages) items.push([p.path, p.title]);
  const here = location.pathname;
  $('#nav').replaceChildren(h('ul', {}, items.map(([href, label]) =>
    h('li', {}, h('a', { href, 'aria-current': href === here ? 'page' : null }, label)))));
}

/** Say something politely to screen readers (one shared, visually hidden live region). */
export function announce(text) {
  let region = document.getElementById('announcer');
  if (!region) {
    region = h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'polite', 'aria-atomic': 'true' });
    document.body.append(region);
  }
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 50);
}

/** A message a person can act on; the machine code stays out of sight (in the console). */
export function humanError(err) {
  if (err instanceof ApiError) {
    if (err.code === 'network_error') return err.message;
    if (err.code === 'validation_error' && err.details) return 'Some fields need attention: see the messages next to them.';
    if (err.status >= 500) return 'The server had a problem; try again in a moment.';
    console.info('API error', err.status, err.code, err.message);
    return err.message;
  }
  return String(err.message || err);
}

export function setTitle(text) {
  $('#title').textContent = text;
  document.title = `${text} · Chinwag admin`;
}

/** Show an API error in a live region; field details go next to their inputs. */
export function showError(region, err, form) {
  region.textContent = humanError(err);
  if (form && err instanceof ApiError && err.details && typeof err.details === 'object') {
    markInvalid(form, err.details);
  }
}

export function markInvalid(form, details) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  for (const el of form.querySelectorAll('.field-error')) el.textContent = '';
  for (const [name, messages] of Object.entries(details || {})) {
    const input = form.querySelector(`[name="${CSS.escape(name)}"]`);
    const slot = form.querySelector(`[data-error-for="${CSS.escape(name)}"]`);
    // a list edited one item per line: its errors are keyed by index, shown as line numbers
    const lines = input && input.tagName === 'TEXTAREA' && !input.classList.contains('json')
      && messages && typeof messages === 'object' && !Array.isArray(messages);
    const text = lines
      ? Object.entries(messages).map(([i, m]) => (/^\d+$/.test(i) ? `Line ${Number(i) + 1}: ${errorText(m)}` : errorText(m, [i]))).join('\n')
      : errorText(messages);
    if (input) input.setAttribute('aria-invalid', 'true');
    if (slot) slot.textContent = text;
  }
}

/** Validation messages as text; nested errors (JSON settings) keep their path, e.g.
 *  "3 > value > max_size_mb: Must be greater than or equal to 1". */
export function errorText(messages, path = []) {
  if (Array.isArray(messages) && messages.every((m) => typeof m === 'string')) {
    const text = messages.join('\n');
    return path.length ? `${path.join(' > ')}: ${text}` : text;
  }
  if (Array.isArray(messages)) return messages.map((m) => errorText(m, path)).join('\n');
  if (messages && typeof messages === 'object') {
    return Object.entries(messages).map(([k, v]) => errorText(v, [...path, k])).join('\n');
  }
  return String(messages);
}

export function field(label, input, hint) {
  const id = input.id || `f-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const name = input.getAttribute('name') || id;
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  input.setAttribute('aria-describedby', hint ? `${hintId} ${errId}` : errId);
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('small', { class: 'muted hint', id: hintId }, hint) : null,
    h('span', { class: 'field-error', id: errId, 'data-error-for': name }));
}

export function when(iso) {
  if (!iso) return '';
  const d = new Date(iso.endsWith('Z') || /[+-]\d\d:\d\d$/.test(iso) ? iso : iso + 'Z');
  return d.toLocaleString();
}

export async function copy(text, status) {
  try {
    await navigator.clipboard.writeText(text);
    status.textContent = 'Copied.';
  } catch (err) {
    status.textContent = 'Select the text and copy it.';
  }
}
