import { api, h, requireSession, setTitle, showError, view } from '../lib.js';

export default async function pluginPage() {
  await requireSession();
  const { plugin, slug } = document.body.dataset;
  try {
    // the page's own query string reaches the plugin's render (filters kept in the URL)
    // and the browser's time zone (a page showing days or hours may default to it)
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
    const page = await api(`/api/v1/admin-pages/${encodeURIComponent(plugin)}/${encodeURIComponent(slug)}${location.search}`,
      { extra: { 'X-Chinwag-Time-Zone': zone } });
    setTitle(page.title);
    // the plugin renders this HTML and escapes what it did not write; the CSP blocks scripts in it
    const box = h('section', { class: 'plugin-page', 'data-plugin': plugin });
    box.innerHTML = page.html;
    view().replaceChildren(box);
  } catch (err) {
    const region = h('p', { role: 'alert', class: 'error' });
    showError(region, err);
    view().replaceChildren(region);
  }
}
