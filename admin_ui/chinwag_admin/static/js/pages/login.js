import { $, h, ApiError } from '../lib.js';

const MESSAGES = {
  oidc_link_refused: 'A password account uses this email but the email was never confirmed, so it was not linked. Sign in with your password.',
  oidc_no_account: 'No Chinwag account uses this email. Ask an admin to invite you.',
  oidc_email_unverified: 'Your provider did not confirm your email address.',
  account_disabled: 'This account is disabled.',
  oidc_failed: 'Single sign-on failed. Try again.',
  oidc_unavailable: 'The single sign-on provider cannot be reached.',
};

function nextUrl() {
  const next = new URLSearchParams(location.search).get('next') || '';
  return /^\/admin(\/|$)/.test(next) && !next.startsWith('//') ? next : '/admin/';
}

export default async function login() {
  const error = $('#login-error');
  const code = new URLSearchParams(location.search).get('error');
  if (code) error.textContent = MESSAGES[code] || 'Sign-in failed.';
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
    error.textContent = err.code === 'validation_error' ? 'Enter your email and password.' : err.message;
  });
  const sso = await fetch('/api/v1/auth/oidc').then((r) => r.json()).catch(() => null);
  if (sso && sso.enabled) {
    $('#sso').replaceChildren(h('p', {}, 'or'), h('a', { class: 'button', href: sso.login_url }, `Sign in with ${sso.label}`));
  }
}
