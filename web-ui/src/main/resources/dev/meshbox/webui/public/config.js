// Config: the applied Istio resources, a YAML editor whose problems are marked at their line, and per proxy its
// ACK state and the xDS resources it holds (as istioctl proxy-status and proxy-config show them).
'use strict';
(() => {
  const editor = () => document.getElementById('yaml-editor');
  let errorLines = new Set();

  function paint() {
    const text = editor().value;
    const lines = text.split('\n');
    const gutter = MB.clear(document.getElementById('yaml-gutter'));
    const backdrop = MB.clear(document.getElementById('yaml-backdrop'));
    lines.forEach((line, i) => {
      const n = i + 1;
      gutter.appendChild(MB.el('div', { class: 'line' + (errorLines.has(n) ? ' error' : ''), 'data-line': n }, String(n)));
      backdrop.appendChild(errorLines.has(n) ? MB.el('span', { class: 'hl', 'data-line': n }, line || ' ') : document.createTextNode(line));
      backdrop.appendChild(document.createTextNode('\n'));
    });
    sync();
  }

  function sync() {
    document.getElementById('yaml-gutter').scrollTop = editor().scrollTop;
    const b = document.getElementById('yaml-backdrop');
    b.scrollTop = editor().scrollTop;
    b.scrollLeft = editor().scrollLeft;
  }

  function goToLine(n) {
    const lines = editor().value.split('\n');
    const start = lines.slice(0, n - 1).reduce((s, l) => s + l.length + 1, 0);
    editor().focus();
    editor().setSelectionRange(start, start + (lines[n - 1] || '').length);
    editor().scrollTop = Math.max(0, (n - 5) * 18);
    sync();
  }

  async function apply() {
    const out = document.getElementById('apply-result');
    const problems = MB.clear(document.getElementById('apply-problems'));
    out.textContent = 'applying ...';
    const r = await MB.api('POST', '/api/config/apply' + clusterQuery(), { yaml: editor().value, name: document.getElementById('yaml-name').value });
    errorLines = new Set();
    if (r.status === 200) {
      out.textContent = r.body.changes.join(' · ') + ' — every proxy ACKed it';
      out.className = 'ok';
    } else if (r.status === 422) {
      out.textContent = 'Rejected: nothing was applied; the mesh keeps serving its previous config.';
      out.className = 'error';
      for (const p of r.body.problems) {
        if (p.line > 0) errorLines.add(p.line);
        problems.appendChild(MB.el('li', { class: 'problem', 'data-line': p.line, onclick: () => p.line > 0 && goToLine(p.line) },
          p.line > 0 ? MB.el('b', {}, 'line ' + p.line + ': ') : null, p.resource ? p.resource + ': ' : '',
          p.field ? MB.el('span', { class: 'field' }, p.field) : null, p.field ? ': ' : '', p.message));
      }
      if (errorLines.size) goToLine([...errorLines][0]);
    } else {
      out.textContent = (r.body && r.body.error) || 'HTTP ' + r.status;
      out.className = 'error';
    }
    paint();
    refresh();
  }

  /** A Gateway API resource's status, as Istio writes it: one badge per condition, the message on hover. */
  function conditions(r) {
    if (!r.status || !r.status.length) return '';
    return MB.el('div', { class: 'conditions' }, r.status.map(c =>
      MB.el('span', { class: 'badge condition ' + (c.ok ? 'ok' : 'failing'), title: (c.parent ? c.parent + ': ' : '') + c.message },
        c.type + '=' + (c.ok ? 'True' : 'False') + (c.ok ? '' : ' (' + c.reason + ')'))));
  }

  /** On a multi-cluster mesh each cluster has its own control plane and config: ?cluster=NAME, chosen above. */
  function clusterQuery() {
    const sel = document.getElementById('config-cluster');
    return sel && sel.value ? '?cluster=' + encodeURIComponent(sel.value) : '';
  }

  function clusterSelect() {
    const clusters = (MB.mesh && MB.mesh.clusters) || [];
    let sel = document.getElementById('config-cluster');
    if (!clusters.length) { if (sel) sel.parentNode.remove(); return; }
    if (sel && sel.dataset.clusters === clusters.map(c => c.name).join(',')) return;
    if (sel) sel.parentNode.remove();
    sel = MB.el('select', { id: 'config-cluster', 'data-clusters': clusters.map(c => c.name).join(','), onchange: () => { MB.clear(document.getElementById('proxy-config')); refresh(); } },
      clusters.map(c => MB.el('option', { value: c.name }, `${c.name}${c.network ? ' (' + c.network + ')' : ''}: its istiod on :${c.xdsPort}`)));
    const box = MB.el('p', { class: 'cluster-choice' }, 'Cluster ', sel,
      MB.el('span', { class: 'muted' }, ' each cluster has its own control plane and config; Apply here applies to this cluster only, as kubectl --context does.'));
    const col = document.querySelector('#tab-config .col');
    col.insertBefore(box, col.firstChild);
  }

  async function refresh() {
    clusterSelect();
    const q = clusterQuery();
    const [cfg, proxies] = await Promise.all([MB.get('/api/config' + q), MB.get('/api/proxies' + q)]);
    const body = MB.clear(document.querySelector('#resources tbody'));
    for (const r of cfg.resources) {
      body.appendChild(MB.el('tr', { class: 'clickable resource', 'data-name': r.name, 'data-kind': r.kind, onclick: () => edit(r) },
        MB.el('td', {}, r.kind), MB.el('td', {}, r.namespace + '/' + r.name, conditions(r)), MB.el('td', { class: 'muted' }, r.source),
        MB.el('td', {}, MB.el('button', { class: 'small', title: 'delete', onclick: ev => { ev.stopPropagation(); remove(r); } }, '✕'))));
    }
    if (!cfg.resources.length) body.appendChild(MB.el('tr', {}, MB.el('td', { colspan: 4, class: 'muted' }, 'none')));
    const w = MB.clear(document.getElementById('config-warnings'));
    cfg.warnings.forEach(x => w.appendChild(MB.el('div', { class: 'badge warn' }, x)));
    const pb = MB.clear(document.querySelector('#proxies tbody'));
    for (const p of proxies) {
      const cell = t => {
        const s = p.types[t];
        if (!s) return MB.el('td', { class: 'muted' }, '-');
        if (s.nackReason && !s.synced) return MB.el('td', { class: 'error', title: s.nackReason }, 'NACK ' + s.nacked);
        return MB.el('td', { class: s.synced ? 'ok' : 'muted', title: 'wanted ' + (s.wanted || 'nothing') + ', ACKed ' + (s.acked || 'none') },
          s.synced ? 'SYNCED' : 'STALE');
      };
      pb.appendChild(MB.el('tr', { class: 'clickable proxy', 'data-pod': p.pod, onclick: () => proxyConfig(p.pod) },
        MB.el('td', {}, p.workload, MB.el('div', { class: 'muted' }, p.pod)), ['LDS', 'RDS', 'CDS', 'EDS'].map(cell),
        MB.el('td', {}, p.connected ? '' : MB.el('span', { class: 'badge failing' }, 'not connected'))));
    }
  }

  function edit(r) {
    editor().value = r.yaml;
    document.getElementById('yaml-name').value = r.name + '.yaml';
    errorLines = new Set();
    MB.clear(document.getElementById('apply-problems'));
    paint();
  }

  async function remove(r) {
    const res = await MB.api('DELETE', `/api/config/${encodeURIComponent(r.kind)}/${encodeURIComponent(r.namespace)}/${encodeURIComponent(r.name)}` + clusterQuery());
    document.getElementById('apply-result').textContent = res.ok ? res.body.changes.join(' · ') : res.body.error;
    refresh();
  }

  async function proxyConfig(pod) {
    const box = MB.clear(document.getElementById('proxy-config'));
    const c = await MB.get('/api/proxies/' + encodeURIComponent(pod) + '/config');
    const t = c.tables;
    box.append(MB.el('h2', {}, 'proxy-config ' + pod, ' ', MB.el('a', { href: '/api/proxies/' + encodeURIComponent(pod) + '/config_dump', target: '_blank' }, 'config_dump')));
    if (c.proxy) box.appendChild(MB.el('p', { class: c.proxy.synced ? 'muted' : 'error' }, c.proxy.synced
      ? 'ACKed the latest version of every type: ' + Object.entries(c.proxy.types).map(([k, v]) => k + ' ' + v.acked).join(', ')
      : 'Not in sync: ' + Object.entries(c.proxy.types).filter(([, v]) => !v.synced).map(([k, v]) => `${k} wants ${v.wanted}, ACKed ${v.acked || 'none'}`
        + (v.nackReason ? `, NACKed: ${v.nackReason}` : '')).join('; ')));
    box.appendChild(certificate(c.certificate || {}));
    box.append(section('Listeners', ['name', 'address', 'port', 'match', 'destination'], t.listeners.map(l => [l.name, l.address, l.port, l.match, l.destination])),
      section('Routes', ['route', 'virtual host', 'domains', 'match', 'action', 'rule'], t.routes.map(r => [r.routeConfig, r.virtualHost, r.domains, r.match, r.action, r.rule])),
      section('Clusters', ['fqdn', 'port', 'subset', 'direction', 'type', 'policy'], t.clusters.map(x => [x.fqdn, x.port, x.subset, x.direction, x.type, x.policy])),
      section('Endpoints', ['endpoint', 'status', 'cluster'], t.endpoints.map(e => [e.endpoint, e.status, e.cluster])));
  }

  /** The workload certificate the proxy presents (from its /certs), as istioctl proxy-config secret lists it. */
  function certificate(c) {
    const div = MB.el('div', { class: 'proxy-table', 'data-table': 'certificate' }, MB.el('h3', {}, 'Certificate'));
    if (!c.workload) { div.appendChild(MB.el('p', { class: 'muted' }, c.none || 'no workload certificate')); return div; }
    const w = c.workload;
    const rows = [['identity', w.identity], ['serial', w.serial], ['valid from', w.validFrom], ['expires', `${w.expires} (${w.expiresIn})`]];
    (c.roots || []).forEach(r => rows.push(['root', `serial ${r.serial}, expires ${r.expires} (${r.expiresIn})`]));
    div.appendChild(MB.el('table', { class: 'grid cert' }, rows.map(([k, v]) => MB.el('tr', { 'data-field': k }, MB.el('th', {}, k), MB.el('td', {}, String(v))))));
    return div;
  }

  function section(title, head, rows) {
    return MB.el('div', { class: 'proxy-table', 'data-table': title.toLowerCase() }, MB.el('h3', {}, `${title} (${rows.length})`),
      MB.el('table', { class: 'grid' }, MB.el('tr', {}, head.map(h => MB.el('th', {}, h))), rows.map(r => MB.el('tr', {}, r.map(v => MB.el('td', {}, String(v)))))));
  }

  window.addEventListener('DOMContentLoaded', () => {
    editor().addEventListener('input', () => { errorLines = new Set(); paint(); });
    editor().addEventListener('scroll', sync);
    document.getElementById('apply-yaml').addEventListener('click', apply);
    document.getElementById('config-reset').addEventListener('click', async () => {
      const r = await MB.api('POST', '/api/config/reset' + clusterQuery());
      document.getElementById('apply-result').textContent = r.ok ? 'Reset: only the mesh\'s own config is left.' : r.body.error;
      refresh();
    });
    paint();
  });

  MB.tabs.config = {
    show: () => MB.every('config', 5000, refresh),
    hide: () => MB.stop('config'),
  };
})();
