import { $, h, ApiError } from '../lib.js';

const MESSAGES = {
  oidc_link_refused: 'A password account uses this email but the email was never confirmed, so it was not linked. Sign in with your password.',
  oidc_no_account: 'No Chinwag account uses this email. Ask an admin to invite you.',
  oidc_email_unverified: 'Your provider did not confirm your email address.',
  account_disabled: 'This account is disabled.',
  oidc_failed: 'Single sign-on failed. Try again.',
  oidc_unavailable: 'The single sign-on provider cannot be reached.',
};

/** "Too many failed sign-ins" in words a person can act on: how long to wait, in minutes. */
function waitMessage(retryAfterMs) {
  const minutes = Math.max(1, Math.ceil((Number(retryAfterMs) || 60000) / 60000));
  const when = minutes === 1 ? 'in a minute' : `in ${minutes} minutes`;
  return `Too many failed sign-ins from here or for this account. For your security, try again ${when}.`;
}

function nextUrl() {
  const next = new URLSearchParams(location.search).get('next') || '';
  return /^\/admin(\/|$)/.test(next) && !next.startsWith('//') ? next : '/admin/';
}

export default async function login() {
  const error = $('#login-error');
  const params = new URLSearchParams(location.search);
  const code = params.get('error');
  if (code === 'rate_limited') error.textContent = waitMessage(params.get('retry_after_ms'));
  else if (code) error.textContent = MESSAGES[code] || 'Sign-in failed.';
  $('#login-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    const res = await fetch('/api/v1/auth/login', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ email: $('#email').value, password: $('#password').value, session: true }),
    });
    if (res.ok) {
      location.assign(nextUrl());
      return;
    }
    const body = await res.json().catch(() => ({}));
    const err = new ApiError(res.status, body.error);
    if (err.code === 'rate_limited') error.textContent = waitMessage(body.error.retry_after_ms);
    else error.textContent = err.code === 'validation_error' ? 'Enter your email and password.' : err.message;
  });
  // enabled only now: an Enter before this script ran would have submitted the form natively
  $('#login-form button[type=submit]').disabled = false;
  const sso = await fetch('/api/v1/auth/oidc').then((r) => r.json()).catch(() => null);
  if (sso && sso.enabled) {
    $('#sso').replaceChildren(h('p', {}, 'or'), h('a', { class: 'button', href: sso.login_url }, `Sign in with ${sso.label}`));
  }
}
