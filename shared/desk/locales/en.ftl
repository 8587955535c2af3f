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

desk-cannot-open = ⚠️ Customers' tickets can't be opened: Telegram said “{ $error }”. Send /start here to see what I need.

## Staff's words for what only staff may do.
action-link-topics = link topics
action-unlink-topics = unlink topics
action-create-tickets = create tickets
action-close-tickets = close tickets
action-reopen-tickets = reopen tickets
action-set-priorities = set priorities
action-mention-people = mention people
not-staff = Only staff can { $action }. An operator adds staff with <code>teledesk staff add</code>.
inside-topic = Send this inside a topic to { $action }.
inside-ticket-topic = Send this inside a ticket's topic to { $action }.

## Groups and the desk.
problem-enable-topics-group = Turn on <b>Topics</b> in the group settings (Telegram makes it a supergroup).
problem-enable-topics = Turn on <b>Topics</b>: group settings → Topics.
problem-make-admin = Make @{ $bot } an administrator with the <b>Manage topics</b> and <b>Delete messages</b> rights.
problem-manage-topics = Give @{ $bot } the <b>Manage topics</b> right (group settings → Administrators).
problem-delete-messages = Give @{ $bot } the <b>Delete messages</b> right (group settings → Administrators).
group-needs =
    To run tickets in <b>{ $title }</b> I need:
    • { $problems }
group-ready = Thanks — <b>{ $title }</b> is ready for tickets. Send /setup_desk to make it the support desk.
group-is-desk = This group is the support desk.
group-send-setup-desk = Send /setup_desk to make it the support desk.
group-start-ready = Teledesk is ready in <b>{ $title }</b>. { $desk } Send /help to see the commands.
group-not-registered = This group isn't registered yet: send /start here first.
group-cannot-open =
    I can't open topics here yet. I need:
    • { $problems }
setup-desk-not-admin = Only an administrator of this group can make it the support desk.
setup-desk-not-ready =
    This group can't be the desk yet. I need:
    • { $problems }
setup-desk-done = <b>{ $title }</b> is now the support desk of @{ $bot }: each private conversation with the bot opens a ticket here as its own topic. Staff use /create_ticket, /close_ticket and /mention.
old-desk-notice = This group is no longer the support desk: new tickets now open in <b>{ $title }</b>. Existing topics stay here.

## Tickets.
ticket-header =
    🎫 <b>{ $ticket }</b> · { $title }
    Priority: { $priority } · opened by { $by }
ticket-header-customer = Customer: <a href="tg://user?id={ $user }">{ $name }</a>
ticket-header-previous = Previous ticket: <b>{ $ticket }</b>
create-usage = Usage: /create_ticket &lt;title&gt; [description] — the description goes on the next line, after <code>|</code>, or after a quoted title.
title-too-long = The title is too long: at most { $max } characters.
topic-refused = Telegram refused to open the ticket's topic: { $error }
ticket-opened = Ticket { $link } opened: { $title }
ticket-gone = Ticket { $ticket } no longer exists.
ticket-already-closed = { $link } is already closed.
ticket-closed-notice = ✅ { $ticket } closed by { $by }.
ticket-not-closed = { $link } is not closed.
ticket-reopened = { $ticket } reopened.
ticket-reopened-moved-on = { $ticket } reopened. The customer has opened another ticket since, so their new messages go there.
priority-usage = Usage: /priority low|normal|high|urgent
priority-set = Priority of { $ticket } set to <b>{ $priority }</b>.

## Linked topics.
topic-default-title = Topic { $thread }
link-usage = Usage: /link &lt;ticket id | topic link https://t.me/c/…/… | chat_id:thread_id&gt; — send it inside the topic to link.
no-ticket = There is no ticket { $ticket }.
link-not-in-group = I'm not in that group. Add me there first (as an administrator), then link.
link-self = A topic can't be linked with itself.
link-already = These topics are already linked.
link-done = Linked with { $there }. Messages now sync both ways; /unlink to stop.
link-notice = Linked with { $here } by { $by }. Messages now sync both ways.
unlink-not-linked = These topics are not linked.
unlink-done = Unlinked. Messages no longer sync.
unlink-notice = Unlinked from { $label } by { $by }.
links-none = This topic is not linked anywhere.
links-title = Messages here are copied to:
links-private-chat = the customer's private chat
links-topic = <a href="{ $url }">topic { $thread }</a>
links-chat = chat { $chat }

## /mention.
mention-outside-topic = Send /mention inside a ticket's topic.
mention-no-staff-yet = There are no internal users yet.
mention-staff-list = Internal users: { $users }.
mention-not-staff = { $name } is not an internal user. { $hint }
mention-no-staff-keyboard = There are no internal users yet. An operator adds them with <code>teledesk staff add</code>.
mention-whom = Whom should I mention?
mention-only-staff = Only staff can mention people.
mention-not-ticket-topic = This is no longer a ticket's topic.
mention-user-gone = That user is no longer an internal user.
mention-toast-done = Mentioned { $user }
mention-done = Mentioned { $user } in <a href="{ $url }">their topic</a>; their answers come here.
mention-call =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } mentioned you on ticket { $ticket }: { $title }
    Write here — your messages go to the ticket's topic and its answers come back here.
mention-call-again =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } mentioned you again on ticket { $ticket }: { $title }
    Write here — your messages go to the ticket's topic and its answers come back here.

## Relaying messages.
relay-sent = <i>[{ $name } sent { $what }]</i>
relay-uncopyable = a message that cannot be copied
relay-group-gone = ⚠️ A linked group no longer lets the bot in; messages can't reach it.
topic-recreated = ⚠️ This topic was deleted, so I opened it again as “{ $name }”.{ $history }
topic-recreated-history = {" "}Ticket { $ticket } and its history are kept; earlier messages stay in the ticket's record.
attachment-too-large-size = 📎 { $name } is { $mb } MB: bots can only download files up to 20 MB, so it was delivered but not archived. Send a smaller file or a link if it must be kept.
attachment-too-large = 📎 { $name } is over 20 MB: bots can only download files up to 20 MB, so it was delivered but not archived. Send a smaller file or a link if it must be kept.
relay-what-quiz = a quiz: { $question }
relay-what-not-copyable = a message of a kind that cannot be copied ({ $kind })
relay-what-service = a service message
