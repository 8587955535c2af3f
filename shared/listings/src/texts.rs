//! Listings' texts (`locales/<lang>.ftl`): the admin chat's commands and summaries.

#[allow(unused_imports)]
pub use teledesk_bot::i18n::{Arg, Lang};

teledesk_bot::texts!(
    "listings",
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ru.ftl"),
    include_str!("../locales/uk.ftl")
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_listings_catalog_is_complete() {
        assert_eq!(super::catalog().problems(), Vec::<String>::new());
    }

    #[test]
    fn a_source_line_shows_its_state_in_every_language() {
        use super::{Lang, t_in};
        let line = |lang, enabled: &str, status: &str| {
            t_in(
                lang,
                "sources-line-error",
                &[
                    ("id", "src_1".into()),
                    ("channel", "cars".into()),
                    ("enabled", enabled.into()),
                    ("cursor", 1234567_i64.into()),
                    ("status", status.into()),
                    ("error", "a <b>".into()),
                ],
            )
        };
        assert_eq!(
            line(Lang::En, "off", "failed"),
            "<code>src_1</code> @cars · off · cursor 1234567 · failed (a &lt;b&gt;)"
        );
        assert_eq!(
            line(Lang::Ru, "on", "ok"),
            "<code>src_1</code> @cars · вкл. · курсор 1234567 · в порядке (a &lt;b&gt;)"
        );
        assert_eq!(
            line(Lang::Uk, "on", "new"),
            "<code>src_1</code> @cars · увімк. · курсор 1234567 · new (a &lt;b&gt;)"
        );
    }
}
