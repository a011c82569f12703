// Topology: services, versions and the gateway as a layered graph (callers left, callees right), redrawn from
// /api/topology every 2 s. Edges carry the rate, 5xx share, flags and, from a service to its versions, the split.
'use strict';
(() => {
  const COL = 190, ROW = 86, R = 18;
  let selected = null;
  let last = null;

  /** Longest-path layers from the callers, then one barycenter sweep to keep edges short. Deterministic. */
  function layout(nodes, edges) {
    const inn = {}, kindOrder = { gateway: 0, workload: 1, service: 2, unknown: 3 };
    nodes.forEach(n => { inn[n.id] = []; });
    edges.forEach(e => { if (inn[e.target] && inn[e.source] && e.source !== e.target) inn[e.target].push(e.source); });
    const layer = {}, onStack = new Set();
    const depth = id => {
      if (layer[id] !== undefined) return layer[id];
      if (onStack.has(id)) return 0; // a cycle: cut it here
      onStack.add(id);
      let d = 0;
      for (const p of inn[id]) d = Math.max(d, depth(p) + 1);
      onStack.delete(id);
      return (layer[id] = d);
    };
    nodes.forEach(n => depth(n.id));
    const columns = [];
    [...nodes].sort((a, b) => (kindOrder[a.kind] - kindOrder[b.kind]) || a.label.localeCompare(b.label))
      .forEach(n => (columns[layer[n.id]] = columns[layer[n.id]] || []).push(n));
    const index = {};
    columns.forEach((col, c) => {
      if (c > 0) {
        const bary = n => {
          const ps = inn[n.id].filter(p => index[p] !== undefined);
          return ps.length ? ps.reduce((s, p) => s + index[p], 0) / ps.length : 1e6;
        };
        col.sort((a, b) => (bary(a) - bary(b)) || a.label.localeCompare(b.label));
      }
      col.forEach((n, i) => { index[n.id] = i; });
    });
    const clusters = [...new Set(nodes.map(n => n.cluster).filter(c => c))].sort();
    if (!clusters.length) {
      const rows = Math.max(1, ...columns.map(c => (c ? c.length : 0)));
      const pos = {};
      columns.forEach((col, c) => (col || []).forEach((n, i) => {
        pos[n.id] = { x: 80 + c * COL, y: 50 + (i + (rows - col.length) / 2) * ROW };
      }));
      return { pos, width: 160 + (columns.length - 1) * COL, height: 60 + rows * ROW, bands: [] };
    }
    // Several clusters: a band per cluster (with its network), the services between the first and the others, as one
    // name serves from every cluster. Columns stay the call order across all bands.
    const order = [clusters[0], '', ...clusters.slice(1)];
    const bandOf = n => n.cluster || '';
    const pos = {}, bands = [];
    let top = 30;
    for (const band of order) {
      const cols = columns.map(col => (col || []).filter(n => bandOf(n) === band));
      const rows = Math.max(0, ...cols.map(c => c.length));
      if (!rows) continue;
      cols.forEach((col, c) => col.forEach((n, i) => {
        pos[n.id] = { x: 80 + c * COL, y: top + 30 + (i + (rows - col.length) / 2) * ROW };
      }));
      const member = nodes.find(n => bandOf(n) === band && n.network);
      bands.push({ cluster: band, network: member ? member.network : '', y: top, height: rows * ROW + 10 });
      top += rows * ROW + 24;
    }
    return { pos, width: 160 + (columns.length - 1) * COL, height: top + 10, bands };
  }

  /** Kiali's lock: the destination sidecar saw the calls over mutual TLS (partial: some of them). */
  function lock(x, y, security, share) {
    return MB.svg('g', { class: 'lock ' + security, transform: `translate(${x},${y})` },
      MB.svg('path', { class: 'shackle', d: 'M-3.5,0 v-3 a3.5,3.5 0 0 1 7,0 v3' }),
      MB.svg('rect', { x: -5.5, y: 0, width: 11, height: 8, rx: 1.5 }),
      MB.svg('title', {}, security === 'partial' ? `mutual TLS for ${MB.pct(share)} of the calls` : 'mutual TLS'));
  }

  function shape(n) {
    if (n.kind === 'service') return MB.svg('polygon', { class: 'n-service', points: `0,${-R} ${R},${R * 0.8} ${-R},${R * 0.8}` });
    if (n.kind === 'gateway') return MB.svg('rect', { class: 'n-gateway', x: -R, y: -R, width: 2 * R, height: 2 * R, rx: 6 });
    if (n.kind === 'workload') return MB.svg('circle', { class: 'n-workload', r: R });
    return MB.svg('circle', { class: 'n-unknown', r: R });
  }

  /** Two lines: the share (of a service's split) and rate; then the 5xx share and flags, when there are any. */
  function edgeLabel(e) {
    if (e.requests === 0) return ['', ''];
    const rate = (e.kind === 'route' ? MB.pct(e.share) + ' · ' : '') + e.rps.toFixed(e.rps < 10 ? 1 : 0) + (e.kind === 'passthrough' ? ' conn/s' : ' rps');
    const bad = [];
    if (e.errorShare > 0) bad.push('5xx ' + MB.pct(e.errorShare));
    Object.entries(e.flags).forEach(([f, n]) => bad.push(f + ' ' + n));
    return [rate, bad.join(' · ')];
  }

  function render(g) {
    const svg = document.getElementById('topology');
    MB.clear(svg);
    const { pos, width, height, bands } = layout(g.nodes, g.edges);
    const w = Math.max(width, 700), h = Math.max(height, 300);
    svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
    svg.setAttribute('preserveAspectRatio', 'xMidYMin meet');
    const defs = MB.svg('defs');
    ['ok', 'degraded', 'failing', 'idle'].forEach(h => defs.appendChild(MB.svg('marker', { id: 'arrow-' + h, viewBox: '0 0 10 10', refX: 9, refY: 5,
      markerWidth: 7, markerHeight: 7, orient: 'auto-start-reverse' }, MB.svg('path', { d: 'M0,0 L10,5 L0,10 z', fill: `var(--${h})` }))));
    svg.appendChild(defs);
    const bandLayer = MB.svg('g'), edgeLayer = MB.svg('g'), nodeLayer = MB.svg('g');
    for (const b of bands) {
      bandLayer.appendChild(MB.svg('g', { class: 'band' + (b.cluster ? ' cluster' : ' shared'), 'data-cluster': b.cluster, 'data-network': b.network },
        MB.svg('rect', { x: 8, y: b.y, width: w - 16, height: b.height, rx: 10 }),
        MB.svg('text', { x: 18, y: b.y + 16 }, b.cluster ? `${b.cluster}${b.network ? ' · ' + b.network : ''}` : 'services (every cluster)')));
    }
    svg.appendChild(bandLayer);
    svg.appendChild(edgeLayer);
    svg.appendChild(nodeLayer);
    for (const e of g.edges) {
      const a = pos[e.source], b = pos[e.target];
      if (!a || !b) continue;
      const x1 = a.x + R + 2, x2 = b.x - R - 4, mx = (x1 + x2) / 2;
      const d = `M${x1},${a.y} C${mx},${a.y} ${mx},${b.y} ${x2},${b.y}`;
      const live = e.rps > 0 ? ' live' : '';
      const cross = e.crossCluster > 0 ? ' cross-cluster' : '';
      const grp = MB.svg('g', { class: `edge ${e.health}${live}${cross}${selected === e.id ? ' selected' : ''}`, 'data-id': e.id, 'data-source': e.source,
        'data-cross-cluster': e.crossCluster,
        'data-target': e.target, 'data-kind': e.kind, 'data-health': e.health, 'data-rps': e.rps.toFixed(2), 'data-share': e.share.toFixed(3),
        onclick: () => { selected = e.id; detail(); } },
      MB.svg('path', { class: 'hit', d }), MB.svg('path', { d, 'marker-end': `url(#arrow-${e.health})` }),
      MB.svg('title', {}, `${e.source.slice(e.source.indexOf(':') + 1)} → ${e.target.slice(e.target.indexOf(':') + 1)}: ${e.total} requests since start`));
      if (e.security === 'mutual_tls' || e.security === 'partial') grp.appendChild(lock(x1 + 14, a.y - 14, e.security, e.mtlsShare));
      grp.setAttribute('data-security', e.security);
      if (e.kind === 'passthrough') grp.classList.add('passthrough');
      const [rate, bad] = edgeLabel(e);
      if (rate) grp.appendChild(MB.svg('text', { x: mx, y: (a.y + b.y) / 2 - 5, 'text-anchor': 'middle' }, rate));
      if (bad) grp.appendChild(MB.svg('text', { class: 'bad', x: mx, y: (a.y + b.y) / 2 + 12, 'text-anchor': 'middle' }, bad));
      edgeLayer.appendChild(grp);
    }
    for (const n of g.nodes) {
      const p = pos[n.id];
      const grp = MB.svg('g', { class: 'node' + (selected === n.id ? ' selected' : ''), 'data-id': n.id, 'data-kind': n.kind,
        transform: `translate(${p.x},${p.y})`, onclick: () => { selected = n.id; detail(); } }, shape(n));
      if (n.kind === 'workload' || n.kind === 'gateway') grp.appendChild(MB.svg('circle', { class: 'sidecar', cx: R - 3, cy: -R + 3, r: 5 },
        MB.svg('title', {}, n.kind === 'gateway' ? 'Envoy-style gateway proxy' : 'sidecar proxy')));
      const title = n.kind === 'service' ? n.label : n.app || n.label;
      grp.appendChild(MB.svg('text', { y: R + 14 }, title));
      if (n.version) grp.appendChild(MB.svg('text', { class: 'sub', y: R + 26 }, n.version + (n.pods > 1 ? ` (${n.pods} pods)` : '')));
      else if (n.kind === 'gateway') grp.appendChild(MB.svg('text', { class: 'sub', y: R + 26 }, n.app === 'istio-eastwestgateway' ? 'east-west :15443' : 'ingress'));
      // Where the workload runs: its cluster and locality as a badge under the name (Istio's topology labels).
      const place = [n.cluster, n.locality].filter(x => x).join(' · ');
      if (place) grp.appendChild(MB.svg('text', { class: 'sub locality', y: R + 38 }, place));
      nodeLayer.appendChild(grp);
    }
  }

  function detail() {
    const box = MB.clear(document.getElementById('topology-detail'));
    if (!last || !selected) return;
    document.querySelectorAll('#topology .selected').forEach(x => x.classList.remove('selected'));
    const shown = document.querySelector(`#topology [data-id="${CSS.escape(selected)}"]`);
    if (shown) shown.classList.add('selected');
    const edge = last.edges.find(e => e.id === selected);
    const name = id => id.slice(id.indexOf(':') + 1);
    if (edge) {
      box.append(MB.el('h3', {}, `${name(edge.source)} → ${name(edge.target)}`),
        MB.el('p', {}, edge.kind === 'route' ? `Requests to ${name(edge.source)} served by ${name(edge.target)}.`
          : edge.kind === 'passthrough' ? `Connections ${name(edge.source)} passed through by SNI (AUTO_PASSTHROUGH, still mTLS end to end) to ${name(edge.target)}; counted as connections, not requests.`
          : `Requests ${name(edge.source)} sent to ${name(edge.target)}.`),
        table([['rate', edge.rps.toFixed(2) + ' req/s over ' + last.windowSeconds + ' s'], ['requests in window', edge.requests],
          ['since start', edge.total], ['5xx share', MB.pct(edge.errorShare)], ...(edge.kind === 'route' ? [['share of the service', MB.pct(edge.share)]] : []),
          ['security', security(edge)],
          ...(Object.keys(edge.fromClusters || {}).length ? [['from clusters', Object.entries(edge.fromClusters).map(([c, n]) => c + ' × ' + n).join(', ')],
            ['across clusters', edge.crossCluster + ' since start' + (edge.crossCluster ? ' (through the other network\'s east-west gateway when the networks differ)' : '')]] : []),
          ['status codes', Object.entries(edge.codes).map(([c, n]) => c + ' × ' + n).join(', ') || '-'],
          ['response flags', Object.entries(edge.flags).map(([f, n]) => `${f} × ${n}` + (MB.FLAGS[f] ? ` (${MB.FLAGS[f]})` : '')).join(', ') || '-']]));
      return;
    }
    const node = last.nodes.find(n => n.id === selected);
    if (!node) return;
    const rows = [['kind', node.kind], ['namespace', node.namespace || '-']];
    if (node.version) rows.push(['version', node.version]);
    if (node.pods) rows.push(['pods', node.pods]);
    if (node.cluster) rows.push(['cluster', node.cluster]);
    if (node.locality) rows.push(['locality', node.locality]);
    const inRate = last.edges.filter(e => e.target === node.id).reduce((s, e) => s + e.rps, 0);
    const outRate = last.edges.filter(e => e.source === node.id).reduce((s, e) => s + e.rps, 0);
    rows.push(['inbound', inRate.toFixed(2) + ' req/s'], ['outbound', outRate.toFixed(2) + ' req/s']);
    box.append(MB.el('h3', {}, node.label), table(rows));
    if (MB.nodeCharts) MB.nodeCharts(node, box);
  }

  function security(e) {
    if (e.security === 'mutual_tls') return 'mutual TLS (the destination sidecar saw every call over mTLS)';
    if (e.security === 'partial') return `mutual TLS for ${MB.pct(e.mtlsShare)} of the calls, the rest plaintext`;
    if (e.security === 'none') return 'plaintext (no mutual TLS)';
    return 'unknown (no destination sidecar reported these calls)';
  }

  function table(rows) {
    return MB.el('table', { class: 'grid' }, rows.map(([k, v]) => MB.el('tr', {}, MB.el('th', {}, k), MB.el('td', {}, String(v)))));
  }

  async function refresh() {
    const g = await MB.get('/api/topology');
    last = g;
    render(g);
    detail();
    const total = g.edges.filter(e => e.kind === 'request').reduce((s, e) => s + e.rps, 0);
    const bad = Object.keys(g.unreadable || {});
    document.getElementById('topology-status').textContent = `updated ${new Date().toLocaleTimeString()} · ${total.toFixed(1)} req/s over the last `
      + `${g.windowSeconds} s` + (bad.length ? ` · telemetry unreadable from ${bad.join(', ')}` : '');
  }

  MB.tabs.topology = {
    show: () => MB.every('topology', 2000, refresh),
    hide: () => MB.stop('topology'),
  };
})();
