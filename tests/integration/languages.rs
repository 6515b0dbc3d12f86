//! The bot in Ukrainian, Russian and English: which language a user gets,
//! /language at any moment, the churn audit in every language, and the
//! relationship audit of seed 004 from a deep link.

use churn_audit_bot::i18n::Lang;

use crate::helpers::*;

/// What a user taps and reads, in one language, as the locale writes it.
struct Words {
    hello: &'static str,
    start: &'static str,
    started: &'static str,
    yes: &'static str,
    no: &'static str,
    high: &'static str,
    medium: &'static str,
    low: &'static str,
    /// «Вопрос» on the card: «Вопрос 4/39».
    question: &'static str,
    summary: &'static str,
    ask_owner: &'static str,
    me: &'static str,
    plan_done: &'static str,
    plan_title: &'static str,
    file_stem: &'static str,
    /// CSV headers: the row kind and the question.
    csv_kind: &'static str,
    csv_question: &'static str,
}

const RU: Words = Words {
    hello: "👋 Здравствуйте",
    start: "▶️ Начать аудит",
    started: "Аудит начат. Первый вопрос ниже.",
    yes: "✅ Да",
    no: "❌ Нет",
    high: "🔴 Высокий",
    medium: "🟡 Средний",
    low: "🟢 Низкий",
    question: "Вопрос",
    summary: "📊 <b>Итоги аудита «",
    ask_owner: "👤 <b>Кто отвечает?</b>",
    me: "👤 Я",
    plan_done: "✅ Нет, план готов",
    plan_title: "🗂 <b>План действий — «",
    file_stem: "Отчёт об аудите",
    csv_kind: "Тип строки",
    csv_question: "Вопрос",
};

const UK: Words = Words {
    hello: "👋 Вітаю",
    start: "▶️ Почати аудит",
    started: "Аудит розпочато. Перше питання нижче.",
    yes: "✅ Так",
    no: "❌ Ні",
    high: "🔴 Високий",
    medium: "🟡 Середній",
    low: "🟢 Низький",
    question: "Питання",
    summary: "📊 <b>Підсумки аудиту «",
    ask_owner: "👤 <b>Хто відповідає?</b>",
    me: "👤 Я",
    plan_done: "✅ Ні, план готовий",
    plan_title: "🗂 <b>План дій — «",
    file_stem: "Звіт про аудит",
    csv_kind: "Тип рядка",
    csv_question: "Питання",
};

const EN: Words = Words {
    hello: "👋 Hello",
    start: "▶️ Start the audit",
    started: "Audit started. The first question is below.",
    yes: "✅ Yes",
    no: "❌ No",
    high: "🔴 High",
    medium: "🟡 Medium",
    low: "🟢 Low",
    question: "Question",
    summary: "📊 <b>Results of the audit “",
    ask_owner: "👤 <b>Who is in charge?</b>",
    me: "👤 Me",
    plan_done: "✅ No, the plan is done",
    plan_title: "🗂 <b>Action plan — “",
    file_stem: "Audit report",
    csv_kind: "Row type",
    csv_question: "Question",
};

/// A checklist file's texts, read with a plain TOML parser (not the bot's
/// loader): the title, and per question its section's title, its text and
/// its action.
struct Texts {
    title: String,
    intro: String,
    questions: Vec<(String, String, String, String)>,
}

fn texts(file: &str) -> Texts {
    let source = std::fs::read_to_string(questions_dir().join(file)).expect(file);
    let table: toml::Table = toml::from_str(&source).expect("the file parses");
    let s = |t: &toml::Table, key: &str| t[key].as_str().expect(key).to_string();
    let mut questions = Vec::new();
    for section in table["sections"].as_array().expect("sections") {
        let section = section.as_table().expect("a section");
        for q in section["questions"].as_array().expect("questions") {
            let q = q.as_table().expect("a question");
            questions.push((
                s(section, "title"),
                s(q, "id"),
                s(q, "text"),
                s(q, "action"),
            ));
        }
    }
    Texts {
        title: s(&table, "title"),
        intro: s(&table, "intro"),
        questions,
    }
}

fn today() -> String {
    chrono::Local::now()
        .date_naive()
        .format("%d.%m.%Y")
        .to_string()
}

/// The button on the live card whose label starts with `prefix`.
fn label_starting(h: &Harness, who: &Person, prefix: &str) -> String {
    h.card_labels(who)
        .into_iter()
        .flatten()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no «{prefix}…» in {:?}", h.card_labels(who)))
}

/// Answers every question of the audit on the card: «No» with the
/// priority `no(i)` names, «Yes» elsewhere; checks each card shows the
/// question as `t` writes it, in the words of `w`.
async fn answer_all(
    h: &mut Harness,
    who: &Person,
    w: &Words,
    t: &Texts,
    no: impl Fn(usize) -> Option<&'static str>,
) {
    let total = t.questions.len();
    for (i, (_, _, text, _)) in t.questions.iter().enumerate() {
        let card = h.card_text(who);
        assert!(
            card.contains(&format!("{} {}/{total}", w.question, i + 1)),
            "{card}"
        );
        assert!(card.contains(text.as_str()), "question {i}: {card}");
        match no(i) {
            Some(priority) => {
                h.tap(who, w.no).await;
                h.tap(who, priority).await;
            }
            None => {
                h.tap(who, w.yes).await;
            }
        }
    }
}

/// Walks the plan: «Я» and the starred deadline for every item, then no
/// «High» problems added. Returns what the last step sent.
async fn walk_plan(h: &mut Harness, who: &Person, w: &Words, zones: &[&str]) -> Vec<String> {
    for zone in zones {
        let prompt = h.card_text(who);
        assert!(prompt.contains(zone), "the prompt names {zone}: {prompt}");
        h.tap(who, w.me).await;
        let starred = label_starting(h, who, "⭐");
        h.tap(who, &starred).await;
    }
    h.tap(who, w.plan_done).await;
    h.sent_texts()
}

/// The report files of the last dispatch: their names, and the CSV.
fn files(h: &Harness, w: &Words) -> String {
    let documents = h.sent_documents();
    let names: Vec<&str> = documents.iter().map(|(n, _, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            format!("{} {}.pdf", w.file_stem, today()),
            format!("{} {}.csv", w.file_stem, today())
        ],
        "the files are named in the user's language"
    );
    let csv = documents[1].2.clone();
    let header = csv.lines().next().unwrap_or_default().to_string();
    assert!(header.contains(w.csv_kind), "{header}");
    assert!(header.contains(w.csv_question), "{header}");
    csv
}

#[tokio::test]
async fn the_churn_audit_runs_whole_in_ukrainian_and_in_english_to_its_plan_and_files() {
    for (code, w, file) in [
        ("uk", &UK, "churn_audit.uk.toml"),
        ("en-GB", &EN, "churn_audit.en.toml"),
    ] {
        let mut h = Harness::new().await;
        let owner = Person::speaking(801, "Olha", Some(code));
        let t = texts(file);

        h.send_text(&owner, "/start").await;
        let greeting = h.last_sent_text();
        assert!(
            greeting.starts_with(&format!("{}, Olha!", w.hello)),
            "{greeting}"
        );
        assert!(greeting.contains(&esc(&t.title)), "{greeting}");
        assert_eq!(h.tap(&owner, w.start).await, w.started);

        let no = |i: usize| match i {
            0 => Some(w.high),
            1 => Some(w.medium),
            7 => Some(w.low),
            _ => None,
        };
        answer_all(&mut h, &owner, w, &t, no).await;

        let summary = h.sent_texts().join("\n");
        assert!(
            summary.contains(&format!("{}{}", w.summary, esc(&t.title))),
            "{summary}"
        );
        for i in [0, 1, 7] {
            assert!(summary.contains(&esc(&t.questions[i].2)), "{summary}");
            assert!(summary.contains(&esc(&t.questions[i].3)), "{summary}");
        }
        let photos = h.sent_photos();
        assert_eq!(photos.len(), 1, "the chart");
        assert!(!photos[0].1.contains("Баллы"), "{:?}", photos[0]);
        assert!(
            h.card_text(&owner).contains(w.ask_owner),
            "{}",
            h.card_text(&owner)
        );

        let zones = [t.questions[0].0.as_str(), t.questions[7].0.as_str()];
        let sent = walk_plan(&mut h, &owner, w, &zones).await.join("\n");
        assert!(sent.contains(w.plan_title), "{sent}");
        let csv = files(&h, w);
        assert!(csv.contains(&t.questions[0].2), "{csv}");
        assert!(!csv.contains("Вопрос") && !csv.contains("Да;"), "{csv}");
        let audit = h.audit_of(&owner).await;
        assert_eq!(audit.status, "finished");
        assert_eq!(h.answers(audit.id).await.len(), 39);
    }
}

#[tokio::test]
async fn the_relationship_audit_runs_from_a_deep_link_in_ukrainian_to_its_plan_and_files() {
    let mut h = Harness::with_questions(&questions_dir()).await;
    let owner = Person::speaking(802, "Оксана", Some("uk"));
    let t = texts("relationship_audit.uk.toml");
    assert_eq!(t.questions.len(), 30);

    h.send_text(&owner, "/start relationship_audit").await;
    let sent = h.sent_texts();
    assert_eq!(sent.len(), 2, "the greeting, then the first card: {sent:?}");
    assert!(sent[0].starts_with("👋 Вітаю, Оксана!"), "{}", sent[0]);
    assert!(sent[0].contains(&esc(&t.intro)), "{}", sent[0]);
    for seed in [
        "побачити себе очима покупця",
        "«сліпі зони»",
        "Утримати клієнта втричі дешевше, ніж залучити нового",
        "після зниження обсягів продажу або зменшення конверсії",
        "перед масштабуванням бізнесу",
        "після негативних відгуків або скарг",
        "щонайменше раз на рік",
    ] {
        assert!(t.intro.contains(seed), "the intro lacks «{seed}»");
    }

    let no = |i: usize| match i {
        0 => Some(UK.high),
        6 => Some(UK.medium),
        _ => None,
    };
    answer_all(&mut h, &owner, &UK, &t, no).await;
    let summary = h.sent_texts().join("\n");
    assert!(
        summary.contains("📊 <b>Підсумки аудиту «Аудит відносин з клієнтами»</b>"),
        "{summary}"
    );
    let zones = [t.questions[0].0.as_str(), t.questions[6].0.as_str()];
    assert_eq!(zones, ["Точки контакту на шляху клієнта", "Комунікації"]);
    walk_plan(&mut h, &owner, &UK, &zones).await;
    let csv = files(&h, &UK);
    assert!(csv.contains(&t.questions[6].2), "{csv}");
    assert!(csv.contains("touchpoints.journey_map"), "{csv}");

    let db = h.db().await;
    let checklist: String = sqlx::query_scalar("SELECT checklist_id FROM audits")
        .fetch_one(&db)
        .await
        .expect("the audit");
    assert_eq!(checklist, "relationship_audit");
}

#[tokio::test]
async fn with_two_checklists_start_offers_each_in_the_users_language() {
    let mut h = Harness::with_questions(&questions_dir()).await;
    for (id, code, expected) in [
        (
            811,
            "uk",
            [
                "1. <b>Аудит-лист: 40+ перевірок для запобігання відтоку клієнтів</b> — 39 питань, приблизно 15 хвилин",
                "2. <b>Аудит відносин з клієнтами</b> — 30 питань, приблизно 12 хвилин",
            ],
        ),
        (
            812,
            "ru",
            [
                "1. <b>Аудит-лист: 40+ проверок для предотвращения оттока клиентов</b> — 39 вопросов, около 15 минут",
                "2. <b>Аудит отношений с клиентами</b> — 30 вопросов, около 12 минут",
            ],
        ),
        (
            813,
            "en",
            [
                "1. <b>Audit checklist: 40+ checks to prevent customer churn</b> — 39 questions, about 15 minutes",
                "2. <b>Customer relationship audit</b> — 30 questions, about 12 minutes",
            ],
        ),
    ] {
        let who = Person::speaking(id, "A", Some(code));
        h.send_text(&who, "/start").await;
        let text = h.last_sent_text();
        for line in expected {
            assert!(text.contains(line), "{code}: {text}");
        }
        assert_eq!(h.card_buttons(&who).len(), 2, "{code}");
    }
}

#[tokio::test]
async fn a_deep_link_starts_its_checklist_and_a_bad_payload_falls_back_to_plain_start() {
    let mut h = Harness::with_questions(&questions_dir()).await;
    let anna = Person::new(820, "Анна");

    for payload in [
        "no_such_checklist",
        "Relationship_Audit",
        "relationship_audit-",
        "bad!payload",
        "привет",
        &"a".repeat(65),
    ] {
        h.send_text(&anna, &format!("/start {payload}")).await;
        let text = h.last_sent_text();
        assert!(
            text.starts_with("👋 Здравствуйте, Анна! Выберите аудит:"),
            "{payload}: {text}"
        );
        assert!(h.audits().await.is_empty(), "{payload} started an audit");
    }

    h.send_text(&anna, "/start churn_audit").await;
    assert!(
        h.card_text(&anna).contains("Вопрос 1/39"),
        "{}",
        h.card_text(&anna)
    );
    h.tap(&anna, RU.yes).await;

    // The same link again: the audit in progress, no other offer.
    h.send_text(&anna, "/start churn_audit").await;
    assert_eq!(
        h.card_labels(&anna),
        [
            vec!["▶️ Продолжить (1 из 39)".to_string()],
            vec!["🔄 Начать заново".to_string()]
        ]
    );

    // Another checklist's link during the audit: offered in its place, after
    // a confirmation.
    h.send_text(&anna, "/start relationship_audit").await;
    let offer = "▶️ Начать «Аудит отношений с клиентами»";
    assert_eq!(
        h.card_labels(&anna),
        [
            vec!["▶️ Продолжить (1 из 39)".to_string()],
            vec![offer.to_string()]
        ]
    );
    assert_eq!(h.audits().await.len(), 1);
    h.tap(&anna, offer).await;
    let confirm = h.last_edited_text();
    assert!(
        confirm.starts_with("Начать аудит «Аудит отношений с клиентами»?"),
        "{confirm}"
    );
    assert!(confirm.contains("отвечено 1 из 39"), "{confirm}");
    assert_eq!(h.tap(&anna, "Да, начать заново").await, RU.started);
    let card = h.card_text(&anna);
    assert!(
        card.contains("Вопрос 1/30") && card.contains("Точки контакта на пути клиента"),
        "{card}"
    );
    let statuses: Vec<String> = h.audits().await.into_iter().map(|a| a.status).collect();
    assert_eq!(statuses, ["abandoned", "in_progress"]);
}

#[tokio::test]
async fn a_tracked_link_stores_its_source_and_a_malformed_one_stores_nothing() {
    let mut h = Harness::with_questions(&questions_dir()).await;
    let anna = Person::new(825, "Анна");
    for payload in [
        "churn_audit-",
        "churn_audit-f b",
        "churn_audit-fb-ig",
        "no_such-fb",
        &format!("churn_audit-{}", "s".repeat(33)),
    ] {
        h.send_text(&anna, &format!("/start {payload}")).await;
        assert!(
            h.last_sent_text().contains("Выберите аудит:"),
            "{payload}: {}",
            h.last_sent_text()
        );
        assert!(h.audits().await.is_empty(), "{payload}");
    }
    h.send_text(&anna, "/start relationship_audit-fb_ads").await;
    assert!(
        h.card_text(&anna).contains("Вопрос 1/30"),
        "{}",
        h.card_text(&anna)
    );
    let boris = Person::new(826, "Борис");
    h.send_text(&boris, "/start churn_audit").await;
    let db = h.db().await;
    let sources: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT checklist_id, source FROM audits ORDER BY id")
            .fetch_all(&db)
            .await
            .expect("the audits");
    assert_eq!(
        sources,
        [
            ("relationship_audit".to_string(), Some("fb_ads".to_string())),
            ("churn_audit".to_string(), None),
        ]
    );
}

#[tokio::test]
async fn the_language_comes_from_telegram_then_default_language_then_the_stored_choice_wins() {
    let mut h = Harness::new().await;
    let greeting = |h: &Harness| h.last_sent_text();
    for (id, code, hello) in [
        (830, Some("uk"), UK.hello),
        (831, Some("ru"), RU.hello),
        (832, Some("be"), RU.hello),
        (833, Some("kk-KZ"), RU.hello),
        (834, Some("en"), EN.hello),
        (835, Some("de"), EN.hello),
        (836, None, EN.hello),
    ] {
        let who = Person::speaking(id, "Kim", code);
        h.send_text(&who, "/start").await;
        assert!(
            greeting(&h).starts_with(hello),
            "{code:?}: {}",
            greeting(&h)
        );
    }

    // DEFAULT_LANGUAGE=uk: only for users the bot meets from now on.
    h.restart_with(&churn_only_dir(), Lang::Uk).await;
    let new_german = Person::speaking(837, "Kim", Some("de"));
    h.send_text(&new_german, "/start").await;
    assert!(greeting(&h).starts_with(UK.hello), "{}", greeting(&h));
    let old_german = Person::speaking(835, "Kim", Some("de"));
    h.send_text(&old_german, "/start").await;
    assert!(greeting(&h).starts_with(EN.hello), "{}", greeting(&h));

    // A Ukrainian Telegram user who chose English stays English, also after
    // a restart and on a device that says ru.
    let olha = Person::speaking(830, "Kim", Some("uk"));
    h.send_text(&olha, "/language").await;
    h.tap(&olha, "English").await;
    h.restart_with(&churn_only_dir(), Lang::Uk).await;
    let olha_elsewhere = Person::speaking(830, "Kim", Some("ru"));
    h.send_text(&olha_elsewhere, "/start").await;
    assert!(greeting(&h).starts_with(EN.hello), "{}", greeting(&h));
}

#[tokio::test]
async fn language_mid_audit_redraws_the_card_keeps_every_answer_and_old_cards_stay_refused() {
    let mut h = Harness::new().await;
    let anna = Person::new(840, "Анна");
    let uk = texts("churn_audit.uk.toml");
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::Yes).await;
    h.answer(&anna, Reply::No(Prio::High)).await;
    h.answer(&anna, Reply::Na(None)).await;
    let audit = h.audit_of(&anna).await;
    let answers = h.answers(audit.id).await;
    // A card sent before /continue: its buttons are stale from then on.
    let old_card = h.card_id(&anna);
    let old_yes = h.data_of(&anna, RU.yes);
    h.send_text(&anna, "/continue").await;
    let card = h.card_id(&anna);
    assert_ne!(card, old_card);

    h.send_text(&anna, "/language").await;
    let picker = h.last_sent_text();
    assert!(picker.contains("Сейчас: Русский"), "{picker}");
    assert_eq!(
        h.card_labels(&anna),
        [vec![
            "Українська".to_string(),
            "✓ Русский".to_string(),
            "English".to_string()
        ]]
    );
    assert_eq!(h.tap(&anna, "Українська").await, "Мова бота: українська");
    let edited = h.edited_texts();
    let picker_now = &edited[0].1;
    assert!(
        picker_now.starts_with("✅ Мова бота: Українська."),
        "{picker_now}"
    );
    let (id, redrawn) = edited
        .iter()
        .find(|(id, _)| *id == card)
        .expect("the card is redrawn in place");
    assert_eq!(*id, h.card_id(&anna));
    assert!(redrawn.contains("Питання 4/39"), "{redrawn}");
    assert!(redrawn.contains(&esc(&uk.questions[3].2)), "{redrawn}");
    assert_eq!(h.answers(audit.id).await, answers, "no answer changed");

    // The redrawn card answers; the old one is refused, in Ukrainian.
    assert_eq!(h.tap(&anna, UK.yes).await, "Записано: Так");
    let refused = h.press_on(&anna, old_card, Some(&old_yes)).await;
    assert!(refused.starts_with("Цю кнопку вже натиснуто"), "{refused}");
    assert_eq!(h.answers(audit.id).await.len(), 4);
    h.send_text(&anna, "/progress").await;
    assert!(
        h.last_sent_text().contains("Прогрес: 4 з 39"),
        "{}",
        h.last_sent_text()
    );
}

#[tokio::test]
async fn in_a_group_only_who_sent_language_can_press_its_buttons() {
    let mut h = Harness::new().await;
    let anna = Person::new(843, "Анна").in_group(-500);
    let boris = Person::speaking(844, "Borys", Some("uk")).in_group(-500);
    h.send_text(&anna, "/language").await;
    let picker = h.card_id(&anna);
    let data = h.data_of(&anna, "English");
    let notice = h.press_on(&boris, picker, Some(&data)).await;
    assert_eq!(
        notice,
        "Ці кнопки — для того, хто надіслав /language. Свою мову: /language"
    );
    assert!(h.nothing_shown(), "the picker stays as it is");
    h.send_text(&anna, "/help").await;
    assert!(
        h.last_sent_text().contains("Как проходит аудит"),
        "Anna keeps Russian"
    );
    h.send_text(&boris, "/help").await;
    assert!(
        h.last_sent_text().contains("Як проходить аудит"),
        "Borys keeps Ukrainian"
    );
}

#[tokio::test]
async fn language_during_a_note_prompt_redraws_it_and_the_note_is_taken() {
    let mut h = Harness::new().await;
    let anna = Person::new(841, "Анна");
    let en = texts("churn_audit.en.toml");
    h.start_audit(&anna).await;
    h.answer(&anna, Reply::No(Prio::Medium)).await;
    h.tap(&anna, "📝 Заметка к вопросу 1").await;
    let prompt = h.card_id(&anna);

    h.send_text(&anna, "/language").await;
    h.tap(&anna, "English").await;
    let (_, redrawn) = h
        .edited_texts()
        .into_iter()
        .find(|(id, _)| *id == prompt)
        .expect("the note prompt is redrawn");
    assert!(
        redrawn.starts_with("📝 <b>Note on question 1</b>"),
        "{redrawn}"
    );
    assert!(redrawn.contains(&esc(&en.questions[0].2)), "{redrawn}");

    h.send_text(&anna, "checked in May").await;
    assert!(
        h.sent_texts()
            .contains(&"✅ Note on question 1 saved.".to_string()),
        "{:?}",
        h.sent_texts()
    );
    let db = h.db().await;
    let note: Option<String> = sqlx::query_scalar("SELECT note FROM answers")
        .fetch_one(&db)
        .await
        .expect("the answer");
    assert_eq!(note.as_deref(), Some("checked in May"));
}

#[tokio::test]
async fn language_during_the_plan_walk_redraws_the_prompt_with_the_zone_and_solution() {
    let mut h = Harness::new().await;
    let anna = Person::new(842, "Анна");
    let uk = texts("churn_audit.uk.toml");
    h.start_audit(&anna).await;
    for i in 0..39 {
        let reply = if i == 0 {
            Reply::No(Prio::High)
        } else {
            Reply::Yes
        };
        h.answer(&anna, reply).await;
    }
    let prompt = h.card_id(&anna);
    assert!(h.card_text(&anna).contains("Кто отвечает?"));

    // The language she has: confirmed, nothing redrawn or sent again.
    h.send_text(&anna, "/language").await;
    assert_eq!(h.tap(&anna, "✓ Русский").await, "Язык бота: русский");
    assert!(h.sent_texts().is_empty(), "{:?}", h.sent_texts());
    assert_eq!(h.edited_texts().len(), 1, "only the picker");

    h.send_text(&anna, "/language").await;
    h.tap(&anna, "Українська").await;
    let (_, redrawn) = h
        .edited_texts()
        .into_iter()
        .find(|(id, _)| *id == prompt)
        .expect("the plan prompt is redrawn");
    assert!(redrawn.contains(UK.ask_owner), "{redrawn}");
    assert!(
        redrawn.contains(&esc(&uk.questions[0].0)),
        "the zone: {redrawn}"
    );
    assert!(
        redrawn.contains(&esc(&uk.questions[0].3)),
        "the solution: {redrawn}"
    );
    assert!(!redrawn.contains("Решение"), "{redrawn}");

    h.send_text(&anna, "Ольга").await;
    assert!(
        h.card_text(&anna).contains("📅 <b>Термін?</b>"),
        "{}",
        h.card_text(&anna)
    );
    let starred = label_starting(&h, &anna, "⭐ 1 тиждень");
    h.tap(&anna, &starred).await;
    assert!(
        h.card_text(&anna)
            .contains("Додати до плану кожну проблему"),
        "{}",
        h.card_text(&anna)
    );
    h.tap(&anna, UK.plan_done).await;
    let plan = h.sent_texts().join("\n");
    assert!(plan.contains(UK.plan_title), "{plan}");
    assert!(plan.contains("👤 Відповідальний: Ольга"), "{plan}");
    files(&h, &UK);
}
