//! The real bot binary as a child process, for the end-to-end tests
//! (`e2e.rs`, `faults.rs`): it runs against the fake Bot API server
//! (`TELOXIDE_API_URL`) and a SQLite file in a temporary folder. The fake
//! server's state lives in the test, so it survives the bot being killed and
//! started again. Also: the audit card as the tests read it, a model of what
//! the database must hold, and the database as it is.
//!
//! No helper sleeps to win a race: every wait is on a notification of the
//! fake server (or, for process exits and log lines, a bounded poll).
#![allow(dead_code)] // not every test module uses every helper

use std::collections::BTreeMap;
use std::fs::File;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use sqlx::Row;
use tokio::time::Instant;

use churn_audit_bot::domain::checklist;

use crate::fake_api::{FakeApi, StoredMessage};

pub(crate) const BIN: &str = env!("CARGO_BIN_EXE_churn-audit-bot");
/// The secret part of the fake token: 36 characters, like a real one.
pub(crate) const SECRET: &str = "AAE2eFakeSecret_0123456789-abcdefXYZ";
pub(crate) const BOT_ID_PART: &str = "123456";
/// Generous: the machine may be loaded, and a first start migrates the database.
pub(crate) const WAIT: Duration = Duration::from_secs(20);
pub(crate) const EXIT_WAIT: Duration = Duration::from_secs(10);
pub(crate) const USER: i64 = 4242;
pub(crate) const TOTAL: usize = 39;

pub(crate) fn token() -> String {
    format!("{BOT_ID_PART}:{SECRET}")
}

/// The churn audit alone: /start offers it without a choice.
pub(crate) fn checklists_dir() -> PathBuf {
    crate::helpers::churn_only_dir()
}

/// Question ids of the (only) checklist, in the order the audit asks them.
pub(crate) fn question_ids() -> Vec<String> {
    let lists = checklist::load_dir(&checklists_dir()).expect("the checklists load");
    assert_eq!(lists.len(), 1, "these tests expect exactly one checklist");
    let ids: Vec<String> = lists[0]
        .original()
        .questions()
        .map(|(_, q)| q.id.clone())
        .collect();
    assert_eq!(ids.len(), TOTAL);
    ids
}

// ---------------------------------------------------------------------------
// The bot process
// ---------------------------------------------------------------------------

/// One test's world: the fake server, a temporary folder (database, logs),
/// and the log files of every bot run, printed if the test fails.
pub(crate) struct World {
    pub(crate) name: &'static str,
    pub(crate) fake: FakeApi,
    pub(crate) dir: tempfile::TempDir,
    pub(crate) runs: Vec<(PathBuf, PathBuf)>,
    /// The bot's database: a file in `dir`, or a PostgreSQL database
    /// (see [`crate::helpers::on_postgres`]).
    db_url: String,
}

impl World {
    pub(crate) async fn new(name: &'static str) -> World {
        let dir = tempfile::Builder::new()
            .prefix(&format!("e2e-{name}-"))
            .tempdir()
            .expect("create a temporary folder");
        let db_url = crate::helpers::fresh_database_url(dir.path(), "bot.db").await;
        World {
            name,
            fake: FakeApi::start().await,
            dir,
            runs: Vec::new(),
            db_url,
        }
    }

    pub(crate) fn db_url(&self) -> &str {
        &self.db_url
    }

    /// Starts the bot with the standard environment.
    pub(crate) fn spawn(&mut self) -> BotProcess {
        self.spawn_with(|_| {})
    }

    /// Starts the bot; `adjust` may change the environment before the start.
    pub(crate) fn spawn_with(&mut self, adjust: impl FnOnce(&mut Command)) -> BotProcess {
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
            .env("DATABASE_URL", &self.db_url)
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
    pub(crate) fn logs(&self) -> String {
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

    pub(crate) fn assert_token_not_logged(&self) {
        let logs = self.logs();
        assert!(
            !logs.contains(SECRET),
            "the token's secret part appears in the bot's output:\n{logs}"
        );
    }

    /// Sends `/start`, presses «Начать аудит» and returns the first card.
    pub(crate) async fn start_audit(&self) -> StoredMessage {
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
    pub(crate) async fn send_text(
        &self,
        text: &str,
        pred: impl Fn(&StoredMessage) -> bool,
    ) -> StoredMessage {
        let mark = self.fake.last_bot_message(USER).map_or(0, |m| m.message_id);
        self.fake.push_text(USER, USER, text);
        self.fake
            .wait_for_bot_message(USER, |m| m.message_id > mark && pred(m), WAIT)
            .await
            .unwrap_or_else(|e| panic!("no answer to {text:?}: {e:?}"))
    }

    /// Sends `/start` to a bot with an audit in progress, presses
    /// «Продолжить (answered из 39)», and returns the card it sends.
    pub(crate) async fn resume_via_start(&self, answered: usize) -> StoredMessage {
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
            let refused = self.fake.refused();
            eprintln!("===== requests the fake API refused =====\n{refused:#?}");
        }
    }
}

/// A running bot binary; killed (SIGKILL) when dropped.
pub(crate) struct BotProcess {
    pub(crate) child: Child,
    pub(crate) run: usize,
    pub(crate) stderr: PathBuf,
}

impl BotProcess {
    /// SIGKILL (what `Child::kill` sends on unix), then reaps the process.
    pub(crate) fn sigkill(&mut self) -> ExitStatus {
        let _ = self.child.kill();
        self.child.wait().expect("wait for the killed bot")
    }

    pub(crate) fn sigterm(&self) {
        let status = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill -TERM");
        assert!(status.success(), "kill -TERM failed: {status}");
    }

    /// Waits (bounded) for the process to exit on its own.
    pub(crate) async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
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

    /// Waits (bounded) for the process to end on its own with a failure
    /// status, as it should when `why`; its stderr.
    pub(crate) async fn wait_failed(&mut self, timeout: Duration, why: &str) -> String {
        let status = self.wait_exit(timeout).await.unwrap_or_else(|| {
            panic!(
                "run {}: the bot did not exit within {timeout:?} {why}",
                self.run
            )
        });
        assert!(!status.success(), "exit status {why}: {status}");
        self.stderr()
    }

    pub(crate) fn stderr(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// Waits (bounded poll of the log file) until stderr holds `needle` `times` times.
    pub(crate) async fn wait_for_stderr(&self, needle: &str, times: usize, timeout: Duration) {
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

    /// The port this run's webhook listens on, read from its log: runs in
    /// webhook mode are given `WEBHOOK_LISTEN=127.0.0.1:0`, so the system
    /// picks a port no other test holds (a port found free and handed to
    /// the bot could be taken by another test in between).
    pub(crate) async fn webhook_port(&self) -> u16 {
        const LINE: &str = "webhook mode: listening on ";
        self.wait_for_stderr(LINE, 1, WAIT).await;
        let log = self.stderr();
        log.split(LINE)
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|addr| addr.parse::<std::net::SocketAddr>().ok())
            .map(|addr| addr.port())
            .unwrap_or_else(|| panic!("run {}: no webhook address in {log}", self.run))
    }

    /// SIGTERM, then the bot must exit with status 0 within [`EXIT_WAIT`].
    pub(crate) async fn stop_cleanly(&mut self) {
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
pub(crate) fn card_index(m: &StoredMessage) -> Option<usize> {
    let rest = m.plain_text.split("Вопрос ").nth(1)?;
    let (index, total) = rest.split_once('/')?;
    let total: String = total.chars().take_while(char::is_ascii_digit).collect();
    (total == TOTAL.to_string())
        .then(|| index.parse().ok())
        .flatten()
}

pub(crate) fn is_live_card(m: &StoredMessage, index: usize) -> bool {
    card_index(m) == Some(index) && !m.keyboard.is_empty()
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Press {
    Yes,
    No,
    Na,
    Low,
    Medium,
    High,
    Skip,
}

impl Press {
    pub(crate) fn label(self) -> &'static str {
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
pub(crate) struct Answer {
    pub(crate) answer: String,
    pub(crate) priority: Option<String>,
    pub(crate) skipped: bool,
}

impl Answer {
    pub(crate) fn is_complete(&self) -> bool {
        match self.answer.as_str() {
            "yes" => true,
            "no" => self.priority.is_some(),
            _ => self.priority.is_some() || self.skipped,
        }
    }
}

/// What the database must hold for an audit answered in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Model {
    pub(crate) answers: BTreeMap<String, Answer>,
    /// Index of the current question (= number of complete answers).
    pub(crate) cursor: usize,
}

impl Model {
    /// `Some(required)` when the current question waits for a priority.
    pub(crate) fn awaiting_priority(&self, qids: &[String]) -> Option<bool> {
        let a = self.answers.get(&qids[self.cursor])?;
        (!a.is_complete()).then_some(a.answer == "no")
    }

    pub(crate) fn apply(&mut self, press: Press, qids: &[String]) {
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

    pub(crate) fn applied(&self, press: Press, qids: &[String]) -> Model {
        let mut m = self.clone();
        m.apply(press, qids);
        m
    }
}

/// The card must show the model's current question, in the right step.
pub(crate) fn assert_card_matches(card: &StoredMessage, model: &Model, qids: &[String]) {
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
pub(crate) struct DbState {
    /// `(audit_id, question_id, answer)` in the order written.
    pub(crate) rows: Vec<(i64, String, Answer)>,
    /// `(id, status, current_question_id)`.
    pub(crate) audits: Vec<(i64, String, Option<String>)>,
}

impl DbState {
    /// The database as another process sees it (an SQLite file is opened
    /// read-only).
    pub(crate) async fn read(url: &str) -> DbState {
        let url = if url.starts_with("sqlite:") {
            format!("{url}?mode=ro")
        } else {
            url.to_string()
        };
        let conn = crate::helpers::inspect(&url).await;
        let rows = sqlx::query(&format!(
            "SELECT audit_id, question_id, answer, priority,
                    CAST(priority_skipped AS INTEGER) AS priority_skipped
             FROM answers {}",
            crate::helpers::answers_in_order()
        ))
        .fetch_all(&conn)
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
            .fetch_all(&conn)
            .await
            .expect("read audits")
            .iter()
            .map(|r| (r.get("id"), r.get("status"), r.get("current_question_id")))
            .collect();
        conn.close().await;
        DbState { rows, audits }
    }

    /// The one audit's answers; each question at most once.
    pub(crate) fn answers(&self) -> BTreeMap<String, Answer> {
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
    pub(crate) fn assert_holds(&self, model: &Model, qids: &[String]) {
        assert_eq!(self.answers(), model.answers, "answers in the database");
        let (_, status, current) = &self.audits[0];
        assert_eq!(status, "in_progress");
        assert_eq!(current.as_deref(), Some(qids[model.cursor].as_str()));
    }
}

/// The text of the successful answerCallbackQuery for `query`, if any.
pub(crate) fn callback_answer(fake: &FakeApi, query: &str) -> Option<String> {
    fake.requests_for("answerCallbackQuery")
        .into_iter()
        .find(|r| r.is_ok() && r.str_param("callback_query_id") == Some(query))
        .map(|r| r.str_param("text").unwrap_or_default().to_owned())
}

pub(crate) fn is_ack(text: &str) -> bool {
    text.starts_with("Записано")
}

/// Presses `press` on the card; returns the callback query id.
pub(crate) fn press_on(fake: &FakeApi, card: &StoredMessage, press: Press) -> String {
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
pub(crate) async fn wait_card_edited(fake: &FakeApi, card: &StoredMessage) -> StoredMessage {
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
