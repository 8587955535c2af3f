# Тексти сценаріїв (українська).

cmd-leads = Найновіші відкриті заявки

sc-back = ◀ Назад
sc-skip = Пропустити ▶
sc-done = Готово ✓
sc-submit = ✅ Надіслати
sc-edit = ✏️ { $label }
sc-accept = ✅ Погоджуюсь
sc-decline = Відмовитися
sc-other = Інше…
sc-other-prompt = Напишіть свою відповідь:
sc-policy = <a href="{ $url }">Політика конфіденційності</a> (версія { $version })
sc-share-phone = 📱 Надіслати мій номер
sc-share-location = 📍 Надіслати мою геопозицію
sc-summary-title = <b>Перевірте ваші відповіді:</b>
sc-got = ✓ { $value }
sc-ok = ✓
sc-photos = { $count ->
    [one] { $count } фото
    [few] { $count } фото
   *[many] { $count } фото
}
sc-photo-received = Отримано фото { $count } з { $max }. Надішліть ще або натисніть «Готово».
sc-declined = Добре — нічого не збережено. Почати знову можна будь-коли командою /start.
sc-continue-or-restart = Ви ще не закінчили «{ $title }». Продовжити з того ж місця чи почати знову?
sc-continue = ▶ Продовжити
sc-restart = ↺ Почати знову
sc-unavailable = Вибачте, ця форма більше недоступна.
sc-reminder = Ви ще не закінчили «{ $title }». Продовжте з того ж місця:

sc-err-text = Будь ласка, напишіть відповідь текстом.
sc-err-text-length = Будь ласка, напишіть від { $min } до { $max } символів.
sc-err-number = Будь ласка, надішліть число, наприклад 12 500.
sc-err-integer = Будь ласка, надішліть ціле число.
sc-err-number-range = Будь ласка, надішліть число від { $min } до { $max }.
sc-err-choice = Будь ласка, оберіть одну з кнопок.
sc-err-multi-min = { $count ->
    [one] Оберіть щонайменше { $count } варіант.
    [few] Оберіть щонайменше { $count } варіанти.
   *[many] Оберіть щонайменше { $count } варіантів.
}
sc-err-multi-max = { $count ->
    [one] Можна обрати не більше { $count } варіанта.
    [few] Можна обрати не більше { $count } варіантів.
   *[many] Можна обрати не більше { $count } варіантів.
}
sc-err-phone = Надішліть номер кнопкою нижче або напишіть його з кодом країни, наприклад +380 50 123 4567.
sc-err-phone-own = Будь ласка, надішліть свій власний номер кнопкою нижче.
sc-err-email = Будь ласка, надішліть коректну адресу пошти, наприклад name@example.com.
sc-err-date = Будь ласка, надішліть дату, наприклад 24.12.2026.
sc-err-photo = Будь ласка, надішліть фото.
sc-err-photo-min = { $count ->
    [one] Будь ласка, надішліть щонайменше { $count } фото.
    [few] Будь ласка, надішліть щонайменше { $count } фото.
   *[many] Будь ласка, надішліть щонайменше { $count } фото.
}
sc-err-location = Надішліть геопозицію кнопкою нижче або напишіть своє місто.
sc-err-consent = Будь ласка, натисніть «Погоджуюсь» або «Відмовитися».

lead-admin = 📝 Нова заявка <b>{ $lead }</b> · { $scenario }
    Від: { $name }{ $username }
lead-admin-source = Джерело: { $source }
lead-convert = 🔁 У запит
lead-reject = ✖ Відхилити
lead-spam = 🚫 Спам
lead-marked = Заявка <b>{ $lead }</b>: { $status } ({ $by }).
lead-status-new = нова
lead-status-in_progress = в роботі
lead-status-converted = перетворена
lead-status-rejected = відхилена
lead-status-spam = спам
leads-none = Відкритих заявок немає.
leads-title = <b>Найновіші відкриті заявки</b>
lead-line = <b>{ $lead }</b> · { $scenario } · { $name } · { $status }
lead-convert-later = Запити в цій збірці поки недоступні: заявка залишається відкритою.
lead-not-allowed = Це можуть лише адміністратори адмін-чату та співробітники.
sc-home = 📝 Форми
sc-home-title = Що ви хочете зробити?
