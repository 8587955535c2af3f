//! `teledesk scenarios …`: validate, publish, list, show, archive, graph, try, stats.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Subcommand;
use serde_json::json;
use teledesk_app::Deps;
use teledesk_app::i18n::Lang;
use teledesk_app::scenarios::engine::{End, Flow, Input, Keyboard, Press, State, Turn, strip_tags};
use teledesk_app::scenarios::model::Scenario;
use teledesk_app::scenarios::{graph, stats, store, validate};

/// The shipped example `teledesk seed` publishes.
pub const CAR_REQUEST: &str = include_str!("../../examples/scenarios/car_request.yaml");

#[derive(Subcommand)]
pub enum ScenariosCommand {
    /// Check a scenario file (YAML or JSON); every problem is printed with its path.
    Validate { file: PathBuf },
    /// Publish a scenario file as its next version (unchanged files make none).
    Publish {
        file: PathBuf,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// The workspace's scenarios: key, version, status, title.
    List {
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// A published scenario as JSON (the newest version, or --version N).
    Show {
        key: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Stop new conversations on a scenario (those in flight finish).
    Archive {
        key: String,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// The flow as a Mermaid flowchart.
    Graph {
        key: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
    /// Play a scenario file in the terminal: type answers, a button's number to press it, or
    /// :back, :skip, :contact +380…, :location 50.45,30.52, :photo, :sticker, :quit.
    Try {
        file: PathBuf,
        /// en, ru or uk.
        #[arg(long, default_value = "en")]
        lang: String,
    },
    /// The funnel: starts, per-step reached/answered/dropped, submits, abandoned, conversion.
    Stats {
        key: String,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long, default_value = "default")]
        workspace: String,
    },
}

/// Reads and validates a file; the problems as one error.
pub fn load(file: &Path) -> anyhow::Result<Scenario> {
    let text =
        std::fs::read_to_string(file).with_context(|| format!("cannot read {}", file.display()))?;
    parse(&text).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))
}

pub fn parse(text: &str) -> anyhow::Result<Scenario> {
    let value = teledesk_app::scenarios::read_file(text).map_err(anyhow::Error::msg)?;
    validate::validate(&value).map_err(|problems| {
        let lines: Vec<String> = problems.iter().map(|p| format!("  {p}")).collect();
        anyhow::anyhow!("{} problem(s):\n{}", problems.len(), lines.join("\n"))
    })
}

/// Publishes the shipped car_request (for `teledesk seed`).
pub async fn seed(deps: &Deps, workspace: &str) -> anyhow::Result<store::PublishOutcome> {
    let sc = parse(CAR_REQUEST)?;
    Ok(store::publish(deps.table.as_ref(), workspace, &sc, "seed").await?)
}

async fn version_of(
    deps: &Deps,
    ws: &str,
    key: &str,
    v: Option<u32>,
) -> anyhow::Result<store::Published> {
    let version = match v {
        Some(v) => v,
        None => match store::head(deps.table.as_ref(), ws, key).await? {
            Some(h) => h.latest,
            None => bail!("no scenario `{key}` in workspace {ws}"),
        },
    };
    store::version(deps.table.as_ref(), ws, key, version)
        .await?
        .with_context(|| format!("no version {version} of `{key}`"))
}

pub async fn run(deps: Option<&Deps>, command: ScenariosCommand) -> anyhow::Result<()> {
    let need = || deps.context("this command needs storage");
    match command {
        ScenariosCommand::Validate { file } => {
            let sc = load(&file)?;
            println!(
                "{}: valid scenario `{}` ({} steps, languages {})",
                file.display(),
                sc.key,
                sc.steps.len(),
                sc.languages.join(", ")
            );
        }
        ScenariosCommand::Publish { file, workspace } => {
            let sc = load(&file)?;
            let out = store::publish(need()?.table.as_ref(), &workspace, &sc, "cli").await?;
            if out.created {
                println!("published `{}` version {}", out.key, out.version);
            } else {
                println!(
                    "`{}` version {} is this file already: nothing published",
                    out.key, out.version
                );
            }
        }
        ScenariosCommand::List { workspace } => {
            let heads = store::list(need()?.table.as_ref(), &workspace).await?;
            if heads.is_empty() {
                println!("no scenarios in workspace {workspace}");
            }
            for h in heads {
                println!(
                    "{}\tv{}\t{}\t{}{}",
                    h.key,
                    h.latest,
                    h.status,
                    strip_tags(h.title.get("en", "en")),
                    if h.menu { "\t(home view)" } else { "" }
                );
            }
        }
        ScenariosCommand::Show {
            key,
            version,
            workspace,
        } => {
            let p = version_of(need()?, &workspace, &key, version).await?;
            let out = json!({"key": p.key, "version": p.version, "published_at": p.published_at,
                             "published_by": p.published_by, "sha256": p.sha256, "scenario": p.scenario});
            println!("{}", serde_json::to_string_pretty(&out)?);
        }
        ScenariosCommand::Archive { key, workspace } => {
            let h = store::archive(need()?.table.as_ref(), &workspace, &key).await?;
            println!(
                "archived `{}` (version {}): no new conversations start on it",
                h.key, h.latest
            );
        }
        ScenariosCommand::Graph {
            key,
            version,
            workspace,
        } => {
            let p = version_of(need()?, &workspace, &key, version).await?;
            print!("{}", graph::mermaid(&p.scenario));
        }
        ScenariosCommand::Stats {
            key,
            version,
            workspace,
        } => {
            let deps = need()?;
            let p = version_of(deps, &workspace, &key, None).await?;
            let runs = store::runs_of(deps.table.as_ref(), &workspace, &key).await?;
            let in_flight = teledesk_app::scenarios::in_flight(deps, &workspace, &key, version)
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            let s = stats::compute(&p.scenario, version, &runs, in_flight);
            println!("{}", serde_json::to_string_pretty(&s)?);
        }
        ScenariosCommand::Try { file, lang } => {
            let sc = load(&file)?;
            let lang =
                Lang::from_code(&lang).with_context(|| format!("`{lang}` is not en, ru or uk"))?;
            let stdin = std::io::stdin();
            let mut lines = stdin.lock().lines();
            try_flow(
                &sc,
                lang,
                &mut || lines.next().and_then(Result::ok),
                &mut std::io::stdout(),
            )?;
        }
    }
    Ok(())
}

/// Plays a scenario with lines from `next_line`, writing what the bot would say.
pub fn try_flow(
    sc: &Scenario,
    lang: Lang,
    next_line: &mut dyn FnMut() -> Option<String>,
    out: &mut dyn Write,
) -> anyhow::Result<Option<State>> {
    let flow = Flow::new(sc, lang);
    let mut turn = flow.start(Some("try".into()), teledesk_ports::now_secs());
    loop {
        let presses = render(&turn, out)?;
        match turn.end {
            Some(End::Submit) => {
                writeln!(out, "{}", strip_tags(sc.text(&sc.done, flow.lang)))?;
                let lead = json!({"scenario": sc.key, "language": turn.state.lang,
                                  "answers": turn.state.answers, "source": turn.state.source,
                                  "consent": turn.state.consent.as_ref().map(|c| json!({"version": c.version, "at": c.at}))});
                writeln!(
                    out,
                    "--- lead ---\n{}",
                    serde_json::to_string_pretty(&lead)?
                )?;
                return Ok(Some(turn.state));
            }
            Some(End::Decline) => {
                writeln!(out, "--- declined: nothing kept ---")?;
                return Ok(None);
            }
            None => {}
        }
        write!(out, "> ")?;
        out.flush()?;
        let Some(line) = next_line() else {
            writeln!(out, "\n--- ended before submit ---")?;
            return Ok(None);
        };
        let line = line.trim().to_owned();
        let input = match line.as_str() {
            ":quit" => return Ok(None),
            ":back" => Input::Press(Press::Back),
            ":skip" => Input::Press(Press::Skip),
            ":photo" => Input::Photo {
                file_id: format!("try-{}", turn.state.pending.len()),
                unique_id: format!("try-{}", turn.state.pending.len()),
            },
            ":sticker" => Input::Other,
            l if l.starts_with(":contact") => Input::Contact {
                phone: l.trim_start_matches(":contact").trim().to_owned(),
                user_id: Some(1),
            },
            l if l.starts_with(":location") => {
                let v: Vec<f64> = l
                    .trim_start_matches(":location")
                    .split(',')
                    .filter_map(|x| x.trim().parse().ok())
                    .collect();
                Input::Location {
                    lat: v.first().copied().unwrap_or_default(),
                    lon: v.get(1).copied().unwrap_or_default(),
                }
            }
            l => match l
                .parse::<usize>()
                .ok()
                .and_then(|n| presses.get(n.wrapping_sub(1)))
            {
                Some(p) => Input::Press(*p),
                None => Input::Text(l.to_owned()),
            },
        };
        let next = flow.handle(&turn.state, input, 1, teledesk_ports::now_secs());
        if next.stale {
            writeln!(out, "(that button does not belong to this step)")?;
            turn = Turn {
                views: vec![flow.current(&turn.state)],
                ..next
            };
        } else {
            turn = next;
        }
    }
}

/// Prints a turn's views; the buttons of the last, numbered.
fn render(turn: &Turn, out: &mut dyn Write) -> anyhow::Result<Vec<Press>> {
    let mut presses = Vec::new();
    for v in &turn.views {
        if let Some(p) = &v.photo {
            writeln!(out, "[photo {p}]")?;
        }
        writeln!(out, "{}", strip_tags(&v.html))?;
        match &v.keyboard {
            Keyboard::Inline(rows) => {
                presses.clear();
                for (label, p) in rows.iter().flatten() {
                    presses.push(*p);
                    writeln!(out, "  [{}] {label}", presses.len())?;
                }
            }
            Keyboard::Share { label, extra, .. } => {
                presses.clear();
                writeln!(out, "  (keyboard) {label} — :contact / :location")?;
                for e in extra {
                    writeln!(out, "  (keyboard) {e}")?;
                }
            }
            Keyboard::None | Keyboard::Remove | Keyboard::Markup(_) => {}
        }
    }
    Ok(presses)
}
