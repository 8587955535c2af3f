//! Internal users (staff): Telegram user id, username, display name and the groups they work in.
//! Managed with `teledesk staff …` (and the REST API later). Staff-only commands check this list.

use serde::{Deserialize, Serialize};
use teledesk_ports::table::{Condition, Item, Query, SortKey};

use crate::ctx::{Fail, Res};
use crate::{Deps, keys};

/// What an internal user may do. Agents work tickets; admins may also set up the workspace's desk
/// and admin chat from Telegram (`/setup_desk`, `/setup_admin` without a setup code).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    #[default]
    Agent,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "agent" => Some(Role::Agent),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Agent => "agent",
            Role::Admin => "admin",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staff {
    pub workspace: String,
    pub user_id: i64,
    /// Without the `@`.
    pub username: Option<String>,
    pub name: String,
    /// Group chat ids the user works in; the first is where their `/mention` topics open.
    #[serde(default)]
    pub groups: Vec<i64>,
    #[serde(default)]
    pub role: Role,
    pub created_at: i64,
}

impl crate::record::Record for Staff {
    const KIND: &'static str = "staff";
    fn key(&self) -> (String, String) {
        (keys::staff_pk(&self.workspace), self.user_id.to_string())
    }
    fn gsi1(&self) -> Option<(String, String)> {
        let u = self.username.as_ref()?;
        Some((keys::staff_name_gsi(&self.workspace), u.to_lowercase()))
    }
}

impl Staff {
    fn to_item(&self) -> Item {
        crate::record::to_item(self)
    }

    /// `@username`, or the name.
    pub fn handle(&self) -> String {
        match &self.username {
            Some(u) => format!("@{u}"),
            None => self.name.clone(),
        }
    }
}

fn parse(item: Item) -> Option<Staff> {
    crate::record::from_item(item).ok()
}

/// A username as typed (`@Bob`, `bob`) → `bob`'s stored form (`Bob` keeps its case for display;
/// lookups ignore case).
pub fn clean_username(s: &str) -> Option<&str> {
    let u = s.trim().trim_start_matches('@');
    (u.len() >= 3 && u.len() <= 32 && u.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
        .then_some(u)
}

/// Adds or updates an internal user. A username already held by another user is refused.
pub async fn upsert(deps: &Deps, staff: &Staff) -> Res<()> {
    if let Some(u) = &staff.username {
        if clean_username(u) != Some(u.as_str()) {
            return Err(Fail::Poison(format!(
                "`{u}` is not a Telegram username (3-32 letters, digits or _)"
            )));
        }
        if let Some(other) = by_username(deps, &staff.workspace, u).await?
            && other.user_id != staff.user_id
        {
            return Err(Fail::Poison(format!(
                "@{u} already belongs to user {}",
                other.user_id
            )));
        }
    }
    Ok(deps.table.put(staff.to_item(), Condition::None).await?)
}

pub async fn get(deps: &Deps, workspace: &str, user_id: i64) -> Res<Option<Staff>> {
    let item = deps
        .table
        .get(&keys::staff_pk(workspace), &user_id.to_string())
        .await?;
    Ok(item.and_then(parse))
}

pub async fn is_staff(deps: &Deps, workspace: &str, user_id: i64) -> Res<bool> {
    Ok(get(deps, workspace, user_id).await?.is_some())
}

/// Whether the user is an internal user of the workspace with the admin role.
pub async fn is_admin(deps: &Deps, workspace: &str, user_id: i64) -> Res<bool> {
    Ok(get(deps, workspace, user_id)
        .await?
        .is_some_and(|s| s.role == Role::Admin))
}

/// Looks a username up (case-insensitive, `@` optional) among internal users only.
pub async fn by_username(deps: &Deps, workspace: &str, username: &str) -> Res<Option<Staff>> {
    let Some(u) = clean_username(username) else {
        return Ok(None);
    };
    let page = deps
        .table
        .query(
            &Query::gsi1(keys::staff_name_gsi(workspace))
                .sort(SortKey::Equals(u.to_lowercase()))
                .limit(1),
        )
        .await?;
    Ok(page.items.into_iter().next().and_then(parse))
}

/// One page of a workspace's internal users (at most `limit`, by user id) and the table cursor
/// of the next page: nothing reads a whole partition at once.
pub async fn page(
    deps: &Deps,
    workspace: &str,
    limit: usize,
    after: Option<String>,
) -> Res<(Vec<Staff>, Option<String>)> {
    let page = deps
        .table
        .query(
            &Query::partition(keys::staff_pk(workspace))
                .limit(limit.max(1))
                .after(after),
        )
        .await?;
    Ok((
        page.items.into_iter().filter_map(parse).collect(),
        page.cursor,
    ))
}

/// Removes an internal user; true when one was removed.
pub async fn remove(deps: &Deps, workspace: &str, user_id: i64) -> Res<bool> {
    match deps
        .table
        .delete(
            &keys::staff_pk(workspace),
            &user_id.to_string(),
            Condition::Exists,
        )
        .await
    {
        Ok(()) => Ok(true),
        Err(teledesk_ports::table::TableError::ConditionFailed) => Ok(false),
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn usernames() {
        assert_eq!(super::clean_username("@Bob_1"), Some("Bob_1"));
        assert_eq!(super::clean_username("ab"), None);
        assert_eq!(super::clean_username("a b c"), None);
    }
}
