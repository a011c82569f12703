// Traffic: a generator panel (from, path or URL, user, rate, duration) and a live tail of every proxy's access log.
'use strict';
(() => {
  let cursor = '';
  const MAX_ROWS = 300;

  let filled = null;

  /** On a multi-cluster mesh a source is NAME@CLUSTER (sleep@cluster2, ingress@cluster2), as scenarios name it. */
  function fillSelects() {
    const from = document.getElementById('tg-from');
    const wl = document.getElementById('log-workload');
    if (!MB.mesh || filled === MB.mesh) return;
    filled = MB.mesh;
    MB.clear(from);
    while (wl.options.length > 1) wl.remove(1);
    const clusters = (MB.mesh.clusters || []).map(c => c.name);
    if (!clusters.length) from.appendChild(MB.el('option', { value: 'ingress' }, 'ingress (outside the mesh)'));
    clusters.forEach(c => from.appendChild(MB.el('option', { value: 'ingress@' + c }, `ingress of ${c} (outside the mesh)`)));
    const sources = [...new Set(MB.mesh.pods.filter(p => p.kind === 'sidecar').map(p => clusters.length ? p.app + '@' + p.cluster : p.app))].sort();
    sources.forEach(a => from.appendChild(MB.el('option', { value: a }, a.replace('@', "'s sidecar in ").replace(/^([^']*)$/, "$1's sidecar"))));
    [...new Set(MB.mesh.pods.map(p => p.workload))].sort().forEach(w => wl.appendChild(MB.el('option', { value: w }, w)));
  }

  function wire() {
    const from = document.getElementById('tg-from');
    const wl = document.getElementById('log-workload');
    from.addEventListener('change', () => {
      const t = document.getElementById('tg-target');
      const name = from.value.replace(/@.*$/, '');
      if (name === 'ingress' && !t.value.startsWith('/')) t.value = '/productpage';
      if (name !== 'ingress' && t.value.startsWith('/')) t.value = name === 'productpage' ? 'http://reviews:9080/reviews/0'
        : name === 'sleep' && MB.mesh.pods.some(p => p.app === 'helloworld') ? 'http://helloworld.sample:5000/hello' : 'http://httpbin:8000/get';
    });
    wl.addEventListener('change', () => { cursor = ''; MB.clear(document.querySelector('#access-log tbody')); tail(); });
  }

  async function start(ev) {
    ev.preventDefault();
    const err = document.getElementById('tg-error');
    err.textContent = '';
    const body = {
      from: document.getElementById('tg-from').value, target: document.getElementById('tg-target').value,
      user: document.getElementById('tg-user').value, rate: parseFloat(document.getElementById('tg-rate').value),
      seconds: parseFloat(document.getElementById('tg-seconds').value),
    };
    const r = await MB.api('POST', '/api/traffic', body);
    if (!r.ok) err.textContent = r.body.error;
    generators();
  }

  async function generators() {
    const list = await MB.get('/api/traffic');
    const box = MB.clear(document.getElementById('generators'));
    for (const g of list) {
      box.appendChild(MB.el('div', { class: 'card generator', 'data-id': g.id, 'data-state': g.state },
        MB.el('span', { class: 'badge ' + (g.state === 'running' ? 'running' : g.state === 'error' ? 'error' : '') }, g.state), ' ',
        MB.el('b', {}, g.target), ` from ${g.from}` + (g.user ? ` as ${g.user}` : '') + ` · ${g.rate}/s for ${g.seconds} s · sent ${g.sent}/${g.planned}`,
        Object.keys(g.statuses).length ? MB.el('div', { class: 'muted' }, 'status codes: ' + Object.entries(g.statuses).map(([c, n]) => c + ' × ' + n).join(', ')) : null,
        g.error ? MB.el('div', { class: 'error' }, g.error) : null,
        g.state === 'running' ? MB.el('button', { class: 'small', onclick: async () => { await MB.api('DELETE', '/api/traffic/' + g.id); generators(); } }, 'Stop') : null));
    }
  }

  async function tail() {
    if (document.getElementById('log-pause').checked) return;
    const wl = document.getElementById('log-workload').value;
    const page = await MB.get('/api/access-log?limit=200' + (cursor ? '&since=' + encodeURIComponent(cursor) : '') + (wl ? '&workload=' + encodeURIComponent(wl) : ''));
    cursor = page.cursor;
    const body = document.querySelector('#access-log tbody');
    for (const e of page.entries) {
      const flagged = e.flags && e.flags !== '-';
      body.insertBefore(MB.el('tr', { class: 'entry' + (flagged ? ' flagged' : '') + (e.code >= 500 || e.code === 0 ? ' err' : ''), 'data-flags': e.flags, 'data-code': e.code },
        MB.el('td', {}, e.time.replace(/^.*T/, '').replace(/Z$/, '')), MB.el('td', { title: e.pod }, e.workload), MB.el('td', {}, e.direction === 'inbound' ? 'in' : 'out'),
        MB.el('td', { title: 'x-request-id ' + e.requestId }, `${e.method} ${e.authority}${e.path}`), MB.el('td', { class: 'code' }, String(e.code)),
        MB.el('td', { class: 'flags', title: MB.flagTitle(e.flags) }, e.flags || '-'), MB.el('td', {}, String(e.durationMs)),
        MB.el('td', { class: 'muted' }, e.upstreamCluster)), body.firstChild);
      // A refusal by the proxy itself: which policy and rule decided, and who called, under its line.
      if (e.denial) body.insertBefore(MB.el('tr', { class: 'denial', 'data-seq': e.seq },
        MB.el('td', { colspan: 8, class: 'why', title: e.details }, 'why: ' + e.denial)), body.firstChild.nextSibling);
    }
    while (body.children.length > MAX_ROWS) body.removeChild(body.lastChild);
    while (body.lastChild && body.lastChild.classList.contains('denial')) body.removeChild(body.lastChild);
  }

  window.addEventListener('DOMContentLoaded', () => { document.getElementById('traffic-form').addEventListener('submit', start); wire(); });

  MB.tabs.traffic = {
    show: () => { fillSelects(); MB.every('traffic', 2000, async () => { await generators(); await tail(); }); },
    hide: () => MB.stop('traffic'),
    meshChanged: () => fillSelects(),
  };
})();
