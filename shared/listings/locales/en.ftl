# Listings' texts (English). Every key exists in ru.ftl and uk.ftl with the same placeholders.

cmd-sources = Channel sources of the catalog (admin chat)
cmd-sync = Sync a channel source now: /sync <source id> (admin chat)
cmd-parse-range = Sync a source's posts of some dates: /parse_range <source id> <YYYY-MM-DD> <YYYY-MM-DD> (admin chat)
cmd-dry-run = What a sync would store, storing nothing: /dry_run <source id> (admin chat)
