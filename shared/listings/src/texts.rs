//! The listings texts (`locales/<lang>.ftl`), in the language of the person they are for.

use teledesk_bot::ctx::Ctx;
use teledesk_bot::i18n::{Arg, Catalog, Lang};

pub fn catalog() -> &'static Catalog {
    static C: std::sync::LazyLock<Catalog> = std::sync::LazyLock::new(|| {
        Catalog::new(
            "listings",
            include_str!("../locales/en.ftl"),
            include_str!("../locales/ru.ftl"),
            include_str!("../locales/uk.ftl"),
        )
    });
    &C
}

/// A listings text in the language of the update's user.
pub fn t(ctx: &Ctx<'_>, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    catalog().format(ctx.lang(), key, args)
}

/// A listings text in a given language (a customer told of a staff action).
pub fn t_in(lang: Lang, key: &str, args: &[(&str, Arg<'_>)]) -> String {
    catalog().format(lang, key, args)
}

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
