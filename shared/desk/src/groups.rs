//! Groups the bot is in, their readiness (forum on, the bot's admin rights), and the bot's desk.
//!
//! A group is registered when the bot is added (`my_chat_member`) and re-checked by `/start`. What is
//! missing is said once — the warning's text is stored and repeated only when it changes — not on
//! every message.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teledesk_ports::table::{Condition, Item, PK, Query, SK};

use super::msg::Msg;
use crate::texts::{t, t_in};
use teledesk_bot::i18n::{Arg, Lang};

/// "To run tickets in <title> I need: • …" (each problem HTML already).
fn needs(ctx: &Ctx<'_>, title: &str, problems: &[String]) -> String {
    t(
        ctx,
        "group-needs",
        &[
            ("title", title.into()),
            ("problems", Arg::Html(problems.join("\n• "))),
        ],
    )
}
use super::{Ctx, Res};
use crate::{Deps, keys, setup_codes};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Group {
    pub bot_id: String,
    pub chat_id: i64,
    pub title: String,
    /// `group`, `supergroup` or `channel`.
    #[serde(rename = "type")]
    pub kind: String,
    pub is_forum: bool,
    /// The bot's status: `administrator`, `member`, `left`, `kicked`…
    pub bot_status: String,
    pub can_manage_topics: bool,
    pub can_delete_messages: bool,
    pub active: bool,
    #[serde(default)]
    pub is_desk: bool,
    /// The last readiness warning posted in the group ("" when none).
    #[serde(default)]
    pub warned: String,
    #[serde(default)]
    pub migrated_to: Option<i64>,
    pub updated_at: i64,
}

impl teledesk_bot::record::Record for Group {
    const KIND: &'static str = "group";
    fn key(&self) -> (String, String) {
        (
            keys::group_pk(&self.bot_id, self.chat_id),
            keys::GROUP_SK.into(),
        )
    }
    fn gsi1(&self) -> Option<(String, String)> {
        Some((keys::groups_gsi(&self.bot_id), self.chat_id.to_string()))
    }
}

impl Group {
    fn to_item(&self) -> Item {
        teledesk_bot::record::to_item(self)
    }

    /// What must change before the group can hold ticket topics, one line each (HTML), in the
    /// workspace's language (the API shows them too).
    pub fn problems(&self, bot_username: &str) -> Vec<String> {
        self.problems_in(Lang::DEFAULT, bot_username)
    }

    /// [`Group::problems`] in a language.
    pub fn problems_in(&self, lang: Lang, bot_username: &str) -> Vec<String> {
        let mut p = Vec::new();
        let bot = [("bot", bot_username.into())];
        if self.kind == "group" {
            p.push(t_in(lang, "problem-enable-topics-group", &[]));
        } else if !self.is_forum {
            p.push(t_in(lang, "problem-enable-topics", &[]));
        }
        if self.bot_status != "administrator" && self.bot_status != "creator" {
            p.push(t_in(lang, "problem-make-admin", &bot));
        } else {
            if !self.can_manage_topics {
                p.push(t_in(lang, "problem-manage-topics", &bot));
            }
            if !self.can_delete_messages {
                p.push(t_in(lang, "problem-delete-messages", &bot));
            }
        }
        p
    }
}

pub async fn get(deps: &Deps, bot_id: &str, chat_id: i64) -> Res<Option<Group>> {
    let item = deps
        .table
        .get(&keys::group_pk(bot_id, chat_id), keys::GROUP_SK)
        .await?;
    Ok(item.and_then(|i| teledesk_bot::record::from_item(i).ok()))
}

pub async fn put(deps: &Deps, g: &Group) -> Res<()> {
    Ok(deps.table.put(g.to_item(), Condition::None).await?)
}

/// Every group of a bot.
pub async fn list(deps: &Deps, bot_id: &str) -> Res<Vec<Group>> {
    Ok(
        teledesk_bot::record::all(deps.table.as_ref(), Query::gsi1(keys::groups_gsi(bot_id)))
            .await?,
    )
}

/// The bot's desk group id, if one was set up.
pub async fn desk(deps: &Deps, bot_id: &str) -> Res<Option<i64>> {
    let item = deps.table.get(&keys::bot_pk(bot_id), keys::DESK_SK).await?;
    Ok(item.and_then(|i| i.get("chat_id").and_then(Value::as_i64)))
}

async fn set_desk(deps: &Deps, bot_id: &str, chat_id: i64, set_by: i64) -> Res<()> {
    let mut item = Item::new();
    item.insert(PK.into(), json!(keys::bot_pk(bot_id)));
    item.insert(SK.into(), json!(keys::DESK_SK));
    item.insert("chat_id".into(), json!(chat_id));
    item.insert("set_by".into(), json!(set_by));
    item.insert("set_at".into(), json!(teledesk_ports::now_secs()));
    Ok(deps.table.put(item, Condition::None).await?)
}

fn rights_from_member(g: &mut Group, member: &Value) {
    g.bot_status = member["status"].as_str().unwrap_or("member").to_owned();
    g.can_manage_topics = member["can_manage_topics"] == true || g.bot_status == "creator";
    g.can_delete_messages = member["can_delete_messages"] == true || g.bot_status == "creator";
}

/// `my_chat_member`: the bot was added, promoted, restricted or removed.
pub async fn on_my_chat_member(ctx: &Ctx<'_>, change: &Value) -> Res<()> {
    let chat = &change["chat"];
    let kind = chat["type"].as_str().unwrap_or_default();
    if kind == "private" || kind == "channel" {
        return Ok(()); // private: a user blocked/unblocked us (seen on send); channels: the catalog
    }
    let chat_id = chat["id"].as_i64().unwrap_or_default();
    let mut g = get(ctx.deps, ctx.bot_id(), chat_id)
        .await?
        .unwrap_or_default();
    g.bot_id = ctx.bot_id().to_owned();
    g.chat_id = chat_id;
    g.title = chat["title"].as_str().unwrap_or_default().to_owned();
    g.kind = kind.to_owned();
    g.is_forum = chat["is_forum"] == true;
    rights_from_member(&mut g, &change["new_chat_member"]);
    g.active = !matches!(g.bot_status.as_str(), "left" | "kicked");
    g.updated_at = teledesk_ports::now_secs();
    if !g.active {
        tracing::info!(chat_id, status = %g.bot_status, "bot removed from the group; group inactive");
        if g.is_desk {
            // Customers are told support is unavailable rather than their tickets failing.
            g.is_desk = false;
            ctx.deps
                .table
                .delete(&keys::bot_pk(ctx.bot_id()), keys::DESK_SK, Condition::None)
                .await?;
        }
        return put(ctx.deps, &g).await;
    }
    tracing::info!(chat_id, status = %g.bot_status, forum = g.is_forum, "group registered");
    warn_once(ctx, g).await
}

/// Posts the readiness warning if it differs from the last one posted, and stores the group.
async fn warn_once(ctx: &Ctx<'_>, mut g: Group) -> Res<()> {
    let problems = g.problems_in(ctx.lang(), &ctx.bot.username);
    let text = if problems.is_empty() {
        String::new()
    } else {
        needs(ctx, &g.title, &problems)
    };
    let was = std::mem::replace(&mut g.warned, text.clone());
    // Stored first: a crash after the post repeats nothing; one before it posts on the next change.
    put(ctx.deps, &g).await?;
    if text != was {
        let notice = if text.is_empty() {
            t(ctx, "group-ready", &[("title", (&g.title).into())])
        } else {
            text
        };
        ctx.notify(g.chat_id, None, notice).await?;
    }
    Ok(())
}

/// Posts a warning in a group unless it is the warning posted last (stored on the group).
pub async fn warn_group(ctx: &Ctx<'_>, chat_id: i64, text: String) -> Res<()> {
    let Some(mut g) = get(ctx.deps, ctx.bot_id(), chat_id).await? else {
        return Ok(());
    };
    if g.warned == text {
        return Ok(());
    }
    g.warned = text.clone();
    put(ctx.deps, &g).await?;
    ctx.notify(chat_id, None, text).await
}

/// Re-reads the bot's rights in the group from Telegram and stores the group.
async fn recheck(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<Group> {
    let chat_id = m.chat_id();
    let mut g = get(ctx.deps, ctx.bot_id(), chat_id)
        .await?
        .unwrap_or_default();
    g.bot_id = ctx.bot_id().to_owned();
    g.chat_id = chat_id;
    g.title = m.chat_title().to_owned();
    g.kind = m.chat_type().to_owned();
    g.is_forum = m.0["chat"]["is_forum"] == true;
    let bot_user: i64 = ctx.bot_id().parse().unwrap_or_default();
    let member = ctx.tg.get_chat_member(chat_id, bot_user).await?;
    rights_from_member(&mut g, &member);
    g.active = true;
    g.updated_at = teledesk_ports::now_secs();
    Ok(g)
}

/// `/start` in a group: re-check and say where things stand.
pub async fn on_start(ctx: &Ctx<'_>, m: &Msg<'_>) -> Res<()> {
    let mut g = recheck(ctx, m).await?;
    let problems = g.problems_in(ctx.lang(), &ctx.bot.username);
    let text = if problems.is_empty() {
        g.warned.clear();
        let desk = t(
            ctx,
            if g.is_desk {
                "group-is-desk"
            } else {
                "group-send-setup-desk"
            },
            &[],
        );
        t(
            ctx,
            "group-start-ready",
            &[("title", (&g.title).into()), ("desk", Arg::Html(desk))],
        )
    } else {
        let text = needs(ctx, &g.title, &problems);
        g.warned = text.clone();
        text
    };
    put(ctx.deps, &g).await?;
    ctx.reply(m, text).await
}

/// `/setup_desk [code]`: a group administrator who has authority over the workspace (an admin
/// staff member, or the operator's one-time setup code) makes this group the bot's support desk.
/// A desk it replaces is told.
pub async fn on_setup_desk(ctx: &Ctx<'_>, m: &Msg<'_>, args: &str) -> Res<()> {
    if !ctx.is_group_admin(m).await? {
        return ctx.reply(m, t(ctx, "setup-desk-not-admin", &[])).await;
    }
    let mut g = recheck(ctx, m).await?;
    let problems = g.problems_in(ctx.lang(), &ctx.bot.username);
    if !problems.is_empty() {
        let text = t(
            ctx,
            "setup-desk-not-ready",
            &[("problems", Arg::Html(problems.join("\n• ")))],
        );
        g.warned = text.clone();
        put(ctx.deps, &g).await?;
        return ctx.reply(m, text).await;
    }
    let how = match setup_codes::authorize(ctx, m, setup_codes::Purpose::Desk, args).await? {
        Ok(how) => how,
        Err(refusal) => return ctx.reply(m, refusal).await,
    };
    let chat_id = g.chat_id;
    let title = g.title.clone();
    // Told before the change, once per update: a re-run after the change finds no old desk.
    if let Some(old) = desk(ctx.deps, ctx.bot_id()).await?
        && old != chat_id
    {
        ctx.once(&format!("old-desk#{old}"), || {
            tell_old_desk(ctx.deps, ctx.bot_id(), old, &title)
        })
        .await?;
    }
    make_desk(ctx.deps, ctx.bot_id(), g, m.from_id()).await?;
    tracing::info!(chat_id, authority = ?how, "support desk set");
    let text = t(
        ctx,
        "setup-desk-done",
        &[
            ("title", (&title).into()),
            ("bot", (&ctx.bot.username).into()),
        ],
    );
    ctx.reply(m, text).await
}

/// Tells a group that it stopped being the desk (through the `jobs` queue, retried like any send).
pub async fn tell_old_desk(deps: &Deps, bot_id: &str, old: i64, new_title: &str) -> Res<()> {
    let text = t_in(
        deps.config.language,
        "old-desk-notice",
        &[("title", new_title.into())],
    );
    crate::admin_chat::queue_notice(deps, bot_id, old, &text).await?;
    Ok(())
}

/// Makes a (ready) group the bot's desk; the previous desk, if any, stops being one and is
/// returned (when it is another group).
pub async fn make_desk(deps: &Deps, bot_id: &str, mut g: Group, set_by: i64) -> Res<Option<i64>> {
    let mut replaced = None;
    if let Some(old) = desk(deps, bot_id).await?
        && old != g.chat_id
    {
        replaced = Some(old);
        if let Some(mut o) = get(deps, bot_id, old).await? {
            o.is_desk = false;
            put(deps, &o).await?;
        }
    }
    g.is_desk = true;
    g.warned.clear();
    put(deps, &g).await?;
    set_desk(deps, bot_id, g.chat_id, set_by).await?;
    Ok(replaced)
}

/// A group became a supergroup (`migrate_to_chat_id`): its records follow it.
pub async fn migrate(ctx: &Ctx<'_>, old: i64, new: i64) -> Res<()> {
    let Some(mut g) = get(ctx.deps, ctx.bot_id(), old).await? else {
        return Ok(());
    };
    // The new supergroup may have been registered already (its updates run in another queue
    // group): its own record is newer and is kept.
    if get(ctx.deps, ctx.bot_id(), new).await?.is_none() {
        let mut moved = g.clone();
        moved.chat_id = new;
        moved.kind = "supergroup".into();
        moved.migrated_to = None;
        moved.updated_at = teledesk_ports::now_secs();
        put(ctx.deps, &moved).await?;
    }
    if desk(ctx.deps, ctx.bot_id()).await? == Some(old) {
        set_desk(ctx.deps, ctx.bot_id(), new, 0).await?;
    }
    g.active = false;
    g.is_desk = false;
    g.migrated_to = Some(new);
    put(ctx.deps, &g).await?;
    tracing::info!(old, new, "group migrated to a supergroup; records moved");
    Ok(())
}

/// A send was refused with 403: a private chat blocked the bot, or the bot was removed from a
/// group.
pub async fn chat_refused(ctx: &Ctx<'_>, chat_id: i64, why: &str) -> Res<()> {
    if chat_id > 0 {
        super::support::mark_unreachable(ctx, chat_id, why).await
    } else if let Some(mut g) = get(ctx.deps, ctx.bot_id(), chat_id).await? {
        g.active = false;
        g.updated_at = teledesk_ports::now_secs();
        tracing::info!(
            chat_id,
            reason = why,
            "group refused the bot; group inactive"
        );
        put(ctx.deps, &g).await
    } else {
        Ok(())
    }
}
