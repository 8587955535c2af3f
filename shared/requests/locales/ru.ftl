# Запросы (русский).

cmd-request = Запрос из заявки: /request LEAD-…
rq-usage = Отправьте <code>/request LEAD-…</code> с номером заявки (см. /leads).
rq-no-lead = Заявки { $lead } в этом пространстве нет.
rq-not-allowed = Это могут только администраторы админ-чата и сотрудники.
rq-converted = 📋 Запрос <b>{ $request }</b> создан из заявки { $lead }: черновик для проверки.
rq-converted-again = 📋 Заявка { $lead } уже преобразована: запрос <b>{ $request }</b>.
rq-left-out = Не перенесено: { $notes }
rq-status-draft = черновик
rq-status-published = опубликован
rq-status-has_offers = есть предложения
rq-status-closed = закрыт
rq-status-cancelled = отменён
rq-budget = до { $amount }
rq-card = { $what } · { $status }
rq-publish = 📣 Опубликовать для дилеров
rq-published = Отправлено в { $count ->
    [one] { $count } канал дилеров
    [few] { $count } канала дилеров
   *[many] { $count } каналов дилеров
}.
rq-no-channels = Каналов дилеров пока нет: добавьте через teledesk dealer-channels add.
rq-ended = Запрос { $status }: его нельзя опубликовать.
rq-post-title = 🚗 <b>{ $car }</b>
rq-post-years = Годы: { $value }
rq-post-budget = Бюджет: до { $value }
rq-post-mileage = Пробег: до { $value } км
rq-post-fuel = Топливо: { $value }
rq-post-gearbox = Коробка: { $value }
rq-post-city = Город: { $value }
rq-post-notes = Примечания: { $value }
rq-post-offer = 💬 Предложить авто

# Дилеры и предложения
rq-cancel = 🚫 Отменить запрос
rq-post-offers = Предложений: { $count }
rq-post-closed = 🔒 <b>Закрыт</b>
rq-post-cancelled = 🔒 <b>Отменён</b>
rq-offer-unknown = Этот запрос не принимает предложения.
rq-offer-closed = Запрос { $request } — { $status }: предложения больше не принимаются.
rq-offer-limit = У вас уже { $max } действующих предложения по этому запросу: отзовите одно, чтобы сделать новое.
rq-offer-full = По этому запросу уже собрано максимальное число предложений.
rq-offer-not-live = Предложение { $offer }: { $status }.
rq-offer-status-submitted = отправлено
rq-offer-status-accepted = принято
rq-offer-status-rejected = отклонено
rq-offer-status-withdrawn = отозвано
rq-not-dealer = Предложения могут делать только подтверждённые дилеры. Зарегистрируйтесь за минуту (имя, компания и телефон); администратор подтвердит.
rq-register = 📝 Зарегистрироваться как дилер
rq-dealer-pending = Ваша регистрация дилера ждёт подтверждения администратора.
rq-dealer-blocked = Вы не можете делать предложения здесь.
rq-dealer-registered = 📝 Спасибо, { $name }: администратор рассмотрит вашу регистрацию.
rq-dealer-approved = ✅ Вы подтверждены как дилер: теперь можно делать предложения.
rq-continue-offer = 💬 Сделать предложение
rq-offer-intro =
    💬 Ваше предложение по этому запросу:
    { $card }
rq-offer-sent = ✅ Предложение <b>{ $offer }</b> отправлено: { $what }. Его можно отозвать, пока запрос открыт.
rq-withdraw = ↩️ Отозвать
rq-withdrawn = Предложение { $offer } отозвано.
rq-admin-offer =
    💬 Предложение <b>{ $offer }</b> по <b>{ $request }</b> ({ $what }) — всего { $count ->
        [one] { $count } предложение
        [few] { $count } предложения
       *[other] { $count } предложений
    }:
    { $offer_what }
    { $description }
    Дилер: { $dealer }
rq-select = ✅ Выбрать
rq-reject = ✖️ Отклонить
rq-selected = Запрос { $request } закрыт с предложением { $offer }.
rq-closed-with = Запрос { $request } уже закрыт с предложением { $offer }.
rq-rejected = Предложение { $offer } отклонено.
rq-cancelled = Запрос { $request } отменён.
rq-admin-dealer = 📝 Регистрация дилера: { $name }, { $company }, { $phone } ({ $username }).
rq-approve = ✅ Подтвердить
rq-block = ⛔ Заблокировать
rq-dealer-approved-admin = Дилер { $name } подтверждён.
rq-dealer-blocked-admin = Дилер { $name } заблокирован.
rq-admin-withdrawn = ↩️ Дилер отозвал предложение { $offer } по { $request }.
rq-tell-rejected = Ваше предложение { $offer } по { $request } не принято.
rq-tell-not-chosen = Запрос { $request } ({ $what }) закрыт; ваше предложение { $offer } не выбрано. Спасибо.
rq-tell-cancelled = Запрос { $request } ({ $what }) отменён; ваше предложение { $offer } закрыто вместе с ним.
rq-tell-admin-cancelled = 🚫 Запрос { $request } отменён; дилерам сообщено.
rq-tell-customer =
    🎉 По вашему запросу ({ $what }) выбрано предложение: { $offer_what }.
    Дилер: { $dealer_name }, { $company }, { $dealer_phone }
rq-tell-dealer =
    🎉 Ваше предложение { $offer } ({ $offer_what }) выбрано по запросу { $request } ({ $what }).
    Клиент: { $customer_name }, { $username }, { $customer_phone }
rq-tell-customer-mediated = 🎉 По вашему запросу ({ $what }) выбрано предложение: { $offer_what }. Наш менеджер свяжет вас с дилером.
rq-tell-dealer-mediated = 🎉 Ваше предложение { $offer } ({ $offer_what }) выбрано по запросу { $request } ({ $what }). Наш менеджер свяжет вас с клиентом.
rq-tell-admin-closed = 🔒 { $request } ({ $what }) закрыт с { $offer } ({ $offer_what }) от { $dealer_name }, { $company }, { $dealer_phone }.
rq-tell-admin-mediated =
    🤝 { $request } ({ $what }) закрыт с { $offer } ({ $offer_what }). Свяжите их:
    Клиент: { $customer_name }, { $username }, { $customer_phone }
    Дилер: { $dealer_name }, { $company }, { $dealer_phone }
rq-change = ✏️ Изменить
rq-offer-changed = ✅ Предложение <b>{ $offer }</b> изменено: { $what }.
rq-admin-changed = ✏️ Дилер изменил предложение { $offer } по { $request }: { $offer_what }.
rq-post-refused = ⚠️ Запрос { $request } не опубликован в { $channel }: { $why }. Сделайте бота администратором с правом публикации и опубликуйте снова.
