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
rq-years = { $from }–{ $to }
rq-card = { $what } · { $status }
