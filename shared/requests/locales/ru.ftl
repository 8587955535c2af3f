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
