//! One-time setup codes: the operator's proof of authority over a workspace. `/setup_desk` and
//! `/setup_admin` hand a group every customer's tickets or the operators' notices, so being an
//! administrator of *that* group proves nothing (anyone can add a public bot to a group of their
//! own). The command needs either an admin staff member of the workspace or a code made by the
//! operator (`teledesk desks setup-code`, `POST /api/v1/desks/setup-codes`): single-use, valid
//! for 15 minutes, bound to a workspace, a purpose and optionally one bot, and stored only as its
//! SHA-256 (`SETUP#<hash>` / `SETUP`), so a table dump reveals no usable code.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use teledesk_ports::table::{self, Condition, EXPIRES_AT, Item, PK, SK, TableError};

use crate::ctx::{Ctx, Res};
use crate::i18n::text;
use crate::msg::Msg;
use crate::{Deps, keys, staff};

/// How long a code stays valid.
pub const TTL_SECS: i64 = 15 * 60;
/// Crockford's base32: no I, L, O or U, so a code read aloud or retyped survives.
pub const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A readable id derived from what it stands for (`LEAD-7KQ2M9XA4B`): `prefix`, `-`, and 10
/// characters of base32 (50 bits) of the SHA-256 of `seed`. The same seed gives the same id, so a
/// re-run writes the same record.
pub fn derived_id(prefix: &str, seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    let mut x = u64::from_be_bytes(d[..8].try_into().unwrap_or_default());
    let mut s = format!("{prefix}-");
    for _ in 0..10 {
        s.push(ALPHABET[(x % 32) as usize] as char);
        x /= 32;
    }
    s
}
/// 16 characters of base32: 80 random bits.
const CODE_CHARS: usize = 16;

/// What a code may set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Purpose {
    /// `/setup_desk`: a group becomes a bot's support desk.
    Desk,
    /// `/setup_admin`: a group becomes the workspace's admin chat.
    AdminChat,
}

impl Purpose {
    pub fn as_str(self) -> &'static str {
        match self {
            Purpose::Desk => "desk",
            Purpose::AdminChat => "admin_chat",
        }
    }

    pub fn parse(s: &str) -> Option<Purpose> {
        match s.replace('-', "_").as_str() {
            "desk" => Some(Purpose::Desk),
            "admin_chat" => Some(Purpose::AdminChat),
            _ => None,
        }
    }

    /// The command the code is typed after.
    pub fn command(self) -> &'static str {
        match self {
            Purpose::Desk => "/setup_desk",
            Purpose::AdminChat => "/setup_admin",
        }
    }
}

/// A code just made; `code` is shown once and never stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issued {
    pub code: String,
    pub purpose: Purpose,
    pub workspace: String,
    pub bot_id: Option<String>,
    pub expires_at: i64,
}

/// Why a code was not accepted. The group hears one sentence for all of them, so a guesser
/// learns nothing; the log line says which.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Unknown, used already, or expired (expired items read as absent).
    NotValid,
    /// Made for the other command.
    OtherPurpose,
    /// Made for another workspace or another bot.
    OtherScope,
}

/// The canonical form of a typed code: upper case, without spaces and dashes, with the letters
/// Crockford's base32 reads as digits (O → 0, I and L → 1).
pub fn normalize(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect()
}

fn hash(normalized: &str) -> String {
    hex::encode(Sha256::digest(normalized.as_bytes()))
}

fn new_code() -> String {
    let bytes: [u8; CODE_CHARS] = rand::random();
    let chars: Vec<char> = bytes
        .iter()
        .map(|b| ALPHABET[(*b & 31) as usize] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// Makes a code for `purpose` in `workspace` (for one bot when `bot_id` is given).
pub async fn issue(
    deps: &Deps,
    workspace: &str,
    purpose: Purpose,
    bot_id: Option<&str>,
    created_by: &str,
) -> Result<Issued, TableError> {
    let code = new_code();
    let now = teledesk_ports::now_secs();
    let expires_at = now + TTL_SECS;
    let mut item = Item::new();
    item.insert(
        PK.into(),
        json!(keys::setup_code_pk(&hash(&normalize(&code)))),
    );
    item.insert(SK.into(), json!(keys::SETUP_CODE_SK));
    item.insert("workspace".into(), json!(workspace));
    item.insert("purpose".into(), json!(purpose.as_str()));
    item.insert("bot_id".into(), json!(bot_id));
    item.insert("created_by".into(), json!(created_by));
    item.insert("created_at".into(), json!(now));
    item.insert(EXPIRES_AT.into(), json!(expires_at));
    deps.table.put(item, Condition::Absent).await?;
    Ok(Issued {
        code,
        purpose,
        workspace: workspace.to_owned(),
        bot_id: bot_id.map(str::to_owned),
        expires_at,
    })
}

/// Uses a code up: it must exist, be unexpired, and be for `purpose`, `workspace` and `bot_id`.
/// The code is deleted on the condition that it still exists, so of two groups racing with one
/// code exactly one wins. A code for another purpose or scope is left as it was.
pub async fn redeem(
    deps: &Deps,
    typed: &str,
    purpose: Purpose,
    workspace: &str,
    bot_id: &str,
) -> Result<Result<(), Refused>, TableError> {
    let normalized = normalize(typed);
    if normalized.len() != CODE_CHARS {
        return Ok(Err(Refused::NotValid));
    }
    let pk = keys::setup_code_pk(&hash(&normalized));
    let Some(item) = deps.table.get(&pk, keys::SETUP_CODE_SK).await? else {
        return Ok(Err(Refused::NotValid));
    };
    if table::str_attr(&item, "purpose") != Some(purpose.as_str()) {
        return Ok(Err(Refused::OtherPurpose));
    }
    let bot_ok = match item.get("bot_id") {
        Some(Value::String(b)) => b == bot_id,
        _ => true,
    };
    if table::str_attr(&item, "workspace") != Some(workspace) || !bot_ok {
        return Ok(Err(Refused::OtherScope));
    }
    match deps
        .table
        .delete(&pk, keys::SETUP_CODE_SK, Condition::Exists)
        .await
    {
        Ok(()) => Ok(Ok(())),
        Err(TableError::ConditionFailed) => Ok(Err(Refused::NotValid)),
        Err(e) => Err(e),
    }
}

/// How the sender proved authority over the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Authority {
    Code,
    StaffAdmin,
}

/// Whether the sender of `m` may use `purpose`'s command for the bot's workspace: with `typed`
/// (the command's argument) a setup code, without one an admin staff member. `Err` carries the
/// reply. A code is used up once per update (the journal keeps the answer), so Telegram
/// re-sending the command neither fails on the spent code nor spends another.
pub async fn authorize(
    ctx: &Ctx<'_>,
    m: &Msg<'_>,
    purpose: Purpose,
    typed: &str,
) -> Res<Result<Authority, String>> {
    let typed = typed.trim();
    if typed.is_empty() {
        if staff::is_admin(ctx.deps, ctx.workspace(), m.from_id()).await? {
            return Ok(Ok(Authority::StaffAdmin));
        }
        let key = match purpose {
            Purpose::Desk => "setup-needs-proof-desk",
            Purpose::AdminChat => "setup-needs-proof-admin-chat",
        };
        return Ok(Err(text(
            ctx,
            key,
            &[("command", purpose.command().into())],
        )));
    }
    let step = format!("setup-code#{}#{}", purpose.as_str(), m.chat_id());
    let answer = ctx
        .remember(&step, || async {
            let r = redeem(ctx.deps, typed, purpose, ctx.workspace(), ctx.bot_id()).await?;
            if let Err(why) = r {
                tracing::info!(chat_id = m.chat_id(), reason = ?why, purpose = purpose.as_str(), "setup code refused");
            }
            Ok(json!({"ok": r.is_ok(), "other_purpose": r == Err(Refused::OtherPurpose)}))
        })
        .await?;
    if answer["ok"] == true {
        return Ok(Ok(Authority::Code));
    }
    let other = match purpose {
        Purpose::Desk => Purpose::AdminChat,
        Purpose::AdminChat => Purpose::Desk,
    };
    Ok(Err(if answer["other_purpose"] == true {
        text(
            ctx,
            "setup-code-other-purpose",
            &[
                ("other", other.command().into()),
                ("command", purpose.command().into()),
            ],
        )
    } else {
        text(ctx, "setup-code-invalid", &[])
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_grouped_base32_and_survive_retyping() {
        let c = new_code();
        assert_eq!(c.len(), CODE_CHARS + 3, "{c}");
        assert_eq!(normalize(&c).len(), CODE_CHARS);
        assert!(normalize(&c).bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(new_code(), new_code());
        assert_eq!(normalize(" abcd-efgh ijkl-mnop "), "ABCDEFGH1JK1MN0P");
        assert_eq!(
            hash(&normalize("7kq2-m9xd-4hrt-pz3w")),
            hash(&normalize("7KQ2M9XD4HRTPZ3W"))
        );
    }

    #[test]
    fn purposes() {
        assert_eq!(Purpose::parse("admin-chat"), Some(Purpose::AdminChat));
        assert_eq!(Purpose::parse("desk"), Some(Purpose::Desk));
        assert_eq!(Purpose::parse("other"), None);
    }
}
