# Тексти служби підтримки (українська).

cmd-start-group = Перевірити, чи готова група до заявок
cmd-setup-desk = Зробити цю групу службою підтримки (адміни групи)
cmd-create-ticket = Відкрити заявку: /create_ticket <заголовок> [опис]
cmd-close-ticket = Закрити заявку цієї теми
cmd-reopen-ticket = Знову відкрити заявку цієї теми
cmd-priority = Встановити пріоритет: low, normal, high або urgent
cmd-mention = Покликати співробітника: /mention <ім'я користувача>
cmd-link = Зв'язати цю тему з іншою: /link <номер заявки або посилання на тему>
cmd-unlink = Припинити синхронізацію зі зв'язаною темою
cmd-links = Показати, куди йдуть повідомлення цієї теми

home-contact-support = 💬 Написати в підтримку
support-prompt = Напишіть своє запитання в цей чат — текстом, фото чи файлом, — і команда відповість тут.

support-not-set-up = Вибачте, підтримку ще не налаштовано: команда не обрала групу для заявок. Спробуйте пізніше.
support-open-failed = Вибачте, зараз не вдалося відкрити ваше звернення. Спробуйте трохи згодом.
support-ticket-opened = Дякуємо, { $name }! Ваше звернення — заявка <b>{ $ticket }</b>; команда відповість тут.
support-ticket-opened-again = Дякуємо, { $name }! Ваше звернення — заявка <b>{ $ticket }</b>; команда відповість тут. (Ваша попередня заявка — { $previous }.)
support-ticket-closed = Вашу заявку <b>{ $ticket }</b> закрито. Якщо потрібно ще щось, просто напишіть сюди — відкриється нова заявка.
support-ticket-reopened = Вашу заявку <b>{ $ticket }</b> знову відкрито; команда відповість тут.

ticket-link-open = Ваша заявка <b>{ $ticket }</b> ({ $title }) відкрита: пишіть сюди, команда побачить.
ticket-link-closed = Вашу заявку <b>{ $ticket }</b> ({ $title }) закрито. Напишіть сюди, щоб відкрити нову.

desk-cannot-open = ⚠️ Заявки клієнтів не відкриваються: Telegram відповів «{ $error }». Надішліть тут /start, щоб дізнатися, що мені потрібно.

## Дії, доступні лише співробітникам.
action-link-topics = зв'язувати теми
action-unlink-topics = розривати зв'язок тем
action-create-tickets = створювати заявки
action-close-tickets = закривати заявки
action-reopen-tickets = знову відкривати заявки
action-set-priorities = встановлювати пріоритет
action-mention-people = кликати співробітників
not-staff = Лише співробітники можуть { $action }. Оператор додає співробітників командою <code>teledesk staff add</code>.
inside-topic = Надішліть це всередині теми, щоб { $action }.
inside-ticket-topic = Надішліть це в темі заявки, щоб { $action }.

## Групи та служба підтримки.
problem-enable-topics-group = Увімкніть <b>Теми</b> в налаштуваннях групи (Telegram зробить її супергрупою).
problem-enable-topics = Увімкніть <b>Теми</b>: налаштування групи → Теми.
problem-make-admin = Зробіть @{ $bot } адміністратором із правами <b>Керування темами</b> та <b>Видалення повідомлень</b>.
problem-manage-topics = Дайте @{ $bot } право <b>Керування темами</b> (налаштування групи → Адміністратори).
problem-delete-messages = Дайте @{ $bot } право <b>Видалення повідомлень</b> (налаштування групи → Адміністратори).
group-needs =
    Щоб вести заявки в <b>{ $title }</b>, мені потрібно:
    • { $problems }
group-ready = Дякую — <b>{ $title }</b> готова до заявок. Надішліть /setup_desk, щоб зробити її службою підтримки.
group-is-desk = Ця група — служба підтримки.
group-send-setup-desk = Надішліть /setup_desk, щоб зробити її службою підтримки.
group-start-ready = Teledesk готовий у <b>{ $title }</b>. { $desk } Надішліть /help, щоб побачити команди.
group-not-registered = Цю групу ще не зареєстровано: спершу надішліть тут /start.
group-cannot-open =
    Я поки не можу відкривати тут теми. Мені потрібно:
    • { $problems }
setup-desk-not-admin = Лише адміністратор цієї групи може зробити її службою підтримки.
setup-desk-not-ready =
    Ця група поки не може бути службою підтримки. Мені потрібно:
    • { $problems }
setup-desk-done = <b>{ $title }</b> тепер служба підтримки @{ $bot }: кожна особиста розмова з ботом відкриває тут заявку в окремій темі. Співробітники користуються /create_ticket, /close_ticket і /mention.
old-desk-notice = Ця група більше не служба підтримки: нові заявки тепер відкриваються в <b>{ $title }</b>. Наявні теми лишаються тут.

## Заявки.
ticket-header =
    🎫 <b>{ $ticket }</b> · { $title }
    Пріоритет: { $priority } · відкрив(ла) { $by }
ticket-header-customer = Клієнт: <a href="tg://user?id={ $user }">{ $name }</a>
ticket-header-previous = Попередня заявка: <b>{ $ticket }</b>
create-usage = Використання: /create_ticket &lt;заголовок&gt; [опис] — опис на наступному рядку, після <code>|</code> або після заголовка в лапках.
title-too-long = Заголовок задовгий: не більше { $max } символів.
topic-refused = Telegram відмовився відкрити тему заявки: { $error }
ticket-opened = Заявку { $link } відкрито: { $title }
ticket-gone = Заявки { $ticket } більше немає.
ticket-already-closed = { $link } уже закрито.
ticket-closed-notice = ✅ { $ticket } закрив(ла) { $by }.
ticket-not-closed = { $link } не закрито.
ticket-reopened = { $ticket } знову відкрито.
ticket-reopened-moved-on = { $ticket } знову відкрито. Клієнт відтоді відкрив іншу заявку, тож його нові повідомлення йдуть туди.
priority-usage = Використання: /priority low|normal|high|urgent
priority-set = Пріоритет { $ticket }: <b>{ $priority }</b>.

## Зв'язані теми.
topic-default-title = Тема { $thread }
link-usage = Використання: /link &lt;номер заявки | посилання на тему https://t.me/c/…/… | chat_id:thread_id&gt; — надішліть усередині теми, яку треба зв'язати.
no-ticket = Заявки { $ticket } немає.
link-not-in-group = Мене немає в тій групі. Спершу додайте мене туди (адміністратором), потім зв'язуйте.
link-self = Тему не можна зв'язати саму з собою.
link-already = Ці теми вже зв'язані.
link-done = Зв'язано з { $there }. Повідомлення тепер ідуть в обидва боки; /unlink, щоб припинити.
link-notice = { $by } зв'язав(ла) цю тему з { $here }. Повідомлення тепер ідуть в обидва боки.
unlink-not-linked = Ці теми не зв'язані.
unlink-done = Зв'язок розірвано. Повідомлення більше не синхронізуються.
unlink-notice = { $by } розірвав(ла) зв'язок із { $label }.
links-none = Ця тема ні з чим не зв'язана.
links-title = Повідомлення звідси копіюються в:
links-private-chat = особистий чат клієнта
links-topic = <a href="{ $url }">тему { $thread }</a>
links-chat = чат { $chat }

## /mention.
mention-outside-topic = Надішліть /mention у темі заявки.
mention-no-staff-yet = Співробітників поки немає.
mention-staff-list = Співробітники: { $users }.
mention-not-staff = { $name } — не співробітник. { $hint }
mention-no-staff-keyboard = Співробітників поки немає. Оператор додає їх командою <code>teledesk staff add</code>.
mention-whom = Кого покликати?
mention-only-staff = Кликати людей можуть лише співробітники.
mention-not-ticket-topic = Це більше не тема заявки.
mention-user-gone = Ця людина більше не співробітник.
mention-toast-done = { $user } покликано
mention-done = { $user } покликано в <a href="{ $url }">свою тему</a>; відповіді надійдуть сюди.
mention-call =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } кличе вас у заявку { $ticket }: { $title }
    Пишіть тут — ваші повідомлення йдуть у тему заявки, а відповіді надходять сюди.
mention-call-again =
    <a href="tg://user?id={ $user }">{ $name }</a>, { $by } знову кличе вас у заявку { $ticket }: { $title }
    Пишіть тут — ваші повідомлення йдуть у тему заявки, а відповіді надходять сюди.

## Пересилання повідомлень.
relay-sent = <i>[{ $name } надіслав(ла) { $what }]</i>
relay-uncopyable = повідомлення, яке не можна скопіювати
relay-group-gone = ⚠️ Зв'язана група більше не пускає бота; повідомлення туди не доходять.
topic-recreated = ⚠️ Цю тему видалили, тож я відкрив її знову як «{ $name }».{ $history }
topic-recreated-history = {" "}Заявку { $ticket } та її історію збережено; попередні повідомлення лишаються в записі заявки.
attachment-too-large-size = 📎 { $name } важить { $mb } МБ: боти завантажують файли лише до 20 МБ, тож файл доставлено, але не збережено в архіві. Надішліть менший файл або посилання, якщо його треба зберегти.
attachment-too-large = 📎 { $name } понад 20 МБ: боти завантажують файли лише до 20 МБ, тож файл доставлено, але не збережено в архіві. Надішліть менший файл або посилання, якщо його треба зберегти.
relay-what-quiz = вікторину: { $question }
relay-what-not-copyable = повідомлення, яке не можна скопіювати ({ $kind })
relay-what-service = службове повідомлення
