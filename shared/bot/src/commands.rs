//! Bot commands: parsing, the core's own commands (`/start`, `/help`, `/cancel`, `/language`), and
//! the core's replies about commands. Capabilities declare theirs ([`crate::router::CommandSpec`]);
//! `/help` and `setMyCommands` are derived from what is declared ([`crate::home`],
//! [`crate::menu`]).

use crate::ctx::Ctx;
use crate::i18n::text;
use crate::router::{CommandSpec, Scope};

/// The core's commands: every chat has them.
pub const CORE: &[CommandSpec] = &[
    CommandSpec {
        name: "start",
        scope: Scope::Private,
        listed: true,
        help: "cmd-start",
    },
    CommandSpec {
        name: "help",
        scope: Scope::Any,
        listed: true,
        help: "cmd-help",
    },
    CommandSpec {
        name: "cancel",
        scope: Scope::Private,
        listed: true,
        help: "cmd-cancel",
    },
    CommandSpec {
        name: "language",
        scope: Scope::Private,
        listed: true,
        help: "cmd-language",
    },
];

/// A command in a message: `/name@bot args`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command<'a> {
    pub name: String,
    pub addressee: Option<&'a str>,
    pub args: &'a str,
}

/// Parses a message text that starts with `/`.
pub fn parse(text: &str) -> Option<Command<'_>> {
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, addressee) = match head.split_once('@') {
        Some((n, a)) => (n, Some(a)),
        None => (head, None),
    };
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return None;
    }
    Some(Command {
        name: name.to_ascii_lowercase(),
        addressee,
        args,
    })
}

/// A group command sent in private chat.
pub fn group_only(ctx: &Ctx<'_>, name: &str) -> String {
    text(ctx, "cmd-group-only", &[("command", name.into())])
}

/// A private-chat command sent in a group.
pub fn private_only(ctx: &Ctx<'_>, name: &str) -> String {
    text(ctx, "cmd-private-only", &[("command", name.into())])
}

pub fn unknown(ctx: &Ctx<'_>, name: &str) -> String {
    text(ctx, "cmd-unknown", &[("command", name.into())])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_commands() {
        let c = parse("/start@TeledeskBot  hello there").unwrap();
        assert_eq!(
            (c.name.as_str(), c.addressee, c.args),
            ("start", Some("TeledeskBot"), "hello there")
        );
        assert_eq!(parse("/Help").unwrap().name, "help");
        assert_eq!(parse("hello"), None);
        assert_eq!(parse("/"), None);
        assert_eq!(parse("/ x"), None);
    }
}
