# Тексти оголошень (українська).

cmd-sources = Канали-джерела каталогу (адмін-чат)
cmd-sync = Синхронізувати джерело зараз: /sync <id джерела> (адмін-чат)
cmd-parse-range = Синхронізувати дописи джерела за дати: /parse_range <id джерела> <РРРР-ММ-ДД> <РРРР-ММ-ДД> (адмін-чат)
cmd-dry-run = Що збереже синхронізація, нічого не зберігаючи: /dry_run <id джерела> (адмін-чат)

## Команди каталогу в адмін-чаті.
admin-chat-only = /{ $command } працює лише в адмін-чаті (його задає адміністратор групи командою /setup_admin).
admins-only = Команди каталогу може виконувати лише адміністратор цієї групи.
sources-none = Каналів-джерел поки немає: додайте за допомогою <code>teledesk channel-sources add</code> або POST /api/v1/channel-sources.
sources-title = <b>Канали-джерела</b>
# $enabled — `on` або `off`; $status — код стану джерела (ok, failed, rate_limited…).
sources-line = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] увімк.
       *[off] вимк.
    } · курсор { $cursor } · { $status ->
        [ok] гаразд
        [failed] помилка
        [rate_limited] ліміт запитів
        [busy] зайняте
       *[other] { $status }
    }
sources-line-error = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] увімк.
       *[off] вимк.
    } · курсор { $cursor } · { $status ->
        [ok] гаразд
        [failed] помилка
        [rate_limited] ліміт запитів
        [busy] зайняте
       *[other] { $status }
    } ({ $error })
sources-more = … та інші: <code>teledesk channel-sources list</code> або GET /api/v1/channel-sources.
usage-source = Використання: /{ $command } &lt;id джерела&gt; (див. /sources)
usage-parse-range = Використання: /parse_range &lt;id джерела&gt; &lt;РРРР-ММ-ДД&gt; &lt;РРРР-ММ-ДД&gt; (з якої дати, по яку)
source-unknown = Немає каналу-джерела <code>{ $id }</code> (див. /sources).
source-not-synced = Це джерело отримує дописи каналу через бота; синхронізувати нічого.
sync-queued = У черзі: { $command } для @{ $channel }. Результат надішлю сюди.

## Підсумок прогону для адмін-чату. $mode — latest, range або dry_run; $status — ok, failed, rate_limited або busy.
run-summary = <b>{ $mode ->
        [latest] Синхронізація
        [range] Синхронізація за дати
        [dry_run] Пробний прогін (dry_run)
       *[other] { $mode }
    }</b> для @{ $channel }: { $status ->
        [ok] успішно
        [failed] помилка
        [rate_limited] перевищено ліміт запитів
        [busy] джерело зайняте
       *[other] { $status }
    }. Нових: { $new }, оновлено: { $updated }, дублікатів: { $duplicate }, не оголошень: { $skipped }, помилок: { $failed }, сторінок: { $pages }, курсор: { $cursor }.
run-more = Час цього прогону вичерпано: він продовжиться у фоні.
run-would-store = • { $title } — { $price } { $currency }
listing-no-title = (без назви)

## Попередження та помилки синхронізації.
run-note-dry-run-limit = пробний прогін читає не більше { $pages } сторінок: дописи до #{ $before } ({ $day }) не прочитано
run-note-first-sync-limit = перша синхронізація читає { $pages } останніх сторінок: дописи до #{ $before } ({ $day }) не прочитано; їх прочитає синхронізація за період
run-note-busy = це джерело зараз синхронізує інший запуск
run-note-rate-limited = перевищено ліміт запитів: повтор через { $seconds } с
