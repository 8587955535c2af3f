# Webhooks' texts (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

## The admin chat is told when an endpoint is disabled. $reason is one of the endpoint-disabled-* texts.
endpoint-disabled = Webhook endpoint <code>{ $endpoint }</code> ({ $url }) was disabled: { $reason }. Its deliveries are kept as skipped: enable it again with PUT /api/v1/webhooks/{ $endpoint } and recover them with POST …/recover.
endpoint-disabled-gone = the endpoint answered 410 Gone
endpoint-disabled-failing = every attempt failed for { $days ->
        [one] { $days } day
       *[other] { $days } days
    }
