//! Hostile and unexpected input through the real handler tree: random
//! callback data, huge texts with HTML-like content, emoji and right-to-left
//! script, unknown commands, stickers, photos, edited messages, channel
//! posts, the bot added to a group, and several people in one group. The
//! bot answers helpfully or stays silent, never panics (a panicking handler
//! fails the dispatch), and never changes an audit.

use churn_audit_bot::telegram::callback::CallbackData;
use serde_json::json;
use teloxide::types::{Message, Update, UpdateId, UpdateKind};
use teloxide_tests::{MockEditedMessage, MockMessagePhoto, MockMessageSticker, MockMessageText};

use crate::helpers::*;

const NOTICE_UNKNOWN: &str =
    "Не понимаю эту кнопку — ничего не изменено. Актуальный вопрос: /continue";
const ACK_STARTED: &str = "Аудит начат. Первый вопрос ниже.";

/// The group of the group tests.
const GROUP: i64 = -900;
/// A channel the bot is an admin of.
const CHANNEL: i64 = -100_123_456_789;
/// The mocked bot (teloxide_tests' `MockMe`).
const BOT_ID: u64 = 123_456;
const BOT_USERNAME: &str = "test_bot";

fn anna() -> Person {
    Person::new(2001, "Анна")
}

fn boris() -> Person {
    Person::new(2002, "Борис")
}

// ---------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------

/// A bot where Борис has an audit in progress (a bystander whose audit must
/// not change either) and, `with_audit`, Анна has one too: three questions
/// answered, the card on question 4. Анна talks to the bot as `anna`
/// (privately or in the group).
async fn setup(anna: &Person, with_audit: bool) -> Harness {
    let mut h = Harness::new().await;
    let boris = boris();
    h.start_audit(&boris).await;
    h.answer(&boris, Reply::Yes).await;
    h.answer(&boris, Reply::No(Prio::Low)).await;
    if with_audit {
        h.start_audit(anna).await;
        for reply in [Reply::Yes, Reply::No(Prio::High), Reply::Na(None)] {
            h.answer(anna, reply).await;
        }
        let card = h.card_text(anna);
        assert!(card.contains("Вопрос 4/39"), "{card}");
    }
    h
}

/// A message update; teloxide_tests gives it a fresh id.
fn message(m: Message) -> Update {
    Update {
        id: UpdateId(0),
        kind: UpdateKind::Message(m),
    }
}

fn text(who: &Person, text: &str) -> Message {
    MockMessageText::new()
        .text(text)
        .from(who.user.clone())
        .chat(who.chat.clone())
        .build()
}

/// 4096 characters of things that look like HTML, entities and script.
fn html_like_text() -> String {
    let unit = "<b>жирный</i> & <script>alert('x')</script> &amp; &lt;b&gt; \
                <a href=\"javascript:alert(1)\">ссылка</a> <tg-spoiler> </b></b> ";
    let mut s = String::new();
    while s.chars().count() + unit.chars().count() <= MAX_TEXT {
        s.push_str(unit);
    }
    while s.chars().count() < MAX_TEXT {
        s.push('<');
    }
    assert_eq!(s.chars().count(), MAX_TEXT);
    s
}

/// Family emoji (zero-width joiners) up to 4096 UTF-16 units.
fn emoji_text() -> String {
    let family = "👩‍👩‍👧‍👦";
    let mut s = String::new();
    while s.encode_utf16().count() + family.encode_utf16().count() <= MAX_TEXT {
        s.push_str(family);
    }
    while s.encode_utf16().count() + 2 <= MAX_TEXT {
        s.push('👍');
    }
    s
}

/// Arabic and Hebrew, with bidi controls and a right-to-left override.
fn rtl_text() -> String {
    "مرحبا، أريد إلغاء الاشتراك \u{200F}שלום, מה שלומך? \u{202E}>b/<txet desrever<b>\u{202C} \
     \u{2067}עברית\u{2069} ١٢٣ <i>"
        .repeat(20)
}

/// Everything a user may send in a chat that is not one of the bot's
/// commands, by name.
fn odd_messages(who: &Person) -> Vec<(String, Message)> {
    let mut out: Vec<(String, Message)> = [
        ("plain text", "а что дальше?".to_string()),
        ("4096 characters of HTML-like text", html_like_text()),
        ("4096 UTF-16 units of emoji", emoji_text()),
        ("right-to-left script", rtl_text()),
        (
            "zero-width characters only",
            "\u{200B}\u{200D}\u{FEFF}".to_string(),
        ),
        ("an unknown command", "/foo".to_string()),
        (
            "an unknown command with arguments",
            "/foo <b>bar</b> &".to_string(),
        ),
        ("a command of another bot", "/start@other_bot".to_string()),
        ("a slash alone", "/".to_string()),
        ("a command in capitals", "/HELP_ME".to_string()),
    ]
    .into_iter()
    .map(|(name, t)| (name.to_string(), text(who, &t)))
    .collect();
    out.push((
        "a sticker".into(),
        MockMessageSticker::new()
            .emoji("😡")
            .from(who.user.clone())
            .chat(who.chat.clone())
            .build(),
    ));
    out.push((
        "a photo with an HTML-like caption".into(),
        MockMessagePhoto::new()
            .caption("<b>смотрите</b> & <script>")
            .from(who.user.clone())
            .chat(who.chat.clone())
            .build(),
    ));
    out.push((
        "a photo without a caption".into(),
        MockMessagePhoto::new()
            .from(who.user.clone())
            .chat(who.chat.clone())
            .build(),
    ));
    out
}

// ---------------------------------------------------------------------------
// Private chat: the card again, or the hint
// ---------------------------------------------------------------------------

#[tokio::test]
async fn odd_messages_during_an_audit_bring_the_same_card_back_and_change_nothing() {
    let anna = anna();
    let mut h = setup(&anna, true).await;
    let state = h.audit_state().await;

    for (name, m) in odd_messages(&anna) {
        let old = h.card_id(&anna);
        let card = h.card_text(&anna);
        let card_buttons = h.card_buttons(&anna);

        h.send_update(message(m)).await;

        assert_eq!(
            h.sent_texts(),
            vec![card],
            "{name}: the same card, sent anew"
        );
        assert_ne!(h.card_id(&anna), old, "{name}");
        assert_eq!(h.card_buttons(&anna), card_buttons, "{name}");
        assert_eq!(
            h.stripped(),
            vec![old],
            "{name}: the old card keeps buttons"
        );
        assert!(h.edited_texts().is_empty(), "{name}");
        assert!(h.last.answered_callback_queries.is_empty(), "{name}");
        assert_eq!(h.audit_state().await, state, "{name}");
    }

    // The card sent last works.
    assert_eq!(h.tap(&anna, YES).await, "Записано: Да");
    assert!(h.card_text(&anna).contains("Вопрос 5/39"));
}

#[tokio::test]
async fn odd_messages_without_an_audit_get_the_hint_with_start_and_change_nothing() {
    let anna = anna();
    let mut h = setup(&anna, false).await;
    let state = h.audit_state().await;

    for (name, m) in odd_messages(&anna) {
        h.send_update(message(m)).await;

        let sent = h.sent_texts();
        assert_eq!(sent.len(), 1, "{name}: {sent:?}");
        assert!(sent[0].contains("/start"), "{name}: {}", sent[0]);
        assert!(
            h.last.sent_messages[0].reply_markup().is_none(),
            "{name}: the hint has no buttons"
        );
        assert!(
            h.edited_texts().is_empty() && h.stripped().is_empty(),
            "{name}"
        );
        assert!(h.last.answered_callback_queries.is_empty(), "{name}");
        assert_eq!(h.audit_state().await, state, "{name}");
    }
    assert!(h.audits().await.iter().all(|a| a.user_id != anna.id()));
}

#[tokio::test]
async fn commands_addressed_to_this_bot_by_name_work_and_to_another_bot_do_not() {
    let anna = anna();
    let mut h = setup(&anna, true).await;
    let state = h.audit_state().await;

    h.send_text(&anna, &format!("/progress@{BOT_USERNAME}"))
        .await;
    let text = h.last_sent_text();
    assert!(text.contains("Прогресс: 3 из 39"), "{text}");

    h.send_text(&anna, "/progress@other_bot").await;
    let sent = h.sent_texts();
    assert_eq!(sent.len(), 1);
    assert!(!sent[0].contains("Прогресс"), "{}", sent[0]);
    assert!(
        sent[0].contains("Вопрос 4/39"),
        "the card again: {}",
        sent[0]
    );
    assert_eq!(h.audit_state().await, state);
}

#[tokio::test]
async fn start_with_a_deep_link_payload_or_the_bot_name_in_capitals_greets() {
    let anna = anna();
    let mut h = setup(&anna, false).await;
    let state = h.audit_state().await;

    for command in [
        "/start ref_123",
        "/start@TEST_BOT",
        "/start <b>&amp;</b> 👩‍👩‍👧‍👦",
    ] {
        h.send_text(&anna, command).await;

        let text = h.last_sent_text();
        assert!(text.contains("Здравствуйте, Анна!"), "{command}: {text}");
        assert_eq!(
            h.card_labels(&anna),
            vec![vec![START.to_string()]],
            "{command}"
        );
        assert_eq!(h.audit_state().await, state, "{command}");
    }
}

// ---------------------------------------------------------------------------
// Silence: edited messages, channel posts, chat member updates, groups
// ---------------------------------------------------------------------------

/// An `edited_channel_post` or `channel_post` update in [`CHANNEL`].
fn channel_post(kind: &str, text: &str) -> Update {
    let chat = json!({"id": CHANNEL, "type": "channel", "title": "Новости"});
    let mut post = json!({
        "message_id": 77,
        "date": 1_700_000_000,
        "chat": chat,
        "sender_chat": chat,
        "text": text,
    });
    if kind == "edited_channel_post" {
        post["edit_date"] = json!(1_700_000_100);
    }
    update_from_json(json!({"update_id": 1, kind: post}))
}

#[tokio::test]
async fn edited_messages_and_channel_posts_get_silence_and_change_nothing() {
    for with_audit in [true, false] {
        let anna = anna();
        let mut h = setup(&anna, with_audit).await;
        let state = h.audit_state().await;
        let snapshot = h.snapshot().await;
        let in_group = anna.in_group(GROUP);

        let mut updates: Vec<(String, Update)> = Vec::new();
        for who in [&anna, &in_group] {
            for t in ["/start", "/restart", "/continue", "исправил опечатку"] {
                let edited = MockMessageText::new()
                    .text(t)
                    .from(who.user.clone())
                    .chat(who.chat.clone())
                    .build();
                let kind =
                    UpdateKind::EditedMessage(MockEditedMessage::new(edited).message().clone());
                updates.push((
                    format!("edited {t:?} in chat {}", who.chat_id()),
                    Update {
                        id: UpdateId(0),
                        kind,
                    },
                ));
            }
        }
        for kind in ["channel_post", "edited_channel_post"] {
            for t in ["/start", "/help", "<b>пост</b> & 👩‍👩‍👧‍👦 שלום"] {
                updates.push((format!("{kind} {t:?}"), channel_post(kind, t)));
            }
        }

        for (name, update) in updates {
            h.send_update(update).await;

            assert!(h.silent(), "{name} (audit: {with_audit}): {:?}", h.last);
            assert_eq!(h.snapshot().await, snapshot, "{name} (audit: {with_audit})");
        }
        assert_eq!(h.audit_state().await, state);
    }
}

/// A `my_chat_member` update: the bot's status in `chat` changed from `old`
/// to `new`, by `by`.
fn my_chat_member(chat: serde_json::Value, by: &Person, old: &str, new: &str) -> Update {
    let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": "Test", "username": BOT_USERNAME});
    let member = |status: &str| {
        let mut m = json!({"user": bot, "status": status});
        match status {
            "kicked" => m["until_date"] = json!(0),
            "administrator" => {
                for right in [
                    "can_be_edited",
                    "is_anonymous",
                    "can_manage_chat",
                    "can_delete_messages",
                    "can_manage_video_chats",
                    "can_restrict_members",
                    "can_promote_members",
                    "can_change_info",
                    "can_invite_users",
                    "can_post_stories",
                    "can_edit_stories",
                    "can_delete_stories",
                ] {
                    m[right] = json!(false);
                }
            }
            _ => {}
        }
        m
    };
    update_from_json(json!({
        "update_id": 1,
        "my_chat_member": {
            "chat": chat,
            "from": {"id": by.id(), "is_bot": false, "first_name": by.user.first_name},
            "date": 1_700_000_000,
            "old_chat_member": member(old),
            "new_chat_member": member(new),
        }
    }))
}

#[tokio::test]
async fn the_bot_added_to_a_group_promoted_removed_or_blocked_stays_silent() {
    for with_audit in [true, false] {
        let anna = anna();
        let mut h = setup(&anna, with_audit).await;
        let snapshot = h.snapshot().await;
        let group = json!({"id": GROUP, "type": "group", "title": "Команда <b>&</b>"});
        let supergroup = json!({"id": -100_900, "type": "supergroup", "title": "Чат"});
        let private = json!({"id": anna.chat_id(), "type": "private", "first_name": "Анна"});

        let mut updates = vec![
            (
                "added to a group",
                my_chat_member(group.clone(), &anna, "left", "member"),
            ),
            (
                "promoted in a supergroup",
                my_chat_member(supergroup.clone(), &anna, "member", "administrator"),
            ),
            (
                "removed from a supergroup",
                my_chat_member(supergroup, &anna, "member", "left"),
            ),
            (
                "blocked by the user",
                my_chat_member(private.clone(), &anna, "member", "kicked"),
            ),
            (
                "unblocked by the user",
                my_chat_member(private, &anna, "kicked", "member"),
            ),
        ];
        // The service message Telegram posts in the group when the bot joins.
        updates.push((
            "the «joined» service message",
            update_from_json(json!({
                "update_id": 1,
                "message": {
                    "message_id": 5,
                    "date": 1_700_000_000,
                    "chat": group,
                    "from": {"id": anna.id(), "is_bot": false, "first_name": "Анна"},
                    "new_chat_members": [
                        {"id": BOT_ID, "is_bot": true, "first_name": "Test", "username": BOT_USERNAME}
                    ],
                }
            })),
        ));

        for (name, update) in updates {
            h.send_update(update).await;

            assert!(h.silent(), "{name} (audit: {with_audit}): {:?}", h.last);
            assert_eq!(h.snapshot().await, snapshot, "{name} (audit: {with_audit})");
        }
    }
}

#[tokio::test]
async fn odd_messages_in_a_group_get_silence_and_change_nothing() {
    for with_audit in [true, false] {
        // With an audit, Анна's audit and card live in the group.
        let anna = anna().in_group(GROUP);
        let mut h = setup(&anna, with_audit).await;
        let snapshot = h.snapshot().await;

        let mut messages = odd_messages(&anna);
        messages.extend(odd_messages(&boris().in_group(GROUP)));
        // A message of an anonymous admin: no user, only the group.
        let mut anonymous = text(&anna, "пишу от имени группы");
        anonymous.from = None;
        anonymous.sender_chat = Some(anna.chat.clone());
        messages.push(("an anonymous admin".into(), anonymous));

        for (name, m) in messages {
            h.send_update(message(m)).await;

            assert!(h.silent(), "{name} (audit: {with_audit}): {:?}", h.last);
            assert_eq!(h.snapshot().await, snapshot, "{name} (audit: {with_audit})");
        }
    }
}

// ---------------------------------------------------------------------------
// Random callback data
// ---------------------------------------------------------------------------

/// Marsaglia's xorshift64: a fixed seed gives the same cases every run.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Callback data of 1..=64 bytes: even cases random ASCII (control characters
/// included), odd cases valid UTF-8 from many scripts (1- to 4-byte
/// characters, joiners, bidi controls).
fn random_callback_data(count: usize) -> Vec<String> {
    // (first code point, how many)
    const POOLS: [(u32, u32); 10] = [
        (0x20, 0x5F),      // printable ASCII, ':' and digits among them
        (0x410, 0x40),     // Cyrillic
        (0x5D0, 0x1B),     // Hebrew
        (0x627, 0x24),     // Arabic
        (0x300, 0x70),     // combining marks
        (0x2000, 0x70),    // spaces, joiners, bidi controls
        (0x4E00, 0x5000),  // CJK
        (0xFE00, 0x100),   // variation selectors, BOM, specials
        (0x1F300, 0x300),  // emoji
        (0x10_0000, 0x10), // private use, plane 16
    ];
    let mut rng = XorShift(0x2545_f491_4f6c_dd1d);
    (0..count)
        .map(|case| {
            // Every length from 1 to 64, for both kinds.
            let len = 1 + (case / 2) % MAX_CALLBACK_DATA;
            let mut s = String::with_capacity(len);
            while s.len() < len {
                let ascii = char::from(rng.below(128) as u8);
                let c = if case % 2 == 0 {
                    ascii
                } else {
                    let (first, n) = POOLS[rng.below(POOLS.len() as u64) as usize];
                    char::from_u32(first + rng.below(n.into()) as u32).expect("a scalar value")
                };
                s.push(if c.len_utf8() <= len - s.len() {
                    c
                } else {
                    ascii
                });
            }
            assert_eq!(s.len(), len);
            s
        })
        .collect()
}

#[tokio::test]
async fn random_callback_data_is_answered_with_a_notice_and_changes_nothing() {
    let cases = random_callback_data(200);
    assert!(cases.iter().any(|d| d.len() == 64) && cases.iter().any(|d| d.len() == 1));
    assert!(cases.iter().any(|d| d.chars().any(|c| c.len_utf8() == 4)));
    for data in &cases {
        assert!(
            CallbackData::parse(data).is_err(),
            "{data:?} is valid callback data: not a garbage case"
        );
    }

    for with_audit in [true, false] {
        let anna = anna();
        let mut h = setup(&anna, with_audit).await;
        if !with_audit {
            // Something of the bot's to press on: the greeting.
            h.send_text(&anna, "/start").await;
        }
        let message = h.card_id(&anna);
        let snapshot = h.snapshot().await;

        for batch in cases.chunks(20) {
            let notices = h.press_many(&anna, message, batch).await;

            for (data, notice) in batch.iter().zip(&notices) {
                assert_eq!(notice, NOTICE_UNKNOWN, "{data:?} (audit: {with_audit})");
            }
            assert!(h.nothing_shown(), "{batch:?} (audit: {with_audit})");
            assert_eq!(
                h.snapshot().await,
                snapshot,
                "{batch:?} (audit: {with_audit})"
            );
        }

        // The pressed message still works.
        let label = if with_audit { YES } else { START };
        let notice = h.tap(&anna, label).await;
        assert!(
            notice == "Записано: Да" || notice == ACK_STARTED,
            "{notice}"
        );
    }
}

/// Well-formed callback data nobody's button carries: other people's
/// audits and users, audits and checklists that don't exist, numbers at
/// and past `i64::MAX`.
#[tokio::test]
async fn forged_callback_data_for_someone_else_or_nothing_is_refused_and_changes_nothing() {
    const NOTICE_NOT_YOURS: &str = "Это не ваш аудит. Свой можно начать командой /start";
    for with_audit in [true, false] {
        let anna = anna();
        let boris = boris();
        let mut h = setup(&anna, with_audit).await;
        let theirs = h.audit_of(&boris).await;
        if !with_audit {
            h.send_text(&anna, "/start").await;
        }
        let message = h.card_id(&anna);
        let snapshot = h.snapshot().await;
        let (b, id, rev) = (boris.id(), theirs.id, theirs.revision);

        let not_yours: Vec<String> = vec![
            format!("s:{id}:{rev}:y"),
            format!("s:{id}:{rev}:h"),
            format!("s:{id}:{rev}:b"),
            format!("s:{id}:{rev}:f"),
            format!("rst:{id}"),
            format!("new:churn_audit:{b}"),
            format!("cont:{b}"),
            format!("ask:{b}"),
            format!("del:{b}"),
            format!("keep:{b}"),
        ];
        let nothing_there: Vec<String> = vec![
            format!("s:{}:0:y", id + 1000),
            format!("s:{}:{}:y", i64::MAX, i64::MAX),
            "s:99999999999999999999:0:y".to_string(),
            "s:-1:0:y".to_string(),
            format!("s:{id}:{rev}:y:extra"),
            format!("new:no_such_checklist:{}", anna.id()),
            format!("rst:{}", i64::MAX),
        ];

        for data in not_yours.iter().chain(&nothing_there) {
            let notice = h.press_on(&anna, message, Some(data)).await;

            if not_yours.contains(data) {
                assert_eq!(notice, NOTICE_NOT_YOURS, "{data} (audit: {with_audit})");
            } else {
                assert!(!notice.is_empty(), "{data} (audit: {with_audit})");
            }
            assert!(h.nothing_shown(), "{data} (audit: {with_audit})");
            assert_eq!(h.snapshot().await, snapshot, "{data} (audit: {with_audit})");
        }
    }
}

// ---------------------------------------------------------------------------
// Several people in one group
// ---------------------------------------------------------------------------

#[tokio::test]
async fn in_a_group_boris_start_starts_his_own_audit_and_annas_is_untouched() {
    let mut h = Harness::new().await;
    let anna = anna().in_group(GROUP);
    let boris = boris().in_group(GROUP);
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.answer(&anna, Reply::No(Prio::Medium)).await;
    let anna_card = h.card_id(&anna);
    let anna_yes = buttons(h.message(anna_card).reply_markup())
        .into_iter()
        .flatten()
        .find(|b| b.label == YES)
        .expect("a «Да» on Анна's card")
        .data;
    let anna_before = h.audit_of(&anna).await;
    let anna_answers = h.answers(anna_before.id).await;
    assert_eq!(anna_before.card_message_id, Some(anna_card.into()));

    h.send_text(&boris, &format!("/start@{BOT_USERNAME}")).await;

    let greeting = h.last_sent_text();
    assert!(greeting.contains("Здравствуйте, Борис!"), "{greeting}");
    assert_eq!(h.card_labels(&boris), vec![vec![START.to_string()]]);
    assert!(h.stripped().is_empty(), "Анна's card lost its buttons");
    assert_eq!(h.audit_of(&anna).await, anna_before);

    let notice = h.tap(&boris, START).await;

    assert_eq!(notice, ACK_STARTED);
    let boris_card = h.card_id(&boris);
    assert_ne!(boris_card, anna_card);
    assert!(h.card_text(&boris).contains("Вопрос 1/39"));
    assert!(
        !h.stripped().contains(&anna_card),
        "Анна's card lost its buttons"
    );
    let audits = h.audits().await;
    assert_eq!(audits.len(), 2, "{audits:?}");
    assert!(
        audits.iter().all(|a| a.status == "in_progress"),
        "{audits:?}"
    );
    let boris_row = h.audit_of(&boris).await;
    assert_eq!(boris_row.card_message_id, Some(boris_card.into()));
    assert_eq!(h.audit_of(&anna).await, anna_before);
    assert_eq!(h.answers(anna_before.id).await, anna_answers);

    // Each answers on their own card; neither touches the other's audit.
    assert_eq!(h.tap(&boris, NO).await, "Записано: Нет");
    assert_eq!(h.tap(&boris, HIGH).await, "Записано: Нет · Высокий");
    assert_eq!(h.audit_of(&anna).await, anna_before);
    assert_eq!(h.answers(anna_before.id).await, anna_answers);
    let boris_row = h.audit_of(&boris).await;

    let notice = h.press_on(&anna, anna_card, Some(&anna_yes)).await;

    assert_eq!(notice, "Записано: Да");
    assert_eq!(h.edited_texts().len(), 1);
    assert_eq!(
        h.edited_texts()[0].0,
        anna_card,
        "Анна's card, edited in place"
    );
    assert!(h.edited_texts()[0].1.contains("Вопрос 4/39"));
    assert_eq!(h.answers(anna_before.id).await.len(), 3);
    assert_eq!(h.audit_of(&boris).await, boris_row);
    let boris_answers = h.answers(boris_row.id).await;
    assert_eq!(boris_answers.len(), 1);
    assert_eq!(boris_answers[0].priority.as_deref(), Some("high"));

    // Борис's /start now offers to continue his audit, not Анна's.
    h.send_text(&boris, "/start").await;
    let text = h.last_sent_text();
    assert!(text.contains("отвечено 1 из 39"), "{text}");
    assert_eq!(
        h.card_labels(&boris),
        vec![
            vec!["▶️ Продолжить (1 из 39)".to_string()],
            vec![RESTART.to_string()]
        ]
    );
}
