# Requests (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

cmd-request = Make a request from a lead: /request LEAD-…
rq-usage = Send <code>/request LEAD-…</code> with the id of a lead (see /leads).
rq-no-lead = There is no lead { $lead } in this workspace.
rq-not-allowed = Only the admin chat's administrators and staff can do this.
rq-converted = 📋 Request <b>{ $request }</b> made from lead { $lead }: a draft to check.
rq-converted-again = 📋 Lead { $lead } was converted before: request <b>{ $request }</b>.
rq-left-out = Left out: { $notes }
rq-status-draft = draft
rq-status-published = published
rq-status-has_offers = has offers
rq-status-closed = closed
rq-status-cancelled = cancelled
rq-budget = up to { $amount }
rq-card = { $what } · { $status }
rq-publish = 📣 Publish to dealers
rq-published = Queued to { $count ->
    [one] { $count } dealer channel
   *[other] { $count } dealer channels
}.
rq-no-channels = There are no dealer channels yet: add one with teledesk dealer-channels add.
rq-ended = This request is { $status }: it cannot be published.
rq-post-title = 🚗 <b>{ $car }</b>
rq-post-years = Years: { $value }
rq-post-budget = Budget: up to { $value }
rq-post-mileage = Mileage: up to { $value } km
rq-post-fuel = Fuel: { $value }
rq-post-gearbox = Gearbox: { $value }
rq-post-city = City: { $value }
rq-post-notes = Notes: { $value }
rq-post-offer = 💬 Make an offer
