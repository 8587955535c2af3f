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
