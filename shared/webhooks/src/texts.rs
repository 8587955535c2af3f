//! The webhooks' texts (`locales/<lang>.ftl`): the admin chat's notices, in the workspace's language.

#[allow(unused_imports)]
pub use teledesk_bot::i18n::{Arg, Lang};

teledesk_bot::texts!(
    "webhooks",
    include_str!("../locales/en.ftl"),
    include_str!("../locales/ru.ftl"),
    include_str!("../locales/uk.ftl")
);

#[cfg(test)]
mod tests {
    #[test]
    fn the_webhooks_catalog_is_complete() {
        assert_eq!(super::catalog().problems(), Vec::<String>::new());
    }

    #[test]
    fn the_disabled_notice_escapes_the_url_once_and_keeps_the_reason() {
        use super::{Arg, Lang, t_in};
        for lang in Lang::ALL {
            let reason = t_in(lang, "endpoint-disabled-failing", &[("days", 5.into())]);
            let notice = t_in(
                lang,
                "endpoint-disabled",
                &[
                    ("endpoint", "wh_1".into()),
                    ("url", "https://x.test/?a=1&b=<2>".into()),
                    ("reason", Arg::Html(reason)),
                ],
            );
            assert!(
                notice.contains("https://x.test/?a=1&amp;b=&lt;2&gt;"),
                "{notice}"
            );
            assert!(
                notice.contains("5 ") && notice.contains("recover"),
                "{notice}"
            );
        }
        let en = |days: i64| {
            t_in(
                Lang::En,
                "endpoint-disabled-failing",
                &[("days", days.into())],
            )
        };
        assert_eq!(en(5), "every attempt failed for 5 days");
        assert_eq!(en(1), "every attempt failed for 1 day");
    }
}
