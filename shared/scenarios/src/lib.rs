//! Lead-capture scenarios defined as data (docs/scenarios.md): a scenario file is validated
//! ([`validate`]), published as a version ([`store`]), and played in Telegram by the
//! [`Scenarios`] capability through the pure [`engine`]; a submitted conversation becomes a lead
//! ([`store::Lead`]), told to the workspace's admin chat and as a `lead.created` event.
//!
//! In Telegram: `/start s_<key>` (or `s_<key>__<source>`, kept for attribution) or the home view
//! starts a conversation; each step is one session transition (one conditional write); buttons
//! carry the session's version, so a double tap or an old card's button is answered as expired
//! and changes nothing.

pub mod engine;
pub mod external;
pub mod graph;
pub mod hosted;
pub mod input;
pub mod model;
pub mod stats;
pub mod store;
pub mod texts;
pub mod validate;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use serde_json::{Value, json};
use teledesk_bot::ctx::{Ctx, Fail, Res};
use teledesk_bot::html::escape;
use teledesk_bot::i18n::{Arg, Catalog};
use teledesk_bot::msg::{Msg, display_name};
use teledesk_bot::router::{Callback, CallbackSpec, Capability, CommandSpec, Handled, Scope};
use teledesk_bot::session::{self, Session, Start};
use teledesk_bot::{Deps, events};
use teledesk_telegram::{OutgoingText, TelegramError};

use crate::engine::{End, Flow, Input, Keyboard, Press, State, Turn, View};
use crate::store::{Contact, Lead, Published};
use crate::texts::t;

/// The capability's name (sessions record it).
pub const NAME: &str = "scenarios";
/// Buttons: `sc1:p:<session version>:<press>` (a step), `sc1:c:<v>` / `sc1:r:<v>:<payload>`
/// (continue / start over), `sc1:h:<key>` (from the home view), `sc1:l:<action>:<lead>` (the admin
/// chat's lead buttons).
pub const CALLBACK: CallbackSpec = CallbackSpec {
    prefix: "sc",
    version: 1,
};
/// The session step of a finished conversation, kept until it expires so that a re-delivered
/// update is recognised instead of reaching the desk.
const FINISHED: &str = "_end";

/// A conversation's session outlives its idle timeout by this much, so that the sweep can see it
/// go idle and keep it as an abandoned run (it is expired logically at the idle timeout).
const GRACE_SECS: i64 = 24 * 3600;

/// The sweep (a workspace job, queued by the schedule): finds idle conversations and queues one
/// `scenarios.idle` job for each reminder or expiry due.
pub const JOB_SWEEP: &str = "scenarios.sweep";
/// One idle conversation: remind it once, or keep it as abandoned and end it.
pub const JOB_IDLE: &str = "scenarios.idle";
/// The requests capability's job for a lead of a scenario with `creates: request` and
/// `auto_publish` (this crate knows the kind only, not the capability).
pub const JOB_FROM_LEAD: &str = "requests.from_lead";
const JOBS: &[teledesk_bot::router::JobSpec] = &[
    teledesk_bot::router::JobSpec {
        kind: JOB_SWEEP,
        per_bot: false,
    },
    teledesk_bot::router::JobSpec {
        kind: JOB_IDLE,
        per_bot: true,
    },
];

fn idle_secs(sc: &model::Scenario) -> i64 {
    i64::from(sc.idle_timeout_hours.unwrap_or(24)) * 3600
}

/// Whether a conversation has been idle past its scenario's timeout.
fn idle_out(sc: &model::Scenario, s: &Session, now: i64) -> bool {
    now - idle_since(s) >= idle_secs(sc)
}

/// The last time the customer did something (a reminder does not count).
fn idle_since(s: &Session) -> i64 {
    s.data["idle_since"].as_i64().unwrap_or(s.updated_at)
}

const COMMANDS: &[CommandSpec] = &[CommandSpec {
    name: "leads",
    scope: Scope::AdminChat,
    listed: true,
    help: "cmd-leads",
}];

pub struct Scenarios;

/// Published versions by (table, workspace, key, version): the table's address keeps two
/// stores in one process (tests, the CLI beside `serve`) apart.
type Versions = Mutex<HashMap<(usize, String, String, u32), Arc<Published>>>;

/// Published versions never change: each is read from the table once per process.
fn cache() -> &'static Versions {
    static C: std::sync::LazyLock<Versions> = std::sync::LazyLock::new(Default::default);
    &C
}

async fn published(deps: &Deps, ws: &str, key: &str, version: u32) -> Res<Option<Arc<Published>>> {
    if let Some(h) = hosted::host(key) {
        return Ok(Some(h.flow()));
    }
    let table = Arc::as_ptr(&deps.table) as *const () as usize;
    let k = (table, ws.to_owned(), key.to_owned(), version);
    if let Some(p) = cache().lock().ok().and_then(|c| c.get(&k).cloned()) {
        return Ok(Some(p));
    }
    let Some(p) = store::version(deps.table.as_ref(), ws, key, version).await? else {
        return Ok(None);
    };
    let p = Arc::new(p);
    if let Ok(mut c) = cache().lock() {
        if c.len() > 512 {
            c.clear();
        }
        c.insert(k, p.clone());
    }
    Ok(Some(p))
}

/// `s_<key>` or `s_<key>__<source>`.
pub fn parse_payload(payload: &str) -> Option<(&str, Option<&str>)> {
    let rest = payload.strip_prefix("s_")?;
    let (key, source) = match rest.split_once("__") {
        Some((k, s)) if !s.is_empty() => (k, Some(s)),
        Some(_) => return None,
        None => (rest, None),
    };
    let ok = !key.is_empty()
        && key.len() <= 40
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    ok.then_some((key, source))
}

/// Who sent a message or pressed a button.
struct Who {
    chat: i64,
    user: i64,
    from: Value,
}

#[async_trait]
impl Capability for Scenarios {
    fn name(&self) -> &'static str {
        NAME
    }
    fn catalog(&self) -> &'static Catalog {
        texts::catalog()
    }
    fn commands(&self) -> &'static [CommandSpec] {
        COMMANDS
    }
    async fn on_command(
        &self,
        ctx: &Ctx<'_>,
        m: &Msg<'_>,
        _cmd: &teledesk_bot::commands::Command<'_>,
    ) -> Res<()> {
        // `/leads` in the admin chat.
        if !teledesk_bot::admin_chat::is_admin_chat(ctx.deps, ctx.workspace(), m.chat_id()).await? {
            return Ok(());
        }
        let (leads, _) = store::page(ctx.deps.table.as_ref(), ctx.workspace(), 50, None).await?;
        let open: Vec<&Lead> = leads
            .iter()
            .filter(|l| store::OPEN.contains(&l.status.as_str()))
            .take(10)
            .collect();
        if open.is_empty() {
            return ctx.reply(m, t(ctx, "leads-none", &[])).await;
        }
        let mut s = t(ctx, "leads-title", &[]);
        for l in open {
            s.push('\n');
            s.push_str(&t(
                ctx,
                "lead-line",
                &[
                    ("lead", l.id.clone().into()),
                    ("scenario", l.scenario.clone().into()),
                    ("name", l.contact.name.clone().unwrap_or_default().into()),
                    (
                        "status",
                        t(ctx, &format!("lead-status-{}", l.status), &[]).into(),
                    ),
                ],
            ));
        }
        ctx.reply(m, s).await
    }

    fn callback(&self) -> Option<CallbackSpec> {
        Some(CALLBACK)
    }
    async fn on_callback(&self, ctx: &Ctx<'_>, cb: &Callback<'_>) -> Res<Option<String>> {
        let expired = || Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
        let Some(msg) = cb.message() else {
            return expired();
        };
        let who = Who {
            chat: msg.chat_id(),
            user: cb.from_id(),
            from: cb.query["from"].clone(),
        };
        let mut parts = cb.rest.splitn(3, ':');
        let (kind, a, b) = (parts.next(), parts.next(), parts.next());
        match (kind, a, b) {
            (Some("l"), Some(action), Some(lead)) => lead_action(ctx, cb, &msg, action, lead).await,
            (Some("h"), Some(key), None) if msg.is_private() => {
                let current = session::get(ctx.deps, ctx.bot_id(), who.chat, who.user).await?;
                match store::active(ctx.deps.table.as_ref(), ctx.workspace(), key).await? {
                    Some(_)
                        if current
                            .as_ref()
                            .is_some_and(|c| c.step != FINISHED && !c.moved_by(ctx)) =>
                    {
                        if let Some(c) = &current {
                            ask_restart(ctx, &who, c, &format!("s_{key}"), key).await?;
                        }
                        Ok(None)
                    }
                    Some(p) => {
                        begin(
                            ctx,
                            &who,
                            current.as_ref(),
                            &p,
                            None,
                            Some(msg.message_id()),
                        )
                        .await?;
                        Ok(None)
                    }
                    None => Ok(Some(t(ctx, "sc-unavailable", &[]))),
                }
            }
            (Some(k @ ("p" | "c" | "r")), Some(ver), rest) if msg.is_private() => {
                let current = session::get(ctx.deps, ctx.bot_id(), who.chat, who.user).await?;
                if let Some(s) = &current
                    && s.moved_by(ctx)
                    && s.capability == NAME
                {
                    // Re-delivered: the press made its transition; what follows is redone.
                    step(ctx, s, &who, Input::Other, Some(msg.message_id())).await?;
                    return Ok(None);
                }
                let version = current.as_ref().map_or(0, |s| s.version);
                if ver.parse::<i64>().ok() != Some(version) {
                    return expired();
                }
                match (k, current) {
                    ("r", current) => {
                        let Some((key, source)) = rest.and_then(parse_payload) else {
                            return expired();
                        };
                        let Some(p) =
                            store::active(ctx.deps.table.as_ref(), ctx.workspace(), key).await?
                        else {
                            return Ok(Some(t(ctx, "sc-unavailable", &[])));
                        };
                        if let Some(c) = &current
                            && let Some(cap) = ctx.router.capability(&c.capability)
                            && c.capability != NAME
                        {
                            cap.on_session_cancelled(ctx, c).await?;
                        }
                        begin(
                            ctx,
                            &who,
                            current.as_ref(),
                            &p,
                            source,
                            Some(msg.message_id()),
                        )
                        .await?;
                        Ok(None)
                    }
                    ("c", Some(s)) if s.capability == NAME && s.step != FINISHED => {
                        let Some((p, state)) = load(ctx, &s).await? else {
                            return expired();
                        };
                        let flow = Flow::new(&p.scenario, ctx.lang());
                        let v = flow.current(&state);
                        show(
                            ctx,
                            &s,
                            who.chat,
                            Some(msg.message_id()),
                            vec![v],
                            "continue",
                        )
                        .await?;
                        Ok(None)
                    }
                    ("c", _) => {
                        edit_or_send(
                            ctx,
                            who.chat,
                            Some(msg.message_id()),
                            &View {
                                html: t(ctx, "sc-ok", &[]),
                                keyboard: Keyboard::None,
                                photo: None,
                            },
                            0,
                        )
                        .await?;
                        Ok(None)
                    }
                    ("p", Some(s)) if s.capability == NAME && s.step != FINISHED => {
                        let Some(press) = rest.and_then(Press::parse) else {
                            return expired();
                        };
                        let stale =
                            step(ctx, &s, &who, Input::Press(press), Some(msg.message_id()))
                                .await?;
                        if stale { expired() } else { Ok(None) }
                    }
                    _ => expired(),
                }
            }
            _ => expired(),
        }
    }

    fn start_prefixes(&self) -> &'static [&'static str] {
        &["s_"]
    }
    async fn on_start(&self, ctx: &Ctx<'_>, m: &Msg<'_>, payload: &str) -> Res<Handled> {
        let Some((key, source)) = parse_payload(payload) else {
            return Ok(Handled::No);
        };
        let Some(p) = store::active(ctx.deps.table.as_ref(), ctx.workspace(), key).await? else {
            return Ok(Handled::No);
        };
        let who = Who {
            chat: m.chat_id(),
            user: m.from_id(),
            from: m.0["from"].clone(),
        };
        let current = session::get(ctx.deps, ctx.bot_id(), who.chat, who.user).await?;
        match current {
            Some(c) if c.step != FINISHED => {
                // In the middle of a conversation: continue it, or start this one over it.
                if c.moved_by(ctx) {
                    // Re-delivered: this update started it; what follows is redone (once).
                    begin(ctx, &who, Some(&c), &p, source, None).await?;
                    return Ok(Handled::Yes);
                }
                ask_restart(ctx, &who, &c, payload, key).await?;
                Ok(Handled::Yes)
            }
            current => {
                begin(ctx, &who, current.as_ref(), &p, source, None).await?;
                Ok(Handled::Yes)
            }
        }
    }

    async fn on_session(&self, ctx: &Ctx<'_>, s: &Session, m: &Msg<'_>) -> Res<Handled> {
        if s.step == FINISHED {
            if s.moved_by(ctx) {
                // The update that finished it, re-delivered: what it had still to do is redone.
                if let Some(p) =
                    published(ctx.deps, ctx.workspace(), &s.flow, s.flow_version).await?
                {
                    let who = Who {
                        chat: m.chat_id(),
                        user: m.from_id(),
                        from: m.0["from"].clone(),
                    };
                    redo(ctx, s, &who, &p, None).await?;
                }
                return Ok(Handled::Yes);
            }
            session::end(ctx.deps, s).await?;
            return Ok(Handled::No);
        }
        if !s.moved_by(ctx)
            && let Some((p, state)) = load(ctx, s).await?
            && idle_out(&p.scenario, s, teledesk_ports::now_secs())
        {
            // Expired: kept as abandoned, and the message handled as if there were none.
            abandon(ctx, s, &p, &state).await?;
            return Ok(Handled::No);
        }
        let who = Who {
            chat: m.chat_id(),
            user: m.from_id(),
            from: m.0["from"].clone(),
        };
        step(ctx, s, &who, input_of(m), None).await?;
        Ok(Handled::Yes)
    }

    fn jobs(&self) -> &'static [teledesk_bot::router::JobSpec] {
        JOBS
    }

    async fn on_workspace_job(
        &self,
        deps: &Deps,
        kind: &str,
        _job: &Value,
    ) -> teledesk_bot::batch::Outcome {
        match kind {
            JOB_SWEEP => match sweep(deps).await {
                Ok(n) => {
                    if n > 0 {
                        tracing::info!(queued = n, "idle conversations queued");
                    }
                    teledesk_bot::batch::Outcome::Done
                }
                Err(e) => teledesk_bot::ctx::outcome(Err(e)),
            },
            other => {
                teledesk_bot::batch::Outcome::Poison(format!("no handler for job kind `{other}`"))
            }
        }
    }

    async fn on_job(&self, ctx: &Ctx<'_>, kind: &str, job: &Value) -> Res<()> {
        if kind != JOB_IDLE {
            return Err(Fail::Poison(format!("no handler for job kind `{kind}`")));
        }
        let (Some(chat), Some(user), Some(version)) = (
            job["chat_id"].as_i64(),
            job["user_id"].as_i64(),
            job["version"].as_i64(),
        ) else {
            return Err(Fail::Poison(
                "scenarios.idle needs chat_id, user_id and version".into(),
            ));
        };
        let Some(s) = session::get(ctx.deps, ctx.bot_id(), chat, user).await? else {
            return Ok(()); // ended meanwhile
        };
        if s.capability != NAME || s.step == FINISHED {
            return Ok(());
        }
        if s.version != version && !s.moved_by(ctx) {
            return Ok(()); // the customer answered meanwhile
        }
        let Some((p, state)) = load(ctx, &s).await? else {
            return Ok(());
        };
        ctx.set_lang(
            teledesk_bot::i18n::Lang::from_code(&state.lang).unwrap_or(ctx.workspace_lang()),
        );
        if job["action"] == "expire" {
            return abandon(ctx, &s, &p, &state).await;
        }
        // The reminder: once, with the question again (its buttons on the new version).
        let s = if s.moved_by(ctx) {
            s
        } else {
            let mut data = s.data.clone();
            data["reminded"] = json!(true);
            data["idle_since"] = json!(idle_since(&s));
            session::advance(ctx, &s, &s.step.clone(), data).await?
        };
        let flow = Flow::new(&p.scenario, ctx.lang());
        let title = strip(p.scenario.text(&p.scenario.title, flow.lang));
        let note = View {
            html: t(ctx, "sc-reminder", &[("title", Arg::Html(title))]),
            keyboard: Keyboard::None,
            photo: None,
        };
        show(
            ctx,
            &s,
            chat,
            None,
            vec![note, flow.current(&state)],
            "remind",
        )
        .await
    }

    async fn on_session_cancelled(&self, ctx: &Ctx<'_>, s: &Session) -> Res<()> {
        if s.step == FINISHED {
            return Ok(());
        }
        if let Some((p, state)) = load(ctx, s).await?
            && !p.scenario.key.starts_with('_')
        {
            let run = run_record(ctx, s, &p, &state, "abandoned");
            store::create(ctx.deps.table.as_ref(), &run).await?;
        }
        Ok(())
    }

    async fn home_entry(&self, ctx: &Ctx<'_>) -> Res<Option<String>> {
        let heads = store::list(ctx.deps.table.as_ref(), ctx.workspace()).await?;
        let menus: Vec<_> = heads
            .iter()
            .filter(|h| h.menu && h.status == "active")
            .collect();
        match menus.as_slice() {
            [] => Ok(None),
            [one] => {
                let p = published(ctx.deps, ctx.workspace(), &one.key, one.latest).await?;
                Ok(p.and_then(|p| {
                    p.scenario
                        .menu
                        .as_ref()
                        .map(|m| engine::strip_tags(p.scenario.text(m, ctx.lang().code())))
                }))
            }
            _ => Ok(Some(t(ctx, "sc-home", &[]))),
        }
    }

    async fn on_home_open(&self, ctx: &Ctx<'_>, cb: &Callback<'_>) -> Res<Option<String>> {
        let Some(msg) = cb.message() else {
            return Ok(None);
        };
        let heads = store::list(ctx.deps.table.as_ref(), ctx.workspace()).await?;
        let mut rows = Vec::new();
        for h in heads.iter().filter(|h| h.menu && h.status == "active") {
            if let Some(p) = published(ctx.deps, ctx.workspace(), &h.key, h.latest).await?
                && let Some(label) = &p.scenario.menu
                && let Some(data) = CALLBACK.data(&format!("h:{}", h.key))
            {
                let label = engine::strip_tags(p.scenario.text(label, ctx.lang().code()));
                rows.push(json!([{"text": label, "callback_data": data}]));
            }
        }
        rows.push(json!([teledesk_bot::home::back_button(ctx)]));
        teledesk_bot::home::edit(
            ctx,
            msg.chat_id(),
            msg.message_id(),
            &t(ctx, "sc-home-title", &[]),
            json!({"inline_keyboard": rows}),
        )
        .await?;
        Ok(None)
    }
}

/// In the middle of a conversation (of any capability), `/start s_<key>` or the home view's button
/// asks: continue it, or start this scenario over it.
async fn ask_restart(ctx: &Ctx<'_>, who: &Who, c: &Session, payload: &str, key: &str) -> Res<()> {
    let title = match (c.capability == NAME).then_some(()) {
        Some(()) => match published(ctx.deps, ctx.workspace(), &c.flow, c.flow_version).await? {
            Some(q) => q
                .scenario
                .text(&q.scenario.title, ctx.lang().code())
                .to_owned(),
            None => c.flow.clone(),
        },
        None => c.flow.clone(),
    };
    let restart = CALLBACK
        .data(&format!("r:{}:{payload}", c.version))
        .or_else(|| CALLBACK.data(&format!("r:{}:s_{key}", c.version)))
        .unwrap_or_default();
    let keyboard = json!({"inline_keyboard": [[
        {"text": t(ctx, "sc-continue", &[]), "callback_data": CALLBACK.data(&format!("c:{}", c.version)).unwrap_or_default()},
        {"text": t(ctx, "sc-restart", &[]), "callback_data": restart},
    ]]});
    let html = t(
        ctx,
        "sc-continue-or-restart",
        &[("title", teledesk_bot::i18n::Arg::Html(strip(&title)))],
    );
    ctx.once("sc-ask-restart", || async {
        ctx.send(OutgoingText {
            reply_markup: Some(keyboard.clone()),
            ..OutgoingText::html(who.chat, None, html.clone())
        })
        .await
        .map(|_| ())
    })
    .await?;
    Ok(())
}

fn strip(s: &str) -> String {
    escape(&engine::strip_tags(s))
}

/// What a message is to a step.
fn input_of(m: &Msg<'_>) -> Input {
    let v = m.0;
    if let Some(t) = m.text() {
        return Input::Text(t.to_owned());
    }
    if let Some(c) = v.get("contact") {
        return Input::Contact {
            phone: c["phone_number"].as_str().unwrap_or_default().to_owned(),
            user_id: c["user_id"].as_i64(),
        };
    }
    if let Some(l) = v.get("location") {
        return Input::Location {
            lat: l["latitude"].as_f64().unwrap_or_default(),
            lon: l["longitude"].as_f64().unwrap_or_default(),
        };
    }
    if let Some(sizes) = v["photo"].as_array()
        && let Some(p) = sizes.last()
    {
        return Input::Photo {
            file_id: p["file_id"].as_str().unwrap_or_default().to_owned(),
            unique_id: p["file_unique_id"].as_str().unwrap_or_default().to_owned(),
        };
    }
    Input::Other
}

/// The session's scenario version and state.
async fn load(ctx: &Ctx<'_>, s: &Session) -> Res<Option<(Arc<Published>, State)>> {
    let Some(p) = published(ctx.deps, ctx.workspace(), &s.flow, s.flow_version).await? else {
        return Ok(None);
    };
    Ok(serde_json::from_value::<State>(s.data.clone())
        .ok()
        .map(|st| (p, st)))
}

/// Starts a conversation (over `replaced`, when one was active).
async fn begin(
    ctx: &Ctx<'_>,
    who: &Who,
    replaced: Option<&Session>,
    p: &Published,
    source: Option<&str>,
    card: Option<i32>,
) -> Res<()> {
    let flow = Flow::new(&p.scenario, ctx.lang());
    let turn = flow.start(source.map(str::to_owned), teledesk_ports::now_secs());
    let idle = idle_secs(&p.scenario) + GRACE_SECS;
    let s = match replaced {
        Some(r) if r.moved_by(ctx) => {
            // Re-delivered: started already; what follows is redone.
            return redo(ctx, r, who, p, card).await;
        }
        _ => {
            session::start(
                ctx,
                who.chat,
                who.user,
                replaced,
                Start {
                    capability: NAME,
                    flow: &p.scenario.key,
                    flow_version: p.version,
                    step: &step_id(&p.scenario, &turn),
                    data: stored(&turn),
                    ttl_secs: Some(idle),
                },
            )
            .await?
        }
    };
    tracing::info!(scenario = %p.scenario.key, version = p.version, "scenario started");
    finish_turn(ctx, &s, who, p, turn, card).await
}

/// Starts a built-in flow ([`hosted::start`]) over whatever conversation the person is in.
pub(crate) async fn begin_hosted(
    ctx: &Ctx<'_>,
    chat: i64,
    user: i64,
    from: &Value,
    p: &Published,
    source: &str,
    card: Option<i32>,
) -> Res<()> {
    let who = Who {
        chat,
        user,
        from: from.clone(),
    };
    let current = session::get(ctx.deps, ctx.bot_id(), chat, user).await?;
    if let Some(c) = &current
        && !c.moved_by(ctx)
        && c.step != FINISHED
        && let Some(cap) = ctx.router.capability(&c.capability)
    {
        cap.on_session_cancelled(ctx, c).await?;
    }
    begin(ctx, &who, current.as_ref(), p, Some(source), card).await
}

/// The answers on the path the answers take (an edit may have left some behind).
fn on_path_answers(sc: &model::Scenario, state: &State) -> serde_json::Map<String, Value> {
    let on_path = external::path(sc, &state.answers);
    sc.steps
        .iter()
        .enumerate()
        .filter(|(i, _)| on_path.contains(i))
        .filter_map(|(_, st)| Some((st.id.clone(), state.answers.get(&st.id)?.clone())))
        .collect()
}

fn step_id(sc: &model::Scenario, turn: &Turn) -> String {
    match turn.end {
        Some(_) => FINISHED.into(),
        None => sc
            .steps
            .get(turn.state.step)
            .map_or_else(String::new, |s| s.id.clone()),
    }
}

/// One input at the session's step: a transition (one conditional write) and its views. Whether
/// the input was stale (a button of another step).
async fn step(ctx: &Ctx<'_>, s: &Session, who: &Who, input: Input, card: Option<i32>) -> Res<bool> {
    let Some((p, state)) = load(ctx, s).await? else {
        tracing::warn!(scenario = %s.flow, version = s.flow_version, "session of a scenario version that is gone; ended");
        session::end(ctx.deps, s).await?;
        return Ok(true);
    };
    let flow = Flow::new(
        &p.scenario,
        teledesk_bot::i18n::Lang::from_code(&state.lang).unwrap_or(ctx.lang()),
    );
    if s.moved_by(ctx) {
        // Re-delivered: the transition is made; what follows it is redone, each part once.
        redo(ctx, s, who, &p, card).await?;
        return Ok(false);
    }
    let turn = flow.handle(&state, input, who.user, teledesk_ports::now_secs());
    if turn.stale {
        return Ok(true);
    }
    if !turn.moved {
        // Invalid input: the error and the question again; nothing is written.
        show(ctx, s, who.chat, None, turn.views, "invalid").await?;
        return Ok(false);
    }
    // A finished conversation is kept (step `_end`) until the next message, so that a
    // re-delivered update is recognised by it.
    let next = session::advance(ctx, s, &step_id(&p.scenario, &turn), stored(&turn)).await?;
    finish_turn(ctx, &next, who, &p, turn, card).await?;
    Ok(false)
}

/// The session's data after a turn: the engine's state, and what the turn has still to do (its
/// views and how it ended), so that a re-delivered update redoes exactly that.
fn stored(turn: &Turn) -> Value {
    let mut data = serde_json::to_value(&turn.state).unwrap_or_default();
    data["views"] = serde_json::to_value(&turn.views).unwrap_or_default();
    data["end"] = serde_json::to_value(turn.end).unwrap_or_default();
    data
}

/// Redoes what the transition this operation made has still to do (its lead, notices and views;
/// each is done once).
async fn redo(ctx: &Ctx<'_>, s: &Session, who: &Who, p: &Published, card: Option<i32>) -> Res<()> {
    let Ok(state) = serde_json::from_value::<State>(s.data.clone()) else {
        return Ok(());
    };
    let turn = Turn {
        state,
        views: serde_json::from_value(s.data["views"].clone()).unwrap_or_default(),
        moved: true,
        stale: false,
        end: serde_json::from_value(s.data["end"].clone()).unwrap_or_default(),
    };
    finish_turn(ctx, s, who, p, turn, card).await
}

/// After a transition: the lead or run when the conversation ended, then the views (once).
async fn finish_turn(
    ctx: &Ctx<'_>,
    s: &Session,
    who: &Who,
    p: &Published,
    turn: Turn,
    card: Option<i32>,
) -> Res<()> {
    match turn.end {
        Some(End::Submit) if p.scenario.key.starts_with('_') => {
            let Some(h) = hosted::host(&p.scenario.key) else {
                return show(ctx, s, who.chat, card, turn.views, "turn").await;
            };
            let answers = on_path_answers(&p.scenario, &turn.state);
            let run = run_id(ctx, s, &p.scenario.key, &turn.state);
            let more = h
                .submit(
                    ctx,
                    &hosted::Submit {
                        chat: who.chat,
                        user: who.user,
                        from: &who.from,
                        source: turn.state.source.as_deref(),
                        answers: &answers,
                        run_id: &run,
                        lang: &turn.state.lang,
                    },
                )
                .await?;
            let mut views = turn.views;
            views.extend(more);
            show(ctx, s, who.chat, card, views, "turn").await
        }
        Some(End::Submit) => {
            let (lead, ours) = submit(ctx, s, who, p, &turn.state).await?;
            let mut views = turn.views;
            views.push(View {
                html: p
                    .scenario
                    .text(&p.scenario.done, &turn.state.lang)
                    .to_owned(),
                keyboard: Keyboard::None,
                photo: None,
            });
            // The customer first; the admin chat's summary after (it may be refused for good).
            show(ctx, s, who.chat, card, views, "turn").await?;
            if ours && p.scenario.admin_summary {
                ctx.once(&format!("lead-admin#{}", lead.id), || {
                    admin_summary(ctx, p, &lead)
                })
                .await?;
            }
            tracing::info!(lead = %lead.id, scenario = %p.scenario.key, "lead submitted");
            Ok(())
        }
        Some(End::Decline) => {
            if !p.scenario.key.starts_with('_') {
                let run = run_record(ctx, s, p, &turn.state, "declined");
                store::create(ctx.deps.table.as_ref(), &run).await?;
            }
            show(ctx, s, who.chat, card, turn.views, "turn").await
        }
        None => show(ctx, s, who.chat, card, turn.views, "turn").await,
    }
}

/// Keeps an idle conversation as an abandoned run and ends it.
async fn abandon(ctx: &Ctx<'_>, s: &Session, p: &Published, state: &State) -> Res<()> {
    // Ended first: a conversation that moved on meanwhile is not abandoned.
    match session::end(ctx.deps, s).await {
        Ok(()) => {}
        Err(Fail::Busy) => return Ok(()),
        Err(e) => return Err(e),
    }
    if !p.scenario.key.starts_with('_') {
        let run = run_record(ctx, s, p, state, "abandoned");
        store::create(ctx.deps.table.as_ref(), &run).await?;
    }
    tracing::info!(scenario = %p.scenario.key, step = %s.step, "idle conversation abandoned");
    Ok(())
}

/// Queues a `scenarios.idle` job for every conversation due a reminder or past its timeout. The
/// job's id names the conversation, its version and the action, so the sweep running again before
/// it is handled has one effect.
pub async fn sweep(deps: &Deps) -> Res<usize> {
    let now = teledesk_ports::now_secs();
    let mut queued = 0;
    for b in teledesk_bot::bots::list(deps).await? {
        for s in session::list(deps, &b.bot_id, None).await? {
            if s.capability != NAME || s.step == FINISHED {
                continue;
            }
            let Some(p) = published(deps, &b.workspace, &s.flow, s.flow_version).await? else {
                continue;
            };
            let idle = now - idle_since(&s);
            let action = if idle_out(&p.scenario, &s, now) {
                "expire"
            } else if p
                .scenario
                .remind_after_hours
                .is_some_and(|h| idle >= i64::from(h) * 3600)
                && s.data["reminded"] != json!(true)
            {
                "remind"
            } else {
                continue;
            };
            let job = json!({"kind": JOB_IDLE, "bot_id": b.bot_id, "chat_id": s.chat_id,
                             "user_id": s.user_id, "version": s.version, "action": action,
                             "job_id": format!("idle:{}:{}:{}:{}:{action}", b.bot_id, s.chat_id, s.user_id, s.version)});
            teledesk_bot::jobs::queue(deps, job).await?;
            queued += 1;
        }
    }
    Ok(queued)
}

/// A declined or abandoned run: how far it went, nothing personal.
fn run_record(ctx: &Ctx<'_>, s: &Session, p: &Published, state: &State, status: &str) -> Lead {
    let now = teledesk_ports::now_secs();
    Lead {
        // Its own id: a run kept when a conversation is cancelled can never take a lead's place.
        id: store::lead_id(&[&run_id(ctx, s, &p.scenario.key, state), status]),
        workspace: ctx.workspace().to_owned(),
        status: status.to_owned(),
        scenario: p.scenario.key.clone(),
        scenario_version: p.version,
        answers: Default::default(),
        questions: Default::default(),
        contact: Contact::default(),
        language: state.lang.clone(),
        source: state.source.clone(),
        consent_at: None,
        consent_version: None,
        note: None,
        bot_id: Some(ctx.bot_id().to_owned()),
        reached: state.reached.clone(),
        started_at: state.started_at,
        created_at: now,
        updated_at: now,
        history: Vec::new(),
        created_op: Some(ctx.op),
    }
}

fn run_id(ctx: &Ctx<'_>, s: &Session, key: &str, state: &State) -> String {
    store::lead_id(&[
        ctx.bot_id(),
        &s.chat_id.to_string(),
        &s.user_id.to_string(),
        key,
        &state.started_at.to_string(),
        &s.created_at.to_string(),
    ])
}

/// The lead of a submitted conversation: written once (its id is the conversation's, and it
/// records the operation that wrote it), then `lead.created`, once. Whether this operation wrote
/// it (and so tells the admin chat): a second operation racing to submit the same conversation
/// finds the lead and tells no one.
async fn submit(
    ctx: &Ctx<'_>,
    s: &Session,
    who: &Who,
    p: &Published,
    state: &State,
) -> Res<(Lead, bool)> {
    let sc = &p.scenario;
    let now = teledesk_ports::now_secs();
    let id = run_id(ctx, s, &sc.key, state);
    let mut answers = serde_json::Map::new();
    let mut questions = serde_json::Map::new();
    let mut phone = None;
    // Only the answers on the path the answers take (an edit may have left some behind).
    let on_path = external::path(sc, &state.answers);
    for (i, st) in sc.steps.iter().enumerate() {
        if !on_path.contains(&i) {
            continue;
        }
        let Some(v) = state.answers.get(&st.id) else {
            continue;
        };
        let mut v = v.clone();
        if st.kind == model::Kind::Photo {
            v = keep_photos(ctx, &format!("leads/{id}"), v).await?;
        }
        if st.kind == model::Kind::Phone && phone.is_none() {
            phone = v.as_str().map(str::to_owned);
        }
        questions.insert(
            st.id.clone(),
            json!(engine::strip_tags(sc.label_of(st, &state.lang))),
        );
        answers.insert(st.id.clone(), v);
    }
    let name = display_name(&who.from);
    let lead = Lead {
        id: id.clone(),
        workspace: ctx.workspace().to_owned(),
        status: "new".into(),
        scenario: sc.key.clone(),
        scenario_version: p.version,
        answers,
        questions,
        contact: Contact {
            user_id: Some(who.user),
            username: who.from["username"].as_str().map(str::to_owned),
            name: Some(name),
            phone,
        },
        language: state.lang.clone(),
        source: state.source.clone(),
        consent_at: state.consent.as_ref().map(|c| c.at),
        consent_version: state.consent.as_ref().map(|c| c.version.clone()),
        note: None,
        bot_id: Some(ctx.bot_id().to_owned()),
        reached: state.reached.clone(),
        started_at: state.started_at,
        created_at: now,
        updated_at: now,
        history: Vec::new(),
        created_op: Some(ctx.op),
    };
    let lead = if store::create(ctx.deps.table.as_ref(), &lead).await? {
        lead
    } else {
        match store::get(ctx.deps.table.as_ref(), &id).await? {
            Some(l) if l.created_op == Some(ctx.op) => l,
            Some(l) => return Ok((l, false)),
            None => lead,
        }
    };
    ctx.once(&format!("lead-event#{id}"), || async {
        announce_created(ctx.deps, &lead).await.map_err(Fail::from)
    })
    .await?;
    // `creates: request` with `auto_publish`: the requests capability converts and publishes it
    // (a job of its kind, named after the lead: queued again, it runs once).
    if sc.creates.as_deref() == Some("request") && sc.auto_publish {
        let job = json!({"kind": JOB_FROM_LEAD, "bot_id": ctx.bot_id(), "lead_id": id,
                         "job_id": format!("from_lead:{id}")});
        teledesk_bot::jobs::queue(ctx.deps, job).await?;
    }
    Ok((lead, true))
}

/// Photos are copied into the file store (`<folder>/<file unique id>.jpg`; a lead's folder is
/// `leads/<lead>`), each once.
pub async fn keep_photos(ctx: &Ctx<'_>, folder: &str, v: Value) -> Res<Value> {
    let mut out = Vec::new();
    for mut ph in v.as_array().cloned().unwrap_or_default() {
        let (Some(file_id), Some(unique)) = (ph["file_id"].as_str(), ph["unique_id"].as_str())
        else {
            continue;
        };
        let key = format!("{folder}/{unique}.jpg");
        let stored = ctx.deps.files.size(&key).await.map_err(|e| {
            tracing::warn!(error = %e, "file store unavailable; retried");
            Fail::Busy
        })?;
        if stored.is_none() {
            let remote = ctx.tg.get_file(file_id).await?;
            let Some(path) = remote.file_path else {
                tracing::warn!(folder, "a photo Telegram no longer serves; kept by file id");
                out.push(ph);
                continue;
            };
            let bytes = ctx.tg.download(&path).await?;
            ctx.deps
                .files
                .put(&key, bytes, "image/jpeg")
                .await
                .map_err(|e| {
                    tracing::warn!(error = %e, "photo not stored; retried");
                    Fail::Busy
                })?;
        }
        ph["key"] = json!(key);
        out.push(ph);
    }
    Ok(Value::Array(out))
}

/// `lead.created`, its id the lead's: a re-run emits the same id, which consumers deliver once.
pub async fn announce_created(
    deps: &Deps,
    lead: &Lead,
) -> Result<(), teledesk_ports::queue::QueueError> {
    let bot = lead.bot_id.as_deref().unwrap_or("");
    events::emit(
        deps,
        events::LEAD_CREATED,
        &lead.id,
        &lead.workspace,
        bot,
        lead_json(lead),
    )
    .await
}

/// `lead.updated`, its id naming the change (how many the lead has had): a retry that finds the
/// change made emits the same id, which consumers deliver once.
pub async fn announce_updated(
    deps: &Deps,
    lead: &Lead,
) -> Result<(), teledesk_ports::queue::QueueError> {
    let cause = format!("{}|{}", lead.id, lead.history.len());
    let bot = lead.bot_id.as_deref().unwrap_or("");
    events::emit(
        deps,
        events::LEAD_UPDATED,
        &cause,
        &lead.workspace,
        bot,
        lead_json(lead),
    )
    .await
}

/// Conversations of a scenario in flight in a workspace (and one version of it), from its bots'
/// sessions.
pub async fn in_flight(deps: &Deps, workspace: &str, key: &str, version: Option<u32>) -> Res<u64> {
    let mut n = 0;
    for b in teledesk_bot::bots::list(deps).await? {
        if b.workspace != workspace {
            continue;
        }
        for s in session::list(deps, &b.bot_id, None).await? {
            if s.capability == NAME
                && s.flow == key
                && s.step != FINISHED
                && version.is_none_or(|v| s.flow_version == v)
            {
                n += 1;
            }
        }
    }
    Ok(n)
}

/// The lead as the API and events show it.
pub fn lead_json(l: &Lead) -> Value {
    json!({
        "id": l.id, "status": l.status, "scenario": l.scenario,
        "scenario_version": l.scenario_version, "answers": l.answers, "questions": l.questions,
        "contact": {"user_id": l.contact.user_id, "username": l.contact.username,
                    "name": l.contact.name, "phone": l.contact.phone},
        "language": l.language, "source": l.source, "consent_at": l.consent_at,
        "consent_version": l.consent_version, "note": l.note,
        "created_at": l.created_at, "updated_at": l.updated_at,
    })
}

/// The lead's summary in the admin chat, with its buttons (when this bot speaks there).
async fn admin_summary(ctx: &Ctx<'_>, p: &Published, lead: &Lead) -> Res<()> {
    let Some(admin) = teledesk_bot::admin_chat::get(ctx.deps, ctx.workspace()).await? else {
        return Ok(());
    };
    let lang = ctx.workspace_lang();
    let sc = &p.scenario;
    let name = match lead.contact.user_id {
        Some(u) => format!(
            "<a href=\"tg://user?id={u}\">{}</a>",
            escape(lead.contact.name.as_deref().unwrap_or("?"))
        ),
        None => escape(lead.contact.name.as_deref().unwrap_or("?")),
    };
    let username = lead
        .contact
        .username
        .as_deref()
        .map(|u| format!(" @{}", escape(u)))
        .unwrap_or_default();
    let mut html = texts::t_in(
        lang,
        "lead-admin",
        &[
            ("lead", lead.id.clone().into()),
            (
                "scenario",
                Arg::Html(strip(sc.text(&sc.title, lang.code()))),
            ),
            ("name", Arg::Html(name)),
            ("username", Arg::Html(username)),
        ],
    );
    if let Some(src) = &lead.source {
        html.push('\n');
        html.push_str(&texts::t_in(
            lang,
            "lead-admin-source",
            &[("source", src.clone().into())],
        ));
    }
    let flow = Flow::new(sc, lang);
    html.push('\n');
    for st in sc.steps.iter().filter(|s| s.kind.asks()) {
        if let Some(v) = lead.answers.get(&st.id) {
            html.push_str(&format!(
                "\n<b>{}</b>: {}",
                strip(sc.label_of(st, flow.lang)),
                escape(&flow.show(st, v))
            ));
        }
    }
    let b = |label: &str, action: &str| {
        json!({"text": texts::t_in(lang, label, &[]),
               "callback_data": CALLBACK.data(&format!("l:{action}:{}", lead.id)).unwrap_or_default()})
    };
    // *Convert to request* is the requests capability's button, when this build has it: the
    // router knows, this crate does not.
    let convert = ctx
        .router
        .capability("requests")
        .and_then(|c| c.callback())
        .and_then(|spec| spec.data(&format!("cv:{}", lead.id)))
        .map(|data| json!({"text": texts::t_in(lang, "lead-convert", &[]), "callback_data": data}))
        .unwrap_or_else(|| b("lead-convert", "c"));
    let keyboard = if admin.bot_id == ctx.bot_id() {
        Some(json!({"inline_keyboard": [[convert], [b("lead-reject", "r"), b("lead-spam", "s")]]}))
    } else {
        None
    };
    // Telegram's limit is 4096 characters: long answers are cut (the lead keeps them whole).
    let html = fit(&html, 3900);
    if keyboard.is_none() {
        teledesk_bot::admin_chat::queue_notice(ctx.deps, &admin.bot_id, admin.chat_id, &html)
            .await?;
        return Ok(());
    }
    match ctx
        .send(OutgoingText {
            reply_markup: keyboard,
            ..OutgoingText::html(admin.chat_id, None, html)
        })
        .await
    {
        Ok(_) => Ok(()),
        // Flood control and outages are retried; a refusal for good is logged, not retried.
        Err(Fail::Telegram(e)) if !e.is_transient() => {
            tracing::warn!(error = %e, lead = %lead.id, "the admin chat refused the lead's summary");
            Ok(())
        }
        Err(e) => Err(e),
    }
}

/// At most `max` characters of HTML, cut at a line break before an answer so no tag is left
/// open.
fn fit(html: &str, max: usize) -> String {
    if html.chars().count() <= max {
        return html.to_owned();
    }
    let mut out = String::new();
    for line in html.split('\n') {
        if out.chars().count() + line.chars().count() + 2 > max {
            out.push_str("\n…");
            break;
        }
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(line);
    }
    out
}

/// A lead button in the admin chat: Reject or Mark spam (admins of the chat only); Convert waits
/// for the requests capability.
async fn lead_action(
    ctx: &Ctx<'_>,
    cb: &Callback<'_>,
    msg: &Msg<'_>,
    action: &str,
    id: &str,
) -> Res<Option<String>> {
    if !teledesk_bot::admin_chat::is_admin_chat(ctx.deps, ctx.workspace(), msg.chat_id()).await? {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    }
    if !ctx
        .is_staff_or_chat_admin(msg.chat_id(), cb.from_id())
        .await?
    {
        return Ok(Some(t(ctx, "lead-not-allowed", &[])));
    }
    let status = match action {
        "r" => "rejected",
        "s" => "spam",
        "c" => return Ok(Some(t(ctx, "lead-convert-later", &[]))),
        _ => return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[]))),
    };
    let Some(lead) = store::get(ctx.deps.table.as_ref(), id)
        .await?
        .filter(|l| l.workspace == ctx.workspace() && l.is_lead())
    else {
        return Ok(Some(teledesk_bot::i18n::text(ctx, "callback-expired", &[])));
    };
    let by = display_name(&cb.query["from"]);
    let updated = match store::update(
        ctx.deps.table.as_ref(),
        &lead,
        Some(status),
        None,
        &by,
        "telegram",
    )
    .await
    {
        Ok(l) => l,
        Err(store::StoreError::Conflict(_)) => return Err(Fail::Busy),
        Err(store::StoreError::Table(e)) => return Err(e.into()),
        Err(store::StoreError::NotFound(_)) => return Ok(None),
    };
    // Emitted also when a retry finds the change made: its id names the change, so a consumer
    // gets it once.
    {
        ctx.once(&format!("lead-updated#{id}"), || async {
            announce_updated(ctx.deps, &updated)
                .await
                .map_err(Fail::from)
        })
        .await?;
    }
    let line = t(
        ctx,
        "lead-marked",
        &[
            ("lead", id.to_owned().into()),
            (
                "status",
                t(ctx, &format!("lead-status-{status}"), &[]).into(),
            ),
            ("by", by.into()),
        ],
    );
    let text = msg.0["text"].as_str().map(escape).unwrap_or_default();
    let html = format!("{text}\n\n{line}");
    match ctx
        .tg
        .call(
            "editMessageText",
            json!({"chat_id": msg.chat_id(), "message_id": msg.message_id(), "text": html, "parse_mode": "HTML"}),
        )
        .await
    {
        Ok(_) | Err(TelegramError::NotModified) => {}
        Err(e) => tracing::info!(error = %e, "lead summary not edited"),
    }
    Ok(None)
}

/// Sends a turn's views, once per transition (`<what>#<session version>`): the last one edits the
/// card that was pressed when it fits (text and inline buttons), the rest are new messages.
async fn show(
    ctx: &Ctx<'_>,
    s: &Session,
    chat: i64,
    card: Option<i32>,
    views: Vec<View>,
    what: &str,
) -> Res<()> {
    let step = format!("sc-{what}#{}", s.version);
    ctx.once(&step, || async {
        let n = views.len();
        for (i, v) in views.iter().enumerate() {
            let edit = if i == 0 && n == 1 { card } else { None };
            edit_or_send(ctx, chat, edit, v, s.version).await?;
        }
        Ok(())
    })
    .await
}

/// Edits `card` into the view (when it has no photo and no reply keyboard); an edit that fails,
/// or no card, sends a new message. "Message is not modified" counts as done.
async fn edit_or_send(
    ctx: &Ctx<'_>,
    chat: i64,
    card: Option<i32>,
    v: &View,
    version: i64,
) -> Res<()> {
    let markup = markup(v, version);
    let inline = matches!(
        v.keyboard,
        Keyboard::Inline(_) | Keyboard::None | Keyboard::Markup(_)
    );
    if let Some(mid) = card
        && inline
        && v.photo.is_none()
    {
        let mut params = json!({"chat_id": chat, "message_id": mid, "text": v.html, "parse_mode": "HTML",
                                "link_preview_options": {"is_disabled": true}});
        if let Some(m) = &markup {
            params["reply_markup"] = m.clone();
        }
        match ctx.tg.call("editMessageText", params).await {
            Ok(_) | Err(TelegramError::NotModified) => return Ok(()),
            Err(e) if e.is_transient() => return Err(e.into()),
            Err(e) => tracing::info!(error = %e, "card not edited; sent anew"),
        }
    }
    if let Some(photo) = &v.photo {
        let mut params =
            json!({"chat_id": chat, "photo": photo, "caption": v.html, "parse_mode": "HTML"});
        if let Some(m) = &markup {
            params["reply_markup"] = m.clone();
        }
        match ctx.tg.call("sendPhoto", params).await {
            Ok(_) => return Ok(()),
            Err(e) if e.is_transient() => return Err(e.into()),
            Err(e) => tracing::warn!(error = %e, "scenario photo not sent; the text goes alone"),
        }
    }
    ctx.send(OutgoingText {
        reply_markup: markup,
        ..OutgoingText::html(chat, None, v.html.clone())
    })
    .await
    .map(|_| ())
}

/// The Telegram markup of a view's keyboard; buttons carry the session version they belong to.
fn markup(v: &View, version: i64) -> Option<Value> {
    match &v.keyboard {
        Keyboard::None => None,
        Keyboard::Remove => Some(json!({"remove_keyboard": true})),
        Keyboard::Markup(m) => Some(m.clone()),
        Keyboard::Inline(rows) => {
            let rows: Vec<Value> = rows
                .iter()
                .map(|r| {
                    Value::Array(
                        r.iter()
                            .map(|(label, press)| {
                                json!({"text": label,
                                       "callback_data": CALLBACK.data(&format!("p:{version}:{}", press.code())).unwrap_or_default()})
                            })
                            .collect(),
                    )
                })
                .collect();
            Some(json!({"inline_keyboard": rows}))
        }
        Keyboard::Share {
            contact,
            label,
            extra,
        } => {
            let key = if *contact {
                "request_contact"
            } else {
                "request_location"
            };
            let mut rows = vec![json!([{"text": label, key: true}])];
            if !extra.is_empty() {
                rows.push(Value::Array(
                    extra.iter().map(|e| json!({"text": e})).collect(),
                ));
            }
            Some(json!({"keyboard": rows, "resize_keyboard": true, "one_time_keyboard": true}))
        }
    }
}

/// A scenario file's content as a value: JSON, or YAML with the `yaml` feature (the CLI).
pub fn read_file(text: &str) -> Result<Value, String> {
    if let Ok(v) = serde_json::from_str::<Value>(text) {
        return Ok(v);
    }
    #[cfg(feature = "yaml")]
    {
        yaml_serde::from_str::<Value>(text).map_err(|e| format!("not YAML or JSON: {e}"))
    }
    #[cfg(not(feature = "yaml"))]
    {
        Err("not JSON (this build reads YAML only in the CLI)".into())
    }
}
