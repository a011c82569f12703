// MeshBox UI: shared helpers, tabs and polling. Each tab's script registers itself in MB.tabs.
'use strict';
const MB = {
  tabs: {},
  mesh: null,
  timers: {},

  /** Calls the API; resolves to {status, ok, body} with the JSON body, whatever the status. */
  async api(method, path, body) {
    const opts = { method, headers: {} };
    if (method !== 'GET') opts.headers['Content-Type'] = 'application/json'; // the API refuses changes without it
    if (body !== undefined) opts.body = JSON.stringify(body);
    const r = await fetch(path, opts);
    const text = await r.text();
    let json = null;
    try { json = text ? JSON.parse(text) : null; } catch (e) { json = { error: text }; }
    return { status: r.status, ok: r.ok, body: json };
  },

  async get(path) {
    const r = await MB.api('GET', path);
    if (!r.ok) throw new Error((r.body && r.body.error) || ('HTTP ' + r.status));
    return r.body;
  },

  /** el('div', {class: 'x', onclick: f}, 'text', child...) */
  el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v === true ? '' : v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  },

  svg(tag, attrs, ...children) {
    const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined) continue;
      if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v);
    }
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined) continue;
      e.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    }
    return e;
  },

  clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; },

  pct(x) { return (x * 100).toFixed(x > 0 && x < 0.1 ? 1 : 0) + ' %'; },

  /** Envoy's response flags with their meanings, from /api/mesh (the server keeps the one list). */
  FLAGS: {},

  flagTitle(flags) {
    return (flags || '').split(',').map(f => MB.FLAGS[f] ? f + ': ' + MB.FLAGS[f] : '').filter(Boolean).join('; ');
  },

  banner(text) {
    const b = document.getElementById('banner');
    b.textContent = text || '';
    b.classList.toggle('hidden', !text);
  },

  /** Runs fn now and every ms while the tab is shown (and 'always' timers regardless). */
  every(name, ms, fn) {
    clearInterval(MB.timers[name]);
    const run = () => fn().catch(e => console.warn(name, e));
    run();
    MB.timers[name] = setInterval(run, ms);
  },

  stop(name) { clearInterval(MB.timers[name]); delete MB.timers[name]; },

  show(tab) {
    if (!MB.tabs[tab]) tab = 'topology';
    for (const [name, t] of Object.entries(MB.tabs)) {
      document.getElementById('tab-' + name).classList.toggle('hidden', name !== tab);
      if (name !== tab && t.hide) t.hide();
    }
    document.querySelectorAll('#tabs a').forEach(a => a.classList.toggle('active', a.dataset.tab === tab));
    if (MB.tabs[tab].show) MB.tabs[tab].show();
  },
};

/** Reads /api/mesh again (a lesson with clusters brings its own mesh up) and shows it in the header. */
MB.loadMesh = async () => {
  MB.mesh = await MB.get('/api/mesh');
  MB.FLAGS = MB.mesh.responseFlags || {};
  const s = document.getElementById('mesh-summary');
  const clusters = MB.mesh.clusters || [];
  s.textContent = clusters.length
    ? `${clusters.length} clusters (${MB.mesh.multicluster}): ` + clusters.map(c => `${c.name}${c.network ? ' on ' + c.network : ''} · ingress ${c.ingress} · xDS :${c.xdsPort}`).join(' | ')
      + ' · ' + MB.mesh.pods.length + ' proxies'
    : 'workloads ' + MB.mesh.workloads.join(', ') + ' · ' + MB.mesh.pods.length + ' proxies · ingress ' + MB.mesh.ingress + ' · xDS :' + MB.mesh.xdsPort;
  s.setAttribute('data-clusters', clusters.map(c => c.name).join(','));
  Object.values(MB.tabs).forEach(t => t.meshChanged && t.meshChanged());
};

window.addEventListener('hashchange', () => MB.show(location.hash.slice(1)));
window.addEventListener('DOMContentLoaded', async () => {
  try {
    await MB.loadMesh();
  } catch (e) {
    MB.banner('The mesh does not answer: ' + e.message);
  }
  MB.show(location.hash.slice(1) || 'topology');
});
