import { $, ApiError } from '../lib.js';

export default async function invite() {
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const error = $('#invite-error');
  $('#invite-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const res = await fetch('/api/v1/auth/accept-invite', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ token, password: $('#new-password').value }),
    });
    if (res.ok) {
      location.assign('/admin/login');
      return;
    }
    const body = await res.json().catch(() => ({}));
    const err = new ApiError(res.status, body.error);
    error.textContent = err.code === 'validation_error' ? 'Use at least 8 characters.' : err.message;
  });
  // enabled only now: an Enter before this script ran would have submitted the form natively
  $('#invite-form button[type=submit]').disabled = false;
}
