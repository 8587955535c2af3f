//! The requests' texts (`locales/<lang>.ftl`).

#[allow(unused_imports)]
pub use teledesk_bot::i18n::{Arg, Lang};

teledesk_bot::texts!(
    "requests",
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ru.ftl"),
    include_str!("../locales/uk.ftl")
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_requests_catalog_is_complete() {
        assert_eq!(super::catalog().problems(), Vec::<String>::new());
    }
}
