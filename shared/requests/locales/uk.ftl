# Запити (українська).

cmd-request = Запит із заявки: /request LEAD-…
rq-usage = Надішліть <code>/request LEAD-…</code> з номером заявки (див. /leads).
rq-no-lead = Заявки { $lead } у цьому просторі немає.
rq-not-allowed = Це можуть лише адміністратори адмін-чату та співробітники.
rq-converted = 📋 Запит <b>{ $request }</b> створено із заявки { $lead }: чернетка для перевірки.
rq-converted-again = 📋 Заявку { $lead } уже перетворено: запит <b>{ $request }</b>.
rq-left-out = Не перенесено: { $notes }
rq-status-draft = чернетка
rq-status-published = опублікований
rq-status-has_offers = є пропозиції
rq-status-closed = закритий
rq-status-cancelled = скасований
rq-budget = до { $amount }
rq-card = { $what } · { $status }
rq-publish = 📣 Опублікувати для дилерів
rq-published = Надіслано в { $count ->
    [one] { $count } канал дилерів
    [few] { $count } канали дилерів
   *[many] { $count } каналів дилерів
}.
rq-no-channels = Каналів дилерів поки немає: додайте через teledesk dealer-channels add.
rq-ended = Запит { $status }: його не можна опублікувати.
rq-post-title = 🚗 <b>{ $car }</b>
rq-post-years = Роки: { $value }
rq-post-budget = Бюджет: до { $value }
rq-post-mileage = Пробіг: до { $value } км
rq-post-fuel = Пальне: { $value }
rq-post-gearbox = Коробка: { $value }
rq-post-city = Місто: { $value }
rq-post-notes = Примітки: { $value }
rq-post-offer = 💬 Запропонувати авто

# Дилери та пропозиції
rq-cancel = 🚫 Скасувати запит
rq-post-offers = Пропозицій: { $count }
rq-post-closed = 🔒 <b>Закрито</b>
rq-post-cancelled = 🔒 <b>Скасовано</b>
rq-offer-unknown = Цей запит не приймає пропозицій.
rq-offer-closed = Запит { $request } — { $status }: пропозиції більше не приймаються.
rq-offer-limit = У вас уже { $max } чинні пропозиції за цим запитом: відкличте одну, щоб зробити нову.
rq-offer-full = За цим запитом уже зібрано максимальну кількість пропозицій.
rq-offer-not-live = Пропозиція { $offer }: { $status }.
rq-offer-status-submitted = надіслана
rq-offer-status-accepted = прийнята
rq-offer-status-rejected = відхилена
rq-offer-status-withdrawn = відкликана
rq-not-dealer = Пропозиції можуть робити лише підтверджені дилери. Зареєструйтеся за хвилину (ім'я, компанія та телефон); адміністратор підтвердить.
rq-register = 📝 Зареєструватися як дилер
rq-dealer-pending = Ваша реєстрація дилера чекає на підтвердження адміністратора.
rq-dealer-blocked = Ви не можете робити пропозиції тут.
rq-dealer-registered = 📝 Дякуємо, { $name }: адміністратор розгляне вашу реєстрацію.
rq-dealer-approved = ✅ Вас підтверджено як дилера: тепер можна робити пропозиції.
rq-continue-offer = 💬 Зробити пропозицію
rq-offer-intro =
    💬 Ваша пропозиція за цим запитом:
    { $card }
rq-offer-sent = ✅ Пропозицію <b>{ $offer }</b> надіслано: { $what }. Її можна відкликати, поки запит відкритий.
rq-withdraw = ↩️ Відкликати
rq-withdrawn = Пропозицію { $offer } відкликано.
rq-admin-offer =
    💬 Пропозиція <b>{ $offer }</b> за <b>{ $request }</b> ({ $what }) — усього { $count ->
        [one] { $count } пропозиція
        [few] { $count } пропозиції
       *[other] { $count } пропозицій
    }:
    { $offer_what }
    { $description }
    Дилер: { $dealer }
rq-select = ✅ Обрати
rq-reject = ✖️ Відхилити
rq-selected = Запит { $request } закрито з пропозицією { $offer }.
rq-closed-with = Запит { $request } уже закрито з пропозицією { $offer }.
rq-rejected = Пропозицію { $offer } відхилено.
rq-cancelled = Запит { $request } скасовано.
rq-admin-dealer = 📝 Реєстрація дилера: { $name }, { $company }, { $phone } ({ $username }).
rq-approve = ✅ Підтвердити
rq-block = ⛔ Заблокувати
rq-dealer-approved-admin = Дилера { $name } підтверджено.
rq-dealer-blocked-admin = Дилера { $name } заблоковано.
rq-admin-withdrawn = ↩️ Дилер відкликав пропозицію { $offer } за { $request }.
rq-tell-rejected = Вашу пропозицію { $offer } за { $request } не прийнято.
rq-tell-not-chosen = Запит { $request } ({ $what }) закрито; вашу пропозицію { $offer } не обрано. Дякуємо.
rq-tell-cancelled = Запит { $request } ({ $what }) скасовано; вашу пропозицію { $offer } закрито разом з ним.
rq-tell-admin-cancelled = 🚫 Запит { $request } скасовано; дилерам повідомлено.
rq-tell-customer =
    🎉 За вашим запитом ({ $what }) обрано пропозицію: { $offer_what }.
    Дилер: { $dealer_name }, { $company }, { $dealer_phone }
rq-tell-dealer =
    🎉 Вашу пропозицію { $offer } ({ $offer_what }) обрано за запитом { $request } ({ $what }).
    Клієнт: { $customer_name }, { $username }, { $customer_phone }
rq-tell-customer-mediated = 🎉 За вашим запитом ({ $what }) обрано пропозицію: { $offer_what }. Наш менеджер зв'яже вас із дилером.
rq-tell-dealer-mediated = 🎉 Вашу пропозицію { $offer } ({ $offer_what }) обрано за запитом { $request } ({ $what }). Наш менеджер зв'яже вас із клієнтом.
rq-tell-admin-closed = 🔒 { $request } ({ $what }) закрито з { $offer } ({ $offer_what }) від { $dealer_name }, { $company }, { $dealer_phone }.
rq-tell-admin-mediated =
    🤝 { $request } ({ $what }) закрито з { $offer } ({ $offer_what }). З'єднайте їх:
    Клієнт: { $customer_name }, { $username }, { $customer_phone }
    Дилер: { $dealer_name }, { $company }, { $dealer_phone }
rq-change = ✏️ Змінити
rq-offer-changed = ✅ Пропозицію <b>{ $offer }</b> змінено: { $what }.
rq-admin-changed = ✏️ Дилер змінив пропозицію { $offer } за { $request }: { $offer_what }.
rq-post-refused = ⚠️ Запит { $request } не опубліковано в { $channel }: { $why }. Зробіть бота адміністратором з правом публікації та опублікуйте знову.
