// Declared widget features (docs/widget-features.md): the server sends data describing places
// (attachments, message actions, composer assist, panel tabs, prompts, proactive rules, visitor
// preferences); each place's code is a lazy chunk fetched only when the site declares one. The
// widget knows places and components, never who declared them.
import { h } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Link, safeHref } from "./markdown.jsx";
import { translator } from "./i18n.js";

const CHUNKS = {
  attachments: () => import("./features/attachments.jsx"),
  message_actions: () => import("./features/message_actions.jsx"),
  composer_assist: () => import("./features/composer_assist.jsx"),
  panel_tab: () => import("./features/panel_tab.jsx"),
  prompts: () => import("./features/prompts.jsx"),
  proactive: () => import("./features/proactive.js"),
  preferences: () => import("./features/preferences.jsx"),
  consent: () => import("./features/consent.jsx"),
  host_events: () => import("./features/host_events.js"),
};

// a feature chunk's styles: a constructable stylesheet, like the loader's (CSP style-src allows
// only Chinwag's stylesheet, which knows nothing of features)
function addStyle(css) {
  const sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
}

// what a chunk gets from the core chat: a chunk exports `default(rt)` returning its place's parts,
// so chunks import nothing of the core and the core stays one file (no shared chunk to fetch);
// `t` is the core's translator, so chunks have the widget's strings in every shipped language
const RT = { h, useEffect, useRef, useState, Link, safeHref, addStyle, t: translator() };

export class Features {
  constructor(client) {
    this.client = client;
    this.list = [];
    this.revision = 0;
    this.mods = {};
    // the composer's hooks for features: key handlers, textarea attributes, draft listeners
    this.keys = [];
    this.attrs = {};
    this.started = {};
  }

  set(data) {
    if (!data || !Array.isArray(data.features)) return;
    this.revision = data.revision || 0;
    this.list = data.features.filter((f) => CHUNKS[f.type]);
    for (const f of this.list) {
      if (this.mods[f.type]) continue;
      this.mods[f.type] = { pending: true };
      CHUNKS[f.type]().then(
        (m) => {
          this.mods[f.type] = m.default(RT);
          this.sync();
        },
        () => delete this.mods[f.type],
      );
    }
    this.sync();
  }

  // start what was declared and has arrived, stop what is no longer declared (a plugin toggled off)
  sync() {
    const now = {};
    for (const [f, m] of this.all()) {
      now[f.id] = this.started[f.id] || { stop: (m.start && m.start(f, this.client, this)) || null };
    }
    for (const id in this.started) if (!now[id] && this.started[id].stop) this.started[id].stop();
    this.started = now;
    this.client.changed();
  }

  // the declared features of one place whose code has arrived
  of(type) {
    const m = this.mods[type];
    return m && !m.pending ? this.list.filter((f) => f.type === type).map((f) => [f, m]) : [];
  }

  all() {
    return Object.keys(CHUNKS).flatMap((type) => this.of(type));
  }

  // what one slot of the chat shows: every loaded feature module's renderer for it
  slot(name, props) {
    return this.all()
      .filter(([, m]) => m[name])
      .map(([f, m]) => h(m[name], { ...props, key: f.id, feature: f, client: this.client, features: this }));
  }
}
