//! Bot commands: parsing, the command list (shown by /help and registered with setMyCommands), and
//! the replies. Every reply is HTML built with [`crate::html::escape`].

use crate::html::escape;

/// The commands the bot answers, in the order /help lists them.
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "start",
        "Start talking to the bot (in a group: check its setup)",
    ),
    ("help", "List the commands"),
    (
        "setup_desk",
        "Make this group the support desk (group admins)",
    ),
    (
        "setup_admin",
        "Make this group the admin chat for operator notices (group admins)",
    ),
    (
        "create_ticket",
        "Open a ticket: /create_ticket <title> [description]",
    ),
    ("close_ticket", "Close this topic's ticket"),
    ("reopen_ticket", "Reopen this topic's ticket"),
    ("priority", "Set the priority: low, normal, high or urgent"),
    ("mention", "Bring an internal user in: /mention <username>"),
    (
        "link",
        "Link this topic with another: /link <ticket id or topic link>",
    ),
    ("unlink", "Stop syncing with a linked topic"),
    ("links", "Show where this topic's messages go"),
    ("sources", "Channel sources of the catalog (admin chat)"),
    (
        "sync",
        "Sync a channel source now: /sync <source id> (admin chat)",
    ),
    (
        "parse_range",
        "Sync a source's posts of some dates: /parse_range <source id> <YYYY-MM-DD> <YYYY-MM-DD> (admin chat)",
    ),
    (
        "dry_run",
        "What a sync would store, storing nothing: /dry_run <source id> (admin chat)",
    ),
];

/// One of the commands above.
pub fn is_known(name: &str) -> bool {
    COMMANDS.iter().any(|(c, _)| *c == name)
}

/// Commands that only make sense in a group.
pub fn is_group_command(name: &str) -> bool {
    COMMANDS
        .iter()
        .any(|(c, _)| *c == name && !matches!(name, "start" | "help"))
}

pub fn group_only(name: &str) -> String {
    format!(
        "/{} works in the team's group, inside a ticket's topic. Here, just write your question.",
        escape(name)
    )
}

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

pub fn start_private(first_name: &str) -> String {
    format!(
        "Hi {}! I'm the support desk bot of this team. Write your question here and the team will answer \
         in this chat. Send /help to see what I can do.",
        escape(first_name)
    )
}

pub fn start_group(title: &str) -> String {
    format!(
        "Teledesk is here for <b>{}</b>. Send /help to see the commands.",
        escape(title)
    )
}

pub fn help() -> String {
    let mut s = String::from("<b>Commands</b>\n");
    for (c, d) in COMMANDS {
        s.push_str(&format!("/{c} — {}\n", escape(d)));
    }
    s
}

pub fn unknown(name: &str) -> String {
    format!(
        "Unknown command /{}. Send /help to see the commands.",
        escape(name)
    )
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

    #[test]
    fn help_lists_every_command() {
        let h = help();
        for (c, _) in COMMANDS {
            assert!(h.contains(&format!("/{c} ")), "{c} missing from {h}");
        }
    }

    #[test]
    fn names_are_escaped() {
        assert!(start_private("<Ann & Bob>").contains("&lt;Ann &amp; Bob&gt;"));
        assert!(unknown("x<y").contains("x&lt;y"));
    }
}
