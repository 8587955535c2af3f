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
}
