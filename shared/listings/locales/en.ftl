# Listings' texts (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

cmd-sources = Channel sources of the catalog (admin chat)
cmd-sync = Sync a channel source now: /sync <source id> (admin chat)
cmd-parse-range = Sync a source's posts of some dates: /parse_range <source id> <YYYY-MM-DD> <YYYY-MM-DD> (admin chat)
cmd-dry-run = What a sync would store, storing nothing: /dry_run <source id> (admin chat)

## The admin chat's catalog commands.
admin-chat-only = /{ $command } works in the admin chat only (a group administrator sets it with /setup_admin).
admins-only = Only an administrator of this group can run catalog commands.
sources-none = No channel sources yet: add one with <code>teledesk channel-sources add</code> or POST /api/v1/channel-sources.
sources-title = <b>Channel sources</b>
# $enabled is `on` or `off`; $status a source's status code (ok, failed, rate_limited…).
sources-line = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] on
       *[off] off
    } · cursor { $cursor } · { $status }
sources-line-error = <code>{ $id }</code> @{ $channel } · { $enabled ->
        [on] on
       *[off] off
    } · cursor { $cursor } · { $status } ({ $error })
sources-more = … and more: <code>teledesk channel-sources list</code> or GET /api/v1/channel-sources.
usage-source = Usage: /{ $command } &lt;source id&gt; (see /sources)
usage-parse-range = Usage: /parse_range &lt;source id&gt; &lt;YYYY-MM-DD&gt; &lt;YYYY-MM-DD&gt; (from, then to)
source-unknown = No channel source <code>{ $id }</code> (see /sources).
source-not-synced = That source is fed by the bot's channel posts; there is nothing to sync.
sync-queued = Queued: { $command } of @{ $channel }. I will post the result here.

## A run's result, for the admin chat. $mode is latest, range or dry_run; $status ok, failed, rate_limited or busy.
run-summary = <b>{ $mode }</b> of @{ $channel }: { $status }. New { $new }, updated { $updated }, duplicates { $duplicate }, not listings { $skipped }, failed { $failed }, pages { $pages }, cursor { $cursor }.
run-more = Out of time for this run: it continues in the background.
run-would-store = • { $title } — { $price } { $currency }
listing-no-title = (no title)

## A run's warnings and errors.
run-note-dry-run-limit = a dry run reads at most { $pages } pages: posts before #{ $before } ({ $day }) were not read
run-note-first-sync-limit = a first sync reads the newest { $pages } pages: posts before #{ $before } ({ $day }) were not read; a range run reads them
run-note-busy = another run is syncing this source
run-note-rate-limited = rate limited: retry after { $seconds } s
