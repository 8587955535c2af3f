//! Publishing a request to the dealer channels: one `requests.post` job per channel, whose id
//! names the request and the channel, so publishing twice posts once (the job's journal keeps
//! the post's message id, and the request keeps the post). A card shows the request's fields —
//! never the customer's name or contact — with a URL button "Make an offer" →
//! `https://t.me/<bot>?start=offer_<REQ id>`. Posting keeps to 20 messages a minute per channel
//! (a counter per channel and minute in the table); Telegram's 429 waits as long as it says.

use serde_json::{Value, json};
use teledesk_bot::ctx::{Ctx, Fail, Res};
use teledesk_bot::html::escape;
use teledesk_bot::i18n::Lang;
use teledesk_bot::{Deps, events};
use teledesk_telegram::{OutgoingText, TelegramError};

use crate::channels;
use crate::money;
use crate::store::{self, Post, Request, StoreError};
use crate::texts::t_in;

pub const JOB_POST: &str = "requests.post";
/// Brings one channel post of a request up to date with the request.
pub const JOB_EDIT: &str = "requests.edit_post";
pub use teledesk_bot::events::REQUEST_PUBLISHED;
/// Telegram's limit for one channel.
pub const PER_CHANNEL_PER_MINUTE: i64 = 20;

#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    #[error("there are no dealer channels: add one with `teledesk dealer-channels add`")]
    NoChannels,
    #[error("request {0} is {1}: it cannot be published")]
    Ended(String, String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Table(#[from] teledesk_ports::table::TableError),
    #[error(transparent)]
    Queue(#[from] teledesk_ports::queue::QueueError),
}

/// Marks the request published (a draft; a published one stays as it is) and queues its post to
/// every dealer channel it is not in yet. How many channels were queued.
pub async fn publish(deps: &Deps, r: &Request, by: &str, via: &str) -> Result<usize, PublishError> {
    if matches!(r.status.as_str(), "closed" | "cancelled") {
        return Err(PublishError::Ended(r.id.clone(), r.status.clone()));
    }
    let list = channels::list(deps, &r.workspace).await?;
    if list.is_empty() {
        return Err(PublishError::NoChannels);
    }
    let r = if r.status == "draft" {
        let mut after = r.clone();
        after.status = "published".into();
        let saved = store::save(deps.table.as_ref(), r, after, by, via).await?;
        events::emit(
            deps,
            REQUEST_PUBLISHED,
            &saved.id,
            &saved.workspace,
            "",
            crate::request_json(&saved),
        )
        .await?;
        saved
    } else {
        r.clone()
    };
    let mut queued = 0;
    for c in list
        .iter()
        .filter(|c| !r.posts.iter().any(|p| p.chat_id == c.chat_id))
    {
        let job = json!({"kind": JOB_POST, "bot_id": c.bot_id, "request_id": r.id,
                         "workspace": r.workspace, "chat_id": c.chat_id,
                         "job_id": format!("post:{}:{}", r.id, c.chat_id)});
        teledesk_bot::jobs::queue(deps, job).await?;
        queued += 1;
    }
    Ok(queued)
}

/// After a published request changed: one `requests.edit_post` job per post, named after the
/// request's version, so the same change edits each post once.
pub async fn queue_edits(deps: &Deps, r: &Request) -> Result<usize, PublishError> {
    if r.posts.is_empty() {
        return Ok(0);
    }
    let channels = channels::list(deps, &r.workspace).await?;
    let mut queued = 0;
    for p in &r.posts {
        // The bot that posted there (the channel's, or any of the workspace's if it was removed).
        let Some(bot_id) = channels
            .iter()
            .find(|c| c.chat_id == p.chat_id)
            .map(|c| c.bot_id.clone())
        else {
            continue;
        };
        let job = json!({"kind": JOB_EDIT, "bot_id": bot_id, "request_id": r.id,
                         "workspace": r.workspace, "chat_id": p.chat_id, "message_id": p.message_id,
                         "job_id": format!("edit:{}:{}:{}", r.id, p.chat_id, r.version)});
        teledesk_bot::jobs::queue(deps, job).await?;
        queued += 1;
    }
    Ok(queued)
}

/// The `requests.edit_post` job: the post shows the request as it is now ("message is not
/// modified" counts as done).
pub async fn run_edit(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let (Some(id), Some(ws), Some(chat), Some(mid)) = (
        job["request_id"].as_str(),
        job["workspace"].as_str(),
        job["chat_id"].as_i64(),
        job["message_id"].as_i64(),
    ) else {
        return Err(Fail::Poison(
            "requests.edit_post needs request_id, workspace, chat_id and message_id".into(),
        ));
    };
    let Some(r) = store::get(ctx.deps.table.as_ref(), ws, id).await? else {
        return Ok(());
    };
    let lang = ctx.workspace_lang();
    let url = format!("https://t.me/{}?start=offer_{}", ctx.bot.username, r.id);
    let mut params = json!({"chat_id": chat, "message_id": mid, "text": card(&r, lang), "parse_mode": "HTML",
                        "link_preview_options": {"is_disabled": true}});
    // An ended request's post loses its button (an edit without `reply_markup` removes it).
    if !ended(&r) {
        params["reply_markup"] =
            json!({"inline_keyboard": [[{"text": t_in(lang, "rq-post-offer", &[]), "url": url}]]});
    }
    match ctx.tg.call("editMessageText", params).await {
        Ok(_) | Err(TelegramError::NotModified) => Ok(()),
        Err(e) if e.is_transient() => Err(e.into()),
        // The post was deleted, or the bot lost its rights: nothing to bring up to date.
        Err(e) => {
            tracing::warn!(error = %e, request = id, chat, "a request's post could not be edited");
            Ok(())
        }
    }
}

/// Whether a request has ended (its posts say so and lose their button).
pub fn ended(r: &Request) -> bool {
    matches!(r.status.as_str(), "closed" | "cancelled")
}

/// The card dealers see: the fields only (and how many offers it has; "Closed" once ended).
pub fn card(r: &Request, lang: Lang) -> String {
    let car = [r.make.as_deref(), r.model.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    let mut lines = vec![t_in(
        lang,
        "rq-post-title",
        &[(
            "car",
            if car.is_empty() {
                "—".to_owned()
            } else {
                car
            }
            .into(),
        )],
    )];
    let mut line =
        |key: &str, value: String| lines.push(t_in(lang, key, &[("value", value.into())]));
    if let Some(y) = crate::years(r) {
        line("rq-post-years", y);
    }
    if let (Some(b), Some(c)) = (r.budget_max, r.currency.as_deref()) {
        line("rq-post-budget", money::display(b, c));
    }
    if let Some(m) = r.mileage_max {
        line("rq-post-mileage", m.to_string());
    }
    for (key, v) in [
        ("rq-post-fuel", &r.fuel),
        ("rq-post-gearbox", &r.gearbox),
        ("rq-post-city", &r.city),
        ("rq-post-notes", &r.notes),
    ] {
        if let Some(v) = v {
            line(key, v.clone());
        }
    }
    if r.offer_count > 0 && !ended(r) {
        lines.push(t_in(
            lang,
            "rq-post-offers",
            &[("count", i64::from(r.offer_count).into())],
        ));
    }
    lines.push(format!("<code>{}</code>", escape(&r.id)));
    if ended(r) {
        lines.insert(0, t_in(lang, &format!("rq-post-{}", r.status), &[]));
    }
    lines.join("\n")
}

/// The `requests.post` job: one request to one channel, once.
pub async fn run_post(ctx: &Ctx<'_>, job: &Value) -> Res<()> {
    let (Some(id), Some(ws), Some(chat)) = (
        job["request_id"].as_str(),
        job["workspace"].as_str(),
        job["chat_id"].as_i64(),
    ) else {
        return Err(Fail::Poison(
            "requests.post needs request_id, workspace and chat_id".into(),
        ));
    };
    let Some(r) = store::get(ctx.deps.table.as_ref(), ws, id).await? else {
        return Ok(()); // gone
    };
    if r.posts.iter().any(|p| p.chat_id == chat)
        || matches!(r.status.as_str(), "closed" | "cancelled")
    {
        return Ok(());
    }
    let lang = ctx.workspace_lang();
    let step = format!("post#{id}#{chat}");
    let mid_step = format!("{step}#message");
    // Claimed before posting (two runs of this job at once: one posts, the other waits and then
    // finds it done); the message id is kept in the job's journal for the save below.
    let claimed = ctx.once(&step, || async {
        // 20 a minute per channel: over it, wait for the next minute.
        let now = teledesk_ports::now_secs();
        let (n, start) =
            teledesk_bot::counter::hit(ctx.deps.table.as_ref(), &format!("CHRATE#{chat}"), 60, now)
                .await?;
        if n > PER_CHANNEL_PER_MINUTE {
            let wait = (start + 60 - now).max(1) as u64;
            return Err(Fail::Telegram(TelegramError::RateLimited {
                retry_after: wait,
            }));
        }
        let url = format!("https://t.me/{}?start=offer_{}", ctx.bot.username, r.id);
        let button =
            json!({"inline_keyboard": [[{"text": t_in(lang, "rq-post-offer", &[]), "url": url}]]});
        let sent = ctx
            .tg
            .send_text(&OutgoingText {
                reply_markup: Some(button),
                ..OutgoingText::html(chat, None, card(&r, lang))
            })
            .await?;
        ctx.remember(&mid_step, || async { Ok(json!(sent.message_id)) })
            .await
            .map(|_| ())
    })
    .await;
    match claimed {
        Ok(()) => {}
        // The channel refuses the bot now (its rights were taken since it was added): the admin
        // chat is told what to fix; publishing again posts there once it is fixed.
        Err(Fail::Telegram(e)) if !e.is_transient() => {
            tracing::warn!(error = %e, request = id, chat, "a dealer channel refused the request's post");
            if let Some(a) = teledesk_bot::admin_chat::get(ctx.deps, ws).await? {
                let title = channels::get(ctx.deps, ws, chat)
                    .await?
                    .map_or_else(|| chat.to_string(), |c| c.title);
                let html = t_in(
                    lang,
                    "rq-post-refused",
                    &[
                        ("request", r.id.clone().into()),
                        ("channel", title.into()),
                        ("why", e.to_string().into()),
                    ],
                );
                crate::offering::tell(
                    ctx.deps,
                    &a.bot_id,
                    a.chat_id,
                    &format!("post-refused:{}", r.id),
                    html,
                    None,
                    None,
                )
                .await?;
            }
            return Ok(());
        }
        Err(e) => return Err(e),
    }
    let posted = ctx
        .remember(&mid_step, || async {
            Err(Fail::Poison(
                "posted, but its message id was not kept".into(),
            ))
        })
        .await?;
    let message_id = posted.as_i64().unwrap_or_default() as i32;
    // The post, kept on the request (re-read: another channel's job may have saved meanwhile).
    let mut after = r.clone();
    after.posts.push(Post {
        chat_id: chat,
        message_id,
    });
    match store::save_posts(ctx.deps.table.as_ref(), &r, after).await {
        Ok(_) => Ok(()),
        Err(StoreError::Conflict) => Err(Fail::Busy),
        Err(StoreError::Table(e)) => Err(e.into()),
        Err(StoreError::Invalid(m)) => Err(Fail::Poison(m)),
    }
}
