/* SPDX-License-Identifier: ISC */
/*
 * The online counter, better with JavaScript: pick the certificate file
 * itself (read here, sent to /api/v1/check), see the answer without a
 * reload, and keep it when switching language.  The page works without
 * this file: the form posts pasted PEM to /check.
 * The certificate is held in memory only, never stored.
 */
(function () {
	'use strict';

	var held = null;	/* the last certificate checked (string or ArrayBuffer) */
	var locales = { ja: 'ja-JP', en: 'en-GB', es: 'es-ES' };

	function lang() {
		return document.documentElement.lang || 'ja';
	}

	function day(iso) {
		if (!iso)
			return '';
		try {
			return new Intl.DateTimeFormat(locales[lang()] || 'ja-JP', {
				timeZone: 'Asia/Tokyo', year: 'numeric', month: 'long',
				day: 'numeric'
			}).format(new Date(iso));
		} catch (e) {
			return iso.slice(0, 10);
		}
	}

	function setField(box, name, value) {
		var row = box.querySelector('[data-field="' + name + '"]');

		if (!row)
			return;
		row.querySelector('dd').textContent = value || '';
		row.hidden = !value;
	}

	function setPart(box, name, text) {
		var el = box.querySelector('[data-part="' + name + '"]');

		if (!el)
			return;
		el.textContent = text || '';
		el.hidden = !text;
	}

	/* The rules of the card in hand: a heading and a list. */
	function setRules(box, title, rules) {
		var el = box.querySelector('[data-part="rules"]');
		var list, i, li;

		if (!el)
			return;
		el.querySelector('h3').textContent = title || '';
		list = el.querySelector('ul');
		while (list.firstChild)
			list.removeChild(list.firstChild);
		for (i = 0; rules && i < rules.length; i++) {
			li = document.createElement('li');
			li.textContent = rules[i];
			list.appendChild(li);
		}
		el.hidden = !(rules && rules.length);
	}

	function show(r, ok) {
		var box = document.getElementById('result');
		var form = document.getElementById('check');

		box.className = 'result result-' + (ok ? r.status : 'error');
		box.querySelector('.headline').textContent =
		    ok ? r.headline : form.getAttribute('data-error');
		box.querySelector('.detail').textContent = ok ? r.detail : (r.message || '');
		box.querySelector('.advice').textContent = ok ? r.advice : '';
		setPart(box, 'renewal', ok ? r.renewal_text : '');
		setPart(box, 'lost', ok ? r.lost_card_text : '');
		setRules(box, ok ? r.card_rules_title : '', ok ? r.card_rules : []);
		setField(box, 'status', ok ? r.headline : '');
		setField(box, 'card', ok ? r.card_text : '');
		setField(box, 'kind', ok ? r.kind_text : '');
		setField(box, 'serial', ok ? r.serial : '');
		setField(box, 'issuer', ok ? r.issuer : '');
		setField(box, 'not_before', ok ? day(r.not_before) : '');
		setField(box, 'not_after', ok ? day(r.not_after) : '');
		setField(box, 'revoked_at', ok ? day(r.revoked_at) : '');
		setField(box, 'reason', ok ? r.reason_text : '');
		box.hidden = false;
		box.focus();
	}

	function busy(on) {
		var form = document.getElementById('check');
		var button = form.querySelector('button[type="submit"]');

		if (!button.hasAttribute('data-label'))
			button.setAttribute('data-label', button.textContent);
		button.disabled = on;
		button.textContent = on ? form.getAttribute('data-checking') :
		    button.getAttribute('data-label');
	}

	function send(body) {
		held = body;
		busy(true);
		return fetch('/api/v1/check?lang=' + encodeURIComponent(lang()), {
			method: 'POST',
			body: body,
			headers: { 'Content-Type': typeof body === 'string' ?
			    'application/x-pem-file' : 'application/pkix-cert' },
			credentials: 'same-origin',
			cache: 'no-store'
		}).then(function (res) {
			return res.json().then(function (j) {
				show(j, res.ok && j.status !== undefined);
			});
		}).catch(function () {
			show({ message: '' }, false);
		}).then(function () {
			busy(false);
		});
	}

	function onSubmit(ev) {
		var file = document.getElementById('file');
		var pem = document.getElementById('pem');
		var f = file && file.files && file.files[0];

		ev.preventDefault();
		if (f)
			f.arrayBuffer().then(send);
		else
			send(pem.value);
	}

	function onFile() {
		var file = document.getElementById('file');

		if (file.files && file.files[0])
			onSubmit({ preventDefault: function () {} });
	}

	function init() {
		var form = document.getElementById('check');
		var extras = document.querySelectorAll('.js-only');

		if (!form || !window.fetch)
			return;
		for (var i = 0; i < extras.length; i++)
			extras[i].hidden = false;
		form.addEventListener('submit', onSubmit);
		document.getElementById('file').addEventListener('change', onFile);
	}

	/* Switching language keeps the answer: fetch the page in the new
	 * language, swap it in, and ask again for the held certificate. */
	document.addEventListener('click', function (ev) {
		var a = ev.target.closest ? ev.target.closest('.langs a') : null;

		if (!a || held === null || !window.DOMParser)
			return;
		ev.preventDefault();
		fetch(a.href, { credentials: 'same-origin', cache: 'no-store' })
		    .then(function (res) { return res.text(); })
		    .then(function (text) {
			var doc = new DOMParser().parseFromString(text, 'text/html');

			document.documentElement.lang = doc.documentElement.lang;
			document.title = doc.title;
			document.body.replaceWith(document.importNode(doc.body, true));
			history.replaceState(null, '', a.href);
			init();
			return send(held);
		}).catch(function () {
			window.location.href = a.href;
		});
	});

	if (document.readyState === 'loading')
		document.addEventListener('DOMContentLoaded', init);
	else
		init();
}());
