// Dashboards: Istio's Grafana dashboards' main panels (mesh, service, workload) from /api/dashboards/*, drawn as SVG.
// The numbers come from the UI's own scrape of every proxy's 15090, or from Prometheus when it runs (source select).
'use strict';
(() => {
  const COLORS = ['#0066cc', '#3e8635', '#ec7a08', '#c9190b', '#5e40be', '#009596', '#8a8d90'];
  let index = null;

  const fmt = {
    'req/s': v => v === null || v === undefined ? '-' : v.toFixed(v < 10 ? 2 : 1) + ' req/s',
    '%': v => v === null || v === undefined ? '-' : (v * 100).toFixed(v > 0.999 || v === 0 ? 0 : 1) + ' %',
    ms: v => v === null || v === undefined ? '-' : v.toFixed(v < 10 ? 2 : 0) + ' ms',
    'B/s': v => v === null || v === undefined ? '-' : (v < 1024 ? v.toFixed(0) + ' B/s' : (v / 1024).toFixed(1) + ' KiB/s'),
  };

  /** A line chart: one SVG path per series, a gap where a point has no value (null). */
  MB.lineChart = function (times, series, unit, opts) {
    const o = Object.assign({ width: 460, height: 150, title: '' }, opts || {});
    const L = 54, R = 8, T = 18, B = 20, w = o.width - L - R, h = o.height - T - B;
    const all = series.flatMap(s => s.values).filter(v => v !== null);
    const max = unit === '%' ? 1 : Math.max(1e-9, ...all) * 1.1;
    const t0 = times[0], t1 = times[times.length - 1] || t0 + 1;
    const x = t => L + ((t - t0) / Math.max(1, t1 - t0)) * w, y = v => T + h - (v / max) * h;
    const svg = MB.svg('svg', { class: 'chart line', viewBox: `0 0 ${o.width} ${o.height}`, width: o.width, height: o.height, 'data-unit': unit });
    if (o.title) svg.appendChild(MB.svg('text', { x: L, y: 12, class: 'title' }, o.title));
    svg.appendChild(MB.svg('line', { class: 'axis', x1: L, y1: T + h, x2: L + w, y2: T + h }));
    svg.appendChild(MB.svg('line', { class: 'axis', x1: L, y1: T, x2: L, y2: T + h }));
    svg.appendChild(MB.svg('text', { x: L - 4, y: T + 4, 'text-anchor': 'end' }, fmt[unit] ? fmt[unit](max).replace(/ .*/, '') : max.toFixed(1)));
    svg.appendChild(MB.svg('text', { x: L - 4, y: T + h, 'text-anchor': 'end' }, '0'));
    const time = t => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
    svg.appendChild(MB.svg('text', { x: L, y: o.height - 4 }, time(t0)));
    svg.appendChild(MB.svg('text', { x: L + w, y: o.height - 4, 'text-anchor': 'end' }, time(t1)));
    series.forEach((s, i) => {
      let d = '', pen = 'M';
      s.values.forEach((v, j) => {
        if (v === null) { pen = 'M'; return; }
        d += `${pen}${x(times[j]).toFixed(1)},${y(Math.min(v, max)).toFixed(1)} `;
        pen = 'L';
      });
      const last = [...s.values].reverse().find(v => v !== null);
      svg.appendChild(MB.svg('path', { d: d.trim(), stroke: COLORS[i % COLORS.length], 'data-series': s.name,
        'data-last': last === undefined ? '' : last }, MB.svg('title', {}, s.name)));
    });
    const legend = MB.el('div', { class: 'chart-legend' }, series.map((s, i) => {
      const last = [...s.values].reverse().find(v => v !== null);
      return MB.el('span', {}, MB.el('i', { class: 'sw', style: `background:${COLORS[i % COLORS.length]}` }), ` ${s.name} ${fmt[unit] ? fmt[unit](last) : ''}`);
    }));
    return MB.el('div', { class: 'panel chart-panel' }, svg, legend);
  };

  function stat(id, label, value, unit) {
    return MB.el('div', { class: 'stat', 'data-stat': id, 'data-value': value === null || value === undefined ? '' : String(value) },
      MB.el('div', { class: 'label' }, label), MB.el('div', { class: 'value' }, fmt[unit](value)));
  }

  function stats(s, withLatency) {
    const tiles = [stat('requests', 'Requests', s.requests, 'req/s'), stat('successRate', 'Success rate (non-5xx)', s.successRate, '%'),
      stat('4xx', '4xxs', s['4xx'], 'req/s'), stat('5xx', '5xxs', s['5xx'], 'req/s')];
    if (withLatency) ['p50', 'p90', 'p99'].forEach(p => tiles.push(stat(p, p.toUpperCase() + ' latency', s[p], 'ms')));
    return MB.el('div', { class: 'stats' }, tiles);
  }

  /** A table of rows; columns [key, title, unit or null]. */
  function table(id, title, columns, rows, empty) {
    const t = MB.el('table', { class: 'grid', 'data-table': id },
      MB.el('thead', {}, MB.el('tr', {}, columns.map(([, c]) => MB.el('th', {}, c)))),
      MB.el('tbody', {}, rows.map(r => MB.el('tr', { 'data-row': columns.filter(([, , u]) => !u).map(([k]) => r[k]).join('/') },
        columns.map(([k, , u]) => MB.el('td', { 'data-col': k, 'data-value': r[k] === null || r[k] === undefined ? '' : String(r[k]) },
          u ? fmt[u](r[k]) : (r[k] || '-')))))));
    return MB.el('div', { class: 'panel' }, MB.el('h3', {}, title), rows.length ? t : MB.el('p', { class: 'muted' }, empty || 'No data.'));
  }

  const HTTP_COLS = [['requests', 'Requests', 'req/s'], ['p50', 'P50', 'ms'], ['p90', 'P90', 'ms'], ['p99', 'P99', 'ms'], ['successRate', 'Success rate', '%']];

  function charts(d) {
    return MB.el('div', { class: 'charts' }, d.charts.map(c => {
      const panel = MB.lineChart(d.times, c.series, c.unit, { title: c.title });
      panel.setAttribute('data-chart', c.id);
      return panel;
    }));
  }

  function split(rows) {
    const box = MB.el('div', { class: 'panel', 'data-table': 'byVersion' }, MB.el('h3', {}, 'Requests by destination version'));
    if (!rows.length) {
      box.appendChild(MB.el('p', { class: 'muted' }, 'No data.'));
      return box;
    }
    rows.forEach((r, i) => box.appendChild(MB.el('div', { class: 'split-row', 'data-row': r.destination_version || r.destination_workload,
      'data-share': r.share === null ? '' : String(r.share) },
    MB.el('span', { class: 'name' }, `${r.destination_workload} (${r.destination_version || '-'})`),
    MB.el('span', { class: 'bar' }, MB.el('i', { style: `width:${((r.share || 0) * 100).toFixed(1)}%;background:${COLORS[i % COLORS.length]}` })),
    MB.el('span', { class: 'num' }, `${fmt['%'](r.share)} · ${fmt['req/s'](r.requests)}`))));
    return box;
  }

  function render(d) {
    const body = MB.clear(document.getElementById('dash-body'));
    const title = d.dashboard === 'service' ? d.service : d.dashboard === 'workload' ? `${d.workload}.${d.namespace}` : 'the mesh';
    body.append(MB.el('h2', {}, `${d.title}: ${title}`),
      MB.el('p', { class: 'muted', id: 'dash-note' }, `rate() over ${d.rate}, a point every ${d.stepSeconds} s over ${d.windowSeconds / 60} min, from `
        + (d.source === 'prometheus' ? 'Prometheus (127.0.0.1:9090)' : "MeshBox's own scrape of every proxy's :15090/stats/prometheus")));
    if (d.dashboard === 'mesh') {
      body.append(stats(d.stats, false), charts(d),
        table('http', 'HTTP/gRPC workloads', [['destination_service', 'Service'], ['destination_workload', 'Workload'],
          ['destination_workload_namespace', 'Namespace'], ...HTTP_COLS], d.http),
        table('tcp', 'TCP workloads', [['destination_service', 'Service'], ['destination_workload', 'Workload'],
          ['destination_workload_namespace', 'Namespace'], ['sentBytes', 'Bytes sent', 'B/s'], ['receivedBytes', 'Bytes received', 'B/s']], d.tcp));
    } else if (d.dashboard === 'service') {
      body.append(stats(d.stats, true), charts(d), split(d.byVersion),
        table('bySource', 'Incoming requests by source workload', [['source_workload', 'Source workload'], ['source_workload_namespace', 'Namespace'], ...HTTP_COLS], d.bySource),
        table('tcp', 'TCP bytes by source workload', [['source_workload', 'Source workload'], ['source_workload_namespace', 'Namespace'],
          ['sentBytes', 'Bytes sent', 'B/s'], ['receivedBytes', 'Bytes received', 'B/s']], d.tcp));
    } else {
      body.append(MB.el('h3', {}, 'Inbound (as its own sidecar reports it)'), stats(d.stats, true), charts(d),
        table('inbound', 'Inbound requests by source workload', [['source_workload', 'Source workload'], ['source_workload_namespace', 'Namespace'], ...HTTP_COLS], d.inbound),
        table('outbound', 'Outbound requests by destination service', [['destination_service', 'Destination service'], ...HTTP_COLS], d.outbound),
        table('tcp', 'Inbound TCP bytes by source workload', [['source_workload', 'Source workload'], ['source_workload_namespace', 'Namespace'],
          ['sentBytes', 'Bytes sent', 'B/s'], ['receivedBytes', 'Bytes received', 'B/s']], d.tcp));
    }
  }

  function val(id) { return document.getElementById(id).value; }

  function query() {
    const kind = val('dash-kind');
    const p = new URLSearchParams({ window: val('dash-window'), rate: val('dash-rate'), source: val('dash-source') });
    if (kind === 'service') p.set('service', val('dash-service'));
    if (kind === 'workload') { const [ns, wl] = val('dash-workload').split('/'); p.set('workload', wl); p.set('namespace', ns); }
    return `/api/dashboards/${kind}?${p}`;
  }

  async function loadIndex() {
    index = await MB.get('/api/dashboards');
    const fill = (id, items, value, label) => {
      const sel = document.getElementById(id), keep = sel.value;
      MB.clear(sel);
      items.forEach(i => sel.appendChild(MB.el('option', { value: value(i) }, label(i))));
      if (keep && items.some(i => value(i) === keep)) sel.value = keep;
    };
    fill('dash-service', index.services, s => s, s => s);
    fill('dash-workload', index.workloads, w => w.namespace + '/' + w.workload, w => w.workload + '.' + w.namespace);
    document.querySelector('#dash-source option[value=prometheus]').disabled = !index.sources.prometheus;
  }

  async function refresh() {
    if (!index) await loadIndex();
    const kind = val('dash-kind');
    document.getElementById('dash-service').classList.toggle('hidden', kind !== 'service');
    document.getElementById('dash-workload').classList.toggle('hidden', kind !== 'workload');
    const r = await MB.api('GET', query());
    const status = document.getElementById('dash-status');
    if (!r.ok) { status.textContent = r.body.error; status.className = 'error'; return; }
    status.textContent = 'updated ' + new Date().toLocaleTimeString();
    status.className = 'muted';
    render(r.body);
  }

  // Redrawn as often as the proxies are scraped (5 s by default), at most every 2 s.
  let lastRun = 0;
  async function tick() {
    const every = index ? Math.max(2000, index.scrapeSeconds * 1000) : 0;
    if (Date.now() - lastRun < every - 100) return;
    lastRun = Date.now();
    await refresh();
  }

  /** Opens a dashboard from elsewhere (the topology's side panel). */
  MB.openDashboard = function (kind, value) {
    document.getElementById('dash-kind').value = kind;
    location.hash = 'dashboards';
    setTimeout(() => {
      if (kind === 'service') document.getElementById('dash-service').value = value;
      if (kind === 'workload') document.getElementById('dash-workload').value = value;
      refresh().catch(e => console.warn(e));
    }, 300);
  };

  // The topology's side panel: a node's requests, success rate and P99 over the last 5 minutes (rates over a minute,
  // as Kiali's side panel shows them), and its traces.
  const nodes = {};

  function nodeQuery(node) {
    if (node.kind === 'service') return { kind: 'service', value: `${node.label}.${node.namespace}.svc.cluster.local`,
      url: '/api/dashboards/service?' + new URLSearchParams({ service: `${node.label}.${node.namespace}.svc.cluster.local`, window: '5m', rate: '1m' }) };
    if ((node.kind === 'workload' || node.kind === 'gateway') && node.namespace) return { kind: 'workload', value: `${node.namespace}/${node.label}`,
      url: '/api/dashboards/workload?' + new URLSearchParams({ workload: node.label, namespace: node.namespace, window: '5m', rate: '1m' }) };
    return null;
  }

  function drawNode(holder, node, c) {
    MB.clear(holder);
    const q = nodeQuery(node), d = c.data;
    if (d) {
      const [requests, success, duration] = d.charts;
      const small = { width: 276, height: 110 };
      holder.append(MB.el('h3', {}, node.kind === 'service' ? 'As its callers report it' : 'Inbound, as its sidecar reports it'),
        MB.lineChart(d.times, requests.series, 'req/s', Object.assign({ title: 'Requests' }, small)),
        MB.lineChart(d.times, success.series, '%', Object.assign({ title: 'Success rate' }, small)),
        MB.lineChart(d.times, duration.series.filter(s => s.name === 'P99'), 'ms', Object.assign({ title: 'P99 latency' }, small)),
        MB.el('p', {}, MB.el('a', { href: '#dashboards', id: 'node-dashboard', onclick: e => { e.preventDefault(); MB.openDashboard(q.kind, q.value); } },
          `Open the ${q.kind} dashboard`)));
    }
    const app = node.app || node.label;
    holder.append(c.zipkin
      ? MB.el('p', {}, MB.el('a', { id: 'node-traces', target: '_blank', rel: 'noopener', href: `${c.zipkin}/zipkin/?serviceName=${encodeURIComponent(app + '.' + node.namespace)}` },
        `Recent traces of ${app}.${node.namespace} in Zipkin`))
      : MB.el('p', { class: 'muted', id: 'node-traces-off' }, 'Traces: Zipkin is not running. Start the mesh with ./meshbox up --tracing to follow this node\'s requests in Zipkin.'));
  }

  MB.nodeCharts = function (node, box) {
    const q = nodeQuery(node);
    if (!q) return;
    const holder = MB.el('div', { id: 'node-charts', 'data-node': node.id });
    box.appendChild(holder);
    const c = nodes[node.id];
    if (c) drawNode(holder, node, c);
    if (c && (c.loading || Date.now() - c.at < 5000)) return;
    nodes[node.id] = Object.assign(c || {}, { loading: true });
    Promise.all([MB.get(q.url), MB.get('/api/dashboards')]).then(([data, idx]) => {
      nodes[node.id] = { at: Date.now(), data, zipkin: idx.zipkin, loading: false };
      const shown = document.getElementById('node-charts');
      if (shown && shown.dataset.node === node.id) drawNode(shown, node, nodes[node.id]);
    }).catch(e => { nodes[node.id].loading = false; console.warn('node charts', e); });
  };

  window.addEventListener('DOMContentLoaded', () => {
    ['dash-kind', 'dash-service', 'dash-workload', 'dash-window', 'dash-rate', 'dash-source'].forEach(id =>
      document.getElementById(id).addEventListener('change', () => refresh().catch(e => console.warn(e))));
  });

  MB.tabs.dashboards = {
    show: () => { index = null; lastRun = 0; MB.every('dashboards', 1000, tick); },
    hide: () => MB.stop('dashboards'),
  };
})();
