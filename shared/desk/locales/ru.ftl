# Тексты службы поддержки (русский).

cmd-start-group = Проверить, готова ли группа к заявкам
cmd-setup-desk = Сделать эту группу службой поддержки (админы группы)
cmd-create-ticket = Открыть заявку: /create_ticket <заголовок> [описание]
cmd-close-ticket = Закрыть заявку этой темы
cmd-reopen-ticket = Переоткрыть заявку этой темы
cmd-priority = Задать приоритет: low, normal, high или urgent
cmd-mention = Позвать сотрудника: /mention <имя пользователя>
cmd-link = Связать эту тему с другой: /link <номер заявки или ссылка на тему>
cmd-unlink = Прекратить синхронизацию со связанной темой
cmd-links = Показать, куда уходят сообщения этой темы

home-contact-support = 💬 Написать в поддержку
support-prompt = Напишите свой вопрос в этот чат — текстом, фото или файлом, — и команда ответит здесь.

support-not-set-up = Извините, поддержка ещё не настроена: команда не выбрала группу для заявок. Попробуйте позже.
support-open-failed = Извините, сейчас не получилось открыть ваше обращение. Попробуйте чуть позже.
support-ticket-opened = Спасибо, { $name }! Ваше обращение — заявка <b>{ $ticket }</b>; команда ответит здесь.
support-ticket-opened-again = Спасибо, { $name }! Ваше обращение — заявка <b>{ $ticket }</b>; команда ответит здесь. (Ваша предыдущая заявка — { $previous }.)
support-ticket-closed = Ваша заявка <b>{ $ticket }</b> закрыта. Если нужно что-то ещё, просто напишите сюда — откроется новая заявка.
support-ticket-reopened = Ваша заявка <b>{ $ticket }</b> снова открыта; команда ответит здесь.

ticket-link-open = Ваша заявка <b>{ $ticket }</b> ({ $title }) открыта: пишите сюда, команда увидит.
ticket-link-closed = Ваша заявка <b>{ $ticket }</b> ({ $title }) закрыта. Напишите сюда, чтобы открыть новую.

desk-cannot-open = ⚠️ Заявки клиентов не открываются: Telegram ответил «{ $error }». Отправьте здесь /start, чтобы узнать, что мне нужно.

## Действия, доступные только сотрудникам.
action-link-topics = связывать темы
action-unlink-topics = разрывать связь тем
action-create-tickets = создавать заявки
action-close-tickets = закрывать заявки
action-reopen-tickets = переоткрывать заявки
action-set-priorities = задавать приоритет
action-mention-people = звать сотрудников
not-staff = Только сотрудники могут { $action }. Оператор добавляет сотрудников командой <code>teledesk staff add</code>.
inside-topic = Отправьте это внутри темы, чтобы { $action }.
inside-ticket-topic = Отправьте это в теме заявки, чтобы { $action }.

## Группы и служба поддержки.
problem-enable-topics-group = Включите <b>Темы</b> в настройках группы (Telegram сделает её супергруппой).
problem-enable-topics = Включите <b>Темы</b>: настройки группы → Темы.
problem-make-admin = Сделайте @{ $bot } администратором с правами <b>Управление темами</b> и <b>Удаление сообщений</b>.
problem-manage-topics = Дайте @{ $bot } право <b>Управление темами</b> (настройки группы → Администраторы).
problem-delete-messages = Дайте @{ $bot } право <b>Удаление сообщений</b> (настройки группы → Администраторы).
group-needs =
    Чтобы вести заявки в <b>{ $title }</b>, мне нужно:
    • { $problems }
group-ready = Спасибо — <b>{ $title }</b> готова к заявкам. Отправьте /setup_desk, чтобы сделать её службой поддержки.
group-is-desk = Эта группа — служба поддержки.
group-send-setup-desk = Отправьте /setup_desk, чтобы сделать её службой поддержки.
group-start-ready = Teledesk готов в <b>{ $title }</b>. { $desk } Отправьте /help, чтобы увидеть команды.
group-not-registered = Эта группа ещё не зарегистрирована: сначала отправьте здесь /start.
group-cannot-open =
    Я пока не могу открывать здесь темы. Мне нужно:
    • { $problems }
setup-desk-not-admin = Только администратор этой группы может сделать её службой поддержки.
setup-desk-not-ready =
    Эта группа пока не может быть службой поддержки. Мне нужно:
    • { $problems }
setup-desk-done = <b>{ $title }</b> теперь служба поддержки @{ $bot }: каждый личный разговор с ботом открывает здесь заявку в своей теме. Сотрудники используют /create_ticket, /close_ticket и /mention.
old-desk-notice = Эта группа больше не служба поддержки: новые заявки теперь открываются в <b>{ $title }</b>. Существующие темы остаются здесь.

## Заявки.
ticket-header =
    🎫 <b>{ $ticket }</b> · { $title }
    Приоритет: { $priority } · открыл(а) { $by }
ticket-header-customer = Клиент: <a href="tg://user?id={ $user }">{ $name }</a>
ticket-header-previous = Предыдущая заявка: <b>{ $ticket }</b>
create-usage = Использование: /create_ticket &lt;заголовок&gt; [описание] — описание на следующей строке, после <code>|</code> или после заголовка в кавычках.
title-too-long = Заголовок слишком длинный: не больше { $max } символов.
topic-refused = Telegram отказался открыть тему заявки: { $error }
ticket-opened = Заявка { $link } открыта: { $title }
ticket-gone = Заявки { $ticket } больше нет.
ticket-already-closed = { $link } уже закрыта.
ticket-closed-notice = ✅ { $ticket } закрыл(а) { $by }.
ticket-not-closed = { $link } не закрыта.
ticket-reopened = { $ticket } снова открыта.
ticket-reopened-moved-on = { $ticket } снова открыта. Клиент с тех пор открыл другую заявку, поэтому его новые сообщения идут туда.
priority-usage = Использование: /priority low|normal|high|urgent
priority-set = Приоритет { $ticket }: <b>{ $priority }</b>.

## Связанные темы.
topic-default-title = Тема { $thread }
link-usage = Использование: /link &lt;номер заявки | ссылка на тему https://t.me/c/…/… | chat_id:thread_id&gt; — отправьте внутри темы, которую нужно связать.
no-ticket = Заявки { $ticket } нет.
link-not-in-group = Меня нет в той группе. Сначала добавьте меня туда (администратором), потом связывайте.
link-self = Тему нельзя связать саму с собой.
link-already = Эти темы уже связаны.
link-done = Связано с { $there }. Сообщения теперь идут в обе стороны; /unlink, чтобы прекратить.
link-notice = { $by } связал(а) эту тему с { $here }. Сообщения теперь идут в обе стороны.
unlink-not-linked = Эти темы не связаны.
unlink-done = Связь разорвана. Сообщения больше не синхронизируются.
unlink-notice = { $by } разорвал(а) связь с { $label }.
links-none = Эта тема ни с чем не связана.
links-title = Сообщения отсюда копируются в:
links-private-chat = личный чат клиента
links-topic = <a href="{ $url }">тему { $thread }</a>
links-chat = чат { $chat }

## /mention.
mention-outside-topic = Отправьте /mention в теме заявки.
mention-no-staff-yet = Сотрудников пока нет.
mention-staff-list = Сотрудники: { $users }.
mention-not-staff = { $name } — не сотрудник. { $hint }
mention-no-staff-keyboard = Сотрудников пока нет. Оператор добавляет их командой <code>teledesk staff add</code>.
mention-whom = Кого позвать?
mention-only-staff = Звать людей могут только сотрудники.
mention-not-ticket-topic = Это больше не тема заявки.
mention-user-gone = Этот человек больше не сотрудник.
mention-toast-done = { $user } позван(а)
mention-done = { $user } позван(а) в <a href="{ $url }">свою тему</a>; ответы придут сюда.
mention-call =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } зовёт вас в заявку { $ticket }: { $title }
    Пишите здесь — ваши сообщения уходят в тему заявки, а ответы приходят сюда.
mention-call-again =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } снова зовёт вас в заявку { $ticket }: { $title }
    Пишите здесь — ваши сообщения уходят в тему заявки, а ответы приходят сюда.

## Пересылка сообщений.
relay-sent = <i>[{ $name } отправил(а) { $what }]</i>
relay-uncopyable = сообщение, которое нельзя скопировать
relay-group-gone = ⚠️ Связанная группа больше не пускает бота; сообщения туда не доходят.
topic-recreated = ⚠️ Эту тему удалили, поэтому я открыл её заново как «{ $name }».{ $history }
topic-recreated-history = {" "}Заявка { $ticket } и её история сохранены; прежние сообщения остаются в записи заявки.
attachment-too-large-size = 📎 { $name } весит { $mb } МБ: боты скачивают файлы только до 20 МБ, поэтому файл доставлен, но не сохранён в архиве. Отправьте файл поменьше или ссылку, если его нужно сохранить.
attachment-too-large = 📎 { $name } больше 20 МБ: боты скачивают файлы только до 20 МБ, поэтому файл доставлен, но не сохранён в архиве. Отправьте файл поменьше или ссылку, если его нужно сохранить.
relay-what-quiz = викторину: { $question }
relay-what-not-copyable = сообщение, которое нельзя скопировать ({ $kind })
relay-what-service = служебное сообщение
