/* SPDX-License-Identifier: ISC */
/*
 * counter_i18n.c: the online counter's words.  Japanese is the default; the
 * rules texts follow the city's page (seed/000_*.txt): three years of
 * validity, invalidation on moving, marriage or card replacement, the lock
 * after five wrong passwords and where to unlock it.  The rules of the card
 * in hand (M_CR_*) follow JPKI practice: Juki certificates 3 years, My
 * Number certificates to the 5th birthday after issuance, signature
 * password 5 tries, PINs 3, the authentication certificate kept on moving.
 * A hold is 一時保留 (JPKI's word for the lost-card suspension).
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "counter_i18n.h"

static const char *const text[LANG_COUNT][M_COUNT] = {
[LANG_JA] = {
	[M_HTML_TITLE] = "電子証明書の有効性確認 | オンライン窓口",
	[M_CITY] = "市役所",
	[M_SERVICE] = "電子証明書 オンライン窓口",
	[M_LANG_NAV] = "表示言語",
	[M_SKIP] = "本文へ移動",
	[M_H1] = "電子証明書の有効性を確認する",
	[M_INTRO] = "住民基本台帳カード・マイナンバーカードの電子証明書が、いま有効かどうかを確認できます。利用者クライアントソフトで書き出した証明書ファイルを選ぶか、証明書の文字列を貼り付けてください。",
	[M_FILE_LABEL] = "証明書ファイル（PEM または DER）",
	[M_FILE_HINT] = "ファイルはこの画面から市の窓口サーバーへ送られ、判定後は保存されません。",
	[M_PEM_LABEL] = "証明書の文字列（PEM）を貼り付け",
	[M_PEM_HINT] = "「-----BEGIN CERTIFICATE-----」から「-----END CERTIFICATE-----」までを貼り付けてください。",
	[M_SUBMIT] = "確認する",
	[M_PRIVACY] = "表示するのは、お持ちの証明書に書かれている内容と、その証明書の状態だけです。番号や氏名で他の人の証明書を調べることはできません。",
	[M_CHECKING] = "確認しています…",

	[M_RESULT_H] = "確認結果",
	[M_F_STATUS] = "状態",
	[M_F_KIND] = "証明書の種類",
	[M_F_SERIAL] = "シリアル番号",
	[M_F_ISSUER] = "発行者",
	[M_F_NOT_BEFORE] = "有効期間の開始",
	[M_F_NOT_AFTER] = "有効期間の満了",
	[M_F_REVOKED_AT] = "失効日",
	[M_F_REASON] = "失効の理由",
	[M_KIND_SIGN] = "署名用電子証明書",
	[M_KIND_AUTH] = "利用者証明用電子証明書",
	[M_JST] = "日本時間",

	[M_H_VALID] = "有効です",
	[M_D_VALID_FMT] = "この電子証明書は%1$sまで有効です（日本時間）。",
	[M_N_VALID] = "これは電子証明書の有効期限です。カードの表面に書かれたカード自体の有効期限とは異なります。",
	[M_H_EXPIRED] = "有効期限が切れています",
	[M_D_EXPIRED_FMT] = "この電子証明書は%1$sに有効期限が切れました（日本時間）。",
	[M_N_EXPIRED_JUKI] = "住民基本台帳カードの電子証明書の更新（新規発行）は終了しました。電子証明書が必要な場合は、マイナンバーカードを申請してください。",
	[M_N_EXPIRED_MYNUMBER] = "引き続き電子証明書を使う場合は、マイナンバーカードを持って下記の窓口で新しい電子証明書の発行を申請してください。",
	[M_H_REVOKED] = "失効しています",
	[M_D_REVOKED_FMT] = "この電子証明書は%1$sに失効しました（日本時間）。理由：%2$s。",
	[M_R_AFFILIATION] = "住所・氏名など証明書に記録された内容が変わったため",
	[M_R_SUPERSEDED] = "カードが新しいカードに替わったため",
	[M_R_CESSATION] = "利用が終了したため（ご本人の申出、カードの返納、または紛失届を出したカードが見つかった場合など）",
	[M_R_KEY_COMPROMISE] = "秘密鍵が漏えいしたおそれがあるため",
	[M_R_OTHER] = "市が記録した理由による",
	[M_N_AFFILIATION] = "転居や婚姻などで証明書の内容が変わると、電子証明書は自動的に使えなくなります。必要な場合は、カードを持って下記の窓口で新しい電子証明書を申請してください。",
	[M_N_SUPERSEDED] = "新しいカードの電子証明書をお使いください。新しいカードに電子証明書がない場合は、下記の窓口で申請してください。",
	[M_N_CESSATION] = "再び電子証明書が必要になった場合は、カードを持って下記の窓口で申請してください。",
	[M_N_KEY_COMPROMISE] = "この証明書は使わないでください。カードを持って下記の窓口で新しい電子証明書を申請し、パスワードを変更してください。",
	[M_N_OTHER] = "詳しくは下記の窓口または電話でお問い合わせください。",
	[M_H_HOLD] = "一時保留中です",
	[M_D_HOLD_FMT] = "カードの紛失届が出ているため、この電子証明書は%1$sから一時保留（一時停止）されています（日本時間）。",
	[M_N_HOLD] = "カードが見つかっても、この電子証明書は再び使えるようにはなりません。見つかったカードを持って下記の窓口で手続きをし、電子証明書を申請し直してください。身に覚えがない場合は、すぐに市民課へ連絡してください。",
	[M_H_UNKNOWN] = "この窓口では確認できません",
	[M_D_UNKNOWN] = "この証明書は市の認証局の署名を持っていますが、市の登録簿に記録がありません。",
	[M_N_UNKNOWN] = "市民課へお問い合わせください。",
	[M_H_NOT_HERE] = "この認証局が発行した証明書ではありません",
	[M_D_NOT_HERE] = "この証明書は市の認証局の署名で確認できませんでした。そのため、この窓口では有効かどうかを判定しません。",
	[M_N_NOT_HERE] = "選んだファイルが正しいか確かめてください。他の自治体や公的個人認証サービスの証明書は、公的個人認証サービスのポータルサイトで確認できます。",

	[M_H_FORGED] = "偽造の可能性がある証明書です",
	[M_D_FORGED_FMT] = "この証明書は発行者として市の認証局（%1$s）の名前を名乗っていますが、その署名は市の認証局の鍵で確認できません。市が発行した証明書ではなく、偽造されたおそれがあります。",
	[M_N_FORGED] = "この証明書を信用しないでください。誰かから受け取った場合は、その相手に確かめたうえで市民課へお知らせください。",
	[M_LOST_LINE_FMT] = "カードを紛失した・盗まれたときや、身に覚えのない一時保留のときは、24時間受付の電話 %s へすぐに連絡してください。",
	[M_RENEWAL_FMT] = "有効期間の満了（%1$s）が近づいています。更新の申請は今から受け付けています。マイナンバーカードを持って次の窓口へお越しください：%2$s。",
	[M_RENEWAL_JUKI_FMT] = "有効期間の満了（%1$s）が近づいています。住民基本台帳カードの電子証明書は更新できません。引き続き必要な場合は、マイナンバーカードを申請してください。",
	[M_LIST_SEP] = "、",
	[M_F_CARD] = "カードの種類",
	[M_CARD_JUKI] = "住民基本台帳カード",
	[M_CARD_MYNUMBER] = "マイナンバーカード",
	[M_CARD_RULES_H_FMT] = "%sの電子証明書の決まり",
	[M_CR_JUKI_VALIDITY_FMT] = "電子証明書の有効期間は、発行の日から%1$d年間です（カード自体の有効期限を過ぎることはありません）。",
	[M_CR_JUKI_LOCK] = "パスワードを5回続けて間違えると、カードがロックされます。ロックの解除は下記の窓口でできます。",
	[M_CR_JUKI_END] = "住民基本台帳カードの電子証明書は更新（新規発行）できません。必要な場合はマイナンバーカードを申請してください。",
	[M_CR_MN_VALIDITY_FMT] = "電子証明書の有効期間は、発行後%1$d回目の誕生日までです（カード自体の有効期限を過ぎることはありません）。",
	[M_CR_MN_PASSWORDS] = "署名用電子証明書のパスワード（英数字6〜16文字）は5回、利用者証明用電子証明書などの暗証番号（数字4桁）は3回続けて間違えるとロックされます。ロックの解除は下記の窓口でできます。",
	[M_CR_MN_MOVE] = "転居しても、利用者証明用電子証明書はそのまま使えます。署名用電子証明書は住所などが変わると失効します。",

	[M_E_TITLE] = "確認できませんでした",
	[M_E_EMPTY] = "証明書が入力されていません。ファイルを選ぶか、証明書の文字列を貼り付けてください。",
	[M_E_MALFORMED] = "証明書として読み取れませんでした。PEM または DER 形式の電子証明書を指定してください。",
	[M_E_TOO_LARGE] = "送られたデータが大きすぎます。電子証明書のファイルだけを指定してください。",
	[M_E_RATE] = "確認の回数が多すぎます。しばらく待ってからもう一度お試しください。",
	[M_E_UNAVAILABLE] = "ただいま登録簿を確認できません。時間をおいてもう一度お試しください。",

	[M_WHERE_H] = "手続きの窓口",
	[M_WHERE_INTRO] = "電子証明書の申請、パスワードの変更、カードのロック解除は、次の窓口でできます。",
	[M_PHONE_FMT] = "電話：%s",
	[M_OFFICE_CITY_HALL] = "市役所1階 市民課",
	[M_OFFICE_HIRAO] = "平尾出張所",
	[M_OFFICE_WAKABADAI] = "若葉台出張所",

	[M_RULES_H] = "住民基本台帳カードの電子証明書を使うときの注意",
	[M_RULE_VALIDITY_H] = "有効期間",
	[M_RULE_VALIDITY] = "電子証明書の有効期間は、発行の日から3年間です。",
	[M_RULE_COPY] = "有効期間の満了日は、発行時に市民課が交付する「電子証明書の写し」に書かれています。大切に保管してください。",
	[M_RULE_CARD_EXPIRY] = "これは、カードの表面に書かれた住民基本台帳カードの有効期限とは異なります。",
	[M_RULE_JUKI_END] = "住民基本台帳カードの電子証明書の更新（新規発行）は終了しました。電子証明書が必要な場合は、マイナンバーカードを取得してください。",
	[M_RULE_REVOKE_H] = "電子証明書の失効",
	[M_RULE_REVOKE] = "電子証明書は、有効期間が満了したときのほか、転居による住所の変更や婚姻による氏名の変更など、証明書の内容に変更があったときも自動的に失効します。住民基本台帳カードを交換したときも、電子証明書は失効します。",
	[M_RULE_PASSWORD_H] = "パスワードとカードのロック",
	[M_RULE_LOCK] = "パスワードを5回続けて間違えると、カードがロックされて使えなくなります。",
	[M_RULE_PASSWORD] = "ロックの解除とパスワードの変更は、市役所1階市民課、平尾出張所、若葉台出張所でできます。パスワードは、利用者クライアントソフトとICカードリーダライタを使ってパソコンからも変更できます。",
	[M_RULE_BRING] = "窓口ではカードを持参してください。写真のないカードの場合は、運転免許証など写真付きの公的な書類もお持ちください。",
	[M_RULE_LEND] = "パスワードを他の人に教えたり、カードを貸したりしないでください。パスワードを知られたおそれがある場合は、すぐに変更してください。",
	[M_CONTACT_FMT] = "このページに関するお問い合わせ：市民課　電話：%s",
},
[LANG_EN] = {
	[M_HTML_TITLE] = "Check your electronic certificate | Online counter",
	[M_CITY] = "City Hall",
	[M_SERVICE] = "Electronic certificates: online counter",
	[M_LANG_NAV] = "Language",
	[M_SKIP] = "Skip to the main content",
	[M_H1] = "Check whether your electronic certificate is valid",
	[M_INTRO] = "Check whether the electronic certificate on your Basic Resident Register card or My Number Card is valid now. Choose the certificate file exported by the user client software, or paste the certificate text.",
	[M_FILE_LABEL] = "Certificate file (PEM or DER)",
	[M_FILE_HINT] = "The file is sent from this page to the city's counter server and is not stored after the check.",
	[M_PEM_LABEL] = "Or paste the certificate text (PEM)",
	[M_PEM_HINT] = "Paste everything from \"-----BEGIN CERTIFICATE-----\" to \"-----END CERTIFICATE-----\".",
	[M_SUBMIT] = "Check",
	[M_PRIVACY] = "Only what your certificate itself contains and its status are shown. Nobody can look up other people's certificates by number or name here.",
	[M_CHECKING] = "Checking…",

	[M_RESULT_H] = "Result",
	[M_F_STATUS] = "Status",
	[M_F_KIND] = "Certificate type",
	[M_F_SERIAL] = "Serial number",
	[M_F_ISSUER] = "Issuer",
	[M_F_NOT_BEFORE] = "Valid from",
	[M_F_NOT_AFTER] = "Valid until",
	[M_F_REVOKED_AT] = "Revoked on",
	[M_F_REASON] = "Reason",
	[M_KIND_SIGN] = "Signature certificate",
	[M_KIND_AUTH] = "User authentication certificate",
	[M_JST] = "Japan time",

	[M_H_VALID] = "Valid",
	[M_D_VALID_FMT] = "This electronic certificate is valid until %1$s (Japan time).",
	[M_N_VALID] = "This is the certificate's expiry date, not the expiry date of the card itself printed on its front.",
	[M_H_EXPIRED] = "Expired",
	[M_D_EXPIRED_FMT] = "This electronic certificate expired on %1$s (Japan time).",
	[M_N_EXPIRED_JUKI] = "Juki-card (Basic Resident Register card) certificates are no longer renewed. If you need an electronic certificate, apply for a My Number Card.",
	[M_N_EXPIRED_MYNUMBER] = "To keep using electronic certificates, bring your My Number Card to one of the offices below and apply for new certificates.",
	[M_H_REVOKED] = "Revoked",
	[M_D_REVOKED_FMT] = "This electronic certificate was revoked on %1$s (Japan time) because %2$s.",
	[M_R_AFFILIATION] = "your address, name or other recorded details changed",
	[M_R_SUPERSEDED] = "your card was replaced",
	[M_R_CESSATION] = "its use was stopped (you asked for it, the card was returned, or a card reported lost was found)",
	[M_R_KEY_COMPROMISE] = "its key may have been compromised",
	[M_R_OTHER] = "of a decision recorded by the city",
	[M_N_AFFILIATION] = "A certificate stops working automatically when its details change, for example after moving or marriage. If you need one, bring your card to one of the offices below and apply for a new certificate.",
	[M_N_SUPERSEDED] = "Use the certificates on your new card. If your new card has none, apply at one of the offices below.",
	[M_N_CESSATION] = "If you need an electronic certificate again, bring your card to one of the offices below and apply.",
	[M_N_KEY_COMPROMISE] = "Do not use this certificate. Bring your card to one of the offices below, apply for a new certificate and change your password.",
	[M_N_OTHER] = "Please ask at one of the offices below or by phone.",
	[M_H_HOLD] = "On hold",
	[M_D_HOLD_FMT] = "This electronic certificate has been on hold (temporarily suspended) since %1$s (Japan time) because the card was reported lost.",
	[M_N_HOLD] = "Even if you find the card, this certificate will not work again: bring the card to one of the offices below and apply for new certificates. If you did not report the card lost, contact the Citizens Division at once.",
	[M_H_UNKNOWN] = "Not known here",
	[M_D_UNKNOWN] = "This certificate carries the signature of the city's certification authority, but the city's registry has no record of it.",
	[M_N_UNKNOWN] = "Please contact the Citizens Division.",
	[M_H_NOT_HERE] = "Not issued by this authority",
	[M_D_NOT_HERE] = "This certificate's signature does not verify against the city's certification authority, so this counter does not judge it.",
	[M_N_NOT_HERE] = "Check that you chose the right file. Certificates of other municipalities and of the public JPKI service can be checked on the Public Individual Authentication portal site.",

	[M_H_FORGED] = "Possible forgery",
	[M_D_FORGED_FMT] = "This certificate names the city's certification authority (%1$s) as its issuer, but its signature does not verify against that authority's key. The city did not issue it: it may be forged.",
	[M_N_FORGED] = "Do not rely on this certificate. If someone gave it to you, check with them and tell the Citizens Division.",
	[M_LOST_LINE_FMT] = "If your card is lost or stolen, or you did not ask for this hold, call the 24-hour line %s at once.",
	[M_RENEWAL_FMT] = "This certificate expires soon (%1$s). Renewal is open now: bring your My Number Card to one of these offices: %2$s.",
	[M_RENEWAL_JUKI_FMT] = "This certificate expires soon (%1$s). Juki-card certificates cannot be renewed: if you still need one, apply for a My Number Card.",
	[M_LIST_SEP] = "; ",
	[M_F_CARD] = "Card",
	[M_CARD_JUKI] = "Juki card (Basic Resident Register card)",
	[M_CARD_MYNUMBER] = "My Number Card",
	[M_CARD_RULES_H_FMT] = "Rules for the certificates of your %s",
	[M_CR_JUKI_VALIDITY_FMT] = "The certificate is valid for %1$d years from issuance (never past the card's own expiry date).",
	[M_CR_JUKI_LOCK] = "If the wrong password is entered 5 times in a row, the card locks; it is unlocked at the offices below.",
	[M_CR_JUKI_END] = "Juki-card certificates cannot be renewed (issuance has ended). If you need one, apply for a My Number Card.",
	[M_CR_MN_VALIDITY_FMT] = "The certificates are valid until your %1$d%2$s birthday after issuance (never past the card's own expiry date).",
	[M_CR_MN_PASSWORDS] = "The signature certificate's password (6-16 letters and digits) locks after 5 wrong tries; the PINs (4 digits) of the user authentication certificate and the card lock after 3. They are unlocked at the offices below.",
	[M_CR_MN_MOVE] = "The user authentication certificate stays valid when you move; the signature certificate ends when your address or other details change.",

	[M_E_TITLE] = "The certificate could not be checked",
	[M_E_EMPTY] = "No certificate was given. Choose a file or paste the certificate text.",
	[M_E_MALFORMED] = "This could not be read as a certificate. Give an electronic certificate in PEM or DER form.",
	[M_E_TOO_LARGE] = "What was sent is too large. Give only the certificate file.",
	[M_E_RATE] = "Too many checks. Please wait a moment and try again.",
	[M_E_UNAVAILABLE] = "The registry cannot be read right now. Please try again later.",

	[M_WHERE_H] = "Where to go",
	[M_WHERE_INTRO] = "You can apply for certificates, change your password and unlock your card at these offices:",
	[M_PHONE_FMT] = "Phone: %s",
	[M_OFFICE_CITY_HALL] = "City Hall 1F Citizens Division",
	[M_OFFICE_HIRAO] = "Hirao branch",
	[M_OFFICE_WAKABADAI] = "Wakabadai branch",

	[M_RULES_H] = "Points to note when using the electronic certificates of resident cards",
	[M_RULE_VALIDITY_H] = "Period of validity",
	[M_RULE_VALIDITY] = "An electronic certificate is valid for 3 years from the date of issue.",
	[M_RULE_COPY] = "The expiry date is written on the \"copy of the electronic certificate\" that the Citizens Division hands you at issuance: keep it in a safe place.",
	[M_RULE_CARD_EXPIRY] = "It is different from the expiry date of the Basic Resident Register card written on the front of the card.",
	[M_RULE_JUKI_END] = "Renewal (new issuance) of Basic Resident Register card certificates has ended. If you need an electronic certificate, get a My Number Card.",
	[M_RULE_REVOKE_H] = "Revocation",
	[M_RULE_REVOKE] = "Besides expiring at the end of its validity, an electronic certificate stops being valid automatically when its details change, such as a new address after moving or a new name after marriage. Replacing your Basic Resident Register card also ends its certificates.",
	[M_RULE_PASSWORD_H] = "Password and card lock",
	[M_RULE_LOCK] = "If the wrong password is entered 5 times in a row, the card locks and can no longer be used.",
	[M_RULE_PASSWORD] = "Unlocking and password changes are done at City Hall 1F Citizens Division, the Hirao branch or the Wakabadai branch. You can also change your password on a computer with the user client software and an IC card reader/writer.",
	[M_RULE_BRING] = "Bring your card. If your card has no photo, also bring an official document with your photo, such as a driver's licence.",
	[M_RULE_LEND] = "Do not tell anyone your password or lend your card. If someone may know your password, change it at once.",
	[M_CONTACT_FMT] = "Questions about this page: Citizens Division, phone %s",
},
[LANG_ES] = {
	[M_HTML_TITLE] = "Verifique su certificado electrónico | Mostrador en línea",
	[M_CITY] = "Ayuntamiento",
	[M_SERVICE] = "Certificados electrónicos: mostrador en línea",
	[M_LANG_NAV] = "Idioma",
	[M_SKIP] = "Ir al contenido principal",
	[M_H1] = "Verifique si su certificado electrónico es válido",
	[M_INTRO] = "Compruebe si el certificado electrónico de su Tarjeta de Registro de Residente o de su Tarjeta Mi Número es válido ahora. Elija el archivo del certificado exportado por el software de cliente de usuario o pegue el texto del certificado.",
	[M_FILE_LABEL] = "Archivo del certificado (PEM o DER)",
	[M_FILE_HINT] = "El archivo se envía desde esta página al servidor del mostrador de la ciudad y no se guarda después de la verificación.",
	[M_PEM_LABEL] = "O pegue el texto del certificado (PEM)",
	[M_PEM_HINT] = "Pegue todo desde \"-----BEGIN CERTIFICATE-----\" hasta \"-----END CERTIFICATE-----\".",
	[M_SUBMIT] = "Verificar",
	[M_PRIVACY] = "Solo se muestra lo que contiene su propio certificado y su estado. Aquí nadie puede buscar certificados de otras personas por número o nombre.",
	[M_CHECKING] = "Verificando…",

	[M_RESULT_H] = "Resultado",
	[M_F_STATUS] = "Estado",
	[M_F_KIND] = "Tipo de certificado",
	[M_F_SERIAL] = "Número de serie",
	[M_F_ISSUER] = "Emisor",
	[M_F_NOT_BEFORE] = "Válido desde",
	[M_F_NOT_AFTER] = "Válido hasta",
	[M_F_REVOKED_AT] = "Revocado el",
	[M_F_REASON] = "Motivo",
	[M_KIND_SIGN] = "Certificado de firma",
	[M_KIND_AUTH] = "Certificado de autenticación de usuario",
	[M_JST] = "hora de Japón",

	[M_H_VALID] = "Válido",
	[M_D_VALID_FMT] = "Este certificado electrónico es válido hasta el %1$s (hora de Japón).",
	[M_N_VALID] = "Esta es la fecha de vencimiento del certificado, no la de la tarjeta, que está escrita en su frente.",
	[M_H_EXPIRED] = "Vencido",
	[M_D_EXPIRED_FMT] = "Este certificado electrónico venció el %1$s (hora de Japón).",
	[M_N_EXPIRED_JUKI] = "Los certificados de la Tarjeta de Registro de Residente (Juki) ya no se renuevan. Si necesita un certificado electrónico, solicite una Tarjeta Mi Número.",
	[M_N_EXPIRED_MYNUMBER] = "Para seguir usando certificados electrónicos, lleve su Tarjeta Mi Número a una de las oficinas indicadas abajo y solicite certificados nuevos.",
	[M_H_REVOKED] = "Revocado",
	[M_D_REVOKED_FMT] = "Este certificado electrónico fue revocado el %1$s (hora de Japón) porque %2$s.",
	[M_R_AFFILIATION] = "cambió su dirección, su nombre u otro dato registrado",
	[M_R_SUPERSEDED] = "su tarjeta fue reemplazada",
	[M_R_CESSATION] = "se dejó de usar (usted lo pidió, devolvió la tarjeta o apareció una tarjeta declarada perdida)",
	[M_R_KEY_COMPROMISE] = "su clave pudo haber quedado comprometida",
	[M_R_OTHER] = "así lo registró la ciudad",
	[M_N_AFFILIATION] = "Un certificado deja de valer automáticamente cuando cambian sus datos, por ejemplo tras una mudanza o un matrimonio. Si lo necesita, lleve su tarjeta a una de las oficinas indicadas abajo y solicite un certificado nuevo.",
	[M_N_SUPERSEDED] = "Use los certificados de su tarjeta nueva. Si su tarjeta nueva no tiene, solicítelos en una de las oficinas indicadas abajo.",
	[M_N_CESSATION] = "Si vuelve a necesitar un certificado electrónico, lleve su tarjeta a una de las oficinas indicadas abajo y solicítelo.",
	[M_N_KEY_COMPROMISE] = "No use este certificado. Lleve su tarjeta a una de las oficinas indicadas abajo, solicite un certificado nuevo y cambie su contraseña.",
	[M_N_OTHER] = "Consulte en una de las oficinas indicadas abajo o por teléfono.",
	[M_H_HOLD] = "Suspendido temporalmente",
	[M_D_HOLD_FMT] = "Este certificado electrónico está suspendido desde el %1$s (hora de Japón) porque se declaró la pérdida de la tarjeta.",
	[M_N_HOLD] = "Aunque encuentre la tarjeta, este certificado no volverá a funcionar: lleve la tarjeta a una de las oficinas indicadas abajo y solicite certificados nuevos. Si usted no declaró la pérdida, comuníquese de inmediato con la División de Ciudadanos.",
	[M_H_UNKNOWN] = "No se conoce aquí",
	[M_D_UNKNOWN] = "Este certificado lleva la firma de la autoridad de certificación de la ciudad, pero el registro de la ciudad no lo tiene.",
	[M_N_UNKNOWN] = "Comuníquese con la División de Ciudadanos.",
	[M_H_NOT_HERE] = "No emitido por esta autoridad",
	[M_D_NOT_HERE] = "La firma de este certificado no se verifica con la autoridad de certificación de la ciudad, por lo que este mostrador no lo evalúa.",
	[M_N_NOT_HERE] = "Compruebe que eligió el archivo correcto. Los certificados de otros municipios y del servicio público JPKI se pueden verificar en el Sitio del portal de autenticación individual pública.",

	[M_H_FORGED] = "Posible falsificación",
	[M_D_FORGED_FMT] = "Este certificado indica como emisor a la autoridad de certificación de la ciudad (%1$s), pero su firma no se verifica con la clave de esa autoridad. La ciudad no lo emitió: puede estar falsificado.",
	[M_N_FORGED] = "No confíe en este certificado. Si alguien se lo entregó, compruébelo con esa persona e informe a la División de Ciudadanos.",
	[M_LOST_LINE_FMT] = "Si perdió la tarjeta o se la robaron, o si usted no pidió esta suspensión, llame de inmediato a la línea de 24 horas %s.",
	[M_RENEWAL_FMT] = "Este certificado vence pronto (%1$s). La renovación ya está abierta: lleve su Tarjeta Mi Número a una de estas oficinas: %2$s.",
	[M_RENEWAL_JUKI_FMT] = "Este certificado vence pronto (%1$s). Los certificados de la Tarjeta de Registro de Residente (Juki) no se pueden renovar: si aún lo necesita, solicite una Tarjeta Mi Número.",
	[M_LIST_SEP] = "; ",
	[M_F_CARD] = "Tarjeta",
	[M_CARD_JUKI] = "Tarjeta de Registro de Residente (Juki)",
	[M_CARD_MYNUMBER] = "Tarjeta Mi Número",
	[M_CARD_RULES_H_FMT] = "Reglas de los certificados de su %s",
	[M_CR_JUKI_VALIDITY_FMT] = "El certificado es válido durante %1$d años desde su emisión (nunca después del vencimiento de la propia tarjeta).",
	[M_CR_JUKI_LOCK] = "Si ingresa la contraseña incorrecta 5 veces seguidas, la tarjeta se bloquea; se desbloquea en las oficinas indicadas abajo.",
	[M_CR_JUKI_END] = "Los certificados de la Tarjeta de Registro de Residente no se pueden renovar (la emisión terminó). Si necesita uno, solicite una Tarjeta Mi Número.",
	[M_CR_MN_VALIDITY_FMT] = "Los certificados son válidos hasta su %1$d.º cumpleaños después de la emisión (nunca después del vencimiento de la propia tarjeta).",
	[M_CR_MN_PASSWORDS] = "La contraseña del certificado de firma (6 a 16 letras y números) se bloquea tras 5 intentos fallidos; los PIN (4 dígitos) del certificado de autenticación de usuario y de la tarjeta, tras 3. Se desbloquean en las oficinas indicadas abajo.",
	[M_CR_MN_MOVE] = "El certificado de autenticación de usuario sigue siendo válido si se muda; el certificado de firma termina cuando cambian su dirección u otros datos.",

	[M_E_TITLE] = "No se pudo verificar el certificado",
	[M_E_EMPTY] = "No se indicó ningún certificado. Elija un archivo o pegue el texto del certificado.",
	[M_E_MALFORMED] = "No se pudo leer como certificado. Indique un certificado electrónico en formato PEM o DER.",
	[M_E_TOO_LARGE] = "Lo enviado es demasiado grande. Indique solo el archivo del certificado.",
	[M_E_RATE] = "Demasiadas verificaciones. Espere un momento y vuelva a intentarlo.",
	[M_E_UNAVAILABLE] = "Ahora no se puede consultar el registro. Vuelva a intentarlo más tarde.",

	[M_WHERE_H] = "Adónde ir",
	[M_WHERE_INTRO] = "Puede solicitar certificados, cambiar su contraseña y desbloquear su tarjeta en estas oficinas:",
	[M_PHONE_FMT] = "Teléfono: %s",
	[M_OFFICE_CITY_HALL] = "División de Ciudadanos, 1.er piso del Ayuntamiento",
	[M_OFFICE_HIRAO] = "Sucursal de Hirao",
	[M_OFFICE_WAKABADAI] = "Sucursal de Wakabadai",

	[M_RULES_H] = "Puntos a tener en cuenta sobre el uso de certificados electrónicos de las tarjetas de residente",
	[M_RULE_VALIDITY_H] = "Período de validez",
	[M_RULE_VALIDITY] = "El período de validez del certificado electrónico es de 3 años a partir de la fecha de emisión.",
	[M_RULE_COPY] = "La fecha de vencimiento está escrita en la \"copia del certificado electrónico\" que la División de Ciudadanos entrega al emitirlo: guárdela en un lugar seguro.",
	[M_RULE_CARD_EXPIRY] = "Es diferente de la fecha de vencimiento de la Tarjeta de Registro de Residente, escrita en el frente de la tarjeta.",
	[M_RULE_JUKI_END] = "Finalizó la renovación (nueva emisión) de los certificados de la Tarjeta de Registro de Residente. Si necesita un certificado electrónico, obtenga una Tarjeta Mi Número.",
	[M_RULE_REVOKE_H] = "Revocación",
	[M_RULE_REVOKE] = "Además de vencer al final de su validez, un certificado electrónico deja de ser válido automáticamente si cambian sus datos, como la dirección por una mudanza o el nombre por un matrimonio. Si cambia su Tarjeta de Registro de Residente, su certificado también deja de ser válido.",
	[M_RULE_PASSWORD_H] = "Contraseña y bloqueo de la tarjeta",
	[M_RULE_LOCK] = "Si ingresa la contraseña incorrecta 5 veces seguidas, la tarjeta se bloquea y ya no se puede usar.",
	[M_RULE_PASSWORD] = "El desbloqueo y el cambio de contraseña se hacen en la División de Ciudadanos (1.er piso del Ayuntamiento), en la sucursal de Hirao o en la sucursal de Wakabadai. También puede cambiar la contraseña en una computadora con el software de cliente de usuario y un lector/grabador de tarjetas IC.",
	[M_RULE_BRING] = "Traiga su tarjeta. Si su tarjeta no tiene fotografía, traiga también un documento oficial con su fotografía, como una licencia de conducir.",
	[M_RULE_LEND] = "No preste su tarjeta ni comunique su contraseña a nadie. Si alguien pudo conocer su contraseña, cámbiela de inmediato.",
	[M_CONTACT_FMT] = "Consultas sobre esta página: División de Ciudadanos, teléfono %s",
},
};

static const char *const codes[LANG_COUNT] = { "ja", "en", "es" };
static const char *const names[LANG_COUNT] = { "日本語", "English", "Español" };

static const char *const months_en[12] = { "January", "February", "March",
    "April", "May", "June", "July", "August", "September", "October",
    "November", "December" };
static const char *const months_es[12] = { "enero", "febrero", "marzo",
    "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
    "noviembre", "diciembre" };

/* The offices config.c names by default, and the seed's city. */
static const struct {
	const char	*conf;
	enum msg	 id;
} offices[] = {
	{ "City Hall 1F Citizens Division", M_OFFICE_CITY_HALL },
	{ "Hirao branch", M_OFFICE_HIRAO },
	{ "Wakabadai branch", M_OFFICE_WAKABADAI },
};
static const char *const inagi[LANG_COUNT] = { "稲城市", "Inagi City",
    "Ciudad de Inagi" };

const char *
i18n(enum lang l, enum msg id)
{
	if ((unsigned)l >= LANG_COUNT || (unsigned)id >= M_COUNT)
		return "";
	return text[l][id] != NULL ? text[l][id] : text[LANG_EN][id];
}

int
i18n_check(char *err, size_t errlen)
{
	for (int l = 0; l < LANG_COUNT; l++)
		for (int i = 0; i < M_COUNT; i++)
			if (text[l][i] == NULL) {
				snprintf(err, errlen, "message %d missing in %s",
				    i, codes[l]);
				return -1;
			}
	return 0;
}

const char *
i18n_code(enum lang l)
{
	return codes[(unsigned)l < LANG_COUNT ? l : LANG_JA];
}

const char *
i18n_name(enum lang l)
{
	return names[(unsigned)l < LANG_COUNT ? l : LANG_JA];
}

int
i18n_parse(const char *code, size_t len)
{
	if (code == NULL || len < 2 || (len > 2 && code[2] != '-' &&
	    code[2] != '_'))
		return -1;
	for (int l = 0; l < LANG_COUNT; l++)
		if (strncasecmp(code, codes[l], 2) == 0)
			return l;
	return -1;
}

/* q=0.8 -> 800; a missing or bad q counts as 1000 (RFC 9110 12.4.2). */
static int
qvalue(const char *p, const char *end)
{
	int	 q = 0, scale = 100;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (end - p < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=')
		return 1000;
	p += 2;
	if (p < end && *p == '1')
		return 1000;
	if (p >= end || *p != '0')
		return 1000;
	for (p++, p += (p < end && *p == '.'); p < end && scale > 0 &&
	    isdigit((unsigned char)*p); p++, scale /= 10)
		q += (*p - '0') * scale;
	return q;
}

enum lang
i18n_accept(const char *h)
{
	int		 best = LANG_JA, bestq = 0;
	const char	*p = h, *end, *semi, *tag;
	size_t		 n;

	if (h == NULL)
		return LANG_JA;
	while (*p != '\0') {
		end = p + strcspn(p, ",");
		semi = memchr(p, ';', (size_t)(end - p));
		tag = p;
		while (tag < end && (*tag == ' ' || *tag == '\t'))
			tag++;
		n = strcspn(tag, " \t;,");
		if (semi != NULL && (size_t)(semi - tag) < n)
			n = (size_t)(semi - tag);
		int l = i18n_parse(tag, n);
		int q = semi != NULL ? qvalue(semi + 1, end) : 1000;
		if (l >= 0 && q > bestq) {
			best = l;
			bestq = q;
		}
		p = *end == ',' ? end + 1 : end;
	}
	return (enum lang)best;
}

void
i18n_date(enum lang l, time_t t, char *out, size_t outlen)
{
	char	 iso[16];
	int	 y, m, d;

	clock_format_date(t, JST_OFFSET_SEC, iso);
	if (sscanf(iso, "%d-%d-%d", &y, &m, &d) != 3 || m < 1 || m > 12) {
		snprintf(out, outlen, "%s", iso);
		return;
	}
	switch (l) {
	case LANG_JA:
		snprintf(out, outlen, "%d年%d月%d日", y, m, d);
		break;
	case LANG_ES:
		snprintf(out, outlen, "%d de %s de %d", d, months_es[m - 1], y);
		break;
	default:
		snprintf(out, outlen, "%d %s %d", d, months_en[m - 1], y);
	}
}

const char *
i18n_office(enum lang l, const char *office)
{
	for (size_t i = 0; i < sizeof(offices) / sizeof(offices[0]); i++)
		if (strcmp(office, offices[i].conf) == 0)
			return i18n(l, offices[i].id);
	return NULL;
}

const char *
i18n_city(enum lang l, const char *city)
{
	if (city != NULL && strcasecmp(city, "Inagi") == 0)
		return inagi[(unsigned)l < LANG_COUNT ? l : LANG_JA];
	return NULL;
}
