// Your profile: the name and avatar visitors see on your messages and in the widget's typing
// line (PATCH /api/v1/profile); your email is never shown to them.
import { api, field, h, requireSession, showError, view } from '../lib.js';

export default async function profile() {
  await requireSession();
  const current = await api('/api/v1/profile');
  const error = h('p', { role: 'alert', class: 'error' });
  const status = h('p', { role: 'status', class: 'muted' });
  const name = h('input', { type: 'text', name: 'display_name', maxlength: 80, autocomplete: 'nickname', value: current.display_name || '' });
  const avatar = h('input', { type: 'url', name: 'avatar_url', value: current.avatar_url || '' });
  const shown = h('p', {});
  const say = (p) => { shown.textContent = p.public_name ? `Visitors see you as ${p.public_name}.` : 'Visitors see your team\'s name.'; };
  say(current);
  const form = h('form', { class: 'card', 'aria-labelledby': 'profile-title', novalidate: true },
    h('h2', { id: 'profile-title' }, 'What visitors see of you'), error,
    field('Display name', name, 'Empty: your account\'s name. Your email is never shown to visitors.'),
    field('Avatar URL', avatar, 'An image URL (https://…); empty: your initials.'),
    shown,
    h('button', { type: 'submit' }, 'Save profile'), status);
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    status.textContent = '';
    try {
      const saved = await api('/api/v1/profile', { method: 'PATCH', body: { display_name: name.value.trim() || null, avatar_url: avatar.value.trim() || null } });
      say(saved);
      status.textContent = 'Saved. Your next messages carry it, and your earlier ones when visitors reload.';
    } catch (err) { showError(error, err, form); }
  });
  view().replaceChildren(form);
}
