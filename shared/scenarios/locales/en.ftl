# The scenarios' own texts (English): buttons, errors and notices around an author's scenario.
# Every key exists in ru.ftl and uk.ftl with the same placeholders.

cmd-leads = Newest open leads

sc-back = ◀ Back
sc-skip = Skip ▶
sc-done = Done ✓
sc-submit = ✅ Submit
sc-edit = ✏️ { $label }
sc-accept = ✅ I agree
sc-decline = Decline
sc-other = Other…
sc-other-prompt = Please type your answer:
sc-policy = <a href="{ $url }">Privacy policy</a> (version { $version })
sc-share-phone = 📱 Share my phone number
sc-share-location = 📍 Share my location
sc-summary-title = <b>Please check your answers:</b>
sc-got = ✓ { $value }
sc-ok = ✓
sc-photos = { $count ->
    [one] { $count } photo
   *[other] { $count } photos
}
sc-photo-received = Photo { $count } of { $max } received. Send another one or press Done.
sc-declined = No problem — nothing was saved. You can start again at any time with /start.
sc-continue-or-restart = You are in the middle of “{ $title }”. Continue where you left off, or start over?
sc-continue = ▶ Continue
sc-restart = ↺ Start over
sc-unavailable = Sorry, this form is not available any more.
sc-reminder = You haven't finished “{ $title }” yet. Continue where you left off:

sc-err-text = Please write your answer as text.
sc-err-text-length = Please write between { $min } and { $max } characters.
sc-err-number = Please send a number, for example 12 500.
sc-err-integer = Please send a whole number.
sc-err-number-range = Please send a number from { $min } to { $max }.
sc-err-choice = Please choose one of the buttons.
sc-err-multi-min = { $count ->
    [one] Please choose at least { $count } option.
   *[other] Please choose at least { $count } options.
}
sc-err-multi-max = { $count ->
    [one] You can choose at most { $count } option.
   *[other] You can choose at most { $count } options.
}
sc-err-phone = Please share your phone number with the button below, or type it with the country code, e.g. +380 50 123 4567.
sc-err-phone-own = Please share your own phone number with the button below.
sc-err-email = Please send a valid email address, e.g. name@example.com.
sc-err-date = Please send a date such as 24.12.2026.
sc-err-photo = Please send a photo.
sc-err-photo-min = { $count ->
    [one] Please send at least { $count } photo.
   *[other] Please send at least { $count } photos.
}
sc-err-location = Please share your location with the button below, or type your city.
sc-err-consent = Please press “I agree” or “Decline”.

lead-admin = 📝 New lead <b>{ $lead }</b> · { $scenario }
    From: { $name }{ $username }
lead-admin-source = Source: { $source }
lead-convert = 🔁 Convert to request
lead-reject = ✖ Reject
lead-spam = 🚫 Mark spam
lead-marked = Lead <b>{ $lead }</b>: { $status } (by { $by }).
lead-status-new = new
lead-status-in_progress = in progress
lead-status-converted = converted
lead-status-rejected = rejected
lead-status-spam = spam
leads-none = No open leads.
leads-title = <b>Newest open leads</b>
lead-line = <b>{ $lead }</b> · { $scenario } · { $name } · { $status }
lead-convert-later = Requests are not available in this build yet: the lead stays open.
lead-not-allowed = Only the admin chat's administrators and staff can do this.
sc-home = 📝 Forms
sc-home-title = What would you like to do?
