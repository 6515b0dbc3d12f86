//! The load benchmark: starts the built bot binary against a fast fake Bot
//! API on loopback (written here, for speed: no recording, no checks) and
//! drives virtual users through whole audits. Prints presses per second,
//! the bot's CPU time per press (from /proc: user + sys), latency from an
//! update handed to the bot to its answer, peak RSS, RSS with many audits in
//! progress, and the time from start to the first getUpdates.
//!
//! ```sh
//! cargo build --release --bins
//! target/release/loadtest --users 50
//! target/release/loadtest --users 50 --database-url postgres://user:pw@127.0.0.1/bench
//! ```

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use clap::Parser;
use serde_json::{json, Value};
use tokio::sync::{mpsc, Barrier, Notify};

const TOKEN: &str = "123456:AAE2eLoadTestSecret_0123456789-abcdefXY";
const BOT_ID: i64 = 123456;
/// Chat ids of the virtual users start here.
const FIRST_USER: i64 = 7_000_000;
const WAIT: Duration = Duration::from_secs(60);

#[derive(Parser, Debug)]
#[command(about = "Load benchmark of churn-audit-bot against a fast fake Bot API")]
struct Args {
    /// Virtual users answering whole audits at once.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Mean pause of each user between presses, in milliseconds; each
    /// pause is drawn at random (exponentially) around it and the users'
    /// first presses are spread over one such pause, so presses arrive
    /// independently, as real users' do, not all 50 in step; 0: no pause.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
    /// Audits left in progress by this many more users, each of whom then
    /// presses once (for the RSS with many audits in progress); 0: skip.
    #[arg(long, default_value_t = 10_000)]
    idle_users: usize,
    /// The bot's database; default: a new SQLite file in a temp folder.
    #[arg(long)]
    database_url: Option<String>,
    /// The bot binary; default: churn-audit-bot next to this program.
    #[arg(long)]
    bot: Option<PathBuf>,
    /// The checklists folder.
    #[arg(long, default_value = "questions")]
    checklists: PathBuf,
    /// Holds every Bot API call this many milliseconds before answering
    /// it, as the network to Telegram's servers does (a round trip, and a
    /// TLS handshake on a new connection): for the start as a deployment
    /// has it; 0: answered at once (loopback).
    #[arg(long, default_value_t = 0)]
    api_latency_ms: u64,
    /// Runs the bot on this CPU alone and the load generator on the
    /// others, so the two never share a core (Linux); default: both
    /// anywhere.
    #[arg(long)]
    bot_cpu: Option<usize>,
}

/// What the fake tells a virtual user.
#[derive(Debug)]
enum Event {
    /// A message sent or edited: its id, text and (label, data) buttons.
    Message {
        id: i64,
        text: String,
        buttons: Vec<(String, String)>,
    },
    /// A callback query answered, with its text.
    Answered { query: String, text: String },
    /// A document sent.
    Document,
}

#[derive(Default)]
struct Fake {
    state: Mutex<FakeState>,
    updates: Notify,
    /// How long each call waits before it is answered (`--api-latency-ms`).
    latency: Duration,
}

#[derive(Default)]
struct FakeState {
    next_update: i64,
    next_query: u64,
    queue: VecDeque<(i64, Value)>,
    /// When each update was first handed to the bot.
    handed: HashMap<i64, Instant>,
    /// callback query id → (update id, chat).
    queries: HashMap<String, (i64, i64)>,
    next_message: HashMap<i64, i64>,
    users: HashMap<i64, mpsc::UnboundedSender<Event>>,
    latencies: Vec<Duration>,
    first_get_updates: Option<Instant>,
    /// getUpdates answered with updates, and the updates in them.
    batches: (u64, u64),
}

impl Fake {
    fn push(&self, kind: &str, payload: Value) -> i64 {
        let mut s = self.state.lock().expect("fake state");
        s.next_update += 1;
        let id = s.next_update;
        let mut update = serde_json::Map::new();
        update.insert("update_id".into(), json!(id));
        update.insert(kind.into(), payload);
        s.queue.push_back((id, Value::Object(update)));
        drop(s);
        self.updates.notify_waiters();
        id
    }

    fn user_json(chat: i64) -> Value {
        json!({"id": chat, "is_bot": false, "first_name": "Клиент", "language_code": "ru"})
    }

    fn text(&self, chat: i64, text: &str) {
        let entities = if text.starts_with('/') {
            json!([{"type": "bot_command", "offset": 0, "length": text.chars().count()}])
        } else {
            json!([])
        };
        self.push(
            "message",
            json!({
                "message_id": 1, "date": 1_764_590_000,
                "chat": {"id": chat, "type": "private", "first_name": "Клиент"},
                "from": Self::user_json(chat), "text": text, "entities": entities,
            }),
        );
    }

    fn press(&self, chat: i64, message_id: i64, data: &str) -> String {
        let query = {
            let mut s = self.state.lock().expect("fake state");
            s.next_query += 1;
            s.next_query.to_string()
        };
        let update = self.push(
            "callback_query",
            json!({
                "id": query, "from": Self::user_json(chat), "chat_instance": "1", "data": data,
                "message": {
                    "message_id": message_id, "date": 1_764_590_000,
                    "chat": {"id": chat, "type": "private", "first_name": "Клиент"},
                    "from": {"id": BOT_ID, "is_bot": true, "first_name": "Bot"}, "text": "card",
                },
            }),
        );
        self.state
            .lock()
            .expect("fake state")
            .queries
            .insert(query.clone(), (update, chat));
        query
    }

    /// A virtual user in `chat`, told what the bot does there; `card`: the
    /// message its buttons are on, if known.
    fn user(&self, chat: i64, card: i64) -> User {
        let (tx, events) = mpsc::unbounded_channel();
        self.state
            .lock()
            .expect("fake state")
            .users
            .insert(chat, tx);
        User {
            chat,
            events,
            card,
            buttons: Vec::new(),
        }
    }

    fn tell(&self, chat: i64, event: Event) {
        if std::env::var_os("LOADTEST_DEBUG").is_some() {
            eprintln!("{chat}: {event:?}");
        }
        if let Some(user) = self.state.lock().expect("fake state").users.get(&chat) {
            let _ = user.send(event);
        }
    }

    fn message(&self, chat: i64, id: Option<i64>, params: &Value) -> Value {
        let id = id.unwrap_or_else(|| {
            let mut s = self.state.lock().expect("fake state");
            let next = s.next_message.entry(chat).or_insert(100);
            *next += 1;
            *next
        });
        let text = params["text"].as_str().unwrap_or_default().to_string();
        let buttons = params["reply_markup"]["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().cloned().unwrap_or_default())
            .filter_map(|b| {
                Some((
                    b["text"].as_str()?.to_string(),
                    b["callback_data"].as_str()?.to_string(),
                ))
            })
            .collect();
        self.tell(chat, Event::Message { id, text, buttons });
        json!({
            "message_id": id, "date": 1_764_590_000,
            "chat": {"id": chat, "type": "private", "first_name": "Клиент"},
            "from": {"id": BOT_ID, "is_bot": true, "first_name": "Bot"},
            "text": params["text"].as_str().unwrap_or("…"),
        })
    }
}

/// The chat id of a multipart upload (sendDocument, sendPhoto).
fn multipart_chat(body: &[u8]) -> Option<i64> {
    let text = String::from_utf8_lossy(body);
    let at = text.find("name=\"chat_id\"")?;
    let value = text[at..].split("\r\n\r\n").nth(1)?;
    value.split("\r\n").next()?.trim().parse().ok()
}

async fn api(
    State(fake): State<Arc<Fake>>,
    Path((_bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ([(axum::http::header::HeaderName, &'static str); 1], String) {
    if !fake.latency.is_zero() {
        // The start ends when the first getUpdates arrives, not when it is
        // answered.
        if method.eq_ignore_ascii_case("getupdates") {
            let mut s = fake.state.lock().expect("fake state");
            s.first_get_updates.get_or_insert_with(Instant::now);
        }
        tokio::time::sleep(fake.latency).await;
    }
    let is_json = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    let params: Value = if is_json {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    } else {
        Value::Null
    };
    let chat = params["chat_id"].as_i64();
    // teloxide writes the method names capitalised (GetMe).
    let method = method.to_ascii_lowercase();
    let result = match method.as_str() {
        "getme" => json!({"id": BOT_ID, "is_bot": true, "first_name": "Bot",
                          "username": "churn_load_bot", "can_join_groups": true,
                          "can_read_all_group_messages": false, "supports_inline_queries": false,
                          "can_connect_to_business": false, "has_main_web_app": false}),
        "getupdates" => {
            let offset = params["offset"].as_i64().unwrap_or(0);
            let timeout = params["timeout"].as_u64().unwrap_or(0).min(5);
            let deadline = Instant::now() + Duration::from_secs(timeout);
            loop {
                let notified = fake.updates.notified();
                {
                    let mut s = fake.state.lock().expect("fake state");
                    s.first_get_updates.get_or_insert_with(Instant::now);
                    while s.queue.front().is_some_and(|(id, _)| *id < offset) {
                        s.queue.pop_front();
                    }
                    if !s.queue.is_empty() || Instant::now() >= deadline {
                        let now = Instant::now();
                        let batch: Vec<(i64, Value)> = s.queue.iter().take(100).cloned().collect();
                        for (id, _) in &batch {
                            s.handed.entry(*id).or_insert(now);
                        }
                        if !batch.is_empty() {
                            s.batches.0 += 1;
                            s.batches.1 += batch.len() as u64;
                        }
                        break Value::Array(batch.into_iter().map(|(_, u)| u).collect());
                    }
                }
                let _ = tokio::time::timeout_at(deadline.into(), notified).await;
            }
        }
        "sendmessage" => match chat {
            Some(chat) => fake.message(chat, None, &params),
            None => Value::Bool(true),
        },
        "editmessagetext" | "editmessagereplymarkup" => match chat {
            Some(chat) => fake.message(chat, params["message_id"].as_i64(), &params),
            None => Value::Bool(true),
        },
        "answercallbackquery" => {
            let query = params["callback_query_id"]
                .as_str()
                .unwrap_or_default()
                .to_string();
            let text = params["text"].as_str().unwrap_or_default().to_string();
            let found = {
                let mut s = fake.state.lock().expect("fake state");
                let found = s.queries.remove(&query);
                if let Some((update, _)) = found {
                    if let Some(at) = s.handed.remove(&update) {
                        s.latencies.push(at.elapsed());
                    }
                }
                found
            };
            if let Some((_, chat)) = found {
                fake.tell(chat, Event::Answered { query, text });
            }
            Value::Bool(true)
        }
        "senddocument" | "sendphoto" => {
            let chat = chat.or_else(|| multipart_chat(&body)).unwrap_or_default();
            if method == "senddocument" {
                fake.tell(chat, Event::Document);
            }
            let id = {
                let mut s = fake.state.lock().expect("fake state");
                let next = s.next_message.entry(chat).or_insert(100);
                *next += 1;
                *next
            };
            let file = json!({"file_id": "f", "file_unique_id": "u"});
            let mut message = json!({
                "message_id": id, "date": 1_764_590_000,
                "chat": {"id": chat, "type": "private", "first_name": "Клиент"},
                "from": {"id": BOT_ID, "is_bot": true, "first_name": "Bot"},
            });
            if method == "senddocument" {
                message["document"] = file;
            } else {
                message["photo"] = json!([{"file_id": "f", "file_unique_id": "u",
                                           "width": 10, "height": 10}]);
            }
            message
        }
        "getwebhookinfo" => json!({"url": "", "has_custom_certificate": false,
                                   "pending_update_count": 0}),
        _ => Value::Bool(true),
    };
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json!({"ok": true, "result": result}).to_string(),
    )
}

/// CPU seconds (user + sys), context switches of all its threads, and RSS
/// of a process, from /proc.
struct Usage {
    cpu: Duration,
    switches: u64,
    rss_kb: u64,
    peak_kb: u64,
}

/// The machine's CPU ticks so far, from /proc/stat. Steal makes the
/// figures of a run unreliable: it is printed.
#[derive(Clone, Copy)]
struct MachineTicks {
    all: u64,
    /// Neither idle, waiting for I/O nor stolen: what every process here
    /// (the bot, this load generator, a database server) ran.
    busy: u64,
    stolen: u64,
}

fn machine_ticks() -> anyhow::Result<MachineTicks> {
    let stat = std::fs::read_to_string("/proc/stat")?;
    let line = stat.lines().next().context("/proc/stat")?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(str::parse)
        .collect::<Result<_, _>>()?;
    // user nice system idle iowait irq softirq steal ...
    let tick = |i: usize| ticks.get(i).copied().unwrap_or(0);
    let all: u64 = ticks.iter().take(8).sum();
    Ok(MachineTicks {
        all,
        busy: all.saturating_sub(tick(3) + tick(4) + tick(7)),
        stolen: tick(7),
    })
}

/// Clock ticks of /proc (USER_HZ, 100 on Linux) as time.
fn ticks_to_time(ticks: u64) -> Duration {
    Duration::from_millis(ticks * 1000 / 100)
}

/// CPU time of this process (the load generator and its fake Bot API).
fn own_cpu() -> anyhow::Result<Duration> {
    Ok(usage(std::process::id())?.cpu)
}

/// Voluntary and involuntary context switches of every thread of `pid`.
fn switches(pid: u32) -> anyhow::Result<u64> {
    let mut total = 0;
    for task in std::fs::read_dir(format!("/proc/{pid}/task"))? {
        let Ok(status) = std::fs::read_to_string(task?.path().join("status")) else {
            continue; // the thread ended meanwhile
        };
        total += status
            .lines()
            .filter(|l| l.contains("ctxt_switches:"))
            .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
            .sum::<u64>();
    }
    Ok(total)
}

fn usage(pid: u32) -> anyhow::Result<Usage> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    let after = stat.rsplit_once(')').map(|(_, r)| r).context("stat")?;
    let fields: Vec<&str> = after.split_whitespace().collect();
    // Fields 14 and 15 of stat (utime, stime), counted from the state (3).
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kb = |key: &str| {
        status
            .lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0)
    };
    Ok(Usage {
        cpu: ticks_to_time(ticks),
        switches: switches(pid)?,
        rss_kb: kb("VmRSS:"),
        peak_kb: kb("VmHWM:"),
    })
}

struct User {
    chat: i64,
    events: mpsc::UnboundedReceiver<Event>,
    card: i64,
    buttons: Vec<(String, String)>,
}

impl User {
    async fn next(&mut self) -> anyhow::Result<Event> {
        tokio::time::timeout(WAIT, self.events.recv())
            .await
            .with_context(|| format!("user {}: no answer within {WAIT:?}", self.chat))?
            .context("the fake went away")
    }

    /// Waits for a message whose text contains `needle`; keeps its buttons.
    async fn message_with(&mut self, needle: &str) -> anyhow::Result<i64> {
        loop {
            if let Event::Message { id, text, buttons } = self.next().await? {
                if text.contains(needle) {
                    if !buttons.is_empty() {
                        self.card = id;
                        self.buttons = buttons;
                    }
                    return Ok(id);
                }
            }
        }
    }

    async fn answered(&mut self, query: &str) -> anyhow::Result<String> {
        loop {
            if let Event::Answered { query: q, text } = self.next().await? {
                if q == query {
                    return Ok(text);
                }
            }
        }
    }

    fn data(&self, suffix: &str) -> anyhow::Result<String> {
        self.buttons
            .iter()
            .find(|(_, d)| d.starts_with("s:") && d.ends_with(suffix))
            .map(|(_, d)| d.clone())
            .with_context(|| format!("no {suffix} button: {:?}", self.buttons))
    }

    /// Presses the step button ending in `suffix`; waits for the answer and
    /// for the card with its new buttons (unless `last`).
    async fn step(&mut self, fake: &Fake, suffix: &str, last: bool) -> anyhow::Result<()> {
        let data = self.data(suffix)?;
        let query = fake.press(self.chat, self.card, &data);
        let text = self.answered(&query).await?;
        if !text.starts_with("Записано") && !text.starts_with("Аудит завершён")
        {
            bail!("user {}: {data} answered {text:?}", self.chat);
        }
        if !last {
            loop {
                if let Event::Message { id, buttons, .. } = self.next().await? {
                    if id == self.card && !buttons.is_empty() {
                        self.buttons = buttons;
                        break;
                    }
                }
            }
        }
        Ok(())
    }
}

/// The presses of question `i`: every third a «Нет» with a priority.
fn presses_for(i: usize) -> &'static [&'static str] {
    match i % 3 {
        1 => &[":n", ":h"],
        _ => &[":y"],
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let at = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[at.min(sorted.len() - 1)]
}

/// A user's pauses: exponentially distributed around the mean (the gaps
/// between independent arrivals), from a small generator of its own so
/// that a run is repeatable.
struct Think {
    mean_ms: f64,
    state: u64,
}

impl Think {
    fn new(mean_ms: u64, user: u64) -> Self {
        Think {
            mean_ms: mean_ms as f64,
            state: 0x9E37_79B9_7F4A_7C15 ^ (user + 1).wrapping_mul(0xBF58_476D_1CE4_E5B9),
        }
    }

    /// Uniform in (0, 1]: xorshift64*.
    fn uniform(&mut self) -> f64 {
        self.state ^= self.state >> 12;
        self.state ^= self.state << 25;
        self.state ^= self.state >> 27;
        let bits = self.state.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 11;
        (bits as f64 + 1.0) / (1u64 << 53) as f64
    }

    /// Before the first press: uniform over one mean pause.
    async fn first(&mut self) {
        let ms = self.uniform() * self.mean_ms;
        self.sleep(ms).await;
    }

    async fn pause(&mut self) {
        let ms = -self.uniform().ln() * self.mean_ms;
        self.sleep(ms).await;
    }

    async fn sleep(&self, ms: f64) {
        if self.mean_ms > 0.0 {
            tokio::time::sleep(Duration::from_secs_f64(ms / 1e3)).await;
        }
    }
}

fn take_latencies(fake: &Fake) -> Vec<Duration> {
    let mut l = std::mem::take(&mut fake.state.lock().expect("fake state").latencies);
    l.sort();
    l
}

fn print_latency(name: &str, l: &[Duration]) {
    println!(
        "{name}: p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms ({} answers)",
        percentile(l, 0.5).as_secs_f64() * 1e3,
        percentile(l, 0.99).as_secs_f64() * 1e3,
        l.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
        l.len()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let bot_path = match &args.bot {
        Some(p) => p.clone(),
        None => std::env::current_exe()?
            .parent()
            .context("the folder of this program")?
            .join("churn-audit-bot"),
    };
    if !bot_path.is_file() {
        bail!(
            "{} not found: build it first (cargo build --release --bins)",
            bot_path.display()
        );
    }
    let dir = tempfile::tempdir()?;
    let database_url = args
        .database_url
        .clone()
        .unwrap_or_else(|| format!("sqlite://{}", dir.path().join("bench.db").display()));

    let fake = Arc::new(Fake {
        latency: Duration::from_millis(args.api_latency_ms),
        ..Fake::default()
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let port = listener.local_addr()?.port();
    let app = Router::new()
        .route("/{bot}/{method}", post(api))
        .with_state(fake.clone());
    // As Telegram's servers do: no reply held back for the bot's ACK
    // (Nagle's algorithm held some for ~40 ms).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        let _ = tcp.set_nodelay(true);
    });
    tokio::spawn(async move { axum::serve(listener, app).await });

    let mut command = tokio::process::Command::new(&bot_path);
    if let Some(cpu) = args.bot_cpu {
        pin(&mut command, cpu)?;
    }
    let started = Instant::now();
    let mut child = command
        .env("TELOXIDE_TOKEN", TOKEN)
        .env("TELOXIDE_API_URL", format!("http://127.0.0.1:{port}/"))
        .env("DATABASE_URL", &database_url)
        .env("CHECKLISTS_DIR", &args.checklists)
        .env(
            "RUST_LOG",
            std::env::var("LOADTEST_BOT_LOG").unwrap_or_else(|_| "warn".into()),
        )
        // The reminders as a deployment has them by default: each press
        // plans the unfinished-audit reminders again (in its save).
        .env_remove("REMIND_UNFINISHED")
        .env_remove("QUIET_HOURS")
        .env_remove("WEBHOOK_URL")
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {}", bot_path.display()))?;
    let pid = child.id().context("the bot's pid")?;
    let first_poll = loop {
        if let Some(at) = fake.state.lock().expect("fake state").first_get_updates {
            break at;
        }
        if started.elapsed() > WAIT {
            bail!("the bot never called getUpdates");
        }
        if let Some(status) = child.try_wait()? {
            bail!("the bot exited: {status}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    };
    println!(
        "start to first getUpdates: {:.0} ms (migrations of a new database included)",
        (first_poll - started).as_secs_f64() * 1e3
    );

    if args.users > 0 {
        whole_audits(&fake, &args, pid).await?;
    }
    if args.idle_users > 0 {
        idle_users(&fake, args.idle_users, pid, &database_url).await?;
    }
    child.kill().await.ok();
    Ok(())
}

/// Has `command` run on `cpu` alone and moves every thread of this process
/// to the other CPUs.
#[cfg(target_os = "linux")]
fn pin(command: &mut tokio::process::Command, cpu: usize) -> anyhow::Result<()> {
    let cpus = std::thread::available_parallelism()?.get();
    if cpus < 2 {
        bail!("--bot-cpu needs two CPUs or more: one for the bot, one for the load");
    }
    if cpu >= cpus {
        bail!("--bot-cpu {cpu}: this machine's CPUs are 0 to {}", cpus - 1);
    }
    let others: Vec<usize> = (0..cpus).filter(|&c| c != cpu).collect();
    for task in std::fs::read_dir("/proc/self/task")? {
        let tid: libc::pid_t = task?.file_name().to_string_lossy().parse()?;
        set_affinity(tid, &others)?;
    }
    // SAFETY: between fork and exec the closure only makes one system
    // call (sched_setaffinity on the child itself), which is
    // async-signal-safe, and touches no lock or allocation.
    unsafe {
        command.pre_exec(move || set_affinity(0, &[cpu]));
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn pin(_: &mut tokio::process::Command, _: usize) -> anyhow::Result<()> {
    bail!("--bot-cpu needs Linux")
}

/// Lets thread `tid` (0: the calling one) run on `cpus` only.
#[cfg(target_os = "linux")]
fn set_affinity(tid: libc::pid_t, cpus: &[usize]) -> std::io::Result<()> {
    // SAFETY: cpu_set_t is plain data, valid when zeroed; CPU_SET writes
    // within the set for a CPU below CPU_SETSIZE (checked); the set
    // outlives the call that reads it, with its true size.
    unsafe {
        let mut set: libc::cpu_set_t = std::mem::zeroed();
        for &cpu in cpus {
            if cpu >= libc::CPU_SETSIZE as usize {
                return Err(std::io::Error::from_raw_os_error(libc::EINVAL));
            }
            libc::CPU_SET(cpu, &mut set);
        }
        if libc::sched_setaffinity(tid, std::mem::size_of::<libc::cpu_set_t>(), &set) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// Whole audits: the checklist's link, every question, then the report.
async fn whole_audits(fake: &Arc<Fake>, args: &Args, pid: u32) -> anyhow::Result<()> {
    let users = args.users;
    let before_finish = Arc::new(Barrier::new(users + 1));
    let finish = Arc::new(Barrier::new(users + 1));
    let mut tasks = Vec::new();
    for i in 0..users {
        let chat = FIRST_USER + i as i64;
        let mut user = fake.user(chat, 0);
        let fake = fake.clone();
        let before_finish = before_finish.clone();
        let finish = finish.clone();
        let mut think = Think::new(args.think_ms, i as u64);
        tasks.push(tokio::spawn(async move {
            // The checklist's link: its greeting, then the first card.
            fake.text(chat, "/start churn_audit");
            user.message_with("Вопрос 1/39").await?;
            let mut presses = 0u64;
            before_finish.wait().await;
            think.first().await;
            for q in 0..39 {
                let steps = presses_for(q);
                for (k, suffix) in steps.iter().enumerate() {
                    let last = q == 38 && k + 1 == steps.len();
                    if last {
                        // Everyone finishes at the same moment.
                        finish.wait().await;
                    }
                    user.step(&fake, suffix, last).await?;
                    presses += 1;
                    think.pause().await;
                }
            }
            // The report files.
            fake.text(chat, "/report");
            let mut documents = 0;
            while documents < 2 {
                if let Event::Document = user.next().await? {
                    documents += 1;
                }
            }
            anyhow::Ok(presses)
        }));
    }
    before_finish.wait().await;
    let _ = take_latencies(fake);
    fake.state.lock().expect("fake state").batches = (0, 0);
    let press_start = Instant::now();
    let start = usage(pid)?;
    let machine_start = machine_ticks()?;
    let own_start = own_cpu()?;
    finish.wait().await;
    let press_wall = press_start.elapsed();
    let at_finish = usage(pid)?;
    let machine_end = machine_ticks()?;
    let own_end = own_cpu()?;
    let cpu_start = start.cpu;
    let press_latencies = take_latencies(fake);
    let (polls, polled) = fake.state.lock().expect("fake state").batches;
    let mut total_presses = 0;
    for t in tasks {
        total_presses += t.await??;
    }
    let whole_wall = press_start.elapsed();
    let end = usage(pid)?;
    let presses_before_finish = press_latencies.len() as f64;
    println!(
        "press path ({users} users, think {} ms): {:.0} presses/s, {:.0} µs CPU per press",
        args.think_ms,
        presses_before_finish / press_wall.as_secs_f64(),
        (at_finish.cpu - cpu_start).as_secs_f64() * 1e6 / presses_before_finish
    );
    print_latency("press latency", &press_latencies);
    let (all, stolen) = (
        machine_end.all.saturating_sub(machine_start.all),
        machine_end.stolen.saturating_sub(machine_start.stolen),
    );
    println!(
        "press path: {:.1} context switches per press; {:.1} updates per getUpdates; \
         the hypervisor stole {:.0} % of the machine's CPU time",
        (at_finish.switches - start.switches) as f64 / presses_before_finish,
        polled as f64 / polls.max(1) as f64,
        stolen as f64 * 100.0 / all.max(1) as f64
    );
    let busy = ticks_to_time(machine_end.busy.saturating_sub(machine_start.busy));
    let per_press = |d: Duration| d.as_secs_f64() * 1e6 / presses_before_finish;
    let bot = at_finish.cpu - cpu_start;
    let load = own_end.saturating_sub(own_start);
    println!(
        "press path, the whole machine: {:.0} µs CPU per press = bot {:.0} + load generator {:.0} \
         + everything else {:.0} (a database server on this machine)",
        per_press(busy),
        per_press(bot),
        per_press(load),
        per_press(busy.saturating_sub(bot + load)),
    );
    println!(
        "whole audits with summary, chart, PDF and CSV: {:.0} µs CPU per press ({} presses, {:.1} s)",
        (end.cpu - cpu_start).as_secs_f64() * 1e6 / total_presses as f64,
        total_presses,
        whole_wall.as_secs_f64()
    );
    println!(
        "peak RSS: {:.1} MB (with {users} audits finishing at once)",
        end.peak_kb as f64 / 1024.0
    );

    Ok(())
}

/// Many users each with an audit in progress: written through the storage
/// API (as many /start greetings would take Telegram's 30 messages a second
/// to send), then each user presses one answer, so that the dispatcher has
/// met every chat. The bot's RSS then.
async fn idle_users(
    fake: &Arc<Fake>,
    n: usize,
    pid: u32,
    database_url: &str,
) -> anyhow::Result<()> {
    use churn_audit_bot::storage::{Card, Storage, UserInfo};
    let before = usage(pid)?;
    let storage = Storage::connect(database_url).await?;
    let first = FIRST_USER + 1_000_000;
    let seeded = Instant::now();
    let mut audits = Vec::with_capacity(n);
    for i in 0..n {
        let chat = first + i as i64;
        let user = UserInfo {
            id: chat,
            first_name: "Клиент".into(),
            username: None,
        };
        storage.upsert_user(&user, "ru").await?;
        let audit = storage
            .create_audit(
                chat,
                chat,
                "churn_audit",
                1,
                "quality.matches_description",
                None,
            )
            .await?;
        storage
            .set_card(
                audit.id,
                Card {
                    chat_id: chat,
                    message_id: 1,
                },
            )
            .await?;
        audits.push((chat, audit.id, audit.revision));
    }
    storage.close().await;
    let seeded = seeded.elapsed();
    let pressed = Instant::now();
    let mut tasks = Vec::new();
    for (chat, audit, revision) in audits {
        let mut user = fake.user(chat, 1);
        let fake = fake.clone();
        tasks.push(tokio::spawn(async move {
            let query = fake.press(chat, 1, &format!("s:{audit}:{revision}:y"));
            let text = user.answered(&query).await?;
            fake.state.lock().expect("fake state").users.remove(&chat);
            if !text.starts_with("Записано") {
                bail!("user {chat}: the first answer got {text:?}");
            }
            anyhow::Ok(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let after = usage(pid)?;
    println!(
        "{n} more audits in progress (written in {:.0} s, one press each in {:.1} s): \
         RSS {:.1} MB (was {:.1} MB), peak {:.1} MB",
        seeded.as_secs_f64(),
        pressed.elapsed().as_secs_f64(),
        after.rss_kb as f64 / 1024.0,
        before.rss_kb as f64 / 1024.0,
        after.peak_kb as f64 / 1024.0
    );
    Ok(())
}
