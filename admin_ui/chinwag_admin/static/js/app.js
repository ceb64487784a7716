// Entry point of every admin page: loads the module of the page named by <body data-page>.
import { Halt } from './lib.js';

const pages = {
  login: './pages/login.js',
  invite: './pages/invite.js',
  inbox: './pages/inbox.js',
  sites: './pages/sites.js',
  design: './pages/design.js',
  users: './pages/users.js',
  plugins: './pages/plugins.js',
  audit: './pages/audit.js',
  canned: './pages/canned.js',
  privacy: './pages/privacy.js',
  'plugin-page': './pages/plugin_page.js',
  teams: './pages/teams.js',
  profile: './pages/profile.js',
};

const name = document.body.dataset.page;
try {
  const mod = await import(pages[name]);
  await mod.default();
  document.body.dataset.ready = 'true';
} catch (err) {
  if (!(err instanceof Halt)) {
    console.error(err);
    const view = document.querySelector('#view');
    if (view) view.textContent = `Something went wrong: ${err.message}`;
  }
  document.body.dataset.ready = 'true';
}
