# Тексты сценариев (русский).

cmd-leads = Последние открытые заявки

sc-back = ◀ Назад
sc-skip = Пропустить ▶
sc-done = Готово ✓
sc-submit = ✅ Отправить
sc-edit = ✏️ { $label }
sc-accept = ✅ Согласен
sc-decline = Отказаться
sc-other = Другое…
sc-other-prompt = Напишите свой ответ:
sc-policy = <a href="{ $url }">Политика конфиденциальности</a> (версия { $version })
sc-share-phone = 📱 Отправить мой номер
sc-share-location = 📍 Отправить мою геопозицию
sc-summary-title = <b>Проверьте ваши ответы:</b>
sc-got = ✓ { $value }
sc-ok = ✓
sc-photos = { $count ->
    [one] { $count } фото
    [few] { $count } фото
   *[many] { $count } фото
}
sc-photo-received = Получено фото { $count } из { $max }. Отправьте ещё или нажмите «Готово».
sc-declined = Хорошо — ничего не сохранено. Начать заново можно в любой момент командой /start.
sc-continue-or-restart = Вы ещё не закончили «{ $title }». Продолжить с того же места или начать заново?
sc-continue = ▶ Продолжить
sc-restart = ↺ Начать заново
sc-unavailable = Извините, эта форма больше недоступна.
sc-reminder = Вы ещё не закончили «{ $title }». Продолжите с того же места:

sc-err-text = Пожалуйста, напишите ответ текстом.
sc-err-text-length = Пожалуйста, напишите от { $min } до { $max } символов.
sc-err-number = Пожалуйста, отправьте число, например 12 500.
sc-err-integer = Пожалуйста, отправьте целое число.
sc-err-number-range = Пожалуйста, отправьте число от { $min } до { $max }.
sc-err-choice = Пожалуйста, выберите одну из кнопок.
sc-err-multi-min = { $count ->
    [one] Выберите хотя бы { $count } вариант.
    [few] Выберите хотя бы { $count } варианта.
   *[many] Выберите хотя бы { $count } вариантов.
}
sc-err-multi-max = { $count ->
    [one] Можно выбрать не больше { $count } варианта.
    [few] Можно выбрать не больше { $count } вариантов.
   *[many] Можно выбрать не больше { $count } вариантов.
}
sc-err-phone = Отправьте номер кнопкой ниже или напишите его с кодом страны, например +380 50 123 4567.
sc-err-phone-own = Пожалуйста, отправьте свой собственный номер кнопкой ниже.
sc-err-email = Пожалуйста, отправьте корректный адрес почты, например name@example.com.
sc-err-date = Пожалуйста, отправьте дату, например 24.12.2026.
sc-err-photo = Пожалуйста, отправьте фото.
sc-err-photo-min = { $count ->
    [one] Пожалуйста, отправьте хотя бы { $count } фото.
    [few] Пожалуйста, отправьте хотя бы { $count } фото.
   *[many] Пожалуйста, отправьте хотя бы { $count } фото.
}
sc-err-location = Отправьте геопозицию кнопкой ниже или напишите свой город.
sc-err-consent = Пожалуйста, нажмите «Согласен» или «Отказаться».

lead-admin = 📝 Новая заявка <b>{ $lead }</b> · { $scenario }
    От: { $name }{ $username }
lead-admin-source = Источник: { $source }
lead-convert = 🔁 В запрос
lead-reject = ✖ Отклонить
lead-spam = 🚫 Спам
lead-marked = Заявка <b>{ $lead }</b>: { $status } ({ $by }).
lead-status-new = новая
lead-status-in_progress = в работе
lead-status-converted = преобразована
lead-status-rejected = отклонена
lead-status-spam = спам
leads-none = Открытых заявок нет.
leads-title = <b>Последние открытые заявки</b>
lead-line = <b>{ $lead }</b> · { $scenario } · { $name } · { $status }
lead-convert-later = Запросы в этой сборке пока недоступны: заявка остаётся открытой.
lead-not-allowed = Это могут только администраторы админ-чата и сотрудники.
sc-home = 📝 Формы
sc-home-title = Что вы хотите сделать?
