//! `teledesk requests …` and `teledesk dealers …`.

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use teledesk_app::Deps;
use teledesk_app::requests::{dealers, offering, offers, publish, store};

#[derive(Subcommand)]
pub enum RequestsCommand {
    /// Post a request to every dealer channel it is not in yet (publishing twice posts once).
    Publish {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Close a request with one of its offers (the others are rejected; contacts are revealed by
    /// the workspace's policy).
    Close {
        id: String,
        #[arg(long)]
        offer: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Cancel a request (dealers with live offers are told).
    Cancel {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// A request's offers.
    Offers {
        id: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Show or set the contact-reveal policy: on_select (default) or mediated.
    #[command(name = "reveal-policy")]
    RevealPolicy {
        policy: Option<String>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

#[derive(Subcommand)]
pub enum DealersCommand {
    /// Add an approved dealer (one who registered through the bot is approved).
    Add {
        #[arg(long)]
        user_id: i64,
        #[arg(long)]
        name: String,
        #[arg(long)]
        company: Option<String>,
        #[arg(long)]
        phone: Option<String>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    List {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Approve a dealer (by DLR-… id or Telegram user id); they are told.
    Approve {
        dealer: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Block a dealer (by DLR-… id or Telegram user id).
    Block {
        dealer: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

async fn request(deps: &Deps, workspace: &str, id: &str) -> Result<store::Request> {
    store::get(deps.table.as_ref(), workspace, id)
        .await?
        .with_context(|| format!("no request {id} in workspace {workspace}"))
}

pub async fn requests(deps: &Deps, command: RequestsCommand) -> Result<()> {
    match command {
        RequestsCommand::Publish { id, workspace } => {
            let r = request(deps, &workspace, &id).await?;
            let n = publish::publish(deps, &r, "cli", "cli")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "request {id}: queued to {n} dealer channel(s); `teledesk serve` (or the stack) posts them"
            );
        }
        RequestsCommand::Close {
            id,
            offer,
            workspace,
        } => {
            let r = request(deps, &workspace, &id).await?;
            let e = offering::close(deps, &r, &offer, "cli", "cli")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "request {id} closed with offer {offer}; {} other offer(s) rejected; the reveal messages are queued",
                e.rejected.len()
            );
        }
        RequestsCommand::Cancel { id, workspace } => {
            let r = request(deps, &workspace, &id).await?;
            let e = offering::cancel(deps, &r, "cli", "cli")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "request {id} cancelled; {} live offer(s) rejected and their dealers told",
                e.rejected.len()
            );
        }
        RequestsCommand::Offers { id, workspace } => {
            let r = request(deps, &workspace, &id).await?;
            let list = offers::of_request(deps.table.as_ref(), &r.id).await?;
            if list.is_empty() {
                println!("no offers on {id}");
            }
            for o in list {
                println!(
                    "{}\t{}\t{}\tdealer {}",
                    o.id,
                    o.status,
                    offering::offer_what(&o),
                    o.dealer_id
                );
            }
        }
        RequestsCommand::RevealPolicy { policy, workspace } => match policy {
            None => println!(
                "{}",
                offering::policy(deps.table.as_ref(), &workspace).await?
            ),
            Some(p) if offering::POLICIES.contains(&p.as_str()) => {
                offering::set_policy(deps.table.as_ref(), &workspace, &p, "cli").await?;
                println!("contact-reveal policy of workspace {workspace}: {p}");
            }
            Some(p) => bail!("`{p}` is not a policy: {}", offering::POLICIES.join(" or ")),
        },
    }
    Ok(())
}

async fn dealer(deps: &Deps, workspace: &str, which: &str) -> Result<dealers::Dealer> {
    let table = deps.table.as_ref();
    let found = match which.parse::<i64>() {
        Ok(user) => dealers::get(table, workspace, user).await?,
        Err(_) => dealers::by_id(table, workspace, which).await?,
    };
    found.with_context(|| format!("no dealer {which} in workspace {workspace}"))
}

pub async fn dealers(deps: &Deps, command: DealersCommand) -> Result<()> {
    match command {
        DealersCommand::Add {
            user_id,
            name,
            company,
            phone,
            workspace,
        } => {
            let mut d = dealers::new_dealer(&workspace, user_id, &name, "approved");
            d.company = company;
            d.phone = phone;
            let (d, created) = offering::add_dealer(deps, d, "cli", "cli")
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "dealer {} ({}, user {}) {}: {}",
                d.id,
                d.name,
                d.user_id,
                if created { "added" } else { "updated" },
                d.status
            );
        }
        DealersCommand::List { workspace } => {
            let list = dealers::list(deps.table.as_ref(), &workspace).await?;
            if list.is_empty() {
                println!("no dealers in workspace {workspace}");
            }
            for d in list {
                println!(
                    "{}\t{}\t{}\t{}\t{}\t{}",
                    d.id,
                    d.user_id,
                    d.status,
                    d.name,
                    d.company.unwrap_or_default(),
                    d.phone.unwrap_or_default()
                );
            }
        }
        DealersCommand::Approve {
            dealer: which,
            workspace,
        } => {
            set_status(deps, &workspace, &which, "approved").await?;
        }
        DealersCommand::Block {
            dealer: which,
            workspace,
        } => {
            set_status(deps, &workspace, &which, "blocked").await?;
        }
    }
    Ok(())
}

async fn set_status(deps: &Deps, workspace: &str, which: &str, status: &str) -> Result<()> {
    let d = dealer(deps, workspace, which).await?;
    let d = offering::set_dealer_status(deps, workspace, d.user_id, status, "cli", "cli")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("dealer {} ({}): {}", d.id, d.name, d.status);
    Ok(())
}
