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

# Dealers and offers
rq-cancel = 🚫 Cancel request
rq-post-offers = Offers: { $count }
rq-post-closed = 🔒 <b>Closed</b>
rq-post-cancelled = 🔒 <b>Cancelled</b>
rq-offer-unknown = This request is not open for offers.
rq-offer-closed = Request { $request } is { $status }: it takes no more offers.
rq-offer-limit = You have { $max } live offers on this request: withdraw one to make another.
rq-offer-full = This request has as many offers as it takes.
rq-offer-not-live = Offer { $offer } is { $status }.
rq-offer-status-submitted = submitted
rq-offer-status-accepted = accepted
rq-offer-status-rejected = rejected
rq-offer-status-withdrawn = withdrawn
rq-not-dealer = Only approved dealers can make offers. Register in a minute (your name, company and phone); an admin approves it.
rq-register = 📝 Register as a dealer
rq-dealer-pending = Your dealer registration is waiting for an admin's approval.
rq-dealer-blocked = You cannot make offers here.
rq-dealer-registered = 📝 Thank you, { $name }: an admin will review your registration.
rq-dealer-approved = ✅ You are approved as a dealer: you can make offers now.
rq-continue-offer = 💬 Make the offer
rq-offer-intro =
    💬 Your offer on this request:
    { $card }
rq-offer-sent = ✅ Offer <b>{ $offer }</b> sent: { $what }. You can withdraw it until the request closes.
rq-withdraw = ↩️ Withdraw
rq-withdrawn = Offer { $offer } withdrawn.
rq-admin-offer =
    💬 Offer <b>{ $offer }</b> on <b>{ $request }</b> ({ $what }) — { $count ->
        [one] { $count } offer
       *[other] { $count } offers
    } so far:
    { $offer_what }
    { $description }
    Dealer: { $dealer }
rq-select = ✅ Select
rq-reject = ✖️ Reject
rq-selected = Request { $request } closed with offer { $offer }.
rq-closed-with = Request { $request } is already closed with offer { $offer }.
rq-rejected = Offer { $offer } rejected.
rq-cancelled = Request { $request } cancelled.
rq-admin-dealer = 📝 Dealer registration: { $name }, { $company }, { $phone } ({ $username }).
rq-approve = ✅ Approve
rq-block = ⛔ Block
rq-dealer-approved-admin = Dealer { $name } approved.
rq-dealer-blocked-admin = Dealer { $name } blocked.
rq-admin-withdrawn = ↩️ Offer { $offer } on { $request } was withdrawn by its dealer.
rq-tell-rejected = Your offer { $offer } on { $request } was not accepted.
rq-tell-not-chosen = Request { $request } ({ $what }) closed; your offer { $offer } was not selected. Thank you.
rq-tell-cancelled = Request { $request } ({ $what }) was cancelled; your offer { $offer } is closed with it.
rq-tell-admin-cancelled = 🚫 Request { $request } cancelled; its dealers are told.
rq-tell-customer =
    🎉 An offer was chosen for your request ({ $what }): { $offer_what }.
    Dealer: { $dealer_name }, { $company }, { $dealer_phone }
rq-tell-dealer =
    🎉 Your offer { $offer } ({ $offer_what }) was selected for { $request } ({ $what }).
    Customer: { $customer_name }, { $username }, { $customer_phone }
rq-tell-customer-mediated = 🎉 An offer was chosen for your request ({ $what }): { $offer_what }. Our manager will connect you with the dealer.
rq-tell-dealer-mediated = 🎉 Your offer { $offer } ({ $offer_what }) was selected for { $request } ({ $what }). Our manager will connect you with the customer.
rq-tell-admin-closed = 🔒 { $request } ({ $what }) closed with { $offer } ({ $offer_what }) of { $dealer_name }, { $company }, { $dealer_phone }.
rq-tell-admin-mediated =
    🤝 { $request } ({ $what }) closed with { $offer } ({ $offer_what }). Connect them:
    Customer: { $customer_name }, { $username }, { $customer_phone }
    Dealer: { $dealer_name }, { $company }, { $dealer_phone }
rq-change = ✏️ Change
rq-offer-changed = ✅ Offer <b>{ $offer }</b> changed: { $what }.
rq-admin-changed = ✏️ Offer { $offer } on { $request } was changed by its dealer: { $offer_what }.
rq-post-refused = ⚠️ Request { $request } was not posted to { $channel }: { $why }. Make the bot an administrator there that can post, then publish again.
