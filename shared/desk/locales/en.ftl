# The support desk's texts (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

cmd-start-group = Check this group's setup for tickets
cmd-setup-desk = Make this group the support desk (group admins)
cmd-create-ticket = Open a ticket: /create_ticket <title> [description]
cmd-close-ticket = Close this topic's ticket
cmd-reopen-ticket = Reopen this topic's ticket
cmd-priority = Set the priority: low, normal, high or urgent
cmd-mention = Bring an internal user in: /mention <username>
cmd-link = Link this topic with another: /link <ticket id or topic link>
cmd-unlink = Stop syncing with a linked topic
cmd-links = Show where this topic's messages go

home-contact-support = 💬 Contact support
support-prompt = Write your question in this chat — text, photos or files — and the team will answer here.

support-not-set-up = Sorry, support isn't set up yet: the team hasn't chosen its desk group. Please try again later.
support-open-failed = Sorry, we couldn't open your request right now. Please try again in a while.
support-ticket-opened = Thanks, { $name }! Your request is ticket <b>{ $ticket }</b>; the team will answer here.
support-ticket-opened-again = Thanks, { $name }! Your request is ticket <b>{ $ticket }</b>; the team will answer here. (Your previous ticket was { $previous }.)
support-ticket-closed = Your ticket <b>{ $ticket }</b> was closed. If you need anything else, just write here — that opens a new ticket.
support-ticket-reopened = Your ticket <b>{ $ticket }</b> was reopened; the team will answer here.

ticket-link-open = Your ticket <b>{ $ticket }</b> ({ $title }) is open: write here and the team will see it.
ticket-link-closed = Your ticket <b>{ $ticket }</b> ({ $title }) is closed. Write here to open a new one.
