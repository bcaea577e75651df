/* SPDX-License-Identifier: ISC */
// The online counter in headless Chromium (playwright-core drives the
// system's /usr/bin/chromium, each run in a fresh --user-data-dir): upload a
// certificate through the file input, read the answer from the DOM, switch
// language with the visible switch, screenshots; the rules of the card in
// hand (Juki, My Number), the hold (一時保留) with its 24-hour line, the
// renewal notice and the issuer's name, in ja/en/es; then the same page
// with JavaScript off, through the form, and GET /check reloaded.
// Usage: node counter.js URL CERTS_DIR OUT_DIR
'use strict';
const { chromium } = require('playwright-core');
const fs = require('fs');
const os = require('os');
const path = require('path');

const [url, certs, out] = process.argv.slice(2);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];
let fails = 0;
const ISSUER = 'Inagi Resident Card CA (inagi)';
const LOST_LINE = '0120-95-0178';

function ok(what) { console.log('ok: ' + what); }
function fail(what) { console.log('FAIL: ' + what); fails++; }
function expect(cond, what, got) {
	if (cond)
		ok(what);
	else
		fail(what + (got !== undefined ? ' (got: ' + got + ')' : ''));
}

async function result(page, status) {
	const box = page.locator('#result.result-' + status);
	await box.waitFor({ state: 'visible', timeout: 15000 });
	return {
		headline: (await box.locator('.headline').textContent()).trim(),
		detail: (await box.locator('.detail').textContent()).trim(),
		advice: (await box.locator('.advice').textContent()).trim(),
	};
}

async function withJs(ctx) {
	const page = await ctx.newPage();
	const problems = [];
	// the junk upload's 400 is expected; anything else (CSP) is not
	page.on('console', (m) => {
		if (m.type() === 'error' && !/status of 400/.test(m.text()))
			problems.push(m.text());
	});
	page.on('pageerror', (e) => problems.push(String(e)));
	page.setDefaultTimeout(15000);

	await page.goto(url + '/');
	expect(await page.getAttribute('html', 'lang') === 'ja', 'page opens in Japanese');
	expect(await page.getByLabel('証明書ファイル（PEM または DER）').isVisible(),
	    'the file picker (with its label) appears with JavaScript');

	// Upload the revoked-by-moving certificate through the file input.
	await page.setInputFiles('#file', path.join(certs, 'moved-sign.pem'));
	let r = await result(page, 'revoked');
	expect(r.headline === '失効しています' && r.detail.includes('住所'),
	    'ja: revoked because the address changed', r.detail);
	expect(page.url() === url + '/', 'answered without leaving the page', page.url());
	const serial = await page.locator('[data-field="serial"] dd').textContent();
	expect(/^[0-9A-F]{16,40}$/.test(serial), 'serial shown from the certificate', serial);
	await page.screenshot({ path: path.join(out, 'counter-ja.png'), fullPage: true });

	// The visible language switch keeps the answer.
	await page.click('nav.langs a[data-lang="en"]');
	await page.waitForSelector('html[lang="en"]');
	r = await result(page, 'revoked');
	await page.waitForFunction(() => document.querySelector('#result .detail')
	    .textContent.includes('address'));
	r = await result(page, 'revoked');
	expect(r.detail.includes('because your address, name or other recorded details changed'),
	    'en after the switch: ' + r.detail);
	expect((await page.textContent('h1')).includes('Check whether your electronic certificate'),
	    'en: the whole page switched');
	expect(page.url().endsWith('/?lang=en'), 'the address bar names the language', page.url());
	await page.screenshot({ path: path.join(out, 'counter.png'), fullPage: true });

	await page.click('nav.langs a[data-lang="es"]');
	await page.waitForSelector('html[lang="es"]');
	await page.waitForFunction(() => document.querySelector('#result .detail')
	    .textContent.includes('dirección'));
	r = await result(page, 'revoked');
	expect(r.detail.includes('cambió su dirección'), 'es after the switch: ' + r.detail);

	// DER through the same picker; a valid one; a non-certificate.
	await page.setInputFiles('#file', path.join(out, 'tmp-good.der'));
	r = await result(page, 'valid');
	expect(r.detail.startsWith('Este certificado electrónico es válido hasta'),
	    'es: DER upload of a valid certificate', r.detail);
	await page.setInputFiles('#file', path.join(out, 'tmp-forged.pem'));
	r = await result(page, 'possible_forgery');
	expect(r.headline === 'Posible falsificación', 'forged: called a possible forgery', r.headline);
	expect(r.detail.includes(ISSUER) && r.detail.includes('falsificado'),
	    'forged: says whose name it copies', r.detail);
	await page.setInputFiles('#file', path.join(out, 'tmp-junk.txt'));
	r = await result(page, 'error');
	expect(r.detail.includes('No se pudo leer como certificado'), 'junk: a clear error', r.detail);

	// Pasted PEM with JavaScript on goes through the API too.
	await page.click('nav.langs a[data-lang="en"]');
	await page.waitForSelector('html[lang="en"]');
	await page.fill('#pem', require('fs').readFileSync(path.join(certs, 'lost-sign.pem'), 'utf8'));
	await page.getByRole('button', { name: 'Check' }).click();
	await page.waitForFunction(() => document.querySelector('#result .headline')
	    .textContent === 'On hold');
	r = await result(page, 'hold');
	expect(r.detail.includes('reported lost'), 'en: pasted PEM, on hold', r.detail);

	// The language switch keeps the hold answer, with its line.
	await page.click('nav.langs a[data-lang="ja"]');
	await page.waitForSelector('html[lang="ja"]');
	await page.waitForFunction(() => document.querySelector('#result .headline')
	    .textContent === '一時保留中です');
	expect(await page.locator('[data-part="lost"]').isVisible() &&
	    (await page.locator('[data-part="lost"]').innerText()).includes(LOST_LINE),
	    'ja after the switch: the hold keeps its 24-hour line');

	// Phone width.
	await page.setViewportSize({ width: 375, height: 800 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(wide <= 375, 'no sideways scrolling at phone width', wide);
	await page.screenshot({ path: path.join(out, 'counter-phone.png'), fullPage: true });

	expect(problems.length === 0, 'no script errors or CSP violations', problems.join(' | '));
	await page.close();
}

// What each language must show for the card cases.
const WORDS = {
	ja: {
		juki: ['住民基本台帳カード', '発行の日から3年間', 'パスワードを5回続けて間違える'],
		mynumber: ['マイナンバーカード', '発行後5回目の誕生日まで', '5回', '3回',
		    '転居しても、利用者証明用電子証明書はそのまま使えます'],
		hold: '一時保留中です', holdDetail: '一時保留', lost: '24時間',
		renewal: '更新の申請は今から受け付けています', office: '平尾出張所',
		issuerLabel: '発行者',
	},
	en: {
		juki: ['Juki card', 'valid for 3 years from issuance', '5 times in a row'],
		mynumber: ['My Number Card', 'until your 5th birthday after issuance',
		    'locks after 5 wrong tries', 'lock after 3', 'stays valid when you move'],
		hold: 'On hold', holdDetail: 'on hold', lost: '24-hour line',
		renewal: 'Renewal is open now', office: 'Hirao branch',
		issuerLabel: 'Issuer',
	},
	es: {
		juki: ['Tarjeta de Registro de Residente', 'válido durante 3 años', '5 veces seguidas'],
		mynumber: ['Tarjeta Mi Número', 'hasta su 5.º cumpleaños', 'tras 5 intentos',
		    'tras 3', 'sigue siendo válido si se muda'],
		hold: 'Suspendido temporalmente', holdDetail: 'suspendido', lost: 'línea de 24 horas',
		renewal: 'La renovación ya está abierta', office: 'Sucursal de Hirao',
		issuerLabel: 'Emisor',
	},
};

async function visibleText(page, sel) {
	const el = page.locator(sel);
	return (await el.isVisible()) ? (await el.innerText()).trim() : '';
}

// One certificate in one language, as the resident sees it.
async function cardCase(page, lang, file, status, name, check) {
	await page.goto(url + '/?lang=' + lang);
	await page.setInputFiles('#file', path.join(certs, file));
	const r = await result(page, status);
	const v = {
		r,
		rulesH: await visibleText(page, '#result [data-part="rules"] h3'),
		rules: await visibleText(page, '#result [data-part="rules"] ul'),
		lost: await visibleText(page, '#result [data-part="lost"]'),
		renewal: await visibleText(page, '#result [data-part="renewal"]'),
		issuer: await visibleText(page, '#result [data-field="issuer"] dd'),
		issuerLabel: await visibleText(page, '#result [data-field="issuer"] dt'),
		card: await visibleText(page, '#result [data-field="card"] dd'),
	};
	const w = WORDS[lang];
	expect(v.issuer === ISSUER && v.issuerLabel === w.issuerLabel,
	    lang + ' ' + name + ': issuer shown by name', v.issuerLabel + ' ' + v.issuer);
	check(v, w);
	await page.screenshot({ path: path.join(out, 'counter-' + name + '-' + lang + '.png'),
	    fullPage: true });
}

function hasAll(text, words, what) {
	const missing = words.filter((x) => !text.includes(x));
	expect(missing.length === 0, what, 'missing ' + missing.join(', ') + ' in: ' + text);
}

async function cards(ctx) {
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);
	for (const lang of ['ja', 'en', 'es']) {
		await cardCase(page, lang, 'juki-expired-sign.pem', 'expired', 'juki', (v, w) => {
			hasAll(v.rulesH + ' ' + v.rules, w.juki, lang + ' juki: the Juki card rules');
			expect(!v.rules.includes('3回') && !v.rules.includes('lock after 3') &&
			    !v.rules.includes('tras 3'), lang + ' juki: no My Number PIN rule', v.rules);
			expect(v.card === w.juki[0] || v.card.startsWith(w.juki[0]),
			    lang + ' juki: the card named', v.card);
			expect(v.renewal === '' && v.lost === '', lang + ' juki: no renewal or lost line');
		});
		await cardCase(page, lang, 'good-auth.pem', 'valid', 'mynumber', (v, w) => {
			hasAll(v.rulesH + ' ' + v.rules, w.mynumber, lang + ' My Number: the card rules');
			expect(v.renewal === '', lang + ' My Number years ahead: no renewal notice', v.renewal);
		});
		await cardCase(page, lang, 'lost-sign.pem', 'hold', 'hold', (v, w) => {
			expect(v.r.headline === w.hold, lang + ' hold: headline', v.r.headline);
			expect(v.r.detail.toLowerCase().includes(w.holdDetail.toLowerCase()),
			    lang + ' hold: detail', v.r.detail);
			expect(v.lost.includes(LOST_LINE) && v.lost.includes(w.lost),
			    lang + ' hold: the 24-hour lost-card line', v.lost);
			hasAll(v.rules, w.mynumber.slice(1, 2), lang + ' hold: card rules too');
		});
		await cardCase(page, lang, 'renewal-due-sign.pem', 'valid', 'renewal', (v, w) => {
			expect(v.renewal.includes(w.renewal) && v.renewal.includes(w.office),
			    lang + ' near expiry: renewal open now, and where', v.renewal);
			expect(v.lost === '', lang + ' near expiry: no lost-card line');
		});
	}
	await page.close();
}

async function withoutJs(ctx) {
	const page = await ctx.newPage();
	page.setDefaultTimeout(15000);

	await page.goto(url + '/');
	expect(await page.getAttribute('html', 'lang') === 'es',
	    'no JS: Accept-Language es picks Spanish');
	expect(!(await page.locator('#file').isVisible()),
	    'no JS: no file picker that could not work');
	await page.getByLabel('O pegue el texto del certificado (PEM)')
	    .fill(require('fs').readFileSync(path.join(certs, 'moved-sign.pem'), 'utf8'));
	await Promise.all([page.waitForNavigation(),
	    page.getByRole('button', { name: 'Verificar' }).click()]);
	expect(page.url() === url + '/check', 'no JS: the form posted to /check', page.url());
	const r = await result(page, 'revoked');
	expect(r.detail.includes('cambió su dirección'), 'no JS: es revoked: ' + r.detail);
	await page.screenshot({ path: path.join(out, 'counter-nojs.png'), fullPage: true });

	await page.click('nav.langs a[data-lang="ja"]');
	await page.waitForSelector('html[lang="ja"]');
	const text = await page.textContent('main');
	for (const words of ['3年間', '5回続けて', '転居', '婚姻', '運転免許証', '042-378-2111'])
		expect(text.includes(words), 'no JS: ja rules text has ' + words);

	// A hold through the form: 一時保留 and the line, without JavaScript.
	await page.goto(url + '/?lang=ja');
	await page.getByLabel('証明書の文字列（PEM）を貼り付け')
	    .fill(fs.readFileSync(path.join(certs, 'lost-sign.pem'), 'utf8'));
	await Promise.all([page.waitForNavigation(),
	    page.getByRole('button', { name: '確認する' }).click()]);
	const h = await result(page, 'hold');
	expect(h.headline === '一時保留中です', 'no JS: ja hold is 一時保留', h.headline);
	const lost = await visibleText(page, '#result [data-part="lost"]');
	expect(lost.includes(LOST_LINE), 'no JS: the 24-hour line', lost);
	await page.screenshot({ path: path.join(out, 'counter-nojs-hold-ja.png'), fullPage: true });

	// The result URL bookmarked or reloaded: GET /check is the page.
	const resp = await page.goto(url + '/check?lang=en');
	expect(resp.status() === 200 && resp.headers()['content-type'].startsWith('text/html'),
	    'no JS: GET /check is the page', resp.status() + ' ' + resp.headers()['content-type']);
	expect(await page.getByLabel('Or paste the certificate text (PEM)').isVisible(),
	    'no JS: GET /check shows the form');
	const icon = await page.request.get(url + '/favicon.ico');
	expect(icon.status() === 200 && icon.headers()['content-type'] === 'image/x-icon',
	    'favicon.ico is an icon', icon.status() + ' ' + icon.headers()['content-type']);
}

// A browser of its own: a fresh --user-data-dir (playwright passes it as
// that flag for a persistent context) that is removed afterwards.
async function launch(opts) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'counter-chromium-'));
	const ctx = await chromium.launchPersistentContext(dir, Object.assign({
		executablePath: '/usr/bin/chromium', args: ARGS, timeout: 30000,
		viewport: { width: 1100, height: 900 },
	}, opts));
	return { ctx, dir };
}

async function run(opts, fn) {
	const b = await launch(opts);
	try {
		await fn(b.ctx);
	} catch (e) {
		fail('browser run: ' + (e && e.stack || e));
	} finally {
		await b.ctx.close();
		fs.rmSync(b.dir, { recursive: true, force: true });
	}
}

(async () => {
	await run({ locale: 'ja-JP' }, withJs);
	await run({ locale: 'ja-JP' }, cards);
	await run({ locale: 'es-ES', javaScriptEnabled: false }, withoutJs);
	console.log(fails === 0 ? 'all browser checks passed' : fails + ' browser check(s) failed');
	process.exit(fails === 0 ? 0 : 1);
})();
