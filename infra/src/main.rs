//! `teledesk`: run the whole system locally (`serve`), and manage bots and webhooks on the local data
//! directory or, with `--aws`, on the deployed stack.

mod backend;
mod catalog_cli;
mod requests_cli;
mod scenarios_cli;
mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use teledesk_app::bots;

#[derive(Parser)]
#[command(
    name = "teledesk",
    version,
    about = "Teledesk: Telegram support desk, API and webhooks"
)]
struct Cli {
    /// Local data directory (embedded storage).
    #[arg(
        long,
        global = true,
        env = "TELEDESK_DATA_DIR",
        default_value = "./.teledesk"
    )]
    data_dir: PathBuf,
    /// Work on the deployed stack instead (TELEDESK_TABLE, TELEDESK_BUCKET, TELEDESK_*_QUEUE_URL).
    #[arg(long, global = true, env = "TELEDESK_AWS")]
    aws: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every function in one process on embedded storage.
    Serve {
        /// Address for the webhook, the API and /healthz.
        #[arg(long, env = "TELEDESK_LISTEN", default_value = "127.0.0.1:8080")]
        listen: String,
        /// Public HTTPS base URL of this server: Telegram is told to call the webhook there
        /// instead of being long-polled.
        #[arg(long, env = "TELEDESK_PUBLIC_URL")]
        public_url: Option<String>,
    },
    /// Register, list and remove bots.
    Bots {
        #[command(subcommand)]
        command: BotsCommand,
    },
    /// Point Telegram at the webhook, inspect it, or remove it.
    Webhook {
        #[command(subcommand)]
        command: WebhookCommand,
    },
    /// Print the REST API's OpenAPI document (as committed in docs/openapi.json).
    Openapi,
    /// Create, list and revoke REST API keys.
    #[command(name = "api-keys")]
    ApiKeys {
        #[command(subcommand)]
        command: ApiKeysCommand,
    },
    /// Support desks: one-time setup codes for /setup_desk and /setup_admin.
    Desks {
        #[command(subcommand)]
        command: DesksCommand,
    },
    /// Manage internal users (staff): who may run ticket commands and can be /mention-ed.
    Staff {
        #[command(subcommand)]
        command: StaffCommand,
    },
    /// Channels that feed the catalog: add, list, remove, and run their syncs.
    #[command(name = "channel-sources")]
    ChannelSources {
        #[command(subcommand)]
        command: SourcesCommand,
    },
    /// The catalog's listings.
    Listings {
        #[command(subcommand)]
        command: ListingsCommand,
    },
    /// Conversation sessions of bot users: read and clear them.
    Sessions {
        #[command(subcommand)]
        command: SessionsCommand,
    },
    /// Channels requests are published to: add (the bot must be able to post), list, remove.
    #[command(name = "dealer-channels")]
    DealerChannels {
        #[command(subcommand)]
        command: DealerChannelsCommand,
    },
    /// Requests made from leads: publish, close with an offer, cancel, offers, reveal-policy.
    Requests {
        #[command(subcommand)]
        command: requests_cli::RequestsCommand,
    },
    /// Dealers who answer requests with offers: add, list, approve, block.
    Dealers {
        #[command(subcommand)]
        command: requests_cli::DealersCommand,
    },
    /// Lead-capture scenarios: validate, publish, list, show, archive, graph, try, stats.
    Scenarios {
        #[command(subcommand)]
        command: scenarios_cli::ScenariosCommand,
    },
    /// Fill the catalog with a production-like demo dataset and publish the example scenario
    /// (idempotent).
    Seed {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum DealerChannelsCommand {
    /// Add a channel (Telegram is asked that the bot is an administrator there that can post).
    Add {
        /// The channel's id (-100…).
        #[arg(long, allow_hyphen_values = true)]
        chat: i64,
        /// The bot that posts there (default: the workspace's only bot).
        #[arg(long)]
        bot: Option<String>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    List {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    Remove {
        #[arg(long, allow_hyphen_values = true)]
        chat: i64,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum SourcesCommand {
    /// Add a channel source.
    Add {
        /// The channel's username (with or without @), or its numeric id for --kind channel_post.
        #[arg(long, allow_hyphen_values = true)]
        channel: String,
        /// preview (the public t.me/s page) or channel_post (the bot's updates).
        #[arg(long, default_value = "preview")]
        kind: String,
        /// vehicles or generic.
        #[arg(long, default_value = "vehicles")]
        category: String,
        /// Minutes between scheduled syncs.
        #[arg(long, default_value_t = 15)]
        schedule_minutes: u32,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// List channel sources and their sync state.
    List {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Remove a channel source (its listings stay).
    Remove {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Sync the newest posts now.
    Sync {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Sync the posts dated within a range (YYYY-MM-DD, inclusive, UTC).
    #[command(name = "parse-range")]
    ParseRange {
        id: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Fetch and parse what a sync would store; store nothing.
    #[command(name = "dry-run")]
    DryRun {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum ListingsCommand {
    /// Parse one post's text from standard input and print the listing as JSON.
    Parse {
        /// vehicles or generic.
        #[arg(long, default_value = "vehicles")]
        category: String,
        /// Photos in the post (an album counts each).
        #[arg(long, default_value_t = 0)]
        photos: usize,
    },
    /// Parse stored raw posts again after a parser upgrade (those parsed by another version).
    Reparse {
        /// Only this source (default: every source of the workspace).
        #[arg(long)]
        source: Option<String>,
        /// Parse every stored post again, whatever version parsed it (photos kept before
        /// perceptual hashes existed get theirs, and their near-duplicates are flagged).
        #[arg(long)]
        all: bool,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum ApiKeysCommand {
    /// Create a key; it is printed once and cannot be shown again.
    Create {
        /// Comma-separated: tickets:read, tickets:write, messages:read, messages:write, catalog:read, scenarios:read, scenarios:write, leads:read, leads:write, requests:read, requests:write, admin.
        #[arg(long, value_delimiter = ',', required = true)]
        scopes: Vec<String>,
        /// A name to recognise the key by.
        #[arg(long, default_value = "cli")]
        name: String,
        /// The workspace the key works in.
        #[arg(long, default_value = "default")]
        workspace: String,
        /// Expire the key after this many days.
        #[arg(long)]
        expires_in_days: Option<u32>,
        /// Requests per minute (default 600).
        #[arg(long)]
        rate_limit: Option<u32>,
    },
    /// List a workspace's keys (never the keys themselves).
    List {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Revoke a key by its id (the part after `tdk_`, before the second `_`).
    Revoke {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum DesksCommand {
    /// Make a one-time setup code (valid 15 minutes, used once): a group administrator sends
    /// `/setup_desk CODE` (or `/setup_admin CODE`) in the group. The code is printed on standard
    /// output, what to do with it on standard error.
    #[command(name = "setup-code")]
    SetupCode {
        /// desk (for /setup_desk) or admin-chat (for /setup_admin).
        #[arg(long = "for", default_value = "desk", value_parser = ["desk", "admin-chat"])]
        purpose: String,
        /// Only this bot may redeem it (default: any bot of the workspace).
        #[arg(long)]
        bot: Option<String>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
enum StaffCommand {
    /// Add an internal user, or update one with the same user id.
    Add {
        /// Telegram user id (numeric).
        #[arg(long)]
        user_id: i64,
        /// Telegram username, with or without @ (used by /mention).
        #[arg(long)]
        username: Option<String>,
        /// Display name (default: the username).
        #[arg(long)]
        name: Option<String>,
        /// A group chat id the user works in (repeatable); their /mention topics open in the first.
        #[arg(long = "group", allow_hyphen_values = true)]
        groups: Vec<i64>,
        /// agent (works tickets) or admin (may also run /setup_desk and /setup_admin without a
        /// setup code). Default: the user's current role, agent for a new one.
        #[arg(long, value_parser = ["agent", "admin"])]
        role: Option<String>,
    },
    /// List internal users.
    List,
    /// Remove an internal user by user id or @username.
    Remove { user: String },
}

#[derive(Subcommand)]
enum BotsCommand {
    /// Register a bot by its token (checked with getMe; stored, never printed back).
    Add {
        /// The token from @BotFather; `-` reads it from standard input. Default: TELEGRAM_BOT_TOKEN.
        #[arg(long)]
        token: Option<String>,
        /// Webhook secret to use (default: keep the bot's current one, or generate one).
        #[arg(long, env = "TELEGRAM_WEBHOOK_SECRET", hide_env_values = true)]
        secret: Option<String>,
    },
    /// List registered bots.
    List,
    /// Remove a bot: its webhook requests are refused from then on.
    Remove { bot_id: String },
    /// Print the command menus Telegram holds for the bot (getMyCommands for every scope and
    /// language: private chats, groups, group administrators, the admin chat × default/en/ru/uk).
    Commands { bot_id: String },
}

#[derive(Subcommand)]
enum SessionsCommand {
    /// List active conversation sessions (every bot; one user's with --user).
    List {
        #[arg(long)]
        user: Option<i64>,
    },
    /// End every session of a user (with every bot).
    Clear {
        #[arg(long)]
        user: i64,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// setWebhook with the bot's secret and allowed updates, then setMyCommands.
    Set {
        bot_id: String,
        /// Public base URL (e.g. the stack's ApiUrl); `/telegram/<bot_id>` is appended.
        #[arg(long)]
        url: String,
    },
    /// getWebhookInfo.
    Info { bot_id: String },
    /// deleteWebhook.
    Delete {
        bot_id: String,
        /// Also drop the updates Telegram still holds.
        #[arg(long)]
        drop_pending: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve { listen, public_url } => {
            teledesk_app::logging::init_text();
            if cli.aws {
                bail!("`serve` runs on embedded storage; drop --aws");
            }
            let listen = listen
                .parse()
                .with_context(|| format!("--listen {listen} is not an address:port"))?;
            serve::serve(serve::Options {
                listen,
                data_dir: cli.data_dir,
                public_url,
                token: std::env::var("TELEGRAM_BOT_TOKEN")
                    .ok()
                    .filter(|t| !t.trim().is_empty()),
                webhook_secret: std::env::var("TELEGRAM_WEBHOOK_SECRET")
                    .ok()
                    .filter(|s| !s.is_empty()),
            })
            .await
        }
        Command::Bots { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            match command {
                BotsCommand::Add { token, secret } => {
                    let token = read_token(token)?;
                    let bot = bots::register(&deps, &token, secret.as_deref()).await?;
                    println!(
                        "registered @{} (bot id {}); token and webhook secret stored, not shown",
                        bot.username, bot.bot_id
                    );
                }
                BotsCommand::List => {
                    let list = bots::list(&deps).await?;
                    if list.is_empty() {
                        println!("no bots registered (add one with: teledesk bots add)");
                    }
                    for b in list {
                        println!(
                            "{}\t@{}\t{}",
                            b.bot_id,
                            b.username,
                            if b.enabled { "enabled" } else { "disabled" }
                        );
                    }
                }
                BotsCommand::Remove { bot_id } => {
                    bots::remove(&deps, &bot_id).await?;
                    println!("removed bot {bot_id}");
                }
                BotsCommand::Commands { bot_id } => {
                    let bot = bots::get(&deps, &bot_id).await?.with_context(|| {
                        format!("no bot {bot_id} is registered (teledesk bots list)")
                    })?;
                    for menu in teledesk_app::wiring::menus(&deps, &bot).await? {
                        let lang = menu["language_code"].as_str().unwrap_or("default");
                        println!("{} · {lang}", menu_scope(&menu["scope"]));
                        let commands = menu["commands"].as_array().cloned().unwrap_or_default();
                        if commands.is_empty() {
                            println!("  (none)");
                        }
                        for c in commands {
                            println!(
                                "  /{} — {}",
                                c["command"].as_str().unwrap_or_default(),
                                c["description"].as_str().unwrap_or_default()
                            );
                        }
                    }
                }
            }
            Ok(())
        }
        Command::Sessions { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            let all = bots::list(&deps).await?;
            match command {
                SessionsCommand::List { user } => {
                    let mut n = 0;
                    for b in &all {
                        for s in teledesk_app::session::list(&deps, &b.bot_id, user).await? {
                            n += 1;
                            println!(
                                "{}\tuser {}\tchat {}\t{}/{} v{}\tstep {}\tupdated {}\texpires {}",
                                s.bot_id,
                                s.user_id,
                                s.chat_id,
                                s.capability,
                                s.flow,
                                s.flow_version,
                                s.step,
                                s.updated_at,
                                s.expires_at
                            );
                        }
                    }
                    if n == 0 {
                        println!("no active sessions");
                    }
                }
                SessionsCommand::Clear { user } => {
                    let mut n = 0;
                    for b in &all {
                        n += teledesk_app::session::clear(&deps, &b.bot_id, user).await?;
                    }
                    println!("cleared {n} session(s) of user {user}");
                }
            }
            Ok(())
        }
        Command::Webhook { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            let bot_of = |id: String| {
                let deps = deps.clone();
                async move {
                    bots::get(&deps, &id)
                        .await?
                        .with_context(|| format!("no bot {id} is registered (teledesk bots list)"))
                }
            };
            match command {
                WebhookCommand::Set { bot_id, url } => {
                    let bot = bot_of(bot_id).await?;
                    let url = webhook_url(&url, &bot.bot_id)?;
                    let tg = deps.telegram.connect(&bot.token);
                    tg.set_webhook(&url, &bot.webhook_secret).await?;
                    let menus = teledesk_app::wiring::set_menus(&deps, &bot).await?;
                    println!(
                        "webhook of @{} set to {url} (with secret token); {menus} command menus registered",
                        bot.username
                    );
                }
                WebhookCommand::Info { bot_id } => {
                    let bot = bot_of(bot_id).await?;
                    let info = deps.telegram.connect(&bot.token).webhook_info().await?;
                    println!(
                        "url:              {}",
                        if info.url.is_empty() {
                            "(none: long polling)"
                        } else {
                            &info.url
                        }
                    );
                    println!("pending updates:  {}", info.pending_update_count);
                    if let Some(err) = info.last_error_message {
                        println!(
                            "last error:       {err} (at {})",
                            info.last_error_date.unwrap_or_default()
                        );
                    }
                }
                WebhookCommand::Delete {
                    bot_id,
                    drop_pending,
                } => {
                    let bot = bot_of(bot_id).await?;
                    deps.telegram
                        .connect(&bot.token)
                        .delete_webhook(drop_pending)
                        .await?;
                    println!("webhook of @{} deleted", bot.username);
                }
            }
            Ok(())
        }
        Command::Openapi => {
            print!("{}", teledesk_app::api::openapi::document());
            Ok(())
        }
        Command::ApiKeys { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            api_keys_command(&deps, command).await
        }
        Command::ChannelSources { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            catalog_cli::sources_command(&deps, command).await
        }
        Command::Listings { command } => match command {
            ListingsCommand::Parse { category, photos } => {
                catalog_cli::parse_stdin(&category, photos)
            }
            ListingsCommand::Reparse {
                source,
                all,
                workspace,
            } => {
                let deps = backend::open(cli.aws, &cli.data_dir).await?;
                catalog_cli::reparse(&deps, &workspace, source.as_deref(), all).await
            }
        },
        Command::Seed { workspace } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            let r = teledesk_app::listings::seed::seed(&deps, &workspace).await?;
            println!(
                "seeded workspace {workspace}: {} new listings, {} already there",
                r.new, r.unchanged
            );
            let s = scenarios_cli::seed(&deps, &workspace).await?;
            println!(
                "scenario `{}` version {}{}",
                s.key,
                s.version,
                if s.created {
                    " published"
                } else {
                    " already published"
                }
            );
            Ok(())
        }
        Command::Requests { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            requests_cli::requests(&deps, command).await
        }
        Command::Dealers { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            requests_cli::dealers(&deps, command).await
        }
        Command::DealerChannels { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            use teledesk_app::requests::channels;
            match command {
                DealerChannelsCommand::Add {
                    chat,
                    bot,
                    workspace,
                } => {
                    let bots: Vec<_> = bots::list(&deps)
                        .await?
                        .into_iter()
                        .filter(|b| b.workspace == workspace)
                        .collect();
                    let bot = match &bot {
                        Some(id) => bots.iter().find(|b| &b.bot_id == id),
                        None if bots.len() == 1 => bots.first(),
                        None => None,
                    }
                    .context("name the bot that posts there with --bot (the workspace has none, or more than one)")?;
                    match channels::add(&deps, &workspace, bot, chat, "cli").await {
                        Ok(c) => println!(
                            "dealer channel {} ({}) added: @{} posts there",
                            c.chat_id, c.title, bot.username
                        ),
                        Err(e) => bail!("{e}"),
                    }
                }
                DealerChannelsCommand::List { workspace } => {
                    let list = channels::list(&deps, &workspace).await?;
                    if list.is_empty() {
                        println!("no dealer channels in workspace {workspace}");
                    }
                    for c in list {
                        println!(
                            "{}\t{}\tbot {}\tadded by {}",
                            c.chat_id, c.title, c.bot_id, c.added_by
                        );
                    }
                }
                DealerChannelsCommand::Remove { chat, workspace } => {
                    if !channels::remove(&deps, &workspace, chat).await? {
                        bail!("no dealer channel {chat} in workspace {workspace}");
                    }
                    println!("dealer channel {chat} removed");
                }
            }
            Ok(())
        }
        Command::Scenarios { command } => {
            use scenarios_cli::ScenariosCommand as S;
            // validate and try need no storage.
            let deps = match command {
                S::Validate { .. } | S::Try { .. } => None,
                _ => Some(backend::open(cli.aws, &cli.data_dir).await?),
            };
            scenarios_cli::run(deps.as_ref(), command).await
        }
        Command::Staff { command } => {
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            staff_command(&deps, command).await
        }
        Command::Desks {
            command:
                DesksCommand::SetupCode {
                    purpose,
                    bot,
                    workspace,
                },
        } => {
            use teledesk_app::setup_codes::{self, Purpose};
            let deps = backend::open(cli.aws, &cli.data_dir).await?;
            let purpose = Purpose::parse(&purpose).context("--for is desk or admin-chat")?;
            if let Some(b) = &bot {
                let rec = bots::get(&deps, b)
                    .await?
                    .with_context(|| format!("no bot {b} is registered"))?;
                if rec.workspace != workspace {
                    bail!("bot {b} is in workspace {}, not {workspace}", rec.workspace);
                }
            }
            let issued =
                setup_codes::issue(&deps, &workspace, purpose, bot.as_deref(), "cli").await?;
            eprintln!(
                "setup code for workspace {workspace}: a group administrator sends `{} {}` in the \
                 group within {} minutes; it works once",
                purpose.command(),
                issued.code,
                setup_codes::TTL_SECS / 60
            );
            println!("{}", issued.code);
            Ok(())
        }
    }
}

async fn api_keys_command(
    deps: &teledesk_app::Deps,
    command: ApiKeysCommand,
) -> anyhow::Result<()> {
    use teledesk_app::api::api_keys as keys;
    match command {
        ApiKeysCommand::Create {
            scopes,
            name,
            workspace,
            expires_in_days,
            rate_limit,
        } => {
            let expires =
                expires_in_days.map(|d| teledesk_ports::now_secs() + i64::from(d) * 86_400);
            let (key, secret) =
                keys::create(deps, &workspace, &name, &scopes, expires, rate_limit).await?;
            eprintln!(
                "created API key {} ({}) in workspace {} with scopes {}; it is shown once:",
                key.id,
                key.name,
                key.workspace,
                key.scopes.join(",")
            );
            println!("{secret}");
        }
        ApiKeysCommand::List { workspace } => {
            let list = keys::list(deps, &workspace).await?;
            if list.is_empty() {
                println!(
                    "no API keys (create one with: teledesk api-keys create --scopes tickets:read)"
                );
            }
            for k in list {
                let state = if k.revoked_at.is_some() {
                    "revoked"
                } else if k
                    .key_expires_at
                    .is_some_and(|t| t <= teledesk_ports::now_secs())
                {
                    "expired"
                } else {
                    "active"
                };
                println!("{}\t{}\t{}\t{}", k.id, k.name, k.scopes.join(","), state);
            }
        }
        ApiKeysCommand::Revoke { id, workspace } => {
            keys::revoke(deps, &workspace, &id).await?;
            println!("API key {id} revoked");
        }
    }
    Ok(())
}

async fn staff_command(deps: &teledesk_app::Deps, command: StaffCommand) -> anyhow::Result<()> {
    use teledesk_app::desk::{DEFAULT_WORKSPACE as WS, staff};
    match command {
        StaffCommand::Add {
            user_id,
            username,
            name,
            groups,
            role,
        } => {
            let username = match username {
                Some(u) => Some(
                    staff::clean_username(&u)
                        .with_context(|| {
                            format!("`{u}` is not a Telegram username (3-32 letters, digits or _)")
                        })?
                        .to_owned(),
                ),
                None => None,
            };
            let name = name
                .or_else(|| username.clone())
                .context("give --name or --username")?;
            if let Some(g) = groups.iter().find(|g| **g >= 0) {
                bail!("--group {g} is not a group: group chat ids are negative (-100…)");
            }
            let existing = staff::get(deps, WS, user_id).await?;
            let s = staff::Staff {
                workspace: WS.into(),
                user_id,
                username,
                name,
                groups,
                role: role
                    .as_deref()
                    .and_then(staff::Role::parse)
                    .unwrap_or_else(|| existing.as_ref().map(|s| s.role).unwrap_or_default()),
                created_at: existing.map_or_else(teledesk_ports::now_secs, |s| s.created_at),
            };
            staff::upsert(deps, &s).await?;
            println!(
                "internal user {} ({}, {}) saved",
                s.user_id,
                s.handle(),
                s.role.as_str()
            );
        }
        StaffCommand::List => {
            let (mut cursor, mut any) = (None, false);
            loop {
                let (page, next) = staff::page(deps, WS, 100, cursor).await?;
                any |= !page.is_empty();
                for s in page {
                    let groups: Vec<String> = s.groups.iter().map(i64::to_string).collect();
                    println!(
                        "{}\t{}\t{}\t{}\t{}",
                        s.user_id,
                        s.username
                            .as_deref()
                            .map(|u| format!("@{u}"))
                            .unwrap_or_else(|| "-".into()),
                        s.name,
                        s.role.as_str(),
                        if groups.is_empty() {
                            "-".into()
                        } else {
                            groups.join(",")
                        }
                    );
                }
                match next {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if !any {
                println!(
                    "no internal users (add one with: teledesk staff add --user-id ID --username NAME)"
                );
            }
        }
        StaffCommand::Remove { user } => {
            let user_id = match user.parse::<i64>() {
                Ok(id) => id,
                Err(_) => {
                    staff::by_username(deps, WS, &user)
                        .await?
                        .with_context(|| format!("no internal user {user}"))?
                        .user_id
                }
            };
            if !staff::remove(deps, WS, user_id).await? {
                bail!("no internal user {user}");
            }
            println!("internal user {user_id} removed");
        }
    }
    Ok(())
}

fn read_token(arg: Option<String>) -> anyhow::Result<String> {
    let token = match arg.as_deref() {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin()
                .read_line(&mut s)
                .context("cannot read the token from standard input")?;
            s
        }
        Some(t) => t.to_owned(),
        None => std::env::var("TELEGRAM_BOT_TOKEN")
            .context("give --token, --token - (stdin), or set TELEGRAM_BOT_TOKEN")?,
    };
    Ok(token.trim().to_owned())
}

/// `https://host/base` → `https://host/base/telegram/<id>`; a URL already ending so is kept.
fn webhook_url(base: &str, bot_id: &str) -> anyhow::Result<String> {
    if !(base.starts_with("https://") || base.starts_with("http://")) {
        bail!("--url must be an http(s) URL, got {base}");
    }
    let base = base.trim_end_matches('/');
    let suffix = format!("/telegram/{bot_id}");
    Ok(if base.ends_with(&suffix) {
        base.to_owned()
    } else {
        format!("{base}{suffix}")
    })
}

/// A menu scope as one word: `all_private_chats`, `chat -100…`.
fn menu_scope(scope: &serde_json::Value) -> String {
    let kind = scope["type"].as_str().unwrap_or("default");
    match scope["chat_id"].as_i64() {
        Some(chat) => format!("{kind} {chat}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn webhook_urls() {
        assert_eq!(
            super::webhook_url("https://x.io/", "42").unwrap(),
            "https://x.io/telegram/42"
        );
        assert_eq!(
            super::webhook_url("https://x.io/telegram/42", "42").unwrap(),
            "https://x.io/telegram/42"
        );
        assert!(super::webhook_url("x.io", "42").is_err());
    }
}
