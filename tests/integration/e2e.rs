//! End-to-end tests: the built bot binary runs as a child process against the
//! fake Bot API server (`TELOXIDE_API_URL`) and a SQLite file in a temporary
//! folder. The fake server's state lives in the test, so it survives the bot
//! being killed and started again.
//!
//! No test sleeps to win a race: every wait is on a notification of the fake
//! server (or, for process exits and log lines, a bounded poll).

use std::collections::BTreeMap;
use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::{Connection, Row, SqliteConnection};
use tokio::time::Instant;

use churn_audit_bot::domain::checklist;

use crate::fake_api::{FakeApi, FakeUser, FaultKind, StoredMessage};

const BIN: &str = env!("CARGO_BIN_EXE_churn-audit-bot");
/// The secret part of the fake token: 36 characters, like a real one.
const SECRET: &str = "AAE2eFakeSecret_0123456789-abcdefXYZ";
const BOT_ID_PART: &str = "123456";
/// Generous: the machine may be loaded, and a first start migrates the database.
const WAIT: Duration = Duration::from_secs(20);
const EXIT_WAIT: Duration = Duration::from_secs(10);
const USER: i64 = 4242;
const TOTAL: usize = 39;

fn token() -> String {
    format!("{BOT_ID_PART}:{SECRET}")
}

fn checklists_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("questions")
}

/// Question ids of the (only) checklist, in the order the audit asks them.
fn question_ids() -> Vec<String> {
    let lists = checklist::load_dir(&checklists_dir()).expect("the checklists load");
    assert_eq!(lists.len(), 1, "these tests expect exactly one checklist");
    let ids: Vec<String> = lists[0].questions().map(|(_, q)| q.id.clone()).collect();
    assert_eq!(ids.len(), TOTAL);
    ids
}

// ---------------------------------------------------------------------------
// The bot process
// ---------------------------------------------------------------------------

/// One test's world: the fake server, a temporary folder (database, logs),
/// and the log files of every bot run, printed if the test fails.
struct World {
    name: &'static str,
    fake: FakeApi,
    dir: tempfile::TempDir,
    runs: Vec<(PathBuf, PathBuf)>,
}

impl World {
    async fn new(name: &'static str) -> World {
        let dir = tempfile::Builder::new()
            .prefix(&format!("e2e-{name}-"))
            .tempdir()
            .expect("create a temporary folder");
        World {
            name,
            fake: FakeApi::start().await,
            dir,
            runs: Vec::new(),
        }
    }

    fn db_path(&self) -> PathBuf {
        self.dir.path().join("bot.db")
    }

    /// Starts the bot with the standard environment.
    fn spawn(&mut self) -> BotProcess {
        self.spawn_with(|_| {})
    }

    /// Starts the bot; `adjust` may change the environment before the start.
    fn spawn_with(&mut self, adjust: impl FnOnce(&mut Command)) -> BotProcess {
        let run = self.runs.len() + 1;
        let out_path = self.dir.path().join(format!("run{run}.stdout.log"));
        let err_path = self.dir.path().join(format!("run{run}.stderr.log"));
        let out = File::create(&out_path).expect("create the stdout log");
        let err = File::create(&err_path).expect("create the stderr log");
        let mut cmd = Command::new(BIN);
        // The fake server is on 127.0.0.1: no proxy may stand in between.
        for var in [
            "HTTP_PROXY",
            "http_proxy",
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
        ] {
            cmd.env_remove(var);
        }
        cmd.current_dir(self.dir.path())
            .env("TELOXIDE_TOKEN", token())
            .env("TELOXIDE_API_URL", self.fake.url())
            .env(
                "DATABASE_URL",
                format!("sqlite://{}", self.db_path().display()),
            )
            .env("CHECKLISTS_DIR", checklists_dir())
            .env("RUST_LOG", "info")
            .env("RUST_LOG_STYLE", "never")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err);
        adjust(&mut cmd);
        let child = cmd.spawn().expect("start the bot binary");
        self.runs.push((out_path, err_path.clone()));
        BotProcess {
            child,
            run,
            stderr: err_path,
        }
    }

    /// stdout and stderr of every run so far.
    fn logs(&self) -> String {
        let mut all = String::new();
        for (i, (out, err)) in self.runs.iter().enumerate() {
            for (stream, path) in [("stdout", out), ("stderr", err)] {
                let text = std::fs::read_to_string(path).unwrap_or_default();
                all.push_str(&format!(
                    "----- {} run {} {stream} -----\n{text}",
                    self.name,
                    i + 1
                ));
                if !text.is_empty() && !text.ends_with('\n') {
                    all.push('\n');
                }
            }
        }
        all
    }

    fn assert_token_not_logged(&self) {
        let logs = self.logs();
        assert!(
            !logs.contains(SECRET),
            "the token's secret part appears in the bot's output:\n{logs}"
        );
    }

    /// Sends `/start`, presses «Начать аудит» and returns the first card.
    async fn start_audit(&self) -> StoredMessage {
        let greeting = self
            .send_text("/start", |m| m.button_data("Начать аудит").is_some())
            .await;
        let data = greeting.button_data("Начать аудит").expect("start button");
        let (_, query) = self
            .fake
            .push_callback(USER, USER, greeting.message_id, &data);
        let ack = self
            .fake
            .wait_callback_answered(&query, WAIT)
            .await
            .unwrap();
        assert_eq!(ack.as_deref(), Some("Аудит начат. Первый вопрос ниже."));
        self.fake
            .wait_for_bot_message(
                USER,
                |m| m.message_id > greeting.message_id && is_live_card(m, 1),
                WAIT,
            )
            .await
            .unwrap()
    }

    /// The user writes `text`; returns the first new bot message matching `pred`.
    async fn send_text(&self, text: &str, pred: impl Fn(&StoredMessage) -> bool) -> StoredMessage {
        let mark = self.fake.last_bot_message(USER).map_or(0, |m| m.message_id);
        self.fake.push_text(USER, USER, text);
        self.fake
            .wait_for_bot_message(USER, |m| m.message_id > mark && pred(m), WAIT)
            .await
            .unwrap_or_else(|e| panic!("no answer to {text:?}: {e:?}"))
    }

    /// Sends `/start` to a bot with an audit in progress, presses
    /// «Продолжить (answered из 39)», and returns the card it sends.
    async fn resume_via_start(&self, answered: usize) -> StoredMessage {
        let label = format!("Продолжить ({answered} из {TOTAL})");
        let offer = self.send_text("/start", |m| !m.keyboard.is_empty()).await;
        let data = offer.button_data(&label).unwrap_or_else(|| {
            panic!(
                "/start should offer «{label}», got {:?} with {:?}",
                offer.plain_text, offer.keyboard
            )
        });
        let (_, query) = self.fake.push_callback(USER, USER, offer.message_id, &data);
        let ack = self
            .fake
            .wait_callback_answered(&query, WAIT)
            .await
            .unwrap();
        assert_eq!(ack.as_deref(), Some("Продолжаем"));
        self.fake
            .wait_for_bot_message(
                USER,
                |m| m.message_id > offer.message_id && card_index(m).is_some(),
                WAIT,
            )
            .await
            .unwrap()
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // E2E_PRINT_LOGS=1 prints the output of passing tests too.
        if std::thread::panicking() || std::env::var_os("E2E_PRINT_LOGS").is_some() {
            eprintln!(
                "===== bot output of test {} (folder {}) =====\n{}",
                self.name,
                self.dir.path().display(),
                self.logs()
            );
            let refused: Vec<String> = self
                .fake
                .requests()
                .iter()
                .filter(|r| !r.is_ok())
                .map(ToString::to_string)
                .collect();
            eprintln!("===== requests the fake API refused =====\n{refused:#?}");
        }
    }
}

/// A running bot binary; killed (SIGKILL) when dropped.
struct BotProcess {
    child: Child,
    run: usize,
    stderr: PathBuf,
}

impl BotProcess {
    /// SIGKILL (what `Child::kill` sends on unix), then reaps the process.
    fn sigkill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("wait for the killed bot")
    }

    fn sigterm(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits (bounded) for the process to exit on its own.
    async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait on the bot") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits (bounded poll of the log file) until stderr holds `needle` `times` times.
    async fn wait_for_stderr(&self, needle: &str, times: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        loop {
            if self.stderr().matches(needle).count() >= times {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "run {}: {needle:?} did not appear {times} times in stderr within {timeout:?}",
                self.run
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// SIGTERM, then the bot must exit with status 0 within [`EXIT_WAIT`].
    async fn stop_cleanly(&mut self) {
        self.sigterm();
        let status = self.wait_exit(EXIT_WAIT).await;
        let status = status.unwrap_or_else(|| {
            panic!(
                "run {}: the bot did not exit within {EXIT_WAIT:?} after SIGTERM",
                self.run
            )
        });
        assert!(
            status.success(),
            "run {}: exit status after SIGTERM: {status}",
            self.run
        );
    }
}

impl Drop for BotProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

// ---------------------------------------------------------------------------
// The audit card and a model of what the database must hold
// ---------------------------------------------------------------------------

/// "Вопрос 7/39" on a card → 7.
fn card_index(m: &StoredMessage) -> Option<usize> {
    let rest = m.plain_text.split("Вопрос ").nth(1)?;
    let (index, total) = rest.split_once('/')?;
    let total: String = total.chars().take_while(char::is_ascii_digit).collect();
    (total == TOTAL.to_string())
        .then(|| index.parse().ok())
        .flatten()
}

fn is_live_card(m: &StoredMessage, index: usize) -> bool {
    card_index(m) == Some(index) && !m.keyboard.is_empty()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Press {
    Yes,
    No,
    Na,
    Low,
    Medium,
    High,
    Skip,
}

impl Press {
    fn label(self) -> &'static str {
        match self {
            Press::Yes => "✅ Да",
            Press::No => "❌ Нет",
            Press::Na => "➖ Не применимо",
            Press::Low => "🟢 Низкий",
            Press::Medium => "🟡 Средний",
            Press::High => "🔴 Высокий",
            Press::Skip => "Пропустить",
        }
    }
}

/// One row of the `answers` table.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Answer {
    answer: String,
    priority: Option<String>,
    skipped: bool,
}

impl Answer {
    fn is_complete(&self) -> bool {
        match self.answer.as_str() {
            "yes" => true,
            "no" => self.priority.is_some(),
            _ => self.priority.is_some() || self.skipped,
        }
    }
}

/// What the database must hold for an audit answered in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Model {
    answers: BTreeMap<String, Answer>,
    /// Index of the current question (= number of complete answers).
    cursor: usize,
}

impl Model {
    /// `Some(required)` when the current question waits for a priority.
    fn awaiting_priority(&self, qids: &[String]) -> Option<bool> {
        let a = self.answers.get(&qids[self.cursor])?;
        (!a.is_complete()).then_some(a.answer == "no")
    }

    fn apply(&mut self, press: Press, qids: &[String]) {
        let id = qids[self.cursor].clone();
        let answer = |code: &str| Answer {
            answer: code.to_owned(),
            priority: None,
            skipped: false,
        };
        let priority = |p: &str| Some(p.to_owned());
        match press {
            Press::Yes | Press::No | Press::Na => {
                assert_eq!(self.awaiting_priority(qids), None, "test bug: {press:?}");
                let code = match press {
                    Press::Yes => "yes",
                    Press::No => "no",
                    _ => "na",
                };
                self.answers.insert(id, answer(code));
            }
            Press::Low | Press::Medium | Press::High | Press::Skip => {
                let a = self
                    .answers
                    .get_mut(&id)
                    .filter(|a| !a.is_complete())
                    .unwrap_or_else(|| panic!("test bug: {press:?} without a pending answer"));
                match press {
                    Press::Low => a.priority = priority("low"),
                    Press::Medium => a.priority = priority("medium"),
                    Press::High => a.priority = priority("high"),
                    _ => a.skipped = true,
                }
            }
        }
        if self.answers[&qids[self.cursor]].is_complete() {
            self.cursor += 1;
        }
    }

    fn applied(&self, press: Press, qids: &[String]) -> Model {
        let mut m = self.clone();
        m.apply(press, qids);
        m
    }
}

/// The card must show the model's current question, in the right step.
fn assert_card_matches(card: &StoredMessage, model: &Model, qids: &[String]) {
    assert_eq!(
        card_index(card),
        Some(model.cursor + 1),
        "card shows the wrong question: {:?}",
        card.plain_text
    );
    let has = |label: &str| card.button_data(label).is_some();
    match model.awaiting_priority(qids) {
        None => assert!(
            has(Press::Yes.label()) && has(Press::No.label()) && has(Press::Na.label()),
            "card should ask for an answer: {:?}",
            card.keyboard
        ),
        Some(required) => {
            assert!(
                has(Press::Low.label()) && has(Press::High.label()) && !has(Press::Yes.label()),
                "card should ask for a priority: {:?}",
                card.keyboard
            );
            assert_eq!(
                has(Press::Skip.label()),
                !required,
                "«Пропустить» only after «Не применимо»: {:?}",
                card.keyboard
            );
        }
    }
}

/// What the database file holds.
#[derive(Debug)]
struct DbState {
    /// `(audit_id, question_id, answer)` in insertion order.
    rows: Vec<(i64, String, Answer)>,
    /// `(id, status, current_question_id)`.
    audits: Vec<(i64, String, Option<String>)>,
}

impl DbState {
    async fn read(path: &Path) -> DbState {
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut conn = SqliteConnection::connect_with(&options)
            .await
            .unwrap_or_else(|e| panic!("open {} read-only: {e}", path.display()));
        let rows = sqlx::query(
            "SELECT audit_id, question_id, answer, priority, priority_skipped
             FROM answers ORDER BY rowid",
        )
        .fetch_all(&mut conn)
        .await
        .expect("read answers")
        .iter()
        .map(|r| {
            (
                r.get::<i64, _>("audit_id"),
                r.get::<String, _>("question_id"),
                Answer {
                    answer: r.get("answer"),
                    priority: r.get("priority"),
                    skipped: r.get::<i64, _>("priority_skipped") != 0,
                },
            )
        })
        .collect();
        let audits = sqlx::query("SELECT id, status, current_question_id FROM audits ORDER BY id")
            .fetch_all(&mut conn)
            .await
            .expect("read audits")
            .iter()
            .map(|r| (r.get("id"), r.get("status"), r.get("current_question_id")))
            .collect();
        conn.close().await.expect("close the database");
        DbState { rows, audits }
    }

    /// The one audit's answers; each question at most once.
    fn answers(&self) -> BTreeMap<String, Answer> {
        assert_eq!(
            self.audits.len(),
            1,
            "exactly one audit expected: {:?}",
            self.audits
        );
        let audit_id = self.audits[0].0;
        let mut map = BTreeMap::new();
        for (audit, question, answer) in &self.rows {
            assert_eq!(
                *audit, audit_id,
                "an answer of another audit: {:?}",
                self.rows
            );
            let before = map.insert(question.clone(), answer.clone());
            assert!(
                before.is_none(),
                "{question} is stored twice: {:?}",
                self.rows
            );
        }
        map
    }

    /// The database holds exactly `model`, and the audit is where it says.
    fn assert_holds(&self, model: &Model, qids: &[String]) {
        assert_eq!(self.answers(), model.answers, "answers in the database");
        let (_, status, current) = &self.audits[0];
        assert_eq!(status, "in_progress");
        assert_eq!(current.as_deref(), Some(qids[model.cursor].as_str()));
    }
}

/// The text of the successful answerCallbackQuery for `query`, if any.
fn callback_answer(fake: &FakeApi, query: &str) -> Option<String> {
    fake.requests_for("answerCallbackQuery")
        .into_iter()
        .find(|r| r.is_ok() && r.str_param("callback_query_id") == Some(query))
        .map(|r| r.str_param("text").unwrap_or_default().to_owned())
}

fn is_ack(text: &str) -> bool {
    text.starts_with("Записано")
}

/// Presses `press` on the card; returns the callback query id.
fn press_on(fake: &FakeApi, card: &StoredMessage, press: Press) -> String {
    let data = card.button_data(press.label()).unwrap_or_else(|| {
        panic!(
            "no «{}» button on the card: {:?}",
            press.label(),
            card.keyboard
        )
    });
    fake.push_callback(USER, USER, card.message_id, &data).1
}

/// Waits until `card` is edited into a new state with buttons.
async fn wait_card_edited(fake: &FakeApi, card: &StoredMessage) -> StoredMessage {
    let before = card.callback_data();
    fake.wait_for_bot_message(
        USER,
        |m| {
            m.message_id == card.message_id && !m.keyboard.is_empty() && m.callback_data() != before
        },
        WAIT,
    )
    .await
    .unwrap()
}

// ---------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_audit_survives_sigkill_and_resumes_at_the_right_question() {
    let qids = question_ids();
    let mut world = World::new("sigkill-resume").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Анна").language(Some("ru")));
    let mut bot = world.spawn();

    let mut card = world.start_audit().await;
    let mut model = Model::default();
    use Press::*;
    let presses = [Yes, No, High, Na, Skip, Yes, No, Low, Na, Medium, Yes];
    for (i, &press) in presses.iter().enumerate() {
        let query = press_on(&fake, &card, press);
        // The acknowledgement: the bot answers only after the commit.
        let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
        let ack = ack.unwrap_or_default();
        assert!(is_ack(&ack), "press {i} ({press:?}) answered {ack:?}");
        model.apply(press, &qids);
        if i + 1 < presses.len() {
            card = wait_card_edited(&fake, &card).await;
            assert_card_matches(&card, &model, &qids);
        }
    }
    let answered = model.cursor;
    assert_eq!(answered, 7);

    // Killed right after the last acknowledgement (the card edit may not
    // have happened yet).
    bot.sigkill();
    let old_card = card;
    let mut bot = world.spawn();
    let card = world.resume_via_start(answered).await;
    assert_card_matches(&card, &model, &qids);
    assert!(card
        .plain_text
        .contains(&format!("Вопрос {}/{TOTAL}", answered + 1)));
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    // Only one live card: the one from before the kill loses its buttons,
    // and a press on them (a client showing an old keyboard) changes nothing.
    fake.wait_for_bot_message(
        USER,
        |m| m.message_id == old_card.message_id && m.keyboard.is_empty(),
        WAIT,
    )
    .await
    .unwrap();
    let query = press_on(&fake, &old_card, Yes);
    let notice = fake.wait_callback_answered(&query, WAIT).await.unwrap();
    assert!(
        notice
            .as_deref()
            .unwrap_or_default()
            .contains("ничего не изменено"),
        "a press on the old card: {notice:?}"
    );
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    // The audit goes on after the restart.
    let mut card = card;
    for &press in &[No, Medium, Yes, Na, High] {
        let query = press_on(&fake, &card, press);
        let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
        assert!(
            is_ack(ack.as_deref().unwrap_or_default()),
            "{press:?}: {ack:?}"
        );
        model.apply(press, &qids);
        card = wait_card_edited(&fake, &card).await;
        assert_card_matches(&card, &model, &qids);
    }
    assert_eq!(model.cursor, 10);
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

/// Where, relative to a press, the bot gets killed.
#[derive(Clone, Copy, Debug)]
enum KillAt {
    /// Right after the press is pushed.
    Immediately,
    /// Once the fake server handed the press out in a getUpdates answer.
    Delivered,
    /// Once the press was acknowledged (the card may not be edited yet).
    Acked,
    /// Once the card was edited.
    Edited,
    /// The same button pressed twice, then killed at once.
    DoubleTapImmediately,
    /// The same button pressed twice; killed once both presses were answered.
    DoubleTapAnswered,
}

#[tokio::test]
async fn sigkill_in_the_middle_of_presses_loses_nothing_acknowledged() {
    use KillAt::*;
    let qids = question_ids();
    let mut world = World::new("sigkill-mid-press").await;
    let fake = world.fake.clone();
    fake.add_user(FakeUser::new(USER, "Борис").language(Some("ru")));
    let mut bot = world.spawn();
    let mut card = world.start_audit().await;
    let mut model = Model::default();
    let rounds = [
        Immediately,
        Delivered,
        Acked,
        DoubleTapImmediately,
        Edited,
        Immediately,
        DoubleTapAnswered,
        Delivered,
        Acked,
        Immediately,
    ];
    let mut observations: Vec<String> = Vec::new();
    let mut applied_presses = 0;
    for (round, &kill_at) in rounds.iter().enumerate() {
        let press = match model.awaiting_priority(&qids) {
            Some(true) => [Press::High, Press::Low, Press::Medium][round % 3],
            Some(false) => [Press::Skip, Press::Medium][round % 2],
            None => [Press::No, Press::Na, Press::Yes][round % 3],
        };
        let update_mark = fake.request_count();
        let first = press_on(&fake, &card, press);
        let mut queries = vec![first.clone()];
        if matches!(kill_at, DoubleTapImmediately | DoubleTapAnswered) {
            queries.push(press_on(&fake, &card, press));
        }
        match kill_at {
            Immediately | DoubleTapImmediately => {}
            Delivered => {
                fake.wait_for(
                    |reqs| {
                        reqs[update_mark..].iter().any(|r| {
                            r.is("getUpdates")
                                && r.response["result"].as_array().is_some_and(|us| {
                                    us.iter().any(|u| {
                                        u["callback_query"]["id"].as_str() == Some(first.as_str())
                                    })
                                })
                        })
                    },
                    WAIT,
                )
                .await
                .unwrap();
            }
            Acked => {
                fake.wait_callback_answered(&first, WAIT).await.unwrap();
            }
            Edited => {
                wait_card_edited(&fake, &card).await;
            }
            DoubleTapAnswered => {
                for q in &queries {
                    fake.wait_callback_answered(q, WAIT).await.unwrap();
                }
            }
        }
        bot.sigkill();
        let acked_before_kill: Vec<bool> = queries
            .iter()
            .map(|q| callback_answer(&fake, q).is_some_and(|t| is_ack(&t)))
            .collect();

        bot = world.spawn();
        // Updates of one chat are handled in order: once the /continue card
        // is there, a re-delivered press has been handled too.
        card = world
            .send_text("/continue", |m| card_index(m).is_some())
            .await;
        let db = DbState::read(&world.db_path()).await;
        let answers_now: Vec<Option<String>> =
            queries.iter().map(|q| callback_answer(&fake, q)).collect();
        let acks = answers_now
            .iter()
            .filter(|a| a.as_deref().is_some_and(is_ack))
            .count();
        assert!(
            acks <= 1,
            "round {round}: a press acknowledged twice: {answers_now:?}"
        );

        let with = model.applied(press, &qids);
        let stored = db.answers();
        let applied = if stored == with.answers {
            true
        } else {
            assert!(
                !acked_before_kill.contains(&true),
                "round {round} ({kill_at:?}, {press:?}): the acknowledged press is not in the \
                 database.\nexpected: {:?}\nstored:   {stored:?}",
                with.answers
            );
            assert_eq!(
                stored, model.answers,
                "round {round} ({kill_at:?}, {press:?}): the database holds neither the state \
                 before nor the state after the press"
            );
            false
        };
        if acks == 1 {
            assert!(
                applied,
                "round {round}: acknowledged after the restart but not stored"
            );
        }
        if applied && acks == 0 {
            observations.push(format!(
                "round {round} ({kill_at:?}, {press:?}): stored but never acknowledged; \
                 answers: {answers_now:?}"
            ));
        }
        if !applied {
            observations.push(format!(
                "round {round} ({kill_at:?}, {press:?}): lost (never acknowledged)"
            ));
        }
        if applied {
            applied_presses += 1;
            model = with;
        }
        db.assert_holds(&model, &qids);
        // The card after /continue agrees with the database: question
        // (complete answers + 1), waiting for what the stored answer needs.
        assert_card_matches(&card, &model, &qids);
    }
    eprintln!(
        "sigkill rounds: {applied_presses} of {} presses applied; {observations:#?}",
        rounds.len()
    );

    // A last press on the final card works and is stored.
    let press = match model.awaiting_priority(&qids) {
        Some(_) => Press::Medium,
        None => Press::Yes,
    };
    let query = press_on(&fake, &card, press);
    let ack = fake.wait_callback_answered(&query, WAIT).await.unwrap();
    assert!(is_ack(ack.as_deref().unwrap_or_default()), "{ack:?}");
    model.apply(press, &qids);
    let card = wait_card_edited(&fake, &card).await;
    assert_card_matches(&card, &model, &qids);
    DbState::read(&world.db_path())
        .await
        .assert_holds(&model, &qids);

    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}

#[tokio::test]
async fn the_bot_exits_with_a_clear_message_without_a_token() {
    let mut world = World::new("no-token").await;
    assert!(
        !world.dir.path().join(".env").exists(),
        "no .env in the bot's folder"
    );

    let mut bot = world.spawn_with(|cmd| {
        cmd.env_remove("TELOXIDE_TOKEN");
    });
    let status = bot
        .wait_exit(WAIT)
        .await
        .expect("the bot exits without a token");
    assert!(!status.success(), "exit status without a token: {status}");
    let stderr = bot.stderr();
    assert!(
        stderr.contains("TELOXIDE_TOKEN") && stderr.contains("@BotFather"),
        "stderr should say what to set and where to get it:\n{stderr}"
    );

    for bad in ["not-a-token-Zq9xW7vKp", "987654:Sh0rtSecretZq9"] {
        let mut bot = world.spawn_with(|cmd| {
            cmd.env("TELOXIDE_TOKEN", bad);
        });
        let status = bot
            .wait_exit(WAIT)
            .await
            .expect("the bot exits with a malformed token");
        assert!(
            !status.success(),
            "exit status with token {bad:?}: {status}"
        );
        let stderr = bot.stderr();
        assert!(
            stderr.contains("TELOXIDE_TOKEN") && stderr.contains("@BotFather"),
            "stderr should explain the expected format:\n{stderr}"
        );
        let secret = bad.rsplit(':').next().unwrap_or(bad);
        assert!(
            !stderr.contains(bad) && !stderr.contains(secret),
            "stderr repeats the malformed token:\n{stderr}"
        );
    }
    assert_eq!(
        world.fake.request_count(),
        0,
        "the bot must not talk to the API without a valid token: {:?}",
        world.fake.requests()
    );
}

#[tokio::test]
async fn sigterm_stops_the_bot_cleanly() {
    let mut world = World::new("sigterm").await;
    let mut bot = world.spawn();
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    bot.stop_cleanly().await;
    let stderr = bot.stderr();
    assert!(stderr.contains("stopped"), "no «stopped» line:\n{stderr}");
    world.assert_token_not_logged();
}

/// SIGTERM during start-up (here while setMyCommands hangs) once met the
/// signal's default action: the process died by the signal instead of
/// exiting with 0.
#[tokio::test]
async fn sigterm_while_the_command_menu_is_being_set_exits_cleanly() {
    let mut world = World::new("sigterm-at-start").await;
    world.fake.fail_next(
        "setMyCommands",
        1,
        FaultKind::Delay(Duration::from_secs(15)),
    );
    let mut bot = world.spawn();
    // getMe answered: the bot is now waiting for setMyCommands.
    world
        .fake
        .wait_for_request("getMe", |r| r.is_ok(), WAIT)
        .await
        .unwrap();
    bot.wait_for_stderr("connected to Telegram", 1, WAIT).await;
    bot.stop_cleanly().await;
}

#[tokio::test]
async fn the_token_never_appears_in_the_logs() {
    let mut world = World::new("token-in-logs").await;

    // 1. The API is unreachable: a port that was free a moment ago.
    let closed_port = {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a free port");
        listener.local_addr().expect("local addr").port()
    };
    let url = format!("http://127.0.0.1:{closed_port}/");
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("TELOXIDE_API_URL", &url);
    });
    // Two failed attempts (after 0 s and 1 s), each with its network error logged.
    bot.wait_for_stderr("not reachable", 2, WAIT).await;
    bot.stop_cleanly().await;

    // 2. A session with every log level on (`trace`: sqlx, hyper, reqwest,
    //    teloxide), including a request the API refuses (403, the user
    //    blocked the bot), which the bot logs as a handler error.
    let fake = world.fake.clone();
    let mut bot = world.spawn_with(|cmd| {
        cmd.env("RUST_LOG", "trace");
    });
    let card = world.start_audit().await;
    let query = press_on(&fake, &card, Press::No);
    fake.wait_callback_answered(&query, WAIT).await.unwrap();
    let card = wait_card_edited(&fake, &card).await;
    fake.set_blocked(USER, true);
    fake.push_text(USER, USER, "/progress");
    fake.wait_for_request("sendMessage", |r| !r.is_ok(), WAIT)
        .await
        .unwrap();
    fake.set_blocked(USER, false);
    let query = press_on(&fake, &card, Press::High);
    fake.wait_callback_answered(&query, WAIT).await.unwrap();
    wait_card_edited(&fake, &card).await;
    bot.stop_cleanly().await;

    let logs = world.logs();
    assert!(
        logs.contains("token:redacted"),
        "expected the network error with the redacted URL in the logs:\n{logs}"
    );
    world.assert_token_not_logged();
    // Every request did carry the token, so it is the one that must stay hidden.
    assert!(fake.requests().iter().all(|r| r.token == token()));
}

#[tokio::test]
async fn set_my_commands_registers_the_menu() {
    let mut world = World::new("set-my-commands").await;
    let mut bot = world.spawn();
    world
        .fake
        .wait_for_request("setMyCommands", |r| r.is_ok(), WAIT)
        .await
        .unwrap();
    let commands = world
        .fake
        .my_commands(None)
        .expect("commands for the default scope");
    let names: Vec<&str> = commands.iter().map(|(c, _)| c.as_str()).collect();
    assert_eq!(
        names,
        [
            "start",
            "continue",
            "progress",
            "summary",
            "restart",
            "help",
            "delete_my_data"
        ]
    );
    for (command, description) in &commands {
        assert!(
            !description.trim().is_empty(),
            "/{command} has no description"
        );
    }
    world.fake.wait_for_idle_poll(WAIT).await.unwrap();
    bot.stop_cleanly().await;
    world.assert_token_not_logged();
}
