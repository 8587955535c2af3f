# Тексты вебхуков (русский).

## Админ-чату сообщают, когда эндпоинт отключён. $reason — один из текстов endpoint-disabled-*.
endpoint-disabled = Эндпоинт вебхуков <code>{ $endpoint }</code> ({ $url }) отключён: { $reason }. Его доставки сохранены как пропущенные: включите его снова через PUT /api/v1/webhooks/{ $endpoint } и восстановите их через POST …/recover.
endpoint-disabled-gone = эндпоинт ответил 410 Gone
endpoint-disabled-failing = все попытки не удавались в течение { $days ->
        [one] { $days } дня
       *[other] { $days } дней
    }
