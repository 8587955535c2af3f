//! Fixed-window counters in the table, shared by every process: one item per key and window
//! (`<pk>` / `<window start>`), incremented atomically. The first hit of a window deletes the
//! previous window's item, so at most two live per key (counters carry no TTL). The API's per-key
//! rate limit (a minute) and the webhooks' per-endpoint rate limit (a second) count with it.

use teledesk_ports::table::{Condition, Table, TableError};

/// Counts one hit of `pk` in the window of `window` units that holds `now` (seconds, or any unit
/// as long as both agree); returns the count so far in this window, this one included, and the
/// window's start.
pub async fn hit(
    table: &dyn Table,
    pk: &str,
    window: i64,
    now: i64,
) -> Result<(i64, i64), TableError> {
    let start = now - now.rem_euclid(window);
    let n = table.increment(pk, &start.to_string(), "count", 1).await?;
    if n == 1 {
        table
            .delete(pk, &(start - window).to_string(), Condition::None)
            .await?;
    }
    Ok((n, start))
}
