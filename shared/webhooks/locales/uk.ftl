# Тексти вебхуків (українська).

## Адмін-чату повідомляють, коли ендпоінт вимкнено. $reason — один із текстів endpoint-disabled-*.
endpoint-disabled = Ендпоінт вебхуків <code>{ $endpoint }</code> ({ $url }) вимкнено: { $reason }. Його доставки збережено як пропущені: увімкніть його знову через PUT /api/v1/webhooks/{ $endpoint } і відновіть їх через POST …/recover.
endpoint-disabled-gone = ендпоінт відповів 410 Gone
endpoint-disabled-failing = усі спроби були невдалими протягом { $days ->
        [one] { $days } дня
       *[other] { $days } днів
    }
