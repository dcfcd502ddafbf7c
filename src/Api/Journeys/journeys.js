// The journey page: recent requests (polled) and, for the one picked, a waterfall of its tree, live while it runs
// (its event stream, read with fetch so that an API key can go with it). Plain script, no build step.
'use strict';
(() => {
  const keyInput = document.getElementById('api-key');
  const connection = document.getElementById('connection');
  const recentBody = document.querySelector('#recent-table tbody');
  const recentNote = document.getElementById('recent-note');
  const head = document.getElementById('journey-head');
  const waterfall = document.getElementById('waterfall');
  const keyStore = 'trustchain.apiKey';

  let selected = decodeURIComponent(location.hash.slice(1)) || null;
  let watching = null;   // AbortController of the selected request's event stream
  let refreshTimer = null;
  let generation = 0;    // drops renders of a request that is no longer selected

  keyInput.value = sessionStorage.getItem(keyStore) || '';
  keyInput.addEventListener('change', () => {
    sessionStorage.setItem(keyStore, keyInput.value.trim());
    refreshRecent();
    select(selected);
  });
  document.getElementById('key-form').addEventListener('submit', e => e.preventDefault());

  function headers() {
    const key = keyInput.value.trim();
    return key ? { 'X-Api-Key': key } : {};
  }

  async function getJson(url) {
    const response = await fetch(url, { headers: headers() });
    if (!response.ok) {
      let detail = response.statusText;
      try { detail = (await response.json()).detail || detail; } catch { /* not problem details */ }
      throw new Error(`${response.status}: ${detail}`);
    }
    return response.json();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function badge(status) { return el('span', `status ${status}`, status); }

  function setConnection(text, error) {
    connection.textContent = text;
    connection.classList.toggle('error', !!error);
  }

  // ---- recent requests --------------------------------------------------------------------------------------

  async function refreshRecent() {
    try {
      // Nested requests show in their root's waterfall; the list keeps to the journeys' starts.
      const list = (await getJson('/requests?limit=50')).filter(r => !r.parentRequestId);
      renderRecent(list);
      setConnection(`updated ${new Date().toLocaleTimeString()}`);
    } catch (e) {
      setConnection(e.message.startsWith('401') ? 'API key required' : e.message, true);
    }
  }

  function renderRecent(list) {
    recentNote.textContent = `(${list.length}, newest first)`;
    recentBody.replaceChildren(...list.map(r => {
      const row = el('tr');
      row.dataset.requestId = r.requestId;
      row.dataset.status = r.status;
      row.classList.toggle('selected', r.requestId === selected);
      const status = el('td');
      status.append(badge(r.status));
      row.append(el('td', null, r.topic), status, el('td', null, new Date(r.dispatchedAt).toLocaleTimeString()), el('td', 'num', r.elapsedMs.toFixed(1)));
      row.title = r.requestId;
      row.addEventListener('click', () => { location.hash = encodeURIComponent(r.requestId); });
      return row;
    }));
  }

  // ---- one request's tree -----------------------------------------------------------------------------------

  /** A request's view and, recursively, those of the nested requests its workers dispatched. */
  async function loadTree(id) {
    const view = await getJson(`/requests/${encodeURIComponent(id)}`);
    const childIds = view.events.filter(e => e.kind === 'ChildDispatched' && e.childRequestId).map(e => e.childRequestId);
    const children = await Promise.all(childIds.map(c => loadTree(c).catch(error => ({ error, requestId: c, view: null, children: [] }))));
    return { requestId: id, view, children };
  }

  function* nodes(tree) {
    if (tree.view) yield tree;
    for (const child of tree.children) yield* nodes(child);
  }

  const time = s => (s ? Date.parse(s) : null);

  async function refreshJourney() {
    const id = selected;
    const mine = generation;
    if (!id) return;
    let tree;
    try {
      tree = await loadTree(id);
    } catch (e) {
      if (mine === generation) {
        head.replaceChildren(el('h2', null, 'Request'), el('p', 'error', e.message));
        waterfall.replaceChildren();
      }
      return;
    }

    if (mine !== generation) return;
    render(tree);
    const running = [...nodes(tree)].some(n => n.view.status === 'Running');
    clearTimeout(refreshTimer);
    if (running) {
      // The stream says when the request itself moves; this catches nested requests owned elsewhere.
      refreshTimer = setTimeout(refreshJourney, 1000);
    }
  }

  function scheduleRefresh() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refreshJourney, 60);
  }

  /** Reads the SSE stream with fetch (EventSource cannot send an API key) and refreshes on every event. */
  async function watch(id, signal) {
    try {
      const response = await fetch(`/requests/${encodeURIComponent(id)}/events`, { headers: headers(), signal });
      if (!response.ok || !response.body) return;
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.split('\n').some(line => line.startsWith('data:'))) scheduleRefresh();
        }
      }
      scheduleRefresh();
    } catch {
      // Aborted (another request picked) or the stream broke: polling covers the rest.
    }
  }

  function select(id) {
    selected = id;
    generation++;
    clearTimeout(refreshTimer);
    if (watching) watching.abort();
    watching = null;
    for (const row of recentBody.children) row.classList.toggle('selected', row.dataset.requestId === id);
    if (!id) return;
    watching = new AbortController();
    watch(id, watching.signal);
    refreshJourney();
  }

  // ---- the waterfall ----------------------------------------------------------------------------------------

  function render(tree) {
    const all = [...nodes(tree)];
    const now = Date.now();
    const t0 = time(tree.view.events[0]?.at) ?? now;
    let t1 = t0 + 1;
    for (const n of all) {
      for (const e of n.view.events) t1 = Math.max(t1, time(e.at));
      if (n.view.status === 'Running') t1 = Math.max(t1, now);
    }
    const span = t1 - t0;
    const x = t => `${Math.max(0, Math.min(100, ((t - t0) / span) * 100))}%`;
    const width = (a, b) => `${Math.max(0, ((b - a) / span) * 100)}%`;

    const root = tree.view;
    const meta = el('p', 'meta');
    const id = el('code', null, root.requestId);
    meta.append(id, ` · dispatched ${new Date(t0).toLocaleString()}`);
    if (root.outcome) meta.append(` · ${root.outcome.elapsedMs.toFixed(1)} ms`);
    if (root.outcome?.decision) meta.append(` · decided ${root.outcome.decision.decision}: ${root.outcome.decision.reason}`);
    const title = el('h2', null, `${root.topic} `);
    title.append(badge(root.status));
    head.replaceChildren(title, meta);

    const rows = [axis(span)];
    request(tree, 0, rows);
    waterfall.replaceChildren(...rows);

    function axis(total) {
      const row = el('div', 'axis');
      const scale = el('div', 'scale');
      const step = niceStep(total / 6);
      for (let t = 0; t <= total; t += step) {
        const tick = el('span', 'tick', t >= 1000 ? `${(t / 1000).toFixed(t % 1000 ? 1 : 0)} s` : `${Math.round(t)} ms`);
        tick.style.left = `${(t / total) * 100}%`;
        scale.append(tick);
      }
      row.append(el('div', 'label', 'time since dispatch'), scale);
      return row;
    }

    function request(node, depth, out) {
      if (!node.view) {
        out.push(line('request', depth, `nested ${node.requestId}`, 'Unknown', null, r => r.title = String(node.error?.message ?? '')));
        return;
      }

      const v = node.view;
      const events = v.events;
      const start = time(events[0]?.at) ?? t0;
      const completed = events.find(e => e.kind === 'Completed');
      const end = completed ? time(completed.at) : now;
      out.push(line('request', depth, v.topic, v.status, lane => {
        bar(lane, start, end, v.status, completed ? `${(end - start).toFixed(0)} ms` : 'running');
        const closed = events.find(e => e.kind === 'InterestClosed');
        if (closed) mark(lane, time(closed.at), 'closed', '|', 'interest closed');
        for (const d of events.filter(e => e.kind === 'Decided')) mark(lane, time(d.at), 'decided', '◆', `decided ${d.decision}: ${d.detail ?? ''}`);
      }, row => { row.dataset.requestId = v.requestId; row.dataset.topic = v.topic; }));

      const expected = events.find(e => e.kind === 'Dispatched')?.expected ?? [];
      const workers = [...expected];
      for (const e of events) if (e.worker && !workers.includes(e.worker) && e.kind !== 'DecisionApplied') workers.push(e.worker);
      for (const worker of workers) {
        const mine = events.filter(e => e.worker === worker);
        const verdict = mine.find(e => e.kind === 'Verdict');
        const result = mine.find(e => e.kind === 'Result');
        const lost = mine.find(e => e.kind === 'LeaseLost');
        const outcomeResult = v.outcome?.results?.find(r => r.worker === worker);
        let status;
        if (!verdict) status = mine.some(e => e.kind === 'Rejected') ? 'Rejected' : (completed ? 'Silent' : 'Waiting');
        else if (!verdict.interested) status = 'Declined';
        else status = result?.resultStatus ?? (lost ? 'Lost' : outcomeResult?.status ?? 'Pending');

        out.push(line('worker', depth, worker, status, lane => {
          if (verdict) {
            const at = time(verdict.at);
            if (verdict.interested) {
              const stop = time(result?.at) ?? time(lost?.at) ?? (completed ? end : now);
              bar(lane, at, stop, status, result || lost || completed ? `${(stop - at).toFixed(0)} ms` : 'working');
            } else {
              note(lane, at, 'declined');
            }
            dot(lane, at, verdict.interested ? 'interested' : 'declined', `${verdict.interested ? 'interested' : 'declined'} after ${(at - start).toFixed(0)} ms`);
          } else if (completed && !mine.some(e => e.kind === 'Rejected')) {
            note(lane, end, 'no verdict');
          }
          if (lost) mark(lane, time(lost.at), 'lost', '!', 'lease lost');
          for (const r of mine.filter(e => e.kind === 'Rejected')) mark(lane, time(r.at), 'rejected', '✕', `${r.replyKind} rejected: ${r.reason}`);
          for (const a of mine.filter(e => e.kind === 'DecisionApplied')) mark(lane, time(a.at), 'decided', '◇', `${a.decision} ${a.ackStatus}${a.detail ? `: ${a.detail}` : ''}`);
        }, row => { row.dataset.worker = worker; row.dataset.requestId = v.requestId; }));

        for (const child of node.children.filter(c => events.some(e => e.kind === 'ChildDispatched' && e.worker === worker && e.childRequestId === c.requestId))) {
          request(child, depth + 1, out);
        }
      }
    }

    function line(kind, depth, label, status, drawLane, decorate) {
      const row = el('div', `row ${kind}`);
      row.dataset.kind = kind;
      row.dataset.depth = String(depth);
      row.dataset.status = status;
      const name = el('div', 'label');
      name.style.paddingLeft = `${depth * 1.4 + (kind === 'worker' ? 0.9 : 0)}rem`;
      name.append(el('span', 'name', kind === 'request' && depth > 0 ? `↳ ${label}` : label), badge(status));
      name.title = label;
      const lane = el('div', 'lane');
      if (drawLane) drawLane(lane);
      row.append(name, lane);
      if (decorate) decorate(row);
      return row;
    }

    function bar(lane, a, b, status, text) {
      const node = el('div', `bar ${status}`);
      node.style.left = x(a);
      node.style.width = width(a, b);
      node.title = text;
      // The time goes inside a wide bar, and after a narrow one, where it does not cover the marks at the end.
      node.append(el('span', (b - a) / span > 0.15 ? 'took inside' : 'took', text));
      lane.append(node);
    }

    function dot(lane, at, kind, title) {
      const node = el('i', `dot ${kind}`);
      node.style.left = x(at);
      node.title = title;
      lane.append(node);
    }

    function mark(lane, at, kind, symbol, title) {
      const node = el('i', `mark ${kind}`, symbol);
      node.style.left = x(at);
      node.title = title;
      lane.append(node);
    }

    function note(lane, at, text) {
      const node = el('span', 'note', text);
      node.style.left = `calc(${x(at)} + .7rem)`;
      lane.append(node);
    }
  }

  function niceStep(raw) {
    const power = 10 ** Math.floor(Math.log10(Math.max(raw, 0.001)));
    const unit = raw / power;
    return (unit <= 1 ? 1 : unit <= 2 ? 2 : unit <= 5 ? 5 : 10) * power;
  }

  window.addEventListener('hashchange', () => select(decodeURIComponent(location.hash.slice(1)) || null));
  refreshRecent();
  setInterval(refreshRecent, 2000);
  select(selected);
})();
