# The bot core's texts (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

callback-expired = This button has expired.
callback-failed = Something went wrong; please try again in a moment.

cmd-start = Start talking to the bot (in a group: check its setup)
cmd-help = List the commands
cmd-cancel = Stop what you are doing with the bot
cmd-language = Choose the language: English, Русский, Українська
cmd-setup-admin = Make this group the admin chat for operator notices (group admins)
cmd-group-only = /{ $command } works in the team's group, inside a ticket's topic. Here, just write your question.
cmd-private-only = /{ $command } works in a private chat with me.
cmd-unknown = Unknown command /{ $command }. Send /help to see the commands.

help-title = <b>Commands</b>

home-greeting = Hi { $name }! What would you like to do? Send /help to see the commands.
home-empty = Hi { $name }! There is nothing I can do here yet. Send /help to see the commands.
home-back = ◀ Back

cancel-done = Cancelled. Send /start to begin again.
cancel-nothing = There is nothing to cancel.

language-choose = Choose your language:
language-set = I will speak English with you.
language-unknown = I don't speak “{ $code }”. Send /language to choose English, Русский or Українська.
language-name-en = English
language-name-ru = Русский
language-name-uk = Українська

admin-chat-not-admin = Only an administrator of this group can make it the admin chat.
admin-chat-set = This group is now the admin chat of workspace <b>{ $workspace }</b>: I will post here what needs an operator (a webhook endpoint disabled, a channel source failing).
admin-chat-replaced = This group is no longer the admin chat of workspace <b>{ $workspace }</b>: operator notices now go to <b>{ $title }</b>.

setup-needs-proof-desk = Making this group the support desk needs proof that you run this workspace: send <code>{ $command } CODE</code> with a one-time setup code from the operator (<code>teledesk desks setup-code</code>), or be an internal user with the admin role.
setup-needs-proof-admin-chat = Making this group the admin chat needs proof that you run this workspace: send <code>{ $command } CODE</code> with a one-time setup code from the operator (<code>teledesk desks setup-code</code>), or be an internal user with the admin role.
setup-code-other-purpose = That setup code is for { $other }, not { $command }.
setup-code-invalid = That setup code is not valid: it may have been used already or have expired (a code lasts 15 minutes). Ask the operator for a new one: <code>teledesk desks setup-code</code>.
