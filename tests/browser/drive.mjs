// Drives Debian's chromium (playwright-core, no browser download) through
// one scenario of the console against the real server over TLS; the
// run's CA is trusted through the NSS database under $HOME (made by
// conftest.py), nothing else.  Exits 0 when every check holds; prints
// what failed otherwise.  The cluster side (a stopped standby, a hammered
// table, extra sessions) is arranged by the pytest that runs this.
//
//   node drive.mjs SCENARIO
// Environment: RG_ORIGIN (https://127.0.0.1:PORT), RG_ADMIN, RG_ADMIN_PW,
// RG_USER, RG_USER_PW, RG_SHOTS (screenshot folder), RG_HOT_TABLE,
// RG_NODES (expected node count), RG_PLAYWRIGHT (playwright-core path),
// RG_DB, RG_TABLE (schema.table), RG_OTHER_DB (a database whose tables
// the API does not read: its 404), RG_SESSIONS_USER (a role with 30
// sessions and no other).

import assert from 'node:assert/strict';
import path from 'node:path';

const { chromium } = await import(process.env.RG_PLAYWRIGHT);
const env = process.env;
const origin = env.RG_ORIGIN;
const scenario = process.argv[2];
const WAIT = 60000;

const browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	args: ['--no-sandbox', '--disable-dev-shm-usage'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
const page = await context.newPage();
page.setDefaultTimeout(WAIT);

// Every request stays on the origin; no CSP violation is reported.
const offsite = [];
const cspErrors = [];
page.on('request', (r) => {
	const u = new URL(r.url());
	if (u.origin !== origin)
		offsite.push(r.url());
});
page.on('console', (m) => {
	if (/Content.Security.Policy/i.test(m.text()))
		cspErrors.push(m.text());
});

async function shot(name) {
	await page.screenshot({ path: path.join(env.RG_SHOTS, name + '.png'),
	    fullPage: true });
}

async function open() {
	const r = await page.goto(origin + '/');
	assert.equal(r.status(), 200);
	const csp = r.headers()['content-security-policy'];
	assert.ok(csp && csp.includes("default-src 'none'") &&
	    csp.includes("script-src 'self'") && !csp.includes('unsafe'), csp);
	await page.locator('#login').waitFor({ state: 'visible' });
	// A first visit is a plain login form, not an error.
	assert.equal(await page.locator('#msg').isVisible(), false);
	assert.equal(await page.locator('#banner').isVisible(), false);
}

async function login(user, pw) {
	await open();
	await page.getByLabel('User name').fill(user);
	await page.getByLabel('Password').fill(pw);
	await page.getByRole('button', { name: 'Log in' }).click();
}

async function loginAdmin() {
	await login(env.RG_ADMIN, env.RG_ADMIN_PW);
	await page.locator('#nodes-table tbody tr[data-node]').first().waitFor();
}

// A narrow screen: nothing wider than the viewport but the tables' own
// scrolling boxes.
async function narrow(name) {
	await page.setViewportSize({ width: 360, height: 740 });
	assert.ok(await page.evaluate(() =>
	    document.documentElement.scrollWidth <= window.innerWidth));
	await shot(name);
}

async function view(name) {
	await page.getByRole('button', { name: name, exact: true }).click();
}

const scenarios = {
	// Keyboard only: the login form has focus, Tab and Enter suffice.
	async nodes() {
		await open();
		await shot('login');
		await page.keyboard.type(env.RG_ADMIN);
		await page.keyboard.press('Tab');
		await page.keyboard.type(env.RG_ADMIN_PW);
		await page.keyboard.press('Enter');
		const rows = page.locator('#nodes-table tbody tr[data-node]');
		await page.waitForFunction((n) => document.querySelectorAll(
		    '#nodes-table tbody tr[data-node]').length === n,
		    Number(env.RG_NODES));
		for (let i = 0; i < Number(env.RG_NODES); i++) {
			await assert.equal(await rows.nth(i).locator('.state').innerText(),
			    'LIVE');
		}
		assert.equal(await page.locator('#banner').isVisible(), false);
		// The session cookie is HttpOnly: the page cannot read it.
		assert.equal(await page.evaluate(() => document.cookie), '');
		const ck = (await context.cookies()).find((c) => c.name === 'session');
		assert.ok(ck && ck.httpOnly && ck.secure && ck.sameSite === 'Strict');
		assert.equal(await page.evaluate(() => localStorage.length), 0);
		await shot('nodes');
		await narrow('nodes-narrow');
	},

	// The hammered table is the top bar; the node filter narrows.
	async hot() {
		await loginAdmin();
		await view('Hot ranges');
		await page.waitForFunction((t) => {
			const b = document.querySelector('#hot-chart li[data-table]');
			return b && b.dataset.table === t;
		}, env.RG_HOT_TABLE);
		const top = page.locator('#hot-chart li[data-table]').first();
		await top.hover();
		await top.locator('.tip').waitFor({ state: 'visible' });
		assert.match(await top.locator('.tip').innerText(), new RegExp(env.RG_HOT_TABLE));
		await shot('hot-ranges');
		await page.locator('#hot-node').selectOption('1');
		await page.waitForFunction(() => {
			const bars = document.querySelectorAll('#hot-chart li[data-range]');
			return bars.length > 0 && Array.from(bars).every((b) =>
			    / n1 /.test(b.querySelector('.label').textContent));
		});
	},

	// The demo: a dashboard of the 10 hottest ranges is full (20 bars).
	async demo() {
		await loginAdmin();
		await view('Hot ranges');
		await page.waitForFunction(() => document.querySelectorAll(
		    '#hot-chart li[data-range]').length >= 20);
		await shot('demo-hot-ranges');
	},

	async sessions() {
		await loginAdmin();
		await view('Sessions');
		await page.locator('#sessions-user').fill(env.RG_SESSIONS_USER);
		await page.getByRole('button', { name: 'Filter' }).click();
		const users = () => page.locator('#sessions-table tbody tr td:nth-child(2)')
		    .allInnerTexts();
		await page.waitForFunction(() => document.querySelector(
		    '#sessions-page').textContent.includes('user'));
		await page.waitForFunction(() => document.querySelectorAll(
		    '#sessions-table tbody tr td:nth-child(2)').length === 20);
		const first = await users();
		assert.ok(first.every((u) => u === env.RG_SESSIONS_USER), first.join());
		const ids = await page.locator('#sessions-table tbody tr td:nth-child(4)')
		    .allInnerTexts();
		await shot('sessions');
		await page.locator('#sessions-next').click();
		await page.waitForFunction(() => document.querySelector(
		    '#sessions-page').textContent.startsWith('Page 2'));
		const ids2 = await page.locator('#sessions-table tbody tr td:nth-child(4)')
		    .allInnerTexts();
		// That role's 30 sessions and nothing else: 20, then 10.
		assert.equal(ids2.length, 10);
		assert.ok((await users()).every((u) => u === env.RG_SESSIONS_USER));
		assert.ok(ids2.every((a) => !ids.includes(a)), 'page 2 repeats page 1');
		await page.locator('#sessions-user').fill('nobody_at_all');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.locator('#sessions-table td.empty').waitFor();
	},

	async ranges() {
		await loginAdmin();
		await view('Ranges');
		await page.locator('#ranges-node').selectOption('1');
		await page.getByRole('button', { name: 'Show' }).click();
		await page.waitForFunction(() => /^Ranges 1–25 /.test(
		    document.querySelector('#ranges-page').textContent));
		const col = '#ranges-table tbody tr td:first-child';
		const p1 = await page.locator(col).allInnerTexts();
		assert.equal(p1.length, 25);
		assert.equal(await page.locator('#ranges-prev').isDisabled(), true);
		await page.locator('#ranges-next').click();
		await page.waitForFunction(() => /^Ranges 26–/.test(
		    document.querySelector('#ranges-page').textContent));
		const p2 = await page.locator(col).allInnerTexts();
		assert.ok(p2.length > 0 && p2.every((r) => !p1.includes(r)));
		await shot('ranges');
		await page.locator('#ranges-prev').click();
		await page.waitForFunction(() => /^Ranges 1–25 /.test(
		    document.querySelector('#ranges-page').textContent));
		assert.deepEqual(await page.locator(col).allInnerTexts(), p1);
	},

	async logout() {
		await loginAdmin();
		await page.getByRole('button', { name: 'Log out' }).click();
		await page.locator('#login').waitFor({ state: 'visible' });
		assert.match(await page.locator('#msg').innerText(), /logged out/);
		assert.equal((await context.cookies()).some((c) => c.name === 'session'),
		    false);
		await page.reload();
		await page.locator('#login').waitFor({ state: 'visible' });
		assert.equal(await page.locator('#nav').isVisible(), false);
	},

	// Databases: a 404 in place, paging to the table created by the
	// test, its details by keyboard; nothing wider than a narrow screen.
	async databases() {
		await loginAdmin();
		await view('Databases');
		const db = page.getByLabel('Database', { exact: true });
		await page.locator('#db-name option[value="' + env.RG_DB + '"]')
		    .waitFor({ state: 'attached' });
		await db.selectOption(env.RG_OTHER_DB);
		await page.waitForFunction(() => /\(404\)/.test(
		    document.querySelector('#db-error').textContent));
		assert.match(await page.locator('#db-error').innerText(),
		    new RegExp('Database ' + env.RG_OTHER_DB + ': database not found'));
		await shot('databases-404');
		await db.selectOption(env.RG_DB);
		await page.locator('#db-error').waitFor({ state: 'hidden' });
		const pageText = () => page.locator('#tables-page').innerText();
		const btn = page.locator('#tables-table button[data-table="' +
		    env.RG_TABLE + '"]');
		await page.waitForFunction(() => /^Tables 1–/.test(
		    document.querySelector('#tables-page').textContent));
		const seen = [];
		while (await btn.count() === 0) {
			const names = await page.locator('#tables-table button')
			    .allInnerTexts();
			assert.ok(names.every((n) => !seen.includes(n)), 'page repeats');
			seen.push(...names);
			assert.equal(await page.locator('#tables-next').isDisabled(),
			    false, env.RG_TABLE + ' not listed: ' + seen.join());
			await page.locator('#tables-next').click();
			await page.waitForFunction((n) => document.querySelector(
			    '#tables-page').textContent.startsWith('Tables ' + n + '–'),
			    seen.length + 1);
		}
		// The test's 21 tables sort first: the table is on page 2.
		assert.ok(seen.length >= 20, 'not paged: ' + seen.join());
		assert.match(await pageText(), /^Tables 21–/);
		assert.equal(await page.locator('#tables-prev').isDisabled(), false);
		await btn.focus();
		await page.keyboard.press('Enter');
		const box = page.locator('#table-details');
		await box.waitFor({ state: 'visible' });
		assert.equal(await page.evaluate(() => document.activeElement.id),
		    'table-details');
		assert.equal(await page.locator('#td-name').innerText(),
		    env.RG_DB + '.' + env.RG_TABLE);
		const cols = await page.locator('#td-columns tbody td:first-child')
		    .allInnerTexts();
		assert.deepEqual(cols, ['id', 'name', 'note']);
		const idx = await page.locator('#td-indexes tbody td:first-child')
		    .allInnerTexts();
		assert.ok(idx.includes('console_probe_name'), idx.join());
		const create = await page.locator('#td-create').innerText();
		assert.match(create, /^CREATE TABLE /);
		assert.ok(create.includes(env.RG_TABLE.split('.')[1]), create);
		assert.match(await box.locator('dl').innerText(), /Ranges\s+[1-9]/);
		await shot('table-details');
		await narrow('table-details-narrow');
	},

	// Events: the table's create_table is the newest; paging by type.
	async events() {
		await loginAdmin();
		await view('Events');
		const type = page.getByLabel('Type', { exact: true });
		await type.fill('create_table');
		await page.getByRole('button', { name: 'Filter' }).click();
		await page.waitForFunction(() => /of type create_table/.test(
		    document.querySelector('#events-page').textContent));
		const rows = page.locator('#events-table tbody tr[data-type]');
		const mine = rows.filter({ hasText: env.RG_DB + '.' + env.RG_TABLE });
		assert.equal(await mine.count(), 1);
		assert.match(await rows.first().innerText(), new RegExp(env.RG_TABLE));
		assert.match(await mine.locator('td').nth(2).innerText(), /^n1$/);
		assert.ok((await rows.evaluateAll((r) => r.map((x) => x.dataset.type)))
		    .every((t) => t === 'create_table'));
		// RFC3339Nano drops trailing zeros: pad to 9 digits to compare.
		const times = (await rows.locator('time').evaluateAll((t) =>
		    t.map((x) => x.getAttribute('datetime')))).map((t) =>
		    t.replace(/(\.\d+)?Z$/, (m, f) => '.' +
		    ((f || '.').slice(1) + '00000000').slice(0, 9) + 'Z'));
		assert.ok(times.every((t) => /^\d{4}-.*T.*\.\d{9}Z$/.test(t)),
		    times.join());
		assert.ok(times.every((t, i) => i === 0 || t <= times[i - 1]),
		    'not newest first: ' + times.join());
		await shot('events');
		// 21 tables and the demo's: more than one page.
		await page.waitForFunction(() => /^Events 1–20 /.test(
		    document.querySelector('#events-page').textContent));
		const key = (r) => r.map((x) => x.textContent);
		const p1 = await rows.evaluateAll(key);
		await page.locator('#events-next').click();
		await page.waitForFunction(() => /^Events 21–/.test(
		    document.querySelector('#events-page').textContent));
		const p2 = await rows.evaluateAll(key);
		assert.ok(p2.length > 0 && p2.every((r) => !p1.includes(r)));
		await page.locator('#events-prev').click();
		await page.waitForFunction(() => /^Events 1–20 /.test(
		    document.querySelector('#events-page').textContent));
		assert.deepEqual(await rows.evaluateAll(key), p1);
	},

	// A non-admin browses databases but gets the 403 message on events.
	async 'events-forbidden'() {
		await login(env.RG_USER, env.RG_USER_PW);
		await page.locator('#nav').waitFor({ state: 'visible' });
		await view('Databases');
		await page.locator('#db-name option[value="' + env.RG_DB + '"]')
		    .waitFor({ state: 'attached' });
		await view('Events');
		await page.waitForFunction(() => /403.*not an admin/.test(
		    document.querySelector('#msg').textContent));
		assert.equal(await page.locator('#events-table tbody tr[data-type]')
		    .count(), 0);
		await shot('events-forbidden');
	},

	async forbidden() {
		await login(env.RG_USER, env.RG_USER_PW);
		await page.waitForFunction(() => /403.*not an admin/.test(
		    document.querySelector('#msg').textContent));
		assert.equal(await page.locator('#nodes-table tbody tr[data-node]')
		    .count(), 0);
		await shot('forbidden');
	},

	async unauthorized() {
		await login(env.RG_ADMIN, 'not the password');
		await page.waitForFunction(() => /Wrong user name or password \(401\)/
		    .test(document.querySelector('#msg').textContent));
		assert.equal(await page.locator('#login').isVisible(), true);
	},

	// Failed logins from this address are throttled: the 429 message
	// names the wait; after it, a good login works (and resets the count).
	async throttled() {
		await open();
		const msg = () => page.locator('#msg').innerText();
		for (let i = 0; i < 12 && !/429/.test(await msg()); i++) {
			await page.getByLabel('User name').fill('console_nobody');
			await page.getByLabel('Password').fill('wrong ' + i);
			await page.getByRole('button', { name: 'Log in' }).click();
			await page.waitForFunction(() => /\((401|429)\)/.test(
			    document.querySelector('#msg').textContent));
		}
		const m = (await msg()).match(/\(429\): try again in (\d+) seconds/);
		assert.ok(m, await msg());
		await shot('throttled');
		await page.waitForTimeout(1000 * Number(m[1]) + 500);
		await loginAdmin();
	},

	// A stopped standby: its banner, and the page still shows the rest.
	async 'banner-on'() {
		await loginAdmin();
		await page.waitForFunction(() => /Node n3 .* is UNAVAILABLE/.test(
		    document.querySelector('#banner').textContent));
		assert.equal(await page.locator('#nodes-table tbody tr[data-node]').count(),
		    Number(env.RG_NODES));
		await shot('standby-stopped');
	},

	async 'banner-off'() {
		await loginAdmin();
		await page.locator('#banner').waitFor({ state: 'hidden' });
	},
};

let code = 0;
try {
	assert.ok(scenarios[scenario], 'unknown scenario ' + scenario);
	await scenarios[scenario]();
	assert.deepEqual(offsite, [], 'requests left the origin');
	assert.deepEqual(cspErrors, [], 'CSP violations');
	console.log('ok ' + scenario);
} catch (e) {
	console.log('FAILED ' + scenario + ': ' + (e.stack || e));
	await shot('failed-' + scenario).catch(() => {});
	code = 1;
} finally {
	await browser.close();
}
process.exit(code);
