//! The scenarios' own texts (`locales/<lang>.ftl`): buttons, built-in errors, lead notices. The
//! author's texts are in the scenario file.

#[allow(unused_imports)]
pub use teledesk_bot::i18n::{Arg, Lang};

teledesk_bot::texts!(
    "scenarios",
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ru.ftl"),
    include_str!("../locales/uk.ftl")
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_scenarios_catalog_is_complete() {
        assert_eq!(super::catalog().problems(), Vec::<String>::new());
    }
}
