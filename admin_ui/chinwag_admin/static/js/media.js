// Media links that stay valid while the page is open. Attachment blocks carry short-lived signed
// URLs (docs/media.md); a block with a media_id is re-signed on demand through the media plugin's
// GET /media/<id>: when a message older than the freshness window is shown, when an image or video
// fails to load, and when a link is followed after the window.
import { api } from './lib.js';

const ROUTE = '/api/v1/plugins/chinwag-media/media/';
// shorter than the shortest signed-link lifetime the plugin allows (30 s)
const FRESH_MS = 20000;
const MEDIA_URL = /\/api\/v1\/plugins\/chinwag-media\/media\/([^/?#]+)\//;

export function mediaLinks({ rerender }) {
  const cache = new Map(); // media_id -> {block, at}
  const pending = new Map(); // media_id -> promise

  function fetchFresh(id) {
    if (!pending.has(id)) {
      pending.set(id, api(ROUTE + encodeURIComponent(id))
        .then((out) => { cache.set(id, { block: out.block, at: Date.now() }); return out.block; })
        .finally(() => pending.delete(id)));
    }
    return pending.get(id);
  }
  const isFresh = (id) => { const hit = cache.get(id); return hit && Date.now() - hit.at < FRESH_MS; };

  return {
    /** The freshest copy known of a block (its own when nothing newer was fetched). */
    fresh(block) {
      const hit = block && block.media_id && cache.get(block.media_id);
      return hit ? { ...block, ...hit.block } : block;
    },
    /** A message is being shown: re-sign its media if its links may have expired. */
    watch(message) {
      const age = Date.now() - Date.parse(/Z$|[+-]\d\d:\d\d$/.test(message.created_at || '') ? message.created_at : `${message.created_at}Z`);
      for (const b of message.blocks || []) {
        if (!b.media_id || isFresh(b.media_id) || pending.has(b.media_id)) continue;
        if (!(age < FRESH_MS)) fetchFresh(b.media_id).then(() => rerender(b.media_id), () => {});
      }
    },
    /** A pushed update (a video's poster is ready). */
    update(id, block) {
      cache.set(id, { block, at: Date.now() });
      rerender(id);
    },
    /** Re-sign on use: links clicked after the window, media that failed to load. */
    attach(root) {
      root.addEventListener('click', (e) => {
        const a = e.target.closest?.('a[href]');
        const m = a && a.getAttribute('href').match(MEDIA_URL);
        if (!m || isFresh(m[1]) || a.dataset.resigned) return;
        e.preventDefault();
        const id = decodeURIComponent(m[1]);
        fetchFresh(id).then((block) => {
          const next = a.href.includes('/thumbnail') && block.thumbnail_url ? block.thumbnail_url : block.url;
          rerender(id);
          // follow the fresh link from a stand-in (the user's click still counts as activation)
          const go = document.createElement('a');
          go.href = next;
          if (a.target) go.target = a.target;
          go.rel = 'noopener noreferrer';
          if (a.hasAttribute('download')) go.download = a.getAttribute('download');
          go.dataset.resigned = 'true';
          go.hidden = true;
          root.append(go);
          go.click();
          go.remove();
        }, () => {});
      });
      root.addEventListener('error', (e) => {
        const src = e.target?.getAttribute?.('src');
        const m = src && src.match(MEDIA_URL);
        if (!m || isFresh(m[1])) return;
        const id = decodeURIComponent(m[1]);
        fetchFresh(id).then(() => rerender(id), () => {});
      }, true);
    },
  };
}
