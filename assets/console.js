/*
 * roachgate console.  Reads the cluster through the public /api/v2/
 * routes only.  The session lives in the HttpOnly `session` cookie that
 * the server sets when the login asks for it (header
 * X-Cockroach-API-Session: cookie); this script never sees or stores
 * it.  Every text from the server goes into the page as text
 * (textContent, attributes), never as markup.
 */
'use strict';

(function () {
	const API = '/api/v2/';
	const REFRESH_MS = 4000;
	const RANGES_PAGE = 25;
	const SESSIONS_PAGE = 20;
	const HOT_BARS = 20;
	const TABLES_PAGE = 20;
	const EVENTS_PAGE = 20;
	const DB_MAX = 200;
	/* Not reloaded by the timer: the reader's place and focus stay put. */
	const STILL = new Set(['databases', 'events']);
	const LIVENESS = { 0: 'UNKNOWN', 1: 'DEAD', 2: 'UNAVAILABLE', 3: 'LIVE',
	    4: 'DECOMMISSIONING', 5: 'DECOMMISSIONED', 6: 'DRAINING' };

	const $ = (id) => document.getElementById(id);
	const state = {
		view: 'nodes', user: '', nodes: [], timer: null, busy: false,
		ranges: { node: '', offset: 0, next: null },
		sessions: { user: '', starts: [''], next: '' },
		db: { name: '', offset: 0, next: null, table: '', focus: false },
		events: { type: '', offset: 0, next: null },
		hotNode: '', problems: {}, again: false
	};

	class ApiError extends Error {
		constructor(status, text, retry) {
			super(text);
			this.status = status;
			this.retry = retry;
		}
	}

	/* Element builder: strings become text nodes, never HTML. */
	function el(tag, attrs, ...kids) {
		const e = document.createElement(tag);
		for (const [k, v] of Object.entries(attrs || {})) {
			if (k === 'class')
				e.className = v;
			else if (k === 'text')
				e.textContent = v;
			else
				e.setAttribute(k, v);
		}
		for (const k of kids) {
			if (k === null || k === undefined)
				continue;
			e.append(typeof k === 'string' ? document.createTextNode(k) : k);
		}
		return e;
	}

	async function api(path, opts) {
		const o = Object.assign({ credentials: 'same-origin',
		    cache: 'no-store' }, opts || {});
		o.headers = Object.assign({ 'X-Cockroach-API-Session': 'cookie' },
		    o.headers || {});
		let r;
		try {
			r = await fetch(API + path, o);
		} catch (e) {
			throw new ApiError(0, 'the server cannot be reached', null);
		}
		const text = await r.text();
		if (!r.ok)
			throw new ApiError(r.status, text.trim(),
			    r.headers.get('Retry-After'));
		return text === '' ? {} : JSON.parse(text);
	}

	/* Messages ----------------------------------------------------------- */

	function message(text, isError) {
		const m = $('msg');
		m.textContent = text || '';
		m.hidden = !text;
		m.classList.toggle('error', !!isError);
	}

	/* One list of problems per source; the banner shows them all. */
	function problems(source, list) {
		state.problems[source] = list;
		const all = [].concat(...Object.values(state.problems));
		const b = $('banner');
		b.replaceChildren();
		b.hidden = all.length === 0;
		if (all.length === 0)
			return;
		b.append(el('strong', { text: 'Part of the cluster did not answer:' }),
		    el('ul', null, ...all.map((t) => el('li', { text: t }))));
	}

	function explain(e) {
		switch (e.status) {
		case 0:
			return 'The server cannot be reached; retrying.';
		case 400:
		case 401:
			return 'Your session is not valid (it expired or you logged out): please log in.';
		case 403:
			return 'Access denied (403): ' + (state.user || 'this user') +
			    ' is not an admin. The console needs a superuser or a ' +
			    'member of the admin role (pg_monitor by default).';
		case 429:
			return 'Too many failed login attempts (429): try again in ' +
			    (e.retry || 'a few') + ' seconds.';
		default:
			return 'Error ' + e.status + ': ' + e.message;
		}
	}

	/*
	 * Errors of a view: no valid session (401, or 400 when the cookie
	 * is missing) goes back to the login, others are shown.
	 */
	function failed(source, e) {
		if (e.status === 401 || e.status === 400) {
			showLogin(explain(e));
			return;
		}
		if (e.status === 403) {
			message(explain(e), true);
			return;
		}
		problems(source, [explain(e)]);
	}

	/* Formatting --------------------------------------------------------- */

	function duration(ms) {
		let s = Math.max(0, Math.floor(ms / 1000));
		const d = Math.floor(s / 86400);
		s %= 86400;
		const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
		if (d > 0)
			return d + 'd ' + h + 'h';
		if (h > 0)
			return h + 'h ' + m + 'm';
		return m > 0 ? m + 'm ' + (s % 60) + 's' : (s % 60) + 's';
	}

	function bytes(n) {
		const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
		let i = 0;
		while (n >= 1024 && i < u.length - 1) {
			n /= 1024;
			i++;
		}
		return (i === 0 ? n : n.toFixed(1)) + ' ' + u[i];
	}

	function num(v, digits) {
		if (v === undefined || v === null)
			return '–';
		return Number(v).toLocaleString('en', { maximumFractionDigits: digits || 0 });
	}

	function cell(text, cls) {
		return el('td', cls ? { class: cls, text: text } : { text: text });
	}

	function emptyRow(tbody, cols, text) {
		tbody.replaceChildren(el('tr', null,
		    el('td', { colspan: String(cols), class: 'empty', text: text })));
	}

	/* A table body: one row per item, or one line saying there is none. */
	function fill(tbody, cols, list, none, row) {
		if (list.length === 0)
			emptyRow(tbody, cols, none);
		else
			tbody.replaceChildren(...list.map(row));
	}

	/* Nodes -------------------------------------------------------------- */

	function liveness(n) {
		return LIVENESS[n.liveness_status] || 'UNKNOWN';
	}

	function nodeName(id) {
		const n = state.nodes.find((x) => x.node_id === id);
		return n ? 'n' + id + ' (' + n.address.address_field + ')' : 'n' + id;
	}

	async function loadNodes() {
		const d = await api('nodes/');
		state.nodes = d.nodes || [];
		fillNodeSelects();
		const bad = state.nodes.filter((n) => n.liveness_status !== 3);
		problems('nodes', bad.map((n) => 'Node ' + nodeName(n.node_id) +
		    ' is ' + liveness(n) + ': its data is missing from the views.'));
		return d;
	}

	function renderNodes() {
		const tb = $('nodes-table').tBodies[0];
		const now = Date.now();
		if (state.nodes.length === 0) {
			emptyRow(tb, 10, 'No nodes.');
			return;
		}
		tb.replaceChildren(...state.nodes.map((n) => {
			const m = n.metrics || {};
			const st = liveness(n);
			const v = n.ServerVersion || {};
			const tiers = (n.locality && n.locality.tiers) || [];
			const lag = m['pg.replication.replay_lag_bytes'] !== undefined ?
			    m['pg.replication.replay_lag_bytes'] :
			    m['pg.replication.max_replay_lag_bytes'];
			const up = n.started_at ? duration(now - n.started_at / 1e6) : '–';
			return el('tr', { 'data-node': String(n.node_id) },
			    el('th', { scope: 'row', text: 'n' + n.node_id }),
			    cell(n.address ? n.address.address_field : ''),
			    cell(n.build_tag || (v.major_val ?
			        v.major_val + '.' + v.minor_val : '–')),
			    cell(n.liveness_status === 3 ? up : '–'),
			    el('td', null, el('span', { class: 'state ' + st.toLowerCase(),
			        text: st })),
			    cell(tiers.map((t) => t.key + '=' + t.value).join(', ') || '–'),
			    cell(num(m['pg.conns.total']), 'num'),
			    cell(num(m['pg.db.xact_commit']), 'num'),
			    cell(m['pg.db.size_bytes'] !== undefined ?
			        bytes(m['pg.db.size_bytes']) : '–', 'num'),
			    cell(lag !== undefined ? bytes(lag) : '–', 'num'));
		}));
		$('nodes-meta').textContent = state.nodes.length + ' nodes, ' +
		    state.nodes.filter((n) => n.liveness_status === 3).length +
		    ' live; updated ' + new Date().toLocaleTimeString();
	}

	function fillNodeSelects() {
		for (const [id, first] of [['ranges-node', null], ['hot-node', 'All nodes']]) {
			const s = $(id);
			const want = state.nodes.map((n) => String(n.node_id));
			const have = Array.from(s.options).map((o) => o.value)
			    .filter((v) => v !== '');
			if (want.join() === have.join())
				continue;
			const keep = s.value;
			s.replaceChildren();
			if (first !== null)
				s.append(el('option', { value: '', text: first }));
			for (const n of state.nodes)
				s.append(el('option', { value: String(n.node_id),
				    text: nodeName(n.node_id) }));
			if (keep !== '' && want.includes(keep))
				s.value = keep;
		}
	}

	/* Ranges of a node (offset pagination) ----------------------------------- */

	async function loadRanges() {
		if (state.ranges.node === '')
			state.ranges.node = $('ranges-node').value || 'local';
		/* What was asked, not what the reader changed meanwhile. */
		const r = Object.assign({}, state.ranges);
		const d = await api('nodes/' + encodeURIComponent(r.node) +
		    '/ranges/?limit=' + RANGES_PAGE + '&offset=' + r.offset);
		const list = d.ranges || [];
		r.next = state.ranges.next = d.next === undefined ? null : d.next;
		const tb = $('ranges-table').tBodies[0];
		if (list.length === 0)
			emptyRow(tb, 7, 'No ranges on this page.');
		else
			tb.replaceChildren(...list.map((x) => {
				const lease = (x.lease_history || [])[0];
				const st = x.stats || {};
				const p = Object.keys(x.problems || {})
				    .filter((k) => x.problems[k]);
				return el('tr', null,
				    cell(String(x.desc.range_id), 'num'),
				    el('td', null, el('code', { text: x.span.start_key })),
				    el('td', null, el('code', { text: x.span.end_key })),
				    cell(lease ? 'n' + lease.replica.node_id : 'none'),
				    cell(num(st.queries_per_second, 1), 'num'),
				    cell(num(st.writes_per_second, 1), 'num'),
				    cell(p.join(', ') || '–'));
			}));
		$('ranges-page').textContent = list.length === 0 ? 'No ranges' :
		    'Ranges ' + (r.offset + 1) + '–' + (r.offset + list.length) +
		    ' of node ' + r.node;
		$('ranges-prev').disabled = r.offset === 0;
		$('ranges-next').disabled = r.next === null;
	}

	/* Hot ranges: the hottest ranges of every node, as bars ----------------- */

	async function loadHot() {
		const q = state.hotNode === '' ? '' :
		    '?node_id=' + encodeURIComponent(state.hotNode);
		const d = await api('ranges/hot/' + q);
		const all = [];
		for (const list of Object.values(d.ranges_by_node_id || {}))
			all.push(...list);
		all.sort((a, b) => b.queries_per_second - a.queries_per_second ||
		    a.range_id - b.range_id);
		const top = all.slice(0, HOT_BARS);
		const max = top.length > 0 ? top[0].queries_per_second || 1 : 1;
		const errs = (d.response_error || []).map((e) =>
		    'Hot ranges: ' + (e.node_id ? 'node ' + nodeName(e.node_id) + ': ' : '') +
		    (e.message || e.error_message || 'failed'));
		problems('hot', errs);
		$('hot-meta').textContent = all.length + ' ranges with load; the ' +
		    top.length + ' hottest, in queries per second (hover or focus a ' +
		    'bar for its table and index).';
		const chart = $('hot-chart');
		if (top.length === 0) {
			chart.replaceChildren(el('li', { class: 'empty',
			    text: 'No range has load yet: rates need two samples.' }));
			return;
		}
		chart.replaceChildren(...top.map((h) => {
			const what = (h.database_name ? h.database_name + '.' : '') +
			    (h.table_name || '?') + (h.index_name ? ' / ' + h.index_name : '');
			const detail = what + ' — range ' + h.range_id + ' on n' +
			    h.node_id + ': ' + num(h.queries_per_second, 1) + ' QPS, ' +
			    num(h.writes_per_second, 1) + ' writes/s';
			const fill = el('div', { class: 'fill',
			    text: num(h.queries_per_second, 1) });
			fill.style.width = Math.max(1, 100 * h.queries_per_second / max) + '%';
			return el('li', { tabindex: '0', title: detail,
			    'data-table': h.table_name || '', 'data-range': String(h.range_id),
			    'aria-label': detail },
			    el('span', { class: 'label', text: 'r' + h.range_id + ' n' +
			        h.node_id + ' ' + (h.table_name || '') }),
			    el('div', { class: 'track' }, fill),
			    el('span', { class: 'tip', text: detail }));
		}));
	}

	/* Sessions (token pagination) ------------------------------------------ */

	async function loadSessions() {
		const s = Object.assign({}, state.sessions,
		    { starts: state.sessions.starts.slice() });
		const start = s.starts[s.starts.length - 1];
		let q = '?limit=' + SESSIONS_PAGE;
		if (s.user !== '')
			q += '&username=' + encodeURIComponent(s.user);
		if (start !== '')
			q += '&start=' + encodeURIComponent(start);
		const d = await api('sessions/' + q);
		const list = d.sessions || [];
		s.next = state.sessions.next = d.next || '';
		problems('sessions', (d.errors || []).map((e) =>
		    'Sessions: node ' + nodeName(e.node_id) + ': ' + e.message));
		const tb = $('sessions-table').tBodies[0];
		const now = Date.now();
		if (list.length === 0)
			emptyRow(tb, 7, 'No sessions' +
			    (s.user ? ' of ' + s.user : '') + ' on this page.');
		else
			tb.replaceChildren(...list.map((x) => {
				const aq = (x.active_queries || [])[0];
				return el('tr', null, cell('n' + x.node_id),
				    cell(x.username), cell(x.application_name || '–'),
				    cell(x.client_address || '–'),
				    cell(x.start ? duration(now - Date.parse(x.start)) : '–'),
				    el('td', null, aq ? el('span', { class: 'sql', text: aq.sql }) :
				        el('span', { class: 'idle', text: 'idle' })),
				    cell(aq ? duration(now - Date.parse(aq.start)) : '–'));
			}));
		$('sessions-page').textContent = 'Page ' + s.starts.length +
		    (s.user ? ' (user ' + s.user + ')' : '');
		$('sessions-first').disabled = s.starts.length === 1;
		$('sessions-next').disabled = list.length < SESSIONS_PAGE;
	}

	/* Databases, their tables (offset pagination), a table's details ------ */

	function dbError(text) {
		$('db-error').textContent = text || '';
		$('db-error').hidden = !text;
	}

	/* Errors shown in the view itself; a session error goes to the login. */
	function inPlace(e, what, why) {
		if (e.status === 400 || e.status === 401)
			throw e;
		dbError(e.status === 404 ? what + ': ' + e.message + ' (404). ' +
		    why : what + ': ' + explain(e));
	}

	async function loadDatabases() {
		const d = await api('databases/?limit=' + DB_MAX);
		const names = d.databases || [];
		const s = $('db-name');
		const have = Array.from(s.options).map((o) => o.value).slice(1);
		if (names.join() !== have.join()) {
			s.replaceChildren(el('option', { value: '',
			    text: 'Choose a database' }), ...names.map((n) =>
			    el('option', { value: n, text: n })));
		}
		if (!names.includes(state.db.name))
			state.db.name = '';
		s.value = state.db.name;
		$('db-meta').textContent = names.length + ' databases you may ' +
		    'connect to' + (d.next ? ' (the first ' + DB_MAX + ')' : '') + '.';
	}

	async function loadTables() {
		const d = Object.assign({}, state.db);
		const tb = $('tables-table').tBodies[0];
		const none = (text) => {
			emptyRow(tb, 1, text);
			$('tables-prev').disabled = $('tables-next').disabled = true;
			$('tables-page').textContent = '';
			return false;
		};
		let t;
		if (d.name === '')
			return none('Choose a database to list its tables.');
		try {
			t = await api('databases/' + encodeURIComponent(d.name) +
			    '/tables/?limit=' + TABLES_PAGE + '&offset=' + d.offset);
		} catch (e) {
			inPlace(e, 'Database ' + d.name, 'roachgate lists the ' +
			    'tables of the database its connections use only.');
			return none('No tables to show.');
		}
		const list = t.table_names || [];
		d.next = state.db.next = t.next === undefined ? null : t.next;
		fill(tb, 1, list, 'No table of ' + d.name + ' on this page ' +
		    'that you hold a privilege on.', (n) => el('tr', null,
		    el('td', null, el('button', { type: 'button', class: 'link',
		    'data-table': n, 'aria-pressed': String(n === d.table),
		    text: n }))));
		$('tables-page').textContent = list.length === 0 ? '' :
		    'Tables ' + (d.offset + 1) + '–' + (d.offset + list.length) +
		    ' of ' + d.name;
		$('tables-prev').disabled = d.offset === 0;
		$('tables-next').disabled = d.next === null;
		return true;
	}

	function fact(dl, name, value) {
		dl.append(el('dt', { text: name }), el('dd', { text: value }));
	}

	async function loadTable() {
		const d = Object.assign({}, state.db);
		const box = $('table-details');
		let t;
		if (d.table === '') {
			box.hidden = true;
			return;
		}
		try {
			t = await api('databases/' + encodeURIComponent(d.name) +
			    '/tables/' + encodeURIComponent(d.table) + '/');
		} catch (e) {
			box.hidden = true;
			inPlace(e, 'Table ' + d.table, 'It may have been dropped, ' +
			    'or its name needs quotes, which the API cannot name.');
			return;
		}
		const z = t.zone_config || {};
		const dl = $('td-facts');
		$('td-name').textContent = d.name + '.' + d.table;
		dl.replaceChildren();
		fact(dl, 'Descriptor ID', String(t.descriptor_id || '–'));
		fact(dl, 'Ranges', num(t.range_count || 0));
		fact(dl, 'Total size', bytes(t.data_total_bytes || 0));
		fact(dl, 'Live data', bytes(t.data_live_bytes || 0) + ' (' +
		    num(100 * (t.data_live_percentage || 0), 1) + ' %)');
		fact(dl, 'Statistics collected', t.stats_last_created_at ?
		    t.stats_last_created_at.replace('T', ' ') : 'never');
		fact(dl, 'Replicas', num(z.num_replicas));
		fact(dl, 'Grants', (t.grants || []).map((g) => g.user + ': ' +
		    g.privileges.join(', ')).join('; ') || '–');
		fill($('td-columns').tBodies[0], 4, t.columns || [], 'No columns.',
		    (c) => el('tr', null,
		    el('td', null, el('code', { text: c.name })), cell(c.type),
		    cell(c.nullable ? 'yes' : 'no'),
		    cell(c.generation_expression ? 'generated: ' +
		        c.generation_expression : c.default_value || '–')));
		fill($('td-indexes').tBodies[0], 6, t.indexes || [], 'No indexes.',
		    (x) => el('tr', null,
		    el('td', null, el('code', { text: x.name })),
		    cell(x.unique ? 'yes' : 'no'), cell(String(x.seq), 'num'),
		    cell(x.column), cell(x.direction),
		    cell(x.storing ? 'yes' : 'no')));
		$('td-create').textContent = t.create_table_statement || '–';
		box.hidden = false;
		if (d.focus)
			box.focus();
		state.db.focus = false;
	}

	async function loadDatabaseView() {
		dbError('');
		await loadDatabases();
		if (await loadTables())
			await loadTable();
		else
			$('table-details').hidden = true;
	}

	/* Events (admin): newest first, offset pagination -------------------- */

	/* `info` is a JSON object as text; shown as its fields, as text. */
	function info(text) {
		let o;
		try {
			o = JSON.parse(text);
		} catch (e) {
			o = null;
		}
		if (o === null || typeof o !== 'object')
			return el('code', { text: text || '' });
		return el('ul', { class: 'info' }, ...Object.keys(o)
		    .filter((k) => k !== 'Timestamp' && k !== 'EventType')
		    .map((k) => el('li', null, k + ': ', el('code', {
		    text: typeof o[k] === 'string' ? o[k] : JSON.stringify(o[k])
		    }))));
	}

	async function loadEvents() {
		/* What was asked, not what the reader changed meanwhile. */
		const s = Object.assign({}, state.events);
		let q = '?limit=' + EVENTS_PAGE + '&offset=' + s.offset;
		if (s.type !== '')
			q += '&type=' + encodeURIComponent(s.type);
		const d = await api('events/' + q);
		const list = d.events || [];
		s.next = state.events.next = d.next === undefined ? null : d.next;
		fill($('events-table').tBodies[0], 4, list, 'No events' +
		    (s.type ? ' of type ' + s.type : '') + ' on this page.',
		    (x) => el('tr', { 'data-type': x.event_type || '' },
		    el('td', null, el('time', { datetime: x.timestamp || '',
		    text: (x.timestamp || '').replace('T', ' ')
		    .replace(/(\.\d{3})\d*/, '$1').replace('Z', '') })),
		    cell(x.event_type || '–'),
		    cell(x.reporting_id ? 'n' + x.reporting_id : '–'),
		    el('td', null, info(x.info))));
		$('events-page').textContent = list.length === 0 ? '' :
		    'Events ' + (s.offset + 1) + '–' + (s.offset + list.length) +
		    (s.type ? ' of type ' + s.type : '') + ', newest first';
		$('events-prev').disabled = s.offset === 0;
		$('events-next').disabled = s.next === null;
	}

	/* Views and refresh --------------------------------------------------- */

	const loaders = {
		nodes: async () => { await loadNodes(); renderNodes(); },
		ranges: loadRanges, hot: loadHot, sessions: loadSessions,
		databases: loadDatabaseView, events: loadEvents
	};

	/*
	 * `auto` is the timer's call; one that finds a refresh running is
	 * dropped, a reader's is run after it.
	 */
	async function refresh(auto) {
		if ($('login').hidden === false)
			return;
		if (state.busy) {
			state.again = state.again || auto !== true;
			return;
		}
		state.busy = true;
		const view = state.view;
		try {
			/* Node health feeds the banner on every view; a
			 * non-admin gets the 403 of the view itself. */
			if (view !== 'nodes')
				await loadNodes().catch((e) => {
					if (e.status !== 403)
						throw e;
				});
			if (auto !== true || !STILL.has(view))
				await loaders[view]();
			if (!$('msg').classList.contains('error'))
				message('');
		} catch (e) {
			failed(view, e);
		} finally {
			state.busy = false;
			if (state.again) {
				state.again = false;
				refresh();
			}
		}
	}

	function show(view) {
		state.view = view;
		for (const b of $('nav').querySelectorAll('button')) {
			if (b.dataset.view === view)
				b.setAttribute('aria-current', 'page');
			else
				b.removeAttribute('aria-current');
		}
		for (const s of document.querySelectorAll('.view'))
			s.hidden = s.id !== 'view-' + view;
		for (const k of Object.keys(loaders))
			if (k !== view && k !== 'nodes')
				delete state.problems[k];
		problems('nodes', state.problems.nodes || []);
		refresh();
	}

	function showLogin(text) {
		clearInterval(state.timer);
		state.timer = null;
		state.problems = {};
		problems('nodes', []);
		/* Nothing of the last user's stays in the page. */
		for (const s of document.querySelectorAll('.view'))
			s.hidden = true;
		for (const tb of document.querySelectorAll('.view tbody'))
			tb.replaceChildren();
		for (const b of document.querySelectorAll('.pager button'))
			b.disabled = true;
		for (const p of document.querySelectorAll('.pager span'))
			p.textContent = '';
		$('table-details').hidden = true;
		$('nav').hidden = true;
		$('who').hidden = true;
		$('login').hidden = false;
		message(text || '', !!text);
		$('username').focus();
	}

	function showConsole() {
		$('login').hidden = true;
		$('nav').hidden = false;
		$('who').hidden = false;
		$('user').textContent = state.user ? 'Logged in as ' + state.user : '';
		message('');
		show(state.view);
		if (state.timer === null)
			state.timer = setInterval(refresh, REFRESH_MS, true);
	}

	/* Login and logout --------------------------------------------------- */

	async function login(ev) {
		ev.preventDefault();
		message('');
		const f = $('login-form');
		const user = $('username').value;
		const body = new URLSearchParams({ username: user,
		    password: $('password').value });
		f.querySelector('button').disabled = true;
		try {
			await api('login/', { method: 'POST', body: body });
			$('password').value = '';
			state.user = user;
			showConsole();
		} catch (e) {
			if (e.status === 401)
				message('Wrong user name or password (401).', true);
			else
				message(explain(e), true);
		} finally {
			f.querySelector('button').disabled = false;
		}
	}

	async function logout() {
		try {
			await api('logout/', { method: 'POST' });
		} catch (e) {
			/* The cookie is expired either way. */
		}
		state.user = '';
		showLogin('');
		message('You are logged out.');
	}

	function wire() {
		$('login-form').addEventListener('submit', login);
		$('logout').addEventListener('click', logout);
		for (const b of $('nav').querySelectorAll('button'))
			b.addEventListener('click', () => {
				message('');
				show(b.dataset.view);
			});
		$('ranges-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			state.ranges.node = $('ranges-node').value;
			state.ranges.offset = 0;
			refresh();
		});
		wirePager('ranges', state.ranges, RANGES_PAGE);
		$('hot-node').addEventListener('change', () => {
			state.hotNode = $('hot-node').value;
			refresh();
		});
		$('sessions-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			state.sessions.user = $('sessions-user').value.trim();
			state.sessions.starts = [''];
			refresh();
		});
		$('sessions-first').addEventListener('click', () => {
			state.sessions.starts = [''];
			refresh();
		});
		$('sessions-next').addEventListener('click', () => {
			state.sessions.starts.push(state.sessions.next);
			refresh();
		});
		wireDatabases();
		wireEvents();
	}

	function wireDatabases() {
		const d = state.db;
		const pick = (ev) => {
			if (ev)
				ev.preventDefault();
			d.name = $('db-name').value;
			d.offset = 0;
			d.table = '';
			refresh();
		};
		$('db-form').addEventListener('submit', pick);
		$('db-name').addEventListener('change', () => pick());
		wirePager('tables', d, TABLES_PAGE);
		$('tables-table').addEventListener('click', (ev) => {
			const b = ev.target.closest('button[data-table]');
			if (!b)
				return;
			d.table = b.dataset.table;
			d.focus = true;
			refresh();
		});
	}

	function wireEvents() {
		const s = state.events;
		$('events-form').addEventListener('submit', (ev) => {
			ev.preventDefault();
			s.type = $('events-type').value.trim();
			s.offset = 0;
			refresh();
		});
		wirePager('events', s, EVENTS_PAGE);
	}

	/* Previous and next of an offset-paged view; `st` has offset, next. */
	function wirePager(name, st, size) {
		$(name + '-prev').addEventListener('click', () => {
			st.offset = Math.max(0, st.offset - size);
			refresh();
		});
		$(name + '-next').addEventListener('click', () => {
			if (st.next !== null)
				st.offset = st.next;
			refresh();
		});
	}

	/* Start: the cookie (if any) decides between console and login. */
	async function start() {
		wire();
		try {
			await loadNodes();
			showConsole();
		} catch (e) {
			if (e.status === 403) {
				showConsole();
				return;
			}
			showLogin(e.status === 401 || e.status === 400 ? '' :
			    explain(e));
		}
	}

	start();
})();
