//! Read access to a Telegram `Message` as received (raw JSON), and what the desk keeps of it.

use serde_json::{Map, Value, json};

/// The media kinds kept as attachments, in the order they are looked for.
pub const MEDIA_KINDS: &[&str] = &[
    "photo",
    "document",
    "video",
    "voice",
    "audio",
    "animation",
    "video_note",
];

/// Service messages that are the group's housekeeping (topic events, pins): stored, never relayed.
pub const HOUSEKEEPING: &[&str] = &[
    "forum_topic_created",
    "forum_topic_edited",
    "forum_topic_closed",
    "forum_topic_reopened",
    "general_forum_topic_hidden",
    "general_forum_topic_unhidden",
    "pinned_message",
    "new_chat_members",
    "left_chat_member",
    "new_chat_title",
    "new_chat_photo",
    "delete_chat_photo",
    "message_auto_delete_timer_changed",
];

/// Message kinds copyMessage cannot copy or that make no sense copied: summarised as text instead.
const NOT_COPYABLE: &[&str] = &[
    "invoice",
    "successful_payment",
    "giveaway",
    "giveaway_winners",
];

#[derive(Clone, Copy)]
pub struct Msg<'a>(pub &'a Value);

impl<'a> Msg<'a> {
    pub fn chat_id(&self) -> i64 {
        self.0["chat"]["id"].as_i64().unwrap_or_default()
    }
    pub fn chat_type(&self) -> &'a str {
        self.0["chat"]["type"].as_str().unwrap_or_default()
    }
    pub fn chat_title(&self) -> &'a str {
        self.0["chat"]["title"].as_str().unwrap_or("this group")
    }
    pub fn is_private(&self) -> bool {
        self.chat_type() == "private"
    }
    pub fn message_id(&self) -> i32 {
        self.0["message_id"].as_i64().unwrap_or_default() as i32
    }
    pub fn date(&self) -> i64 {
        self.0["date"].as_i64().unwrap_or_default()
    }
    /// The forum topic the message is in; `None` in General, in private chats and for reply
    /// threads of non-forum groups (`is_topic_message` tells them apart).
    pub fn thread(&self) -> Option<i32> {
        if self.0["is_topic_message"] == true {
            self.0["message_thread_id"].as_i64().map(|t| t as i32)
        } else {
            None
        }
    }
    pub fn from_id(&self) -> i64 {
        self.0["from"]["id"].as_i64().unwrap_or_default()
    }
    /// An anonymous group admin: Telegram sends `from` = GroupAnonymousBot and `sender_chat` = the
    /// group itself.
    pub fn is_anonymous_admin(&self) -> bool {
        self.0["sender_chat"]["id"].as_i64() == Some(self.chat_id()) && self.chat_id() < 0
    }
    pub fn from_is_bot(&self) -> bool {
        self.0["from"]["is_bot"] == true
    }
    pub fn from_first_name(&self) -> &'a str {
        self.0["from"]["first_name"].as_str().unwrap_or("there")
    }
    /// The sender's Telegram interface language (`ru`, `uk`, `en-GB`…), when Telegram says.
    pub fn from_language_code(&self) -> Option<&'a str> {
        self.0["from"]["language_code"].as_str()
    }
    pub fn from_username(&self) -> Option<&'a str> {
        self.0["from"]["username"].as_str()
    }
    /// "First Last" of the sender.
    pub fn from_name(&self) -> String {
        display_name(&self.0["from"])
    }
    pub fn text(&self) -> Option<&'a str> {
        self.0["text"].as_str()
    }
    pub fn caption(&self) -> Option<&'a str> {
        self.0["caption"].as_str()
    }
    pub fn migrate_to_chat_id(&self) -> Option<i64> {
        self.0["migrate_to_chat_id"].as_i64()
    }
    pub fn media_group_id(&self) -> Option<&'a str> {
        self.0["media_group_id"].as_str()
    }
    /// The message replied to, unless that is only the topic's creation message (every topic
    /// message "replies" to it).
    pub fn reply_to(&self) -> Option<i32> {
        let r = self.0["reply_to_message"]["message_id"].as_i64()? as i32;
        let in_topic_root = self.0["is_topic_message"] == true
            && self.0["message_thread_id"].as_i64() == Some(r as i64);
        (!in_topic_root).then_some(r)
    }

    /// The attachment: kind and the file to fetch (the largest photo size).
    pub fn media(&self) -> Option<(&'static str, &'a Value)> {
        MEDIA_KINDS.iter().find_map(|k| {
            let v = self.0.get(*k)?;
            match v.as_array() {
                Some(sizes) => sizes
                    .iter()
                    .max_by_key(|s| {
                        s["file_size"].as_u64().unwrap_or(
                            s["width"].as_u64().unwrap_or(0) * s["height"].as_u64().unwrap_or(0),
                        )
                    })
                    .map(|s| (*k, s)),
                None => Some((*k, v)),
            }
        })
    }

    /// A Telegram-made thumbnail of the attachment: the smallest photo size, or the media's
    /// `thumbnail`.
    pub fn thumbnail(&self) -> Option<&'a Value> {
        let (kind, file) = self.media()?;
        if kind == "photo" {
            let sizes = self.0["photo"].as_array()?;
            (sizes.len() > 1)
                .then(|| {
                    sizes
                        .iter()
                        .min_by_key(|s| s["width"].as_u64().unwrap_or(0))
                })
                .flatten()
        } else {
            file.get("thumbnail")
        }
    }

    /// Can the caption of a copy carry an attribution line?
    pub fn takes_caption(&self) -> bool {
        matches!(
            self.media().map(|m| m.0),
            Some("photo" | "document" | "video" | "voice" | "audio" | "animation")
        )
    }

    pub fn is_housekeeping(&self) -> bool {
        HOUSEKEEPING.iter().any(|k| self.0.get(*k).is_some())
    }

    /// A message copyMessage refuses or that is not content (service messages, invoices, quizzes):
    /// it is relayed as a short text summary instead.
    pub fn summary_only(&self) -> Option<Summary> {
        if self.0["poll"]["type"] == "quiz" {
            let q = self.0["poll"]["question"].as_str().unwrap_or_default();
            return Some(Summary::Quiz(q.to_owned()));
        }
        for k in NOT_COPYABLE {
            if self.0.get(*k).is_some() {
                return Some(Summary::NotCopyable(k));
            }
        }
        let content = self.text().is_some()
            || self.media().is_some()
            || [
                "sticker",
                "poll",
                "location",
                "venue",
                "contact",
                "dice",
                "story",
                "game",
                "checklist",
                "paid_media",
            ]
            .iter()
            .any(|k| self.0.get(*k).is_some());
        (!content).then_some(Summary::Service)
    }

    /// What the desk stores of the message (no file bytes: those come with the attachment job).
    pub fn to_stored(&self) -> Map<String, Value> {
        let mut m = Map::new();
        m.insert("message_id".into(), json!(self.message_id()));
        m.insert("chat_id".into(), json!(self.chat_id()));
        m.insert("thread_id".into(), json!(self.thread()));
        m.insert("date".into(), json!(self.date()));
        m.insert(
            "from".into(),
            json!({"id": self.from_id(), "username": self.from_username(), "name": self.from_name(),
                   "is_bot": self.from_is_bot()}),
        );
        for k in [
            "text",
            "entities",
            "caption",
            "caption_entities",
            "forward_origin",
            "media_group_id",
            "edit_date",
        ] {
            if let Some(v) = self.0.get(k) {
                m.insert(k.into(), v.clone());
            }
        }
        m.insert("reply_to".into(), json!(self.reply_to()));
        if let Some((kind, file)) = self.media() {
            m.insert("media".into(), media_meta(kind, file));
        }
        m
    }
}

/// What a message that is described rather than copied is ([`Msg::summary_only`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Summary {
    /// A quiz (its question): copying would reveal the answer.
    Quiz(String),
    /// A kind Telegram cannot copy (invoices, …).
    NotCopyable(&'static str),
    /// A service message (joined, pinned, …).
    Service,
}

/// Attachment metadata: kind, file ids, size, type, name, dimensions, duration.
pub fn media_meta(kind: &str, file: &Value) -> Value {
    let mut meta = json!({"kind": kind});
    for k in [
        "file_id",
        "file_unique_id",
        "file_size",
        "mime_type",
        "file_name",
        "width",
        "height",
        "duration",
        "length",
    ] {
        if let Some(v) = file.get(k) {
            meta[k] = v.clone();
        }
    }
    if kind == "photo" && meta.get("mime_type").is_none() {
        meta["mime_type"] = json!("image/jpeg");
    }
    meta
}

/// "First Last" of a Telegram `User`.
pub fn display_name(user: &Value) -> String {
    let first = user["first_name"].as_str().unwrap_or_default();
    match user["last_name"].as_str() {
        Some(last) if !last.is_empty() => format!("{first} {last}"),
        _ => first.to_owned(),
    }
}

/// The length of a string in UTF-16 code units (Telegram's entity offsets).
pub fn utf16_len(s: &str) -> i64 {
    s.encode_utf16().count() as i64
}

/// Prepends `prefix` to a text formatted by `entities`: the entities are shifted, and `bold`
/// entities cover the prefix's first `bold_len` UTF-16 units. Returns the new text and entities.
pub fn prefixed(
    prefix: &str,
    bold_units: i64,
    text: &str,
    entities: Option<&Value>,
) -> (String, Value) {
    let shift = utf16_len(prefix);
    let mut out = Vec::new();
    if bold_units > 0 {
        out.push(json!({"type": "bold", "offset": 0, "length": bold_units}));
    }
    for e in entities.and_then(Value::as_array).into_iter().flatten() {
        let mut e = e.clone();
        if let Some(o) = e["offset"].as_i64() {
            e["offset"] = json!(o + shift);
        }
        out.push(e);
    }
    (format!("{prefix}{text}"), Value::Array(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topic_root_is_not_a_reply() {
        let m = json!({"message_id": 10, "is_topic_message": true, "message_thread_id": 5,
                       "reply_to_message": {"message_id": 5}});
        assert_eq!(Msg(&m).reply_to(), None);
        assert_eq!(Msg(&m).thread(), Some(5));
        let r = json!({"message_id": 10, "is_topic_message": true, "message_thread_id": 5,
                       "reply_to_message": {"message_id": 7}});
        assert_eq!(Msg(&r).reply_to(), Some(7));
        let general = json!({"message_id": 10, "message_thread_id": 5, "reply_to_message": {"message_id": 5}});
        assert_eq!(Msg(&general).thread(), None);
    }

    #[test]
    fn largest_photo_and_smallest_thumbnail() {
        let m = json!({"message_id": 1, "photo": [
            {"file_id": "s", "file_unique_id": "us", "width": 90, "height": 60, "file_size": 900},
            {"file_id": "l", "file_unique_id": "ul", "width": 1280, "height": 960, "file_size": 90000}]});
        assert_eq!(Msg(&m).media().unwrap().1["file_id"], "l");
        assert_eq!(Msg(&m).thumbnail().unwrap()["file_id"], "s");
    }

    #[test]
    fn entities_shift_by_utf16_units() {
        let (t, e) = prefixed(
            "Ann 🙂: ",
            6,
            "hi *x*",
            Some(&json!([{"type": "bold", "offset": 3, "length": 3}])),
        );
        assert_eq!(t, "Ann 🙂: hi *x*");
        assert_eq!(e[0], json!({"type": "bold", "offset": 0, "length": 6}));
        assert_eq!(e[1]["offset"], 11);
    }

    #[test]
    fn quizzes_and_service_messages_are_summarised() {
        let quiz = json!({"message_id": 1, "poll": {"type": "quiz", "question": "2+2?"}});
        assert_eq!(
            Msg(&quiz).summary_only(),
            Some(Summary::Quiz("2+2?".into()))
        );
        let service = json!({"message_id": 1, "new_chat_title": "x"});
        assert!(Msg(&service).summary_only().is_some());
        let text = json!({"message_id": 1, "text": "hi"});
        assert!(Msg(&text).summary_only().is_none());
    }
}
