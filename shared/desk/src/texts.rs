//! The desk's texts (`locales/<lang>.ftl`), in the language of the person they are for.

#[allow(unused_imports)]
pub use teledesk_bot::i18n::{Arg, Lang};

teledesk_bot::texts!(
    "desk",
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ru.ftl"),
    include_str!("../locales/uk.ftl")
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_desk_catalog_is_complete() {
        assert_eq!(super::catalog().problems(), Vec::<String>::new());
    }
}
