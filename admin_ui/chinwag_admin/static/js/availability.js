// The agent's availability in the inbox header (docs/admin.md, "Availability"): a labelled
// select (Online / Away) and a status line saying what visitors see. Any key or click in the
// inbox tells the server the agent is here (at most every 30 s), which ends an automatic away
// after CHINWAG_AGENT_IDLE_MINUTES; closing every inbox tab makes the agent offline.
import { api, h, humanError } from './lib.js';

const PING_EVERY = 30_000;
const SAYS = {
  online: 'Online: visitors read "Typically replies in a few minutes".',
  away: 'Away: visitors read "We\'re away — leave a message".',
  idle: 'Away after a while without activity: back to online with your next action.',
  offline: 'Offline.',
};

export function availabilityControl() {
  const select = h('select', { id: 'availability', name: 'availability', 'aria-describedby': 'availability-status' },
    h('option', { value: 'online' }, 'Online'), h('option', { value: 'away' }, 'Away'));
  const line = h('small', { class: 'muted', id: 'availability-status', role: 'status' });
  const box = h('div', { class: 'field availability' }, h('label', { for: 'availability' }, 'Your availability'), select, line);

  const show = (a) => {
    select.value = a.choice;
    line.textContent = SAYS[a.idle ? 'idle' : a.status] || '';
  };
  let last = 0;
  const seen = () => {
    if (Date.now() - last < PING_EVERY) return;
    last = Date.now();
    api('/api/v1/users/me/activity', { method: 'POST' })
      .then(() => (line.textContent.startsWith('Away after') ? refreshStatus() : null))
      .catch(() => {});
  };
  const refreshStatus = () => api('/api/v1/users/me/availability').then(show).catch(() => {});
  select.addEventListener('change', async () => {
    last = Date.now();
    try {
      show(await api('/api/v1/users/me/availability', { method: 'PUT', body: { status: select.value } }));
    } catch (err) {
      line.textContent = humanError(err);
    }
  });
  document.addEventListener('keydown', seen, { passive: true });
  document.addEventListener('pointerdown', seen, { passive: true });
  refreshStatus();
  setInterval(refreshStatus, 60_000);
  box.refresh = refreshStatus;
  return box;
}
