//! Reminders, with time in the test's hands: the bot runs in this process
//! (`app::serve`, long polling against the fake Bot API) on a
//! `ManualClock` that moves only when a test moves it. Nothing here sleeps
//! to wait for a reminder: a test moves the clock and waits for the fake
//! server to see the message. "Not before" is read from the database: a
//! reminder is claimed at the clock's time, so its `claimed_at` says when
//! the scheduler first took it.

use std::sync::Arc;
use std::time::Duration;

use chrono::{Days, Local, NaiveDate, TimeZone};
use sqlx::Row;

use churn_audit_bot::app::{self, Stop};
use churn_audit_bot::clock::{Clock, ManualClock};
use churn_audit_bot::config::Config;
use churn_audit_bot::domain::audit::{Answer, Command, Priority};
use churn_audit_bot::domain::checklist;
use churn_audit_bot::service::{PlanInput, PlanStep, Service};
use churn_audit_bot::storage::{Storage, UserInfo};

use crate::bot_process::*;
use crate::fake_api::{FakeApi, FakeUser, FaultKind, StoredMessage};

pub(crate) const HOUR: i64 = 3600;
pub(crate) const DAY: i64 = 24 * HOUR;

/// `hour`:00 local time today, as unix seconds: where the test clock starts.
pub(crate) fn today_at(hour: u32) -> i64 {
    let today = Local::now().date_naive();
    local(today, hour)
}

pub(crate) fn local(day: NaiveDate, hour: u32) -> i64 {
    Local
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).expect("a time"))
        .earliest()
        .expect("a local time")
        .timestamp()
}

/// The bot in this process, and how to stop it.
pub(crate) struct InProcess {
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl InProcess {
    pub(crate) async fn stop(self) {
        let _ = self.stop.send(true);
        let result = tokio::time::timeout(WAIT, self.task)
            .await
            .expect("the bot stops in time")
            .expect("the bot task");
        result.expect("the bot ran without error");
    }
}

pub(crate) struct Rig {
    pub(crate) world: World,
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) vars: Vec<(String, String)>,
}

impl Rig {
    pub(crate) async fn new(name: &'static str, vars: &[(&str, &str)]) -> Rig {
        Rig::at(name, vars, today_at(12)).await
    }

    pub(crate) async fn at(name: &'static str, vars: &[(&str, &str)], start: i64) -> Rig {
        let world = World::new(name).await;
        world
            .fake
            .add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
        Rig {
            world,
            clock: Arc::new(ManualClock::new(start)),
            vars: vars
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    pub(crate) fn fake(&self) -> &FakeApi {
        &self.world.fake
    }

    pub(crate) fn db_url(&self) -> String {
        self.world.db_url().to_string()
    }

    pub(crate) fn config(&self) -> Config {
        let mut vars: Vec<(String, String)> = vec![
            ("TELOXIDE_TOKEN".into(), token()),
            ("TELOXIDE_API_URL".into(), self.fake().url()),
            ("DATABASE_URL".into(), self.db_url()),
            (
                "CHECKLISTS_DIR".into(),
                checklists_dir().display().to_string(),
            ),
        ];
        vars.extend(self.vars.iter().cloned());
        Config::from_lookup(|key| {
            vars.iter()
                .rev()
                .find(|(k, _)| k == key)
                .map(|(_, v)| v.clone())
        })
        .expect("a valid config")
    }

    pub(crate) fn start(&self) -> InProcess {
        let (stop, handle) = Stop::manual();
        let clock: Arc<dyn Clock> = self.clock.clone();
        let task = tokio::spawn(app::serve(self.config(), clock, handle));
        InProcess { stop, task }
    }

    /// A second service on the same database and clock, to set up what a
    /// test needs faster than by pressing (it plans reminders the same way).
    pub(crate) async fn service(&self) -> Service {
        let storage = Storage::connect(&self.db_url()).await.expect("open");
        let lists = checklist::load_dir(&checklists_dir()).expect("checklists");
        let config = self.config();
        Service::new(storage, lists)
            .with_schedule(config.schedule, self.clock.clone())
            .with_operator(config.operator)
    }

    pub(crate) fn now(&self) -> i64 {
        self.clock.now()
    }

    pub(crate) fn set(&self, at: i64) {
        self.clock.set(at);
    }

    /// Every reminder row: (kind, step, state, due_at, claimed_at).
    pub(crate) async fn reminders(&self) -> Vec<ReminderRow> {
        let db = crate::helpers::inspect(&self.db_url()).await;
        sqlx::query(
            "SELECT kind, step, state, due_at, claimed_at, position, anchor FROM reminders ORDER BY id",
        )
        .fetch_all(&db)
        .await
        .expect("read the reminders")
        .iter()
        .map(|r| ReminderRow {
            kind: r.get("kind"),
            step: r.get("step"),
            state: r.get("state"),
            due_at: r.get("due_at"),
            claimed_at: r.get("claimed_at"),
            position: r.get("position"),
            anchor: r.get("anchor"),
        })
        .collect()
    }

    /// Waits (a bounded poll of the database) until the reminder rows
    /// satisfy `pred`: the scheduler marks a reminder sent just after the
    /// fake server has it.
    pub(crate) async fn wait_rows(
        &self,
        pred: impl Fn(&[ReminderRow]) -> bool,
    ) -> Vec<ReminderRow> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let rows = self.reminders().await;
            if pred(&rows) {
                return rows;
            }
            assert!(tokio::time::Instant::now() < deadline, "{rows:#?}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub(crate) async fn scheduled(&self, kind: &str) -> Vec<ReminderRow> {
        let mut scheduled: Vec<ReminderRow> = self
            .reminders()
            .await
            .into_iter()
            .filter(|r| r.kind == kind && r.state == "scheduled")
            .collect();
        // Each series in step order (a series planned again moves its
        // rows in place, so their ids say nothing of the order).
        scheduled.sort_by_key(|r| (r.position, r.step));
        scheduled
    }

    /// Bot messages so far whose text contains `needle`.
    pub(crate) fn messages_with(&self, needle: &str) -> Vec<StoredMessage> {
        self.fake()
            .bot_messages(USER)
            .into_iter()
            .filter(|m| m.plain_text.contains(needle))
            .collect()
    }

    /// Waits for the `n`-th bot message containing `needle`.
    pub(crate) async fn wait_nth(&self, needle: &str, n: usize) -> StoredMessage {
        self.fake()
            .wait_until_messages(USER, needle, n, WAIT)
            .await
            .unwrap_or_else(|e| panic!("no message {n} with {needle:?}: {e:?}"))
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ReminderRow {
    pub(crate) kind: String,
    pub(crate) step: i64,
    pub(crate) state: String,
    pub(crate) due_at: i64,
    pub(crate) claimed_at: Option<i64>,
    pub(crate) position: i64,
    pub(crate) anchor: String,
}

pub(crate) const UNFINISHED: &str = "ждёт вас";

/// Starts the audit over the fake and answers `yes` questions «Да»;
/// returns the card.
pub(crate) async fn answer_some(rig: &Rig, yes: usize) -> StoredMessage {
    let fake = rig.fake();
    let mut card = rig.world.start_audit().await;
    for _ in 0..yes {
        let query = press_on(fake, &card, Press::Yes);
        fake.wait_callback_answered(&query, WAIT).await.unwrap();
        card = wait_card_edited(fake, &card).await;
    }
    card
}

/// Presses the button labelled `label` on `message`; returns the notice.
pub(crate) async fn press(fake: &FakeApi, message: &StoredMessage, label: &str) -> Option<String> {
    let data = message
        .keyboard
        .iter()
        .flatten()
        .find(|(l, _)| l == label)
        .map(|(_, data)| data.clone())
        .unwrap_or_else(|| panic!("no «{label}» on {:?}", message.keyboard));
    let (_, query) = fake.push_callback(USER, USER, message.message_id, &data);
    fake.wait_callback_answered(&query, WAIT).await.unwrap()
}

pub(crate) fn labels(message: &StoredMessage) -> Vec<Vec<&str>> {
    message
        .keyboard
        .iter()
        .map(|row| row.iter().map(|(l, _)| l.as_str()).collect())
        .collect()
}

// ---------------------------------------------------------------------------
// Unfinished audits
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unfinished_audit_is_reminded_after_each_delay_and_no_more() {
    let rig = Rig::new("remind-unfinished", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 3).await;
    let stopped = rig.now();

    // Just before the first delay: nothing; at it: the reminder.
    rig.set(stopped + DAY - 1);
    rig.set(stopped + DAY);
    let first = rig.wait_nth(UNFINISHED, 1).await;
    assert!(
        first.plain_text.contains("Вы ответили на 3 из 39"),
        "{}",
        first.plain_text
    );
    assert_eq!(
        labels(&first),
        [vec!["▶️ Продолжить"], vec!["🔕 Больше не напоминать"]]
    );
    let rows = rig.reminders().await;
    assert_eq!(rows[0].due_at, stopped + DAY);
    assert_eq!(
        rows[0].claimed_at,
        Some(stopped + DAY),
        "claimed when due, not before"
    );

    rig.set(stopped + 3 * DAY);
    let second = rig.wait_nth(UNFINISHED, 2).await;
    assert!(second.plain_text.contains("3 из 39"));
    // Then nothing more is scheduled, however long the audit waits.
    assert!(rig.scheduled("unfinished").await.is_empty());
    rig.wait_rows(|rows| {
        rows.iter()
            .filter(|r| r.state == "sent")
            .map(|r| r.step)
            .eq([0, 1])
    })
    .await;

    // «Продолжить» on the reminder sends the card at question 4.
    let notice = press(rig.fake(), &second, "▶️ Продолжить").await;
    assert_eq!(notice.as_deref(), Some("Продолжаем"));
    rig.fake()
        .wait_for_bot_message(USER, |m| is_live_card(m, 4), WAIT)
        .await
        .unwrap();
    bot.stop().await;
    assert_eq!(rig.messages_with(UNFINISHED).len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn progress_plans_the_reminders_again_and_finishing_cancels_them() {
    let rig = Rig::new("remind-progress", &[]).await;
    let bot = rig.start();
    let card = answer_some(&rig, 2).await;
    let first_stop = rig.now();
    let planned = rig.scheduled("unfinished").await;
    assert_eq!(
        planned.iter().map(|r| r.due_at).collect::<Vec<_>>(),
        [first_stop + DAY, first_stop + 3 * DAY]
    );

    // Six hours later one more answer: the series counts from it. (The
    // press leaves the rows as they were; the scheduler moves them when
    // the first comes due.)
    rig.set(first_stop + 6 * HOUR);
    let query = press_on(rig.fake(), &card, Press::Yes);
    rig.fake()
        .wait_callback_answered(&query, WAIT)
        .await
        .unwrap();
    let card = wait_card_edited(rig.fake(), &card).await;
    rig.set(first_stop + DAY);
    let moved = [first_stop + 30 * HOUR, first_stop + 6 * HOUR + 3 * DAY];
    rig.wait_rows(|rows| {
        rows.iter()
            .filter(|r| r.kind == "unfinished" && r.state == "scheduled")
            .map(|r| r.due_at)
            .eq(moved)
    })
    .await;
    assert!(
        rig.messages_with(UNFINISHED).is_empty(),
        "nothing a day after the first stop"
    );
    let again = rig.scheduled("unfinished").await;
    assert_eq!(again.iter().map(|r| r.due_at).collect::<Vec<_>>(), moved);
    rig.set(first_stop + 30 * HOUR - 1);
    rig.set(first_stop + 30 * HOUR);
    let reminder = rig.wait_nth(UNFINISHED, 1).await;
    assert!(reminder.plain_text.contains("3 из 39"));

    // Finishing the audit cancels the rest and plans the repeat audit.
    let mut card = card;
    for i in 3..TOTAL {
        let query = press_on(rig.fake(), &card, Press::Yes);
        rig.fake()
            .wait_callback_answered(&query, WAIT)
            .await
            .unwrap();
        if i + 1 < TOTAL {
            card = wait_card_edited(rig.fake(), &card).await;
        }
    }
    let finished = rig.now();
    assert!(rig.scheduled("unfinished").await.is_empty());
    let reaudit = rig.scheduled("reaudit").await;
    assert_eq!(
        reaudit.iter().map(|r| r.due_at).collect::<Vec<_>>(),
        [finished + 365 * DAY]
    );

    // A year later: the invitation, whose button starts the audit again.
    rig.set(finished + 365 * DAY - 1);
    rig.set(finished + 365 * DAY);
    let invitation = rig.wait_nth("Пора повторить аудит", 1).await;
    assert!(
        invitation.plain_text.contains("общий балл — 100%")
            && invitation.plain_text.contains("увидите, что изменилось"),
        "{}",
        invitation.plain_text
    );
    let row = rig
        .reminders()
        .await
        .into_iter()
        .find(|r| r.kind == "reaudit")
        .expect("the reaudit row");
    assert_eq!(row.claimed_at, Some(finished + 365 * DAY));
    let notice = press(rig.fake(), &invitation, "🔄 Пройти снова").await;
    assert_eq!(notice.as_deref(), Some("Аудит начат. Первый вопрос ниже."));
    rig.fake()
        .wait_for_bot_message(
            USER,
            |m| m.message_id > invitation.message_id && is_live_card(m, 1),
            WAIT,
        )
        .await
        .unwrap();
    bot.stop().await;
    assert_eq!(rig.messages_with(UNFINISHED).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_due_in_quiet_hours_comes_when_they_end() {
    // The last press at 23:00: a day later is inside the default 21-9.
    let rig = Rig::at("remind-quiet", &[], today_at(23)).await;
    let bot = rig.start();
    answer_some(&rig, 1).await;
    let stopped = rig.now();
    let tomorrow = Local::now()
        .date_naive()
        .checked_add_days(Days::new(2))
        .expect("a date");
    let morning = local(tomorrow, 9);
    let planned = rig.scheduled("unfinished").await;
    assert_eq!(planned[0].due_at, morning);

    rig.set(stopped + DAY);
    rig.set(morning - 1);
    rig.set(morning);
    rig.wait_nth(UNFINISHED, 1).await;
    let rows = rig.reminders().await;
    assert_eq!(rows[0].claimed_at, Some(morning));
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dont_remind_me_and_settings_switch_a_kind_off_and_on() {
    let rig = Rig::new("remind-off", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 2).await;
    let stopped = rig.now();
    rig.set(stopped + DAY);
    let reminder = rig.wait_nth(UNFINISHED, 1).await;

    let notice = press(rig.fake(), &reminder, "🔕 Больше не напоминать").await;
    assert_eq!(notice.as_deref(), Some("Больше не напомню"));
    // The reminder becomes the settings panel, with the kind off.
    let panel = rig
        .fake()
        .wait_for_bot_message(
            USER,
            |m| m.message_id == reminder.message_id && m.plain_text.contains("Напоминания"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        panel
            .plain_text
            .contains("🔕 О незаконченном аудите — выключено"),
        "{}",
        panel.plain_text
    );
    assert!(rig.scheduled("unfinished").await.is_empty());
    rig.set(stopped + 3 * DAY);

    // /settings shows the same; switching it on plans from now.
    let settings = rig
        .world
        .send_text("/settings", |m| m.plain_text.contains("Напоминания"))
        .await;
    assert_eq!(
        labels(&settings),
        [
            vec!["🔕 О незаконченном аудите"],
            vec!["✅ О сроках плана действий"],
            vec!["✅ О повторном аудите"]
        ]
    );
    let notice = press(rig.fake(), &settings, "🔕 О незаконченном аудите").await;
    assert_eq!(notice.as_deref(), Some("Включено"));
    let on = rig.now();
    assert_eq!(
        rig.scheduled("unfinished")
            .await
            .iter()
            .map(|r| r.due_at)
            .collect::<Vec<_>>(),
        [on + DAY, on + 3 * DAY]
    );
    rig.set(on + DAY);
    // The first reminder became the panel: this is the only one that reads
    // as a reminder now.
    let back = rig.wait_nth(UNFINISHED, 1).await;
    assert!(back.message_id > settings.message_id);
    assert!(back.plain_text.contains("2 из 39"));
    // The third switch: off again from /settings.
    let settings = rig
        .world
        .send_text("/settings", |m| m.plain_text.contains("Напоминания"))
        .await;
    let notice = press(rig.fake(), &settings, "✅ О незаконченном аудите").await;
    assert_eq!(notice.as_deref(), Some("Выключено"));
    assert!(rig.scheduled("unfinished").await.is_empty());
    bot.stop().await;
}

// ---------------------------------------------------------------------------
// Restarts and two schedulers
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_neither_loses_nor_repeats_a_reminder() {
    let rig = Rig::new("remind-restart", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 5).await;
    let stopped = rig.now();
    bot.stop().await;

    // Due while the bot was down: sent once, after the restart.
    rig.set(stopped + DAY + HOUR);
    let bot = rig.start();
    rig.wait_nth(UNFINISHED, 1).await;
    rig.wait_rows(|rows| rows[0].state == "sent").await;
    bot.stop().await;

    // A restart right after sending: the first is not sent again; the
    // second comes at its time.
    let bot = rig.start();
    rig.set(stopped + 3 * DAY);
    rig.wait_nth(UNFINISHED, 2).await;
    rig.wait_rows(|rows| rows.iter().all(|r| r.state == "sent"))
        .await;
    bot.stop().await;
    assert_eq!(rig.messages_with(UNFINISHED).len(), 2);
    assert_eq!(rig.reminders().await.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_claimed_by_a_process_that_died_is_not_sent_again() {
    let rig = Rig::new("remind-claimed", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 1).await;
    let stopped = rig.now();
    bot.stop().await;

    // A process claims the first reminder and dies before sending it.
    rig.set(stopped + DAY);
    let dead = rig.service().await;
    let claimed = dead.claim_due_reminders(10).await.expect("claim");
    assert_eq!(claimed.len(), 1);
    drop(dead);

    // The next process does not send it; the second one comes.
    let bot = rig.start();
    rig.set(stopped + 3 * DAY);
    let only = rig.wait_nth(UNFINISHED, 1).await;
    rig.wait_rows(|rows| rows[1].state == "sent").await;
    bot.stop().await;
    assert_eq!(
        rig.messages_with(UNFINISHED).len(),
        1,
        "{}",
        only.plain_text
    );
    let rows = rig.reminders().await;
    assert_eq!(
        rows.iter()
            .map(|r| (r.step, r.state.as_str()))
            .collect::<Vec<_>>(),
        [(0, "sending"), (1, "sent")]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_schedulers_on_one_database_send_each_reminder_once() {
    let rig = Rig::new("remind-two", &[]).await;
    // Thirty users, each with an audit stopped after two answers.
    let seed = rig.service().await;
    let users: Vec<i64> = (0..30).map(|i| 7000 + i).collect();
    for &id in &users {
        rig.fake()
            .add_user(FakeUser::new(id, "Клиент").language(Some("ru")));
        let user = UserInfo {
            id,
            first_name: "Клиент".into(),
            username: None,
        };
        let session = seed
            .start(&user, churn_audit_bot::i18n::Lang::Ru, id, "churn_audit")
            .await
            .expect("start");
        let mut revision = session.record.revision;
        for _ in 0..2 {
            let (s, _) = seed
                .apply(
                    id,
                    session.record.id,
                    revision,
                    Command::Answer(Answer::Yes),
                )
                .await
                .expect("answer");
            revision = s.record.revision;
        }
    }
    let stopped = rig.now();
    drop(seed);

    // Two schedulers, as two processes would run them.
    let mut tasks = Vec::new();
    let (stop, _) = tokio::sync::watch::channel(false);
    for _ in 0..2 {
        let service = Arc::new(rig.service().await);
        let i18n = Arc::new(
            churn_audit_bot::i18n::I18n::new(churn_audit_bot::i18n::Lang::En).expect("locales"),
        );
        let bot = teloxide::Bot::new(token()).set_api_url(rig.fake().url().parse().expect("url"));
        let mut rx = stop.subscribe();
        tasks.push(tokio::spawn(churn_audit_bot::telegram::run_scheduler(
            bot,
            service,
            i18n,
            async move {
                let _ = rx.wait_for(|s| *s).await;
            },
        )));
    }
    rig.set(stopped + DAY);
    rig.fake()
        .wait_for(
            |requests| {
                requests
                    .iter()
                    .filter(|r| r.is("sendMessage") && r.is_ok())
                    .count()
                    >= users.len()
            },
            WAIT,
        )
        .await
        .unwrap();
    // Both have nothing left to claim once every first reminder is sent.
    rig.wait_rows(|rows| rows.iter().filter(|r| r.state == "sent").count() == users.len())
        .await;
    let _ = stop.send(true);
    for task in tasks {
        task.await.expect("a scheduler");
    }
    let sent = rig
        .fake()
        .requests_for("sendMessage")
        .into_iter()
        .filter(|r| r.is_ok())
        .count();
    assert_eq!(sent, users.len(), "each user reminded exactly once");
    for &id in &users {
        assert_eq!(rig.fake().bot_messages(id).len(), 1, "user {id}");
    }
}

// ---------------------------------------------------------------------------
// Delivery failures
// ---------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_who_blocked_the_bot_gets_no_more_reminders() {
    let rig = Rig::new("remind-blocked", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 2).await;
    let stopped = rig.now();
    rig.fake().set_blocked(USER, true);
    let before = rig.fake().requests_for("sendMessage").len();
    rig.set(stopped + DAY);
    rig.fake()
        .wait_for(
            |requests| requests.iter().filter(|r| r.is("sendMessage")).count() > before,
            WAIT,
        )
        .await
        .unwrap();
    // The refused reminder and the later one are cancelled: no retry loop.
    rig.wait_rows(|rows| rows.iter().all(|r| r.state == "cancelled"))
        .await;
    rig.set(stopped + 10 * DAY);
    bot.stop().await;
    assert_eq!(
        rig.fake().requests_for("sendMessage").len(),
        before + 1,
        "one attempt, no retries"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reminder_waits_out_a_429_and_retries_a_500_and_is_sent_once() {
    let rig = Rig::new("remind-faults", &[]).await;
    let bot = rig.start();
    answer_some(&rig, 2).await;
    let stopped = rig.now();
    rig.fake()
        .fail_next("sendMessage", 1, FaultKind::Status429 { retry_after: 1 });
    rig.set(stopped + DAY);
    let first = rig.wait_nth(UNFINISHED, 1).await;
    let attempts: Vec<_> = rig
        .fake()
        .requests_for("sendMessage")
        .into_iter()
        .filter(|r| r.str_param("text").is_some_and(|t| t.contains(UNFINISHED)))
        .collect();
    assert_eq!(attempts.len(), 2, "{attempts:#?}");
    assert!(!attempts[0].is_ok() && attempts[1].is_ok());
    let waited = attempts[1].at.duration_since(attempts[0].at);
    assert!(waited >= Duration::from_secs(1), "retried after {waited:?}");

    rig.fake().fail_next("sendMessage", 1, FaultKind::Status500);
    rig.set(stopped + 3 * DAY);
    let second = rig.wait_nth(UNFINISHED, 2).await;
    assert_ne!(first.message_id, second.message_id);
    bot.stop().await;
    assert_eq!(rig.messages_with(UNFINISHED).len(), 2);
}

// ---------------------------------------------------------------------------
// Plan deadlines
// ---------------------------------------------------------------------------

/// A finished audit with «Нет» on the first question, its plan walked with
/// the first item's owner «Ольга» and deadline `deadline`; returns the
/// audit id.
async fn finished_with_plan(rig: &Rig, deadline: NaiveDate) -> i64 {
    let service = rig.service().await;
    let user = UserInfo {
        id: USER,
        first_name: "Анна".into(),
        username: None,
    };
    let session = service
        .start(&user, churn_audit_bot::i18n::Lang::Ru, USER, "churn_audit")
        .await
        .expect("start");
    let audit = session.record.id;
    let mut revision = session.record.revision;
    let mut commands = vec![
        Command::Answer(Answer::No),
        Command::Priority(Priority::High),
    ];
    // The last answer finishes the audit.
    commands.extend((1..TOTAL).map(|_| Command::Answer(Answer::Yes)));
    for command in commands {
        match service.apply(USER, audit, revision, command).await {
            Ok((s, _)) => revision = s.record.revision,
            Err(e) => panic!("{command:?}: {e}"),
        }
    }
    let step = service.begin_plan(USER, audit).await.expect("plan");
    let PlanStep::Ask { entry, .. } = step else {
        panic!("the plan asks about its first item: {step:?}");
    };
    service
        .plan_input(
            USER,
            audit,
            entry.position,
            PlanInput::Owner(Some("Ольга".into())),
        )
        .await
        .expect("owner");
    service
        .plan_input(
            USER,
            audit,
            entry.position,
            PlanInput::Deadline(Some(deadline)),
        )
        .await
        .expect("deadline");
    service.plan_stop(USER, audit).await.ok();
    audit
}

async fn plan_row(rig: &Rig, audit: i64) -> (Option<String>, bool, Option<String>) {
    let db = crate::helpers::inspect(&rig.db_url()).await;
    let row = sqlx::query(
        "SELECT deadline, CAST(done AS INTEGER) AS done, blocker FROM plan_items
         WHERE audit_id = $1 AND position = 1",
    )
    .bind(audit)
    .fetch_one(&db)
    .await
    .expect("the item");
    let done: i64 = row.get("done");
    (row.get("deadline"), done != 0, row.get("blocker"))
}

const DUE: &str = "Сегодня срок по плану";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_deadline_is_reminded_on_its_day_and_done_closes_it() {
    let rig = Rig::new("remind-deadline-done", &[]).await;
    let today = Local::now().date_naive();
    let deadline = today.checked_add_days(Days::new(5)).expect("date");
    let audit = finished_with_plan(&rig, deadline).await;
    let due = local(deadline, 10);
    let planned = rig.scheduled("deadline").await;
    assert_eq!(
        planned.iter().map(|r| r.due_at).collect::<Vec<_>>(),
        [due, due + 3 * DAY]
    );
    let bot = rig.start();
    rig.set(due - 1);
    rig.set(due);
    let reminder = rig.wait_nth(DUE, 1).await;
    assert!(
        reminder.plain_text.contains("Ответственный: Ольга"),
        "{}",
        reminder.plain_text
    );
    assert!(
        reminder.plain_text.contains("💡 Решение: "),
        "{}",
        reminder.plain_text
    );
    assert_eq!(
        labels(&reminder),
        [
            vec!["✅ Сделано", "📅 Перенести на неделю"],
            vec!["🧱 Застряло"],
            vec!["🔕 Больше не напоминать"]
        ]
    );
    let claimed = rig
        .reminders()
        .await
        .into_iter()
        .find(|r| r.kind == "deadline")
        .and_then(|r| r.claimed_at);
    assert_eq!(claimed, Some(due));

    let notice = press(rig.fake(), &reminder, "✅ Сделано").await;
    assert_eq!(notice.as_deref(), Some("Отмечено как выполненное"));
    rig.fake()
        .wait_for_bot_message(
            USER,
            |m| m.message_id == reminder.message_id && m.plain_text.contains("выполнен"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(plan_row(&rig, audit).await.1, "the item is done");
    // A done item is never reminded again.
    assert!(rig.scheduled("deadline").await.is_empty());
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postpone_moves_the_deadline_a_week_and_reminds_again() {
    let rig = Rig::new("remind-deadline-week", &[]).await;
    let today = Local::now().date_naive();
    let deadline = today.checked_add_days(Days::new(2)).expect("date");
    let audit = finished_with_plan(&rig, deadline).await;
    let bot = rig.start();
    rig.set(local(deadline, 10));
    let reminder = rig.wait_nth(DUE, 1).await;
    let notice = press(rig.fake(), &reminder, "📅 Перенести на неделю").await;
    assert_eq!(notice.as_deref(), Some("Срок перенесён"));
    let moved = deadline.checked_add_days(Days::new(7)).expect("date");
    let shown = moved.format("%d.%m.%Y").to_string();
    rig.fake()
        .wait_for_bot_message(
            USER,
            |m| m.message_id == reminder.message_id && m.plain_text.contains(&shown),
            WAIT,
        )
        .await
        .unwrap();
    assert_eq!(
        plan_row(&rig, audit).await.0.as_deref(),
        Some(moved.format("%Y-%m-%d").to_string().as_str())
    );
    let planned = rig.scheduled("deadline").await;
    assert_eq!(
        planned.iter().map(|r| r.due_at).collect::<Vec<_>>(),
        [local(moved, 10), local(moved, 10) + 3 * DAY]
    );
    // The old «three days later» one is gone; the new day's comes.
    rig.set(local(moved, 10));
    // The first reminder now says where it moved; this one is new.
    let again = rig.wait_nth(DUE, 1).await;
    assert!(again.message_id > reminder.message_id);
    bot.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stuck_asks_what_blocks_the_item_and_keeps_it_in_the_plan() {
    let rig = Rig::new("remind-deadline-stuck", &[]).await;
    let today = Local::now().date_naive();
    let deadline = today.checked_add_days(Days::new(1)).expect("date");
    let audit = finished_with_plan(&rig, deadline).await;
    let bot = rig.start();
    // Missed on the day: the one three days later says how late it is.
    rig.set(local(deadline, 10) + 3 * DAY);
    let reminder = rig.wait_nth("пункт ещё открыт", 1).await;
    assert!(
        reminder.plain_text.contains("Срок прошёл 3 дня назад"),
        "{}",
        reminder.plain_text
    );
    let notice = press(rig.fake(), &reminder, "🧱 Застряло").await;
    assert_eq!(notice.as_deref(), Some("Напишите, что мешает"));
    rig.wait_nth("Что мешает выполнить", 1).await;
    let answer = rig
        .world
        .send_text("Нет бюджета на рассылку", |m| {
            m.plain_text.contains("Записал в план")
        })
        .await;
    assert!(
        answer.plain_text.contains("Что обычно помогает:") && answer.plain_text.contains("• "),
        "{}",
        answer.plain_text
    );
    assert_eq!(
        plan_row(&rig, audit).await.2.as_deref(),
        Some("Нет бюджета на рассылку")
    );
    let plan = rig
        .world
        .send_text("/plan", |m| m.plain_text.contains("План действий"))
        .await;
    assert!(
        plan.plain_text
            .contains("🧱 Мешает: Нет бюджета на рассылку"),
        "{}",
        plan.plain_text
    );
    bot.stop().await;
}
