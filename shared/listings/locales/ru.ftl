# Тексты объявлений (русский).

cmd-sources = Каналы-источники каталога (админ-чат)
cmd-sync = Синхронизировать источник сейчас: /sync <id источника> (админ-чат)
cmd-parse-range = Синхронизировать посты источника за даты: /parse_range <id источника> <ГГГГ-ММ-ДД> <ГГГГ-ММ-ДД> (админ-чат)
cmd-dry-run = Что сохранила бы синхронизация, ничего не сохраняя: /dry_run <id источника> (админ-чат)

## Команды каталога в админ-чате.
admin-chat-only = /{ $command } работает только в админ-чате (его задаёт администратор группы командой /setup_admin).
admins-only = Команды каталога может выполнять только администратор этой группы.
sources-none = Каналов-источников пока нет: добавьте с помощью <code>teledesk channel-sources add</code> или POST /api/v1/channel-sources.
sources-title = <b>Каналы-источники</b>
# $enabled — `on` или `off`; $status — код состояния источника (ok, failed, rate_limited…).
sources-line = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] вкл.
       *[off] выкл.
    } · курсор { $cursor } · { $status ->
        [ok] в порядке
        [failed] ошибка
        [rate_limited] лимит запросов
        [busy] занят
       *[other] { $status }
    }
sources-line-error = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] вкл.
       *[off] выкл.
    } · курсор { $cursor } · { $status ->
        [ok] в порядке
        [failed] ошибка
        [rate_limited] лимит запросов
        [busy] занят
       *[other] { $status }
    } ({ $error })
sources-more = … и другие: <code>teledesk channel-sources list</code> или GET /api/v1/channel-sources.
usage-source = Использование: /{ $command } &lt;id источника&gt; (см. /sources)
usage-parse-range = Использование: /parse_range &lt;id источника&gt; &lt;ГГГГ-ММ-ДД&gt; &lt;ГГГГ-ММ-ДД&gt; (с какой даты, по какую)
source-unknown = Нет канала-источника <code>{ $id }</code> (см. /sources).
source-not-synced = Этот источник получает посты канала через бота; синхронизировать нечего.
sync-queued = В очереди: { $command } для @{ $channel }. Результат пришлю сюда.

## Итог прогона для админ-чата. $mode — latest, range или dry_run; $status — ok, failed, rate_limited или busy.
run-summary = <b>{ $mode ->
        [latest] Синхронизация
        [range] Синхронизация за даты
        [dry_run] Пробный прогон (dry_run)
       *[other] { $mode }
    }</b> для @{ $channel }: { $status ->
        [ok] успешно
        [failed] ошибка
        [rate_limited] превышен лимит запросов
        [busy] источник занят
       *[other] { $status }
    }. Новых: { $new }, обновлено: { $updated }, дубликатов: { $duplicate }, не объявлений: { $skipped }, ошибок: { $failed }, страниц: { $pages }, курсор: { $cursor }.
run-more = Время этого прогона вышло: он продолжится в фоне.
run-would-store = • { $title } — { $price } { $currency }
listing-no-title = (без названия)

## Предупреждения и ошибки синхронизации.
run-note-dry-run-limit = пробный прогон читает не больше { $pages } страниц: посты до #{ $before } ({ $day }) не прочитаны
run-note-first-sync-limit = первая синхронизация читает { $pages } последних страниц: посты до #{ $before } ({ $day }) не прочитаны; их прочитает синхронизация за период
run-note-busy = этот источник сейчас синхронизирует другой запуск
run-note-rate-limited = превышен лимит запросов: повтор через { $seconds } с
