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
rq-years = { $from }–{ $to }
rq-card = { $what } · { $status }
