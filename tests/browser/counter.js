// The online counter in headless Chromium (playwright-core drives the
// system's /usr/bin/chromium): upload a certificate through the file input,
// read the answer from the DOM, switch language with the visible switch,
// screenshots; then the same page with JavaScript off, through the form.
// Usage: node counter.js URL CERTS_DIR OUT_DIR
'use strict';
const { chromium } = require('playwright-core');
const path = require('path');

const [url, certs, out] = process.argv.slice(2);
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic',
	'--no-first-run', '--disable-background-networking',
	'--disable-component-update', '--disable-sync'];
let fails = 0;

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

async function withJs(browser) {
	const ctx = await browser.newContext({ locale: 'ja-JP',
	    viewport: { width: 1100, height: 900 } });
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
	r = await result(page, 'not_issued_here');
	expect(r.headline === 'No emitido por esta autoridad', 'forged: not issued here', r.headline);
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

	// Phone width.
	await page.setViewportSize({ width: 375, height: 800 });
	const wide = await page.evaluate(() => document.documentElement.scrollWidth);
	expect(wide <= 375, 'no sideways scrolling at phone width', wide);
	await page.screenshot({ path: path.join(out, 'counter-phone.png'), fullPage: true });

	expect(problems.length === 0, 'no script errors or CSP violations', problems.join(' | '));
	await ctx.close();
}

async function withoutJs(browser) {
	const ctx = await browser.newContext({ javaScriptEnabled: false,
	    locale: 'es-ES', viewport: { width: 1100, height: 900 } });
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
	await ctx.close();
}

(async () => {
	const browser = await chromium.launch({ executablePath: '/usr/bin/chromium',
	    args: ARGS, timeout: 30000 });
	try {
		await withJs(browser);
		await withoutJs(browser);
	} catch (e) {
		fail('browser run: ' + (e && e.stack || e));
	} finally {
		await browser.close();
	}
	console.log(fails === 0 ? 'all browser checks passed' : fails + ' browser check(s) failed');
	process.exit(fails === 0 ? 0 : 1);
})();
